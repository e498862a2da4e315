// Benchmark `sip`: the controller's SIP signalling (sofia-sip) at 600 sites,
// against sipp (Debian sip-tester 3.6.1), not against anything written here.
//  1. REGISTER storm: 600 sites, each with its own digest user, register at
//     once (REGISTER, 401, REGISTER with the digest, 200). sipp reads
//     "user;password;expected" a line from an injection file and takes the
//     credentials into [authentication username="[field0]" ...]: the quotes
//     are what make it work in 3.6.1 (FIELD_AUTH, tests/lib/sipp.mjs). Time
//     from the start to all registered as the registrations API shows them
//     (target 10 s), sipp's REGISTER→200 p50/p99 (target p99 1 s: sipp
//     retransmits at 0.5 s), the controller's CPU.
//  2. 600 dial-ins: the 600 call the session's conference with digest and an
//     SDES-SRTP offer; time from starting sipp to all connected in the API
//     (target 30 s), sipp's INVITE→200 p50/p99 (target p99 1 s), CPU; each
//     hangs up (BYE) 30 s after its 200.
//  (oneaddress) the storm again from one sipp on one address: how many
//     REGISTERs the flood limit answers 503 (no target: it is meant to).
//  3. dial-out: 600 sites of transport sip in the session, each answering
//     as one sipp UAS (SDES-SRTP answer); the session starts and the
//     controller calls them all ([sip] dials_per_second). Time from the
//     start to each call connected, all connected within 30 s (target), the
//     controller's CPU while it dials; then hang-up of all (BYEs).
// Where the storm comes from: [sip] requests_per_second (200 a source
// address, burst 400) would hold 600 sites × 2 REGISTERs from one address
// to its rate, which is the limiter's job, not the controller's speed. 600
// real sites are 600 addresses; here --addresses sipp processes (10) each
// send 60 sites from their own loopback address (127.0.1.x registers,
// 127.0.2.x calls: a site calling from its registered address is let in
// without a digest), under the burst; the tables say whether the limiter
// answered anything (roomctl_sip_rate_limited_total).
//  4. media: 600 roomctl-sim SIP sites with SRTP, half G.722, against the raw
//     C relay, and the transcoding cost (tests/bench/sip-media.mjs says how).
//   node tests/bench/sip.mjs [--sites 600] [--addresses 10] [--phases storm,dialin,oneaddress,dialout,media]
//                            [--g722 N (sites/2)] [--seconds 15] [--sim-nice 10]

import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { api, login, startServer } from '../lib/server.mjs';
import { freeUdpPorts } from '../lib/media.mjs';
import { FIELD_AUTH, SCENARIOS, freeSipPort, runSipp, uasScenario } from '../lib/sipp.mjs';
import { cpuDuring, fmt, memory, percentile, printTable, sleep, verdict } from './common.mjs';
import { sipMedia } from './sip-media.mjs';

const { values: opt } = parseArgs({
  options: {
    sites: { type: 'string', default: '600' },
    addresses: { type: 'string', default: '10' },
    phases: { type: 'string', default: 'storm,dialin,oneaddress,dialout,media' },
    g722: { type: 'string' },
    seconds: { type: 'string', default: '15' },
    'sim-nice': { type: 'string', default: '10' },
  },
});
const N = Number(opt.sites);
const K = Number(opt.addresses);
const phases = new Set(opt.phases.split(','));
// phases: storm, dialin, oneaddress (the storm from one address: the limiter), dialout
const HOLD_MS = 30000; // a dial-in's call, from its 200 to its BYE

const work = await fs.mkdtemp(path.join(os.tmpdir(), 'roomctl-bench-sip-'));
const user = (i) => `bench${String(i).padStart(3, '0')}`;
const password = (i) => `bench-secret-${i}`;

