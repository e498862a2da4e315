// A full disk loses nothing acknowledged. roomctl runs on a data directory
// that is a small tmpfs of its own (database, WAL, documents, uploads and
// the recording all on it), a live demo session with a GStreamer site
// sending, a site receiving the program, tablets on real WebSockets. The
// test fills the disk to the last byte and keeps it full; the tablets go on
// saving notes, checking in and voting: each one gets an ack (and is then
// in the database) or the clear "storage_full" error 1507 (and is then not);
// an upload gets 507 and leaves no file and no row; the recording stops
// with an alarm for the technicians while the program still reaches the
// site. Then the space comes back: without a restart the refused actions
// succeed, the upload is taken, the recording goes on in a new file and the
// alarms clear (the one that could not be stored is stored). At the end a
// SIGKILL and a restart, and the crash-round accounting: 0 acknowledged
// facts lost.
//
// Needs root (mount -t tmpfs); without it the test fails and says so.

import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { api, assertOk, assertWireError, login, request, startLocalServer, stopClean } from '../lib/integration.mjs';
import { framesOf, freeUdpPorts, gstSite, gstVideoReceiver, sleep, until } from '../lib/media.mjs';
import { makePdf } from '../lib/pdf.mjs';
import { freePort } from '../lib/server.mjs';
import { WsClient, WsError } from '../lib/ws-client.mjs';

const TMPFS_MB = 64;
const FULL_REASON = /the server's disk is full; nothing was recorded/;

// ---- the small disk ----

let mounted = null;
let guard = null;
function umountSync() {
  if (!mounted) return;
  const dir = mounted;
  guard?.stdin.end(); // its work is done here
  try {
    execFileSync('umount', [dir], { stdio: 'ignore' });
  } catch {
    try { execFileSync('umount', ['-l', dir], { stdio: 'ignore' }); } catch { /* reported below */ }
  }
  mounted = null;
  try { fs.rmdirSync(dir); } catch { /* still busy: left for the reader to see */ }
}
process.on('exit', umountSync);
// A runner's timeout ends the file with a signal, which skips 'exit' hooks:
// exit on it, so the daemons are reaped (server.mjs) and the tmpfs unmounted
// (lazily, if a dying daemon still holds it).
for (const sig of ['SIGTERM', 'SIGINT', 'SIGHUP']) process.once(sig, () => process.exit(128 + os.constants.signals[sig]));

function mountTmpfs() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'roomctl-full-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${TMPFS_MB}m,mode=0700`, 'tmpfs', dir], { stdio: 'pipe' });
  } catch (e) {
    fs.rmdirSync(dir);
    throw new Error(`the full-disk test needs root to mount a ${TMPFS_MB} MiB tmpfs as the data directory ` +
      `(mount -t tmpfs failed: ${String(e.stderr || e.message).trim()})`);
  }
  mounted = dir;
  // A SIGKILL (the test runner kills a file that outlives its timeout that
  // way) runs no hook: a guard outside this process unmounts when the pipe
  // from it closes, however it ends; it exits then.
  guard = spawn('sh', ['-c', 'read _; umount "$1" 2>/dev/null || umount -l "$1" 2>/dev/null; rmdir "$1" 2>/dev/null; exit 0',
    'guard', dir], { stdio: ['pipe', 'ignore', 'ignore'], detached: true });
  guard.unref();
  return dir;
}

const freeBytes = (dir) => { const s = fs.statfsSync(dir); return s.bavail * s.bsize; };

/** Fills the filesystem of @dir to the last byte with one file, and keeps
 *  it full (whatever roomctl frees is taken again) until stop(). */
function filler(dir) {
  const file = path.join(dir, 'filler');
  const fd = fs.openSync(file, 'a');
  const chunk = Buffer.alloc(1 << 20, 0x5a);
  const top = () => {
    for (const size of [1 << 20, 64 << 10, 4096, 512]) {
      for (;;) {
        try {
          if (fs.writeSync(fd, chunk, 0, size) < size) break;
        } catch (e) {
          if (e.code === 'ENOSPC') break;
          throw e;
        }
      }
    }
  };
  top();
  const timer = setInterval(top, 100);
  return {
    stop() {
      clearInterval(timer);
      fs.closeSync(fd);
      fs.rmSync(file, { force: true });
    },
  };
}

