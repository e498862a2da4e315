// Benchmark `docs`: 600 tablets fetch a 10 MB agenda PDF at once from
// roomctl, and the same file from nginx (Debian's, started here) in the same
// run; meanwhile one more tablet, logged in and subscribed on its WebSocket,
// sends a `ping` every 20 ms, and the time to each answer is the wait that
// its ballots and page turns would see during the download storm (idle
// first, for comparison). Then every repeat fetch must be answered 304.
//   node tests/bench/docs.mjs [--clients 600] [--seconds 10] [--tls]
// --tls: both servers over HTTPS with one self-signed certificate (the
// tablet's WebSocket over WSS).

import { execFile, execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { parseArgs, promisify } from 'node:util';
import { api, freePort, login, REPO_ROOT, startServer } from '../lib/server.mjs';
import { makeCert } from '../lib/tls.mjs';
import { WsClient } from '../lib/ws-client.mjs';
import { cpuDuring, fmt, percentile, printTable, sleep, verdict } from './common.mjs';

const { values: opt } = parseArgs({
  options: { clients: { type: 'string', default: '600' }, seconds: { type: 'string', default: '10' }, tls: { type: 'boolean', default: false } },
});
const CLIENTS = Number(opt.clients);
const SECONDS = Number(opt.seconds);
const TLS = opt.tls;
const run = promisify(execFile);

/** A PDF of at least @bytes made of the demo documents, merged with pdfunite. */
function bigPdf(dir, bytes) {
  const demo = path.join(REPO_ROOT, 'build', 'demo');
  const parts = fs.readdirSync(demo).filter((f) => f.endsWith('.pdf')).map((f) => path.join(demo, f));
  const one = parts.reduce((s, f) => s + fs.statSync(f).size, 0);
  const list = [];
  for (let i = 0; i * one < bytes * 1.02; i++) list.push(...parts);
  const out = path.join(dir, 'agenda-10mb.pdf');
  execFileSync('pdfunite', [...list, out]);
  return out;
}

async function startNginx(dir, root, cert) {
  const port = await freePort();
  const conf = path.join(dir, 'nginx.conf');
  const listen = cert ? `listen 127.0.0.1:${port} ssl; ssl_certificate ${cert.cert}; ssl_certificate_key ${cert.key};`
    : `listen 127.0.0.1:${port};`;
  fs.writeFileSync(conf, `daemon off; worker_processes 2; pid ${dir}/nginx.pid; error_log ${dir}/nginx-error.log;
events { worker_connections 4096; }
http { access_log off; sendfile on; tcp_nopush on; keepalive_requests 100000;
  types { application/pdf pdf; }
  server { ${listen} root ${root}; } }\n`);
  const proc = spawn('/usr/sbin/nginx', ['-c', conf, '-p', dir], { stdio: 'ignore' });
  const base = `${cert ? 'https' : 'http'}://127.0.0.1:${port}`;
  for (let i = 0; i < 100; i++) {
    const up = await new Promise((resolve) => {
      const req = (cert ? https : http).get(`${base}/`, { ca: cert?.pem, agent: false }, (res) => { res.resume(); resolve(true); });
      req.on('error', () => resolve(false));
    });
    if (up) break;
    await sleep(50);
  }
  return { base, proc };
}

/** wrk: @clients connections, 2 threads, @seconds; returns MB/s and requests/s. */
async function wrk(url, headers = []) {
  const args = ['-t2', `-c${CLIENTS}`, `-d${SECONDS}s`, '--timeout', '30s', ...headers.flatMap((h) => ['-H', h]), url];
  const { stdout: out } = await run('wrk', args, { encoding: 'utf8', maxBuffer: 1 << 20 });
  const unit = { B: 1 / 2 ** 20, KB: 1 / 1024, MB: 1, GB: 1024 };
  const m = out.match(/Transfer\/sec:\s+([\d.]+)(\w+)/);
  const rps = Number((out.match(/Requests\/sec:\s+([\d.]+)/) || [0, 0])[1]);
  const errors = out.match(/Non-2xx or 3xx responses: (\d+)/);
  return { mbps: m ? Number(m[1]) * unit[m[2]] : 0, rps, non2xx: errors ? Number(errors[1]) : 0, raw: out };
}

/** Pings over @ws every 20 ms until @done resolves; the round trips in ms (a lost one counts as missing). */
async function pingsUntil(ws, done) {
  const rtts = [];
  let sent = 0;
  let over = false;
  done.then(() => { over = true; }, () => { over = true; });
  while (!over) {
    const t0 = performance.now();
    sent++;
    try {
      await ws.request('ping', {}, { timeoutMs: 30_000 });
      rtts.push(performance.now() - t0);
    } catch { /* counted as sent, not answered */ }
    await sleep(Math.max(0, 20 - (performance.now() - t0)));
  }
  return { rtts, sent };
}

/** @n fetches at once with If-None-Match, each on a new connection (a
 * pooled one may have been closed as idle by the server); counts statuses. */
function repeatFetches(url, token, etag, n, ca) {
  const one = () => new Promise((resolve) => {
    const req = (ca ? https : http).get(url, { ca, agent: false, headers: { Authorization: `Bearer ${token}`, 'If-None-Match': etag } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode));
    });
    req.setTimeout(30_000, () => req.destroy(new Error('timeout')));
    req.on('error', (e) => { console.error(`repeat fetch failed: ${e.code || e.message}`); resolve(0); });
  });
  return Promise.all(Array.from({ length: n }, one))
    .then((statuses) => statuses.reduce((m, s) => ({ ...m, [s]: (m[s] || 0) + 1 }), {}));
}