/** roomctl with its demo network on a free SIP port; @sip: more [sip] keys. */
async function controller(sip) {
  const sipPort = await freeSipPort();
  const srv = await startServer({
    args: ['--demo'],
    config: { media: { enabled: 'false', rtsp_port: 0 }, sip: { port: sipPort, ...sip } },
  });
  const admin = await login(srv.base, 'admin', 'admin123');
  const sites = (await api(srv.base, admin, 'GET', '/api/v1/sites')).sites.slice(0, N);
  return { srv, admin, sipPort, sites, pid: srv.proc.pid };
}

/** A counter or gauge of /metrics (the first sample of @name). */
async function metric(srv, name) {
  const text = await (await fetch(`${srv.base}/metrics`)).text();
  const m = new RegExp(`^${name.replace(/[{}"]/g, '\\$&')} (\\d+)`, 'm').exec(text);
  return m ? Number(m[1]) : NaN;
}

/** @count (K) sipp processes, the k-th on 127.0.@net.(k+1) with every K-th site of
 *  @lines (its injection file), all started at once; resolves their ends. */
async function spread(c, name, xml, lines, net, timeoutS, count = K) {
  const runs = [];
  for (let k = 0; k < count; k++) {
    const mine = lines.filter((_, i) => i % count === k);
    if (!mine.length) continue;
    const inf = path.join(work, `${name}-${k}.csv`);
    await fs.writeFile(inf, `SEQUENTIAL\n${mine.join('\n')}\n`);
    runs.push({
      name: `${name}-${k}`, xml, inf, calls: mine.length, ip: `127.0.${net}.${k + 1}`, port: await freeUdpPorts(6),
    });
  }
  const started = [];
  for (const r of runs) {
    started.push(await runSipp(work, r.name, r.xml, {
      target: `127.0.0.1:${c.sipPort}`, port: r.port, ip: r.ip, calls: r.calls, timeoutS,
      extra: ['-inf', r.inf, '-r', String(r.calls), '-l', String(r.calls), '-trace_rtt', '-rtt_freq', '1'],
    }));
  }
  return Promise.all(started.map((s) => s.done));
}

/** sipp's response times 1 (ms) from the -trace_rtt files of runs named @name-k. */
async function responseTimes(name) {
  const ms = [];
  for (const f of await fs.readdir(work)) {
    if (!f.startsWith(`${name}-`) || !f.endsWith('_rtt.csv')) continue;
    for (const line of (await fs.readFile(path.join(work, f), 'utf8')).split('\n')) {
      const [, rtt, rtd] = line.split(';');
      if (rtd?.trim() === '1' && Number.isFinite(Number(rtt))) ms.push(Number(rtt));
    }
  }
  return ms;
}

const exits = (ends) => {
  const bad = ends.filter((e) => e.code !== 0);
  return bad.length ? `${bad.length} of ${ends.length} failed: ${bad[0].errors.slice(-300).replace(/\s+/g, ' ')}` : `all ${ends.length} 0`;
};

