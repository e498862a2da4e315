// roomctl-sim against a plain receiver: node dgram sockets stand in for the
// controller's four media ports, and gst-launch-1.0 decodes one site's video.
// Checks the wire contract (web/docs/media.md, "Ports and identity": SSRCs
// from the site code, PTs, markers, the send-time extension), the bitrate,
// PLI -> IDR, the faults (loss, disconnect, freeze, flood, garbage), a
// program sent back to a site (re-stamped like the controller's switch mode)
// and the control port.
// Everything on 127.0.0.1; every wait is bounded.

import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import dgram from 'node:dgram';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const BUILD = process.env.RC_BUILD || 'build';
const SIM = path.join(ROOT, BUILD, 'roomctl-sim');
const CODES = ['TINH', 'H01', 'H01-X01'];
const PROGRAM_VIDEO = 0x50524f47;
const PROGRAM_AUDIO = 0x50524f41;

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const nowUs = () => BigInt(Math.round((performance.timeOrigin + performance.now()) * 1000));

/** FNV-1a 32-bit of the code's UTF-8 bytes (web/docs/media.md, "Ports and identity"). */
function siteHash(code) {
  let h = 0x811c9dc5;
  for (const b of Buffer.from(code, 'utf8')) h = Math.imul(h ^ b, 0x01000193) >>> 0;
  return h >>> 0;
}
const videoSsrc = (code) => (siteHash(code) & 0xfffffffe) >>> 0;
const audioSsrc = (code) => (siteHash(code) | 1) >>> 0;

/** Parses an RTP packet; null if it is not one. */
function parseRtp(buf) {
  if (buf.length < 12 || buf[0] >> 6 !== 2) return null;
  const p = {
    pt: buf[1] & 0x7f, marker: !!(buf[1] & 0x80), seq: buf.readUInt16BE(2),
    ts: buf.readUInt32BE(4), ssrc: buf.readUInt32BE(8), sendTime: null, source: null, len: buf.length,
  };
  let off = 12 + 4 * (buf[0] & 0x0f);
  if (buf[0] & 0x10) {
    const profile = buf.readUInt16BE(off), words = buf.readUInt16BE(off + 2);
    const end = off + 4 + 4 * words;
    if (profile === 0xbede) {
      for (let i = off + 4; i < end;) {
        if (buf[i] === 0) { i++; continue; }
        const id = buf[i] >> 4, n = (buf[i] & 15) + 1;
        if (id === 1 && n === 8) p.sendTime = buf.readBigUInt64BE(i + 1);
        if (id === 2 && n === 4) p.source = buf.readUInt32BE(i + 1);
        i += 1 + n;
      }
    }
    off = end;
  }
  p.payload = buf.subarray(off);
  return p;
}

/** Does this H.264 RTP payload carry an IDR or SPS (single, STAP-A, FU-A start)? */
function isKeyframe(payload) {
  const type = payload[0] & 0x1f, key = (t) => t === 5 || t === 7;
  if (type >= 1 && type <= 23) return key(type);
  if (type === 24) {
    for (let i = 1; i + 3 <= payload.length;) {
      const n = payload.readUInt16BE(i);
      if (key(payload[i + 2] & 0x1f)) return true;
      i += 2 + n;
    }
    return false;
  }
  return type === 28 && !!(payload[1] & 0x80) && key(payload[1] & 0x1f);
}

/** The 12-byte RTCP PLI (RFC 4585). */
function pli(sender, media) {
  const b = Buffer.alloc(12);
  b[0] = 0x81; b[1] = 206; b.writeUInt16BE(2, 2);
  b.writeUInt32BE(sender, 4); b.writeUInt32BE(media, 8);
  return b;
}

/** Waits for @pred() to be truthy, polling; fails after @ms. */
async function waitFor(pred, ms, what) {
  const end = Date.now() + ms;
  for (;;) {
    const v = pred();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(10);
  }
}

