// TLS: roomctl with [server] tls_cert/tls_key made by openssl for this run.
// HTTPS and WSS work with the certificate as the only CA (and the peer's
// certificate is the one configured); plain HTTP on the same port is
// redirected (308, same path and query) or refused, as http_mode says;
// plain ws:// is never accepted; a wrong or missing key stops the start
// (and --check-config) with an error naming the key. A browser loads the
// console over HTTPS and its WebSocket comes up over WSS.

import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import https from 'node:https';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, test } from 'node:test';
import WebSocket from 'ws';
import { ADMIN_PASSWORD, DEFAULT_BINARY, REPO_ROOT, freePort, reapOnExit, testConfig } from '../lib/server.mjs';
import { makeCert } from '../lib/tls.mjs';

const run = promisify(execFile);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const BINARY = process.env.ROOMCTL_BIN || DEFAULT_BINARY;

/** One HTTPS request trusting only @ca; {status, headers, text, cert (peer's DER)}. */
function httpsRequest(port, ca, method, urlPath, body, headers = {}) {
  if (body) headers = { ...headers, 'content-length': Buffer.byteLength(body) };
  return new Promise((resolve, reject) => {
    const req = https.request({ host: '127.0.0.1', port, method, path: urlPath, ca, headers, timeout: 5000, agent: false },
      (res) => {
        const chunks = [];
        const cert = res.socket.getPeerCertificate();
        res.on('data', (d) => chunks.push(d));
        res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, text: Buffer.concat(chunks).toString(), cert }));
      });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    if (body) req.write(body);
    req.end();
  });
}

/** Plain bytes to the port; what comes back before close or @ms. */
function plain(port, data, ms = 3000) {
  return new Promise((resolve) => {
    const chunks = [];
    let error = null;
    const sock = net.connect(port, '127.0.0.1', () => sock.write(data));
    const done = () => { clearTimeout(timer); sock.destroy(); resolve({ text: Buffer.concat(chunks).toString('latin1'), error }); };
    const timer = setTimeout(done, ms);
    sock.on('data', (d) => chunks.push(d));
    sock.on('close', done);
    sock.on('error', (e) => { error = e.code; });
  });
}

/** Starts roomctl with @extra config; resolves {port, proc, stderr(), stop()} once /healthz answers over HTTPS. */
async function startTls(dir, ca, extra) {
  const port = await freePort();
  const conf = path.join(dir, `roomctl-${port}.conf`);
  await fs.writeFile(conf, testConfig({ media: { enabled: 'false' }, ...extra }));
  const dataDir = await fs.mkdtemp(path.join(dir, 'data-'));
  const proc = spawn(BINARY, ['--config', conf, '--port', String(port), '--listen', '127.0.0.1', '--data-dir', dataDir],
    { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  reapOnExit(proc);
  let stderr = '';
  let stdout = '';
  proc.stderr.on('data', (d) => { stderr += d; });
  proc.stdout.on('data', (d) => { stdout += d; });
  const exited = new Promise((resolve) => proc.on('exit', (code, signal) => resolve({ code, signal })));
  const stop = async () => {
    if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM');
    let t;
    const r = await Promise.race([exited, new Promise((res) => { t = setTimeout(() => res('timeout'), 5000); })]);
    clearTimeout(t);
    if (r === 'timeout') { proc.kill('SIGKILL'); return exited; }
    return r;
  };
  const deadline = Date.now() + 15_000;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`roomctl exited early (${proc.exitCode}):\n${stderr}`);
    try {
      if ((await httpsRequest(port, ca, 'GET', '/healthz')).status === 200) break;
    } catch { /* not yet */ }
    if (Date.now() > deadline) { await stop(); throw new Error(`no HTTPS /healthz within 15 s:\n${stderr}`); }
    await sleep(100);
  }
  return { port, proc, stop, stderr: () => stderr, stdout: () => stdout };
}

