// Benchmark `sip`, its media part (run by tests/bench/sip.mjs after the
// signalling, or alone: node tests/bench/sip-media.mjs [--sites 600]
// [--g722 N (sites/2)] [--seconds 15] [--sim-nice 10]).
// 600 sites answering as roomctl-sim --sip (devices/sim/sim-sip.c: its own
// sofia-sip UAS; SDES-SRTP on every leg; H.264 ~1 Mbps + audio sent on SSRCs
// the sim chose, which the controller maps by the address in the answer),
// half of them G.722, half Opus; the controller takes all, mixes the audio
// (encoded once per codec in use: G.722 and Opus) and sends each site its
// program over SRTP. Its CPU against the raw C relay (tests/bench/relay.c,
// plain RTP, the sites benchmark's floor: the same packets in and out, found
// by SSRC) in the same run; target <= 1.5 x per packet. Then the same SIP run
// with every site on Opus: the cost of the G.722 mix (transcoding) is the
// difference, and the mixer's encoder chain per codec alone in gst-launch.

import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { api, freePort, login, REPO_ROOT, startServer } from '../lib/server.mjs';
import { freeUdpPorts, siteSsrc } from '../lib/media.mjs';
import { startSim, startSipSim } from '../lib/sim.mjs';
import { freeSipPort } from '../lib/sipp.mjs';
import { cpuSeconds, fmt, hostCpu, memory, percentile, printTable, programFigures, sleep, verdict } from './common.mjs';

const RELAY = path.join(REPO_ROOT, 'build', 'bench-relay');
let N = 600, G722 = 300, SECONDS = 15, SIM_NICE = 10;

/** The first @n site codes of the demo CSV, in file order (what the sim simulates). */
function firstCodes(n) {
  const lines = fs.readFileSync(path.join(REPO_ROOT, 'configs', 'demo', 'sites.csv'), 'utf8').trim().split('\n').slice(1);
  return lines.slice(0, n).map((l) => l.split(',')[0]);
}

/** The controller's dropped-packet counters by reason (both media summed). */
async function drops(srv) {
  const text = await (await fetch(`${srv.base}/metrics`)).text();
  const out = {};
  for (const m of text.matchAll(/^roomctl_ingest_dropped_packets_total\{medium="\w+",reason="(\w+)"\} (\d+)/gm)) {
    out[m[1]] = (out[m[1]] || 0) + Number(m[2]);
  }
  return out;
}

const simCpu = async (sim) => (await sim.cmd({ cmd: 'stats' })).cpu_seconds;

/** One SIP media run: @n sites of transport sip (SRTP required) answered by
 *  roomctl-sim --sip, the first @g722 of them G.722; the session calls them,
 *  then a window of SECONDS. */
