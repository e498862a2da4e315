// Starts a real roomctl daemon for a test: free port, temporary data dir and
// config, waits for /healthz, and stops it again. Shared by the integration
// and browser tests.
//
//   const srv = await startServer();          // {port, base, dataDir, proc, stop()}
//   const token = await login(srv.base, 'admin', ADMIN_PASSWORD);
//   const s = await api(srv.base, token, 'POST', '/api/v1/sessions', {...});
//   await srv.stop();
//
// ROOMCTL_BIN overrides the binary (e.g. an ASan build); ROOMCTL_TEST_KEEP=1
// keeps the data dir for post-mortem inspection.

import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import https from 'node:https';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const DEFAULT_BINARY = path.join(REPO_ROOT, 'build', 'roomctl');
export const ADMIN_PASSWORD = 'admin-secret-1';

/** The test configuration, in one place. extra: {section: {key: value}} merged in. */
export function testConfig(extra = {}) {
  const sections = {
    auth: { initial_admin_password: ADMIN_PASSWORD, pwhash_cost: 'min' },
    demo: { seed: 'false' },
    media: { webrtc_port: 0 }, // WebRTC off unless a test gives it a free UDP port
    sip: { port: 0 }, // SIP off unless a test gives it a free port
  };
  for (const [sec, kv] of Object.entries(extra)) sections[sec] = { ...(sections[sec] || {}), ...kv };
  return Object.entries(sections)
    .map(([sec, kv]) => `[${sec}]\n${Object.entries(kv).map(([k, v]) => `${k}=${v}`).join('\n')}\n`)
    .join('\n');
}

/** A TCP port that was free a moment ago on 127.0.0.1. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Daemons a test file started and has not seen exit: killed when the
 *  test process exits, whatever the way (a failed import, a hook that threw,
 *  an uncaught error), so that a failing file leaves no roomctl behind.
 *  tests/run also ends whatever a file's session still holds, and counts it
 *  as a failure. */
const running = new Set();
process.on('exit', () => { for (const p of running) p.kill('SIGKILL'); });

/** Registers a child process to be killed if this process exits first. */
export function reapOnExit(proc) {
  running.add(proc);
  proc.on('exit', () => running.delete(proc));
  return proc;
}

/** Under a sanitizer or valgrind (ROOMCTL_SLOW=N) start-up and shut-down
 *  take N times longer; only those waits stretch, no assertion does. */
export const SLOW = Math.max(1, Number(process.env.ROOMCTL_SLOW || 1));