/** One REST call over HTTPS trusting @ca (fetch has no way to take a CA). */
function tlsCall(base, ca, token, method, urlPath, body, contentType) {
  return new Promise((resolve, reject) => {
    const headers = { 'Content-Type': contentType || 'application/json' };
    if (token) headers.Authorization = `Bearer ${token}`;
    const data = Buffer.isBuffer(body) ? body : Buffer.from(JSON.stringify(body ?? {}));
    headers['Content-Length'] = data.length;
    const req = https.request(base + urlPath, { method, headers, ca, agent: false }, (res) => {
      const chunks = [];
      res.on('data', (d) => chunks.push(d));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString();
        if (res.statusCode >= 300) reject(new Error(`${method} ${urlPath} -> ${res.statusCode} ${text}`));
        else resolve(JSON.parse(text));
      });
    });
    req.on('error', reject);
    req.end(data);
  });
}

const ms = (values, p) => fmt(percentile(values, p), 1);
const pingRow = (what, p) => [`tablet ping ${what}, p50 / p99 / max (ms)`,
  `${ms(p.rtts, 50)} / ${ms(p.rtts, 99)} / ${fmt(Math.max(...p.rtts), 1)}`, '', ''];

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'roomctl-bench-docs-'));
fs.chmodSync(dir, 0o755); // nginx's workers run as www-data
const cert = TLS ? await makeCert(dir, 'bench') : null; // nginx's master reads the key as root
const srv = await startServer({
  args: ['--demo', '--listen', '127.0.0.1'],
  // The probe pings 50 times a second, over a tablet's usual rate limit.
  config: { http: { max_upload_mb: 64 }, ws: { rate_per_second: 1000, rate_burst: 1000 } },
  tls: cert ? { cert: cert.cert, key: cert.key, ca: cert.pem } : undefined,
});
let nginx;
let ws;
try {
  const pdf = bigPdf(dir, 10 * 2 ** 20);
  const size = fs.statSync(pdf).size;
  const call = TLS ? (token, m, p, b, ct) => tlsCall(srv.base, cert.pem, token, m, p, b, ct)
    : (token, m, p, b, ct) => api(srv.base, token, m, p, b, ct ? { contentType: ct } : {});
  const loginAs = TLS ? async (u, pw) => (await call(null, 'POST', '/api/v1/login', { username: u, password: pw })).token
    : (u, pw) => login(srv.base, u, pw);
  const sec = await loginAs('thuky', 'thuky123');
  const doc = await call(sec, 'POST', '/api/v1/agenda/1/documents?title=bench&filename=agenda-10mb.pdf',
    fs.readFileSync(pdf), 'application/pdf');
  const delegate = await loginAs('db01', '123456');
  const tablet = await loginAs('db02', '123456');
  ws = await WsClient.connect(`${TLS ? 'wss' : 'ws'}://127.0.0.1:${srv.port}/ws`, { token: tablet, ca: cert?.pem });
  await ws.request('subscribe', { session_id: 1 });
  nginx = await startNginx(dir, dir, cert);
  const n = await wrk(`${nginx.base}/agenda-10mb.pdf`);
  const idle = await pingsUntil(ws, sleep(2000));
  let storm;
  const r = await cpuDuring(srv.proc.pid, async () => {
    const download = wrk(`${srv.base}${doc.url}`, [`Authorization: Bearer ${delegate}`]);
    storm = pingsUntil(ws, download);
    return download;
  });
  const during = await storm;
  const etag = `"${doc.sha256}"`;
  const repeat = await repeatFetches(`${srv.base}${doc.url}`, delegate, etag, CLIENTS, cert?.pem);
  const ratio = r.result.mbps / n.mbps;
  printTable(`docs: ${CLIENTS} clients fetching a ${fmt(size / 2 ** 20)} MiB PDF for ${SECONDS} s (wrk -t2 -c${CLIENTS})${TLS ? ', over TLS' : ''}`, [
    ['nginx throughput (MiB/s)', fmt(n.mbps), '', ''],
    ['nginx non-2xx answers', n.non2xx, '0', verdict(n.non2xx === 0)],
    ['roomctl throughput (MiB/s)', fmt(r.result.mbps), '', ''],
    ['roomctl / nginx', fmt(ratio, 2), '>= 0.70', verdict(ratio >= 0.7)],
    ['roomctl documents/s', fmt(r.result.rps), '', ''],
    ['roomctl CPU (cores)', fmt(r.cores, 2), '', ''],
    ['roomctl non-2xx answers', r.result.non2xx, '0', verdict(r.result.non2xx === 0)],
    pingRow('idle (2 s)', idle),
    pingRow('during the download', during),
    ['tablet pings answered during the download', `${during.rtts.length} / ${during.sent}`, 'all', verdict(during.rtts.length === during.sent)],
    [`repeat fetches answered 304 (of ${CLIENTS})`, repeat[304] || 0, String(CLIENTS), verdict((repeat[304] || 0) === CLIENTS)],
  ]);
} finally {
  if (ws) ws.close();
  if (nginx) nginx.proc.kill('SIGTERM');
  await srv.stop();
  fs.rmSync(dir, { recursive: true, force: true });
}
