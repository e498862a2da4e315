// Benchmark `dropout`: 600 simulated sites in a live session all go
// offline at once (roomctl-sim's disconnect fault on "*"), then come back.
// Meanwhile a tablet pings over its WebSocket and a probe reads /healthz,
// each every 50 ms; a technician's dashboard counts the health ticks. The
// daemon runs under strace, which records only its fsync/fdatasync calls
// (seccomp-bpf: no other system call stops), so the syncs per health tick
// are counted, not inferred; /metrics gives the commits.
//   node tests/bench/dropout.mjs [--sites 600] [--binary build/roomctl] [--after-return 12]

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { api, DEFAULT_BINARY, freePort, login, startServer } from '../lib/server.mjs';
import { freeUdpPorts } from '../lib/media.mjs';
import { startSim } from '../lib/sim.mjs';
import { WsClient } from '../lib/ws-client.mjs';
import { fmt, percentile, printTable, sleep, verdict, plainCodes } from './common.mjs';

const { values: opt } = parseArgs({
  options: {
    sites: { type: 'string', default: '600' },
    binary: { type: 'string', default: DEFAULT_BINARY },
    'after-return': { type: 'string', default: '12' },
    'sim-nice': { type: 'string', default: '10' },
  },
});
const N = Number(opt.sites);
const AFTER_RETURN_S = Number(opt['after-return']);
const PROBE_MS = 50;

/** A shell wrapper that runs @binary under strace, writing each sync call
 *  with its time (seconds since the epoch) to @log. The daemon dies with
 *  strace (setpriv --pdeathsig): a bench killed midway leaves nothing. */
function stracedBinary(dir, binary, log) {
  const wrapper = path.join(dir, 'roomctl-straced');
  fs.writeFileSync(wrapper, `#!/bin/sh\nexec strace -f -qq --seccomp-bpf -ttt -e trace=fsync,fdatasync -o ${log} ` +
    `setpriv --pdeathsig KILL ${path.resolve(binary)} "$@"\n`);
  fs.chmodSync(wrapper, 0o755);
  return wrapper;
}

/** The daemon strace runs (its one child). */
function tracedPid(stracePid) {
  const kids = fs.readFileSync(`/proc/${stracePid}/task/${stracePid}/children`, 'utf8').trim().split(/\s+/);
  return Number(kids[0]);
}

/** Stops the daemon itself (SIGTERM, as a service manager would), then
 *  strace, which follows it out. Bounded: SIGKILL after 20 s. */
async function stopTraced(srv) {
  let pid = 0;
  try { pid = tracedPid(srv.proc.pid); } catch { /* already gone */ }
  if (pid) {
    process.kill(pid, 'SIGTERM');
    for (let i = 0; i < 200 && fs.existsSync(`/proc/${pid}`); i++) await sleep(100);
    if (fs.existsSync(`/proc/${pid}`)) process.kill(pid, 'SIGKILL');
  }
  await srv.stop();
}

