// Secret ballots on disk: an attacker who has the data directory's files at
// any moment — during the vote, after a SIGKILL, after the close — tries to
// tie a voter to a choice. 23 delegates vote in a known order with known
// choices; after every acknowledgement the test copies roomctl.db, -wal and
// -shm. The attack rebuilds the database as it stood at every commit in every
// copy (each WAL frame, the stale ones of older WAL generations too), reads
// who had voted and the counts at each, and takes differences: a voter who
// appears alone between two states gives their choice away. It must find no
// group smaller than [votes] secret_group (5), and the cells of `voted` must
// not lie in the order of casting. Ballots only "received" when the process
// is killed are sent again by their tablets and counted once.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { cellOrder, imagesOf, stateOf } from '../lib/ballot-attack.mjs';
import { assertOk, createSession, createUser, request } from '../lib/integration.mjs';
import { ADMIN_PASSWORD, login, startServer } from '../lib/server.mjs';
import { WsClient } from '../lib/ws-client.mjs';

const K = 5;
const VOTERS = 23;
const KILL_AFTER = 14; // ballots received before the SIGKILL

const sqlOne = (db, sql) => execFileSync('sqlite3', ['-readonly', db, sql], { encoding: 'utf8' }).trim();

describe('secret ballots on disk', () => {
  let srv;
  let dataDir;
  let work;
  let admin;
  let sessionId;
  let voteId;
  const delegates = [];     // {id, token, option, key}, in the order they vote
  const copies = [];        // {what, db, wal}
  const sockets = [];
  const config = { media: { enabled: 'false' }, votes: { secret_group: String(K) } };

  const copyFiles = (what) => {
    const read = (f) => (fs.existsSync(path.join(dataDir, f)) ? fs.readFileSync(path.join(dataDir, f)) : null);
    copies.push({ what, db: read('roomctl.db'), wal: read('roomctl.db-wal'), shm: read('roomctl.db-shm') });
  };
  const tablet = async (d) => {
    const ws = await WsClient.connect(srv.port, { token: d.token });
    sockets.push(ws);
    return ws;
  };

  before(async () => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'roomctl-secret-'));
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'roomctl-secret-data-'));
    srv = await startServer({ dataDir, config });
    admin = await login(srv.base, 'admin', ADMIN_PASSWORD);
    const session = await createSession(srv.base, admin, { title: 'Bầu cử (bỏ phiếu kín)' });
    sessionId = session.id;
    for (let i = 0; i < VOTERS; i++) {
      const { user, token } = await createUser(srv.base, admin, `kin${String(i).padStart(2, '0')}`, 'delegate');
      // Known choices, mixed so that groups are not trivially unanimous.
      delegates.push({ id: user.id, token, option: [0, 1, 2, 0, 1, 0, 2][i % 7], key: `secret-${i}-${user.id}` });
    }
    assertOk(await request(srv.base, admin, 'PUT', `/api/v1/sessions/${sessionId}/delegates`, { user_ids: delegates.map((d) => d.id) }));
    assertOk(await request(srv.base, admin, 'POST', `/api/v1/sessions/${sessionId}/start`));
    for (const d of delegates) assertOk(await request(srv.base, admin, 'POST', `/api/v1/sessions/${sessionId}/attendance`, { user_id: d.id, action: 'in' }));
  });
  after(async () => {
    for (const s of sockets) s.close();
    if (srv) await srv.stop();
    fs.rmSync(work, { recursive: true, force: true });
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  test('voting, killed mid-vote, resending, closing: every moment copied', async () => {
    const chair = await WsClient.connect(srv.port, { token: admin });
    voteId = (await chair.request('vote.open', { session_id: sessionId, question: 'Bầu chủ tịch?', secret: true })).vote.id;
    chair.close();
    copyFiles('opened');
    const sealed = new Set();
    const castOne = async (d, ws) => {
      const ack = await ws.request('vote.cast', { vote_id: voteId, option: d.option, ballot_key: d.key });
      assert.ok(['received', 'sealed'].includes(ack.state), JSON.stringify(ack));
      if (ack.state === 'sealed') sealed.add(d.id);
      await new Promise((r) => setTimeout(r, 30)); // a group's commit follows its ack
      copyFiles(`after ballot of ${d.id}`);
    };
    const socketOf = new Map();
    for (const d of delegates.slice(0, KILL_AFTER)) {
      const ws = await tablet(d);
      socketOf.set(d.id, ws);
      await castOne(d, ws);
    }
    for (const [id, ws] of socketOf)
      if (ws.queue.some((m) => m.type === 'ballot.sealed')) sealed.add(id);
    assert.ok(sealed.size >= K, `a group was sealed before the kill (${sealed.size})`);
    assert.ok(sealed.size < KILL_AFTER, 'and some ballots were only received');

    srv.proc.kill('SIGKILL');
    await new Promise((r) => (srv.proc.exitCode !== null || srv.proc.signalCode ? r() : srv.proc.once('exit', r)));
    copyFiles('after SIGKILL');
    srv = await startServer({ dataDir, config });
    copyFiles('after restart');
    admin = await login(srv.base, 'admin', ADMIN_PASSWORD);

    // The tablets that did not hear "sealed" send their ballot again; then the rest vote.
    for (const d of delegates.slice(0, KILL_AFTER)) {
      if (sealed.has(d.id)) continue;
      await castOne(d, await tablet(d));
    }
    for (const d of delegates.slice(KILL_AFTER)) await castOne(d, await tablet(d));
    const chair2 = await WsClient.connect(srv.port, { token: admin });
    const closed = (await chair2.request('vote.close', { vote_id: voteId })).vote;
    chair2.close();
    copyFiles('after close');
    const want = [0, 0, 0];
    for (const d of delegates) want[d.option]++;
    assert.deepEqual(closed.result.counts, want, 'every ballot counted once');
    await srv.stop();
    copyFiles('after a clean stop');
    srv = null;
  });

  test('the attack finds no group of fewer than 5 voters, so no choice', () => {
    const states = new Map(); // key -> state
    let unreadable = 0;
    for (const c of copies) {
      if (!c.db) continue;
      for (const image of imagesOf(c.db, c.wal)) {
        const s = stateOf(image, voteId, work);
        if (s === 'before') continue;
        if (!s) { unreadable++; continue; }
        states.set(`${[...s.voters].sort((a, b) => a - b)}|${[...s.tally].sort()}`, s);
      }
    }
    const all = [...states.values()].sort((a, b) => a.voters.size - b.voters.size);
    // The attack saw the vote grow: the empty start, groups between, the whole at the end.
    assert.equal(all[0].voters.size, 0);
    assert.equal(all.at(-1).voters.size, VOTERS);
    assert.ok(all.length >= 4, `states recovered from the files: ${all.map((s) => s.voters.size).join(', ')}`);
    let recovered = 0;
    let smallest = Infinity;
    for (const a of all) {
      for (const b of all) {
        if (b.voters.size <= a.voters.size || ![...a.voters].every((v) => b.voters.has(v))) continue;
        const group = [...b.voters].filter((v) => !a.voters.has(v));
        const counts = [0, 1, 2].map((o) => (b.tally.get(o) || 0) - (a.tally.get(o) || 0));
        assert.equal(counts.reduce((x, y) => x + y, 0), group.length, 'voters and counts change together, in one commit');
        smallest = Math.min(smallest, group.length);
        if (group.length === 1) recovered++;
      }
    }
    assert.equal(recovered, 0, 'no voter appears alone between two states');
    assert.ok(smallest >= K, `the smallest group the files separate has ${smallest} voters (at least ${K})`);
    assert.equal(unreadable, 0, 'every image the files hold was read');
  });

  test('the cells of voted are not in the order of casting', () => {
    const last = copies.at(-1);
    const order = cellOrder(last.db, voteId);
    assert.equal(order.length, VOTERS);
    const cast = delegates.map((d) => d.id);
    const castPos = new Map(cast.map((id, i) => [id, i]));
    // Within each sealed group the order is shuffled: the written order is not
    // the order of casting, nor that of the user ids.
    assert.notDeepEqual(order, cast, 'cells in cast order');
    assert.notDeepEqual(order, [...cast].sort((a, b) => a - b), 'cells in user order, which here is also cast order');
    const inversions = order.reduce((n, id, i) => n + order.slice(i + 1).filter((j) => castPos.get(j) < castPos.get(id)).length, 0);
    assert.ok(inversions > 0, `inversions against the cast order: ${inversions}`);
  });

  test('nothing else in the data directory names a choice', () => {
    // Logs go to stderr, not the data directory; the database holds no per-ballot row.
    const files = fs.readdirSync(dataDir, { recursive: true });
    assert.deepEqual(files.filter((f) => !/^(roomctl\.db(-wal|-shm)?|documents|tmp|roomctl-test\.conf)$/.test(f)), [],
      `data directory: ${files.join(', ')}`);
    assert.equal(sqlOne(path.join(dataDir, 'roomctl.db'), `SELECT count(*) FROM ballots WHERE vote_id = ${voteId}`), '0');
  });
});
