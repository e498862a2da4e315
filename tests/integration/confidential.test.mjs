// Confidential documents: served only to the delegates listed as readers
// (and to the admins, secretariat and chairs who run sessions), each copy
// stamped by the server with the reader's name and the time on every page;
// everyone else is refused (403, or 404 outside the session) by id, by a
// guessed content hash and over the WebSocket, and every refusal and grant
// is in the audit log.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  ADMIN_PASSWORD, assertAlive, assertOk, assertWireError, createItem, createSession, createUser, login, request,
  sha256, startLocalServer, stopClean, walkAgenda,
} from '../lib/integration.mjs';
import { makePdf } from '../lib/pdf.mjs';
import { WsClient } from '../lib/ws-client.mjs';

const PDF = { contentType: 'application/pdf' };
// The province's clock with its offset (the demo's zone: UTC+07:00).
const STAMP_TIME = /(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d) UTC(\+07:00)/;

function run(file, args, timeout = 30_000) {
  return new Promise((resolve) => {
    execFile(file, args, { timeout, maxBuffer: 64 << 20 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr });
    });
  });
}

/** The text of each page of the PDF in @bytes, by pdftotext (poppler-utils). */
async function pageTexts(bytes, dir) {
  const file = path.join(dir, `doc-${Date.now()}-${Math.random().toString(16).slice(2)}.pdf`);
  await fs.writeFile(file, bytes);
  const info = await run('pdfinfo', [file]);
  assert.equal(info.code, 0, info.stderr);
  const pages = Number(/^Pages:\s+(\d+)/m.exec(info.stdout)[1]);
  const texts = [];
  for (let p = 1; p <= pages; p++) {
    const r = await run('pdftotext', ['-f', String(p), '-l', String(p), '-enc', 'UTF-8', file, '-']);
    assert.equal(r.code, 0, r.stderr);
    texts.push(r.stdout);
  }
  return texts;
}

