// Hostile and broken input: SQL-looking text, path traversal, oversized
// headers, garbage on the TCP port, odd JSON. Each time the daemon must
// answer with an error (or drop the connection), stay up, and keep its data.

import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { REPO_ROOT } from '../lib/server.mjs';
import {
  ADMIN_PASSWORD, assertAlive, stopClean, assertOk, assertWireError, createItem, createSession, createUser, login,
  rawExchange, request, sessionBody, startLocalServer,
} from '../lib/integration.mjs';
import { WsClient } from '../lib/ws-client.mjs';

// Text that must never come back from the static file server.
const PASSWD_MARK = 'root:x:0:0';
const OUTSIDE_MARKS = [PASSWD_MARK, 'APT_PKGS', 'g_main_loop_run', 'SQLite format 3', 'initial_admin_password'];

const get = (p, extraHeaders = '') => `GET ${p} HTTP/1.1\r\nHost: 127.0.0.1\r\n${extraHeaders}Connection: close\r\n\r\n`;

describe('bad input', () => {
  let srv;
  let base;
  let admin;
  let reference; // a session whose detail must never change here
  let referenceDetail;

  before(async () => {
    srv = await startLocalServer();
    base = srv.base;
    admin = await login(base, 'admin', ADMIN_PASSWORD);
    reference = await createSession(base, admin, { title: 'Phiên tham chiếu' });
    await createItem(base, admin, reference.id, { title: 'Mục tham chiếu' });
    referenceDetail = assertOk(await request(base, admin, 'GET', `/api/v1/sessions/${reference.id}`));
  });
  after(async () => {
    if (srv) {
      await assertAlive(srv, 'the bad-input tests');
      await stopClean(srv, 'the bad-input tests');
    }
  });

  /** The daemon is up and the reference data is unchanged. */
  const assertIntact = async (what) => {
    await assertAlive(srv, what);
    const now = assertOk(await request(base, admin, 'GET', `/api/v1/sessions/${reference.id}`));
    assert.deepEqual(now, referenceDetail, `reference session unchanged after ${what}`);
  };

  test('SQL-looking text is stored verbatim and changes nothing else', async () => {
    const evil = "'); DROP TABLE users;--";
    const evil2 = 'x" OR 1=1; DELETE FROM sessions; --';
    const { user, token } = await createUser(base, admin, 'db.sql', 'delegate', { full_name: evil, title: evil2, unit: "Robert'); --" });
    assert.equal(user.full_name, evil);
    const s = await createSession(base, admin, { title: evil2, room: evil, description: "'; UPDATE users SET role='admin';--" });
    assert.equal(s.title, evil2);
    assert.equal(s.room, evil);
    const it = await createItem(base, admin, s.id, { title: evil, presenter: evil2 });
    assert.equal(it.title, evil);
    assertOk(await request(base, admin, 'PUT', `/api/v1/sessions/${s.id}/delegates`, { user_ids: [user.id] }));

    const got = assertOk(await request(base, admin, 'GET', `/api/v1/sessions/${s.id}`));
    assert.equal(got.title, evil2);
    assert.equal(got.description, "'; UPDATE users SET role='admin';--");
    assert.equal(got.agenda[0].title, evil);
    assert.equal(got.agenda[0].presenter, evil2);
    assert.equal(got.delegates[0].full_name, evil);
    const users = assertOk(await request(base, admin, 'GET', '/api/v1/users')).users;
    assert.ok(users.some((u) => u.username === 'admin' && u.role === 'admin'));
    assert.equal(users.find((u) => u.id === user.id).role, 'delegate');
    // Searching/filtering with SQL-looking query values is harmless too.
    assertWireError(await request(base, admin, 'GET', `/api/v1/users?role=${encodeURIComponent("delegate' OR '1'='1")}`), 1001, 'role');
    assertWireError(await request(base, admin, 'GET', `/api/v1/sessions?status=${encodeURIComponent("live' --")}`), 1001, 'status');
    // A login with SQL in the username is just a wrong login.
    assertWireError(await request(base, null, 'POST', '/api/v1/login', { username: "admin' --", password: 'x' }), 1103);
    assertWireError(await request(base, null, 'POST', '/api/v1/login', { username: "' OR '1'='1", password: "' OR '1'='1" }), 1103);
    // Everything still works.
    assert.equal(assertOk(await request(base, token, 'GET', '/api/v1/me')).full_name, evil);
    assert.equal((await login(base, 'admin', ADMIN_PASSWORD)).length, 64);
    const list = assertOk(await request(base, admin, 'GET', '/api/v1/sessions')).sessions;
    assert.ok(list.some((x) => x.id === reference.id) && list.some((x) => x.id === s.id));
    await assertIntact('SQL-looking text');
  });

  test('path traversal in static paths -> 400/403/404, never a file outside web/', async () => {
    const paths = [
      '/../../../../../../etc/passwd',
      '/console/../../../../../etc/passwd',
      '/console/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd',
      '/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd',
      '/%2E%2E/%2E%2E/%2E%2E/%2E%2E/etc/passwd',
      '/console/..%2f..%2f..%2f..%2f..%2fetc%2fpasswd',
      '/console/%2e%2e%2f%2e%2e%2f%2e%2e%2f%2e%2e%2fetc%2fpasswd',
      '/console/.%2e/.%2e/.%2e/.%2e/etc/passwd',
      '/console/%252e%252e/%252e%252e/%252e%252e/etc/passwd',
      '/console/..%5c..%5c..%5c..%5cetc%5cpasswd',
      '/console/....//....//....//etc/passwd',
      '/console/..;/..;/..;/etc/passwd',
      '/..%00/etc/passwd',
      '/console/%00../../../../etc/passwd',
      '/%c0%ae%c0%ae/%c0%ae%c0%ae/%c0%ae%c0%ae/etc/passwd',
      '//etc/passwd',
      '/console//../../../etc/passwd',
      '/../Makefile',
      '/%2e%2e/Makefile',
      '/%2e%2e/controller/main.c',
      '/%2e%2e/configs/roomctl.conf',
      `/%2e%2e${srv.dataDir}/roomctl.db`,
      '/api/../../etc/passwd',
      '/api/v1/../../../../etc/passwd',
      '/healthz/../../etc/passwd',
    ];
    for (const p of paths) {
      const res = await rawExchange(srv.port, get(p));
      assert.ok(res.status === null || [400, 403, 404].includes(res.status),
        `${p} -> ${res.status}: ${res.text.slice(0, 200)}`);
      for (const mark of OUTSIDE_MARKS) assert.ok(!res.text.includes(mark), `${p} leaked a file outside web/ (${mark})`);
    }
    // fetch() normalizes "..", so also through a client that does not (sanity: a real page works).
    const ok = await rawExchange(srv.port, get('/console/'));
    assert.equal(ok.status, 200);
    await assertIntact('path traversal');
  });

  test('dotfiles and node_modules under web/ are not served (1005)', async () => {
    for (const p of ['/.git/config', '/.env', '/console/.hidden', '/node_modules/.package-lock.json', '/node_modules/', '/console\\..\\..\\Makefile']) {
      const res = await rawExchange(srv.port, get(p));
      assert.ok([400, 403, 404].includes(res.status), `${p} -> ${res.status} ${res.text.slice(0, 200)}`);
      if (res.status === 400) assert.match(res.text, /"code":1005/);
    }
    const nm = await request(base, null, 'GET', '/node_modules/.package-lock.json');
    assertWireError(nm, 1005);
  });

  test('a symlink in the web root pointing outside it is not followed', async () => {
    const webRoot = await fs.mkdtemp(path.join(os.tmpdir(), 'roomctl-web-'));
    let other;
    try {
      await fs.mkdir(path.join(webRoot, 'console'));
      await fs.writeFile(path.join(webRoot, 'console', 'index.html'), '<!doctype html><title>ok</title>');
      await fs.symlink('/etc/passwd', path.join(webRoot, 'console', 'leak.txt'));
      await fs.symlink('/etc', path.join(webRoot, 'etc'));
      other = await startLocalServer({ config: { server: { web_root: webRoot } } });
      const page = await request(other.base, null, 'GET', '/console/');
      assert.equal(page.status, 200);
      assert.match(page.text, /<title>ok<\/title>/);
      for (const p of ['/console/leak.txt', '/etc/passwd', '/etc/hostname']) {
        const res = await request(other.base, null, 'GET', p);
        assert.ok([400, 403, 404].includes(res.status), `${p} -> ${res.status}`);
        assert.ok(!res.text.includes(PASSWD_MARK), `${p} leaked /etc/passwd through a symlink`);
      }
      await assertAlive(other, 'symlinks');
    } finally {
      if (other) await other.stop();
      await fs.rm(webRoot, { recursive: true, force: true });
    }
  });

  test('static files refuse writes (1203)', async () => {
    for (const m of ['POST', 'PUT', 'DELETE']) {
      const res = await request(base, admin, m, '/console/index.html', 'x', { contentType: 'text/plain' });
      assertWireError(res, 1203, undefined, `${m} /console/index.html`);
    }
    const page = await request(base, null, 'GET', '/console/index.html');
    assert.equal(page.status, 200);
  });

  test('a 20 KB header is refused or dropped; the server keeps answering', async () => {
    const res = await rawExchange(srv.port, get('/healthz', `X-Filler: ${'a'.repeat(20 * 1024)}\r\n`), { timeoutMs: 3000 });
    assert.ok(res.status === null || [400, 413, 431].includes(res.status), `-> ${res.status} ${res.text.slice(0, 200)}`);
    const cookie = await rawExchange(srv.port, get('/api/v1/me', `Cookie: rc_token=${'b'.repeat(20 * 1024)}\r\n`), { timeoutMs: 3000 });
    assert.ok(cookie.status === null || [400, 401, 413, 431].includes(cookie.status), `-> ${cookie.status}`);
    const many = Array.from({ length: 2000 }, (_, i) => `X-H${i}: v\r\n`).join('');
    const manyRes = await rawExchange(srv.port, get('/healthz', many), { timeoutMs: 3000 });
    assert.ok(manyRes.status === null || [400, 413, 431].includes(manyRes.status), `-> ${manyRes.status}`);
    const longUrl = await rawExchange(srv.port, get(`/console/${'x'.repeat(100 * 1024)}`), { timeoutMs: 3000 });
    assert.ok(longUrl.status === null || [400, 404, 414, 431].includes(longUrl.status), `-> ${longUrl.status}`);
    await assertIntact('oversized headers');
  });

  test('garbage bytes on the TCP port; the server stays up', async () => {
    const rnd = crypto.randomBytes(64 * 1024);
    const inputs = [
      ['random bytes', rnd],
      ['zeros', Buffer.alloc(4096)],
      ['CRLFs', Buffer.from('\r\n'.repeat(5000))],
      ['a bad method', Buffer.from('BREW /pot HTTP/1.1\r\nHost: x\r\n\r\n')],
      ['HTTP/0.9', Buffer.from('GET /\r\n\r\n')],
      ['HTTP/9.9', Buffer.from('GET /healthz HTTP/9.9\r\nHost: x\r\n\r\n')],
      ['a TLS hello', Buffer.from('16030100a5010000a103035b', 'hex')],
      ['a header without colon', Buffer.from('GET /healthz HTTP/1.1\r\nHost x\r\nnonsense\r\n\r\n')],
      ['a bad content-length', Buffer.from('POST /api/v1/login HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n{}')],
      ['a huge content-length', Buffer.from('POST /api/v1/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 99999999999999999999\r\n\r\n{}')],
      ['two content-lengths', Buffer.from('POST /api/v1/login HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nContent-Length: 40\r\n\r\n{}')],
      ['a broken ws upgrade', Buffer.from('GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n\r\n')],
      ['a ws upgrade, then garbage', Buffer.concat([
        Buffer.from('GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: roomctl.v1\r\n\r\n'),
        crypto.randomBytes(2048)])],
    ];
    for (const [what, data] of inputs) {
      await rawExchange(srv.port, data, { timeoutMs: 1500, halfClose: true });
      await assertAlive(srv, what);
    }
    // A request cut in the middle, the client gone.
    await rawExchange(srv.port, Buffer.from('POST /api/v1/sessions HTTP/1.1\r\nHost: x\r\nContent-Length: 500\r\n\r\n{"ti'), { timeoutMs: 300 });
    await assertIntact('garbage bytes');
  });

  test('odd JSON bodies -> 1000/1001, nothing stored', async () => {
    const count = async () => assertOk(await request(base, admin, 'GET', '/api/v1/sessions')).sessions.length;
    const n = await count();
    const post = (text) => request(base, admin, 'POST', '/api/v1/sessions', text, { contentType: 'application/json' });
    const cases = [
      ['deep nesting', `${'['.repeat(20000)}${']'.repeat(20000)}`, [1000, 1001]],
      ['deep objects', `${'{"a":'.repeat(10000)}1${'}'.repeat(10000)}`, [1000, 1001]],
      ['invalid UTF-8', Buffer.from([0x7b, 0x22, 0x74, 0x69, 0x74, 0x6c, 0x65, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d]), [1000, 1001]],
      ['a lone surrogate', '{"title":"\\ud800","starts_at":"2026-11-25T08:00:00Z","ends_at":"2026-11-25T09:00:00Z"}', [1000, 1001]],
      ['a huge number', JSON.stringify(sessionBody()).replace('{', '{"x":1e999999,'), [1000, 1001]],
      ['a string as body', '"title"', [1000, 1001]],
      ['null', 'null', [1000, 1001]],
      ['an array', `[${JSON.stringify(sessionBody())}]`, [1000, 1001]],
      ['trailing garbage', `${JSON.stringify(sessionBody())} extra`, [1000]],
      ['a BOM first', `\ufeff${JSON.stringify(sessionBody())}`, [1000]],
      ['a NUL in a key', JSON.stringify(sessionBody()).replace('"title"', '"ti\\u0000tle"'), [1000, 1001]],
    ];
    for (const [what, body, codes] of cases) {
      const res = await post(body);
      assert.equal(res.status, 400, `${what} -> ${res.status} ${res.text.slice(0, 200)}`);
      assert.ok(codes.includes(res.json.error.code), `${what} -> ${res.text.slice(0, 200)}`);
    }
    const wrongType = await request(base, admin, 'POST', '/api/v1/sessions', JSON.stringify(sessionBody({ title: 'Sai kiểu nội dung' })),
      { contentType: 'text/plain' });
    assert.ok(wrongType.status === 201 || (wrongType.status >= 400 && wrongType.status < 500), `text/plain JSON -> ${wrongType.status}`);
    assert.equal(await count(), n + (wrongType.status === 201 ? 1 : 0), 'nothing else stored');
    await assertIntact('odd JSON');
  });

  test('odd ids and routes -> 404/405, never 500', async () => {
    for (const p of ['/api/v1/sessions/0', '/api/v1/sessions/-1', '/api/v1/sessions/0x10', '/api/v1/sessions/1e3',
      '/api/v1/sessions/99999999999999999999999', '/api/v1/sessions/9223372036854775808',
      '/api/v1/sessions/1/', '/api/v2/sessions', '/api/v1/documents/abc/content', '/api/v1/']) {
      const res = await request(base, admin, 'GET', p);
      assert.ok([400, 404].includes(res.status), `${p} -> ${res.status} ${res.text.slice(0, 200)}`);
      assert.ok(res.json && res.json.error, `${p}: a wire error body`);
    }
    assertWireError(await request(base, admin, 'DELETE', '/api/v1/me'), 1203);
    assertWireError(await request(base, admin, 'PUT', `/api/v1/sessions/${reference.id}`, { title: 'x' }), 1203);
    assertWireError(await request(base, null, 'POST', '/healthz', {}), 1203);
    await assertIntact('odd ids');
  });

  test('a burst of 500 WebSocket pings: the burst is answered, the rest refused (1400), the server stays up', async () => {
    const flood = await WsClient.connect(srv.port, { token: admin });
    const calm = await WsClient.connect(srv.port, { token: admin });
    try {
      const text = Array.from({ length: 500 }, (_, i) => JSON.stringify({ type: 'ping', id: 10_000 + i, body: {} }));
      for (const t of text) flood.sendRaw(t);
      const told = await flood.waitFor((m) => m.type === 'error' && m.body && m.body.code === 1400, 5000);
      assert.equal(told.body.name, 'rate_limited');
      // Let the replies that were accepted arrive, then count them.
      await calm.request('ping');
      await new Promise((r) => setTimeout(r, 300));
      const acks = flood.log.filter((m) => m.type === 'ack' && m.id >= 10_000).length;
      assert.ok(acks >= 20 && acks < 500, `acks for the burst: ${acks}`);
      // Another connection is not slowed by the flood.
      assert.match((await calm.request('ping')).time, /Z$/);
      // Once the client slows down, it is answered again.
      await new Promise((r) => setTimeout(r, 500));
      assert.match((await flood.request('ping')).time, /Z$/);
    } finally {
      await flood.close();
      await calm.close();
    }
    await assertIntact('a ping burst');
  });

  test('a repo file is never served by name from outside web/', async () => {
    // Sanity for the traversal test: the marks do exist in those files.
    const makefile = await fs.readFile(path.join(REPO_ROOT, 'Makefile'), 'utf8');
    assert.ok(makefile.includes('APT_PKGS'));
    const passwd = await fs.readFile('/etc/passwd', 'utf8').catch(() => PASSWD_MARK);
    assert.ok(passwd.includes(PASSWD_MARK));
  });
});
