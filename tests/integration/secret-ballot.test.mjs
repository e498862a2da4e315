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
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { assertOk, createSession, createUser, request } from '../lib/integration.mjs';
import { ADMIN_PASSWORD, login, startServer } from '../lib/server.mjs';
import { WsClient } from '../lib/ws-client.mjs';

const K = 5;
const VOTERS = 23;
const KILL_AFTER = 14; // ballots received before the SIGKILL

// ---- the attack: every database state the files hold ----

/** Database images, one per commit the WAL holds (current and stale
 *  generations), plus the main file alone. */
function imagesOf(db, wal) {
  const images = [Buffer.from(db)];
  if (!wal || wal.length < 32) return images;
  const pageSize = wal.readUInt32BE(8);
  let image = null;
  let gen = null;
  for (let off = 32; off + 24 + pageSize <= wal.length; off += 24 + pageSize) {
    const pgno = wal.readUInt32BE(off);
    const commit = wal.readUInt32BE(off + 4);
    const salt = wal.subarray(off + 8, off + 16).toString('hex');
    if (pgno === 0) continue;
    if (salt !== gen) { gen = salt; image = Buffer.from(db); } // a new generation starts from the main file
    const need = pgno * pageSize;
    if (image.length < need) image = Buffer.concat([image, Buffer.alloc(need - image.length)]);
    wal.copy(image, (pgno - 1) * pageSize, off + 24, off + 24 + pageSize);
    if (commit) images.push(Buffer.from(image.subarray(0, commit * pageSize)));
  }
  return images;
}

/** {voters: Set, tally: Map option→count} of @voteId in one image; 'before'
 *  for an image from before the tables existed; null if SQLite cannot read
 *  it. Images are many and mostly the same (each copy's WAL holds the frames
 *  of the copies before it), so each distinct one is read once. */
const stateCache = new Map();
function stateOf(image, voteId, dir) {
  const hash = crypto.createHash('sha1').update(image).digest('hex');
  if (!stateCache.has(hash)) stateCache.set(hash, readState(image, voteId, path.join(dir, `img-${hash}.db`)));
  return stateCache.get(hash);
}

function readState(image, voteId, file) {
  const copy = Buffer.from(image);
  copy[18] = 1; copy[19] = 1; // a rollback-journal file: no WAL needed to read it
  fs.writeFileSync(file, copy);
  try {
    const q = (sql) => execFileSync('sqlite3', ['-readonly', file, sql], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
    if (q("SELECT count(*) FROM sqlite_master WHERE name IN ('voted', 'secret_tally')") !== '2') return 'before';
    const voters = new Set(q(`SELECT user_id FROM voted WHERE vote_id = ${voteId}`).split('\n').filter(Boolean).map(Number));
    const tally = new Map(q(`SELECT option, count FROM secret_tally WHERE vote_id = ${voteId}`).split('\n').filter(Boolean)
      .map((l) => l.split('|').map(Number)));
    return { voters, tally };
  } catch {
    return null;
  } finally {
    fs.rmSync(file, { force: true });
  }
}

/** The user ids of `voted` rows in the order their cells were written
 *  (SQLite fills a page from its end: a later cell sits at a lower offset). */
function cellOrder(db, voteId) {
  const file = path.join(os.tmpdir(), `roomctl-cells-${process.pid}.db`);
  const copy = Buffer.from(db);
  copy[18] = 1; copy[19] = 1;
  fs.writeFileSync(file, copy);
  const root = Number(execFileSync('sqlite3', ['-readonly', file, "SELECT rootpage FROM sqlite_master WHERE name = 'voted'"], { encoding: 'utf8' }).trim());
  fs.rmSync(file, { force: true });
  const pageSize = db.readUInt16BE(16) === 1 ? 65536 : db.readUInt16BE(16);
  const page = db.subarray((root - 1) * pageSize, root * pageSize);
  const hdr = root === 1 ? 100 : 0;
  assert.equal(page[hdr], 0x0a, 'voted is one index leaf page (WITHOUT ROWID, few rows)');
  const cells = page.readUInt16BE(hdr + 3);
  const varint = (buf, at) => {
    let v = 0;
    for (let i = 0; i < 9; i++) {
      const b = buf[at + i];
      if (i === 8) return [v * 256 + b, at + 9];
      v = v * 128 + (b & 0x7f);
      if (!(b & 0x80)) return [v, at + i + 1];
    }
    return [v, at + 9];
  };
  const intOf = (buf, at, type) => {
    if (type === 8 || type === 9) return [type - 8, at]; // the constants 0 and 1
    const len = [0, 1, 2, 3, 4, 6, 8][type];
    let v = 0;
    for (let i = 0; i < len; i++) v = v * 256 + buf[at + i];
    return [v, at + len];
  };
  const rows = [];
  for (let i = 0; i < cells; i++) {
    const off = page.readUInt16BE(hdr + 8 + 2 * i);
    let [, at] = varint(page, off); // payload size
    const start = at;
    const [hsize, a2] = varint(page, at);
    at = a2;
    const types = [];
    while (at < start + hsize) { const [t, n] = varint(page, at); types.push(t); at = n; }
    let body = start + hsize;
    const [vote, b1] = intOf(page, body, types[0]); body = b1;
    const [user] = intOf(page, body, types[1]);
    if (vote === voteId) rows.push({ off, user });
  }
  return rows.sort((a, b) => b.off - a.off).map((r) => r.user);
}

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