describe('confidential documents', () => {
  let srv;
  let base;
  let admin;
  let session;
  let item;
  let reader;     // listed delegate
  let other;      // delegate of the session, not listed
  let stranger;   // delegate of another session
  let tech;
  let doc;
  let pdf;
  let tmp;

  before(async () => {
    tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'roomctl-conf-'));
    srv = await startLocalServer();
    base = srv.base;
    admin = await login(base, 'admin', ADMIN_PASSWORD);
    session = await createSession(base, admin, { title: 'Phiên họp kín' });
    item = await createItem(base, admin, session.id, { title: 'Nhân sự' });
    reader = await createUser(base, admin, 'docgia1', 'delegate', { full_name: 'Trần Thị Bình' });
    other = await createUser(base, admin, 'khac1', 'delegate', { full_name: 'Lê Văn Cường' });
    stranger = await createUser(base, admin, 'nguoingoai', 'delegate');
    tech = await createUser(base, admin, 'kythuat1', 'technician');
    assertOk(await request(base, admin, 'PUT', `/api/v1/sessions/${session.id}/delegates`,
      { user_ids: [reader.user.id, other.user.id] }));
    const s2 = await createSession(base, admin, { title: 'Phiên khác' });
    assertOk(await request(base, admin, 'PUT', `/api/v1/sessions/${s2.id}/delegates`, { user_ids: [stranger.user.id] }));
    pdf = makePdf({ pages: 5, title: 'Phuong an nhan su' });
    doc = assertOk(await request(base, admin, 'POST',
      `/api/v1/agenda/${item.id}/documents?title=${encodeURIComponent('Phương án nhân sự')}&filename=nhan-su.pdf` +
      `&confidential=true&readers=${reader.user.id}`, pdf, PDF), 201);
  });
  after(async () => {
    if (srv) {
      await assertAlive(srv, 'the confidential document tests');
      await stopClean(srv, 'the confidential document tests');
    }
    if (tmp) await fs.rm(tmp, { recursive: true, force: true });
  });

  const content = (token, headers = {}) =>
    request(base, token, 'GET', `/api/v1/documents/${doc.id}/content`, null, { headers, timeoutMs: 30_000 });
  const auditRows = async () => assertOk(await request(base, admin, 'GET', '/api/v1/audit?limit=1000')).audit;

  test('upload: confidential, its readers listed for the editor', () => {
    assert.equal(doc.confidential, true);
    assert.deepEqual(doc.readers, [reader.user.id]);
    assert.equal(doc.sha256, sha256(pdf));
  });

  test('a listed delegate gets a copy stamped with their name and the time on every page', async () => {
    const t0 = new Date();
    const res = await content(reader.token);
    assert.equal(res.status, 200, res.text.slice(0, 300));
    assert.match(res.headers.get('content-type'), /application\/pdf/);
    assert.equal(res.headers.get('etag'), null, 'a stamped copy has no ETag');
    assert.notEqual(sha256(res.bytes), sha256(pdf), 'not the original bytes');
    const texts = await pageTexts(res.bytes, tmp);
    assert.equal(texts.length, 5, 'page count kept');
    texts.forEach((text, i) => {
      assert.ok(text.includes('Trần Thị Bình'), `page ${i + 1} names the reader:\n${text}`);
      assert.ok(text.includes('docgia1'), `page ${i + 1} has the username`);
      const m = STAMP_TIME.exec(text);
      assert.ok(m, `page ${i + 1} has the time:\n${text}`);
      const when = new Date(`${m[1].replace(' ', 'T')}${m[2]}`);
      assert.ok(Math.abs(when - t0) < 120_000, `stamp time ${m[1]} near ${t0.toISOString()}`);
      assert.ok(text.includes(`Page ${i + 1} of 5`), `page ${i + 1} keeps its own text (vector, extractable)`);
    });
  });

  test('the stamped copy keeps the original text as it was, and the diagonal stamp adds no letters to it', async () => {
    // The test PDF's Helvetica is not embedded: a copy that re-renders the
    // page would take a substitute font's metrics and split words
    // ("C ONF IDE NT IAL") on a machine without a metric-compatible font.
    const original = await pageTexts(pdf, tmp);
    const texts = await pageTexts((await content(reader.token)).bytes, tmp);
    texts.forEach((text, i) => {
      const lines = text.split('\n').filter((l) => l.trim() !== '' && l !== '\f');
      const stamps = lines.filter((l) => l.includes('Trần Thị Bình'));
      assert.equal(stamps.length, 2, `page ${i + 1}: the stamp is text twice (top and bottom margins), never a third time:\n${text}`);
      assert.ok(stamps.every((l) => STAMP_TIME.test(l) && l.includes('docgia1')), `page ${i + 1}: each margin line is the whole stamp:\n${text}`);
      const own = lines.filter((l) => !l.includes('Trần Thị Bình')).join('\n');
      const want = original[i].split('\n').filter((l) => l.trim() !== '' && l !== '\f').join('\n');
      assert.equal(own, want, `page ${i + 1}: the page's own text is the original's, word for word`);
      assert.ok(want.includes(`Page ${i + 1} of 5`), 'the original has the page line');
    });
  });

  test('staff who run sessions read it (stamped); a technician does not', async () => {
    const res = await content(admin);
    assert.equal(res.status, 200);
    const texts = await pageTexts(res.bytes, tmp);
    assert.ok(texts.every((t) => t.includes('admin')), 'stamped for the admin');
    assertWireError(await content(tech.token), 1101, undefined, 'technician');
  });

  test('a delegate who is not listed: 403 by id, for metadata, and for a guessed hash', async () => {
    assertWireError(await content(other.token), 1101, undefined, 'content by id');
    assertWireError(await request(base, other.token, 'GET', `/api/v1/documents/${doc.id}`), 1101, undefined, 'metadata');
    // Guessing the content: a hash in If-None-Match must not answer 304.
    assertWireError(await content(other.token, { 'If-None-Match': `"${sha256(pdf)}"` }), 1101, undefined, 'hash guess');
    // There is no by-hash route, and the data directory is not served.
    for (const p of [`/api/v1/documents/${sha256(pdf)}`, `/api/v1/documents/${sha256(pdf)}/content`,
      `/documents/${sha256(pdf)}.pdf`, `/api/v1/documents/by-hash/${sha256(pdf)}`]) {
      const r = await request(base, other.token, 'GET', p);
      assert.equal(r.status, 404, `${p} -> ${r.status}`);
      assert.ok(!r.bytes.includes(Buffer.from('%PDF')), `${p} gives no PDF`);
    }
    // Outside the session: as for any document there, it does not exist.
    assertWireError(await content(stranger.token), 1200, undefined, 'delegate of another session');
  });

  test('the agenda lists it without its hash; notes on it are refused over the WebSocket', async () => {
    const { agenda } = assertOk(await request(base, other.token, 'GET', `/api/v1/sessions/${session.id}/agenda`));
    const listed = [];
    walkAgenda(agenda, (it) => listed.push(...it.documents));
    const d = listed.find((x) => x.id === doc.id);
    assert.equal(d.confidential, true);
    assert.equal(d.sha256, null, 'no content hash in the shared agenda');
    assert.equal(d.readers, undefined, 'the readers are not listed for delegates');
    const ws = await WsClient.connect(srv.port, { token: other.token });
    try {
      await ws.request('subscribe', { session_id: session.id });
      const snap = await ws.waitFor((m) => m.type === 'snapshot');
      const docs = [];
      walkAgenda(snap.body.session.agenda, (it) => docs.push(...it.documents));
      assert.equal(docs.find((x) => x.id === doc.id).sha256, null, 'nor in the snapshot');
      await assert.rejects(ws.request('note.save', { document_id: doc.id, page: 1, text: 'x' }),
        (e) => e.code === 1101);
      await assert.rejects(ws.request('notes.list', { document_id: doc.id }), (e) => e.code === 1101);
    } finally {
      ws.close();
    }
  });

  test('refusals and grants are in the audit log', async () => {
    const rows = await auditRows();
    const target = `document:${doc.id}`;
    const refused = rows.filter((r) => r.action === 'document.refused' && r.target === target);
    const by = (u, detail) => refused.some((r) => r.user_id === u.user.id && r.detail === detail);
    assert.ok(by(other, 'content: not a reader'), JSON.stringify(refused));
    assert.ok(by(other, 'metadata: not a reader'));
    assert.ok(by(other, 'notes: not a reader'));
    assert.ok(by(tech, 'content: not a reader'));
    assert.ok(by(stranger, 'content: not in the session'));
    assert.ok(rows.some((r) => r.action === 'document.read' && r.target === target && r.user_id === reader.user.id
      && r.detail === 'content'), 'the granted read');
    assert.ok(rows.some((r) => r.action === 'document.access' && r.target === target), 'marking it confidential');
  });

  test('PATCH: readers and the mark are changed by editors only', async () => {
    assertWireError(await request(base, reader.token, 'PATCH', `/api/v1/documents/${doc.id}`, { readers: [] }), 1101);
    assertWireError(await request(base, admin, 'PATCH', `/api/v1/documents/${doc.id}`, { readers: [999999] }), 1001, 'readers');
    const d = assertOk(await request(base, admin, 'PATCH', `/api/v1/documents/${doc.id}`,
      { readers: [reader.user.id, other.user.id] }));
    assert.deepEqual(d.readers, [reader.user.id, other.user.id]);
    assert.equal((await content(other.token)).status, 200, 'now listed');
    const open = assertOk(await request(base, admin, 'PATCH', `/api/v1/documents/${doc.id}`, { confidential: false }));
    assert.equal(open.confidential, false);
    const res = await content(tech.token);
    assert.equal(res.status, 200);
    assert.equal(sha256(res.bytes), sha256(pdf), 'no longer confidential: the original bytes');
    assert.equal(res.headers.get('etag'), `"${sha256(pdf)}"`);
    assertOk(await request(base, admin, 'PATCH', `/api/v1/documents/${doc.id}`, { confidential: true }));
  });

  test('a 30-page document is stamped in a worker; the loop keeps answering', async (t) => {
    const big = makePdf({ pages: 30, title: 'Ba muoi trang' });
    const d = assertOk(await request(base, admin, 'POST',
      `/api/v1/agenda/${item.id}/documents?title=big&confidential=true&readers=${reader.user.id}`, big, PDF), 201);
    const t0 = performance.now();
    const pending = request(base, reader.token, 'GET', `/api/v1/documents/${d.id}/content`, null, { timeoutMs: 60_000 });
    const health = await request(base, null, 'GET', '/healthz');
    assert.equal(health.status, 200);
    const res = await pending;
    const ms = performance.now() - t0;
    assert.equal(res.status, 200);
    const texts = await pageTexts(res.bytes, tmp);
    assert.equal(texts.length, 30);
    assert.ok(texts.every((x) => x.includes('Trần Thị Bình')));
    t.diagnostic(`30-page stamped copy: ${ms.toFixed(0)} ms, ${res.bytes.length} bytes (original ${big.length})`);
  });
});

