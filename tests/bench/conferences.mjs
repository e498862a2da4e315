// Benchmark `conferences`: the same 600 simulated sites (roomctl-sim, H.264
// ~1 Mbps + Opus each) first as one conference of 600, then as 10
// simultaneous conferences of 60 (contiguous rows of the demo CSV, so each
// has its own chair), every conference with its own floor changes (a grant
// every FLOOR_EVERY_S, rotating over its first sites). Measured per layout:
// controller CPU, threads, RSS, the program packets the sites received and
// lost, and the floor changes that reached their conference's program.
// Target: threads do not grow with the conferences beyond a fixed few each
// (<= 8 per extra conference), CPU of 10×60 no worse than 1.5× the single
// conference (ten programs, mixes and fan-out pipelines instead of one).
//   node tests/bench/conferences.mjs [--seconds 20] [--sim-nice 10] [--conferences 10]

import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { api, freePort, login, REPO_ROOT, startServer } from '../lib/server.mjs';
import { freeUdpPorts } from '../lib/media.mjs';
import { startSim } from '../lib/sim.mjs';
import { WsClient } from '../lib/ws-client.mjs';
import { cpuSeconds, fmt, memory, printTable, sleep, verdict, plainCodes } from './common.mjs';

const { values: opt } = parseArgs({
  options: { seconds: { type: 'string', default: '20' }, 'sim-nice': { type: 'string', default: '10' },
    conferences: { type: 'string', default: '10' }, sites: { type: 'string', default: '600' } },
});
const SECONDS = Number(opt.seconds);
const SIM_NICE = Number(opt['sim-nice']);
const SPLIT = Number(opt.conferences);
const N = Number(opt.sites);
const FLOOR_EVERY_S = 3;

function firstCodes(n) {
  return plainCodes(n);
}

/** Sums of what the sites received between two simulator stats. */
function received(before, after) {
  const b = new Map(before.sites.map((s) => [s.code, s]));
  let packets = 0, lost = 0;
  for (const s of after.sites) {
    const o = b.get(s.code) || { recv_packets: 0, recv_lost: 0 };
    packets += s.recv_packets - o.recv_packets;
    lost += Math.max(0, s.recv_lost - o.recv_lost);
  }
  return { packets, lost };
}

