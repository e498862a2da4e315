// Backups while a session runs, and their restore into a second daemon.
// Daemon A holds a live session with an open secret vote (one group of 3
// sealed, 4 ballots only received), a closed open vote, an ended session
// and a scheduled one, documents (one confidential). `roomctl --backup`
// runs beside A; the backup is restored into a new data directory and
// daemon B started on it: every GET answer about every session, the
// documents' bytes and the audit chain are the same. The secret-ballot
// attack runs on the backup's files; the tablets then resend their
// received ballots to B and the vote closes with every ballot counted once.

import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { cellOrder, imagesOf, smallestGroup, stateOf } from '../lib/ballot-attack.mjs';
import { request, stopClean } from '../lib/integration.mjs';
import { answers, populate, roomctl } from '../lib/meeting.mjs';
import { ADMIN_PASSWORD, login, startServer, testConfig } from '../lib/server.mjs';
import { WsClient } from '../lib/ws-client.mjs';

const K = 3;
const DELETED = 'DELETED-NOTE-';
const config = { media: { enabled: 'false' }, votes: { secret_group: String(K) } };
const sha = (buf) => crypto.createHash('sha256').update(buf).digest('hex');

/** Pages on the freelist (trunks and leaves) of a database image. */
function freePages(db) {
  const pageSize = db.readUInt16BE(16) === 1 ? 65536 : db.readUInt16BE(16);
  const page = (n) => db.subarray((n - 1) * pageSize, n * pageSize);
  const out = [];
  for (let trunk = db.readUInt32BE(32); trunk; ) {
    const p = page(trunk);
    const n = p.readUInt32BE(4);
    out.push({ pgno: trunk, trunk: true, tail: p.subarray(8 + 4 * n) });
    for (let i = 0; i < n; i++) out.push({ pgno: p.readUInt32BE(8 + 4 * i), trunk: false, tail: page(p.readUInt32BE(8 + 4 * i)) });
    trunk = p.readUInt32BE(0);
  }
  assert.equal(out.length, db.readUInt32BE(36), 'the freelist count of the header');
  return out;
}

