// Ending a session ends its live part (issue 12, defect 1): the open vote is
// closed through the ordinary close (every received secret ballot sealed, the
// result stored and sent to the tablets), its time limit never fires later,
// the speaker's turn ends with its duration stored, the queue is dropped, and
// all of it is announced with the events the tablets already know. After the
// end a ballot is refused, and a SIGKILL + restart restores no open vote. A
// database left by a version that ended sessions with a vote open is mended
// at start-up.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  ADMIN_PASSWORD, api, assertOk, createSession, createUser, login, request, startLocalServer, stopClean,
} from '../lib/integration.mjs';
import { SLOW } from '../lib/server.mjs';
import { WsClient } from '../lib/ws-client.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
// The vote's time limit: long enough that the end comes first, also under a
// sanitizer (ROOMCTL_SLOW), and then waited out to see it does not fire.
const LIMIT_S = 3 * SLOW;
const sql = (dataDir, query) =>
  execFileSync('sqlite3', [path.join(dataDir, 'roomctl.db'), query], { encoding: 'utf8' }).trim();

const rejectsWith = async (promise, code, what) => {
  await assert.rejects(promise, (e) => {
    assert.equal(e.body && e.body.code, code, `${what}: expected ${code}, got ${e.message}`);
    return true;
  });
};

