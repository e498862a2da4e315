// Helpers shared by tests/integration/*.test.mjs: a server bound to
// 127.0.0.1 only, wire-error assertions, complete request bodies, users,
// raw TCP exchanges, and "the daemon is still alive" checks.

import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import net from 'node:net';
import { ADMIN_PASSWORD, api, login, request, startServer } from './server.mjs';

export { ADMIN_PASSWORD, api, login, request };

/** The HTTP status of every wire code (web/docs/api.md, "Errors"). */
export const WIRE_STATUS = {
  1000: 400, 1001: 400, 1002: 400, 1003: 413, 1004: 415, 1005: 400,
  1100: 401, 1101: 403, 1102: 401, 1103: 401,
  1200: 404, 1201: 409, 1202: 409, 1203: 405, 1400: 429, 1500: 500, 1507: 507,
};

/** startServer() listening on 127.0.0.1 only. */
export function startLocalServer(opts = {}) {
  return startServer({ ...opts, args: ['--listen', '127.0.0.1', ...(opts.args || [])] });
}

/** Asserts a REST answer is the wire error @code (and names @field, when given). */
export function assertWireError(res, code, field, what = '') {
  const ctx = `${what} -> ${res.status} ${res.text.slice(0, 300)}`;
  assert.equal(res.status, WIRE_STATUS[code], `HTTP status for ${code}: ${ctx}`);
  assert.ok(res.json && res.json.error, `error body: ${ctx}`);
  assert.equal(res.json.error.code, code, `error code: ${ctx}`);
  assert.equal(typeof res.json.error.name, 'string', ctx);
  assert.equal(typeof res.json.error.reason, 'string', ctx);
  if (field !== undefined) assert.equal(res.json.error.field, field, `error field: ${ctx}`);
}

/** Asserts a REST answer is a success with @status; returns its JSON. */
export function assertOk(res, status = 200, what = '') {
  assert.equal(res.status, status, `${what} -> ${res.status} ${res.text.slice(0, 500)}`);
  return res.json;
}

/** A complete session body (every optional field given). */
export function sessionBody(overrides = {}) {
  return {
    title: 'Kỳ họp thử nghiệm',
    room: 'Hội trường A',
    description: '',
    starts_at: '2026-11-25T08:00:00+07:00',
    ends_at: '2026-11-25T11:30:00+07:00',
    ...overrides,
  };
}

/** A complete agenda item body (parent_id/position only when given). */
export function itemBody(overrides = {}) {
  return { title: 'Mục', presenter: '', planned_minutes: 10, ...overrides };
}

/** A complete site body. */
export function siteBody(overrides = {}) {
  return { code: 'SITE', name: 'Điểm cầu', level: 'commune', parent_id: null, transport: 'rtp', address: '', ...overrides };
}

/** Creates a session as @token; returns it. */
export async function createSession(base, token, overrides = {}) {
  return assertOk(await request(base, token, 'POST', '/api/v1/sessions', sessionBody(overrides)), 201, 'create session');
}

/** Creates an agenda item; returns it. */
export async function createItem(base, token, sessionId, overrides = {}) {
  return assertOk(await request(base, token, 'POST', `/api/v1/sessions/${sessionId}/agenda`, itemBody(overrides)),
    201, 'create agenda item');
}

/** Creates a user (as admin) and logs them in; returns {user, token, password}. */
export async function createUser(base, adminToken, username, role, extra = {}) {
  const password = extra.password || `pw-${username}-123`;
  const body = { username, full_name: extra.full_name || `Người dùng ${username}`, role, password,
    title: extra.title ?? '', unit: extra.unit ?? '', ...(extra.fields || {}) };
  const user = assertOk(await request(base, adminToken, 'POST', '/api/v1/users', body), 201, `create user ${username}`);
  const token = await login(base, username, password);
  return { user, token, password };
}

/** sha256 hex of a Buffer or string. */
export function sha256(data) {
  return crypto.createHash('sha256').update(data).digest('hex');
}