// What a confidential document's listing tells someone who may not read it:
// its title, page count and mark only. Its exact size (with the page count),
// file name, signers or hash would confirm a guessed document. Asked over
// REST and the WebSocket (snapshot and agenda.updated) as a reader, a
// delegate who is not one, a technician and the secretariat who uploaded it.
describe('confidential documents: metadata for non-readers', () => {
  const SIGNER = 'Phạm Ký Mật';
  const FILENAME = 'ho-so-mat-7731.pdf';
  const PUBLIC_KEYS = ['agenda_item_id', 'confidential', 'id', 'pages', 'title'];
  const WITHHELD = ['filename', 'sha256', 'signature', 'size', 'uploaded_at'];
  let srv;
  let base;
  let admin;
  let secretary;
  let session;
  let item;
  let reader;
  let other;
  let tech;
  let doc;
  let open;
  let tmp;

  before(async () => {
    tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'roomctl-confmeta-'));
    const { makeSigner, signPdf } = await import('../lib/sign.mjs');
    const nss = await makeSigner(tmp, SIGNER);
    await fs.writeFile(path.join(tmp, 'plain.pdf'), makePdf({ pages: 3, title: 'Ho so mat' }));
    await signPdf(nss, path.join(tmp, 'plain.pdf'), path.join(tmp, 'signed.pdf'));
    const signed = await fs.readFile(path.join(tmp, 'signed.pdf'));
    srv = await startLocalServer();
    base = srv.base;
    admin = await login(base, 'admin', ADMIN_PASSWORD);
    secretary = (await createUser(base, admin, 'thuky9', 'secretariat')).token;
    session = await createSession(base, admin, { title: 'Phiên họp kín 2' });
    item = await createItem(base, admin, session.id, { title: 'Nhân sự' });
    reader = await createUser(base, admin, 'docgia9', 'delegate', { full_name: 'Đinh Thị Đọc' });
    other = await createUser(base, admin, 'khac9', 'delegate', { full_name: 'Mai Văn Khác' });
    tech = await createUser(base, admin, 'kythuat9', 'technician');
    assertOk(await request(base, admin, 'PUT', `/api/v1/sessions/${session.id}/delegates`,
      { user_ids: [reader.user.id, other.user.id] }));
    doc = assertOk(await request(base, secretary, 'POST',
      `/api/v1/agenda/${item.id}/documents?title=${encodeURIComponent('Hồ sơ nhân sự')}&filename=${FILENAME}` +
      `&confidential=true&readers=${reader.user.id}`, signed, PDF), 201);
    open = assertOk(await request(base, secretary, 'POST',
      `/api/v1/agenda/${item.id}/documents?title=${encodeURIComponent('Tờ trình')}&filename=to-trinh.pdf`,
      makePdf({ pages: 2, title: 'To trinh' }), PDF), 201);
  });
  after(async () => {
    if (srv) {
      await assertAlive(srv, 'the confidential metadata tests');
      await stopClean(srv, 'the confidential metadata tests');
    }
    if (tmp) await fs.rm(tmp, { recursive: true, force: true });
  });

  const listed = (agenda, id) => {
    const docs = [];
    walkAgenda(agenda, (it) => docs.push(...it.documents));
    return docs.find((d) => d.id === id);
  };

  /** @d (a listing of the confidential document) tells nothing but its title, pages and mark. */
  function assertWithheld(d, text, who) {
    assert.ok(d, `${who}: the document is listed`);
    assert.equal(d.title, 'Hồ sơ nhân sự', who);
    assert.equal(d.pages, 3, who);
    assert.equal(d.confidential, true, who);
    for (const k of WITHHELD) assert.equal(d[k], null, `${who}: ${k} withheld, got ${JSON.stringify(d[k])}`);
    assert.equal(d.readers, undefined, `${who}: no readers`);
    const shown = Object.keys(d).filter((k) => d[k] !== null && k !== 'url').sort();
    assert.deepEqual(shown, PUBLIC_KEYS, `${who}: nothing else`);
    assert.ok(!d.url || d.url === `/api/v1/documents/${doc.id}/content`, `${who}: the URL names only the id`);
    assert.ok(!text.includes(FILENAME), `${who}: the file name appears nowhere in the reply`);
    assert.ok(!text.includes(SIGNER), `${who}: the signer appears nowhere in the reply`);
    assert.ok(!text.includes(doc.sha256), `${who}: the hash appears nowhere in the reply`);
  }

  function assertFull(d, who) {
    assert.equal(d.filename, FILENAME, who);
    assert.equal(d.size, doc.size, who);
    assert.equal(d.signature.signers[0].name, SIGNER, who);
    assert.equal(d.pages, 3, who);
  }

  test('the upload reply gives the secretariat everything, signers included', () => {
    assert.equal(doc.size > 0 && doc.filename === FILENAME, true);
    assert.equal(doc.signature.signers[0].name, SIGNER);
  });

  test('REST: a non-reader delegate and a technician see title, pages and the mark only', async () => {
    for (const [who, token] of [['non-reader delegate', other.token], ['technician', tech.token]]) {
      const a = await request(base, token, 'GET', `/api/v1/sessions/${session.id}/agenda`);
      assertWithheld(listed(assertOk(a).agenda, doc.id), a.text, `${who}, GET agenda`);
      const s = await request(base, token, 'GET', `/api/v1/sessions/${session.id}`);
      assertWithheld(listed(assertOk(s).agenda, doc.id), s.text, `${who}, GET session`);
      const plain = listed(JSON.parse(a.text).agenda, open.id);
      assert.equal(plain.filename, 'to-trinh.pdf', `${who}: an open document keeps its metadata`);
      assert.equal(plain.sha256, open.sha256);
    }
  });

  test('REST: the reader and the secretariat see its metadata', async () => {
    const r = listed(assertOk(await request(base, reader.token, 'GET', `/api/v1/sessions/${session.id}/agenda`)).agenda, doc.id);
    assertFull(r, 'reader');
    assert.equal(r.readers, undefined, 'a reader is not told who else reads it');
    const s = listed(assertOk(await request(base, secretary, 'GET', `/api/v1/sessions/${session.id}`)).agenda, doc.id);
    assertFull(s, 'secretariat');
  });

  test('WebSocket: the snapshot is shaped per user; agenda.updated carries only what anyone may see', async () => {
    const conns = {};
    let before = null;
    try {
      for (const [who, token] of [['reader', reader.token], ['non-reader delegate', other.token],
        ['technician', tech.token], ['secretariat', secretary]]) {
        const ws = await WsClient.connect(srv.port, { token });
        conns[who] = ws;
        const sub = await ws.request('subscribe', { session_id: session.id });
        before = before || sub;
        const snap = await ws.waitFor((m) => m.type === 'snapshot');
        const d = listed(snap.body.session.agenda, doc.id);
        if (who === 'reader' || who === 'secretariat') assertFull(d, `${who}, snapshot`);
        else assertWithheld(d, JSON.stringify(snap), `${who}, snapshot`);
      }
      assertOk(await request(base, secretary, 'PATCH', `/api/v1/agenda/${item.id}`, { title: 'Nhân sự (sửa)' }));
      for (const [who, ws] of Object.entries(conns)) {
        const ev = await ws.waitFor((m) => m.type === 'agenda.updated');
        assertWithheld(listed(ev.body.agenda, doc.id), JSON.stringify(ev), `${who}, agenda.updated`);
      }
      // The resync backlog replays that same frame to a reconnecting client.
      const ws = await WsClient.connect(srv.port, { token: other.token });
      conns.again = ws;
      const ack = await ws.request('subscribe', { session_id: session.id, last_seq: before.seq, epoch: before.epoch });
      assert.equal(ack.replay, true);
      const ev = await ws.waitFor((m) => m.type === 'agenda.updated');
      assertWithheld(listed(ev.body.agenda, doc.id), JSON.stringify(ev), 'replayed agenda.updated');
    } finally {
      for (const ws of Object.values(conns)) ws.close();
    }
  });

  test('other routes a non-reader may call: document metadata refused, calendar without it', async () => {
    assertWireError(await request(base, tech.token, 'GET', `/api/v1/documents/${doc.id}`), 1101, undefined, 'technician');
    for (const token of [other.token, tech.token]) {
      const ics = await request(base, token, 'GET', `/api/v1/sessions/${session.id}/calendar.ics`);
      assert.equal(ics.status, 200);
      assert.ok(!ics.text.includes(FILENAME) && !ics.text.includes(SIGNER), 'the calendar names no file or signer');
    }
  });
});