/** One layout: @groups conferences splitting the first N sites. */
async function run(groups) {
  const base = await freeUdpPorts(4);
  const ports = { video: base, audio: base + 2 };
  const srv = await startServer({
    args: ['--demo', '--listen', '127.0.0.1'],
    config: { media: { video_port: ports.video, audio_port: ports.audio, rtsp_port: await freePort(), record: 'false' } },
  });
  let sim, chair;
  try {
    const admin = await login(srv.base, 'admin', 'admin123');
    const idle = memory(srv.proc.pid).threads;
    const all = (await api(srv.base, admin, 'GET', '/api/v1/sites')).sites;
    const codes = firstCodes(N);
    const size = Math.ceil(N / groups);
    const confs = [];
    for (let g = 0; g < groups; g++) {
      const mine = codes.slice(g * size, (g + 1) * size);
      const sid = g === 0 ? 1 : (await api(srv.base, admin, 'POST', '/api/v1/sessions', {
        title: `Hội nghị ${g + 1}`, starts_at: '2026-12-06T01:00:00Z', ends_at: '2026-12-06T05:00:00Z' })).id;
      const ids = mine.map((c) => all.find((s) => s.code === c).id);
      await api(srv.base, admin, 'PUT', `/api/v1/sessions/${sid}/sites`, { site_ids: ids });
      confs.push({ sid, ids, codes: mine });
    }
    for (const c of confs) await api(srv.base, admin, 'POST', `/api/v1/sessions/${c.sid}/start`);
    const withMedia = (await api(srv.base, admin, 'GET', '/api/v1/media')).sessions.length;
    if (withMedia !== groups) throw new Error(`${withMedia} sessions have media, not ${groups}`);
    sim = await startSim(ports, { codes }, [], { nice: SIM_NICE });
    const deadline = Date.now() + 90_000;
    for (;;) {
      let sending = 0;
      for (const c of confs)
        sending += (await api(srv.base, admin, 'GET', `/api/v1/media/stats?session_id=${c.sid}`)).sites
          .filter((s) => s.video && s.video.packets > 0).length;
      if (sending >= N) break;
      if (Date.now() > deadline) throw new Error(`${sending} of ${N} sites reached the controller`);
      await sleep(1000);
    }
    await sleep(3000);
    chair = await WsClient.connect(srv.port, { token: admin });
    // Each conference's floor moves on every FLOOR_EVERY_S while the CPU is measured.
    let round = 0, grants = 0;
    const wanted = new Map();
    const floors = setInterval(async () => {
      round++;
      for (const c of confs) {
        const site = c.ids[1 + (round % Math.min(4, c.ids.length - 1))];
        wanted.set(c.sid, site);
        grants++;
        chair.request('floor.site', { session_id: c.sid, site_id: site }).catch(() => {});
      }
    }, FLOOR_EVERY_S * 1000);
    const s0 = await sim.cmd({ cmd: 'stats' });
    const c0 = cpuSeconds(srv.proc.pid);
    await sleep(SECONDS * 1000);
    const cores = (cpuSeconds(srv.proc.pid) - c0) / SECONDS;
    clearInterval(floors);
    const s1 = await sim.cmd({ cmd: 'stats' });
    const mem = memory(srv.proc.pid);
    await sleep(2000); // the last grants' keyframes
    let following = 0;
    for (const c of confs) {
      const m = await api(srv.base, admin, 'GET', `/api/v1/media?session_id=${c.sid}`);
      following += m.source_site_id === wanted.get(c.sid);
    }
    return { groups, cores, mem, idle, prog: received(s0, s1), grants, following };
  } finally {
    if (chair) chair.close();
    if (sim) sim.stop();
    await srv.stop();
  }
}

const one = await run(1);
const many = await run(SPLIT);
const perConf = (many.mem.threads - one.mem.threads) / (SPLIT - 1);
const ratio = many.cores / one.cores;
printTable(`conferences: ${N} simulated sites (nice ${SIM_NICE}) as 1 × ${N} and as ${SPLIT} × ${N / SPLIT}, switch mode, `
  + `a floor change in each conference every ${FLOOR_EVERY_S} s (${SECONDS} s windows)`, [
  ['controller CPU, 1 conference (cores)', fmt(one.cores, 2), '', ''],
  [`controller CPU, ${SPLIT} conferences (cores)`, fmt(many.cores, 2), '', ''],
  [`  ${SPLIT} conferences / 1`, fmt(ratio, 2), '<= 1.5', verdict(ratio <= 1.5)],
  ['threads: idle / 1 conference / ' + SPLIT, `${one.idle} / ${one.mem.threads} / ${many.mem.threads}`, '', ''],
  ['  threads per extra conference', fmt(perConf, 1), '<= 8', verdict(perConf <= 8)],
  ['RSS, 1 / ' + SPLIT + ' conferences (MiB)', `${fmt(one.mem.rssMiB)} / ${fmt(many.mem.rssMiB)}`, '', ''],
  ['program packets received by the sites, 1 / ' + SPLIT, `${one.prog.packets} / ${many.prog.packets}`, '', ''],
  ['program packets lost, 1 / ' + SPLIT, `${one.prog.lost} / ${many.prog.lost}`, '0', verdict(one.prog.lost + many.prog.lost === 0)],
  ['conferences whose program follows its last floor grant', `${one.following}/1, ${many.following}/${SPLIT}`,
    'all', verdict(one.following === 1 && many.following === SPLIT)],
  ['floor grants made during the window, 1 / ' + SPLIT, `${one.grants} / ${many.grants}`, '', ''],
]);
