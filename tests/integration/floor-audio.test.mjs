// A floor grant causes no gap in the program audio a site receives. Real
// sites (gst-launch-1.0 sending Opus tones) talk; the chair grants the floor
// 10 times over three sites and back to nobody; a listening site (a node
// UDP socket) captures every program audio RTP packet meanwhile. From just
// before the first grant to the end the stream must be one SSRC with every
// sequence number, each timestamp one 20 ms Opus frame (960 at 48 kHz)
// after the one before, and no pause; and what it carries must follow the
// floor (decoded afterwards: the holder's tone while they hold it, nobody
// else's). A mixer torn down and rebuilt at a grant fails this: each new
// payloader starts new sequence and timestamp bases under the same SSRC.

import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { after, before, describe, test } from 'node:test';
import { api, assertAlive, login, startLocalServer, stopClean } from '../lib/integration.mjs';
import { SLOW } from '../lib/server.mjs';
import { freeUdpPorts, gst, siteSsrc, sleep, until } from '../lib/media.mjs';
import { RATE, toneLevel } from '../lib/tone.mjs';
import { WsClient } from '../lib/ws-client.mjs';

const PROGRAM_AUDIO_SSRC = 0x50524f41; // controller/media/media-private.h
const FRAME = 960;                     // the mixer's Opus frames: 20 ms at 48 kHz
const TONES = { TINH: 440, H01: 700, H02: 1000, H03: 1300 };
const TALKERS = Object.keys(TONES);
// Ten grants over three sites and back to nobody (null), each held 500-800
// ms: at each arrival and departure of a talker the mixer swaps an input.
const GRANTS = [['H01', 500], ['H02', 650], ['H03', 800], [null, 500], ['H02', 650],
  ['H01', 800], ['H03', 500], ['H01', 650], [null, 800], ['H02', 650]];
// The longest pause between two packets at the listener (they come every
// 20 ms): a mixer that stalls while it swaps an input keeps its numbering
// but pauses. The mixer used to pause 110-150 ms when a talker left, and
// with other work on the two cores (a load of 6) pauses of up to 240 ms
// were seen; 300 ms stays clear of both. Under a
// sanitizer or valgrind (ROOMCTL_SLOW) the daemon does not keep real time:
// the pause is reported there, not judged. Sequence numbers and timestamps
// are judged everywhere.
const MAX_GAP_MS = 300;

/** A site that talks: an Opus tone from its audio SSRC to the controller. */
function talker(code, port) {
  return gst(['audiotestsrc', 'is-live=true', `freq=${TONES[code]}`, 'volume=0.3', '!', 'audioconvert', '!', 'opusenc', '!',
    'rtpopuspay', 'pt=111', `ssrc=${siteSsrc(code, true)}`, '!', 'udpsink', 'host=127.0.0.1', `port=${port}`]);
}

/** Every datagram from the controller's audio port @from that arrives at
 *  127.0.0.1:@port: its arrival time and RTP header. Others are counted
 *  apart: another test's daemon on this machine may send its program (the
 *  same SSRC) to a port that looked free to freeUdpPorts. */
async function capture(port, from) {
  const sock = dgram.createSocket('udp4');
  const packets = [];
  const foreign = [];
  sock.on('message', (buf, rinfo) => {
    const at = performance.now();
    if (rinfo.port !== from || rinfo.address !== '127.0.0.1') return foreign.push(`${rinfo.address}:${rinfo.port}`);
    if (buf.length < 12 || buf[0] >> 6 !== 2) return packets.push({ at, buf, bad: true });
    packets.push({ at, buf, pt: buf[1] & 0x7f, seq: buf.readUInt16BE(2), ts: buf.readUInt32BE(4), ssrc: buf.readUInt32BE(8) });
  });
  await new Promise((resolve, reject) => { sock.once('error', reject); sock.bind(port, '127.0.0.1', resolve); });
  return { packets, foreign, close: () => new Promise((r) => sock.close(r)) };
}

/** The continuity of @packets (in arrival order): sequence numbers unwrapped
 *  (RFC 3550 A.1); what is missing, doubled or out of order; each timestamp
 *  step between consecutive sequence numbers that is not one frame; the
 *  longest pause between arrivals; and how late each packet came against
 *  its timestamp, over the earliest ("spread": the jitter buffer a receiver
 *  needs to play it without running dry). @packets[i].ext is set. */
