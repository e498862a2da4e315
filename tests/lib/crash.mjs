// Crash rounds: 100 delegates check in and vote over WebSockets while
// roomctl is killed with SIGKILL at a random moment; after each restart
// every acknowledged check-in and ballot must be there, and the counts must
// agree with each other (nothing half-written). A secret ballot is told
// "received" first and "sealed" once its group is on disk: what counts as
// told-saved is "sealed"; a ballot only received when the controller died is
// sent again after the restart, as the tablet does, and counted once. Used by
// tests/integration/crash.test.mjs (a few rounds) and tests/bench/crash.mjs
// (50 and more).

import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { assertOk, createSession, createUser } from './integration.mjs';
import { ADMIN_PASSWORD, login, request, startServer } from './server.mjs';
import { WsClient } from './ws-client.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Runs @rounds kill rounds with @clients delegates. Returns per-round
 * figures: [{round, secret, checkins, ballots, killedAfterMs, restartMs}].
 * Throws (assert) on the first lost or half-written fact.
 */
export async function crashRounds({ rounds = 3, clients = 100, seed = Date.now(), log = () => {} } = {}) {
  let rnd = seed >>> 0; // small deterministic PRNG, so a failing seed can be rerun
  const random = () => ((rnd = (Math.imul(rnd, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'roomctl-crash-'));
  const config = { media: { enabled: 'false' }, ws: { rate_per_second: 1000, rate_burst: 1000 } };
  const results = [];
  let srv = await startServer({ dataDir, config, args: ['--listen', '127.0.0.1'] });
  try {
    // The session, its delegates and their logins (tokens survive restarts).
    let admin = await login(srv.base, 'admin', ADMIN_PASSWORD);
    const session = await createSession(srv.base, admin, { title: 'Kỳ họp thử sập nguồn' });
    const delegates = [];
    for (let i = 0; i < clients; i++) {
      const { user, token } = await createUser(srv.base, admin, `dbc${String(i).padStart(3, '0')}`, 'delegate',
        { full_name: `Đại biểu số ${i + 1}` });
      delegates.push({ id: user.id, token });
    }
    assertOk(await request(srv.base, admin, 'PUT', `/api/v1/sessions/${session.id}/delegates`,
      { user_ids: delegates.map((d) => d.id) }), 200, 'delegates');
    assertOk(await request(srv.base, admin, 'POST', `/api/v1/sessions/${session.id}/start`), 200, 'start');

    let acked = null; // what the last round was told was saved
    for (let round = 1; round <= rounds + 1; round++) {
      if (acked) await verify(srv, admin, session.id, acked, delegates);
      if (round > rounds) break;
      // Everyone out, a new vote open: this round's facts start from zero.
      for (const d of delegates)
        await request(srv.base, admin, 'POST', `/api/v1/sessions/${session.id}/attendance`, { user_id: d.id, action: 'out' });
      const secret = round % 2 === 0;
      const chair = await WsClient.connect(srv.port, { token: admin });
      const vote = (await chair.request('vote.open', {
        session_id: session.id, question: `Biểu quyết vòng ${round}?`, secret, allow_change: false,
      })).vote;
      chair.close();
      acked = { round, secret, vote: vote.id, checkins: new Set(), ballots: new Map(), received: new Map() };

      // The delegates go; the controller is killed while they do.
      // Delegates arrive over a second; the kill falls somewhere inside it.
      const killAfter = 20 + Math.floor(random() * 1000);
      let killed = false;
      const one = async (d) => {
        let ws;
        const arrive = random() * 1000;
        try {
          await sleep(arrive);
          if (killed) return;
          ws = await WsClient.connect(srv.port, { token: d.token, timeoutMs: 3000 });
          await ws.request('checkin', { session_id: session.id });
          if (!killed) acked.checkins.add(d.id);
          const option = Math.floor(random() * 3);
          const key = `crash-${round}-${d.id}`;
          const ack = await ws.request('vote.cast', { vote_id: vote.id, option, ballot_key: key });
          if (!killed && ack.recorded) acked.ballots.set(d.id, { option, key });
          if (!killed && ack.state === 'received') {
            acked.received.set(d.id, { option, key });
            // The tablet waits for its group to be sealed (or the kill).
            await ws.waitFor((m) => m.type === 'ballot.sealed' && m.body.vote_id === vote.id, 3000);
            if (!killed) acked.ballots.set(d.id, { option, key });
          }
        } catch { /* the controller went away */ } finally {
          if (ws) ws.close(200);
        }
      };
      const t0 = performance.now();
      const running = Promise.all(delegates.map((d) => one(d)));
      await sleep(killAfter);
      killed = true; // acks that arrive from now on may be after the kill
      srv.proc.kill('SIGKILL');
      await new Promise((resolve) => (srv.proc.exitCode !== null || srv.proc.signalCode ? resolve() : srv.proc.once('exit', resolve)));
      const killedAfterMs = Math.round(performance.now() - t0);
      await running;
      const r0 = performance.now();
      srv = await startServer({ dataDir, config, args: ['--listen', '127.0.0.1'] });
      const restartMs = Math.round(performance.now() - r0);
      admin = await login(srv.base, 'admin', ADMIN_PASSWORD);
      const row = { round, secret, checkins: acked.checkins.size, ballots: acked.ballots.size,
        receivedOnly: [...acked.received.keys()].filter((id) => !acked.ballots.has(id)).length, killedAfterMs, restartMs };
      results.push(row);
      log(row);
    }
    return results;
  } finally {
    await srv.stop();
    await fs.rm(dataDir, { recursive: true, force: true });
  }
}

/** Every acknowledged fact of the last round is there, and the counts agree. */
async function verify(srv, admin, sessionId, acked, delegates) {
  const what = `round ${acked.round}`;
  const att = assertOk(await request(srv.base, admin, 'GET', `/api/v1/sessions/${sessionId}/attendance`), 200, 'attendance');
  const present = new Set(att.delegates.filter((d) => d.status === 'present').map((d) => d.user_id));
  for (const id of acked.checkins) assert.ok(present.has(id), `${what}: acknowledged check-in of user ${id} lost`);
  assert.equal(att.present, present.size, `${what}: the present count agrees with the rows`);

  // Each acknowledged ballot is known to the controller: resending it is a duplicate.
  const byId = new Map(delegates.map((d) => [d.id, d]));
  const pending = [...acked.ballots].map(async ([id, b]) => {
    const ws = await WsClient.connect(srv.port, { token: byId.get(id).token });
    try {
      const ack = await ws.request('vote.cast', { vote_id: acked.vote, option: b.option, ballot_key: b.key });
      assert.equal(ack.duplicate, true, `${what}: the acknowledged ballot of user ${id} was not there`);
      if (acked.secret) assert.equal(ack.state, 'sealed', `${what}: user ${id}'s sealed ballot is sealed`);
    } finally {
      ws.close(200);
    }
  });
  await Promise.all(pending);
  // Secret ballots that were only received: the tablet sends them again (same
  // key); each is taken (again) or known as sealed, never refused.
  let resent = 0;
  for (const [id, b] of acked.received) {
    if (acked.ballots.has(id)) continue;
    const ws = await WsClient.connect(srv.port, { token: byId.get(id).token });
    try {
      const ack = await ws.request('vote.cast', { vote_id: acked.vote, option: b.option, ballot_key: b.key });
      assert.ok(['received', 'sealed'].includes(ack.state), `${what}: user ${id}'s resent ballot: ${JSON.stringify(ack)}`);
      resent++;
    } finally {
      ws.close(200);
    }
  }

  const chair = await WsClient.connect(srv.port, { token: admin });
  const closed = (await chair.request('vote.close', { vote_id: acked.vote })).vote;
  chair.close();
  const r = closed.result;
  const sum = r.counts.reduce((a, b) => a + b, 0);
  assert.equal(sum, r.cast, `${what}: the counts add up to the ballots cast (${JSON.stringify(r)})`);
  assert.ok(r.cast >= acked.ballots.size + resent,
    `${what}: ${r.cast} cast, ${acked.ballots.size} acknowledged, ${resent} sent again after the restart`);
  assert.ok(r.cast <= delegates.length, `${what}: more ballots than delegates`);
  if (acked.secret) {
    assert.equal(r.ballots, undefined, `${what}: a secret vote names no voter`);
  } else {
    assert.equal(r.ballots.length, r.cast, `${what}: one named ballot per count`);
    const got = new Map(r.ballots.map((b) => [b.user_id, b.option]));
    for (const [id, b] of acked.ballots)
      assert.equal(got.get(id), b.option, `${what}: user ${id}'s acknowledged choice`);
  }
}
