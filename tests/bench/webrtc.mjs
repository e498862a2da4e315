// Benchmark `webrtc`: the controller's WebRTC engine under load from
// roomctl-sim's WebRTC modes (devices/sim/sim-webrtc.c: its own ICE, DTLS
// and SRTP, not the controller's code).
//  1. fan-out: N WHEP viewers of the switched program (one plain-RTP sim
//     site holds the floor, H.264 ~1 Mbps + Opus), against the plain-RTP
//     fan-out to N plain sim sites (the sites benchmark's setup; those sites
//     also send their own 1 Mbps, which the WHEP run has not). Controller
//     CPU, the ratio, packets lost (RTP sequence gaps at every viewer),
//     threads, RSS, latency from the source's send-time extension.
//  2. join storm: the largest N's viewers offer within 10 s: all connected,
//     offer → first keyframe.
//  3. WHIP: N publishers (sites of transport "webrtc"), health of all, and
//     floor switches between them (the controller's grant → keyframe
//     forwarded, GET /sessions/1/floor switched_ms).
//   node tests/bench/webrtc.mjs [--viewers 60,300,600] [--publishers 600] [--switches 100]
//                               [--seconds 15] [--sim-nice 10] [--parts fanout,whip] [--decrypt-every 10]

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { api, freePort, login, REPO_ROOT, startServer } from '../lib/server.mjs';
import { freeUdpPorts } from '../lib/media.mjs';
import { SIM, startSim } from '../lib/sim.mjs';
import { WsClient } from '../lib/ws-client.mjs';
import { cpuSeconds, fmt, hostCpu, memory, percentile, printTable, programFigures, sleep, verdict, plainCodes } from './common.mjs';

const { values: opt } = parseArgs({
  options: {
    viewers: { type: 'string', default: '60,300,600' }, publishers: { type: 'string', default: '600' },
    switches: { type: 'string', default: '100' }, seconds: { type: 'string', default: '15' },
    'sim-nice': { type: 'string', default: '10' }, parts: { type: 'string', default: 'fanout,whip' },
    'decrypt-every': { type: 'string', default: '10' },
  },
});
const SIM_NICE = Number(opt['sim-nice']);
const COUNTS = opt.viewers.split(',').map(Number);
const PUBLISHERS = opt.publishers.split(',').map(Number);
const SWITCHES = Number(opt.switches);
const SECONDS = Number(opt.seconds);
const PARTS = opt.parts.split(',');
const STORM_SECONDS = 10;
// The viewers authenticate and decrypt every Nth packet (all of them until
// the first keyframe) and count the rest from their clear RTP header: the
// load side must not need the cores the controller is measured on.
const DECRYPT_EVERY = Number(opt['decrypt-every']);

/** The first @n site codes of the demo CSV, in file order (what the sim simulates). */
function firstCodes(n) {
  return plainCodes(n);
}

/** The kernel's UDP error counters (every socket of the host). */
function udpErrors() {
  const lines = fs.readFileSync('/proc/net/snmp', 'utf8').split('\n').filter((l) => l.startsWith('Udp:'));
  const [keys, vals] = lines.map((l) => l.split(/\s+/).slice(1));
  const o = Object.fromEntries(keys.map((k, i) => [k, Number(vals[i])]));
  return { rcvbuf: o.RcvbufErrors, sndbuf: o.SndbufErrors };
}

