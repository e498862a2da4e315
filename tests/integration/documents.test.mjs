// PDF documents over REST: upload (raw body), metadata, content with ETag
// and 304, refusal of non-PDFs and of uploads over the size limit (nothing
// stored either way), delete, and who may read them.

import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  ADMIN_PASSWORD, assertAlive, stopClean, assertOk, assertWireError, createItem, createSession, createUser, login,
  rawExchange, request, sha256, startLocalServer, walkAgenda,
} from '../lib/integration.mjs';
import { makePdf } from '../lib/pdf.mjs';
import { SLOW } from '../lib/server.mjs';

const PDF = { contentType: 'application/pdf' };

describe('documents', () => {
  let srv;
  let base;
  let admin;
  let session;
  let item;

  before(async () => {
    // Under valgrind (ROOMCTL_SLOW > 1) the session that test 10 starts and
    // ends runs without its media: starting the pipelines takes 3 s there,
    // and on a busy CI run more than a request's 10 s (the test is about
    // documents; media has its own tests, and the normal run keeps it on).
    srv = await startLocalServer({ config: { http: { max_upload_mb: 1 }, ...(SLOW > 1 ? { media: { enabled: 'false' } } : {}) } });
    base = srv.base;
    admin = await login(base, 'admin', ADMIN_PASSWORD);
    session = await createSession(base, admin, { title: 'Phiên có tài liệu' });
    item = await createItem(base, admin, session.id, { title: 'Dự toán ngân sách' });
  });
  after(async () => {
    if (srv) {
      await assertAlive(srv, 'the document tests');
      await stopClean(srv, 'the document tests');
    }
  });

  const upload = (itemId, bytes, query = '', token = admin) =>
    request(base, token, 'POST', `/api/v1/agenda/${itemId}/documents${query}`, bytes, PDF);
  const documentsOf = async (sessionId) => {
    const detail = assertOk(await request(base, admin, 'GET', `/api/v1/sessions/${sessionId}`));
    const docs = [];
    walkAgenda(detail.agenda, (it) => docs.push(...it.documents));
    return docs;
  };
  const storedFiles = async () => (await fs.readdir(path.join(srv.dataDir, 'documents'))).sort();
  const tmpFiles = async () => (await fs.readdir(path.join(srv.dataDir, 'tmp')).catch(() => [])).sort();

  test('upload with a Vietnamese title and filename -> 201, sha256 and pages right', async () => {
    const pdf = makePdf({ pages: 4, title: 'To trinh so 12' });
    const title = 'Tờ trình về dự toán ngân sách năm 2027 — bản trình kỳ họp';
    const filename = 'tờ-trình-12 (bản cuối).pdf';
    const q = `?title=${encodeURIComponent(title)}&filename=${encodeURIComponent(filename)}`;
    const doc = assertOk(await upload(item.id, pdf, q), 201);
    assert.ok(Number.isInteger(doc.id) && doc.id > 0);
    assert.equal(doc.agenda_item_id, item.id);
    assert.equal(doc.title, title);
    assert.equal(doc.filename, filename);
    assert.equal(doc.sha256, sha256(pdf));
    assert.equal(doc.size, pdf.length);
    assert.equal(doc.pages, 4);
    assert.equal(doc.confidential, false);
    assert.equal(doc.url, `/api/v1/documents/${doc.id}/content`);
    assert.match(doc.uploaded_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);

    assert.deepEqual(assertOk(await request(base, admin, 'GET', `/api/v1/documents/${doc.id}`)), doc);
    const inTree = (await documentsOf(session.id)).find((d) => d.id === doc.id);
    assert.deepEqual(inTree, doc, 'the agenda tree carries the document');
    assert.deepEqual(await tmpFiles(), [], 'no upload left in tmp/');
  });

  test('a title with a slash (số 12/TTr-UBND) is kept whole', async () => {
    const title = 'Tờ trình số 12/TTr-UBND';
    const doc = assertOk(await upload(item.id, makePdf({ title: 'slash' }), `?title=${encodeURIComponent(title)}&filename=tt12.pdf`), 201);
    assert.equal(doc.title, title);
    assert.equal(doc.filename, 'tt12.pdf');
  });

  test('content: same bytes, application/pdf, ETag "<sha256>", 304 on If-None-Match', async () => {
    const pdf = makePdf({ pages: 2, title: 'Bao cao' });
    const doc = assertOk(await upload(item.id, pdf, `?title=${encodeURIComponent('Báo cáo')}&filename=bao-cao.pdf`), 201);
    const res = await request(base, admin, 'GET', doc.url);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'application/pdf');
    assert.equal(res.headers.get('etag'), `"${sha256(pdf)}"`);
    assert.ok(res.bytes.equals(pdf), 'downloaded bytes equal the uploaded ones');
    assert.equal(Number(res.headers.get('content-length')), pdf.length);
    assert.match(res.headers.get('content-disposition') || '', /bao-cao\.pdf/);

    const again = await request(base, admin, 'GET', doc.url, null, { headers: { 'If-None-Match': res.headers.get('etag') } });
    assert.equal(again.status, 304);
    assert.equal(again.bytes.length, 0, 'no body with 304');
    assert.equal(again.headers.get('etag'), res.headers.get('etag'));

    const other = await request(base, admin, 'GET', doc.url, null, { headers: { 'If-None-Match': `"${'0'.repeat(64)}"` } });
    assert.equal(other.status, 200);
    assert.ok(other.bytes.equals(pdf));

    // Through the cookie too (a browser's <iframe>/pdf.js fetch).
    const viaCookie = await request(base, null, 'GET', doc.url, null, { headers: { Cookie: `rc_token=${admin}` } });
    assert.equal(viaCookie.status, 200);
    assert.ok(viaCookie.bytes.equals(pdf));
    assertWireError(await request(base, null, 'GET', doc.url), 1100);
  });

  test('a Vietnamese filename is sent back in Content-Disposition as RFC 5987 UTF-8', async () => {
    const pdf = makePdf({ title: 'Nghi quyet' });
    const filename = 'nghị-quyết.pdf';
    const doc = assertOk(await upload(item.id, pdf, `?filename=${encodeURIComponent(filename)}`), 201);
    assert.equal(doc.filename, filename);
    assert.equal(doc.title, filename, 'the title defaults to the filename');
    const res = await request(base, admin, 'GET', doc.url);
    assert.equal(res.headers.get('content-disposition'), `inline; filename*=UTF-8''${encodeURIComponent(filename)}`);
  });

  test('a path in the filename is reduced to its last part', async () => {
    const doc = assertOk(await upload(item.id, makePdf({ title: 'path' }), `?filename=${encodeURIComponent('../../etc/passwd.pdf')}`), 201);
    assert.equal(doc.filename, 'passwd.pdf');
  });

  test('non-PDF bodies -> 1004, nothing stored', async () => {
    const docsBefore = await documentsOf(session.id);
    const filesBefore = await storedFiles();
    const cases = [
      ['plain text', Buffer.from('Đây không phải là PDF\n')],
      ['PNG header', Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13])],
      ['%PDF- then garbage', Buffer.from('%PDF-1.7\nthis is not really a PDF at all\n%%EOF\n')],
      ['a truncated PDF', makePdf({ pages: 3 }).subarray(0, 200)],
      ['a PDF with a leading space', Buffer.concat([Buffer.from(' '), makePdf()])],
    ];
    for (const [what, bytes] of cases) {
      assertWireError(await upload(item.id, bytes, '?title=x'), 1004, undefined, what);
    }
    assertWireError(await upload(item.id, Buffer.alloc(0), '?title=empty'), 1004, undefined, 'empty body');
    assert.deepEqual(await documentsOf(session.id), docsBefore, 'document list unchanged');
    assert.deepEqual(await storedFiles(), filesBefore, 'no file stored');
    assert.deepEqual(await tmpFiles(), [], 'no upload left in tmp/');
  });

  test('an upload over max_upload_mb (2 and 8 MiB, limit 1 MiB) -> 413 1003 every time, nothing stored', async () => {
    const docsBefore = await documentsOf(session.id);
    const filesBefore = await storedFiles();
    const big = makePdf({ pages: 1, padBytes: 2 * 1024 * 1024 });
    const bigger = makePdf({ pages: 1, padBytes: 8 * 1024 * 1024 });
    assert.ok(big.length > 2 * 1024 * 1024);
    // A real client (fetch, like the console) must be told 413, not see the
    // connection reset under it while it is still sending; 16 tries of 2 and
    // 8 MiB, as that is a race.
    const outcomes = [];
    for (let i = 0; i < 16; i++) {
      try {
        const res = await upload(item.id, i % 2 ? bigger : big, '?title=big');
        outcomes.push(res.status === 413 && res.json && res.json.error.code === 1003 ? 'ok' : `${res.status} ${res.text.slice(0, 120)}`);
      } catch (e) {
        outcomes.push(`connection error ${(e.cause && e.cause.code) || e.message}`);
      }
    }
    await assertAlive(srv, 'an oversized upload');
    assert.deepEqual(await documentsOf(session.id), docsBefore, 'document list unchanged');
    assert.deepEqual(await storedFiles(), filesBefore, 'no file stored');
    assert.deepEqual(await tmpFiles(), [], 'no upload left in tmp/');
    assert.deepEqual(outcomes.filter((o) => o !== 'ok'), [], `answers to ${outcomes.length} oversized uploads: ${outcomes.join(', ')}`);
  });

  test('an upload over the limit without Content-Length (chunked) -> 413/411, nothing stored', async () => {
    const docsBefore = await documentsOf(session.id);
    const filesBefore = await storedFiles();
    const big = makePdf({ pages: 1, padBytes: 2 * 1024 * 1024 });
    const chunks = [];
    for (let i = 0; i < big.length; i += 64 * 1024) {
      const part = big.subarray(i, i + 64 * 1024);
      chunks.push(Buffer.from(`${part.length.toString(16)}\r\n`), part, Buffer.from('\r\n'));
    }
    chunks.push(Buffer.from('0\r\n\r\n'));
    const head = `POST /api/v1/agenda/${item.id}/documents?title=big HTTP/1.1\r\nHost: 127.0.0.1\r\n` +
      `Authorization: Bearer ${admin}\r\nContent-Type: application/pdf\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n`;
    const res = await rawExchange(srv.port, Buffer.concat([Buffer.from(head), ...chunks]), { timeoutMs: 5000 });
    // roomctl does not read chunked bodies: it answers 411 at once and closes.
    // A client still pushing 2 MiB may see that close as a reset before it
    // reads the answer; either way the upload is refused, never stored.
    assert.ok([411, 413].includes(res.status) || ['EPIPE', 'ECONNRESET'].includes(res.error),
      `raw answer: ${res.text.slice(0, 400)} (error ${res.error})`);
    if (res.status === 411) assert.match(res.text, /"code":1006/);
    // A small chunked body (it fits in the socket buffers) always gets the clear 411.
    const small = Buffer.from('5\r\n%PDF-\r\n0\r\n\r\n');
    const res411 = await rawExchange(srv.port, Buffer.concat([Buffer.from(head), small]), { timeoutMs: 5000 });
    assert.equal(res411.status, 411, `raw answer: ${res411.text.slice(0, 400)} (error ${res411.error})`);
    assert.match(res411.text, /"code":1006,"name":"length_required"/);
    await assertAlive(srv, 'an oversized chunked upload');
    assert.deepEqual(await documentsOf(session.id), docsBefore, 'document list unchanged');
    assert.deepEqual(await storedFiles(), filesBefore, 'no file stored');
    assert.deepEqual(await tmpFiles(), [], 'no upload left in tmp/');
  });

  test('an upload just under the limit is accepted', async () => {
    const pdf = makePdf({ pages: 1, padBytes: 900 * 1024, title: 'almost a megabyte' });
    assert.ok(pdf.length < 1024 * 1024);
    const doc = assertOk(await upload(item.id, pdf, '?title=gan-1MB'), 201);
    assert.equal(doc.size, pdf.length);
    assert.equal(doc.sha256, sha256(pdf));
  });

  test('uploads to an unknown item -> 1200; to an ended session -> 1202; by a delegate -> 1101', async () => {
    const pdf = makePdf();
    assertWireError(await upload(987654, pdf), 1200);
    const { token } = await createUser(base, admin, 'db01', 'delegate');
    assertWireError(await upload(item.id, pdf, '', token), 1101);
    const s = await createSession(base, admin, { title: 'Phiên sẽ kết thúc' });
    const it = await createItem(base, admin, s.id, { title: 'Mục' });
    assertOk(await request(base, admin, 'POST', `/api/v1/sessions/${s.id}/start`));
    assertOk(await upload(it.id, pdf, '?title=during'), 201);
    assertOk(await request(base, admin, 'POST', `/api/v1/sessions/${s.id}/end`));
    const before = await documentsOf(s.id);
    assertWireError(await upload(it.id, pdf, '?title=after'), 1202);
    assert.deepEqual(await documentsOf(s.id), before);
  });

  test('delete -> 204, then 404 for the document and its content; the file goes too', async () => {
    const pdf = makePdf({ pages: 1, title: 'to be deleted' });
    const doc = assertOk(await upload(item.id, pdf, '?title=xoa'), 201);
    assert.ok((await storedFiles()).some((f) => f.startsWith(doc.sha256)), 'the file is stored');
    const del = await request(base, admin, 'DELETE', `/api/v1/documents/${doc.id}`);
    assert.equal(del.status, 204);
    assertWireError(await request(base, admin, 'GET', `/api/v1/documents/${doc.id}`), 1200);
    assertWireError(await request(base, admin, 'GET', doc.url), 1200);
    assertWireError(await request(base, admin, 'DELETE', `/api/v1/documents/${doc.id}`), 1200);
    assert.ok(!(await documentsOf(session.id)).some((d) => d.id === doc.id));
    assert.ok(!(await storedFiles()).some((f) => f.startsWith(doc.sha256)), 'the unused file is removed');
  });

  test('the same PDF twice shares one file; deleting one keeps the other readable', async () => {
    const pdf = makePdf({ pages: 2, title: 'shared' });
    const a = assertOk(await upload(item.id, pdf, '?title=ban-1'), 201);
    const b = assertOk(await upload(item.id, pdf, '?title=ban-2'), 201);
    assert.notEqual(a.id, b.id);
    assert.equal(a.sha256, b.sha256);
    assert.equal((await storedFiles()).filter((f) => f.startsWith(a.sha256)).length, 1);
    assert.equal((await request(base, admin, 'DELETE', `/api/v1/documents/${a.id}`)).status, 204);
    const res = await request(base, admin, 'GET', b.url);
    assert.equal(res.status, 200);
    assert.ok(res.bytes.equals(pdf));
  });

  test('deleting a session removes its documents and their files', async () => {
    const s = await createSession(base, admin, { title: 'Phiên sẽ xóa' });
    const it = await createItem(base, admin, s.id, { title: 'Mục' });
    const pdf = makePdf({ title: 'session doc' });
    const doc = assertOk(await upload(it.id, pdf, '?title=s'), 201);
    assert.equal((await request(base, admin, 'DELETE', `/api/v1/sessions/${s.id}`)).status, 204);
    assertWireError(await request(base, admin, 'GET', `/api/v1/documents/${doc.id}`), 1200);
    assert.ok(!(await storedFiles()).some((f) => f.startsWith(doc.sha256)), `file of document ${doc.id} removed with its session`);
  });

  test('deleting an agenda item removes its documents and their files', async () => {
    const it = await createItem(base, admin, session.id, { title: 'Mục sẽ xóa' });
    const child = await createItem(base, admin, session.id, { title: 'Mục con', parent_id: it.id });
    const pdfA = makePdf({ title: 'item doc' });
    const pdfB = makePdf({ title: 'child doc' });
    const docA = assertOk(await upload(it.id, pdfA, '?title=a'), 201);
    const docB = assertOk(await upload(child.id, pdfB, '?title=b'), 201);
    assert.equal((await request(base, admin, 'DELETE', `/api/v1/agenda/${it.id}`)).status, 204);
    assertWireError(await request(base, admin, 'GET', `/api/v1/documents/${docA.id}`), 1200);
    assertWireError(await request(base, admin, 'GET', `/api/v1/documents/${docB.id}`), 1200);
    const files = await storedFiles();
    assert.ok(!files.some((f) => f.startsWith(docA.sha256)), `file of document ${docA.id} removed (spec: documents removed too)`);
    assert.ok(!files.some((f) => f.startsWith(docB.sha256)), `file of document ${docB.id} removed`);
  });

  test('who may read: staff and assigned delegates; others get 404', async () => {
    const s = await createSession(base, admin, { title: 'Phiên riêng' });
    const it = await createItem(base, admin, s.id, { title: 'Mục riêng' });
    const pdf = makePdf({ title: 'private' });
    const doc = assertOk(await upload(it.id, pdf, '?title=rieng'), 201);
    const assigned = await createUser(base, admin, 'db02', 'delegate');
    const stranger = await createUser(base, admin, 'db03', 'delegate');
    const tech = await createUser(base, admin, 'kythuat', 'technician');
    assertOk(await request(base, admin, 'PUT', `/api/v1/sessions/${s.id}/delegates`, { user_ids: [assigned.user.id] }));
    const mine = await request(base, assigned.token, 'GET', doc.url);
    assert.equal(mine.status, 200);
    assert.ok(mine.bytes.equals(pdf));
    assertOk(await request(base, assigned.token, 'GET', `/api/v1/documents/${doc.id}`));
    assertWireError(await request(base, stranger.token, 'GET', doc.url), 1200);
    assertWireError(await request(base, stranger.token, 'GET', `/api/v1/documents/${doc.id}`), 1200);
    assertWireError(await request(base, assigned.token, 'DELETE', `/api/v1/documents/${doc.id}`), 1101);
    assert.equal((await request(base, tech.token, 'GET', doc.url)).status, 200);
  });
});