// ---- 1 and 2: the storm and the dial-ins, on one controller that dials nobody
async function stormAndDialIn() {
  const c = await controller({ dial_out: 'false' });
  try {
    for (const [i, s] of c.sites.entries()) {
      await api(c.srv.base, c.admin, 'PATCH', `/api/v1/sites/${s.id}`,
        { transport: 'sip', sip_user: user(i), sip_password: password(i), srtp: 'required' });
    }
    const limited0 = await metric(c.srv, 'roomctl_sip_rate_limited_total');
    const regs = async () => (await api(c.srv.base, c.admin, 'GET', '/api/v1/sip/registrations')).registrations;
    console.log(`sip bench: ${new Date().toISOString()}, ${c.sites.length} sites from ${K} addresses, load average ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}`);
    if (phases.has('storm')) {
      const lines = c.sites.map((_, i) => `${user(i)};${password(i)};200`);
      let registeredAt = NaN, registered = 0;
      const storm = await cpuDuring(c.pid, async () => {
        const t0 = Date.now();
        const ends = spread(c, 'storm', SCENARIOS.registerEach(300, true), lines, 1, 60);
        while (Date.now() - t0 < 60000) {
          registered = (await regs()).filter((r) => r.registered && c.sites.some((s) => s.id === r.site_id)).length;
          if (registered === N) { registeredAt = Date.now() - t0; break; }
          await sleep(100);
        }
        return ends;
      });
      const ends = await storm.result;
      const rtt = await responseTimes('storm');
      const limited = await metric(c.srv, 'roomctl_sip_rate_limited_total') - limited0;
      const mem = memory(c.pid);
      printTable(`sip REGISTER storm: ${N} sites, each its own digest user, from ${K} sipp processes on ${K} loopback addresses (127.0.1.x), all at once`, [
        ['sites registered (registrations API)', `${registered} / ${N}`, `${N}`, verdict(registered === N)],
        ['sipp started → all registered in the API (s, polled every 0.1 s)', fmt(registeredAt / 1000, 2), '<= 10', verdict(registeredAt <= 10000)],
        ['REGISTER → 200, through the 401 (sipp response time) p50 / p99 / max (ms)',
          `${fmt(percentile(rtt, 50))} / ${fmt(percentile(rtt, 99))} / ${fmt(Math.max(...rtt))} (${rtt.length} samples)`, 'p99 <= 1000',
          verdict(rtt.length === N && percentile(rtt, 99) <= 1000)],
        ['controller CPU during the storm (cores) / CPU seconds', `${fmt(storm.cores, 2)} / ${fmt(storm.cores * storm.seconds, 2)}`, '', ''],
        ['  host (all processes, sipp included) during the storm (cores)', fmt(storm.host, 2), '', ''],
        ['answered 503 by the per-source limit (roomctl_sip_rate_limited_total)', `${limited}`, '0', verdict(limited === 0)],
        ['sipp exits (0 = every site got its 200)', exits(ends), 'all 0', verdict(ends.every((e) => e.code === 0))],
        ['controller threads / RSS MiB', `${mem.threads} / ${fmt(mem.rssMiB)}`, '', ''],
      ]);
    }
    if (phases.has('dialin')) await dialIn(c, limited0);
    if (phases.has('oneaddress')) await oneAddress(c);
  } finally {
    await c.srv.stop();
  }
}