async function sipRun(n, g722) {
  // the controller binds its media ports at the session start, after the sim opened 2,400 sockets on port 0
  const base = await freeUdpPorts(4, { belowEphemeral: true });
  const simPort = await freeSipPort();
  const srv = await startServer({
    args: ['--demo', '--listen', '127.0.0.1'],
    // webrtc_port 0: the default 5008 may be another controller's on a shared host (then no media start here)
    config: { media: { video_port: base, audio_port: base + 2, rtsp_port: await freePort(), webrtc_port: 0 },
      sip: { port: await freeSipPort() } },
  });
  let sim;
  try {
    const admin = await login(srv.base, 'admin', 'admin123');
    const all = (await api(srv.base, admin, 'GET', '/api/v1/sites')).sites;
    const codes = firstCodes(n);
    const ids = codes.map((c) => all.find((s) => s.code === c).id);
    for (const [i, id] of ids.entries()) {
      await api(srv.base, admin, 'PATCH', `/api/v1/sites/${id}`,
        { transport: 'sip', address: `sip:${codes[i].toLowerCase()}@127.0.0.1:${simPort}`, srtp: 'required' });
    }
    await api(srv.base, admin, 'PUT', '/api/v1/sessions/1/sites', { site_ids: ids });
    sim = await startSipSim(simPort, { count: n }, { g722, nice: SIM_NICE });
    const t0 = Date.now();
    await api(srv.base, admin, 'POST', '/api/v1/sessions/1/start');
    let connected = 0, online = 0;
    while (Date.now() - t0 < 180000) {
      connected = (await api(srv.base, admin, 'GET', '/api/v1/sessions/1/sip/calls')).calls.filter((c) => c.state === 'connected').length;
      const st = (await api(srv.base, admin, 'GET', '/api/v1/media/stats')).sites;
      online = st.filter((s) => s.link?.up && s.video?.packets > 0 && s.audio?.packets > 0).length;
      if (connected >= n && online >= n) break;
      await sleep(1000);
    }
    const allUpS = (Date.now() - t0) / 1000;
    if (connected < n || online < n) { // what the controller said about it, and the sites short of online
      const st = (await api(srv.base, admin, 'GET', '/api/v1/media/stats')).sites;
      const short = st.filter((s) => !(s.link?.up && s.video?.packets > 0 && s.audio?.packets > 0)).slice(0, 5)
        .map((s) => ({ code: s.code, link: s.link, video: s.video?.packets, audio: s.audio?.packets, codec: s.audio_codec }));
      console.log(`sites not online: ${JSON.stringify(short)}`);
      console.log(`sip media run (${g722} G.722): ${connected} connected, ${online} online of ${n} after ${allUpS} s; the controller's last words:\n${
        srv.stderr.split('\n').filter((l) => /WARNING|CRITICAL|cannot|fail/.test(l)).slice(0, 12).join('\n')}`);
    }
    await sleep(3000);
    const st = (await api(srv.base, admin, 'GET', '/api/v1/media/stats')).sites;
    const codecs = {};
    for (const s of st) codecs[s.audio_codec] = (codecs[s.audio_codec] || 0) + 1;
    const s0 = await sim.cmd({ cmd: 'stats' }), d0 = await drops(srv);
    const c0 = cpuSeconds(srv.proc.pid), h0 = hostCpu().busy, w0 = performance.now();
    await sleep(SECONDS * 1000);
    const secs = (performance.now() - w0) / 1000;
    const cores = (cpuSeconds(srv.proc.pid) - c0) / secs, host = (hostCpu().busy - h0) / secs;
    const s1 = await sim.cmd({ cmd: 'stats' }), d1 = await drops(srv);
    const mem = memory(srv.proc.pid);
    const dropped = Object.fromEntries(Object.keys(d1).map((k) => [k, d1[k] - (d0[k] || 0)]).filter(([, v]) => v));
    const sent = s1.sites.reduce((a, s) => a + s.sent_packets, 0) - s0.sites.reduce((a, s) => a + s.sent_packets, 0);
    const srtpFailed = s1.sites.reduce((a, s) => a + s.call.srtp_failed, 0);
    const answered = s1.sites.reduce((a, s) => a + s.call.calls, 0);
    const srtpFailedRtcp = s1.sites.reduce((a, s) => a + s.call.srtp_failed_rtcp, 0);
    const srtpErrors = [...new Set(s1.sites.filter((s) => s.call.srtp_failed).map((s) => s.call.srtp_last_error))];
    const plis = s1.sites.reduce((a, s) => a + s.plis_received, 0) - s0.sites.reduce((a, s) => a + s.plis_received, 0);
    const ownSsrc = s1.sites.filter((s) => s.video_ssrc !== siteSsrc(s.code) && s.audio_ssrc !== siteSsrc(s.code, true)).length;
    await api(srv.base, admin, 'POST', '/api/v1/sessions/1/end').catch(() => null);
    return { n, g722, connected, online, allUpS, codecs, cores, host, simCores: (s1.cpu_seconds - s0.cpu_seconds) / secs, mem,
      prog: programFigures(s0, s1), dropped, sentRate: sent / secs, recvRate: programFigures(s0, s1).packets / secs, srtpFailed,
      srtpFailedRtcp, srtpErrors, ownSsrc, answered, plis, stall: [s1.tick_gap_max_ms, s1.tick_gaps_over_100ms] };
  } finally {
    if (sim) await sim.stop();
    await srv.stop();
  }
}

/** The raw C relay doing the same packet work with plain RTP: @n plain sim
 *  sites (the same clips) sending to it, the first site's stream sent back
 *  to all (as in the sites benchmark). */