/** Sync calls in @log between two wall-clock times (ms). */
function syncsBetween(log, t0, t1) {
  let n = 0;
  for (const line of fs.readFileSync(log, 'utf8').split('\n')) {
    const m = line.match(/^\d+\s+(\d+\.\d+)\s+f(data)?sync\(/);
    if (m && Number(m[1]) * 1000 >= t0 && Number(m[1]) * 1000 <= t1) n++;
  }
  return n;
}

/** Repeats @probe every PROBE_MS until stopped; each one's time in ms. */
function repeat(probe) {
  const times = [];
  let failed = 0;
  let running = true;
  const done = (async () => {
    while (running) {
      const t0 = performance.now();
      try {
        await probe();
        times.push(performance.now() - t0);
      } catch { failed++; }
      await sleep(Math.max(0, PROBE_MS - (performance.now() - t0)));
    }
  })();
  return { times, stop: async () => { running = false; await done; return { times, failed }; } };
}

async function commits(base) {
  const text = await (await fetch(`${base}/metrics`)).text();
  const m = text.match(/^roomctl_store_commits_total (\d+)/m);
  return m ? Number(m[1]) : NaN; // NaN: a roomctl from before the metric
}

/** Waits until the dashboard's latest tick counts @n sites in @states
 *  (heard: online or degraded; a loaded two-core host loses packets). */
async function untilCount(tech, states, n, timeoutMs) {
  const count = (m) => states.reduce((sum, st) => sum + (m.body.counts[st] || 0), 0);
  return (await tech.waitFor((m) => m.type === 'health.tick' && count(m) >= n, timeoutMs)).body.counts;
}
const HEARD = ['online', 'degraded'];

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'roomctl-bench-dropout-'));
const syncLog = path.join(dir, 'syncs.log');
const base = await freeUdpPorts(4);
const ports = { video: base, audio: base + 2 };
const srv = await startServer({
  binary: stracedBinary(dir, opt.binary, syncLog),
  args: ['--demo', '--listen', '127.0.0.1'],
  // The probe pings 20 times a second, over a tablet's usual rate limit.
  config: { media: { video_port: ports.video, audio_port: ports.audio, rtsp_port: await freePort() },
    ws: { rate_per_second: 1000, rate_burst: 1000 } },
  timeoutMs: 30000,
});
let sim, tablet, tech;
try {
  const admin = await login(srv.base, 'admin', 'admin123');
  const all = (await api(srv.base, admin, 'GET', '/api/v1/sites')).sites;
  const codes = plainCodes(N);
  await api(srv.base, admin, 'PUT', '/api/v1/sessions/1/sites', { site_ids: codes.map((c) => all.find((s) => s.code === c).id) });
  await api(srv.base, admin, 'POST', '/api/v1/sessions/1/start');
  tech = await WsClient.connect(srv.port, { token: await login(srv.base, 'kythuat', 'kythuat123') });
  await tech.request('subscribe.health', { session_id: 1 });
  tablet = await WsClient.connect(srv.port, { token: await login(srv.base, 'db02', '123456') });
  await tablet.request('subscribe', { session_id: 1 });
  sim = await startSim(ports, { codes }, [], { nice: Number(opt['sim-nice']) });
  const heard = await untilCount(tech, HEARD, N, 120000);
  await sleep(3000);
  tech.drain();

  const ticksIn = (msgs) => msgs.filter((m) => m.type === 'health.tick').length;
  const phase = async (what, action, until) => {
    const ping = repeat(() => tablet.request('ping', {}, { timeoutMs: 30000 }));
    const healthz = repeat(async () => { if (!(await fetch(`${srv.base}/healthz`)).ok) throw new Error('healthz'); });
    const c0 = await commits(srv.base);
    const t0 = Date.now();
    await action();
    await until();
    const t1 = Date.now();
    const c1 = await commits(srv.base);
    const p = await ping.stop(), h = await healthz.stop();
    await sleep(500); // strace writes its lines as the calls happen
    const ticks = ticksIn(tech.drain());
    return { what, seconds: (t1 - t0) / 1000, ticks, syncs: syncsBetween(syncLog, t0, t1), commits: c1 - c0, ping: p, healthz: h };
  };

  console.log(`every site heard: ${JSON.stringify(heard)}`);
  const steady = await phase('steady, every site heard (5 s)', async () => {}, () => sleep(5000));
  const drop = await phase(`all ${N} drop, until every one is offline + 3 s`, () => sim.cmd({ cmd: 'fault', site: '*', disconnect: true }),
    async () => { await untilCount(tech, ['offline'], N, 60000); await sleep(3000); });
  const back = await phase(`all ${N} return, until every one is heard + ${AFTER_RETURN_S} s`,
    () => sim.cmd({ cmd: 'fault', site: '*', disconnect: false }),
    async () => { await untilCount(tech, HEARD, N, 60000); await sleep(AFTER_RETURN_S * 1000); });

  const q = (xs) => `${fmt(percentile(xs, 50))} / ${fmt(percentile(xs, 99))} / ${fmt(Math.max(...xs))}`;
  for (const r of [steady, drop, back]) {
    const perTick = r.syncs / Math.max(r.ticks, 1);
    const target = r !== steady;
    printTable(`dropout: ${r.what} — ${fmt(r.seconds)} s, ${opt.binary}`, [
      ['health ticks seen by the dashboard', r.ticks, '', ''],
      ['fsync + fdatasync calls', r.syncs, '', ''],
      ['  per health tick', fmt(perTick, 2), target ? '<= 1 commit' : '', ''],
      ['database commits (/metrics)', Number.isNaN(r.commits) ? 'n/a' : r.commits, '', ''],
      ['  per health tick', Number.isNaN(r.commits) ? 'n/a' : fmt(r.commits / Math.max(r.ticks, 1), 2), target ? '<= 1' : '',
        target && !Number.isNaN(r.commits) ? verdict(r.commits / Math.max(r.ticks, 1) <= 1) : ''],
      ['tablet ping round trip p50 / p99 / max (ms)', q(r.ping.times), target ? 'p99 <= 50, max <= 100' : '',
        target ? verdict(percentile(r.ping.times, 99) <= 50 && Math.max(...r.ping.times) <= 100) : ''],
      ['  pings answered / failed', `${r.ping.times.length} / ${r.ping.failed}`, '0 failed', verdict(r.ping.failed === 0)],
      ['/healthz p50 / p99 / max (ms)', q(r.healthz.times), '', ''],
    ]);
  }
} finally {
  if (sim) await sim.stop();
  if (tablet) await tablet.close();
  if (tech) await tech.close();
  await stopTraced(srv);
  fs.rmSync(dir, { recursive: true, force: true });
}
