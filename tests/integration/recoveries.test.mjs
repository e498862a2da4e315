// Closed sessions (issue 18): the tablets give the documents back
// (thu hồi tài liệu). A tablet that subscribes to a closed session with its
// device id is noted; after the end it sends documents.recovered with what
// it purged, recorded once with its audit row and announced to the
// session's consoles; GET /sessions/{id}/recoveries lists each delegate's
// tablets for the staff, and the minutes carry the list.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  ADMIN_PASSWORD, assertAlive, assertOk, createSession, createUser, login, request, startLocalServer, stopClean,
} from '../lib/integration.mjs';
import { WsClient } from '../lib/ws-client.mjs';

const DEVICE_A = 'a1b2c3d4e5f60718293a4b5c6d7e8f90';
const DEVICE_B = 'ffeeddccbbaa00112233445566778899';

const minutesText = async (sid) => {
  const job = assertOk(await request(srv.base, admin, 'POST', `/api/v1/sessions/${sid}/minutes`, { format: 'pdf' }), 202);
  const deadline = Date.now() + 30000;
  let j = job;
  while (j.status === 'running' && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 200));
    j = assertOk(await request(srv.base, admin, 'GET', `/api/v1/records/jobs/${job.id}`));
  }
  assert.equal(j.status, 'done', JSON.stringify(j));
  const file = await request(srv.base, admin, 'GET', j.url);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'roomctl-rcv-'));
  fs.writeFileSync(path.join(dir, 'm.pdf'), file.bytes);
  const text = execFileSync('pdftotext', ['-enc', 'UTF-8', path.join(dir, 'm.pdf'), '-'], { encoding: 'utf8' });
  fs.rmSync(dir, { recursive: true, force: true });
  return text;
};
const code = async (promise) => {
  try { await promise; return 0; } catch (e) { if (!e.body) throw e; return e.body.code; }
};

