// Benchmark `sites`: N simulated sites (roomctl-sim: H.264 ~1 Mbps + Opus
// each) on one roomctl in switch mode; the controller keeps statistics for
// all and sends the program to all. Measured: controller CPU, RSS, threads,
// program packets lost, latency at the sites, floor-switch time; then the
// same packet work done by tests/bench/relay.c (recvmmsg/sendmmsg) as the
// floor, and the ratio. At the largest N also compose mode (4 tiles).
// Then the cost of SRTP (issue 18 §4): the largest N once plain, then with
// every site keyed AES_CM_128_HMAC_SHA1_80 (the default, stock ffmpeg's),
// then keyed AEAD_AES_128_GCM (GStreamer's srtpenc; no HMAC) (POST
// /api/v1/sites/{id}/srtp-key; the sim sends and takes SRTP with the keys,
// --srtp-keys), controller CPU per packet (what the sites sent plus what
// the program brought them), target <= 1.3x plain.
//   node tests/bench/sites.mjs [--sites 60,300,600] [--seconds 15] [--sim-nice 10] [--srtp-only]

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { api, freePort, login, REPO_ROOT, startServer } from '../lib/server.mjs';
import { freeUdpPorts, siteSsrc } from '../lib/media.mjs';
import { startSim } from '../lib/sim.mjs';
import { WsClient } from '../lib/ws-client.mjs';
import { cpuSeconds, fmt, memory, percentile, printTable, programFigures, sleep, verdict, plainCodes } from './common.mjs';

const { values: opt } = parseArgs({
  options: { sites: { type: 'string', default: '60,300,600' }, seconds: { type: 'string', default: '15' }, 'sim-nice': { type: 'string', default: '10' },
    'srtp-only': { type: 'boolean', default: false } },
});
// The simulated sites share the two cores with what is measured; at a lower
// priority they stand in for sites on their own machines instead of taking
// CPU from the controller (or the relay) when both want it.
const SIM_NICE = Number(opt['sim-nice']);
const COUNTS = opt.sites.split(',').map(Number);
const SECONDS = Number(opt.seconds);
const RELAY = path.join(REPO_ROOT, 'build', 'bench-relay');

/** The first @n site codes of the demo CSV, in file order (what the sim simulates). */
function firstCodes(n) {
  return plainCodes(n);
}

/** CPU time (ms, both cores) the hypervisor gave to others so far: steal. */
function stealMs() {
  const f = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/);
  return Number(f[8] || 0) * 10; // USER_HZ 100
}

/** Quantile @q of a delay histogram between two cumulative snapshots
 *  (arrays of bounds.length + 1 counts): the upper bound (ms) of the bucket
 *  that holds it, Infinity in the last, NaN if nothing was counted. */
function histQuantile(bounds, before, after, q) {
  const total = after.at(-1) - before.at(-1);
  if (!total) return NaN;
  const want = Math.max(1, Math.ceil(q * total));
  const i = after.findIndex((c, k) => c - before[k] >= want);
  return i < bounds.length ? bounds[i] : Infinity;
}
const cumulative = (counts) => counts.map(((sum) => (c) => (sum += c))(0));

async function cpuOver(pid, seconds) {
  const c0 = cpuSeconds(pid);
  await sleep(seconds * 1000);
  return (cpuSeconds(pid) - c0) / seconds;
}

/** Grants the floor to the sites @codes (ids @siteIds) in turn; for each,
 *  the time until every site shows a keyframe of the new source (the
 *  source SSRC the sim carries in an RTP header extension, which the
 *  switch program keeps), and where that time went: grant → PLI at the new
 *  source, PLI → its IDR sent, IDR → forwarded by the controller (the
 *  controller's own switch time minus the first two), forwarded → at every
 *  site. All wall-clock milliseconds on this host. */
