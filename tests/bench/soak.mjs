// Benchmark `soak`: one live session held for --minutes (10) with --sites
// (600) simulated sites (roomctl-sim, nice 10) and --tablets (600) delegates
// checked in over WebSocket. Meanwhile the chair turns a page every 3 s,
// opens a vote each minute (open and secret in turn; every tablet votes, then
// the chair closes it), the floor changes every 10 s (a delegate asks to
// speak and is granted the floor, or the chair gives the program to a site),
// tablets save private notes, and every 30 s 5 % of the sites fail for 15 s
// (disconnected, or 20 % packet loss). A technician's dashboard follows the
// session's health.
//
// Targets: the controller's RSS stays within ±5 % of its value at one minute;
// no error (a WebSocket error reply, a request without an answer, a failed
// REST call, a dropped connection, a CRITICAL/ERROR line of the controller);
// every acknowledged fact is there at the end, read back over REST: each
// check-in, each ballot in its vote's stored result, each vote closed, each
// floor grant in the speakers log, each site given the floor in the floor
// log, the last page presented, each note, and the audit rows of votes and
// floor; after the stop, the audit log's hash chain (--verify-audit).
//
// The load generator is one node process on the same cores as the daemon:
// tablets are idle but for what the meeting asks of them, and requests are
// spread out, so that the daemon is measured rather than starved.
//   node tests/bench/soak.mjs [--minutes 10] [--sites 600] [--tablets 600] [--binary build/roomctl] [--sim-nice 10]
// Exit status 1 if the run could not be done or an acknowledged fact is
// missing (as bench crash); a missed RSS or error target is printed MISSED.

import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import WebSocket from 'ws';
import { api, DEFAULT_BINARY, freePort, login, REPO_ROOT, startServer } from '../lib/server.mjs';
import { freeUdpPorts } from '../lib/media.mjs';
import { startSim } from '../lib/sim.mjs';
import { cpuSeconds, fmt, memory, percentile, printTable, sleep, verdict, plainCodes } from './common.mjs';

const { values: opt } = parseArgs({
  options: {
    minutes: { type: 'string', default: '10' },
    sites: { type: 'string', default: '600' },
    tablets: { type: 'string', default: '600' },
    binary: { type: 'string', default: DEFAULT_BINARY },
    'sim-nice': { type: 'string', default: '10' },
  },
});
const MINUTES = Number(opt.minutes);
const SITES = Number(opt.sites);
const N = Number(opt.tablets);
const SESSION = 1; // the demo's session
const PAGE_MS = 3000;
const FLOOR_MS = 10000;
const NOTE_MS = 2000, NOTES_PER_TICK = 3;
const FAULT_EVERY_MS = 30000, FAULT_FOR_MS = 15000, FAULT_SHARE = 0.05;
const VOTE_OFFSET_MS = 20000, CAST_SPREAD_MS = 5000;
const SAMPLE_MS = 5000;
const REQUEST_MS = 15000; // a request unanswered this long counts as an error
const RSS_BAND = 0.05;
const now = () => performance.now();

/* ---- what went wrong, counted ---- */

const errors = { wsError: 0, timeout: 0, rest: 0, disconnect: 0, sim: 0, logError: 0 };
const examples = [];
function fault(kind, what) {
  errors[kind]++;
  if (examples.length < 12) examples.push(`${kind}: ${what}`.slice(0, 300));
}
const logWarnings = [];
let logWarningCount = 0;

/** A REST call that counts its failure (and rethrows). */
async function rest(base, token, method, urlPath, body) {
  try {
    return await api(base, token, method, urlPath, body);
  } catch (e) {
    fault('rest', `${method} ${urlPath}: ${e.message}`);
    throw e;
  }
}

/* ---- a lean WebSocket peer: keeps no log of what it receives ---- */