let srv, admin;
describe('closed session: recovery receipts', () => {
  const people = [];
  const clients = [];
  const connect = async (token) => {
    const ws = await WsClient.connect(srv.port, { token });
    clients.push(ws);
    return ws;
  };
  const session = async (title, { closed = true, start = true } = {}) => {
    const s = await createSession(srv.base, admin, { title, closed });
    assertOk(await request(srv.base, admin, 'PUT', `/api/v1/sessions/${s.id}/delegates`,
      { user_ids: people.slice(0, 3).map((p) => p.user.id) }), 200, 'delegates');
    if (start) assertOk(await request(srv.base, admin, 'POST', `/api/v1/sessions/${s.id}/start`), 200, 'start');
    return s;
  };
  const end = async (id) => assertOk(await request(srv.base, admin, 'POST', `/api/v1/sessions/${id}/end`), 200, 'end');
  const recoveries = async (id, token = admin) =>
    assertOk(await request(srv.base, token, 'GET', `/api/v1/sessions/${id}/recoveries`), 200, 'recoveries');
  const audits = async (id) => {
    const { audit } = assertOk(await request(srv.base, admin, 'GET', '/api/v1/audit?limit=500'));
    return audit.filter((r) => r.action === 'document.recovered' && r.target.startsWith(`session:${id} `));
  };

  before(async () => {
    srv = await startLocalServer();
    admin = await login(srv.base, 'admin', ADMIN_PASSWORD);
    for (let i = 1; i <= 4; i++)
      people.push(await createUser(srv.base, admin, `rcv${i}`, 'delegate', { full_name: `Đại biểu thu hồi ${i}` }));
    people.push(await createUser(srv.base, admin, 'rcvtech', 'technician'));
  });
  after(async () => {
    for (const c of clients) c.close();
    if (srv) {
      await assertAlive(srv, 'the recovery tests');
      await stopClean(srv, 'the recovery tests');
    }
  });

  test('a tablet is noted when it opens a closed session, its receipt recorded once and audited', async () => {
    const s = await session('Phiên kín thu hồi');
    const [d1, d2] = people;
    const t1 = await connect(d1.token);
    await t1.request('subscribe', { session_id: s.id, device: DEVICE_A });
    await t1.waitFor((m) => m.type === 'snapshot');
    const t2 = await connect(d2.token);
    await t2.request('subscribe', { session_id: s.id });   // an old tablet: no device id
    const console = await connect(admin);
    await console.request('subscribe', { session_id: s.id });

    let list = await recoveries(s.id);
    assert.equal(list.closed, true);
    assert.deepEqual(list.delegates.map((d) => d.username).sort(), ['rcv1', 'rcv2', 'rcv3']);
    const row1 = list.delegates.find((d) => d.user_id === d1.user.id);
    assert.equal(row1.tablets.length, 1);
    assert.equal(row1.tablets[0].device, DEVICE_A);
    assert.equal(row1.tablets[0].recovered, false);
    assert.match(row1.tablets[0].first_seen_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    assert.deepEqual(list.delegates.find((d) => d.user_id === d2.user.id).tablets, [], 'no device id: not noted');

    assert.equal(await code(t1.request('documents.recovered', { session_id: s.id, device: DEVICE_A, documents: 2, notes: 1 })),
      1202, 'a live session is not recovered yet');
    await end(s.id);
    const ack = await t1.request('documents.recovered', { session_id: s.id, device: DEVICE_A, documents: 2, notes: 1 });
    assert.equal(ack.recovery.already, false);
    assert.equal(ack.recovery.documents, 2);
    const event = await console.waitForEvent('documents.recovered', s.id);
    assert.equal(event.body.user_id, d1.user.id);
    assert.equal(event.body.device, DEVICE_A);
    assert.equal(event.body.notes, 1);

    // The same receipt again (a tablet that resends after a lost ack).
    const again = await t1.request('documents.recovered', { session_id: s.id, device: DEVICE_A, documents: 5, notes: 5 });
    assert.equal(again.recovery.already, true);
    assert.equal(again.recovery.documents, 2, 'the first receipt stays');
    // A tablet never noted (d2's) is recorded at its receipt.
    await t2.request('documents.recovered', { session_id: s.id, device: DEVICE_B, documents: 0, notes: 0 });

    list = await recoveries(s.id);
    const t = list.delegates.find((d) => d.user_id === d1.user.id).tablets[0];
    assert.equal(t.recovered, true);
    assert.equal(t.documents, 2);
    assert.equal(t.notes, 1);
    assert.ok(t.recovered_at >= t.first_seen_at);
    assert.equal(list.delegates.find((d) => d.user_id === d2.user.id).tablets[0].recovered, true);
    assert.deepEqual(list.delegates.find((d) => d.username === 'rcv3').tablets, [], 'never opened');
    const rows = await audits(s.id);
    assert.equal(rows.length, 2, 'one audit row per recorded receipt, none for the repeat');
    assert.ok(rows.some((r) => r.target === `session:${s.id} user:${d1.user.id}` && r.detail.includes('2 documents, 1 notes')));

    // The minutes carry the list.
    const text = (await minutesText(s.id)).replace(/\s+/g, ' ');
    const part = text.slice(text.indexOf('THU HỒI TÀI LIỆU'));
    assert.ok(part.length > 20, 'the minutes have the recovery part');
    assert.match(part, /Đại biểu thu hồi 1 a1b2c3d4 Đã thu hồi, \d\d:\d\d/, 'd1: recovered, with the time');
    assert.match(part, /Đại biểu thu hồi 3 — Không mở phiên họp trên máy tính bảng/, 'd3: never opened it');
    assert.match(part, /2 ?\/ ?1/, "the counts");
  });

  test('bad receipts are refused and leave nothing behind', async () => {
    const open = await session('Phiên công khai', { closed: false });
    const closed = await session('Phiên kín 2');
    const [d1, , , d4, tech] = people;
    const t1 = await connect(d1.token);
    const body = (extra) => ({ session_id: closed.id, device: DEVICE_A, documents: 1, notes: 0, ...extra });
    await end(open.id);
    await end(closed.id);
    assert.equal(await code(t1.request('documents.recovered', body({ session_id: open.id }))), 1202, 'an open session');
    assert.equal(await code(t1.request('documents.recovered', body({ session_id: 999999 }))), 1200, 'unknown session');
    assert.equal(await code(t1.request('documents.recovered', body({ device: 'short' }))), 1001, 'too short a device id');
    assert.equal(await code(t1.request('documents.recovered', body({ device: 'has spaces in it!!' }))), 1001, 'bad characters');
    assert.equal(await code(t1.request('documents.recovered', body({ documents: -1 }))), 1001, 'negative count');
    assert.equal(await code(t1.request('documents.recovered', body({ notes: 'x' }))), 1001, 'not a number');
    assert.equal(await code(t1.request('documents.recovered', { session_id: closed.id, device: DEVICE_A })), 1001, 'counts missing');
    const t4 = await connect(d4.token);
    assert.equal(await code(t4.request('documents.recovered', body())), 1200, 'not a delegate: the session is not theirs to see');
    const tt = await connect(tech.token);
    assert.equal(await code(tt.request('documents.recovered', body())), 1101, 'wrong role');
    const ta = await connect(admin);
    assert.equal(await code(ta.request('documents.recovered', body())), 1101, 'the console is no tablet');
    const anon = await connect(undefined);
    assert.equal(await code(anon.request('documents.recovered', body())), 1100, 'not logged in');
    assert.equal(await code(t1.request('subscribe', { session_id: closed.id, device: 'x' })), 1001, 'subscribe: short device id');

    const list = await recoveries(closed.id);
    assert.ok(list.delegates.every((d) => d.tablets.length === 0), JSON.stringify(list));
    assert.equal((await audits(closed.id)).length + (await audits(open.id)).length, 0);
    assert.equal((await recoveries(open.id)).closed, false);
    // REST: staff only, a known session.
    assert.equal((await request(srv.base, d1.token, 'GET', `/api/v1/sessions/${closed.id}/recoveries`)).status, 403);
    assert.equal((await request(srv.base, admin, 'GET', '/api/v1/sessions/999999/recoveries')).status, 404);
    assert.equal((await request(srv.base, tech.token, 'GET', `/api/v1/sessions/${closed.id}/recoveries`)).status, 200);
  });

  test('a flood of receipts and made-up device ids stays bounded', async () => {
    const s = await session('Phiên kín 3');
    const d3 = people[2];
    await end(s.id);
    const t3 = await connect(d3.token);
    const codes = [];
    // Well over the rate limit and the tablets a delegate may have.
    for (let i = 0; i < 40; i++) {
      const device = `flood${String(i).padStart(8, '0')}`;
      codes.push(code(t3.request('documents.recovered', { session_id: s.id, device, documents: i, notes: 0 },
        { timeoutMs: 5000 })).catch(() => -1));
    }
    const got = await Promise.all(codes);
    const ok = got.filter((c) => c === 0).length;
    assert.ok(ok >= 1, `some receipts went through: ${got}`);
    const list = await recoveries(s.id);
    const tablets = list.delegates.find((d) => d.user_id === d3.user.id).tablets;
    assert.ok(tablets.length <= 8, `at most 8 tablets kept, got ${tablets.length}`);
    assert.equal(tablets.length, Math.min(ok, 8));
    assert.ok(got.every((c) => c === 0 || c === 1001 || c === 1429 || c === -1 || c >= 1000), `${got}`);
    assert.equal((await audits(s.id)).length, tablets.length, 'one audit row per recorded tablet');
    await assertAlive(srv, 'after the flood');
  });
});
