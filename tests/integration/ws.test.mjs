// The /ws protocol (roomctl.v1): auth first, envelope and body checks that
// keep the connection open, subscribe + snapshot, events fanned out to every
// subscriber with seq + 1, check-in from a tablet, and resync after a
// disconnect (replay within the epoch, snapshot otherwise).

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import WebSocket from 'ws';
import {
  ADMIN_PASSWORD, assertAlive, stopClean, assertOk, assertWireError, createItem, createSession, createUser, login, request, startLocalServer,
} from '../lib/integration.mjs';
import { WsClient } from '../lib/ws-client.mjs';

const isError = (code) => (e) => {
  assert.equal(e.body && e.body.code, code, `expected error ${code}, got ${e.message}`);
  return true;
};

describe('websocket', () => {
  let srv;
  let base;
  let admin;
  let sec;
  let d1;
  let d2;
  let outsider;
  let session;
  let other;
  const clients = [];

  /** A connected client, closed after the suite; token: auth right away. */
  const connect = async (token) => {
    const c = await WsClient.connect(srv.port, token ? { token } : {});
    clients.push(c);
    return c;
  };

  before(async () => {
    srv = await startLocalServer();
    base = srv.base;
    admin = await login(base, 'admin', ADMIN_PASSWORD);
    sec = await createUser(base, admin, 'thuky', 'secretariat');
    d1 = await createUser(base, admin, 'db01', 'delegate', { full_name: 'Nguyễn Văn An' });
    d2 = await createUser(base, admin, 'db02', 'delegate', { full_name: 'Trần Thị Bình' });
    outsider = await createUser(base, admin, 'db03', 'delegate');
    session = await createSession(base, admin, { title: 'Phiên trực tuyến' });
    other = await createSession(base, admin, { title: 'Phiên khác' });
    assertOk(await request(base, admin, 'PUT', `/api/v1/sessions/${session.id}/delegates`, { user_ids: [d1.user.id, d2.user.id] }));
    assertOk(await request(base, admin, 'POST', `/api/v1/sessions/${session.id}/start`));
  });
  after(async () => {
    for (const c of clients) await c.close();
    if (srv) {
      await assertAlive(srv, 'the websocket tests');
      await stopClean(srv, 'the websocket tests');
    }
  });

  test('the upgrade needs path /ws', async () => {
    const sock = new WebSocket(`ws://127.0.0.1:${srv.port}/other`, 'roomctl.v1', { handshakeTimeout: 5000 });
    const outcome = await new Promise((resolve) => {
      sock.once('open', () => resolve('open'));
      sock.once('error', () => resolve('refused'));
      sock.once('unexpected-response', () => resolve('refused'));
    });
    sock.terminate();
    assert.equal(outcome, 'refused');
  });

  test('a message before auth -> 1100; the connection stays open and auth then works', async () => {
    const c = await connect();
    await assert.rejects(c.request('ping'), isError(1100));
    // Its sockets are closed with 1008; a message that still gets through is refused with 1100.
    await assert.rejects(c.request('subscribe', { session_id: session.id }),
      (e) => (c.closed && c.closeInfo.code === 1008) || (e.body && e.body.code === 1100));
    assert.equal(c.closed, false);
    const ack = await c.request('auth', { token: d1.token });
    assert.equal(ack.user.username, 'db01');
    assert.equal(ack.user.full_name, 'Nguyễn Văn An');
    assert.match((await c.request('ping')).time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  });

  test('a bad token -> 1100 (unknown, short, wrong type); the connection stays open', async () => {
    const c = await connect();
    await assert.rejects(c.request('auth', { token: 'a'.repeat(64) }), isError(1100));
    await assert.rejects(c.request('auth', { token: 'abc' }), isError(1100));
    await assert.rejects(c.request('auth', { token: 12345 }), isError(1001));
    await assert.rejects(c.request('auth', {}), isError(1001));
    await assert.rejects(c.request('ping'), isError(1100), 'still not authenticated');
    await c.request('auth', { token: sec.token });
    await c.request('ping');
  });

  describe('malformed messages keep the connection usable', () => {
    let c;
    before(async () => { c = await connect(admin); });

    test('malformed JSON -> 1000', async () => {
      c.drain();
      await c.sendRaw('{"type":"ping","id":1,');
      const err = await c.waitFor((m) => m.type === 'error');
      assert.equal(err.body.code, 1000);
      assert.equal(err.body.name, 'bad_json');
      await c.request('ping');
    });

    test('a broken escape with NUL and multi-byte text -> 1000 with a readable reason, not a crash', async () => {
      // Found by fuzz-ws: the parser's error text quoted the input, cut in
      // the middle of a character, and the reply could not be encoded (a
      // NULL reply then crashed the daemon).
      for (const tail of ['\u0000\u0000' + 'Đ'.repeat(200), 'ĐạiBiểu'.repeat(40), '\u0000']) {
        c.drain();
        await c.sendRaw(`{"type":"\\${tail}t"}`);
        const err = await c.waitFor((m) => m.type === 'error');
        assert.equal(err.body.code, 1000);
        assert.equal(typeof err.body.reason, 'string');
      }
      await c.request('ping');
    });

    test('a text frame that is not UTF-8 closes that connection (1007), and only that one', async () => {
      const bad = await connect(admin);
      const closed = new Promise((resolve) => bad.sock.once('close', (code) => resolve(code)));
      await bad.sendRaw(Buffer.from([0x7b, 0x22, 0xc2, 0x8f, 0xe2, 0xa4, 0x76, 0x22, 0x7d]));
      assert.equal(await closed, 1007);
      await c.request('ping');
    });

    test('not an object, or no type -> an error, not a crash', async () => {
      for (const raw of ['[]', '42', '"ping"', 'null', '{}', '{"id":3}', '{"type":7,"id":4}']) {
        c.drain();
        await c.sendRaw(raw);
        const err = await c.waitFor((m) => m.type === 'error');
        assert.ok([1000, 1001].includes(err.body.code), `${raw} -> ${JSON.stringify(err)}`);
      }
      await c.request('ping');
    });

    test('unknown type -> 1002 with the same id', async () => {
      await assert.rejects(c.send({ type: 'no.such.message', id: 501, body: {} }), isError(1002));
      await c.request('ping');
    });

    test('an extra envelope field -> 1001 naming it, with the same id', async () => {
      c.drain();
      // The reply must come back under id 502 (a reply with another id would
      // leave this request unanswered and land in the queue instead).
      const got = await c.send({ type: 'ping', id: 502, body: {}, extra: 1 }, { timeoutMs: 2000 })
        .then(() => 'ack', (e) => e.body || e.message);
      assert.equal(got.code, 1001, JSON.stringify(got));
      assert.equal(got.field, 'extra');
      assert.deepEqual(c.queue.filter((m) => m.type === 'error'), [], 'no stray error without the id');
      await c.request('ping');
    });

    test('body field too long / wrong type / unknown -> 1001 with field', async () => {
      await assert.rejects(c.request('subscribe', { session_id: session.id, epoch: 'e'.repeat(65) }),
        (e) => e.body.code === 1001 && e.body.field === 'epoch');
      await assert.rejects(c.request('subscribe', { session_id: 'một' }),
        (e) => e.body.code === 1001 && e.body.field === 'session_id');
      await assert.rejects(c.request('subscribe', { session_id: -1 }),
        (e) => e.body.code === 1001 && e.body.field === 'session_id');
      await assert.rejects(c.request('subscribe', {}),
        (e) => e.body.code === 1001 && e.body.field === 'session_id');
      await assert.rejects(c.request('subscribe', { session_id: session.id, since: 3 }),
        (e) => e.body.code === 1001 && e.body.field === 'since');
      await assert.rejects(c.request('ping', { now: true }), (e) => e.body.code === 1001 && e.body.field === 'now');
      c.drain();
      await c.sendRaw(JSON.stringify({ type: 'ping', id: 503, body: [] }));
      const notObject = await c.waitFor((m) => m.type === 'error');
      assert.equal(notObject.body.code, 1001);
      assert.equal(notObject.body.field, 'body');
      c.drain();
      await c.sendRaw(JSON.stringify({ type: 'ping', id: 'x', body: {} }));
      const err = await c.waitFor((m) => m.type === 'error');
      assert.equal(err.body.code, 1001);
      assert.equal(err.body.field, 'id');
      await c.request('ping');
    });

    test('a 100 KiB message -> 1003; the connection still answers ping', async () => {
      c.drain();
      await c.sendRaw(JSON.stringify({ type: 'ping', id: 504, body: { pad: 'x'.repeat(100 * 1024) } }));
      const err = await c.waitFor((m) => m.type === 'error' && m.body && m.body.code === 1003);
      assert.equal(err.body.name, 'too_large');
      assert.match((await c.request('ping')).time, /Z$/);
      assert.equal(c.closed, false);
    });

    test('a binary frame -> an error; the connection still answers ping', async () => {
      c.drain();
      await c.sendRaw(Buffer.from('{"type":"ping","id":505,"body":{}}'), { binary: true });
      const err = await c.waitFor((m) => m.type === 'error');
      assert.ok(err.body.code >= 1000 && err.body.code < 1100, JSON.stringify(err));
      await c.request('ping');
    });
  });

  test('subscribe -> ack, then a snapshot with the session detail and attendance', async () => {
    const c = await connect(sec.token);
    const ack = await c.request('subscribe', { session_id: session.id });
    assert.equal(ack.session_id, session.id);
    assert.equal(typeof ack.epoch, 'string');
    assert.ok(ack.epoch.length > 0);
    assert.ok(Number.isInteger(ack.seq) && ack.seq >= 0);
    const snap = await c.waitFor((m) => m.type === 'snapshot');
    assert.equal(snap.session_id, session.id);
    assert.equal(snap.seq, ack.seq);
    assert.equal(snap.epoch, ack.epoch);
    const s = snap.body.session;
    assert.equal(s.id, session.id);
    assert.equal(s.title, 'Phiên trực tuyến');
    assert.equal(s.status, 'live');
    assert.ok(Array.isArray(s.agenda));
    assert.deepEqual(s.delegates.map((d) => d.id).sort(), [d1.user.id, d2.user.id].sort());
    assert.ok(Array.isArray(s.sites));
    const att = snap.body.attendance;
    assert.equal(att.session_id, session.id);
    assert.equal(att.expected, 2);
    assert.equal(typeof att.present, 'number');
    assert.equal(att.delegates.length, 2);
    assert.deepEqual(snap.body.session, assertOk(await request(base, admin, 'GET', `/api/v1/sessions/${session.id}`)));
    // The ack comes before the snapshot.
    const iAck = c.log.findIndex((m) => m.type === 'ack' && m.body && m.body.epoch === ack.epoch);
    const iSnap = c.log.indexOf(snap);
    assert.ok(iAck >= 0 && iAck < iSnap, 'ack first, then snapshot');
  });

  test('subscribe to a session one may not see -> 1200; unknown -> 1200', async () => {
    const c = await connect(d1.token);
    await assert.rejects(c.request('subscribe', { session_id: other.id }), isError(1200));
    await assert.rejects(c.request('subscribe', { session_id: 987654 }), isError(1200));
    const staff = await connect(admin);
    await assert.rejects(staff.request('subscribe', { session_id: 987654 }), isError(1200));
    // And no events of that session arrive afterwards.
    c.drain();
    assertOk(await request(base, admin, 'PATCH', `/api/v1/sessions/${other.id}`, { description: 'đổi' }));
    await c.request('ping');
    assert.deepEqual(c.drain().filter((m) => m.session_id === other.id), []);
  });

  test('a REST PATCH reaches every subscriber as session.updated with seq + 1', async () => {
    const a = await connect(sec.token);
    const b = await connect(d1.token);
    const ackA = await a.request('subscribe', { session_id: session.id });
    const ackB = await b.request('subscribe', { session_id: session.id });
    await a.waitFor((m) => m.type === 'snapshot');
    await b.waitFor((m) => m.type === 'snapshot');
    assert.equal(ackA.seq, ackB.seq);
    const patched = assertOk(await request(base, sec.token, 'PATCH', `/api/v1/sessions/${session.id}`, { room: 'Hội trường B' }));
    for (const c of [a, b]) {
      const ev = await c.waitForEvent('session.updated', session.id);
      assert.equal(ev.seq, ackA.seq + 1);
      assert.deepEqual(ev.body, patched);
    }
    // The next event is + 1 again, whatever its kind.
    const item = await createItem(base, admin, session.id, { title: 'Mục mới' });
    for (const c of [a, b]) {
      const ev = await c.waitForEvent('agenda.updated', session.id);
      assert.equal(ev.seq, ackA.seq + 2);
      assert.ok(ev.body.agenda.some((i) => i.id === item.id));
    }
    assertOk(await request(base, admin, 'PUT', `/api/v1/sessions/${session.id}/sites`, { site_ids: [] }));
    const sitesEv = await a.waitForEvent('sites.updated', session.id);
    assert.equal(sitesEv.seq, ackA.seq + 3);
    assert.deepEqual(sitesEv.body, { sites: [] });
    assertOk(await request(base, admin, 'PUT', `/api/v1/sessions/${session.id}/delegates`, { user_ids: [d1.user.id, d2.user.id] }));
    const delEv = await a.waitForEvent('delegates.updated', session.id);
    assert.equal(delEv.seq, ackA.seq + 4);
    assert.equal(delEv.body.delegates.length, 2);
  });

  test('subscribing twice does not double the events', async () => {
    const c = await connect(sec.token);
    const ack = await c.request('subscribe', { session_id: session.id });
    await c.waitFor((m) => m.type === 'snapshot');
    await c.request('subscribe', { session_id: session.id });
    await c.waitFor((m) => m.type === 'snapshot');
    assertOk(await request(base, admin, 'PATCH', `/api/v1/sessions/${session.id}`, { description: 'một lần' }));
    const ev = await c.waitForEvent('session.updated', session.id);
    assert.equal(ev.seq, ack.seq + 1);
    await c.request('ping');
    await (await connect(admin)).request('ping');
    assert.deepEqual(c.drain().filter((m) => m.type === 'session.updated'), [], 'one event, not two');
  });

  test('unsubscribe stops the events', async () => {
    const c = await connect(sec.token);
    await c.request('subscribe', { session_id: session.id });
    await c.waitFor((m) => m.type === 'snapshot');
    assert.deepEqual(await c.request('unsubscribe', { session_id: session.id }), {});
    assertOk(await request(base, admin, 'PATCH', `/api/v1/sessions/${session.id}`, { description: 'sau khi hủy đăng ký' }));
    const watcher = await connect(admin);
    await watcher.request('ping');
    await c.request('ping');
    assert.deepEqual(c.drain().filter((m) => m.type === 'session.updated'), []);
  });

  test('a delegate checks in: ack present; a secretariat subscriber sees present + 1', async () => {
    const tablet = await connect(d2.token);
    const console_ = await connect(sec.token);
    await console_.request('subscribe', { session_id: session.id });
    const snap = await console_.waitFor((m) => m.type === 'snapshot');
    const presentBefore = snap.body.attendance.present;
    assert.equal(snap.body.attendance.delegates.find((e) => e.user_id === d2.user.id).status, 'absent');

    const ack = await tablet.request('checkin', { session_id: session.id });
    assert.equal(ack.attendance.user_id, d2.user.id);
    assert.equal(ack.attendance.status, 'present');
    assert.equal(ack.attendance.method, 'tablet');
    assert.match(ack.attendance.first_in, /Z$/);

    const ev = await console_.waitForEvent('attendance.updated', session.id);
    assert.equal(ev.seq, snap.seq + 1);
    assert.equal(ev.body.present, presentBefore + 1);
    assert.equal(ev.body.expected, 2);
    assert.equal(ev.body.entry.user_id, d2.user.id);
    assert.equal(ev.body.entry.status, 'present');
    const rest = assertOk(await request(base, admin, 'GET', `/api/v1/sessions/${session.id}/attendance`));
    assert.equal(rest.present, presentBefore + 1);

    // With their own user_id, the same; checking out too.
    const own = await tablet.request('checkout', { session_id: session.id, user_id: d2.user.id });
    assert.equal(own.attendance.status, 'left');
    const ev2 = await console_.waitForEvent('attendance.updated', session.id);
    assert.equal(ev2.seq, snap.seq + 2);
    assert.equal(ev2.body.present, presentBefore);
  });

  test('a delegate may not check in someone else (1101); the secretariat may', async () => {
    const tablet = await connect(d1.token);
    const before = assertOk(await request(base, admin, 'GET', `/api/v1/sessions/${session.id}/attendance`));
    await assert.rejects(tablet.request('checkin', { session_id: session.id, user_id: d2.user.id }), isError(1101));
    await assert.rejects(tablet.request('checkout', { session_id: session.id, user_id: d2.user.id }), isError(1101));
    assert.deepEqual(assertOk(await request(base, admin, 'GET', `/api/v1/sessions/${session.id}/attendance`)), before);
    // A delegate not assigned to the session cannot check in at all.
    const stranger = await connect(outsider.token);
    await assert.rejects(stranger.request('checkin', { session_id: session.id }), (e) => [1101, 1200].includes(e.body.code));
    // The secretariat checks d2 in from the console.
    const desk = await connect(sec.token);
    const ack = await desk.request('checkin', { session_id: session.id, user_id: d2.user.id });
    assert.equal(ack.attendance.status, 'present');
    assert.equal(ack.attendance.method, 'console');
  });

  test('resync: missed events are replayed in order with the same epoch', async () => {
    const c = await connect(d1.token);
    const ack = await c.request('subscribe', { session_id: session.id });
    await c.waitFor((m) => m.type === 'snapshot');
    await c.close();
    // Two changes while the tablet is away.
    const p1 = assertOk(await request(base, sec.token, 'PATCH', `/api/v1/sessions/${session.id}`, { description: 'thay đổi 1' }));
    const item = await createItem(base, sec.token, session.id, { title: 'Mục trong lúc mất kết nối' });

    const back = await connect(d1.token);
    const ack2 = await back.request('subscribe', { session_id: session.id, last_seq: ack.seq, epoch: ack.epoch });
    assert.equal(ack2.replay, true);
    assert.equal(ack2.epoch, ack.epoch);
    assert.equal(ack2.seq, ack.seq + 2);
    const e1 = await back.waitFor((m) => m.session_id === session.id && m.type !== 'ack');
    const e2 = await back.waitFor((m) => m.session_id === session.id && m.type !== 'ack');
    assert.equal(e1.type, 'session.updated');
    assert.equal(e1.seq, ack.seq + 1);
    assert.deepEqual(e1.body, p1);
    assert.equal(e2.type, 'agenda.updated');
    assert.equal(e2.seq, ack.seq + 2);
    assert.ok(e2.body.agenda.some((i) => i.id === item.id));
    await back.request('ping');
    assert.deepEqual(back.drain().filter((m) => m.type === 'snapshot'), [], 'no snapshot with a replay');

    // Up to date: an empty replay.
    const c3 = await connect(d1.token);
    const ack3 = await c3.request('subscribe', { session_id: session.id, last_seq: ack2.seq, epoch: ack.epoch });
    assert.equal(ack3.replay, true);
    await c3.request('ping');
    assert.deepEqual(c3.drain().filter((m) => m.session_id === session.id), []);
  });

  test('resync with a wrong epoch or a future seq -> a fresh snapshot', async () => {
    const c = await connect(d1.token);
    const ack = await c.request('subscribe', { session_id: session.id, last_seq: 1, epoch: 'not-the-epoch' });
    assert.equal(ack.replay, false);
    const snap = await c.waitFor((m) => m.type === 'snapshot');
    assert.equal(snap.seq, ack.seq);
    assert.notEqual(snap.epoch, 'not-the-epoch');
    assert.equal(snap.body.session.id, session.id);

    const c2 = await connect(d1.token);
    const ack2 = await c2.request('subscribe', { session_id: session.id, last_seq: ack.seq + 100, epoch: ack.epoch });
    assert.equal(ack2.replay, false);
    await c2.waitFor((m) => m.type === 'snapshot');
  });

  test('checkin after the session ended -> 1202', async () => {
    const s = await createSession(base, admin, { title: 'Phiên sắp kết thúc' });
    assertOk(await request(base, admin, 'PUT', `/api/v1/sessions/${s.id}/delegates`, { user_ids: [d1.user.id] }));
    assertOk(await request(base, admin, 'POST', `/api/v1/sessions/${s.id}/start`));
    const tablet = await connect(d1.token);
    await tablet.request('subscribe', { session_id: s.id });
    await tablet.waitFor((m) => m.type === 'snapshot');
    assertOk(await request(base, admin, 'POST', `/api/v1/sessions/${s.id}/end`));
    const ended = await tablet.waitForEvent('session.updated', s.id);
    assert.equal(ended.body.status, 'ended');
    await assert.rejects(tablet.request('checkin', { session_id: s.id }), isError(1202));
    const att = assertOk(await request(base, admin, 'GET', `/api/v1/sessions/${s.id}/attendance`));
    assert.equal(att.present, 0);
  });

  test('deleting a session tells its subscribers (session.deleted)', async () => {
    const s = await createSession(base, admin, { title: 'Phiên sẽ bị xóa' });
    const c = await connect(sec.token);
    const ack = await c.request('subscribe', { session_id: s.id });
    await c.waitFor((m) => m.type === 'snapshot');
    assert.equal((await request(base, admin, 'DELETE', `/api/v1/sessions/${s.id}`)).status, 204);
    const ev = await c.waitForEvent('session.deleted', s.id);
    assert.equal(ev.seq, ack.seq + 1);
    assert.deepEqual(ev.body, {});
  });
});

describe('websocket resync with a small event backlog', () => {
  let srv;
  after(async () => { if (srv) await stopClean(srv, 'the backlog test'); });

  test('events older than the backlog -> a snapshot; within it -> a replay', async () => {
    srv = await startLocalServer({ config: { ws: { event_backlog: 2 } } });
    const admin = await login(srv.base, 'admin', ADMIN_PASSWORD);
    const s = await createSession(srv.base, admin, { title: 'Backlog nhỏ' });
    const c = await WsClient.connect(srv.port, { token: admin });
    try {
      const ack = await c.request('subscribe', { session_id: s.id });
      await c.waitFor((m) => m.type === 'snapshot');
      for (const d of ['một', 'hai', 'ba']) {
        assertOk(await request(srv.base, admin, 'PATCH', `/api/v1/sessions/${s.id}`, { description: d }));
        await c.waitForEvent('session.updated', s.id);
      }
      const c2 = await WsClient.connect(srv.port, { token: admin });
      try {
        // 3 missed, 2 kept: a snapshot.
        const full = await c2.request('subscribe', { session_id: s.id, last_seq: ack.seq, epoch: ack.epoch });
        assert.equal(full.replay, false);
        const snap = await c2.waitFor((m) => m.type === 'snapshot');
        assert.equal(snap.seq, ack.seq + 3);
        assert.equal(snap.body.session.description, 'ba');
        // 2 missed, 2 kept: a replay of exactly those.
        const part = await c2.request('subscribe', { session_id: s.id, last_seq: ack.seq + 1, epoch: ack.epoch });
        assert.equal(part.replay, true);
        const e1 = await c2.waitForEvent('session.updated', s.id);
        const e2 = await c2.waitForEvent('session.updated', s.id);
        assert.deepEqual([e1.seq, e2.seq], [ack.seq + 2, ack.seq + 3]);
        assert.deepEqual([e1.body.description, e2.body.description], ['hai', 'ba']);
      } finally {
        await c2.close();
      }
    } finally {
      await c.close();
    }
    await assertAlive(srv, 'small backlog resync');
  });
});

// Access changes (unassignment, deactivation, logout) must reach sockets that
// are already open, not only new logins.
describe('websocket: access changes apply to open connections', () => {
  let srv;
  let base;
  let admin;
  let session;
  const clients = [];
  const connect = async (token) => {
    const c = await WsClient.connect(srv.port, { token });
    clients.push(c);
    return c;
  };
  const subscribed = async (token) => {
    const c = await connect(token);
    await c.request('subscribe', { session_id: session.id });
    await c.waitFor((m) => m.type === 'snapshot');
    return c;
  };

  before(async () => {
    srv = await startLocalServer();
    base = srv.base;
    admin = await login(base, 'admin', ADMIN_PASSWORD);
    session = await createSession(base, admin, { title: 'Phiên kiểm soát truy cập' });
    assertOk(await request(base, admin, 'POST', `/api/v1/sessions/${session.id}/start`));
  });
  after(async () => {
    for (const c of clients) await c.close();
    if (srv) {
      await assertAlive(srv, 'the access-change tests');
      await stopClean(srv, 'the access-change tests');
    }
  });

  test('a delegate removed from the session stops receiving its events', async () => {
    const keep = await createUser(base, admin, 'db10', 'delegate');
    const gone = await createUser(base, admin, 'db11', 'delegate');
    assertOk(await request(base, admin, 'PUT', `/api/v1/sessions/${session.id}/delegates`, { user_ids: [keep.user.id, gone.user.id] }));
    const c = await subscribed(gone.token);
    assertOk(await request(base, admin, 'PUT', `/api/v1/sessions/${session.id}/delegates`, { user_ids: [keep.user.id] }));
    assertOk(await request(base, admin, 'PATCH', `/api/v1/sessions/${session.id}`, { description: 'chỉ cho người còn trong phiên' }));
    const witness = await subscribed(admin);
    assertOk(await request(base, admin, 'PATCH', `/api/v1/sessions/${session.id}`, { room: 'Phòng kín' }));
    await witness.waitForEvent('session.updated', session.id);
    await c.request('ping');
    const leaked = c.drain().filter((m) => m.type === 'session.updated' || m.type === 'attendance.updated' || m.type === 'agenda.updated');
    assert.deepEqual(leaked.map((m) => `${m.type} seq ${m.seq}`), [], 'events after the delegate was removed');
  });

  test('a deactivated user\'s open socket can no longer check in', async () => {
    const d = await createUser(base, admin, 'db12', 'delegate');
    const ids = assertOk(await request(base, admin, 'GET', `/api/v1/sessions/${session.id}/delegates`)).delegates.map((x) => x.id);
    assertOk(await request(base, admin, 'PUT', `/api/v1/sessions/${session.id}/delegates`, { user_ids: [...ids, d.user.id] }));
    const c = await subscribed(d.token);
    assertOk(await request(base, admin, 'PATCH', `/api/v1/users/${d.user.id}`, { active: false }));
    // The server closes the user's sockets; a message that still gets through is refused.
    await assert.rejects(c.request('checkin', { session_id: session.id }),
      (e) => (c.closed && c.closeInfo.code === 1008) || [1100, 1101, 1102].includes(e.body && e.body.code));
    const att = assertOk(await request(base, admin, 'GET', `/api/v1/sessions/${session.id}/attendance`));
    assert.equal(att.delegates.find((e) => e.user_id === d.user.id).status, 'absent');
  });

  test('subscribers of a deleted session get nothing from a session created after it', async () => {
    const d = await createUser(base, admin, 'db13', 'delegate');
    const doomed = await createSession(base, admin, { title: 'Phiên sẽ bị xóa' });
    assertOk(await request(base, admin, 'PUT', `/api/v1/sessions/${doomed.id}/delegates`, { user_ids: [d.user.id] }));
    const c = await connect(d.token);
    await c.request('subscribe', { session_id: doomed.id });
    await c.waitFor((m) => m.type === 'snapshot');
    assert.equal((await request(base, admin, 'DELETE', `/api/v1/sessions/${doomed.id}`)).status, 204);
    await c.waitForEvent('session.deleted', doomed.id);
    // A new session the delegate is not part of (SQLite may give it the same id).
    const fresh = await createSession(base, admin, { title: 'Phiên mới, không có db13' });
    assertOk(await request(base, admin, 'PATCH', `/api/v1/sessions/${fresh.id}`, { description: 'nội bộ' }));
    assertWireError(await request(base, d.token, 'GET', `/api/v1/sessions/${fresh.id}`), 1200);
    await c.request('ping');
    await (await connect(admin)).request('ping');
    const all = c.drain();
    assert.ok(all.some((m) => m.type === 'session.revoked' && m.session_id === doomed.id), 'told its subscription ended');
    const leaked = all.filter((m) => m.seq !== undefined);
    assert.deepEqual(leaked.map((m) => `${m.type} session ${m.session_id} seq ${m.seq}`), [],
      `events after session ${doomed.id} was deleted (new session id ${fresh.id})`);
  });

  test('after logout, the socket authenticated with that token is no longer authenticated', async () => {
    const t = await login(base, 'admin', ADMIN_PASSWORD);
    const c = await connect(t);
    assert.equal((await request(base, t, 'POST', '/api/v1/logout')).status, 204);
    // Its sockets are closed with 1008; a message that still gets through is refused with 1100.
    await assert.rejects(c.request('subscribe', { session_id: session.id }),
      (e) => (c.closed && c.closeInfo.code === 1008) || (e.body && e.body.code === 1100));
  });
});