/** TRUE when @base answers /healthz with 200 (over HTTPS trusting @ca). */
async function healthy(base, ca) {
  if (!ca) return (await fetch(`${base}/healthz`, { signal: AbortSignal.timeout(1000) })).ok;
  return new Promise((resolve, reject) => {
    const req = https.get(`${base}/healthz`, { ca, timeout: 1000, agent: false }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
  });
}

/**
 * opts: binary (path), config (extra sections, see testConfig), args (extra
 * argv), env, timeoutMs (default 15000), stdio ('pipe' collects output),
 * dataDir (reuse this directory and never remove it), keep (do not remove
 * the temporary data dir on stop), tls ({cert, key, ca}: serve HTTPS with
 * that certificate; base is https://, and the readiness probe trusts ca).
 */
export async function startServer(opts = {}) {
  const binary = opts.binary || process.env.ROOMCTL_BIN || DEFAULT_BINARY;
  try {
    await fs.access(binary, fs.constants.X_OK);
  } catch {
    throw new Error(`roomctl binary not found or not executable: ${binary} (run make in ${REPO_ROOT})`);
  }
  const port = await freePort();
  // opts.dataDir: reuse a directory (a restart); the caller owns it then.
  const ownDir = !opts.dataDir;
  const dataDir = opts.dataDir || await fs.mkdtemp(path.join(os.tmpdir(), 'roomctl-test-'));
  const confPath = path.join(dataDir, 'roomctl-test.conf');
  const config = opts.tls
    ? { ...opts.config, server: { ...(opts.config?.server || {}), tls_cert: opts.tls.cert, tls_key: opts.tls.key } }
    : opts.config;
  await fs.writeFile(confPath, testConfig(config));
  const argv = ['--config', confPath, '--port', String(port), '--data-dir', dataDir, ...(opts.args || [])];
  const proc = spawn(binary, argv, {
    cwd: REPO_ROOT,
    env: { ...process.env, ...(opts.env || {}) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  reapOnExit(proc);
  let stderr = '';
  let stdout = '';
  proc.stderr.on('data', (d) => { stderr += d; if (stderr.length > 200_000) stderr = stderr.slice(-100_000); });
  proc.stdout.on('data', (d) => { stdout += d; if (stdout.length > 200_000) stdout = stdout.slice(-100_000); });
  let exited = null;
  const exitPromise = new Promise((resolve) => proc.on('exit', (code, signal) => { exited = { code, signal }; resolve(exited); }));
  const base = `${opts.tls ? 'https' : 'http'}://127.0.0.1:${port}`;

  const removeDir = async () => {
    if (process.env.ROOMCTL_TEST_KEEP || opts.keep || !ownDir) return;
    await fs.rm(dataDir, { recursive: true, force: true });
  };

  const stop = async () => {
    if (!exited) {
      proc.kill('SIGTERM');
      // The timer is cleared so a stopped server does not keep node alive 5 s.
      let handle;
      const timer = new Promise((resolve) => { handle = setTimeout(() => resolve('timeout'), 5000 * SLOW); });
      const winner = await Promise.race([exitPromise, timer]);
      clearTimeout(handle);
      if (winner === 'timeout') {
        proc.kill('SIGKILL');
        await exitPromise;
      }
    }
    await removeDir();
    return exited;
  };

  const deadline = Date.now() + (opts.timeoutMs ?? 15_000) * SLOW;
  for (;;) {
    if (exited) {
      await removeDir();
      throw new Error(`roomctl exited before it was ready (code ${exited.code}, signal ${exited.signal})\n--- stderr ---\n${stderr}\n--- stdout ---\n${stdout}`);
    }
    try {
      if (await healthy(base, opts.tls?.ca)) break;
    } catch { /* not listening yet */ }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`roomctl did not answer /healthz on port ${port} within ${((opts.timeoutMs ?? 15_000) * SLOW) / 1000} s\n--- stderr ---\n${stderr}\n--- stdout ---\n${stdout}`);
    }
    await sleep(50);
  }

  return {
    port,
    base,
    dataDir,
    proc,
    stop,
    get stderr() { return stderr; },
    get stdout() { return stdout; },
  };
}

/** Error thrown by api() and login() for a non-2xx answer; .status and .body (parsed). */
export class HttpError extends Error {
  constructor(method, urlPath, status, body) {
    super(`${method} ${urlPath} -> ${status}: ${typeof body === 'string' ? body : JSON.stringify(body)}`);
    this.status = status;
    this.body = body;
  }
}

/** Logs in over REST and returns the bearer token. */
export async function login(base, username, password) {
  const res = await api(base, null, 'POST', '/api/v1/login', { username, password });
  return res.token;
}

/**
 * One REST call. body: object (sent as JSON) or Buffer/Uint8Array (sent raw,
 * with opts.contentType). Returns parsed JSON, text for non-JSON replies, or
 * null for 204. Throws HttpError for non-2xx.
 */
export async function api(base, token, method, urlPath, body, opts = {}) {
  const headers = { ...(opts.headers || {}) };
  if (token) headers.Authorization = `Bearer ${token}`;
  let payload;
  if (body instanceof Uint8Array) {
    payload = body;
    headers['Content-Type'] = opts.contentType || 'application/octet-stream';
  } else if (body !== undefined && body !== null) {
    payload = JSON.stringify(body);
    headers['Content-Type'] = 'application/json';
  }
  const res = await fetch(base + urlPath, { method, headers, body: payload });
  const text = await res.text();
  const type = res.headers.get('content-type') || '';
  let parsed = text;
  if (type.includes('json') && text) {
    try { parsed = JSON.parse(text); } catch { /* keep text */ }
  }
  if (!res.ok) throw new HttpError(method, urlPath, res.status, parsed);
  if (res.status === 204 || !text) return null;
  return parsed;
}

/**
 * One REST call that never throws on an HTTP status (for tests of error
 * answers). body: object (JSON), Buffer/Uint8Array (raw, opts.contentType),
 * or string (raw). opts.headers adds headers. Returns {status, headers,
 * text, json (parsed or null), bytes (Buffer)}.
 */
export async function request(base, token, method, urlPath, body, opts = {}) {
  const headers = { ...(opts.headers || {}) };
  if (token) headers.Authorization = `Bearer ${token}`;
  let payload;
  if (body instanceof Uint8Array || typeof body === 'string') {
    payload = body;
    if (opts.contentType) headers['Content-Type'] = opts.contentType;
  } else if (body !== undefined && body !== null) {
    payload = JSON.stringify(body);
    headers['Content-Type'] = 'application/json';
  }
  const res = await fetch(base + urlPath, {
    method, headers, body: payload, redirect: 'manual', signal: AbortSignal.timeout(opts.timeoutMs ?? 10_000),
  });
  const bytes = Buffer.from(await res.arrayBuffer());
  const text = bytes.toString('utf8');
  let json = null;
  if ((res.headers.get('content-type') || '').includes('json') && text) {
    try { json = JSON.parse(text); } catch { /* leave null */ }
  }
  return { status: res.status, headers: res.headers, text, json, bytes };
}
