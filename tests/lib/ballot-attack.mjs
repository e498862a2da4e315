// The de-anonymisation attack on secret ballots, shared by the tests that
// hold a copy of roomctl's files (secret-ballot, backup): rebuild every
// database state a file and its WAL hold, read who had voted and the
// counts, and find the smallest group of voters two states separate.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

// ---- the attack: every database state the files hold ----

/** Database images, one per commit the WAL holds (current and stale
 *  generations), plus the main file alone. */
export function imagesOf(db, wal) {
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
export function stateOf(image, voteId, dir) {
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
export function cellOrder(db, voteId) {
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

/** The smallest group of voters any two of @states separate ({voters:Set,
 *  tally:Map}), and how many single voters; asserts voters and counts
 *  changed together. */
export function smallestGroup(states, options = [0, 1, 2]) {
  let smallest = Infinity;
  let singles = 0;
  for (const a of states) {
    for (const b of states) {
      if (b.voters.size <= a.voters.size || ![...a.voters].every((v) => b.voters.has(v))) continue;
      const group = [...b.voters].filter((v) => !a.voters.has(v));
      const counts = options.map((o) => (b.tally.get(o) || 0) - (a.tally.get(o) || 0));
      assert.equal(counts.reduce((x, y) => x + y, 0), group.length, 'voters and counts change together, in one commit');
      smallest = Math.min(smallest, group.length);
      if (group.length === 1) singles++;
    }
  }
  return { smallest, singles };
}