async function relayRun(n) {
  const base = await freeUdpPorts(4);
  const ports = { video: base, audio: base + 2 };
  const chair = firstCodes(1)[0];
  const relay = spawn(RELAY, [String(ports.video), String(ports.audio), String(siteSsrc(chair)), String(siteSsrc(chair, true)),
    String(SECONDS + 120)], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise((r) => relay.stdout.once('data', r));
  relay.stdout.resume();
  const sim = await startSim(ports, { count: n }, [], { nice: SIM_NICE });
  try {
    await sleep(5000);
    const s0 = await sim.cmd({ cmd: 'stats' });
    const c0 = cpuSeconds(relay.pid), w0 = performance.now();
    await sleep(SECONDS * 1000);
    const secs = (performance.now() - w0) / 1000;
    const cores = (cpuSeconds(relay.pid) - c0) / secs;
    const s1 = await sim.cmd({ cmd: 'stats' });
    const sent = s1.sites.reduce((a, s) => a + s.sent_packets, 0) - s0.sites.reduce((a, s) => a + s.sent_packets, 0);
    return { cores, prog: programFigures(s0, s1), sentRate: sent / secs, recvRate: programFigures(s0, s1).packets / secs,
      simCores: (s1.cpu_seconds - s0.cpu_seconds) / secs, stall: [s1.tick_gap_max_ms, s1.tick_gaps_over_100ms] };
  } finally {
    await sim.stop();
    relay.kill('SIGTERM');
  }
}

/** CPU seconds a second of audio of the mixer's encoder chain for one codec
 *  (controller/media/media-mixer.c encoder_chain: the same elements and
 *  settings), from gst-launch over @seconds of a 48 kHz mono tone, less the
 *  same pipeline without the encoder (start-up, the source). */
function encodeCost(seconds = 300) {
  const cpu = (chain) => {
    const out = execFileSync('bash', ['-c', 'gst-launch-1.0 "$@" >/dev/null; times', 'bash', '-q', 'audiotestsrc',
      `num-buffers=${seconds * 50}`, 'samplesperbuffer=960', '!', 'audio/x-raw,format=S16LE,rate=48000,channels=1', '!',
      'audioconvert', '!', ...chain, 'fakesink']).toString().trim().split('\n')[1];
    return out.split(/\s+/).map((x) => { const m = x.match(/(\d+)m([\d.]+)s/); return Number(m[1]) * 60 + Number(m[2]); })
      .reduce((a, b) => a + b, 0);
  };
  const base = cpu([]);
  return {
    opus: (cpu(['opusenc', 'bitrate=64000', 'frame-size=20', '!', 'rtpopuspay', '!']) - base) / seconds,
    g722: (cpu(['audioresample', '!', 'audio/x-raw,rate=16000,channels=1', '!', 'avenc_g722', '!', 'rtpg722pay',
      'min-ptime=20000000', 'max-ptime=20000000', '!']) - base) / seconds,
  };
}

async function media() {
  const mix = await sipRun(N, G722);
  const relay = await relayRun(N);
  let opus = G722 > 0 ? await sipRun(N, 0) : null;
  if (opus && opus.online < N) opus = null; // its media did not come up (said above): no comparison
  const enc = encodeCost();
  const ratio = mix.cores / relay.cores;
  const rate = (r) => `${fmt(r.sentRate, 0)} in / ${fmt(r.recvRate, 0)} out`;
  // CPU per packet handled (in + out): the comparison at the same packet
  // work when the two runs did not move the same number of packets (the
  // simulator, at nice 10 on a shared host, sends late or skips frames).
  const perPacket = (r) => (r.cores * 1e6) / (r.sentRate + r.recvRate);
  const perRatio = perPacket(mix) / perPacket(relay);
  printTable(`sip media: ${N} roomctl-sim SIP sites (nice ${SIM_NICE}), SRTP on every leg, ${G722} G.722 + ${N - G722} Opus, switch mode (${SECONDS} s windows)`, [
    ['calls connected / sites online with video and audio', `${mix.connected} / ${mix.online} of ${N}`, `${N}`, verdict(mix.connected === N && mix.online === N)],
    ['  calls the sites answered (a redial answers again)', mix.answered, `${N}`, verdict(mix.answered === N)],
    ['  session start → all online (s)', fmt(mix.allUpS), '', ''],
    ['  sites by the audio codec the controller shows', JSON.stringify(mix.codecs), '', ''],
    ['  sites sending on SSRCs of their own (not the code hash)', `${mix.ownSsrc} / ${N}`, `${N}`, verdict(mix.ownSsrc === N)],
    ['controller CPU (cores)', fmt(mix.cores, 2), '', ''],
    ['raw C relay CPU, plain RTP, same sites and clips (cores)', fmt(relay.cores, 2), '', ''],
    ['controller / relay', fmt(ratio, 2), '', ''],
    ['packets a second at the controller / the relay (sites → it / it → sites)', `${rate(mix)} / ${rate(relay)}`, '', ''],
    ['CPU per packet in + out, controller / relay (µs)', `${fmt(perPacket(mix), 2)} / ${fmt(perPacket(relay), 2)}`, '', ''],
    ['controller / relay at the same packet work (per packet)', fmt(perRatio, 2), '<= 1.5', verdict(perRatio <= 1.5)],
    ['  keyframe requests the sites received from the controller in the window', mix.plis, '', ''],
    ['program packets lost at the sites (loopback: inside the hosts)', mix.prog.lost, '0', verdict(mix.prog.lost === 0)],
    ['program packets that failed SRTP at the sites (of which RTCP; libsrtp2 errors)',
      `${mix.srtpFailed} (${mix.srtpFailedRtcp}; ${JSON.stringify(mix.srtpErrors)})`, '0', verdict(mix.srtpFailed === 0)],
    ['packets the controller dropped in the window, by reason', JSON.stringify(mix.dropped), '{}', verdict(Object.keys(mix.dropped).length === 0)],
    ['latency at the sites, send → kernel arrival, p50 / p99 (ms)', `${fmt(mix.prog.latencyP50)} / ${fmt(mix.prog.latencyP99)}`, '', ''],
    ['  same through the relay p50 / p99 (ms)', `${fmt(relay.prog.latencyP50)} / ${fmt(relay.prog.latencyP99)}`, '', ''],
    ['controller threads / RSS MiB', `${mix.mem.threads} / ${fmt(mix.mem.rssMiB)}`, '', ''],
    ['simulator: longest send-timer stall (ms) / stalls > 100 ms, SIP run / relay run',
      `${fmt(mix.stall[0], 0)} / ${mix.stall[1]}; ${fmt(relay.stall[0], 0)} / ${relay.stall[1]}`, '', ''],
    ['simulator CPU, SIP + SRTP / plain (cores); host busy in the SIP window (cores)', `${fmt(mix.simCores, 2)} / ${fmt(relay.simCores, 2)}; ${fmt(mix.host, 2)}`, '', ''],
    ...(opus ? [
      [`audio transcoding: the same run with all ${N} sites on Opus, controller CPU (cores)`, fmt(opus.cores, 2), '', ''],
      ['  its calls connected / online; controller / relay, per packet', `${opus.connected} / ${opus.online}; ${fmt(perPacket(opus) / perPacket(relay), 2)}`, '', ''],
      ['  its packets a second (sites → controller / controller → sites)', rate(opus), '', ''],
      [`  difference, mixed run - all Opus: CPU (cores) / CPU per packet (µs)`,
        `${fmt(mix.cores - opus.cores, 2)} / ${fmt(perPacket(mix) - perPacket(opus), 2)}`, '', ''],
    ] : []),
    ['the mixer\'s encode of one mix, per codec (its chain in gst-launch, 300 s of audio): Opus 64 kb/s / G.722 (ms CPU per s)',
      `${fmt(enc.opus * 1000, 2)} / ${fmt(enc.g722 * 1000, 2)}`, '', ''],
  ]);
}

/** The media part with @o = {sites, g722, seconds, simNice} (strings or numbers, as parseArgs gives them). */
export async function sipMedia(o = {}) {
  N = Number(o.sites ?? 600);
  G722 = o.g722 === undefined ? Math.floor(N / 2) : Number(o.g722);
  SECONDS = Number(o.seconds ?? 15);
  // The simulated sites share the two cores with what is measured; at a lower
  // priority they stand in for sites on their own machines (as in `sites`).
  SIM_NICE = Number(o.simNice ?? 10);
  console.log(`sip media bench: ${new Date().toISOString()}, ${N} sites, load average ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}`);
  await media();
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values: opt } = parseArgs({
    options: {
      sites: { type: 'string', default: '600' },
      g722: { type: 'string' },
      seconds: { type: 'string', default: '15' },
      'sim-nice': { type: 'string', default: '10' },
    },
  });
  await sipMedia({ sites: opt.sites, g722: opt.g722, seconds: opt.seconds, simNice: opt['sim-nice'] });
}