describe('backup during a live session, restored into a second daemon', () => {
  let a;
  let b;
  let work;
  let admin;
  let made;
  let backupPath;
  let restoreDir;
  let before1;
  let atBackup;
  let liveCopy;
  const sockets = [];
  const confFile = () => path.join(work, 'cli.conf');

  before(async () => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'roomctl-backup-'));
    fs.writeFileSync(confFile(), testConfig(config));
    a = await startServer({ config });
    admin = await login(a.base, 'admin', ADMIN_PASSWORD);
    made = await populate(a, admin, { secretVoters: 7 });
    sockets.push(...made.sockets);
    // Deleted data leaves freed pages: 40 private notes of 10,000 bytes
    // (8 delegates, 5 pages of two documents) written and deleted again,
    // each marked, so that the backup can be searched for what was deleted.
    const docs = [];
    for (const sid of made.sessions.slice(0, 2)) {
      const agenda = (await request(a.base, admin, 'GET', `/api/v1/sessions/${sid}/agenda`)).json.agenda;
      docs.push(agenda[0].documents[0]);
    }
    for (const d of made.delegates) {
      const writer = await WsClient.connect(a.port, { token: d.token });
      sockets.push(writer);
      const notes = docs.flatMap((doc) => Array.from({ length: doc.pages }, (_, i) => ({ document_id: doc.id, page: i + 1 })));
      for (const n of notes) await writer.request('note.save', { ...n, text: `${DELETED}${d.id}-${n.page} `.repeat(500).slice(0, 10_000) });
      for (const n of notes) await writer.request('note.save', { ...n, text: '' });
    }
    // 6 ballots make 2k: a group of 3 is sealed, 3 + 1 stay received.
    await Promise.all(made.secretBallots.map(async (x) => {
      x.sealed = await x.socket.waitFor((m) => m.type === 'ballot.sealed', 3000).then(() => true, () => false);
    }));
  });
  after(async () => {
    for (const s of sockets) s.close();
    if (a) await a.stop();
    if (b) await b.stop();
    fs.rmSync(work, { recursive: true, force: true });
  });

  test('roomctl --backup beside the running daemon: a complete, self-contained copy, A unchanged', async () => {
    before1 = await answers(a.base, admin, made.sessions);
    const res = await roomctl(['--config', confFile(), '--data-dir', a.dataDir, '--backup', path.join(work, 'backups')]);
    assert.equal(res.code, 0, res.stderr);
    backupPath = /^backup made: (.+)$/m.exec(res.stdout)[1];
    assert.match(path.basename(backupPath), /^roomctl-\d{8}T\d{6}Z$/);
    const read = (f) => (fs.existsSync(path.join(a.dataDir, f)) ? fs.readFileSync(path.join(a.dataDir, f)) : null);
    liveCopy = { db: read('roomctl.db'), wal: read('roomctl.db-wal') };
    // Right after the backup: what B must answer. Beside the audit rows
    // that reading the confidential document added, A answers as before.
    atBackup = await answers(a.base, admin, made.sessions);
    const { '/api/v1/audit': audit1, ...rest1 } = before1;
    const { '/api/v1/audit': audit2, ...rest2 } = atBackup;
    assert.deepEqual(rest2, rest1, 'the backup changed nothing A answers');
    const added = audit2.body.audit.filter((r) => !audit1.body.audit.some((x) => x.id === r.id));
    assert.deepEqual([...new Set(added.map((r) => r.action))], ['document.read']);
    assert.deepEqual(audit2.body.audit.slice(added.length), audit1.body.audit);

    const entries = fs.readdirSync(path.dirname(backupPath));
    assert.deepEqual(entries, [path.basename(backupPath)], 'no .partial- left, nothing else');
    const m = JSON.parse(fs.readFileSync(path.join(backupPath, 'manifest.json'), 'utf8'));
    assert.equal(m.format, 1);
    assert.equal(m.schema, (await request(a.base, null, 'GET', '/healthz')).json.schema);
    assert.match(m.made_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    const docs = fs.readdirSync(path.join(a.dataDir, 'documents')).sort();
    assert.equal(docs.length, 3);
    assert.deepEqual(m.files.map((f) => f.path).sort(), ['roomctl.db', ...docs.map((d) => `documents/${d}`)].sort());
    for (const f of m.files) {
      const bytes = fs.readFileSync(path.join(backupPath, f.path));
      assert.equal(sha(bytes), f.sha256, f.path);
      assert.equal(bytes.length, f.size, f.path);
      if (f.path.startsWith('documents/'))
        assert.ok(bytes.equals(fs.readFileSync(path.join(a.dataDir, f.path))), `${f.path}: the same bytes as A's`);
    }
    const db = fs.readFileSync(path.join(backupPath, 'roomctl.db'));
    assert.deepEqual([db[18], db[19]], [1, 1], 'a rollback-journal file: it needs no WAL');
    assert.ok(!fs.existsSync(path.join(backupPath, 'roomctl.db-wal')));
  });

  test('the backup keeps secret ballots as unlinkable as the live files: one state, a sealed group, zeroed free pages', () => {
    const db = fs.readFileSync(path.join(backupPath, 'roomctl.db'));
    const images = imagesOf(db, null);
    assert.equal(images.length, 1, 'one database state, no WAL');
    const mine = stateOf(images[0], made.secretVoteId, work);
    assert.equal(mine.voters.size, K, 'the sealed group only: received ballots are in memory, never in a file');
    assert.equal([...mine.tally.values()].reduce((x, y) => x + y, 0), K, 'voters and counts of the same group');
    // With every state the live files held at that moment, the attack
    // separates no group smaller than K.
    const states = [mine, ...imagesOf(liveCopy.db, liveCopy.wal).map((i) => stateOf(i, made.secretVoteId, work))]
      .filter((s) => s && s !== 'before');
    const { smallest, singles } = smallestGroup(states);
    assert.equal(singles, 0, 'no voter alone between two states');
    assert.ok(smallest >= K, `the smallest group separated: ${smallest}`);
    // The cells keep the live file's (shuffled) order: the backup copies
    // pages, it does not re-insert rows (VACUUM INTO would sort them by key).
    const live = imagesOf(liveCopy.db, liveCopy.wal).at(-1);
    assert.deepEqual(cellOrder(db, made.secretVoteId), cellOrder(live, made.secretVoteId));
    const free = freePages(db);
    assert.ok(free.length >= 5, `the deleted notes freed pages (${free.length})`);
    for (const p of free)
      assert.ok(p.tail.every((x) => x === 0), `free page ${p.pgno} holds old bytes`);
    assert.equal(db.indexOf(DELETED), -1, 'nothing deleted is left in the backup');
  });

  test('--restore refuses a data directory that is not empty, and a backup whose document was altered', async () => {
    const aFiles = fs.readdirSync(a.dataDir).sort();
    const res = await roomctl(['--config', confFile(), '--data-dir', a.dataDir, '--restore', backupPath]);
    assert.equal(res.code, 1);
    assert.match(res.stderr, /is not empty .*a restore writes into an empty data directory only/);
    assert.deepEqual(fs.readdirSync(a.dataDir).sort(), aFiles, 'A\'s directory as it was');

    const bad = path.join(work, 'tampered');
    fs.cpSync(backupPath, bad, { recursive: true });
    const doc = fs.readdirSync(path.join(bad, 'documents'))[0];
    const f = path.join(bad, 'documents', doc);
    const bytes = fs.readFileSync(f);
    bytes[bytes.length - 10] ^= 1;
    fs.writeFileSync(f, bytes);
    const empty = path.join(work, 'empty');
    fs.mkdirSync(empty);
    const r2 = await roomctl(['--config', confFile(), '--data-dir', empty, '--restore', bad]);
    assert.equal(r2.code, 1);
    assert.match(r2.stderr, new RegExp(`${doc}: its bytes hash to [0-9a-f]{64}, not ${doc.slice(0, 64)}`));
    assert.deepEqual(fs.readdirSync(empty), [], 'nothing left behind');
  });

  test('restored into a new data directory and started: the same answers, documents and audit chain', async () => {
    restoreDir = path.join(work, 'restored');
    const res = await roomctl(['--config', confFile(), '--data-dir', restoreDir, '--restore', backupPath]);
    assert.equal(res.code, 0, res.stderr);
    assert.match(res.stdout, /^restored .* into .*restored/m);
    assert.match(res.stdout, /^audit log OK: \d+ rows chained/m);
    for (const d of fs.readdirSync(path.join(a.dataDir, 'documents')))
      assert.ok(fs.readFileSync(path.join(restoreDir, 'documents', d)).equals(fs.readFileSync(path.join(a.dataDir, 'documents', d))), d);
    b = await startServer({ dataDir: restoreDir, config });
    // A's token: the tokens are in the database too (no login, whose audit row would differ).
    const mine = await answers(b.base, admin, made.sessions);
    assert.deepEqual(Object.keys(mine), Object.keys(atBackup));
    for (const p of Object.keys(atBackup)) assert.deepEqual(mine[p], atBackup[p], p);
  });

  test('the live secret vote goes on in B: the received ballots are resent, the vote closes with each counted once', async () => {
    const sealed = made.secretBallots.filter((x) => x.sealed);
    assert.equal(sealed.length, K);
    for (const x of made.secretBallots) {
      if (sealed.includes(x)) continue;
      const ws = await WsClient.connect(b.port, { token: x.token });
      sockets.push(ws);
      const ack = await ws.request('vote.cast', { vote_id: made.secretVoteId, option: x.option, ballot_key: x.key });
      assert.equal(ack.duplicate, false, 'not in B yet: only received by A');
    }
    const chair = await WsClient.connect(b.port, { token: made.chair.token });
    sockets.push(chair);
    const closed = (await chair.request('vote.close', { vote_id: made.secretVoteId })).vote;
    const want = [0, 0, 0];
    for (const x of made.secretBallots) want[x.option]++;
    assert.deepEqual(closed.result.counts, want);
    await stopClean(b, 'the restored daemon');
    b = null;
    const v = await roomctl(['--config', confFile(), '--data-dir', restoreDir, '--verify-audit']);
    assert.equal(v.code, 0, v.stderr);
    for (const s of sockets) s.close();
    await stopClean(a, 'the daemon that was backed up');
    a = null;
  });
});