async function dialIn(c, limited0) {
  await api(c.srv.base, c.admin, 'PUT', '/api/v1/sessions/1/sites', { site_ids: c.sites.map((s) => s.id) });
  await api(c.srv.base, c.admin, 'POST', '/api/v1/sessions/1/start');
  const calls = async () => (await api(c.srv.base, c.admin, 'GET', '/api/v1/sessions/1/sip/calls')).calls;
  const lines = c.sites.map((_, i) => `${user(i)};${password(i)}`);
  const xml = SCENARIOS.call('phien-1', '[field0]', true, HOLD_MS, { authKeyword: FIELD_AUTH, rtd: true });
  const connectedAt = new Map();
  let ends;
  const dial = await cpuDuring(c.pid, async () => {
    const t0 = Date.now();
    ends = spread(c, 'dialin', xml, lines, 2, 120);
    while (Date.now() - t0 < 60000 && connectedAt.size < N) {
      for (const x of await calls()) {
        if (x.state === 'connected' && !connectedAt.has(x.site_id)) connectedAt.set(x.site_id, Date.now() - t0);
      }
      await sleep(200);
    }
  });
  const atOnce = (await calls()).filter((x) => x.state === 'connected').length;
  const mem = memory(c.pid);
  const hang = await cpuDuring(c.pid, async () => {
    const done = await Promise.race([ends, sleep(HOLD_MS + 60000).then(() => null)]);
    const t0 = Date.now();
    while (Date.now() - t0 < 30000 && (await calls()).some((x) => x.state === 'connected')) await sleep(200);
    return done;
  });
  const all = await calls();
  const endedBySite = all.filter((x) => x.state === 'ended' && x.ended_by === 'site').length;
  const digest = all.filter((x) => x.caller === 'digest').length;
  const ms = [...connectedAt.values()];
  const limited = await metric(c.srv, 'roomctl_sip_rate_limited_total') - limited0;
  const rtt = await responseTimes('dialin');
  printTable(`sip dial-ins: ${N} sites call phien-1 with their own digest and SDES-SRTP, from ${K} sipp processes on 127.0.2.x, all at once; each hangs up ${HOLD_MS / 1000} s after its 200`, [
    ['calls connected (each seen connected once)', `${connectedAt.size} / ${N}`, `${N}`, verdict(connectedAt.size === N)],
    ['sipp started → last call connected in the API (s, polled every 0.2 s)', fmt(Math.max(...ms) / 1000), '<= 30', verdict(connectedAt.size === N && Math.max(...ms) <= 30000)],
    ['INVITE → 200, through the 401 (sipp response time) p50 / p99 / max (ms)',
      `${fmt(percentile(rtt, 50))} / ${fmt(percentile(rtt, 99))} / ${fmt(Math.max(...rtt))} (${rtt.length} samples)`, 'p99 <= 1000',
      verdict(rtt.length === N && percentile(rtt, 99) <= 1000)],
    ['connected at once at the end of the window / let in by digest', `${atOnce} / ${digest}`, `${N} / ${N}`, verdict(atOnce === N && digest === N)],
    ['controller CPU while they call in (cores) / CPU seconds', `${fmt(dial.cores, 2)} / ${fmt(dial.cores * dial.seconds, 1)}`, '', ''],
    ['  host (all processes, sipp included) while they call in (cores)', fmt(dial.host, 2), '', ''],
    ['calls ended by the sites\' BYEs', `${endedBySite} / ${N}`, `${N}`, verdict(endedBySite === N)],
    ['controller CPU from the hold to the last BYE (cores)', fmt(hang.cores, 2), '', ''],
    ['answered 503 by the per-source limit since the storm began', `${limited}`, '0', verdict(limited === 0)],
    ['sipp exits (0 = every call as scripted)', hang.result ? exits(hang.result) : 'killed', 'all 0', verdict(hang.result?.every((e) => e.code === 0))],
    ['controller threads / RSS MiB (all connected)', `${mem.threads} / ${fmt(mem.rssMiB)}`, '', ''],
  ]);
  await api(c.srv.base, c.admin, 'POST', '/api/v1/sessions/1/end').catch(() => null);
}

/** Successful calls in a sipp's final statistics screen. */
const successful = (out) => Number(/Successful call\s*\|\s*\d+\s*\|\s*(\d+)/.exec(out)?.[1] ?? NaN);

// The same storm again from one address, to show what the limiter does
// with it (no target: the limiter is meant to answer 503 here).
async function oneAddress(c) {
  const lines = c.sites.map((_, i) => `${user(i)};${password(i)};200`);
  const limited0 = await metric(c.srv, 'roomctl_sip_rate_limited_total');
  const run = await cpuDuring(c.pid, () => spread(c, 'one', SCENARIOS.registerEach(300, true), lines, 3, 60, 1));
  const limited = await metric(c.srv, 'roomctl_sip_rate_limited_total') - limited0;
  const ok = successful(run.result[0].out);
  printTable(`sip REGISTER storm from one address (one sipp on 127.0.3.1, the ${N} again, all at once; [sip] requests_per_second 200, burst 400)`, [
    ['REGISTERs answered 503 by the per-source limit', `${limited} of ${2 * N} sent at most`, '', ''],
    ['sites that got their 200 / failed on a 503 (sipp counts)', `${ok} / ${N - ok}`, '', ''],
    ['sipp start → end (s) / controller CPU (cores)', `${fmt(run.seconds)} / ${fmt(run.cores, 2)}`, '', ''],
  ]);
}

