// Benchmark `scope`: what the organisations' scope costs a request. 30 units
// under the province, 300 sessions spread over them (every fifth invites
// unit 1), and one caller of each kind asks for the same things:
//   - a province admin (no scope to check: the baseline),
//   - a unit's secretariat with include_children (its sessions: in scope),
//   - another unit's secretariat (a session that invites it: read only),
//   - a delegate of the session (a member);
// each GET /api/v1/sessions/{id}/agenda 2,000 times one after another, and
// GET /api/v1/sessions (the list, filtered row by row) 200 times. Latency is
// measured at the client over one keep-alive connection; the controller's
// CPU from /proc.
//   node tests/bench/scope.mjs [--requests 2000] [--binary PATH]

import http from 'node:http';
import { parseArgs } from 'node:util';
import { ADMIN_PASSWORD, api, login, startServer } from '../lib/server.mjs';
import { cpuDuring, fmt, percentile, printTable, verdict } from './common.mjs';

const { values: opt } = parseArgs({
  options: { requests: { type: 'string', default: '2000' }, binary: { type: 'string' } },
});
const N = Number(opt.requests);
const UNITS = 30;
const SESSIONS = 300;

const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });

/** One GET over the keep-alive agent: its time in ms (the status must be 200). */
function get(base, token, path) {
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const req = http.get(`${base}${path}`, { agent, headers: { Authorization: `Bearer ${token}` } }, (res) => {
      res.resume();
      res.on('end', () => (res.statusCode === 200 ? resolve(performance.now() - t0)
        : reject(new Error(`${path}: ${res.statusCode}`))));
    });
    req.on('error', reject);
  });
}

async function series(srv, token, path, n) {
  const times = [];
  const { cores } = await cpuDuring(srv.proc.pid, async () => {
    for (let i = 0; i < n; i++) times.push(await get(srv.base, token, path));
  });
  return { p50: percentile(times, 50), p99: percentile(times, 99), perSecond: n / (times.reduce((a, b) => a + b, 0) / 1000), cores };
}

const srv = await startServer({ binary: opt.binary, config: { media: { enabled: 'false' } } });
try {
  const admin = await login(srv.base, 'admin', ADMIN_PASSWORD);
  const units = [];
  for (let i = 0; i < UNITS; i++) {
    const o = await api(srv.base, admin, 'POST', '/api/v1/organisations',
      { code: `SO-${i}`, name: `Sở ${i}`, kind: 'department', parent_id: 1 });
    units.push(o.id);
  }
  const user = async (username, role, organisation_id) => {
    await api(srv.base, admin, 'POST', '/api/v1/users',
      { username, full_name: username, role, password: 'matkhau123', organisation_id, include_children: true });
    return { id: (await api(srv.base, admin, 'GET', '/api/v1/users')).users.find((u) => u.username === username).id,
      token: await login(srv.base, username, 'matkhau123') };
  };
  const own = await user('thuky.a', 'secretariat', units[0]);
  const guest = await user('thuky.b', 'secretariat', units[1]);
  const member = await user('daibieu.a', 'delegate', units[0]);
  let target = 0, invited = 0;
  for (let i = 0; i < SESSIONS; i++) {
    const unit = units[i % UNITS];
    const s = await api(srv.base, admin, 'POST', '/api/v1/sessions',
      { title: `Phiên ${i}`, starts_at: '2026-12-07T01:00:00Z', ends_at: '2026-12-07T03:00:00Z', organisation_id: unit });
    for (let k = 0; k < 3; k++) await api(srv.base, admin, 'POST', `/api/v1/sessions/${s.id}/agenda`, { title: `Mục ${k}` });
    if (i % 5 === 0) await api(srv.base, admin, 'PUT', `/api/v1/sessions/${s.id}/organisations`, { organisation_ids: [units[1]] });
    if (i === 0) {
      target = s.id;
      await api(srv.base, admin, 'PUT', `/api/v1/sessions/${s.id}/delegates`, { user_ids: [member.id] });
    }
    if (i === 5) invited = s.id;
  }
  const callers = [
    ['province admin (baseline)', admin, target],
    ['unit secretariat, its own', own.token, target],
    ['unit secretariat, invited', guest.token, invited],
    ['delegate, a member', member.token, target],
  ];
  // Warm up (connections, caches, the JIT of this client) before anything is timed.
  for (const [, token, sid] of callers) await series(srv, token, `/api/v1/sessions/${sid}/agenda`, 300);
  const rows = [];
  const base = {};
  for (const [who, token, sid] of callers) {
    const a = await series(srv, token, `/api/v1/sessions/${sid}/agenda`, N);
    const l = await series(srv, token, '/api/v1/sessions', Math.max(20, N / 10));
    if (!base.a) Object.assign(base, { a, l });
    rows.push([`agenda p50 / p99, ${who}`, `${fmt(a.p50, 2)} / ${fmt(a.p99, 2)} ms`, '', '']);
    const cpu = (x) => (x.cores / x.perSecond) * 1e6; // the controller's CPU µs per request
    rows.push([`agenda requests/s (controller cores), ${who}`, `${fmt(a.perSecond, 0)} (${fmt(a.cores, 2)})`, '', '']);
    rows.push([`agenda controller CPU per request, ${who}`, `${fmt(cpu(a), 0)} µs`, '', '']);
    rows.push([`list of ${SESSIONS} p50 / p99, ${who}`, `${fmt(l.p50, 2)} / ${fmt(l.p99, 2)} ms`, '', '']);
    if (who !== callers[0][0]) {
      const ratio = a.p50 / base.a.p50;
      rows.push([`agenda p50 against the admin's, ${who}`, `${fmt(ratio, 2)} ×`, '≤ 1.5 ×', verdict(ratio <= 1.5)]);
      const cpuRatio = cpu(a) / cpu(base.a);
      rows.push([`agenda CPU per request against the admin's, ${who}`, `${fmt(cpuRatio, 2)} ×`, '≤ 1.5 ×',
        verdict(cpuRatio <= 1.5)]);
      rows.push([`list p50, ${who}`, `${fmt(l.p50, 2)} ms`, '≤ 20 ms', verdict(l.p50 <= 20)]);
    }
  }
  printTable(`scope: ${UNITS} units, ${SESSIONS} sessions, ${N} agenda requests per caller, one connection`, rows);
} finally {
  agent.destroy();
  await srv.stop();
}
