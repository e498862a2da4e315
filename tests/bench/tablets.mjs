// Benchmark `tablets`: N WebSocket tablets (default 600) on one roomctl.
// Page-turn fan-out latency, vote open → every tablet notified, N secret
// ballots cast within one second → each acknowledged as received, then as
// sealed (on disk, in a group of at least [votes] secret_group; the last
// groups at the close), close → results everywhere; 0 ballots lost;
// controller CPU and memory.
//   node tests/bench/tablets.mjs [--tablets 600] [--turns 50]
// Latencies are measured in this one node process (send → receive), so they
// include the time node takes to read 600 sockets.

import { parseArgs } from 'node:util';
import WebSocket from 'ws';
import { api, login, startServer } from '../lib/server.mjs';
import { cpuSeconds, fmt, memory, percentile, printTable, sleep, verdict } from './common.mjs';

const { values: opt } = parseArgs({ options: { tablets: { type: 'string', default: '600' }, turns: { type: 'string', default: '50' } } });
const N = Number(opt.tablets);
const TURNS = Number(opt.turns);
const now = () => performance.now();

/** A bare tablet: one socket, replies matched by id, a hook per event type. */
class Tablet {
  constructor(url) {
    this.ws = new WebSocket(url, 'roomctl.v1');
    this.next = 1;
    this.waiting = new Map();
    this.on = {};
    this.ws.on('message', (data) => {
      const t = now();
      const m = JSON.parse(data);
      if ((m.type === 'ack' || m.type === 'error') && this.waiting.has(m.id)) {
        const w = this.waiting.get(m.id);
        this.waiting.delete(m.id);
        (m.type === 'ack' ? w.resolve : w.reject)({ ...m, at: t });
      } else if (this.on[m.type]) {
        this.on[m.type](m, t);
      }
    });
  }
  open() { return new Promise((res, rej) => { this.ws.once('open', res); this.ws.once('error', rej); }); }
  request(type, body) {
    const id = this.next++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      this.ws.send(JSON.stringify({ type, id, body }));
    });
  }
}

async function inBatches(items, size, fn) {
  const out = [];
  for (let i = 0; i < items.length; i += size) out.push(...await Promise.all(items.slice(i, i + size).map(fn)));
  return out;
}