/** A UDP socket on 127.0.0.1 that keeps what arrives (with arrival times). */
async function receiver() {
  // A large buffer and a short memory: this process must not stall (GC) or
  // drop datagrams, or it would blame the simulator for its own delays.
  const sock = dgram.createSocket({ type: 'udp4', recvBufferSize: 8 << 20 });
  const r = { sock, packets: [], raw: [], listeners: new Set() };
  const KEEP_MS = 6000;
  sock.on('message', (buf, rinfo) => {
    const at = performance.now();
    const p = parseRtp(buf);
    if (p && !(buf[1] >= 200 && buf[1] <= 206)) {
      Object.assign(p, { at, rinfo, buf });
      r.packets.push(p);
      for (const l of r.listeners) l(p);
      if (at - r.packets[0].at > 2 * KEEP_MS) r.packets = r.packets.filter((q) => at - q.at < KEEP_MS);
    } else {
      r.raw.push({ at, buf, rinfo });
      if (r.raw.length > 5000) r.raw = r.raw.slice(-2500);
    }
  });
  await new Promise((res) => sock.bind(0, '127.0.0.1', res));
  r.port = sock.address().port;
  /** Packets of @ssrc that arrived during the next @ms. */
  r.during = async (ms, ssrc) => {
    const from = performance.now();
    await sleep(ms);
    return r.packets.filter((p) => p.at >= from && (ssrc === undefined || p.ssrc === ssrc));
  };
  return r;
}

/** Line-based JSON client of the control port. */
async function controlClient(port) {
  const sock = net.connect(port, '127.0.0.1');
  await new Promise((res, rej) => { sock.once('connect', res); sock.once('error', rej); });
  let buffered = '';
  const waiting = [];
  sock.on('data', (d) => {
    buffered += d.toString('utf8');
    let i;
    while ((i = buffered.indexOf('\n')) >= 0) {
      const line = buffered.slice(0, i);
      buffered = buffered.slice(i + 1);
      waiting.shift()?.(line);
    }
  });
  const send = (text) => new Promise((res, rej) => {
    const timer = setTimeout(() => rej(new Error(`no control reply to ${text}`)), 5000);
    waiting.push((line) => { clearTimeout(timer); res(JSON.parse(line)); });
    sock.write(text + '\n');
  });
  return { sock, send, request: (obj) => send(JSON.stringify(obj)) };
}