describe('ending a session', () => {
  let srv;
  let dataDir;
  let admin;
  const clients = [];
  const people = [];   // {user, token}

  const connect = async (token, sessionId) => {
    const ws = await WsClient.connect(srv.port, { token });
    clients.push(ws);
    await ws.request('subscribe', { session_id: sessionId });
    await ws.waitFor((m) => m.type === 'snapshot');
    return ws;
  };
  const restart = async () => {
    srv.proc.kill('SIGKILL');
    await new Promise((r) => srv.proc.once('exit', r));
    for (const c of clients.splice(0)) c.close();
    srv = await startLocalServer({ dataDir });
    admin = await login(srv.base, 'admin', ADMIN_PASSWORD);
  };
  /** A live session with people[0..n) as its delegates. */
  const liveSession = async (title, n) => {
    const s = await createSession(srv.base, admin, { title });
    assertOk(await request(srv.base, admin, 'PUT', `/api/v1/sessions/${s.id}/delegates`,
      { user_ids: people.slice(0, n).map((p) => p.user.id) }), 200, 'delegates');
    assertOk(await request(srv.base, admin, 'POST', `/api/v1/sessions/${s.id}/start`), 200, 'start');
    return s;
  };

  before(async () => {
    dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'roomctl-end-'));
    srv = await startLocalServer({ dataDir });
    admin = await login(srv.base, 'admin', ADMIN_PASSWORD);
    for (let i = 1; i <= 4; i++)
      people.push(await createUser(srv.base, admin, `dbend${i}`, 'delegate', { full_name: `Đại biểu ${i}` }));
  });
  after(async () => {
    for (const c of clients) c.close();
    // A clean exit: under the sanitizers a leak or a report fails here.
    if (srv) await stopClean(srv, 'ending sessions');
    await fs.rm(dataDir, { recursive: true, force: true });
  });

  test('closes the open secret vote (ballots sealed, result sent), ends the turn and drops the queue', async () => {
    const s = await liveSession('Kỳ họp kết thúc giữa chừng', 4);
    const chair = await connect(admin, s.id);
    const ds = [];
    for (const p of people) {
      const d = await connect(p.token, s.id);
      await d.request('checkin', { session_id: s.id });
      ds.push(d);
    }
    const [d1, d2, d3, d4] = ds;
    const [u1, u2, u3] = people.map((p) => p.user.id);
    // d1 speaks, d2 and d3 wait in the queue.
    await d1.request('speak.request', { session_id: s.id });
    await d2.request('speak.request', { session_id: s.id });
    await d3.request('speak.request', { session_id: s.id });
    const granted = await chair.request('speak.grant', { session_id: s.id, user_id: u1 });
    assert.equal(granted.speaker.user_id, u1);
    // A timed secret vote; two ballots received, fewer than a sealed group (5): none on disk yet.
    const { vote } = await chair.request('vote.open', { session_id: s.id, question: 'Thông qua nghị quyết?', secret: true, duration_seconds: LIMIT_S });
    for (const d of ds) await d.waitFor((m) => m.type === 'vote.opened' && m.body.vote.id === vote.id);
    assert.equal((await d1.request('vote.cast', { vote_id: vote.id, option: 0, ballot_key: 'end-d1-0001' })).state, 'received');
    assert.equal((await d2.request('vote.cast', { vote_id: vote.id, option: 1, ballot_key: 'end-d2-0001' })).state, 'received');
    assert.equal(sql(dataDir, `SELECT count(*) FROM voted WHERE vote_id = ${vote.id}`), '0', 'nothing sealed before the end');
    await sleep(1100);   // the turn lasts a measurable second

    const ended = assertOk(await request(srv.base, admin, 'POST', `/api/v1/sessions/${s.id}/end`), 200, 'end');
    assert.equal(ended.status, 'ended');

    // Every tablet hears the result, the cleared floor and the new status.
    for (const d of [chair, ...ds]) {
      const closed = await d.waitFor((m) => m.type === 'vote.closed' && m.body.vote.id === vote.id);
      assert.equal(closed.body.vote.status, 'closed');
      assert.deepEqual(closed.body.vote.result.counts, [1, 1, 0]);
      assert.equal(closed.body.vote.result.cast, 2);
      const floor = await d.waitFor((m) => m.type === 'speakers.updated' && m.body.speaker === null && m.body.queue.length === 0);
      assert.deepEqual(floor.body.queue, []);
      const st = await d.waitFor((m) => m.type === 'session.updated' && m.body.status === 'ended');
      assert.ok(st.seq > closed.seq && st.seq > floor.seq, 'the status comes after the vote and the floor');
    }
    // Each secret voter is told their ballot is sealed; it is on disk, counted once.
    for (const d of [d1, d2]) assert.deepEqual((await d.waitFor((m) => m.type === 'ballot.sealed')).body, { vote_id: vote.id, state: 'sealed' });
    assert.equal(sql(dataDir, `SELECT count(*) FROM voted WHERE vote_id = ${vote.id}`), '2');
    assert.equal(sql(dataDir, `SELECT group_concat(option || ':' || count) FROM (SELECT * FROM secret_tally WHERE vote_id = ${vote.id} ORDER BY option)`), '0:1,1:1');
    const votes = await api(srv.base, admin, 'GET', `/api/v1/sessions/${s.id}/votes`);
    const stored = votes.votes.find((v) => v.id === vote.id);
    assert.equal(stored.status, 'closed');
    assert.deepEqual(stored.result.counts, [1, 1, 0]);
    // The turn is in the speakers log with its duration; the queue was dropped.
    const log = await api(srv.base, admin, 'GET', `/api/v1/sessions/${s.id}/speakers`);
    assert.deepEqual(log.speakers.map((r) => r.user_id), [u1]);
    assert.ok(log.speakers[0].seconds >= 1, `seconds spoken: ${log.speakers[0].seconds}`);
    assert.ok(log.speakers[0].ended_at, 'the turn has an end');
    assert.equal(sql(dataDir, `SELECT count(*) FROM speakers WHERE session_id = ${s.id} AND status IN ('queued', 'speaking')`), '0');
    assert.equal(sql(dataDir, `SELECT group_concat(user_id) FROM (SELECT user_id FROM speakers WHERE session_id = ${s.id} AND status = 'withdrawn' ORDER BY user_id)`), `${u2},${u3}`);

    // After the end: a ballot and a request to speak are refused with a clear error.
    await rejectsWith(d4.request('vote.cast', { vote_id: vote.id, option: 0, ballot_key: 'end-d4-0001' }), 1202, 'a ballot after the end');
    await rejectsWith(d3.request('vote.cast', { vote_id: vote.id, option: 2, ballot_key: 'end-d3-0001' }), 1202, 'another ballot after the end');
    await rejectsWith(d4.request('speak.request', { session_id: s.id }), 1202, 'asking to speak after the end');
    await rejectsWith(chair.request('vote.open', { session_id: s.id, question: 'Sau khi kết thúc?' }), 1202, 'a new vote after the end');

    // The vote's time limit passes: nothing fires (no second close, no warning).
    await sleep(LIMIT_S * 1000 + 500);
    for (const d of [chair, ...ds])
      assert.equal(d.log.filter((m) => m.type === 'vote.closed').length, 1, 'one vote.closed only');
    assert.doesNotMatch(srv.stderr, /cannot close at its time limit/);
    assert.equal(sql(dataDir, `SELECT count(*) FROM ballots WHERE vote_id = ${vote.id}`), '0');
    assert.equal(sql(dataDir, `SELECT count(*) FROM voted WHERE vote_id = ${vote.id}`), '2');

    // SIGKILL and restart: the vote stays closed, nothing of the session is live again.
    await restart();
    assert.doesNotMatch(srv.stderr, new RegExp(`vote ${vote.id} still open after restart`));
    const again = await api(srv.base, admin, 'GET', `/api/v1/sessions/${s.id}/votes`);
    assert.equal(again.votes.find((v) => v.id === vote.id).status, 'closed');
    const d4b = await WsClient.connect(srv.port, { token: people[3].token });
    clients.push(d4b);
    await d4b.request('subscribe', { session_id: s.id });
    const snap = await d4b.waitFor((m) => m.type === 'snapshot');
    assert.deepEqual(snap.body.live.votes.filter((v) => v.status === 'open'), [], 'no open vote in the snapshot');
    assert.equal(snap.body.live.speakers.speaker, null);
    assert.deepEqual(snap.body.live.speakers.queue, []);
    await rejectsWith(d4b.request('vote.cast', { vote_id: vote.id, option: 0, ballot_key: 'end-d4-0002' }), 1202, 'a ballot after the restart');
  });

  test('an open vote with no ballots and nobody speaking: closed with an empty result', async () => {
    const s = await liveSession('Kỳ họp không ai bỏ phiếu', 2);
    const chair = await connect(admin, s.id);
    const { vote } = await chair.request('vote.open', { session_id: s.id, question: 'Biểu quyết công khai?' });
    assertOk(await request(srv.base, admin, 'POST', `/api/v1/sessions/${s.id}/end`), 200, 'end');
    const closed = await chair.waitFor((m) => m.type === 'vote.closed' && m.body.vote.id === vote.id);
    assert.deepEqual(closed.body.vote.result.counts, [0, 0, 0]);
    // No floor to clear: no speakers.updated for it.
    await chair.waitFor((m) => m.type === 'session.updated' && m.body.status === 'ended');
    assert.equal(chair.log.filter((m) => m.type === 'speakers.updated').length, 0);
    // Ending twice is refused and changes nothing.
    const twice = await request(srv.base, admin, 'POST', `/api/v1/sessions/${s.id}/end`);
    assert.equal(twice.status, 409);
  });

  test('a database that ended a session with its vote open is mended at start-up', async () => {
    const s = await liveSession('Kỳ họp từ phiên bản cũ', 2);
    const chair = await connect(admin, s.id);
    const d1 = await connect(people[0].token, s.id);
    await d1.request('checkin', { session_id: s.id });
    const { vote } = await chair.request('vote.open', { session_id: s.id, question: 'Phiếu trước khi sập?' });
    await d1.request('vote.cast', { vote_id: vote.id, option: 0, ballot_key: 'old-d1-0001' });
    srv.proc.kill('SIGKILL');
    await new Promise((r) => srv.proc.once('exit', r));
    // What the old end left behind: the session ended, its vote open.
    sql(dataDir, `UPDATE sessions SET status = 'ended', ended_at = '2026-12-01T10:00:00Z' WHERE id = ${s.id}`);
    assert.equal(sql(dataDir, `SELECT status FROM votes WHERE id = ${vote.id}`), 'open');
    for (const c of clients.splice(0)) c.close();
    srv = await startLocalServer({ dataDir });
    admin = await login(srv.base, 'admin', ADMIN_PASSWORD);
    assert.equal(sql(dataDir, `SELECT status FROM votes WHERE id = ${vote.id}`), 'closed');
    const v = (await api(srv.base, admin, 'GET', `/api/v1/sessions/${s.id}/votes`)).votes.find((x) => x.id === vote.id);
    assert.deepEqual(v.result.counts, [1, 0, 0], 'the ballot cast before is counted');
    const d1b = await WsClient.connect(srv.port, { token: people[0].token });
    clients.push(d1b);
    await rejectsWith(d1b.request('vote.cast', { vote_id: vote.id, option: 1, ballot_key: 'old-d1-0002' }), 1202, 'a ballot after the mend');
  });
});