const srv = await startServer({
  args: ['--demo', '--listen', '127.0.0.1'],
  config: { ws: { rate_per_second: 1000, rate_burst: 1000 } },
});
try {
  const admin = await login(srv.base, 'admin', 'admin123');
  const names = Array.from({ length: N }, (_, i) => `bench${String(i).padStart(4, '0')}`);
  const ids = await inBatches(names, 20, (u) => api(srv.base, admin, 'POST', '/api/v1/users',
    { username: u, full_name: `Đại biểu ${u}`, role: 'delegate', password: '123456' }).then((r) => r.id));
  await api(srv.base, admin, 'PUT', '/api/v1/sessions/1/delegates', { user_ids: ids });
  await api(srv.base, admin, 'POST', '/api/v1/sessions/1/start');
  const tokens = await inBatches(names, 20, (u) => login(srv.base, u, '123456'));
  const url = `ws://127.0.0.1:${srv.port}/ws`;
  const tablets = await inBatches(tokens, 50, async (token) => {
    const t = new Tablet(url);
    await t.open();
    await t.request('auth', { token });
    const snapshot = new Promise((r) => { t.on.snapshot = r; });
    await t.request('subscribe', { session_id: 1 });
    await snapshot;
    await t.request('checkin', { session_id: 1 });
    return t;
  });
  const chair = new Tablet(url);
  await chair.open();
  await chair.request('auth', { token: await login(srv.base, 'chutoa', 'chutoa123') });
  await chair.request('subscribe', { session_id: 1 });
  const pid = srv.proc.pid;
  const cpu0 = cpuSeconds(pid);
  const t0 = now();

  // Page turns: the chair presents page p; every tablet must see it.
  const turnLatency = [];
  for (let p = 1; p <= TURNS; p++) {
    const page = (p % 7) + 1;
    let sent = 0;
    const seen = Promise.all(tablets.map((t) => new Promise((r) => {
      t.on['presentation.updated'] = (m, at) => { if (m.body.page === page) { turnLatency.push(at - sent); r(); } };
    })));
    sent = now();
    await chair.request('present', { session_id: 1, document_id: 2, page });
    await Promise.race([seen, sleep(5000)]);
    await sleep(50);
  }

  // Vote: open → every tablet; N ballots within one second; close → results everywhere.
  const openLatency = [];
  let openSent = 0;
  const opened = Promise.all(tablets.map((t) => new Promise((r) => {
    t.on['vote.opened'] = (m, at) => { openLatency.push(at - openSent); t.voteId = m.body.vote.id; r(); };
  })));
  openSent = now();
  await chair.request('vote.open', { session_id: 1, question: 'Thông qua nghị quyết (bench)?', secret: true });
  await Promise.race([opened, sleep(10000)]);
  const ackLatency = [];
  const sealLatency = [];    // sealed before the close
  const sealedAtClose = [];  // tablets whose group was sealed by the close
  let acked = 0;
  let sealed = 0;
  let refused = 0;
  let closeSent = 0;
  const castStart = now();
  await Promise.all(tablets.map(async (t, i) => {
    await sleep((i * 1000) / N);
    const sent = now();
    t.on['ballot.sealed'] = (m, at) => {
      sealed++;
      if (closeSent) sealedAtClose.push(at - closeSent);
      else sealLatency.push(at - sent);
    };
    try {
      const a = await t.request('vote.cast', { vote_id: t.voteId, option: i % 3, ballot_key: `bench-ballot-${i}-xyz` });
      ackLatency.push(a.at - sent);
      if (a.body.state === 'received') acked++;
    } catch {
      refused++;
    }
  }));
  const castSeconds = (now() - castStart) / 1000;
  await sleep(200);
  const closeLatency = [];
  let result = null;
  const closed = Promise.all(tablets.map((t) => new Promise((r) => {
    t.on['vote.closed'] = (m, at) => { closeLatency.push(at - closeSent); result = m.body.vote.result; r(); };
  })));
  closeSent = now();
  await chair.request('vote.close', { vote_id: tablets[0].voteId });
  await Promise.race([closed, sleep(10000)]);
  await sleep(200);
  const seconds = (now() - t0) / 1000;
  const cores = (cpuSeconds(pid) - cpu0) / seconds;
  const mem = memory(pid);
  const cast = result ? result.cast : 0;
  const p = (a, q) => fmt(percentile(a, q));
  printTable(`tablets: ${N} WebSocket tablets, ${TURNS} page turns, one secret vote`, [
    ['page turn → tablet, p50 (ms)', p(turnLatency, 50), '', ''],
    ['page turn → tablet, p99 (ms)', p(turnLatency, 99), '<= 30', verdict(percentile(turnLatency, 99) <= 30)],
    ['page turns delivered', `${turnLatency.length}/${N * TURNS}`, '', verdict(turnLatency.length === N * TURNS)],
    ['vote open → tablet, p50 (ms)', p(openLatency, 50), '', ''],
    ['vote open → tablet, p99 (ms)', p(openLatency, 99), '', ''],
    [`${N} ballots cast over (s)`, fmt(castSeconds, 2), '~1', ''],
    ['ballot → received ack, p50 (ms)', p(ackLatency, 50), '', ''],
    ['ballot → received ack, p99 (ms)', p(ackLatency, 99), '<= 100', verdict(percentile(ackLatency, 99) <= 100)],
    ['ballot → sealed before the close, p50 / p99 (ms)', `${p(sealLatency, 50)} / ${p(sealLatency, 99)}`, '', ''],
    ['sealed before / by the close', `${sealLatency.length} / ${sealedAtClose.length}`, '', ''],
    ['close → last sealed on tablet, p99 (ms)', p(sealedAtClose, 99), '', ''],
    ['ballots received / sealed / counted', `${acked} / ${sealed} / ${cast}`, `${N} / ${N} / ${N}`,
      verdict(acked === N && sealed === N && cast === N && refused === 0)],
    ['close → results on tablet, p99 (ms)', p(closeLatency, 99), '', ''],
    ['controller CPU (cores, whole run)', fmt(cores, 2), '', ''],
    ['controller RSS / peak (MiB)', `${fmt(mem.rssMiB)} / ${fmt(mem.hwmMiB)}`, '', ''],
    ['controller threads', mem.threads, '', ''],
  ]);
  for (const t of tablets) t.ws.close();
  chair.ws.close();
} finally {
  await srv.stop();
}