describe('roomctl-sim', () => {
  let sim, video, audio, rtcpVideo, rtcpAudio, ctl;
  let stderr = '';
  const exited = { code: undefined };

  before(async () => {
    execFileSync('make', ['-s', '-f', 'devices/sim/sim.mk', `BUILD=${BUILD}`, `${BUILD}/roomctl-sim`],
      { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] }); // throws with make's output on failure
    [video, audio, rtcpVideo, rtcpAudio] = await Promise.all([receiver(), receiver(), receiver(), receiver()]);
    sim = spawn(SIM, ['--controller', '127.0.0.1', '--video-port', video.port, '--audio-port', audio.port,
      '--rtcp-video-port', rtcpVideo.port, '--rtcp-audio-port', rtcpAudio.port,
      '--sites', 'configs/demo/sites.csv', '--codes', CODES.join(','), '--control', '127.0.0.1:0',
      '--cache', path.join(BUILD, 'sim-cache')].map(String), { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    sim.stderr.on('data', (d) => { stderr += d; });
    sim.on('exit', (code) => { exited.code = code; });
    let stdout = '';
    sim.stdout.on('data', (d) => { stdout += d; });
    // Encoding three sites' clips takes a few seconds the first time.
    const m = await waitFor(() => /ready control=127\.0\.0\.1:(\d+) sites=3/.exec(stdout) || exited.code !== undefined,
      120000, 'the ready line');
    assert.ok(Array.isArray(m), `roomctl-sim exited (${exited.code}): ${stderr}`);
    ctl = await controlClient(Number(m[1]));
  });

  after(async () => {
    ctl?.sock.destroy();
    if (sim && exited.code === undefined) {
      sim.kill('SIGTERM');
      await waitFor(() => exited.code !== undefined, 5000, 'roomctl-sim to stop').catch(() => sim.kill('SIGKILL'));
    }
    for (const r of [video, audio, rtcpVideo, rtcpAudio]) r?.sock.close();
  });

  const stats = async (code) => {
    const s = await ctl.request({ cmd: 'stats', site: code });
    assert.equal(s.code, code, JSON.stringify(s));
    return s;
  };

  test('every site sends with its own SSRCs, PTs, markers and the send-time and source extensions', async () => {
    const v = await video.during(2000);
    const vs = new Set(v.map((p) => p.ssrc)), as = new Set(audio.packets.map((p) => p.ssrc));
    assert.deepEqual([...vs].sort(), CODES.map(videoSsrc).sort(), 'video SSRCs');
    assert.deepEqual([...as].sort(), CODES.map(audioSsrc).sort(), 'audio SSRCs');
    assert.ok(v.every((p) => p.pt === 96), 'video PT 96');
    assert.ok(audio.packets.every((p) => p.pt === 111), 'audio PT 111');
    const now = nowUs();
    for (const p of [...v, ...audio.packets.slice(-50)]) {
      assert.ok(p.sendTime !== null, 'send-time extension on every packet');
      assert.ok(now - p.sendTime < 5_000_000n && p.sendTime <= now + 1000n, `send time ${p.sendTime} vs ${now}`);
      assert.equal(p.source, p.ssrc, 'the source extension repeats the SSRC');
    }
    assert.ok(v.every((p) => p.len <= 32 + 1200), 'payload at most 1200 bytes');
    for (const code of CODES) {
      const mine = v.filter((p) => p.ssrc === videoSsrc(code));
      const frames = mine.filter((p) => p.marker).length;
      assert.ok(frames >= 40 && frames <= 60, `${code}: ${frames} frames (markers) in 2 s`);
      const tss = new Set(mine.map((p) => p.ts));
      assert.ok(Math.abs(tss.size - frames) <= 2, 'one marker per timestamp');
    }
    // Each site sends RTCP (SR + SDES) on both media.
    await waitFor(() => rtcpVideo.raw.length >= 3 && rtcpAudio.raw.length >= 3, 3000, 'RTCP reports');
    assert.equal(rtcpVideo.raw[0].buf[1], 200, 'a sender report');
  });

  test('one site\'s video decodes with GStreamer', async () => {
    const gstPort = await new Promise((res) => {
      const s = net.createServer().listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => res(p)); });
    });
    const gst = spawn('gst-launch-1.0', ['-v', 'udpsrc', `port=${gstPort}`, 'address=127.0.0.1',
      'caps=application/x-rtp,media=video,encoding-name=H264,payload=96,clock-rate=90000',
      '!', 'rtph264depay', '!', 'h264parse', '!', 'avdec_h264', '!', 'fakesink', 'silent=false'],
    { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    gst.stdout.on('data', (d) => { out += d; });
    gst.stderr.on('data', (d) => { out += d; });
    const relay = dgram.createSocket('udp4');
    const ssrc = videoSsrc('H01');
    const forward = (p) => { if (p.ssrc === ssrc) relay.send(p.buf, gstPort, '127.0.0.1'); };
    try {
      await sleep(500); // let udpsrc bind
      await ctl.request({ cmd: 'fault', site: 'H01', freeze: false }); // no-op, keeps the clip
      video.listeners.add(forward);
      await waitFor(() => (out.match(/chain {3}\*+ \(fakesink0:sink\)/g) || []).length >= 50, 8000,
        '50 decoded frames');
      assert.doesNotMatch(out, /ERROR|WARNING: from element/, out.slice(-2000));
      assert.match(out, /width=\(int\)640, height=\(int\)360/);
    } finally {
      video.listeners.delete(forward);
      relay.close();
      gst.kill('SIGINT');
    }
  });

  test('video bitrate is within 30 % of 1 Mbit/s', async (t) => {
    const v = await video.during(4000, videoSsrc('TINH'));
    const kbps = v.reduce((n, p) => n + p.len, 0) * 8 / 4 / 1000;
    t.diagnostic(`TINH video: ${kbps.toFixed(0)} kbit/s (RTP packets)`);
    assert.ok(kbps > 700 && kbps < 1300, `${kbps.toFixed(0)} kbit/s`);
  });

  test('a PLI makes an IDR arrive within 200 ms', async (t) => {
    const ssrc = videoSsrc('H01-X01');
    const { video_port: port, plis_received: before } = await stats('H01-X01');
    // Wait until the natural IDR (every 2 s) is 0.4-0.8 s behind, so the next
    // natural one is well over 200 ms away.
    const lastKey = () => video.packets.findLast((p) => p.ssrc === ssrc && isKeyframe(p.payload));
    await waitFor(() => lastKey() && performance.now() - lastKey().at > 400 && performance.now() - lastKey().at < 800,
      4000, 'the middle of a GOP');
    const sentAt = performance.now();
    video.sock.send(pli(0x12345678, ssrc), port, '127.0.0.1');
    const key = await waitFor(() => video.packets.find((p) => p.ssrc === ssrc && p.at > sentAt && isKeyframe(p.payload)),
      1000, 'an IDR after the PLI');
    t.diagnostic(`IDR ${(key.at - sentAt).toFixed(1)} ms after the PLI`);
    assert.ok(key.at - sentAt < 200, `IDR after ${(key.at - sentAt).toFixed(1)} ms`);
    assert.equal(key.payload[0] & 0x1f, 24, 'SPS/PPS lead the IDR in a STAP-A');
    const answered = await stats('H01-X01');
    assert.equal(answered.plis_received, before + 1);
    // The site notes when the request came and when its IDR left.
    const took = answered.pli_answered_at_ms - answered.pli_answered_request_ms;
    assert.ok(took >= 0 && took < 200, `PLI -> IDR sent ${took} ms (${JSON.stringify(answered)})`);
    assert.ok(Math.abs(answered.pli_answered_at_ms - Date.now()) < 5000, 'wall-clock times');
    // A PLI for another SSRC is not ours.
    video.sock.send(pli(1, videoSsrc('TINH')), port, '127.0.0.1');
    await sleep(100);
    assert.equal((await stats('H01-X01')).plis_received, before + 1);
  });

  test('the loss fault drops about the share asked', async (t) => {
    const ssrc = videoSsrc('H01');
    assert.deepEqual(await ctl.request({ cmd: 'fault', site: 'H01', loss: 20 }), { ok: true });
    await sleep(200);
    const got = [...await video.during(4000, ssrc), ...audio.packets.filter((p) => p.ssrc === audioSsrc('H01'))
      .slice(-150)];
    assert.deepEqual(await ctl.request({ cmd: 'fault', site: 'H01', loss: 0 }), { ok: true });
    let expected = 0, received = 0;
    for (const s of [ssrc, audioSsrc('H01')]) {
      const seqs = got.filter((p) => p.ssrc === s).map((p) => p.seq);
      const span = ((seqs.at(-1) - seqs[0]) & 0xffff) + 1;
      expected += span;
      received += seqs.length;
    }
    const share = 1 - received / expected;
    t.diagnostic(`loss 20 % asked: ${(share * 100).toFixed(1)} % of ${expected} packets missing`);
    assert.ok(share > 0.13 && share < 0.27, `lost ${(share * 100).toFixed(1)} % of ${expected}`);
    assert.ok((await stats('H01')).dropped_packets > 0);
  });

  test('disconnect stops a site\'s packets; reconnecting starts with an IDR', async () => {
    const v = videoSsrc('H01-X01'), a = audioSsrc('H01-X01');
    assert.deepEqual(await ctl.request({ cmd: 'fault', site: 'H01-X01', disconnect: true }), { ok: true });
    await sleep(100);
    const quiet = [...await video.during(1500), ...audio.packets.slice(-60)];
    assert.equal(quiet.filter((p) => p.ssrc === v || p.ssrc === a).length, 0, 'nothing from a disconnected site');
    assert.ok(quiet.some((p) => p.ssrc === videoSsrc('TINH')), 'the others go on');
    const from = performance.now();
    await ctl.request({ cmd: 'fault', site: 'H01-X01', disconnect: false });
    const first = await waitFor(() => video.packets.find((p) => p.ssrc === v && p.at > from), 1000, 'packets again');
    assert.ok(isKeyframe(first.payload), 'the first packet after reconnecting is the IDR');
  });

  test('jitter delays packets by up to the asked time and reorders them', async (t) => {
    const ssrc = videoSsrc('H01');
    await ctl.request({ cmd: 'fault', site: 'H01', jitter_ms: 40 });
    await sleep(100);
    const got = await video.during(2000, ssrc);
    await ctl.request({ cmd: 'fault', site: 'H01', jitter_ms: 0 });
    let inversions = 0;
    for (let i = 1; i < got.length; i++) if (((got[i].seq - got[i - 1].seq) & 0xffff) > 0x8000) inversions++;
    // delay = arrival - send time (same host clock); this process adds its own
    // event-loop delay, so look at the 90th percentile, not the maximum.
    const offset = Number(nowUs()) / 1000 - performance.now();
    const delays = got.map((p) => p.at + offset - Number(p.sendTime) / 1000).sort((x, y) => x - y);
    const q = (f) => delays[Math.floor(delays.length * f)];
    const [p10, p50, p90] = [q(0.1), q(0.5), q(0.9)];
    t.diagnostic(`jitter 40 ms: delay p10 ${p10.toFixed(1)} p50 ${p50.toFixed(1)} p90 ${p90.toFixed(1)} ms, ` +
      `${inversions} inversions`);
    assert.ok(inversions > 0, 'some packets arrive out of order');
    // uniform 0..40 ms: p10 4, p50 20, p90 36 (plus this host's scheduling)
    assert.ok(p10 < 12 && p50 > 12 && p50 < 32 && p90 > 28, `delay p10 ${p10.toFixed(1)} p50 ${p50.toFixed(1)} ` +
      `p90 ${p90.toFixed(1)} ms`);
    const seqs = new Set(got.map((p) => p.seq));
    assert.ok(seqs.size === got.length, 'no duplicates');
  });

  test('freeze sends a still picture; flood and garbage add traffic', async (t) => {
    const ssrc = videoSsrc('TINH');
    await ctl.request({ cmd: 'fault', site: 'TINH', freeze: true });
    await sleep(300);
    const frozen = await video.during(2000, ssrc);
    const kbps = frozen.reduce((n, p) => n + p.len, 0) * 8 / 2 / 1000;
    t.diagnostic(`frozen: ${kbps.toFixed(0)} kbit/s`);
    assert.ok(kbps < 300, `frozen: ${kbps.toFixed(0)} kbit/s`);
    assert.ok(frozen.filter((p) => p.marker).length >= 45, 'frames keep coming');
    await ctl.request({ cmd: 'fault', site: 'TINH', freeze: false, flood_mbps: 10, garbage: true });
    await sleep(200);
    const rawBefore = video.raw.length + audio.raw.length + rtcpVideo.raw.length + rtcpAudio.raw.length;
    const flooded = await video.during(1000, ssrc);
    await ctl.request({ cmd: 'fault', site: 'TINH', flood_mbps: 0, garbage: false });
    const mbps = flooded.reduce((n, p) => n + p.len, 0) * 8 / 1e6;
    assert.ok(mbps > 8 && mbps < 14, `flood: ${mbps.toFixed(1)} Mbit/s`);
    const garbage = video.raw.length + audio.raw.length + rtcpVideo.raw.length + rtcpAudio.raw.length - rawBefore;
    assert.ok(garbage >= 20, `${garbage} garbage datagrams in 1 s`);
    // The flood stays in the site's sequence: no gaps.
    const seqs = flooded.map((p) => p.seq), span = ((seqs.at(-1) - seqs[0]) & 0xffff) + 1;
    assert.ok(seqs.length >= span * 0.98, `flood packets continue the sequence: ${seqs.length} of ${span}`);
  });

  test('a program sent back to a site is measured: packets, frames, loss, latency', async (t) => {
    // Like the controller's switch mode: H01's packets, re-stamped with the
    // program SSRC and a continuous sequence, extensions kept, sent to TINH.
    const { video_port: vport, audio_port: aport } = await stats('TINH');
    const before = await stats('TINH');
    let vseq = 1000, aseq = 65500, skipped = 0, sent = 0, frames = 0; // audio wraps around 65535
    const restamp = (p, ssrc, seq) => {
      const b = Buffer.from(p.buf);
      b.writeUInt16BE(seq & 0xffff, 2);
      b.writeUInt32BE(ssrc, 8);
      return b;
    };
    const forward = (p) => {
      if (p.ssrc === videoSsrc('H01')) {
        if (sent > 0 && sent % 50 === 0 && skipped < 5) { vseq++; skipped++; } // lose 5
        video.sock.send(restamp(p, PROGRAM_VIDEO, vseq++), vport, '127.0.0.1');
        sent++;
        if (p.marker) frames++;
      } else if (p.ssrc === audioSsrc('H01')) {
        audio.sock.send(restamp(p, PROGRAM_AUDIO, aseq++), aport, '127.0.0.1');
        sent++;
      }
    };
    const onAudio = (p) => forward(p);
    video.listeners.add(forward);
    audio.listeners.add(onAudio);
    try {
      await sleep(2500); // over a GOP, so a keyframe passes
    } finally {
      video.listeners.delete(forward);
      audio.listeners.delete(onAudio);
    }
    await sleep(200);
    const s = await stats('TINH');
    t.diagnostic(`program: ${sent} sent, ${s.recv_packets - before.recv_packets} counted, lost ${s.recv_lost}, ` +
      `latency p50 ${s.latency_p50_ms} p99 ${s.latency_p99_ms} ms`);
    assert.equal(s.recv_packets - before.recv_packets, sent, JSON.stringify(s));
    assert.ok(Math.abs(s.recv_frames - before.recv_frames - frames) <= 1, `frames ${s.recv_frames} vs ${frames}`);
    assert.equal(s.recv_lost - before.recv_lost, skipped, 'loss from sequence gaps, across the wrap');
    assert.ok(s.keyframes_received > before.keyframes_received, 'keyframes seen');
    assert.ok(Math.abs(Date.now() - s.last_keyframe_at_ms) < 60_000, `the last keyframe's arrival time: ${s.last_keyframe_at_ms}`);
    // Whose picture it is, from the source extension the relay kept.
    assert.equal(s.keyframe_source_ssrc, videoSsrc('H01'), 'the program shows H01');
    assert.ok(s.keyframe_source_since_ms <= s.last_keyframe_at_ms && Date.now() - s.keyframe_source_since_ms < 60_000);
    // The cheap summary the benchmark polls: one site shows H01, the rest nothing yet.
    const src = await ctl.request({ cmd: 'sources' });
    assert.equal(src.sites, CODES.length);
    const h01 = src.sources.find((x) => x.ssrc === videoSsrc('H01'));
    assert.deepEqual(h01, { ssrc: videoSsrc('H01'), count: 1, since_ms: s.keyframe_source_since_ms });
    assert.deepEqual(src.sources.find((x) => x.ssrc === 0), { ssrc: 0, count: CODES.length - 1, since_ms: null });
    assert.ok(s.latency_p50_ms >= 0 && s.latency_p50_ms < 50, `p50 ${s.latency_p50_ms} ms`);
    assert.ok(s.latency_p99_ms >= s.latency_p50_ms && s.latency_p99_ms < 200, `p99 ${s.latency_p99_ms} ms`);
    // Program keyframe requests go to the controller's video RTCP port.
    await waitFor(() => rtcpVideo.raw.some((r) => r.buf.length === 12 && r.buf[1] === 206 &&
      r.buf.readUInt32BE(8) === PROGRAM_VIDEO), 2000, 'a PLI about the program');
  });

  test('the control port answers bad input with an error and keeps going', async () => {
    for (const [text, pattern] of [
      ['{not json', /not JSON/], ['[1,2]', /object/], ['{"cmd":"reboot"}', /unknown cmd/],
      ['{"cmd":42}', /cmd/], ['{"cmd":"fault","site":"H01","loss":200}', /loss/],
      ['{"cmd":"fault","site":"H01","colour":"red"}', /unknown field colour/],
      ['{"cmd":"fault","site":"NOPE","loss":1}', /no simulated site NOPE/],
      ['{"cmd":"fault","loss":1}', /site/], ['{"cmd":"fault","site":"H01","freeze":"yes"}', /freeze/],
      ['{"cmd":"stats","site":"NOPE"}', /NOPE/], ['{"cmd":"stats","extra":1}', /no fields/],
      ['{"cmd":"sources","site":"H01"}', /no fields/], ['{"cmd":"quit","site":"H01"}', /no fields/],
    ]) {
      const r = await ctl.send(text);
      assert.equal(r.ok, false, text);
      assert.match(r.error, pattern, `${text} -> ${r.error}`);
    }
    const all = await ctl.request({ cmd: 'stats' });
    assert.deepEqual(all.sites.map((s) => s.code), CODES);
    assert.ok(all.cpu_seconds > 0);
    for (const key of ['sent_packets', 'sent_bytes', 'recv_packets', 'recv_frames', 'recv_lost', 'latency_p50_ms',
      'latency_p99_ms', 'keyframes_received', 'plis_received']) assert.ok(key in all.sites[0], key);
    assert.deepEqual(await ctl.request({ cmd: 'fault', site: '*', jitter_ms: 0 }), { ok: true });
  });

  test('quit stops the simulator cleanly', async () => {
    assert.deepEqual(await ctl.request({ cmd: 'quit' }), { ok: true });
    await waitFor(() => exited.code !== undefined, 5000, 'exit');
    assert.equal(exited.code, 0, stderr);
    assert.doesNotMatch(stderr, /CRITICAL|WARNING/, stderr);
  });
});