function continuity(packets) {
  packets[0].ext = packets[0].seq;
  for (let i = 1; i < packets.length; i++)
    packets[i].ext = packets[i - 1].ext + (((packets[i].seq - packets[i - 1].seq + 0x8000) & 0xffff) - 0x8000);
  const bySeq = new Map();
  let dups = 0, reordered = 0;
  packets.forEach((p, i) => {
    if (bySeq.has(p.ext)) dups++;
    else bySeq.set(p.ext, p);
    if (i && p.ext < packets[i - 1].ext) reordered++;
  });
  const first = Math.min(...bySeq.keys()), last = Math.max(...bySeq.keys());
  const missing = [], badSteps = [];
  for (let s = first; s <= last; s++) {
    const p = bySeq.get(s), prev = bySeq.get(s - 1);
    if (!p) missing.push(s & 0xffff);
    else if (prev && ((p.ts - prev.ts) >>> 0) !== FRAME) badSteps.push({ seq: s & 0xffff, step: (p.ts - prev.ts) >>> 0 });
  }
  const rel = (p) => Number(((p.at - packets[0].at) / 1000).toFixed(3));
  let gap = { ms: 0, atS: 0 };
  for (let i = 1; i < packets.length; i++)
    if (packets[i].at - packets[i - 1].at > gap.ms) gap = { ms: Math.round(packets[i].at - packets[i - 1].at), atS: rel(packets[i]) };
  const late = packets.map((p) => p.at - ((((p.ts - packets[0].ts) | 0) / RATE) * 1000));
  const earliest = Math.min(...late);
  const latest = late.indexOf(Math.max(...late));
  return {
    packets: packets.length, expected: last - first + 1, missing: missing.length, missingFirst: missing.slice(0, 10),
    dups, reordered, badSteps: badSteps.length, badStepsFirst: badSteps.slice(0, 10),
    ssrcs: [...new Set(packets.map((p) => p.ssrc.toString(16)))], pts: [...new Set(packets.map((p) => p.pt))],
    maxGap: gap, spread: { ms: Math.round(late[latest] - earliest), atS: rel(packets[latest]) },
    tsSpanS: Number(((((packets.at(-1).ts - packets[0].ts) >>> 0)) / RATE).toFixed(3)), wallSpanS: rel(packets.at(-1)),
  };
}

/** Decodes @packets (in sequence order) with opusdec into raw S16LE mono:
 *  RFC 4571 framing into rtpstreamdepay, so no jitter buffer and no clock. */
async function decode(packets, dir) {
  const framed = Buffer.concat(packets.flatMap((p) => { const n = Buffer.alloc(2); n.writeUInt16BE(p.buf.length); return [n, p.buf]; }));
  const rtpFile = path.join(dir, 'program.rtp'), rawFile = path.join(dir, 'program.raw');
  fs.writeFileSync(rtpFile, framed);
  const dec = gst(['filesrc', `location=${rtpFile}`, '!',
    'application/x-rtp-stream,media=audio,clock-rate=48000,encoding-name=OPUS,payload=111', '!', 'rtpstreamdepay', '!',
    'rtpopusdepay', '!', 'opusdec', '!', 'audio/x-raw,format=S16LE,rate=48000,channels=1', '!', 'filesink', `location=${rawFile}`]);
  await until(() => dec.proc.exitCode !== null, 30000, 'the offline Opus decode', () => dec.text.slice(-500));
  assert.equal(dec.proc.exitCode, 0, `opusdec: ${dec.text.slice(-1000)}`);
  return fs.readFileSync(rawFile);
}