async function floorSwitches(srv, sim, chair, admin, siteIds, codes) {
  const out = { everywhere: [], controller: [], toPli: [], answer: [], forward: [], fanout: [], steal: [] };
  for (let k = 0; k < siteIds.length; k++) {
    const ssrc = siteSsrc(codes[k]);
    const steal0 = stealMs();
    const t0 = Date.now();
    await chair.request('floor.site', { session_id: 1, site_id: siteIds[k] });
    let done = 0;
    while (!done && Date.now() - t0 < 5000) { // 'sources' is cheap, unlike 'stats' (600 sites' figures)
      await sleep(20);
      const { sites, sources } = await sim.cmd({ cmd: 'sources' });
      const now = sources.find((x) => x.ssrc === ssrc);
      if (now && now.count === sites) done = now.since_ms - t0;
    }
    out.everywhere.push(done || 5000);
    out.steal.push(stealMs() - steal0);
    let switched = null;
    for (let i = 0; i < 20 && switched === null; i++) { // the controller notes the switch within 50 ms
      const floor = (await api(srv.base, admin, 'GET', '/api/v1/sessions/1/floor')).floor;
      const last = floor[floor.length - 1];
      if (last && last.site_id === siteIds[k] && last.switched_ms !== null) switched = last.switched_ms;
      else await sleep(50);
    }
    if (switched !== null) out.controller.push(switched);
    const src = await sim.cmd({ cmd: 'stats', site: codes[k] });
    if (done && switched !== null && src && src.pli_answered_request_ms >= t0) {
      out.toPli.push(src.pli_answered_request_ms - t0);
      out.answer.push(src.pli_answered_at_ms - src.pli_answered_request_ms);
      out.forward.push(t0 + switched - src.pli_answered_at_ms);
      out.fanout.push(done - switched);
    }
    await sleep(1500);
  }
  return out;
}

async function runRoomctl(n) {
  const base = await freeUdpPorts(4);
  const ports = { video: base, audio: base + 2 };
  const srv = await startServer({
    args: ['--demo', '--listen', '127.0.0.1'],
    config: { media: { video_port: ports.video, audio_port: ports.audio, rtsp_port: await freePort() } },
  });
  let sim;
  try {
    const admin = await login(srv.base, 'admin', 'admin123');
    const all = (await api(srv.base, admin, 'GET', '/api/v1/sites')).sites;
    const codes = firstCodes(n);
    const ids = codes.map((c) => all.find((s) => s.code === c).id);
    await api(srv.base, admin, 'PUT', '/api/v1/sessions/1/sites', { site_ids: ids });
    await api(srv.base, admin, 'POST', '/api/v1/sessions/1/start');
    sim = await startSim(ports, { codes }, [], { nice: SIM_NICE });
    const deadline = Date.now() + 60000;
    for (;;) {
      const st = await api(srv.base, admin, 'GET', '/api/v1/media/stats');
      if (st.sites.filter((s) => s.video && s.video.packets > 0).length >= n) break;
      if (Date.now() > deadline) throw new Error('not every site reached the controller');
      await sleep(500);
    }
    await sleep(3000);
    const delays = async () => (await api(srv.base, admin, 'GET', '/api/v1/media/stats')).forward_delay;
    const s0 = await sim.cmd({ cmd: 'stats' });
    const d0 = await delays();
    const cores = await cpuOver(srv.proc.pid, SECONDS);
    const d1 = await delays();
    const s1 = await sim.cmd({ cmd: 'stats' });
    const mem = memory(srv.proc.pid);
    const prog = programFigures(s0, s1);
    const bounds = d1.bounds_ms, [c0, c1] = [cumulative(d0.counts), cumulative(d1.counts)];
    const forward = { p50: histQuantile(bounds, c0, c1, 0.5), p99: histQuantile(bounds, c0, c1, 0.99), count: c1.at(-1) - c0.at(-1) };
    const chair = await WsClient.connect(srv.port, { token: await login(srv.base, 'chutoa', 'chutoa123') });
    const order = [1, 2, 1, 2, 1, 2, 1, 2, 1, 2];
    const switches = await floorSwitches(srv, sim, chair, admin, order.map((i) => ids[i]), order.map((i) => codes[i]));
    let compose = null;
    if (n === Math.max(...COUNTS)) {
      await chair.request('floor.site', { session_id: 1, site_id: ids[1] });
      await chair.request('media.layout', { session_id: 1, mode: 'compose', tiles: [ids[2], ids[3]] });
      await sleep(3000);
      compose = await cpuOver(srv.proc.pid, SECONDS);
    }
    chair.close();
    const simEnd = await sim.cmd({ cmd: 'stats' });
    return { n, cores, mem, prog, forward, bounds, switches, compose, simStall: [simEnd.tick_gap_max_ms, simEnd.tick_gaps_over_100ms] };
  } finally {
    if (sim) sim.stop();
    await srv.stop();
  }
}