/** Bytes waiting in the receive queue of the UDP socket bound to @port (/proc/net/udp), -1 if none. */
function rxQueue(port) {
  const hex = `:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  const line = fs.readFileSync('/proc/net/udp', 'utf8').split('\n').slice(1).map((l) => l.trim().split(/\s+/))
    .find((f) => f[1] && f[1].endsWith(hex));
  return line ? parseInt(line[4].split(':')[1], 16) : -1;
}

/** CPU of @pids (cores) and of the rest of the host over @seconds. */
async function window(pids, seconds) {
  const c0 = pids.map(cpuSeconds), h0 = hostCpu(), u0 = udpErrors();
  await sleep(seconds * 1000);
  const cores = pids.map((p, i) => (cpuSeconds(p) - c0[i]) / seconds), h1 = hostCpu(), u1 = udpErrors();
  const busy = (h1.busy - h0.busy) / seconds;
  return { cores, others: busy - cores.reduce((a, b) => a + b, 0), steal: (h1.steal - h0.steal) / seconds,
    udp: { rcvbuf: u1.rcvbuf - u0.rcvbuf, sndbuf: u1.sndbuf - u0.sndbuf } };
}

async function demoServer() {
  const base = await freeUdpPorts(6);
  const ports = { video: base, audio: base + 2 };
  const srv = await startServer({
    args: ['--demo', '--listen', '127.0.0.1'],
    config: { media: { video_port: ports.video, audio_port: ports.audio, rtsp_port: await freePort(), record: 'false',
      webrtc_port: base + 4, webrtc_offers_per_minute: 100000 } },
  });
  const admin = await login(srv.base, 'admin', 'admin123');
  const all = (await api(srv.base, admin, 'GET', '/api/v1/sites')).sites;
  const byCode = new Map(all.map((s) => [s.code, s]));
  return { srv, ports, admin, byCode };
}

/** Starts roomctl-sim in a WebRTC mode (@args); stop() ends it with SIGINT and resolves with its report. */
async function startWebrtcSim(args, name) {
  const report = path.join(os.tmpdir(), `roomctl-bench-${process.pid}-${name}.json`);
  const [cmd0, ...pre] = SIM_NICE ? ['nice', '-n', String(SIM_NICE), SIM] : [SIM];
  const proc = spawn(cmd0, [...pre, ...args, '--report', report, '-q'], { stdio: ['ignore', 'pipe', 'pipe'], cwd: REPO_ROOT });
  let out = '';
  proc.stdout.on('data', (d) => { out += d; });
  proc.stderr.on('data', (d) => { out += d; });
  const exited = new Promise((r) => proc.once('exit', r));
  const joined = async (ms) => {
    const end = Date.now() + ms;
    while (!/joined connected=/.test(out)) {
      if (proc.exitCode !== null) throw new Error(`roomctl-sim ${name} exited: ${out}`);
      if (Date.now() > end) return null;
      await sleep(200);
    }
    return out.match(/joined connected=(\d+) failed=(\d+) after_ms=(\d+)/).slice(1).map(Number);
  };
  const stop = async () => {
    proc.kill('SIGINT');
    const t = setTimeout(() => proc.kill('SIGKILL'), 30000);
    await exited;
    clearTimeout(t);
    const r = JSON.parse(fs.readFileSync(report, 'utf8'));
    fs.rmSync(report, { force: true });
    return r;
  };
  const beginWindow = () => proc.kill('SIGUSR1'); // latency and window counts from now on
  return { proc, joined, beginWindow, stop, output: () => out };
}

/** Sums of a WHEP report's viewers. */
function viewerFigures(report) {
  const v = report.peers;
  const on = v.filter((p) => p.connected);
  const num = (xs) => xs.filter((x) => x !== null && Number.isFinite(x));
  return {
    connected: on.length,
    packets: on.reduce((a, p) => a + p.packets, 0),
    lost: on.reduce((a, p) => a + p.lost, 0),
    windowPackets: on.reduce((a, p) => a + (p.window_packets ?? 0), 0),
    windowLost: on.reduce((a, p) => a + (p.window_lost ?? 0), 0),
    noVideo: on.filter((p) => p.video_packets === 0).length,
    srtpFailed: v.reduce((a, p) => a + (p.srtp_failed ?? 0), 0),
    latencyP50: percentile(num(on.map((p) => p.latency_p50_ms)), 50),
    latencyP99: percentile(num(on.map((p) => p.latency_p99_ms)), 99),
    keyframe: num(v.map((p) => p.offer_to_keyframe_ms)),
    connectMs: num(v.map((p) => p.offer_to_connected_ms)),
    answerMs: num(v.map((p) => p.offer_to_answer_ms)),
    errors: [...new Set(v.filter((p) => !p.connected).map((p) => p.error || p.why || 'no answer'))].slice(0, 3),
  };
}

async function untilMedia(srv, admin, n) {
  const deadline = Date.now() + 120000;
  for (;;) {
    const st = await api(srv.base, admin, 'GET', '/api/v1/media/stats');
    if (st.sites.filter((s) => s.video && s.video.packets > 0).length >= n) return;
    if (Date.now() > deadline) throw new Error(`not every site (${n}) reached the controller`);
    await sleep(500);
  }
}

/** Plain RTP: N sim sites, the first holding the floor (the sites benchmark's setup). */
async function runPlain(n) {
  const { srv, ports, admin, byCode } = await demoServer();
  let sim;
  try {
    const codes = firstCodes(n);
    await api(srv.base, admin, 'PUT', '/api/v1/sessions/1/sites', { site_ids: codes.map((c) => byCode.get(c).id) });
    await api(srv.base, admin, 'POST', '/api/v1/sessions/1/start');
    sim = await startSim(ports, { codes }, [], { nice: SIM_NICE });
    await untilMedia(srv, admin, n);
    await sleep(3000);
    const s0 = await sim.cmd({ cmd: 'stats' });
    const w = await window([srv.proc.pid, sim.pid], SECONDS);
    const s1 = await sim.cmd({ cmd: 'stats' });
    return { cores: w.cores[0], simCores: w.cores[1], w, mem: memory(srv.proc.pid), prog: programFigures(s0, s1) };
  } finally {
    if (sim) await sim.stop();
    await srv.stop();
  }
}

/** WHEP: one plain sim site sends the program, N viewers join within @joinWithin s. */
async function runWhep(n, joinWithin) {
  const { srv, ports, admin, byCode } = await demoServer();
  let sim, viewers;
  try {
    const [code] = firstCodes(1);
    await api(srv.base, admin, 'PUT', '/api/v1/sessions/1/sites', { site_ids: [byCode.get(code).id] });
    await api(srv.base, admin, 'POST', '/api/v1/sessions/1/start');
    sim = await startSim(ports, { codes: [code] }, [], { nice: SIM_NICE });
    await untilMedia(srv, admin, 1);
    await sleep(2000);
    const idle = await window([srv.proc.pid], 5); // the controller with its one site and no viewer
    viewers = await startWebrtcSim(['--whep', `${srv.base}/api/v1/sessions/1/whep`, '--token', admin,
      '--viewers', String(n), '--join-within', String(joinWithin), '--decrypt-every', String(DECRYPT_EVERY)], `whep-${n}`);
    const joined = await viewers.joined(joinWithin * 1000 + 60000);
    await sleep(3000);
    viewers.beginWindow();
    const q0 = rxQueue(ports.video), s0 = await sim.cmd({ cmd: 'stats' });
    const w = await window([srv.proc.pid, viewers.proc.pid], SECONDS);
    const q1 = rxQueue(ports.video), s1 = await sim.cmd({ cmd: 'stats' });
    const sourceSent = s1.sites[0].sent_packets - s0.sites[0].sent_packets;
    const mem = memory(srv.proc.pid);
    const report = await viewers.stop();
    viewers = null;
    const src = await sim.cmd({ cmd: 'stats' });
    return { n, joined, cores: w.cores[0], simCores: w.cores[1], idle: idle.cores[0], w, mem, v: viewerFigures(report),
      sourceSent, backlog: [q0, q1],
      simStall: [src.tick_gap_max_ms, src.tick_gaps_over_100ms], log: srv.output ? srv.output() : '' };
  } finally {
    if (viewers) await viewers.stop().catch(() => {});
    if (sim) await sim.stop();
    await srv.stop();
  }
}

const pq = (xs, d = 0) => (xs.length ? `${fmt(percentile(xs, 50), d)} / ${fmt(percentile(xs, 99), d)}` : '-');

async function fanout() {
  const rows = [];
  for (const n of COUNTS) {
    const storm = n === Math.max(...COUNTS);
    const r = await runWhep(n, storm ? STORM_SECONDS : Math.max(1, n / 60));
    const p = await runPlain(n);
    const ratio = r.cores / p.cores;
    // CPU per packet the controller delivered: the fair ratio when one side falls behind.
    const usWhep = (r.cores * SECONDS * 1e6) / Math.max(1, r.v.windowPackets);
    const usPlain = (p.cores * SECONDS * 1e6) / Math.max(1, p.prog.packets);
    const delivered = r.v.windowPackets / Math.max(1, n * r.sourceSent);
    printTable(`webrtc fan-out: ${n} WHEP viewers vs ${n} plain-RTP sites (sim nice ${SIM_NICE}, ${SECONDS} s windows)`, [
      ['viewers connected', `${r.v.connected} / ${n}`, `${n}`, verdict(r.v.connected === n)],
      ['controller CPU, WHEP (cores)', fmt(r.cores, 2), '', ''],
      ['  the same controller before the viewers (1 site) (cores)', fmt(r.idle, 2), '', ''],
      ['controller CPU, plain RTP to N sites (cores; those sites also send 1 Mbps each)', fmt(p.cores, 2), '', ''],
      ['ratio encrypted / plain (CPU)', fmt(ratio, 2), '<= 1.5', verdict(ratio <= 1.5 && delivered > 0.99)],
      ['program packets delivered to the viewers in the window / what the source sent × N', fmt(delivered, 3), '1', verdict(delivered > 0.99)],
      ['controller CPU per packet delivered, WHEP / plain (µs)', `${fmt(usWhep, 1)} / ${fmt(usPlain, 1)}`, '', ''],
      ['  ratio per packet delivered', fmt(usWhep / usPlain, 2), '<= 1.5', verdict(usWhep / usPlain <= 1.5)],
      ['controller\'s video ingest socket backlog, window start → end (bytes)', `${r.backlog[0]} → ${r.backlog[1]}`, '', ''],
      ['controller threads (WHEP / plain)', `${r.mem.threads} / ${p.mem.threads}`, '<= 64', verdict(r.mem.threads <= 64)],
      ['controller RSS MiB (WHEP / plain)', `${fmt(r.mem.rssMiB)} / ${fmt(p.mem.rssMiB)}`, '', ''],
      ['packets received by the viewers in the window / whole run', `${r.v.windowPackets} / ${r.v.packets}`, '', ''],
      ['packets lost (RTP sequence gaps at the viewers) in the window', r.v.windowLost, '0', verdict(r.v.windowLost === 0)],
      ['  the same over the whole run (joins included)', r.v.lost, '', ''],
      [`SRTP packets that failed authentication (1 in ${DECRYPT_EVERY} checked)`, r.v.srtpFailed, '0', verdict(r.v.srtpFailed === 0)],
      ['  kernel UDP receive-buffer / send-buffer errors in the window (host)', `${r.w.udp.rcvbuf} / ${r.w.udp.sndbuf}`, '', ''],
      ['  plain: program packets lost at the sites in the window', p.prog.lost, '0', verdict(p.prog.lost === 0)],
      ['latency source → viewer (kernel arrival) in the window p50 / p99 (ms)', `${fmt(r.v.latencyP50)} / ${fmt(r.v.latencyP99)}`, '', ''],
      ['latency source → plain site p50 / p99 (ms)', `${fmt(p.prog.latencyP50)} / ${fmt(p.prog.latencyP99)}`, '', ''],
      ['added by WebRTC, p50 / p99 (ms)', `${fmt(r.v.latencyP50 - p.prog.latencyP50)} / ${fmt(r.v.latencyP99 - p.prog.latencyP99)}`, '', ''],
      ['offer → answer p50 / p99 (ms)', pq(r.v.answerMs), '', ''],
      ['offer → connected (DTLS done) p50 / p99 (ms)', pq(r.v.connectMs), '', ''],
      [`offer → first keyframe p50 / p99 (ms)${storm ? `, ${n} offers within ${STORM_SECONDS} s` : ''}`, pq(r.v.keyframe),
        storm ? 'p99 <= 1000' : '', storm ? verdict(r.v.keyframe.length === n && percentile(r.v.keyframe, 99) <= 1000) : ''],
      ['viewer simulator CPU (cores, nice)', fmt(r.simCores, 2), '', ''],
      ['other processes on the host during the window (cores) / steal', `${fmt(r.w.others, 2)} / ${fmt(r.w.steal, 2)}`, '', ''],
      ...(r.v.errors.length ? [['viewers that failed: why', r.v.errors.join('; '), '', '']] : []),
    ]);
    rows.push({ n, r, p });
  }
  return rows;
}

/** N publishers: sites of transport webrtc with credentials, all in session 1. */
async function whip(n) {
  const { srv, admin, byCode } = await demoServer();
  let pubs, tech, chair;
  const tokens = path.join(os.tmpdir(), `roomctl-bench-${process.pid}-tokens`);
  try {
    const sites = firstCodes(n).map((c) => byCode.get(c));
    const secrets = [];
    for (const s of sites) {
      await api(srv.base, admin, 'PATCH', `/api/v1/sites/${s.id}`, { transport: 'webrtc' });
      secrets.push((await api(srv.base, admin, 'POST', `/api/v1/sites/${s.id}/credential`)).secret);
    }
    fs.writeFileSync(tokens, `${secrets.join('\n')}\n`);
    await api(srv.base, admin, 'PUT', '/api/v1/sessions/1/sites', { site_ids: sites.map((s) => s.id) });
    await api(srv.base, admin, 'POST', '/api/v1/sessions/1/start');
    pubs = await startWebrtcSim(['--whip', `${srv.base}/api/v1/whip`, '--tokens', tokens, '--publishers', String(n),
      '--join-within', String(STORM_SECONDS)], 'whip');
    const joined = await pubs.joined(STORM_SECONDS * 1000 + 60000);
    tech = await WsClient.connect(srv.port, { token: await login(srv.base, 'kythuat', 'kythuat123') });
    await tech.request('subscribe.health', { session_id: 1 });
    await sleep(5000);
    const online = [];
    const states = {};
    const st0 = await api(srv.base, admin, 'GET', '/api/v1/media/stats');
    const w = await window([srv.proc.pid, pubs.proc.pid], SECONDS);
    const st1 = await api(srv.base, admin, 'GET', '/api/v1/media/stats');
    for (let i = 0; i < 3; i++) {
      const tick = await tech.waitFor((m) => m.type === 'health.tick', 10000);
      online.push(tick.body.counts.online); // a tick's sites list may hold only some sites; its counts are all
      if (i === 2) Object.assign(states, tick.body.counts);
    }
    // What the controller received per site in the window: bitrate and loss at its ingest.
    const before = new Map(st0.sites.map((s) => [s.site_id, s]));
    const kbps = [], lostIn = [];
    for (const s of st1.sites) {
      const b = before.get(s.site_id);
      if (!b || !s.video) continue;
      kbps.push(((s.video.bytes - b.video.bytes) * 8) / SECONDS / 1000);
      lostIn.push(s.video.lost - b.video.lost);
    }
    const mem = memory(srv.proc.pid);
    chair = await WsClient.connect(srv.port, { token: await login(srv.base, 'chutoa', 'chutoa123') });
    const switched = [];
    let missing = 0;
    for (let k = 0; k < SWITCHES; k++) {
      const site = sites[1 + (k % (sites.length - 1))];
      await chair.request('floor.site', { session_id: 1, site_id: site.id });
      let ms = null;
      for (let i = 0; i < 40 && ms === null; i++) {
        await sleep(50);
        const floor = (await api(srv.base, admin, 'GET', '/api/v1/sessions/1/floor')).floor;
        const last = floor[floor.length - 1];
        if (last && last.site_id === site.id && last.switched_ms !== null) ms = last.switched_ms;
      }
      if (ms === null) missing++;
      else switched.push(ms);
      await sleep(300);
    }
    const tick = await tech.waitFor((m) => m.type === 'health.tick', 10000);
    online.push(tick.body.counts.online);
    const report = await pubs.stop();
    pubs = null;
    const peers = report.peers;
    const sw99 = percentile(switched, 99);
    printTable(`webrtc WHIP: ${n} publishers (H.264 ~1 Mbps + Opus each, SRTP; sim nice ${SIM_NICE}), ${n} offers within ${STORM_SECONDS} s`, [
      ['publishers connected', `${joined ? joined[0] : peers.filter((p) => p.connected).length} / ${n}`, `${n}`,
        verdict(peers.filter((p) => p.connected).length === n)],
      ['offer → connected p50 / p99 (ms)', pq(peers.map((p) => p.offer_to_connected_ms).filter((x) => x !== null)), '', ''],
      ['sites online in health ticks (min of 4)', `${Math.min(...online)} / ${n}`, `${n}`, verdict(Math.min(...online) === n)],
      ['  site counts in the health tick after the window', JSON.stringify(states), '', ''],
      ['video received by the controller per site in the window p50 / min (kbit/s)', `${fmt(percentile(kbps, 50), 0)} / ${fmt(Math.min(...kbps), 0)}`, '', ''],
      ['video packets lost at the controller\'s ingest in the window (all sites)', lostIn.reduce((a, b) => a + b, 0), '0', ''],
      ['publisher frames skipped because the simulator ran late (whole run)', peers.reduce((a, p) => a + (p.late_skips || 0), 0), '0', ''],
      ['controller CPU (cores)', fmt(w.cores[0], 2), '', ''],
      ['controller threads', mem.threads, '<= 64', verdict(mem.threads <= 64)],
      ['controller RSS (MiB)', fmt(mem.rssMiB), '', ''],
      ['publisher simulator CPU (cores, nice)', fmt(w.cores[1], 2), '', ''],
      ['  kernel UDP receive-buffer / send-buffer errors in the window (host)', `${w.udp.rcvbuf} / ${w.udp.sndbuf}`, '', ''],
      ['publisher packets refused by the kernel', peers.reduce((a, p) => a + p.send_failed, 0), '0', ''],
      [`floor switches: grant → keyframe forwarded p50 / p99 (ms), ${switched.length} switches`,
        `${fmt(percentile(switched, 50), 0)} / ${fmt(sw99, 0)}`, 'p99 <= 700', verdict(switched.length >= 100 && sw99 <= 700 && !missing)],
      ['  switches with no switch time within 2 s', missing, '0', verdict(missing === 0)],
      ['other processes on the host during the window (cores) / steal', `${fmt(w.others, 2)} / ${fmt(w.steal, 2)}`, '', ''],
    ]);
  } finally {
    if (chair) chair.close();
    if (tech) tech.close();
    if (pubs) await pubs.stop().catch(() => {});
    fs.rmSync(tokens, { force: true });
    await srv.stop();
  }
}

console.log(`webrtc bench: ${new Date().toISOString()}, load average ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}`);
if (PARTS.includes('fanout')) await fanout();
if (PARTS.includes('whip')) for (const n of PUBLISHERS) await whip(n);