class Peer {
  constructor(url, name) {
    this.name = name;
    this.ws = new WebSocket(url, 'roomctl.v1', { handshakeTimeout: REQUEST_MS });
    this.next = 1;
    this.waiting = new Map();
    this.on = {};
    this.closing = false;
    this.ws.on('message', (data) => this.onMessage(data));
    this.ws.on('error', () => { /* reported through close */ });
    this.ws.on('close', (code) => {
      if (!this.closing) fault('disconnect', `${this.name} closed (${code})`);
      for (const w of this.waiting.values()) { clearTimeout(w.timer); w.reject(new Error('closed')); }
      this.waiting.clear();
    });
  }

  static async connect(url, name, token) {
    const p = new Peer(url, name);
    await new Promise((resolve, reject) => { p.ws.once('open', resolve); p.ws.once('error', reject); });
    p.user = (await p.request('auth', { token })).user;
    return p;
  }

  onMessage(data) {
    const at = now();
    const m = JSON.parse(data);
    if ((m.type === 'ack' || m.type === 'error') && this.waiting.has(m.id)) {
      const w = this.waiting.get(m.id);
      this.waiting.delete(m.id);
      clearTimeout(w.timer);
      if (m.type === 'ack') w.resolve({ ...m.body, at });
      else {
        fault('wsError', `${this.name} ${w.type}: ${JSON.stringify(m.body)}`);
        w.reject(new Error(`${w.type}: error ${m.body && m.body.code}`));
      }
    } else if (m.type === 'error') {
      fault('wsError', `${this.name} (no request): ${JSON.stringify(m.body)}`);
    } else if (this.on[m.type]) {
      this.on[m.type](m, at);
    }
  }

  /** Resolves with the ack body (plus .at, when it arrived); rejects on an
   *  error reply or after REQUEST_MS, both counted. */
  request(type, body) {
    const id = this.next++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(id);
        fault('timeout', `${this.name} ${type}: no answer in ${REQUEST_MS} ms`);
        reject(new Error(`${type}: timeout`));
      }, REQUEST_MS);
      this.waiting.set(id, { resolve, reject, timer, type });
      this.ws.send(JSON.stringify({ type, id, body }));
    });
  }

  close() {
    this.closing = true;
    this.ws.terminate();
  }
}

async function inBatches(items, size, fn) {
  const out = [];
  for (let i = 0; i < items.length; i += size) out.push(...await Promise.all(items.slice(i, i + size).map(fn)));
  return out;
}

/** Resolves once @test() holds (checked every 500 ms); false after @ms. */
async function until(test, ms) {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (test()) return true;
    await sleep(500);
  }
  return test();
}

function dataBytes(dir) {
  let sum = 0;
  for (const f of fs.readdirSync(dir)) if (/\.db/.test(f)) sum += fs.statSync(path.join(dir, f)).size;
  return sum;
}

/* ---- set-up: the session, its sites and delegates, the sim, the tablets ---- */

const media = await freeUdpPorts(4);
const ports = { video: media, audio: media + 2 };
const srv = await startServer({
  binary: opt.binary,
  args: ['--demo', '--listen', '127.0.0.1'],
  config: { media: { video_port: ports.video, audio_port: ports.audio, rtsp_port: await freePort() } },
  keep: true, // the audit chain is verified after the stop
  timeoutMs: 30000,
});
const pid = srv.proc.pid;
let tail = '';
srv.proc.stderr.on('data', (d) => {
  const lines = (tail + d).split('\n');
  tail = lines.pop();
  for (const l of lines) {
    if (/(CRITICAL|ERROR) \*\*/.test(l)) fault('logError', l);
    else if (/WARNING \*\*/.test(l) && logWarningCount++ < 5) logWarnings.push(l.slice(0, 300));
  }
});

let sim = null, tech = null, chair = null;
const tablets = [];
let cleaned = false;
async function cleanup() {
  if (cleaned) return;
  cleaned = true;
  for (const t of tablets) t.peer?.close();
  tech?.close();
  chair?.close();
  if (sim) await sim.stop();
  await srv.stop();
}
for (const sig of ['SIGINT', 'SIGTERM'])
  process.on(sig, () => { cleanup().finally(() => { fs.rmSync(srv.dataDir, { recursive: true, force: true }); process.exit(1); }); });