// ---- what the tablets were told ----

/** One action of a tablet: 'ack' (then it must be kept) or 'full' (the
 *  clear error 1507; then it must not be there). Anything else fails. */
async function attempt(ws, type, body) {
  try {
    return { result: 'ack', ack: await ws.request(type, body, { timeoutMs: 10_000 }) };
  } catch (e) {
    if (!(e instanceof WsError)) throw e;
    assert.equal(e.code, 1507, `${type}: only the storage-full error is acceptable here: ${e.message}`);
    assert.equal(e.body.name, 'storage_full');
    assert.match(e.body.reason, FULL_REASON);
    return { result: 'full' };
  }
}

// Twice: with [storage] reserve_mb=4 the free-space check stops the
// recording (finishing its file) as soon as it sees the disk full, or a write
// fails first; with reserve_mb=0 nothing is held back and it is always the
// failed write (ENOSPC from the file sink) that stops it.
for (const reserveMb of [4, 0]) describe(`a full disk ([storage] reserve_mb=${reserveMb})`, () => {
  let dataDir, srv, admin, chair, tech, site, atH01, fill;
  let ports, rtspPort, docId, itemId, voteId;
  const tablets = [];     // {user, id, token, ws}
  const notes = [];       // {d, page, text, result}
  const checkins = [];    // {d, result}
  const ballots = [];     // {d, option, key, result}
  const received = [];    // secret ballots told "received": {d, option, key}
  const sealed = [];      // of those, the ones told "sealed" (on disk)
  let secretId;
  const config = {};

  const mediaStatus = async () => api(srv.base, admin, 'GET', '/api/v1/media');
  const alarmsSeen = (kind, event) => tech.log.filter((m) => m.type === event && m.body.alarm.kind === kind);
  const recordingFiles = () => fs.readdirSync(path.join(dataDir, 'recordings')).filter((f) => f.endsWith('.mp4')).sort();

  async function startRoomctl() {
    srv = await startLocalServer({ dataDir, args: ['--demo'], config });
    admin = await login(srv.base, 'admin', 'admin123');
  }

  async function connectTablets() {
    for (const d of tablets) {
      d.ws = await WsClient.connect(srv.port, { token: d.token });
      d.id = d.ws.user.id;
    }
  }

  before(async () => {
    dataDir = mountTmpfs();
    const base = await freeUdpPorts(4);
    ports = { video: base, audio: base + 2 };
    rtspPort = await freePort();
    Object.assign(config, {
      media: { video_port: ports.video, audio_port: ports.audio, rtsp_port: rtspPort, rtsp_host: '127.0.0.1', record: 'true' },
      ws: { rate_per_second: 1000, rate_burst: 1000 },
      storage: { low_mb: 16, reserve_mb: reserveMb, check_seconds: 1 },
    });
    await startRoomctl();
    const all = (await api(srv.base, admin, 'GET', '/api/v1/sites')).sites;
    const h01 = all.find((s) => s.code === 'H01');
    const recv = await freeUdpPorts(4);
    await api(srv.base, admin, 'PATCH', `/api/v1/sites/${h01.id}`, { address: `127.0.0.1:${recv}` });
    itemId = (await api(srv.base, admin, 'GET', '/api/v1/sessions/1/agenda')).agenda[0].id;
    const doc = await request(srv.base, admin, 'POST', `/api/v1/agenda/${itemId}/documents?title=Ghi%20chu&filename=notes.pdf`,
      makePdf({ pages: 400, title: 'notes' }), { headers: { 'Content-Type': 'application/pdf' } });
    docId = assertOk(doc, 201, 'the notes document').id;
    await api(srv.base, admin, 'POST', '/api/v1/sessions/1/start');
    site = gstSite('TINH', ports, { width: 320, height: 240 });
    atH01 = gstVideoReceiver(recv);
    await until(() => framesOf(atH01).frames > 25, 15000, 'the program at H01');
    await until(async () => (await mediaStatus()).recording?.state === 'recording' && recordingFiles().length > 0,
      10000, 'the recording');
    chair = await WsClient.connect(srv.port, { token: await login(srv.base, 'chutoa', 'chutoa123') });
    tech = await WsClient.connect(srv.port, { token: await login(srv.base, 'kythuat', 'kythuat123') });
    await tech.request('subscribe.health', { session_id: 1 });
    for (let i = 1; i <= 12; i++) {
      const user = `db${String(i).padStart(2, '0')}`;
      tablets.push({ user, token: await login(srv.base, user, '123456') });
    }
    await connectTablets();
  });

  after(async () => {
    try {
      if (fill) fill.stop();
      for (const d of tablets) if (d.ws) await d.ws.close();
      if (chair) await chair.close();
      if (tech) await tech.close();
      if (site) await site.stop();
      if (atH01) await atH01.stop();
      if (srv) await srv.stop();
    } finally {
      umountSync();
    }
  });

  test('with space: check-ins, a ballot and notes are acknowledged', async () => {
    for (const d of tablets.slice(0, 6)) {
      const r = await attempt(d.ws, 'checkin', { session_id: 1 });
      assert.equal(r.result, 'ack');
      checkins.push({ d, result: 'ack' });
    }
    const vote = (await chair.request('vote.open', { session_id: 1, question: 'Thông qua khi đĩa đầy?', allow_change: false })).vote;
    voteId = vote.id;
    const first = tablets[0];
    const key = 'full-disk-0-0001';
    const r = await attempt(first.ws, 'vote.cast', { vote_id: voteId, option: 0, ballot_key: key });
    assert.equal(r.result, 'ack');
    ballots.push({ d: first, option: 0, key, result: 'ack' });
    for (const d of tablets.slice(0, 3)) {
      const text = `ghi chú trước khi đầy ${d.user}`;
      assert.equal((await attempt(d.ws, 'note.save', { document_id: docId, page: 1, text })).result, 'ack');
      notes.push({ d, page: 1, text, result: 'ack' });
    }
  });

  test('the disk full: every action is acknowledged and kept, or refused with storage_full', async () => {
    // Some of the recording on disk first (its header and a few fragments
    // past the file sink's buffer), so that there is something to play.
    await until(() => { const f = recordingFiles(); return f.length && fs.statSync(path.join(dataDir, 'recordings', f[f.length - 1])).size > 150_000; },
      30000, 'some of the recording written', () => recordingFiles());
    const framesBefore = framesOf(atH01).frames;
    fill = filler(dataDir);
    assert.ok(freeBytes(dataDir) < 4096, `the disk is full (${freeBytes(dataDir)} bytes free)`);
    // Notes (up to 8 KB each) until the database's slack in the WAL is gone
    // and the first one is refused, then a few more.
    let page = 2, refused = 0;
    for (let round = 0; round < 80 && refused < 12; round++) {
      await Promise.all(tablets.map(async (d) => {
        const text = `${d.user} trang ${page} `.padEnd(8000, 'x');
        const r = await attempt(d.ws, 'note.save', { document_id: docId, page, text });
        notes.push({ d, page, text, result: r.result });
        if (r.result === 'full') refused++;
      }));
      page++;
    }
    assert.ok(refused > 0, 'some notes were refused for want of space');
    // Check-ins of the six not yet in, and ballots of five present.
    for (const d of tablets.slice(6)) checkins.push({ d, ...(await attempt(d.ws, 'checkin', { session_id: 1 })) });
    for (const [i, d] of tablets.slice(1, 6).entries()) {
      const key = `full-disk-1-${String(i).padStart(4, '0')}`;
      ballots.push({ d, option: 1, key, ...(await attempt(d.ws, 'vote.cast', { vote_id: voteId, option: 1, ballot_key: key })) });
    }
    const refusedCheckins = checkins.filter((c) => c.result === 'full').length;
    const refusedBallots = ballots.filter((b) => b.result === 'full').length;
    assert.ok(refusedCheckins + refusedBallots > 0, 'check-ins or ballots were refused with storage_full');

    // An upload that does not fit: 507, the clear error, no file, no row.
    const pdf = makePdf({ pages: 2, title: 'too big for the disk', padBytes: 2 << 20 });
    const up = await request(srv.base, admin, 'POST', `/api/v1/agenda/${itemId}/documents?title=Khong%20vua&filename=big.pdf`,
      pdf, { headers: { 'Content-Type': 'application/pdf' } });
    assert.equal(up.status, 507, `the upload: ${up.status} ${up.text}`);
    assertWireError(up, 1507, undefined, 'the upload');
    assert.match(up.json.error.reason, FULL_REASON);
    assert.deepEqual(fs.readdirSync(path.join(dataDir, 'tmp')), [], 'no partial upload left');

    // The recording stops with an alarm; the program still reaches the site.
    const rec = await until(async () => { const r = (await mediaStatus()).recording; return r.state === 'stopped' && r; },
      15000, 'the recording stopped');
    assert.match(rec.reason, reserveMb ? /disk is full|MiB free/ : /cannot write the recording in .*: the disk is full/);
    await until(() => alarmsSeen('recording', 'alarm.raised').length > 0, 10000, 'the recording alarm');
    await until(() => alarmsSeen('disk_full', 'alarm.raised').length > 0, 10000, 'the disk-full alarm');
    const health = await tech.request('subscribe.health', { session_id: 1 });
    assert.ok(health.alarms.some((a) => a.kind === 'recording'), 'the technicians\' snapshot shows the recording alarm');
    const framesFull = framesOf(atH01).frames;
    await sleep(2000);
    assert.ok(framesOf(atH01).frames > framesFull + 25, 'the program goes on reaching H01 while the disk is full');
    assert.ok(framesFull > framesBefore, 'and went on while the tablets were refused');
    assert.equal((await fetch(`${srv.base}/healthz`)).status, 200);
    const docs = (await api(srv.base, admin, 'GET', '/api/v1/sessions/1/agenda')).agenda[0].documents;
    assert.ok(!docs.some((d) => d.title === 'Khong vua'), 'no row for the refused upload');
    console.log(`while full: notes ${notes.filter((n) => n.result === 'ack').length - 3} acknowledged, ` +
      `${notes.filter((n) => n.result === 'full').length} refused; check-ins refused ${refusedCheckins}/6; ` +
      `ballots refused ${refusedBallots}/5; recording: ${rec.reason}`);
  });

  test('space back: without a restart the refused actions succeed and the recording goes on', async () => {
    // What was refused is not there (before anything is sent again).
    const att = await api(srv.base, admin, 'GET', '/api/v1/sessions/1/attendance');
    const present = new Set(att.delegates.filter((x) => x.status === 'present').map((x) => x.user_id));
    fill.stop();
    fill = null;
    const filesBefore = recordingFiles();
    for (const c of checkins) {
      if (c.result === 'ack') assert.ok(present.has(c.d.id), `${c.d.user}'s acknowledged check-in is there`);
    }
    const refusedIn = checkins.filter((c) => c.result === 'full');
    assert.equal(att.present, checkins.length - refusedIn.length, 'only the acknowledged check-ins count');
    for (const c of refusedIn) {
      const r = await attempt(c.d.ws, 'checkin', { session_id: 1 });
      assert.equal(r.result, 'ack', `${c.d.user} checks in once space is back`);
      checkins.push({ d: c.d, result: 'ack' });
    }
    for (const b of ballots.filter((x) => x.result === 'full')) {
      const r = await attempt(b.d.ws, 'vote.cast', { vote_id: voteId, option: b.option, ballot_key: b.key });
      assert.equal(r.result, 'ack', `${b.d.user}'s ballot once space is back`);
      assert.equal(r.ack.duplicate, false, `${b.d.user}'s refused ballot was not kept`);
      ballots.push({ ...b, result: 'ack' });
    }
    for (const d of tablets) {
      const text = `sau khi có chỗ ${d.user}`;
      assert.equal((await attempt(d.ws, 'note.save', { document_id: docId, page: 399, text })).result, 'ack');
      notes.push({ d, page: 399, text, result: 'ack' });
    }
    const pdf = makePdf({ pages: 2, title: 'fits now', padBytes: 2 << 20 });
    const up = await request(srv.base, admin, 'POST', `/api/v1/agenda/${itemId}/documents?title=Vua&filename=fits.pdf`,
      pdf, { headers: { 'Content-Type': 'application/pdf' } });
    assertOk(up, 201, 'the upload once space is back');
    await until(async () => (await mediaStatus()).recording.state === 'recording', 15000, 'the recording again');
    await until(() => recordingFiles().some((f) => !filesBefore.includes(f) && fs.statSync(path.join(dataDir, 'recordings', f)).size > 10000),
      15000, 'a new recording file growing', () => recordingFiles());
    await until(() => alarmsSeen('recording', 'alarm.cleared').some((m) => m.body.alarm.id > 0), 10000, 'the recording alarm cleared');
    await until(() => alarmsSeen('disk_full', 'alarm.cleared').length > 0, 10000, 'the disk-full alarm cleared');
    const index = await api(srv.base, admin, 'GET', '/api/v1/sessions/1/recordings');
    assert.ok(index.files.some((f) => !filesBefore.includes(f.file)), 'the new file is in the recording\'s index');
    // The file the full disk cut plays: H.264 and Opus, its fragments read.
    const cut = path.join(dataDir, 'recordings', filesBefore[filesBefore.length - 1]);
    const probe = execFileSync('ffprobe', ['-v', 'error', '-count_packets', '-show_entries', 'stream=codec_name,nb_read_packets',
      '-of', 'csv=p=0', cut], { encoding: 'utf8' }).trim().split('\n').map((l) => l.split(','));
    assert.deepEqual(probe.map(([c]) => c).sort(), ['h264', 'opus'], `the cut file's streams: ${JSON.stringify(probe)}`);
    assert.ok(probe.every(([, n]) => Number(n) > 25), `the cut file has its packets: ${JSON.stringify(probe)}`);
    const stored = await api(srv.base, admin, 'GET', '/api/v1/alarms?session_id=1');
    assert.ok(stored.alarms.some((a) => a.kind === 'recording' && a.cleared_at), 'the recording alarm is stored, cleared');
  });

  test('a secret vote on a full disk: ballots received, a group sealed once space is back without another ballot', async () => {
    assert.equal((await chair.request('vote.close', { vote_id: voteId })).vote.id, voteId);
    secretId = (await chair.request('vote.open', { session_id: 1, question: 'Bỏ phiếu kín khi đĩa đầy?', secret: true })).vote.id;
    fill = filler(dataDir);
    // 2k ballots ([votes] secret_group k=5): the box seals all but k of them
    // at the last one, and that seal is what the full disk refuses.
    const voters = tablets.slice(0, 10);
    for (const [i, d] of voters.entries()) {
      const key = `full-disk-secret-${i}`;
      const ack = await d.ws.request('vote.cast', { vote_id: secretId, option: i % 3, ballot_key: key });
      assert.equal(ack.state, 'received', `${d.user}: received (in memory) even on a full disk`);
      received.push({ d, option: i % 3, key });
    }
    const sealedAt = (d) => d.ws.log.some((m) => m.type === 'ballot.sealed' && m.body.vote_id === secretId);
    await sleep(2500); // a few checks of the full disk
    assert.deepEqual(voters.filter(sealedAt).map((d) => d.user), [], 'nothing is told sealed while the disk is full');
    fill.stop();
    fill = null;
    await until(() => voters.filter(sealedAt).length === 5, 15000, 'a group of 5 sealed once space is back');
    for (const r of received) if (sealedAt(r.d)) sealed.push(r);
  });

  test('SIGKILL and restart: 0 acknowledged facts lost, nothing refused is there', async () => {
    for (const d of tablets) await d.ws.close();
    srv.proc.kill('SIGKILL');
    await new Promise((resolve) => (srv.proc.exitCode !== null || srv.proc.signalCode ? resolve() : srv.proc.once('exit', resolve)));
    await startRoomctl();
    await connectTablets();
    let lost = 0;
    const att = await api(srv.base, admin, 'GET', '/api/v1/sessions/1/attendance');
    const present = new Set(att.delegates.filter((x) => x.status === 'present').map((x) => x.user_id));
    for (const c of checkins.filter((x) => x.result === 'ack')) if (!present.has(c.d.id)) lost++;
    // The open vote was closed with space: its stored result names each voter.
    const open = (await api(srv.base, admin, 'GET', '/api/v1/sessions/1/votes')).votes.find((v) => v.id === voteId);
    const named = new Map((open.result?.ballots || []).map((b) => [b.user_id, b.option]));
    for (const b of ballots.filter((x) => x.result === 'ack')) if (named.get(b.d.id) !== b.option) lost++;
    assert.equal(open.result.cast, new Set(ballots.filter((x) => x.result === 'ack').map((b) => b.d.id)).size,
      'the open vote counts each acknowledged ballot once, and nothing refused');
    // Secret ballots (crash-round style): each told "sealed" is known and
    // sealed; one only "received" is sent again by its tablet and taken.
    for (const b of received) {
      const ack = await b.d.ws.request('vote.cast', { vote_id: secretId, option: b.option, ballot_key: b.key });
      if (sealed.includes(b) && (ack.duplicate !== true || ack.state !== 'sealed')) lost++;
      if (!sealed.includes(b)) assert.ok(['received', 'sealed'].includes(ack.state), `${b.d.user}'s resent ballot: ${JSON.stringify(ack)}`);
    }
    // Notes: the last acknowledged text of each page is there; a page whose
    // every save was refused is not.
    for (const d of tablets) {
      const have = new Map((await d.ws.request('notes.list', { document_id: docId })).notes.map((n) => [n.page, n.text]));
      const mine = notes.filter((n) => n.d === d);
      for (const page of new Set(mine.map((n) => n.page))) {
        const acked = mine.filter((n) => n.page === page && n.result === 'ack');
        if (acked.length) {
          if (have.get(page) !== acked[acked.length - 1].text) lost++;
        } else {
          assert.ok(!have.has(page), `${d.user}'s refused note on page ${page} is not there`);
        }
      }
    }
    const told = checkins.filter((x) => x.result === 'ack').length + ballots.filter((x) => x.result === 'ack').length +
      notes.filter((x) => x.result === 'ack').length + sealed.length;
    console.log(`after SIGKILL and restart: ${told} acknowledged facts checked, ${lost} lost`);
    assert.equal(lost, 0, 'acknowledged facts lost');
    const docs = (await api(srv.base, admin, 'GET', '/api/v1/sessions/1/agenda')).agenda[0].documents;
    assert.ok(docs.some((d) => d.title === 'Vua') && !docs.some((d) => d.title === 'Khong vua'));
    const onDisk = fs.readdirSync(path.join(dataDir, 'documents'));
    for (const d of docs) assert.ok(onDisk.includes(`${d.sha256}.pdf`), `document ${d.id}'s file`);
  });

  test('stopped (SIGTERM) while the disk is full: a clean exit', async () => {
    await until(async () => (await mediaStatus()).recording?.state === 'recording', 15000, 'the recording after the restart');
    fill = filler(dataDir);
    const d = tablets[0];
    assert.equal((await attempt(d.ws, 'note.save', { document_id: docId, page: 398, text: 'x'.repeat(9000) })).result, 'full');
    await until(async () => (await mediaStatus()).recording.state === 'stopped', 15000, 'the recording stopped again');
    for (const t of tablets) await t.ws.close();
    await stopClean(srv, 'a stop on a full disk');
    srv = null;
  });
});