describe('tls', () => {
  let dir;
  let good;
  let other;
  let srv;

  before(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'roomctl-tls-'));
    good = await makeCert(dir, 'good');
    other = await makeCert(dir, 'other');
    srv = await startTls(dir, good.pem, { server: { tls_cert: good.cert, tls_key: good.key, http_mode: 'redirect' } });
  });
  after(async () => {
    if (srv) {
      const status = await srv.stop();
      assert.deepEqual(status, { code: 0, signal: null }, srv.stderr());
    }
    if (dir) await fs.rm(dir, { recursive: true, force: true });
  });

  test('HTTPS: /healthz with the certificate as the only CA, and the peer is that certificate', async () => {
    const res = await httpsRequest(srv.port, good.pem, 'GET', '/healthz');
    assert.equal(res.status, 200);
    assert.equal(JSON.parse(res.text).status, 'ok');
    const want = new crypto.X509Certificate(good.pem).fingerprint256;
    assert.equal(res.cert.fingerprint256, want, 'pinned: the server shows the configured certificate');
    // Another CA is not enough: the check is real.
    await assert.rejects(httpsRequest(srv.port, other.pem, 'GET', '/healthz'), /self[- ]signed|unable to verify|certificate/i);
    const page = await httpsRequest(srv.port, good.pem, 'GET', '/console/');
    assert.equal(page.status, 200);
    assert.match(page.text, /<html/i);
    assert.match(srv.stdout(), new RegExp(`https://127\\.0\\.0\\.1:${srv.port}/console/`), 'the banner prints https:// URLs');
  });

  test('WSS: log in over HTTPS, auth and ping over wss://', async () => {
    const login = await httpsRequest(srv.port, good.pem, 'POST', '/api/v1/login',
      JSON.stringify({ username: 'admin', password: ADMIN_PASSWORD }), { 'content-type': 'application/json' });
    assert.equal(login.status, 200, login.text);
    const { token } = JSON.parse(login.text);
    const ws = new WebSocket(`wss://127.0.0.1:${srv.port}/ws`, 'roomctl.v1', { ca: good.pem, handshakeTimeout: 5000 });
    const replies = [];
    const next = () => new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`no reply in 5 s; seen ${JSON.stringify(replies)}`)), 5000);
      ws.once('message', (m) => { clearTimeout(t); const msg = JSON.parse(String(m)); replies.push(msg); resolve(msg); });
    });
    await new Promise((resolve, reject) => { ws.once('open', resolve); ws.once('error', reject); });
    ws.send(JSON.stringify({ type: 'auth', id: 1, body: { token } }));
    const auth = await next();
    assert.equal(auth.type, 'ack', JSON.stringify(auth));
    assert.equal(auth.body.user.username, 'admin');
    ws.send(JSON.stringify({ type: 'ping', id: 2, body: {} }));
    const pong = await next();
    assert.equal(pong.type, 'ack');
    assert.equal(pong.id, 2);
    ws.close();
  });

  test('plain HTTP on the TLS port -> 308 to the same path and query over https; plain ws:// is refused', async () => {
    const res = await plain(srv.port, `GET /tablet/a%20b?x=1&y=%C4%91 HTTP/1.1\r\nHost: 127.0.0.1:${srv.port}\r\nConnection: close\r\n\r\n`);
    assert.match(res.text, /^HTTP\/1\.1 308 /, res.text.slice(0, 200));
    const location = /\r\nlocation: ([^\r]*)/i.exec(res.text);
    assert.ok(location, res.text.slice(0, 300));
    assert.equal(location[1], `https://127.0.0.1:${srv.port}/tablet/a%20b?x=1&y=%C4%91`);
    const post = await plain(srv.port, `POST /api/v1/login HTTP/1.1\r\nHost: 127.0.0.1:${srv.port}\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}`);
    assert.match(post.text, /^HTTP\/1\.1 308 /, 'an API call is redirected too, never answered in plain text');
    assert.doesNotMatch(post.text, /token/);
    const noHost = await plain(srv.port, 'GET /healthz HTTP/1.0\r\n\r\n');
    assert.match(noHost.text, /^HTTP\/1\.[01] 400 /, 'without a Host there is nowhere to send it');
    const ws = new WebSocket(`ws://127.0.0.1:${srv.port}/ws`, 'roomctl.v1', { handshakeTimeout: 3000 });
    const outcome = await new Promise((resolve) => {
      ws.once('open', () => resolve('open'));
      ws.once('error', (e) => resolve(`error ${e.message}`));
      ws.once('unexpected-response', (_q, r) => resolve(`http ${r.statusCode}`));
    });
    ws.terminate();
    assert.notEqual(outcome, 'open', 'a plain WebSocket must not open on a TLS server');
  });

  test('http_mode = refuse: plain HTTP gets no answer; HTTPS works', async () => {
    const strict = await startTls(dir, good.pem, { server: { tls_cert: good.cert, tls_key: good.key, http_mode: 'refuse' } });
    try {
      const res = await plain(strict.port, `GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`);
      assert.doesNotMatch(res.text, /^HTTP\//, `no HTTP answer in plain text: ${res.text.slice(0, 100)}`);
      assert.equal((await httpsRequest(strict.port, good.pem, 'GET', '/healthz')).status, 200);
    } finally {
      await strict.stop();
    }
  });

  test('a key that is not the certificate\'s, a missing or unreadable file -> exit 1 naming the key (start and --check-config)', async () => {
    const conf = async (name, server) => {
      const p = path.join(dir, name);
      await fs.writeFile(p, testConfig({ media: { enabled: 'false' }, server }));
      return p;
    };
    const attempt = async (args) => {
      try {
        const { stdout, stderr } = await run(BINARY, args, { timeout: 15_000, cwd: REPO_ROOT });
        return { code: 0, stdout, stderr };
      } catch (e) {
        return { code: e.code, stdout: e.stdout, stderr: e.stderr };
      }
    };
    const wrong = await conf('wrong.conf', { tls_cert: good.cert, tls_key: other.key });
    const port = String(await freePort());
    const startWrong = await attempt(['--config', wrong, '--port', port, '--listen', '127.0.0.1', '--data-dir', path.join(dir, 'wrong-data')]);
    assert.equal(startWrong.code, 1, startWrong.stderr);
    assert.match(startWrong.stderr, /tls_key .*other-key\.pem is not the key of the certificate in tls_cert .*good-cert\.pem/);
    const checkWrong = await attempt(['--check-config', wrong]);
    assert.equal(checkWrong.code, 1);
    assert.match(checkWrong.stderr, /is not the key of the certificate/);

    const missing = await conf('missing.conf', { tls_cert: path.join(dir, 'nope.pem'), tls_key: good.key });
    const checkMissing = await attempt(['--check-config', missing]);
    assert.equal(checkMissing.code, 1);
    assert.match(checkMissing.stderr, /\[server\] tls_cert: .*nope\.pem: No such file or directory/);

    const unreadable = path.join(dir, 'unreadable-key.pem');
    await fs.copyFile(good.key, unreadable);
    await fs.chmod(unreadable, 0o000);
    const noRead = await attempt(['--check-config', await conf('unreadable.conf', { tls_cert: good.cert, tls_key: unreadable })]);
    if (process.getuid() !== 0) { // root reads anything
      assert.equal(noRead.code, 1);
      assert.match(noRead.stderr, /\[server\] tls_key: .*unreadable-key\.pem: Permission denied/);
    }

    const garbage = await conf('garbage.conf', { tls_cert: good.cert, tls_key: wrong });
    const checkGarbage = await attempt(['--check-config', garbage]);
    assert.equal(checkGarbage.code, 1);
    assert.match(checkGarbage.stderr, /tls_key: .*wrong\.conf holds no unencrypted PEM private key/);

    const half = await attempt(['--check-config', await conf('half.conf', { tls_cert: good.cert })]);
    assert.equal(half.code, 1);
    assert.match(half.stderr, /tls_cert and tls_key go together/);

    const ok = await attempt(['--check-config', await conf('ok.conf', { tls_cert: good.cert, tls_key: good.key })]);
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /OK \(TLS certificate and key match\)/);
  });

  test('a browser loads the console over HTTPS, logs in, and its WebSocket comes up over WSS', { timeout: 60_000 }, async (t) => {
    // No skip when the browser is missing: make deps installs it, and a
    // missing one is a failure here.
    const { chromium } = await import('playwright-core');
    const browser = await chromium.launch({ executablePath: '/usr/bin/chromium',
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'] });
    try {
      const context = await browser.newContext({ ignoreHTTPSErrors: true, locale: 'vi-VN' });
      const page = await context.newPage();
      page.setDefaultTimeout(15_000);
      const sockets = [];
      page.on('websocket', (ws) => sockets.push(ws.url()));
      await page.goto(`http://127.0.0.1:${srv.port}/console/`); // redirected to https
      assert.equal(new URL(page.url()).protocol, 'https:');
      await page.getByLabel('Tên đăng nhập').fill('admin');
      await page.getByLabel('Mật khẩu').fill(ADMIN_PASSWORD);
      await page.getByRole('button', { name: 'Đăng nhập' }).click();
      await page.locator('.conn[data-state=online]').waitFor();
      assert.ok(sockets.some((u) => u.startsWith(`wss://127.0.0.1:${srv.port}/ws`)), `sockets: ${sockets.join(', ')}`);
    } finally {
      await browser.close();
    }
  });
});
