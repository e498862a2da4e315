// Benchmark `docs`: 600 tablets fetch a 10 MB agenda PDF at once from
// roomctl, and the same file from nginx (Debian's, started here) in the same
// run; then every repeat fetch must be answered 304.
//   node tests/bench/docs.mjs [--clients 600] [--seconds 10]

import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { api, freePort, login, REPO_ROOT, startServer } from '../lib/server.mjs';
import { cpuDuring, fmt, printTable, sleep, verdict } from './common.mjs';

const { values: opt } = parseArgs({ options: { clients: { type: 'string', default: '600' }, seconds: { type: 'string', default: '10' } } });
const CLIENTS = Number(opt.clients);
const SECONDS = Number(opt.seconds);

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

async function startNginx(dir, root) {
  const port = await freePort();
  const conf = path.join(dir, 'nginx.conf');
  fs.writeFileSync(conf, `daemon off; worker_processes 2; pid ${dir}/nginx.pid; error_log ${dir}/nginx-error.log;
events { worker_connections 4096; }
http { access_log off; sendfile on; tcp_nopush on; keepalive_requests 100000;
  types { application/pdf pdf; }
  server { listen 127.0.0.1:${port}; root ${root}; } }\n`);
  const proc = spawn('/usr/sbin/nginx', ['-c', conf, '-p', dir], { stdio: 'ignore' });
  for (let i = 0; i < 100; i++) {
    try { if ((await fetch(`http://127.0.0.1:${port}/`)).status) break; } catch { /* starting */ }
    await sleep(50);
  }
  return { port, proc };
}

/** wrk: @clients connections, 2 threads, @seconds; returns MB/s and requests/s. */
function wrk(url, headers = []) {
  const args = ['-t2', `-c${CLIENTS}`, `-d${SECONDS}s`, '--timeout', '30s', ...headers.flatMap((h) => ['-H', h]), url];
  const out = execFileSync('wrk', args, { encoding: 'utf8' });
  const unit = { B: 1 / 2 ** 20, KB: 1 / 1024, MB: 1, GB: 1024 };
  const m = out.match(/Transfer\/sec:\s+([\d.]+)(\w+)/);
  const rps = Number((out.match(/Requests\/sec:\s+([\d.]+)/) || [0, 0])[1]);
  const errors = out.match(/Non-2xx or 3xx responses: (\d+)/);
  return { mbps: m ? Number(m[1]) * unit[m[2]] : 0, rps, non2xx: errors ? Number(errors[1]) : 0, raw: out };
}

/** @n fetches at once with If-None-Match, each on a new connection (a
 * pooled one may have been closed as idle by the server); counts statuses. */
function repeatFetches(url, token, etag, n) {
  const one = () => new Promise((resolve) => {
    const req = http.get(url, { agent: false, headers: { Authorization: `Bearer ${token}`, 'If-None-Match': etag } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode));
    });
    req.setTimeout(30_000, () => req.destroy(new Error('timeout')));
    req.on('error', (e) => { console.error(`repeat fetch failed: ${e.code || e.message}`); resolve(0); });
  });
  return Promise.all(Array.from({ length: n }, one))
    .then((statuses) => statuses.reduce((m, s) => ({ ...m, [s]: (m[s] || 0) + 1 }), {}));
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'roomctl-bench-docs-'));
fs.chmodSync(dir, 0o755); // nginx's workers run as www-data
const srv = await startServer({ args: ['--demo', '--listen', '127.0.0.1'], config: { http: { max_upload_mb: 64 } } });
let nginx;
try {
  const pdf = bigPdf(dir, 10 * 2 ** 20);
  const size = fs.statSync(pdf).size;
  const sec = await login(srv.base, 'thuky', 'thuky123');
  const doc = await api(srv.base, sec, 'POST', '/api/v1/agenda/1/documents?title=bench&filename=agenda-10mb.pdf',
    fs.readFileSync(pdf), { contentType: 'application/pdf' });
  const delegate = await login(srv.base, 'db01', '123456');
  nginx = await startNginx(dir, dir);
  const n = wrk(`http://127.0.0.1:${nginx.port}/agenda-10mb.pdf`);
  const r = await cpuDuring(srv.proc.pid, async () =>
    wrk(`${srv.base}${doc.url}`, [`Authorization: Bearer ${delegate}`]));
  const etag = `"${doc.sha256}"`;
  const repeat = await repeatFetches(`${srv.base}${doc.url}`, delegate, etag, CLIENTS);
  const ratio = r.result.mbps / n.mbps;
  printTable(`docs: ${CLIENTS} clients fetching a ${fmt(size / 2 ** 20)} MiB PDF for ${SECONDS} s (wrk -t2 -c${CLIENTS})`, [
    ['nginx throughput (MiB/s)', fmt(n.mbps), '', ''],
    ['nginx non-2xx answers', n.non2xx, '0', verdict(n.non2xx === 0)],
    ['roomctl throughput (MiB/s)', fmt(r.result.mbps), '', ''],
    ['roomctl / nginx', fmt(ratio, 2), '>= 0.70', verdict(ratio >= 0.7)],
    ['roomctl documents/s', fmt(r.result.rps), '', ''],
    ['roomctl CPU (cores)', fmt(r.cores, 2), '', ''],
    ['roomctl non-2xx answers', r.result.non2xx, '0', verdict(r.result.non2xx === 0)],
    [`repeat fetches answered 304 (of ${CLIENTS})`, repeat[304] || 0, String(CLIENTS), verdict((repeat[304] || 0) === CLIENTS)],
  ]);
} finally {
  if (nginx) nginx.proc.kill('SIGTERM');
  await srv.stop();
  fs.rmSync(dir, { recursive: true, force: true });
}