/** Asserts the daemon process has not exited (crashed) and answers /healthz. */
export async function assertAlive(srv, what = '') {
  assert.equal(srv.proc.exitCode, null, `roomctl exited (code ${srv.proc.exitCode}) ${what}\n${srv.stderr.slice(-2000)}`);
  assert.equal(srv.proc.signalCode, null, `roomctl was killed by ${srv.proc.signalCode} ${what}\n${srv.stderr.slice(-2000)}`);
  const res = await request(srv.base, null, 'GET', '/healthz', null, { timeoutMs: 5000 });
  assert.equal(res.status, 200, `healthz after ${what}`);
  assert.equal(res.json.status, 'ok');
}

/** True when @buf holds one whole HTTP response (headers + Content-Length body). */
function completeResponse(buf) {
  const text = buf.toString('latin1');
  const end = text.indexOf('\r\n\r\n');
  if (end < 0) return false;
  const m = /\r\ncontent-length:\s*(\d+)/i.exec(text.slice(0, end));
  return !!m && buf.length >= end + 4 + Number(m[1]);
}

/** Stops the daemon (SIGTERM) and asserts a clean exit: code 0, no signal
 *  (under check-asan a leak or sanitizer report makes it abort). */
export async function stopClean(srv, what = '') {
  const status = await srv.stop();
  assert.deepEqual(status, { code: 0, signal: null }, `roomctl exit after ${what}; stderr:\n${srv.stderr.slice(-3000)}`);
}

/**
 * Writes @data on a fresh TCP connection to 127.0.0.1:@port and collects
 * what comes back until one whole response has arrived (unless
 * wholeConnection), the server closes, or timeoutMs passes. Returns
 * {data: Buffer, text, status (HTTP status of the first line or null),
 * closedByServer, error}.
 */
export function rawExchange(port, data, { timeoutMs = 3000, halfClose = false, wholeConnection = false } = {}) {
  return new Promise((resolve) => {
    const chunks = [];
    let error = null;
    let closedByServer = false;
    let done = false;
    const sock = net.connect(port, '127.0.0.1');
    const finish = () => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      sock.destroy();
      const buf = Buffer.concat(chunks);
      const text = buf.toString('latin1');
      const m = /^HTTP\/1\.[01] (\d{3})/.exec(text);
      resolve({ data: buf, text, status: m ? Number(m[1]) : null, closedByServer, error });
    };
    const timer = setTimeout(finish, timeoutMs);
    sock.on('connect', () => {
      sock.write(data, () => { if (halfClose) sock.end(); });
    });
    sock.on('data', (d) => {
      chunks.push(d);
      if (!wholeConnection && completeResponse(Buffer.concat(chunks))) finish();
    });
    sock.on('end', () => { closedByServer = true; finish(); });
    sock.on('close', () => { closedByServer = true; finish(); });
    sock.on('error', (e) => { error = e.code || e.message; });
  });
}

/** Walks an agenda tree depth-first, calling fn(item, depth). */
export function walkAgenda(items, fn, depth = 0) {
  for (const it of items) {
    fn(it, depth);
    walkAgenda(it.children || [], fn, depth + 1);
  }
}

/** Asserts that every sibling list in the tree has positions 0..n-1 in order. */
export function assertContiguous(items, path = 'root') {
  assert.deepEqual(items.map((i) => i.position), items.map((_, i) => i), `positions under ${path}`);
  for (const it of items) assertContiguous(it.children || [], `item ${it.id}`);
}

/** RFC 4180 with the BOM roomctl writes; rows as objects keyed by the header. */
export function parseCsv(text) {
  assert.ok(text.startsWith('\uFEFF'), 'CSV starts with a byte order mark');
  const s = text.slice(1);
  const rows = [];
  let row = [], cell = '', quoted = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (quoted) {
      if (c === '"' && s[i + 1] === '"') { cell += '"'; i++; } else if (c === '"') quoted = false; else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') { row.push(cell); cell = ''; }
    else if (c === '\r' && s[i + 1] === '\n') { row.push(cell); rows.push(row); row = []; cell = ''; i++; }
    else cell += c;
  }
  if (cell || row.length) { row.push(cell); rows.push(row); }
  const [head, ...body] = rows;
  return body.map((r) => Object.fromEntries(head.map((h, i) => [h, r[i]])));
}
