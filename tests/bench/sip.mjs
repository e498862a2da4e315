// Benchmark `sip`: the controller's SIP signalling (sofia-sip) at 600 sites,
// against sipp (Debian sip-tester), not against anything written here.
//  1. dial-out: 600 sites of transport sip in the session, each answering
//     as one sipp UAS (SDES-SRTP answer); the session starts and the
//     controller calls them all ([sip] dials_per_second). Time from the
//     start to each call connected, all connected within 30 s (target), the
//     controller's CPU while it dials; then hang-up of all (BYEs).
// Not yet here: the REGISTER storm and 600 dial-ins. They need one digest
// user per call, and sipp 3.6.1 (Debian 12) does not take the
// [authentication] keyword's username from an injection file (its
// "[authentication username=[field0] …]" comes out broken: tried). Media
// are not part of this benchmark (SIP media are not taken in yet).
//   node tests/bench/sip.mjs [--sites 600]

import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { api, login, startServer } from '../lib/server.mjs';
import { freeUdpPorts } from '../lib/media.mjs';
import { freeSipPort, runSipp, uasScenario } from '../lib/sipp.mjs';
import { cpuDuring, fmt, memory, percentile, printTable, sleep, verdict } from './common.mjs';

const { values: opt } = parseArgs({
  options: {
    sites: { type: 'string', default: '600' },
  },
});
const N = Number(opt.sites);

const work = await fs.mkdtemp(path.join(os.tmpdir(), 'roomctl-bench-sip-'));
const sipPort = await freeSipPort();
const srv = await startServer({
  args: ['--demo'],
  config: { media: { enabled: 'false', rtsp_port: 0 }, sip: { port: sipPort } },
});
try {
  const admin = await login(srv.base, 'admin', 'admin123');
  const sites = (await api(srv.base, admin, 'GET', '/api/v1/sites')).sites.slice(0, N);
  const uasPort = await freeUdpPorts(4);
  console.log(`sip bench: ${new Date().toISOString()}, ${sites.length} sites, load average ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}`);
  for (const s of sites) {
    await api(srv.base, admin, 'PATCH', `/api/v1/sites/${s.id}`, {
      transport: 'sip', address: `sip:${s.code.toLowerCase()}@127.0.0.1:${uasPort}`, srtp: 'required',
    });
  }
  await api(srv.base, admin, 'PUT', '/api/v1/sessions/1/sites', { site_ids: sites.map((s) => s.id) });
  const pid = srv.proc.pid;
  const calls = async () => (await api(srv.base, admin, 'GET', '/api/v1/sessions/1/sip/calls')).calls;

  // ---- 1. dial-out
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
  await fs.rm(work, { recursive: true, force: true });
}