describe('scheduled backups ([backup] dir, keep)', () => {
  test('a backup at start when the newest is older than the interval; old ones rotated by count, pre-migration ones kept', async () => {
    const work = fs.mkdtempSync(path.join(os.tmpdir(), 'roomctl-backup-sched-'));
    const dir = path.join(work, 'backups');
    const old = ['roomctl-20200101T000000Z', 'roomctl-20200102T000000Z', 'roomctl-20200103T000000Z', 'pre-migration-v7-20200101T000000Z'];
    for (const n of old) {
      fs.mkdirSync(path.join(dir, n), { recursive: true });
      fs.writeFileSync(path.join(dir, n, 'manifest.json'), '{}');
      const t = new Date('2020-01-03T00:00:00Z');
      fs.utimesSync(path.join(dir, n, 'manifest.json'), t, t);
    }
    const srv = await startServer({ config: { ...config, backup: { dir, interval_minutes: '60', keep: '2' } } });
    try {
      const deadline = Date.now() + 20_000;
      let fresh = [];
      while (Date.now() < deadline) {
        fresh = fs.readdirSync(dir).filter((n) => n.startsWith('roomctl-') && !old.includes(n));
        if (fresh.length && fs.readdirSync(dir).filter((n) => n.startsWith('roomctl-')).length === 2) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      assert.equal(fresh.length, 1, `a new backup in ${fs.readdirSync(dir)}`);
      assert.deepEqual(fs.readdirSync(dir).sort(), [fresh[0], 'pre-migration-v7-20200101T000000Z', 'roomctl-20200103T000000Z'].sort());
      const m = JSON.parse(fs.readFileSync(path.join(dir, fresh[0], 'manifest.json'), 'utf8'));
      assert.equal(m.files[0].path, 'roomctl.db');
      assert.match(srv.stderr, /scheduled backup made: .*roomctl-/);
      assert.match(srv.stderr, /backups into .* every 60 minutes, keeping 2; the next in 0 s/);
      await stopClean(srv, 'scheduled backups');
    } finally {
      await srv.stop();
      fs.rmSync(work, { recursive: true, force: true });
    }
  });
});