async function runRelay(n, bounds) {
  const base = await freeUdpPorts(4);
  const ports = { video: base, audio: base + 2 };
  const chair = firstCodes(1)[0];
  const relay = spawn(RELAY, [String(ports.video), String(ports.audio), String(siteSsrc(chair)), String(siteSsrc(chair, true)),
    String(SECONDS + 60), bounds.join(',')], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise((r) => relay.stdout.once('data', r));
  let last = null; // the relay's latest cumulative delay histogram
  let text = '';
  relay.stdout.on('data', (d) => {
    text += d;
    const lines = text.split('\n');
    text = lines.pop();
    for (const l of lines) if (l.startsWith('delay ')) last = l.split(' ').slice(1).map(Number);
  });
  const sim = await startSim(ports, { codes: firstCodes(n) }, [], { nice: SIM_NICE });
  try {
    await sleep(5000);
    const s0 = await sim.cmd({ cmd: 'stats' });
    const c0 = last;
    const cores = await cpuOver(relay.pid, SECONDS);
    const c1 = last;
    const s1 = await sim.cmd({ cmd: 'stats' });
    const forward = { p50: histQuantile(bounds, c0, c1, 0.5), p99: histQuantile(bounds, c0, c1, 0.99), count: c1.at(-1) - c0.at(-1) };
    return { cores, prog: programFigures(s0, s1), forward };
  } finally {
    sim.stop();
    relay.kill('SIGTERM');
  }
}

const pq = (xs) => (xs.length ? `${fmt(percentile(xs, 50), 0)} / ${fmt(percentile(xs, 99), 0)}` : '-');

const b0 = (st, code) => st.sites.find((x) => x.code === code);

/** Controller CPU per packet with @n sites, plain (@suite null) or every
 *  site with an SRTP key of @suite: µs of CPU for each packet it took from
 *  the sites or sent them, over one window; the sim's SRTP failures too (0
 *  expected). */
async function runCost(n, suite) {
  const keyed = !!suite;
  const base = await freeUdpPorts(4);
  const ports = { video: base, audio: base + 2 };
  const srv = await startServer({
    args: ['--demo', '--listen', '127.0.0.1'],
    config: { media: { video_port: ports.video, audio_port: ports.audio, rtsp_port: await freePort() } },
  });
  let sim;
  const keysFile = path.join(srv.dataDir, 'sim-keys.txt');
  try {
    const admin = await login(srv.base, 'admin', 'admin123');
    const all = (await api(srv.base, admin, 'GET', '/api/v1/sites')).sites;
    const codes = firstCodes(n);
    const ids = codes.map((c) => all.find((s) => s.code === c).id);
    const lines = [];
    for (let i = 0; keyed && i < n; i++) {
      if ((all.find((s) => s.id === ids[i]).transport || 'rtp') !== 'rtp') continue; // the demo's few WebRTC sites
      const k = await api(srv.base, admin, 'POST', `/api/v1/sites/${ids[i]}/srtp-key`, { suite });
      lines.push(`${codes[i]} ${k.key} ${k.suite}`);
    }
    fs.writeFileSync(keysFile, lines.join('\n') + '\n', { mode: 0o600 });
    await api(srv.base, admin, 'PUT', '/api/v1/sessions/1/sites', { site_ids: ids });
    await api(srv.base, admin, 'POST', '/api/v1/sessions/1/start');
    sim = await startSim(ports, { codes }, keyed ? ['--srtp-keys', keysFile] : [], { nice: SIM_NICE });
    const deadline = Date.now() + 60000;
    for (;;) {
      const st = await api(srv.base, admin, 'GET', '/api/v1/media/stats');
      const heard = st.sites.filter((s) => s.video && s.video.packets > 0).length;
      if (heard >= n) break;
      if (Date.now() > deadline) {
        throw new Error(`${heard} of ${n} sites reached the controller (${keyed ? 'SRTP' : 'plain'}): ${JSON.stringify(st.ingest)}`);
      }
      await sleep(500);
    }
    await sleep(3000);
    const sum = (st, k) => st.sites.reduce((a, s) => a + (s[k] || 0), 0);
    const s0 = await sim.cmd({ cmd: 'stats' });
    const c0 = cpuSeconds(srv.proc.pid), t0 = Date.now();
    // SITES_PERF=DIR: where the controller's time goes, one perf profile per run (perf report -i DIR/…).
    const perf = process.env.SITES_PERF ? spawn('perf', ['record', '-F', '499', '-g', '-o',
      path.join(process.env.SITES_PERF, `sites-${keyed ? suite : 'plain'}.perf`), '-p', String(srv.proc.pid), '--', 'sleep', String(SECONDS)],
    { stdio: 'ignore' }) : null;
    await sleep(SECONDS * 1000);
    if (perf) await new Promise((r) => (perf.exitCode !== null ? r() : perf.once('exit', r)));
    const cpu = cpuSeconds(srv.proc.pid) - c0, wall = (Date.now() - t0) / 1000;
    const s1 = await sim.cmd({ cmd: 'stats' });
    const ingest = (await api(srv.base, admin, 'GET', '/api/v1/media/stats')).ingest;
    const sent = sum(s1, 'sent_packets') - sum(s0, 'sent_packets');
    const prog = programFigures(s0, s1);
    const simFailed = s1.sites.reduce((a, s) => a + (s.srtp ? s.srtp.failed : 0), 0);
    const quiet = s1.sites.filter((s) => !b0(s0, s.code) || s.recv_packets === b0(s0, s.code).recv_packets).length;
    return { cores: cpu / wall, usPerPacket: (cpu * 1e6) / (sent + prog.packets), sent, received: prog.packets, lost: prog.lost,
      failed: ingest.video.srtp_failed + ingest.audio.srtp_failed, simFailed, keyed: s1.sites.filter((s) => s.srtp).length,
      withKeys: lines.length, quiet, simCpu: (s1.cpu_seconds - s0.cpu_seconds) / wall, simStall: s1.tick_gap_max_ms };
  } finally {
    if (sim) sim.stop();
    await srv.stop();
  }
}

const rows = [];
for (const n of opt['srtp-only'] ? [] : COUNTS) {
  const r = await runRoomctl(n);
  const f = await runRelay(n, r.bounds);
  const ratio = r.cores / f.cores;
  const big = n === Math.max(...COUNTS);
  const sw = percentile(r.switches.everywhere, 99);
  printTable(`sites: ${n} simulated sites (nice ${SIM_NICE}), switch mode (${SECONDS} s windows)`, [
    ['controller CPU (cores)', fmt(r.cores, 2), '', ''],
    ['raw C relay CPU (cores)', fmt(f.cores, 2), '', ''],
    ['controller / relay', fmt(ratio, 2), '<= 2.5', big ? verdict(ratio <= 2.5) : ''],
    ['controller threads', r.mem.threads, '<= 64', verdict(r.mem.threads <= 64)],
    ['controller RSS (MiB)', fmt(r.mem.rssMiB), '<= 512', verdict(r.mem.rssMiB <= 512)],
    ['program packets received by the sites', r.prog.packets, '', ''],
    ['program packets lost (loopback: inside the hosts)', r.prog.lost, '0', verdict(r.prog.lost === 0)],
    ['latency at the sites, send → kernel arrival, p50 / p99 (ms)', `${fmt(r.prog.latencyP50)} / ${fmt(r.prog.latencyP99)}`, '', ''],
    ['  same through the relay p50 / p99 (ms)', `${fmt(f.prog.latencyP50)} / ${fmt(f.prog.latencyP99)}`, '', ''],
    ['added latency, controller - relay, p50 / p99 (ms)', `${fmt(r.prog.latencyP50 - f.prog.latencyP50)} / ${fmt(r.prog.latencyP99 - f.prog.latencyP99)}`,
      'p99 <= 10', verdict(r.prog.latencyP99 - f.prog.latencyP99 <= 10)],
    ['  inside the controller: arrival → sent to the last site, p50 / p99 (ms)', `≤ ${fmt(r.forward.p50)} / ≤ ${fmt(r.forward.p99)}`, '', ''],
    ['  inside the relay, the same', `≤ ${fmt(f.forward.p50)} / ≤ ${fmt(f.forward.p99)}`, '', ''],
    ['floor switch: grant → new keyframe at every site p50 / p99 (ms)',
      `${fmt(percentile(r.switches.everywhere, 50), 0)} / ${fmt(sw, 0)}`, 'p99 <= 700', verdict(sw <= 700)],
    [`  of which (${r.switches.toPli.length} switches): grant → PLI at the source`, pq(r.switches.toPli), '', ''],
    ['    the source: PLI → its IDR sent', pq(r.switches.answer), '', ''],
    ['    the controller: IDR → forwarded', pq(r.switches.forward), '', ''],
    ['    forwarded → at every site', pq(r.switches.fanout), '', ''],
    ['  the controller\'s grant → keyframe forwarded p50 / p99', pq(r.switches.controller), '', ''],
    ['  CPU stolen by the hypervisor per switch, p50 / max (ms)', `${fmt(percentile(r.switches.steal, 50), 0)} / ${fmt(Math.max(...r.switches.steal), 0)}`, '', ''],
    ['simulator: longest send-timer stall (ms) / stalls > 100 ms', `${fmt(r.simStall[0], 0)} / ${r.simStall[1]}`, '', ''],
    ...(r.compose !== null ? [['compose mode, 4 tiles (cores)', fmt(r.compose, 2), '<= 1.2', verdict(r.compose <= 1.2)]] : []),
  ]);
  rows.push(r);
}

{
  const n = Math.max(...COUNTS);
  const plain = await runCost(n, null);
  const cm = await runCost(n, 'AES_CM_128_HMAC_SHA1_80');
  const gcm = await runCost(n, 'AEAD_AES_128_GCM');
  const rows = [
    ['controller CPU, plain (cores)', fmt(plain.cores, 2), '', ''],
    ['controller CPU per packet in or out, plain (µs)', fmt(plain.usPerPacket, 2), '', ''],
    ['  the sim: CPU (cores) / longest send-timer stall (ms), plain', `${fmt(plain.simCpu, 2)} / ${fmt(plain.simStall, 0)}`, '', ''],
    ['program packets at the sites / lost, plain', `${plain.received} / ${plain.lost}`, 'lost 0', verdict(plain.lost === 0)],
  ];
  for (const [name, srtp] of [['AES_CM_128_HMAC_SHA1_80 (default; ffmpeg and GStreamer)', cm], ['AEAD_AES_128_GCM (GStreamer, no HMAC)', gcm]]) {
    const ratio = srtp.usPerPacket / plain.usPerPacket;
    rows.push(
      [`every site keyed ${name}:`, '', '', ''],
      ['  controller CPU (cores)', fmt(srtp.cores, 2), '', ''],
      ['  controller CPU per packet in or out (µs)', fmt(srtp.usPerPacket, 2), '', ''],
      ['  SRTP / plain, per packet', fmt(ratio, 2), '<= 1.3', verdict(ratio <= 1.3)],
      ['  packets from the sites, plain / SRTP', `${plain.sent} / ${srtp.sent}`, 'alike', verdict(Math.abs(srtp.sent / plain.sent - 1) < 0.05)],
      ['  the sim: CPU (cores) / longest send-timer stall (ms)', `${fmt(srtp.simCpu, 2)} / ${fmt(srtp.simStall, 0)}`, '', ''],
      ['  program packets at the sites / lost', `${srtp.received} / ${srtp.lost}`, 'lost 0', verdict(srtp.lost === 0)],
      ['  sites that took no program, plain / SRTP', `${plain.quiet} / ${srtp.quiet}`, '', ''],
      ['  sites keyed (the plain-RTP ones of the first N) / of them in the sim', `${srtp.withKeys} / ${srtp.keyed}`, '', verdict(srtp.keyed === srtp.withKeys)],
      ['  SRTP failures at the controller / at the sites', `${srtp.failed} / ${srtp.simFailed}`, '0 / 0', verdict(srtp.failed === 0 && srtp.simFailed === 0)],
    );
  }
  printTable(`sites: the cost of SRTP, ${n} plain-RTP sites plain, then all keyed by each suite (nice ${SIM_NICE}, ${SECONDS} s windows)`, rows);
}