describe('floor grants and the program audio', () => {
  let srv, admin, chair, ports, dir;
  const procs = [];
  const site = {};
  const recv = {};
  const captures = {};
  let stream = null;  // the listener's packets from just before the first grant
  const streams = {}; // each site's, the same way
  const periods = []; // each grant: {code, from, to} (performance.now())

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'roomctl-floor-audio-it-'));
    const base = await freeUdpPorts(4);
    ports = { video: base, audio: base + 2 };
    srv = await startLocalServer({
      args: ['--demo'],
      config: { media: { video_port: ports.video, audio_port: ports.audio, rtsp_port: 0, record: 'false' } },
    });
    admin = await login(srv.base, 'admin', 'admin123');
    const all = (await api(srv.base, admin, 'GET', '/api/v1/sites')).sites;
    // TINH (the province) is the chair's site, a talker throughout; H05 only
    // listens. A site receives the program audio at its address + 2.
    for (const code of [...TALKERS, 'H05']) {
      site[code] = all.find((s) => s.code === code);
      recv[code] = await freeUdpPorts(4);
      await api(srv.base, admin, 'PATCH', `/api/v1/sites/${site[code].id}`, { address: `127.0.0.1:${recv[code]}` });
    }
    await api(srv.base, admin, 'PUT', '/api/v1/sessions/1/sites', { site_ids: Object.values(site).map((s) => s.id) });
    chair = await WsClient.connect(srv.port, { token: await login(srv.base, 'chutoa', 'chutoa123') });
    for (const code of [...TALKERS, 'H05']) captures[code] = await capture(recv[code] + 2, ports.audio);
    await api(srv.base, admin, 'POST', '/api/v1/sessions/1/start');
    for (const code of TALKERS) procs.push(talker(code, ports.audio));
    const audioIn = async (code) => (await api(srv.base, admin, 'GET', '/api/v1/media/stats')).sites.find((s) => s.code === code)?.audio?.packets;
    for (const code of TALKERS) await until(async () => (await audioIn(code)) > 20, 10000, `${code}'s audio at the controller`);
    await until(() => captures.H05.packets.length >= 50, 10000, 'a second of program audio at H05');
  });
  after(async () => {
    for (const c of Object.values(captures)) await c.close();
    for (const p of procs) await p.stop();
    if (chair) await chair.close();
    try {
      // A clean exit: under the sanitizers a leak or a report of the swaps fails here.
      if (srv) {
        await assertAlive(srv, 'the grants');
        await stopClean(srv, 'the grants');
      }
    } finally {
      if (dir) fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('10 grants over three sites: the listener\'s program audio is one stream, no sequence number missing, timestamps steady, no pause', async (t) => {
    assert.equal((await api(srv.base, admin, 'GET', '/api/v1/media')).floor_site_id, 0, 'nobody has the floor yet');
    // From the last packet before the first grant: the encoder's first
    // packets (a short first step, its lookahead) are not the grants' doing.
    const start = Object.fromEntries(Object.entries(captures).map(([code, c]) => [code, c.packets.length - 1]));
    for (const [code, holdMs] of GRANTS) {
      const id = code ? site[code].id : null;
      const ack = await chair.request('floor.site', { session_id: 1, site_id: id });
      assert.equal(ack.floor_site_id, id ?? 0, `the floor went to ${code}`);
      const from = performance.now();
      await sleep(holdMs * SLOW); // a wait: it stretches under ROOMCTL_SLOW
      periods.push({ code, from, to: performance.now() });
    }
    await sleep(500 * SLOW);
    for (const [code, c] of Object.entries(captures)) streams[code] = c.packets.slice(start[code]);
    stream = streams.H05;
    const c = continuity(stream);
    t.diagnostic(`H05 (listening) from the last packet before the first grant: ${JSON.stringify(c)}`);
    const foreign = Object.entries(captures).filter(([, x]) => x.foreign.length).map(([code, x]) => `${code}: ${x.foreign.length} from ${[...new Set(x.foreign)]}`);
    if (foreign.length) t.diagnostic(`left out, not from the controller: ${foreign.join('; ')}`);
    t.diagnostic(`grants at (s): ${JSON.stringify(periods.map((p) => [p.code, Number(((p.from - stream[0].at) / 1000).toFixed(3))]))}`);

    assert.ok(stream.every((p) => !p.bad), 'every datagram is RTP version 2');
    assert.ok(start.H05 >= 49 && stream[0].at < periods[0].from, 'the capture starts before the first grant');
    assert.ok(stream.at(-1).at > periods.at(-1).to, 'and goes on after the last');
    assert.deepEqual(c.ssrcs, [PROGRAM_AUDIO_SSRC.toString(16)], 'one SSRC throughout');
    assert.deepEqual(c.pts, [111], 'Opus throughout');
    assert.equal(c.missing, 0, `no sequence number missing: ${JSON.stringify(c.missingFirst)}`);
    assert.equal(c.dups, 0, 'no packet twice');
    assert.equal(c.badSteps, 0, `each timestamp one frame (${FRAME}) after the one before: ${JSON.stringify(c.badStepsFirst)}`);
    if (SLOW === 1) {
      assert.ok(c.maxGap.ms <= MAX_GAP_MS, `no pause over ${MAX_GAP_MS} ms between packets: ${JSON.stringify(c.maxGap)}`);
    } else {
      t.diagnostic(`ROOMCTL_SLOW=${SLOW}: pauses not judged (the longest ${c.maxGap.ms} ms)`);
    }
  });

  // The mix in real time: under a sanitizer or valgrind the talkers' packets
  // reach their decoders late and are concealed, and the tones fade.
  test('what the listener hears follows the floor: the holder\'s tone while they hold it, nobody else\'s', {
    skip: SLOW > 1 && 'the mix needs real time',
  }, async (t) => {
    assert.ok(stream, 'the grants ran');
    // Decoded in sequence order, one frame per packet: a sample's time is
    // its packet's arrival.
    const ordered = stream.slice().sort((a, b) => a.ext - b.ext);
    const raw = await decode(ordered, dir);
    assert.equal(raw.length, ordered.length * FRAME * 2, 'one 20 ms frame decoded per packet');
    const levels = periods.map(({ code, to }) => {
      // The last 200 ms of each hold, which starts 300 ms or more after the
      // grant (the new talker's jitter buffer and the mix latency).
      const i = ordered.findIndex((p) => p.at >= to - 200);
      const j = ordered.findIndex((p) => p.at >= to);
      const audio = raw.subarray(i * FRAME * 2, (j < 0 ? ordered.length : j) * FRAME * 2);
      const seconds = audio.length / 2 / RATE;
      return { code, hz: Object.fromEntries(TALKERS.map((k) => [k, Number(toneLevel(audio, TONES[k], seconds).toFixed(3))])) };
    });
    t.diagnostic(`H05 hears at the end of each hold: ${JSON.stringify(levels)}`);
    // Each tone is sent at 0.3 of full scale. Heard: above a fifth of that
    // (on a busy machine a few late packets are concealed in the mix);
    // not heard: below a tenth (in practice about 0.001).
    for (const { code, hz } of levels) {
      assert.ok(hz.TINH > 0.06, `the chair is heard while ${code} holds the floor: ${JSON.stringify(hz)}`);
      for (const other of ['H01', 'H02', 'H03'])
        if (other === code) assert.ok(hz[other] > 0.06, `${code} is heard while holding the floor: ${JSON.stringify(hz)}`);
        else assert.ok(hz[other] < 0.03, `${other} is not heard while ${code} holds the floor: ${JSON.stringify(hz)}`);
    }
  });

  // A talker is moved between the full mix and its mix-minus at each grant
  // that gives or takes its floor: each mix has its own encoder and
  // payloader, and the move must not show (the mixes number their packets
  // alike and the move is made at a packet number).
  test('a talker site\'s own program (its mix without itself) stays one stream when it gets and leaves the floor', (t) => {
    assert.ok(stream, 'the grants ran');
    const seen = Object.fromEntries(TALKERS.map((code) => [code, continuity(streams[code])]));
    for (const code of TALKERS) t.diagnostic(`${code}: ${JSON.stringify(seen[code])}`);
    for (const code of ['H01', 'H02', 'H03']) {
      assert.deepEqual(seen[code].ssrcs, [PROGRAM_AUDIO_SSRC.toString(16)], `${code}: one SSRC`);
      assert.equal(seen[code].missing, 0, `${code}: no sequence number missing: ${JSON.stringify(seen[code].missingFirst)}`);
      assert.equal(seen[code].badSteps, 0, `${code}: each timestamp one frame after the one before: ${JSON.stringify(seen[code].badStepsFirst)}`);
    }
  });

  // A mixer sends as soon as all its inputs have data and waits out its
  // latency while one is empty (a talker slot nobody holds): unpaced, the
  // program came ~110 ms later while a slot was empty and 70-90 ms later
  // for a moment when one talker replaced another. The program's sinks
  // send each packet at a fixed delay after its capture instead.
  test('the listener\'s program keeps its delay across grants (no packet more than 40 ms later than the earliest)', {
    skip: SLOW > 1 && 'timing under a sanitizer or valgrind',
  }, (t) => {
    assert.ok(stream, 'the grants ran');
    const c = continuity(stream);
    t.diagnostic(`H05: the latest packet ${c.spread.ms} ms later than the earliest, at ${c.spread.atS} s`);
    assert.ok(c.spread.ms <= 40, `delay steady within 40 ms: ${JSON.stringify(c.spread)}`);
  });
});