// ---- 3. dial-out
async function dialOut() {
  const { srv, admin, sites, pid } = await controller({});
  try {
    const uasPort = await freeUdpPorts(4);
    console.log(`sip bench: ${new Date().toISOString()}, ${sites.length} sites, load average ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}`);
    for (const s of sites) {
      await api(srv.base, admin, 'PATCH', `/api/v1/sites/${s.id}`, {
        transport: 'sip', address: `sip:${s.code.toLowerCase()}@127.0.0.1:${uasPort}`, srtp: 'required',
      });
    }
    await api(srv.base, admin, 'PUT', '/api/v1/sessions/1/sites', { site_ids: sites.map((s) => s.id) });
    const calls = async () => (await api(srv.base, admin, 'GET', '/api/v1/sessions/1/sip/calls')).calls;
    const uas = await runSipp(work, 'uas', uasScenario('site', { secure: true }), { port: uasPort, calls: N, timeoutS: 180 });
    await sleep(500);
    const connectedAt = new Map();
    const dial = await cpuDuring(pid, async () => {
      const t0 = Date.now();
      await api(srv.base, admin, 'POST', '/api/v1/sessions/1/start');
      while (Date.now() - t0 < 60000 && connectedAt.size < N) {
        for (const c of await calls()) {
          if (c.state === 'connected' && !connectedAt.has(c.site_id)) connectedAt.set(c.site_id, Date.now() - t0);
        }
        await sleep(200);
      }
      return connectedAt.size;
    });
    const all = await calls();
    const byState = {};
    for (const c of all) byState[c.state] = (byState[c.state] || 0) + 1;
    const ms = [...connectedAt.values()];
    const memDial = memory(pid);
    const hang = await cpuDuring(pid, async () => {
      const t0 = Date.now();
      const r = await api(srv.base, admin, 'POST', '/api/v1/sessions/1/sip/hangup', {});
      while (Date.now() - t0 < 30000 && (await calls()).some((c) => c.state === 'connected')) await sleep(200);
      return r.calls;
    });
    const uasDone = await Promise.race([uas.done, sleep(20000).then(() => null)]);
    if (!uasDone) uas.proc.kill('SIGKILL');
    printTable(`sip dial-out: ${N} sites called at session start (sipp UAS answering with SDES-SRTP; dials_per_second default)`, [
      ['calls connected', `${connectedAt.size} / ${N}`, `${N}`, verdict(connectedAt.size === N)],
      ['session start → last call connected (s)', fmt(Math.max(...ms) / 1000), '<= 30', verdict(connectedAt.size === N && Math.max(...ms) <= 30000)],
      ['session start → call connected p50 / p99 (s, polled every 0.2 s)', `${fmt(percentile(ms, 50) / 1000)} / ${fmt(percentile(ms, 99) / 1000)}`, '', ''],
      ['call records by state after the window', JSON.stringify(byState), '', ''],
      ['controller CPU while dialling (cores) / CPU seconds', `${fmt(dial.cores, 2)} / ${fmt(dial.cores * dial.seconds, 1)}`, '', ''],
      ['  host (all processes, sipp included) while dialling (cores)', fmt(dial.host, 2), '', ''],
      ['hang-up of all: calls ended / time until none connected (s)', `${hang.result} / ${fmt(hang.seconds)}`, `${N}`, verdict(hang.result === N)],
      ['controller CPU during the hang-up (cores)', fmt(hang.cores, 2), '', ''],
      ['sipp UAS exit (0 = every call answered and ended as scripted)', uasDone ? uasDone.code : 'killed', '0', verdict(uasDone?.code === 0)],
      ['controller threads / RSS MiB', `${memDial.threads} / ${fmt(memDial.rssMiB)}`, '', ''],
    ]);
    await api(srv.base, admin, 'POST', '/api/v1/sessions/1/end').catch(() => null);
  } finally {
    await srv.stop();
  }
}

try {
  if (['storm', 'dialin', 'oneaddress'].some((x) => phases.has(x))) await stormAndDialIn();
  if (phases.has('dialout')) await dialOut();
  if (phases.has('media')) await sipMedia({ sites: opt.sites, g722: opt.g722, seconds: opt.seconds, simNice: opt['sim-nice'] });
} finally {
  await fs.rm(work, { recursive: true, force: true });
}