const ledger = {
  checkins: new Set(), turns: 0, lastPage: null, votes: [], grants: [], requests: 0, speakEnds: 0,
  floorSites: [], notes: new Map(), notesAcked: 0, faultRounds: [],
};
let exitCode = 0;
try {
  const url = `ws://127.0.0.1:${srv.port}/ws`;
  const admin = await login(srv.base, 'admin', 'admin123');
  const allSites = (await rest(srv.base, admin, 'GET', '/api/v1/sites')).sites;
  const codes = plainCodes(SITES);
  const sites = codes.map((code) => ({ code, id: allSites.find((s) => s.code === code).id }));
  const names = Array.from({ length: N }, (_, i) => `soak${String(i).padStart(4, '0')}`);
  const ids = await inBatches(names, 20, (u) => rest(srv.base, admin, 'POST', '/api/v1/users',
    { username: u, full_name: `Đại biểu ${u}`, role: 'delegate', password: '123456' }).then((r) => r.id));
  await rest(srv.base, admin, 'PUT', `/api/v1/sessions/${SESSION}/delegates`, { user_ids: ids });
  await rest(srv.base, admin, 'PUT', `/api/v1/sessions/${SESSION}/sites`, { site_ids: sites.map((s) => s.id) });
  await rest(srv.base, admin, 'POST', `/api/v1/sessions/${SESSION}/start`);
  const docs = [];
  const walk = (items) => { for (const it of items || []) { docs.push(...(it.documents || [])); walk(it.children); } };
  walk((await rest(srv.base, admin, 'GET', `/api/v1/sessions/${SESSION}/agenda`)).agenda);
  const pages = docs.flatMap((d) => Array.from({ length: d.pages }, (_, i) => ({ doc: d.id, page: i + 1 })));
  if (pages.length < 2) throw new Error('the demo session has fewer than two pages to turn');

  tech = await Peer.connect(url, 'technician', await login(srv.base, 'kythuat', 'kythuat123'));
  let counts = {};
  tech.on['health.tick'] = (m) => { counts = m.body.counts; };
  await tech.request('subscribe.health', { session_id: SESSION });
  const heard = () => (counts.online || 0) + (counts.degraded || 0);
  const setup0 = now();
  sim = await startSim(ports, { codes }, [], { nice: Number(opt['sim-nice']) });
  if (!await until(() => heard() >= SITES, 120000)) throw new Error(`only ${heard()} of ${SITES} sites heard after 120 s`);
  console.log(`soak: ${SITES} sites heard after ${fmt((now() - setup0) / 1000)} s`);

  const tokens = await inBatches(names, 20, (u) => login(srv.base, u, '123456'));
  await inBatches(tokens.map((token, i) => ({ token, id: ids[i], name: names[i] })), 50, async (t) => {
    t.peer = await Peer.connect(url, t.name, t.token);
    const snapshot = new Promise((resolve) => { t.peer.on.snapshot = resolve; });
    await t.peer.request('subscribe', { session_id: SESSION });
    await Promise.race([snapshot, sleep(REQUEST_MS)]);
    await t.peer.request('checkin', { session_id: SESSION });
    ledger.checkins.add(t.id);
    tablets.push(t);
  });
  chair = await Peer.connect(url, 'chair', await login(srv.base, 'chutoa', 'chutoa123'));
  await chair.request('subscribe', { session_id: SESSION });
  console.log(`soak: ${tablets.length} tablets checked in after ${fmt((now() - setup0) / 1000)} s; soaking ${MINUTES} min`);

  // Baselines: what the session's logs held before the soak.
  const auditStart = Math.max(0, ...(await rest(srv.base, admin, 'GET', '/api/v1/audit?limit=1')).audit.map((r) => r.id));
  const floorStart = (await rest(srv.base, admin, 'GET', `/api/v1/sessions/${SESSION}/floor`)).floor.length;
  const speakersStart = (await rest(srv.base, admin, 'GET', `/api/v1/sessions/${SESSION}/speakers`)).speakers.length;

  /* ---- the soak ---- */

  const t0 = now();
  const end = t0 + MINUTES * 60000;
  const minute = () => Math.min(MINUTES, Math.floor((now() - t0) / 60000));
  const perMinute = Array.from({ length: MINUTES + 1 }, () => ({ turn: [], ballot: [] }));
  const pause = (ms) => sleep(Math.max(0, Math.min(ms, end - now())));
  const at = (t) => pause(t0 + t - now());
  const pick = (list, not = () => false) => {
    for (let i = 0; i < 100; i++) { const x = list[Math.floor(Math.random() * list.length)]; if (!not(x)) return x; }
    return list[0];
  };
  const faulted = new Set();
  const samples = [];
  let dataAt1 = NaN;

  let presented = null; // the page being turned to: {doc, page, sent}
  let turnsSeen = 0;
  for (const t of tablets) {
    t.peer.on['presentation.updated'] = (m, when) => {
      turnsSeen++;
      if (presented && m.body.document_id === presented.doc && m.body.page === presented.page)
        perMinute[minute()].turn.push(when - presented.sent);
    };
    t.peer.on['ballot.sealed'] = (m) => {
      const v = ledger.votes.find((x) => x.id === m.body.vote_id);
      if (v) v.sealed++;
    };
  }

  const sampler = (async () => {
    let c0 = cpuSeconds(pid), w0 = now();
    for (let k = 0; now() < end + 1000; k++) {
      const mem = memory(pid), c = cpuSeconds(pid), w = now();
      samples.push({ s: (w - t0) / 1000, rss: mem.rssMiB, hwm: mem.hwmMiB, threads: mem.threads, cores: k ? (c - c0) / ((w - w0) / 1000) : NaN });
      if (Number.isNaN(dataAt1) && w - t0 >= 60000) dataAt1 = dataBytes(srv.dataDir);
      if (k > 0 && k % (60000 / SAMPLE_MS) === 0) // a sign of life on a long run
        console.log(`soak: minute ${k / (60000 / SAMPLE_MS)}: RSS ${fmt(mem.rssMiB)} MiB, ${mem.threads} threads, ` +
          `${Object.values(errors).reduce((a, b) => a + b, 0)} errors so far`);
      [c0, w0] = [c, w];
      await sleep(Math.max(0, t0 + (k + 1) * SAMPLE_MS - now()));
    }
  })();

  const pageTurns = (async () => {
    for (let k = 0; now() < end; k++) {
      const p = pages[k % pages.length];
      presented = { ...p, sent: now() };
      try {
        const ack = await chair.request('present', { session_id: SESSION, document_id: p.doc, page: p.page });
        ledger.turns++;
        ledger.lastPage = { doc: ack.document_id, page: ack.page };
      } catch { /* counted */ }
      await at((k + 1) * PAGE_MS);
    }
  })();

  const votes = (async () => {
    for (let m = 0; VOTE_OFFSET_MS + m * 60000 + 30000 <= MINUTES * 60000; m++) {
      await at(VOTE_OFFSET_MS + m * 60000);
      const secret = m % 2 === 1;
      let v;
      try {
        const ack = await chair.request('vote.open', { session_id: SESSION, question: `Biểu quyết thử ${m + 1} (soak)`, secret });
        v = { id: ack.vote.id, secret, ballots: new Map(), sealed: 0, result: null };
        ledger.votes.push(v);
      } catch { continue; }
      await Promise.all(tablets.map(async (t, i) => {
        await sleep((i * CAST_SPREAD_MS) / tablets.length);
        const option = (i + m) % 3;
        const sent = now();
        try {
          const a = await t.peer.request('vote.cast', { vote_id: v.id, option, ballot_key: `soak-${v.id}-${t.id}` });
          perMinute[minute()].ballot.push(a.at - sent);
          if (a.state === (secret ? 'received' : 'recorded')) v.ballots.set(t.id, option);
        } catch { /* counted */ }
      }));
      await sleep(1000);
      try {
        v.result = (await chair.request('vote.close', { vote_id: v.id })).vote.result;
      } catch { /* counted */ }
    }
  })();

  const floor = (async () => {
    let speaker = 0, site = 0;
    for (let k = 0; now() < end; k++) {
      await at(5000 + k * FLOOR_MS);
      if (now() >= end) break;
      try {
        if (k % 2 === 0) {
          const t = pick(tablets, (x) => x.id === speaker);
          await t.peer.request('speak.request', { session_id: SESSION });
          ledger.requests++;
          await chair.request('speak.grant', { session_id: SESSION, user_id: t.id });
          ledger.grants.push(t.id);
          speaker = t.id;
        } else {
          const s = pick(sites, (x) => x.id === site || faulted.has(x.code));
          await chair.request('floor.site', { session_id: SESSION, site_id: s.id });
          ledger.floorSites.push(s.id);
          site = s.id;
        }
      } catch { /* counted */ }
    }
  })();

  const notes = (async () => {
    let seq = 0;
    while (now() < end) {
      await Promise.all(Array.from({ length: NOTES_PER_TICK }, async () => {
        const t = pick(tablets);
        const p = pick(pages);
        const text = `Ghi chú ${++seq} của ${t.name}: trang ${p.page}`;
        try {
          await t.peer.request('note.save', { document_id: p.doc, page: p.page, text });
          if (!ledger.notes.has(t.id)) ledger.notes.set(t.id, new Map());
          ledger.notes.get(t.id).set(`${p.doc}:${p.page}`, text);
          ledger.notesAcked++;
        } catch { /* counted */ }
      }));
      await pause(NOTE_MS);
    }
  })();

  const simCmd = async (o) => {
    try {
      const r = await sim.cmd(o);
      if (!r.ok) fault('sim', `${JSON.stringify(o)}: ${r.error}`);
    } catch (e) { fault('sim', e.message); }
  };
  const faults = (async () => {
    const k = Math.max(1, Math.round(SITES * FAULT_SHARE));
    for (let r = 0; 25000 + r * FAULT_EVERY_MS + FAULT_FOR_MS + 30000 <= MINUTES * 60000; r++) {
      await at(25000 + r * FAULT_EVERY_MS);
      const disconnect = r % 2 === 0;
      const chosen = [];
      while (chosen.length < k) {
        const s = pick(sites, (x) => chosen.includes(x) || x.id === ledger.floorSites.at(-1));
        if (chosen.includes(s)) break;
        chosen.push(s);
      }
      for (const s of chosen) {
        faulted.add(s.code);
        await simCmd(disconnect ? { cmd: 'fault', site: s.code, disconnect: true } : { cmd: 'fault', site: s.code, loss: 20 });
      }
      // The dashboard sees them fail (offline, or degraded by the loss).
      const round = { disconnect, sites: chosen.length, seen: 0 };
      const t1 = now();
      while (now() - t1 < FAULT_FOR_MS) {
        round.seen = Math.max(round.seen, disconnect ? counts.offline || 0 : counts.degraded || 0);
        await sleep(500);
      }
      for (const s of chosen) {
        await simCmd(disconnect ? { cmd: 'fault', site: s.code, disconnect: false } : { cmd: 'fault', site: s.code, loss: 0 });
        faulted.delete(s.code);
      }
      ledger.faultRounds.push(round);
    }
  })();

  await Promise.all([pageTurns, votes, floor, notes, faults, sampler]);
  const soakSeconds = (now() - t0) / 1000;

  /* ---- the end: everything settles, then every acknowledged fact is read back ---- */

  const backMs = now();
  const back = await until(() => heard() >= SITES, 60000);
  const backSeconds = (now() - backMs) / 1000;
  await sleep(2000); // the last events reach every tablet
  try {
    await chair.request('speak.end', { session_id: SESSION });
    ledger.speakEnds++;
  } catch { /* counted */ }
  const mem = memory(pid);
  const dataEnd = dataBytes(srv.dataDir);

  const lost = []; // one line per missing or wrong fact
  const check = (ok, what) => { if (!ok && lost.length < 1000) lost.push(what); return ok; };
  const get = (p, token = admin) => rest(srv.base, token, 'GET', p);

  const att = await get(`/api/v1/sessions/${SESSION}/attendance`);
  const present = new Set(att.delegates.filter((d) => d.status === 'present').map((d) => d.user_id));
  let checkinsOk = 0;
  for (const id of ledger.checkins) checkinsOk += check(present.has(id), `check-in of user ${id}`);

  const stored = new Map((await get(`/api/v1/sessions/${SESSION}/votes`)).votes.map((v) => [v.id, v]));
  let ballotsAcked = 0, ballotsOk = 0, votesOk = 0, sealedAcked = 0, sealedSeen = 0;
  for (const v of ledger.votes) {
    const s = stored.get(v.id);
    const r = s && s.result;
    ballotsAcked += v.ballots.size;
    if (v.secret) { sealedAcked += v.ballots.size; sealedSeen += v.sealed; }
    if (!check(s && s.status === 'closed' && r && v.result, `vote ${v.id}: closed with a result (stored ${s && s.status})`)) continue;
    const want = [0, 0, 0];
    for (const o of v.ballots.values()) want[o]++;
    const countsOk = check(r.cast === v.ballots.size && want.every((n, i) => r.counts[i] === n),
      `vote ${v.id}: stored ${r.cast} cast ${JSON.stringify(r.counts)}, acknowledged ${v.ballots.size} ${JSON.stringify(want)}`);
    check(JSON.stringify(r) === JSON.stringify(v.result), `vote ${v.id}: the stored result is the one the close acknowledged`);
    votesOk += countsOk;
    if (v.secret) {
      ballotsOk += countsOk ? v.ballots.size : 0;
    } else {
      const named = new Map((r.ballots || []).map((b) => [b.user_id, b.option]));
      for (const [uid, o] of v.ballots) ballotsOk += check(named.get(uid) === o, `vote ${v.id}: user ${uid}'s ballot ${o}, stored ${named.get(uid)}`);
    }
  }

  const turns = (await get(`/api/v1/sessions/${SESSION}/speakers`)).speakers.slice(speakersStart).map((s) => s.user_id);
  const grantsOk = check(JSON.stringify(turns) === JSON.stringify(ledger.grants),
    `speakers log: ${turns.length} turns, ${ledger.grants.length} grants acknowledged`) ? ledger.grants.length : 0;

  const floorRows = (await get(`/api/v1/sessions/${SESSION}/floor`)).floor.slice(floorStart);
  const floorSitesStored = floorRows.filter((f) => f.site_id).map((f) => f.site_id);
  const floorOk = check(JSON.stringify(floorSitesStored) === JSON.stringify(ledger.floorSites),
    `floor log: ${floorSitesStored.length} sites, ${ledger.floorSites.length} acknowledged`) ? ledger.floorSites.length : 0;

  const detail = await get(`/api/v1/sessions/${SESSION}`);
  const s = detail.session || detail;
  const pageOk = check(ledger.lastPage && s.presented_document_id === ledger.lastPage.doc && s.presented_page === ledger.lastPage.page,
    `presentation: stored ${s.presented_document_id}/${s.presented_page}, last acknowledged ${JSON.stringify(ledger.lastPage)}`);

  let notesChecked = 0, notesOk = 0;
  const byId = new Map(tablets.map((t) => [t.id, t]));
  await inBatches([...ledger.notes], 20, async ([uid, wanted]) => {
    const have = new Map((await get('/api/v1/notes', byId.get(uid).token)).notes.map((n) => [`${n.document_id}:${n.page}`, n.text]));
    for (const [k, text] of wanted) { notesChecked++; notesOk += check(have.get(k) === text, `note ${k} of user ${uid}`); }
  });

  const audit = (await get('/api/v1/audit?limit=10000')).audit.filter((r) => r.id > auditStart);
  const actions = (a) => audit.filter((r) => r.action === a).length;
  const auditWant = { 'vote.open': ledger.votes.length, 'vote.close': ledger.votes.filter((v) => v.result).length,
    'floor.grant': ledger.grants.length, 'floor.site': ledger.floorSites.length + ledger.speakEnds };
  const auditOk = Object.entries(auditWant).every(([a, n]) => check(actions(a) === n, `audit: ${actions(a)} ${a}, ${n} acknowledged`));

  const stopped = srv.proc.exitCode === null;
  await cleanup();
  const chain = await new Promise((resolve) => execFile(opt.binary, ['--verify-audit', '--data-dir', srv.dataDir], { timeout: 60000 },
    (err, stdout, stderr) => resolve({ ok: !err, text: (stdout + stderr).trim() })));
  check(chain.ok, `audit chain: ${chain.text}`);
  check(stopped, 'the controller was running at the end');

  /* ---- report ---- */

  const base = samples.find((x) => x.s >= 60);
  const after = samples.filter((x) => x.s >= 60);
  const rss = after.map((x) => x.rss);
  const lo = Math.min(...rss), hi = Math.max(...rss), last = samples.at(-1);
  const dev = (x) => (base ? (100 * (x - base.rss)) / base.rss : NaN);
  const rssOk = !!base && dev(lo) >= -100 * RSS_BAND && dev(hi) <= 100 * RSS_BAND;
  const errorCount = Object.values(errors).reduce((a, b) => a + b, 0);
  const cores = samples.filter((x) => Number.isFinite(x.cores)).map((x) => x.cores);
  const allTurn = perMinute.flatMap((m) => m.turn), allBallot = perMinute.flatMap((m) => m.ballot);
  const pq = (xs) => (xs.length ? `${fmt(percentile(xs, 50))} / ${fmt(percentile(xs, 99))}` : '-');
  const factsOk = lost.length === 0;
  const rounds = ledger.faultRounds;
  const seen = (d) => rounds.filter((r) => r.disconnect === d && r.seen >= r.sites).length;

  printTable(`soak: ${MINUTES} min, ${SITES} sites, ${tablets.length} tablets in one live session (${opt.binary}, sim nice ${opt['sim-nice']})`, [
    ['controller RSS at 1 min (MiB)', base ? fmt(base.rss) : 'n/a', '', ''],
    ['  min / max after 1 min (MiB)', `${fmt(lo)} / ${fmt(hi)}`, '', ''],
    ['  deviation from 1 min, min / max (%)', `${fmt(dev(lo))} / ${fmt(dev(hi))}`, `±${100 * RSS_BAND}`, verdict(rssOk)],
    ['  last, drift from 1 min', `${fmt(last.rss)} MiB, ${fmt(dev(last.rss), 2)} %`, '', ''],
    ['  at the start / peak (VmHWM)', `${fmt(samples[0].rss)} / ${fmt(mem.hwmMiB)} MiB`, '', ''],
    ['controller threads min / max', `${Math.min(...samples.map((x) => x.threads))} / ${Math.max(...samples.map((x) => x.threads))}`, '', ''],
    ['controller CPU p50 / max of 5 s samples (cores)', `${fmt(percentile(cores, 50), 2)} / ${fmt(Math.max(...cores), 2)}`, '', ''],
    ['database + WAL at 1 min / end (MiB)', `${fmt(dataAt1 / 2 ** 20)} / ${fmt(dataEnd / 2 ** 20)}`, '', ''],
    ['errors: ws error replies / no answer / REST / dropped sockets / sim / log CRITICAL+ERROR',
      `${errors.wsError} / ${errors.timeout} / ${errors.rest} / ${errors.disconnect} / ${errors.sim} / ${errors.logError}`, '0', verdict(errorCount === 0)],
    ['  controller WARNING lines', logWarningCount, '', ''],
    ['page turns acknowledged / seen by the tablets', `${ledger.turns} / ${turnsSeen} of ${ledger.turns * tablets.length}`, 'all',
      verdict(turnsSeen === ledger.turns * tablets.length)],
    ['  page turn → tablet p50 / p99 (ms)', pq(allTurn), '', ''],
    ['votes closed / ballots acknowledged', `${ledger.votes.filter((v) => v.result).length} / ${ballotsAcked}`, `${MINUTES} / ${MINUTES * tablets.length}`,
      verdict(ledger.votes.filter((v) => v.result).length === MINUTES && ballotsAcked === MINUTES * tablets.length)],
    ['  ballot → ack p50 / p99 (ms)', pq(allBallot), '', ''],
    ['  secret ballots received / told sealed', `${sealedAcked} / ${sealedSeen}`, 'all', verdict(sealedAcked === sealedSeen)],
    ['floor grants / sites given the floor', `${ledger.grants.length} / ${ledger.floorSites.length}`, '', ''],
    ['notes saved', ledger.notesAcked, '', ''],
    ['site fault rounds (disconnect / 20 % loss), seen by the dashboard',
      `${rounds.filter((r) => r.disconnect).length} / ${rounds.filter((r) => !r.disconnect).length}, ${seen(true)} / ${seen(false)}`, '', ''],
    ['every site heard again after the last fault', back ? `yes, ${fmt(backSeconds)} s after the soak` : `no: ${heard()} of ${SITES}`, 'yes', verdict(back)],
    ['acknowledged facts read back: check-ins', `${checkinsOk} / ${ledger.checkins.size}`, 'all', verdict(checkinsOk === ledger.checkins.size)],
    ['  votes (result = acknowledged ballots) / ballots', `${votesOk} / ${ledger.votes.length}, ${ballotsOk} / ${ballotsAcked}`, 'all',
      verdict(votesOk === ledger.votes.length && ballotsOk === ballotsAcked)],
    ['  floor grants (speakers log) / floor sites (floor log)', `${grantsOk} / ${ledger.grants.length}, ${floorOk} / ${ledger.floorSites.length}`, 'all',
      verdict(grantsOk === ledger.grants.length && floorOk === ledger.floorSites.length)],
    ['  last page presented / notes', `${pageOk ? 1 : 0} / 1, ${notesOk} / ${notesChecked}`, 'all', verdict(pageOk && notesOk === notesChecked)],
    ['  audit rows (vote.open, vote.close, floor.grant, floor.site) / hash chain', `${auditOk ? 'match' : 'differ'} / ${chain.ok ? 'ok' : 'broken'}`,
      'match / ok', verdict(auditOk && chain.ok)],
    ['acknowledged facts missing', lost.length, '0', verdict(factsOk)],
  ]);
  printTable('soak: by minute (RSS and threads at the minute\'s end; CPU, page turn and ballot ack over the minute)',
    Array.from({ length: MINUTES }, (_, m) => {
      const atEnd = samples.filter((x) => x.s <= (m + 1) * 60 + 0.5).at(-1);
      const c = samples.filter((x) => x.s > m * 60 && x.s <= (m + 1) * 60 + 0.5 && Number.isFinite(x.cores)).map((x) => x.cores);
      return [`minute ${m + 1}`, `RSS ${fmt(atEnd.rss)} MiB, ${atEnd.threads} threads, CPU ${fmt(c.reduce((a, b) => a + b, 0) / c.length, 2)}; ` +
        `turn p99 ${fmt(percentile(perMinute[m].turn, 99))} ms, ballot p99 ${fmt(percentile(perMinute[m].ballot, 99))} ms`, '', ''];
    }));
  for (const e of examples) console.log(`  error ${e}`);
  for (const w of logWarnings) console.log(`  log ${w}`);
  for (const l of lost.slice(0, 20)) console.log(`  missing: ${l}`);
  const ok = rssOk && errorCount === 0 && factsOk;
  console.log(`\nsoak: ${verdict(ok)} — RSS ${rssOk ? 'within' : 'outside'} ±${100 * RSS_BAND} % after 1 min, ${errorCount} errors, ` +
    `${lost.length} acknowledged facts missing; ${fmt(soakSeconds / 60)} min soaked`);
  if (!factsOk) exitCode = 1;
} catch (e) {
  console.error(`soak: the run failed: ${e.stack || e}`);
  exitCode = 1;
} finally {
  await cleanup();
  fs.rmSync(srv.dataDir, { recursive: true, force: true });
}
process.exit(exitCode);
