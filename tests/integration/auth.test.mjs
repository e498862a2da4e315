// Logins, tokens (bearer and cookie), logout, expiry, and the role checks
// of the REST routes, against the real daemon.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, test } from 'node:test';
import {
  ADMIN_PASSWORD, assertAlive, stopClean, assertOk, assertWireError, createSession, createUser, login, request,
  sessionBody, sha256, startLocalServer,
} from '../lib/integration.mjs';
import { SLOW } from '../lib/server.mjs';
import { WsClient } from '../lib/ws-client.mjs';

const execFileP = promisify(execFile);

describe('authentication and roles', () => {
  let srv;
  let base;
  let admin;
  const people = {};

  before(async () => {
    srv = await startLocalServer();
    base = srv.base;
    admin = await login(base, 'admin', ADMIN_PASSWORD);
    people.secretariat = await createUser(base, admin, 'thuky', 'secretariat');
    people.chair = await createUser(base, admin, 'chutoa', 'chair');
    people.technician = await createUser(base, admin, 'kythuat', 'technician');
    people.delegate = await createUser(base, admin, 'db01', 'delegate', { full_name: 'Nguyễn Văn An' });
  });
  after(async () => {
    if (srv) {
      await assertAlive(srv, 'the auth tests');
      await stopClean(srv, 'the auth tests');
    }
  });

  test('login with the right password returns a token, its expiry and the user', async () => {
    const res = await request(base, null, 'POST', '/api/v1/login', { username: 'admin', password: ADMIN_PASSWORD });
    const body = assertOk(res);
    assert.match(body.token, /^[0-9a-f]{64}$/);
    assert.match(body.expires_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    assert.ok(Date.parse(body.expires_at) > Date.now() + 3600_000, 'expires at least an hour from now');
    assert.equal(body.user.username, 'admin');
    assert.equal(body.user.role, 'admin');
    assert.equal(body.user.active, true);
    assert.equal(body.user.password_hash, undefined, 'no hash on the wire');
    assert.ok(!res.text.includes('argon2'), 'no hash on the wire');
  });

  test('a wrong password and an unknown user get the same 1103 answer', async () => {
    const wrong = await request(base, null, 'POST', '/api/v1/login', { username: 'admin', password: 'not-the-password' });
    assertWireError(wrong, 1103, undefined, 'wrong password');
    const unknown = await request(base, null, 'POST', '/api/v1/login', { username: 'khong-co-ai', password: 'not-the-password' });
    assertWireError(unknown, 1103, undefined, 'unknown user');
    assert.equal(unknown.status, wrong.status);
    assert.deepEqual(unknown.json, wrong.json, 'an unknown user is not told apart');
    assert.equal(wrong.headers.get('set-cookie'), null, 'no cookie for a failed login');
  });

  test('login body checks: missing password -> 1001, malformed JSON -> 1000', async () => {
    assertWireError(await request(base, null, 'POST', '/api/v1/login', { username: 'admin' }), 1001, 'password');
    assertWireError(await request(base, null, 'POST', '/api/v1/login', '{"username":"admin",', { contentType: 'application/json' }), 1000);
    assertWireError(await request(base, null, 'POST', '/api/v1/login', { username: 'admin', password: ADMIN_PASSWORD, remember: true }),
      1001, 'remember');
  });

  test('GET /me returns the caller', async () => {
    const me = assertOk(await request(base, people.delegate.token, 'GET', '/api/v1/me'));
    assert.equal(me.username, 'db01');
    assert.equal(me.full_name, 'Nguyễn Văn An');
    assert.equal(me.role, 'delegate');
    assert.equal(me.id, people.delegate.user.id);
  });

  test('no token -> 1100; an unknown or malformed token -> 1100', async () => {
    assertWireError(await request(base, null, 'GET', '/api/v1/me'), 1100, undefined, 'no token');
    assertWireError(await request(base, 'f'.repeat(64), 'GET', '/api/v1/me'), 1100, undefined, 'unknown token');
    assertWireError(await request(base, 'short', 'GET', '/api/v1/me'), 1100, undefined, 'short token');
    assertWireError(await request(base, null, 'GET', '/api/v1/sessions', null, { headers: { Authorization: `Basic ${admin}` } }),
      1100, undefined, 'not a bearer token');
  });

  test('login sets an HttpOnly, SameSite=Strict rc_token cookie that is accepted', async () => {
    const res = await request(base, null, 'POST', '/api/v1/login', { username: 'thuky', password: people.secretariat.password });
    const body = assertOk(res);
    const cookie = res.headers.get('set-cookie');
    assert.ok(cookie, 'a Set-Cookie header');
    const parts = cookie.split(';').map((p) => p.trim());
    assert.equal(parts[0], `rc_token=${body.token}`);
    assert.ok(parts.some((p) => p.toLowerCase() === 'httponly'), `HttpOnly in ${cookie}`);
    assert.ok(parts.some((p) => p.toLowerCase() === 'samesite=strict'), `SameSite=Strict in ${cookie}`);
    assert.ok(parts.some((p) => p.toLowerCase() === 'path=/'), `Path=/ in ${cookie}`);

    const me = assertOk(await request(base, null, 'GET', '/api/v1/me', null, { headers: { Cookie: `theme=dark; rc_token=${body.token}` } }));
    assert.equal(me.username, 'thuky');
    assertWireError(await request(base, null, 'GET', '/api/v1/me', null, { headers: { Cookie: `rc_token=${'0'.repeat(64)}` } }), 1100);
  });

  test('logout revokes the token: 204, then 1100 for REST and WebSocket', async () => {
    const token = await login(base, 'chutoa', people.chair.password);
    assertOk(await request(base, token, 'GET', '/api/v1/me'));
    const out = await request(base, token, 'POST', '/api/v1/logout');
    assert.equal(out.status, 204);
    assert.equal(out.text, '');
    const cookie = out.headers.get('set-cookie') || '';
    assert.match(cookie, /rc_token=;/, 'logout clears the cookie');
    assert.match(cookie, /Max-Age=0/i);
    assertWireError(await request(base, token, 'GET', '/api/v1/me'), 1100, undefined, 'after logout');
    assertWireError(await request(base, token, 'POST', '/api/v1/logout'), 1100, undefined, 'second logout');
    const ws = await WsClient.connect(srv.port);
    try {
      await assert.rejects(ws.request('auth', { token }), (e) => e.code === 1100);
    } finally {
      await ws.close();
    }
    // Another login of the same user is not affected.
    assertOk(await request(base, people.chair.token, 'GET', '/api/v1/me'));
  });

  test('an expired token -> 1102 (REST and WebSocket)', async () => {
    const token = await login(base, 'db01', people.delegate.password);
    assertOk(await request(base, token, 'GET', '/api/v1/me'));
    const db = path.join(srv.dataDir, 'roomctl.db');
    const sql = `UPDATE tokens SET expires_unix = CAST(strftime('%s','now') AS INTEGER) - 60 WHERE token_hash = '${sha256(token)}'; SELECT changes();`;
    const { stdout } = await execFileP('sqlite3', ['-cmd', '.timeout 5000', db, sql], { timeout: 10_000 });
    assert.equal(stdout.trim(), '1', 'the token row was found by its sha256');
    assertWireError(await request(base, token, 'GET', '/api/v1/me'), 1102, undefined, 'expired token');
    assertWireError(await request(base, token, 'GET', '/api/v1/sessions'), 1102, undefined, 'expired token');
    const ws = await WsClient.connect(srv.port);
    try {
      await assert.rejects(ws.request('auth', { token }), (e) => e.code === 1102);
    } finally {
      await ws.close();
    }
    // The user's other token still works.
    assertOk(await request(base, people.delegate.token, 'GET', '/api/v1/me'));
  });

  test('a deactivated user cannot use their token or log in', async () => {
    const { user, token, password } = await createUser(base, admin, 'db99', 'delegate');
    assertOk(await request(base, admin, 'PATCH', `/api/v1/users/${user.id}`, { active: false }));
    assertWireError(await request(base, token, 'GET', '/api/v1/me'), 1100, undefined, 'inactive user token');
    assertWireError(await request(base, null, 'POST', '/api/v1/login', { username: 'db99', password }), 1103, undefined, 'inactive login');
  });

  test('roles: a token of the wrong role gets 1101', async () => {
    const s = await createSession(base, admin, { title: 'Phiên kiểm tra quyền' });
    const cases = [
      ['delegate', 'POST', '/api/v1/sessions', sessionBody()],
      ['technician', 'POST', '/api/v1/sessions', sessionBody()],
      ['chair', 'POST', '/api/v1/sessions', sessionBody()],
      ['technician', 'PUT', `/api/v1/sessions/${s.id}/delegates`, { user_ids: [] }],
      ['delegate', 'PUT', `/api/v1/sessions/${s.id}/delegates`, { user_ids: [] }],
      ['chair', 'PUT', `/api/v1/sessions/${s.id}/sites`, { site_ids: [] }],
      ['secretariat', 'POST', '/api/v1/users', { username: 'x-new', full_name: 'X', role: 'delegate', password: '123456' }],
      ['secretariat', 'PATCH', `/api/v1/users/${people.delegate.user.id}`, { role: 'admin' }],
      ['secretariat', 'DELETE', `/api/v1/users/${people.delegate.user.id}`],
      ['delegate', 'GET', '/api/v1/users'],
      ['technician', 'GET', '/api/v1/users'],
      ['delegate', 'GET', '/api/v1/sites'],
      ['delegate', 'POST', `/api/v1/sessions/${s.id}/start`],
      ['technician', 'POST', `/api/v1/sessions/${s.id}/start`],
      ['delegate', 'DELETE', `/api/v1/sessions/${s.id}`],
      ['delegate', 'GET', `/api/v1/sessions/${s.id}/attendance`],
      ['chair', 'POST', `/api/v1/sessions/${s.id}/attendance`, { user_id: people.delegate.user.id, action: 'in' }],
      ['delegate', 'POST', `/api/v1/sessions/${s.id}/agenda`, { title: 'x' }],
    ];
    for (const [role, method, url, body] of cases) {
      assertWireError(await request(base, people[role].token, method, url, body), 1101, undefined, `${role} ${method} ${url}`);
    }
    // Nothing happened: the session is still scheduled, untouched, with no agenda.
    const after = assertOk(await request(base, admin, 'GET', `/api/v1/sessions/${s.id}`));
    assert.equal(after.status, 'scheduled');
    assert.equal(after.updated_at, s.updated_at);
    assert.deepEqual(after.agenda, []);
    const users = assertOk(await request(base, admin, 'GET', '/api/v1/users')).users;
    assert.ok(!users.some((u) => u.username === 'x-new'));
    assert.equal(users.find((u) => u.username === 'db01').role, 'delegate');
  });

  test('the role check comes before the body check', async () => {
    // A delegate sending an invalid body is told "forbidden", not "bad field".
    assertWireError(await request(base, people.delegate.token, 'POST', '/api/v1/sessions', { nonsense: 1 }), 1101);
    assertWireError(await request(base, null, 'POST', '/api/v1/sessions', '{bad json', { contentType: 'application/json' }), 1100);
  });

  test('roles that may: secretariat creates sessions, chair starts one, admin creates users', async () => {
    const s = await createSession(base, people.secretariat.token, { title: 'Phiên do thư ký tạo' });
    const started = assertOk(await request(base, people.chair.token, 'POST', `/api/v1/sessions/${s.id}/start`));
    assert.equal(started.status, 'live');
    assertOk(await request(base, people.technician.token, 'GET', `/api/v1/sessions/${s.id}/attendance`));
    assertOk(await request(base, people.technician.token, 'GET', '/api/v1/sites'));
    assertOk(await request(base, people.secretariat.token, 'GET', '/api/v1/users'));
  });

  test('a duplicate username -> 1201; an upper-case username -> 1001', async () => {
    const body = { username: 'db01', full_name: 'Trùng tên', role: 'delegate', password: '123456' };
    assertWireError(await request(base, admin, 'POST', '/api/v1/users', body), 1201);
    assertWireError(await request(base, admin, 'POST', '/api/v1/users', { ...body, username: 'DB01' }), 1001, 'username');
  });
});

// A password is hashed with argon2id ("moderate": 256 MiB, a good part of a
// second): on the auth workers, never on the main loop that every tablet's
// ballot and page turn waits on. A ping sent while the hash runs is
// answered at once, long before the write's reply.
describe('passwords are hashed off the main loop', { skip: SLOW > 1 && 'argon2id at 256 MiB under a sanitizer or valgrind' }, () => {
  let srv;
  after(async () => { if (srv) await stopClean(srv, 'the hashing tests'); });

  test('a user created or given a new password: a WebSocket ping sent meanwhile is answered first', async () => {
    srv = await startLocalServer({ config: { auth: { pwhash_cost: 'moderate' } } });
    const admin = await login(srv.base, 'admin', ADMIN_PASSWORD);
    const ws = await WsClient.connect(srv.port, { token: admin });
    const race = async (what, call) => {
      const t0 = performance.now();
      let writeMs = null, pingMs = null;
      const write = call().then((res) => { writeMs = performance.now() - t0; return res; });
      await new Promise((r) => setTimeout(r, 50)); // the request is in: the hash has begun
      const p0 = performance.now();
      await ws.request('ping', {});
      pingMs = performance.now() - p0;
      const res = await write;
      assert.ok(pingMs < (writeMs - 50) / 2, `${what}: the ping took ${pingMs.toFixed(0)} ms while the ${what} took ${writeMs.toFixed(0)} ms (the hash)`);
      return res;
    };
    for (let i = 0; i < 2; i++) {
      const created = await race('create', () => request(srv.base, admin, 'POST', '/api/v1/users',
        { username: `hash${i}`, full_name: `Người dùng ${i}`, role: 'delegate', password: `mat-khau-${i}` }));
      assertOk(created, 201, 'create');
      const changed = await race('update', () => request(srv.base, admin, 'PATCH', `/api/v1/users/${created.json.id}`,
        { password: `mat-khau-moi-${i}` }));
      assertOk(changed, 200, 'update');
      await login(srv.base, `hash${i}`, `mat-khau-moi-${i}`); // the new password is the one stored
    }
    // A user that does not exist is refused before any hashing.
    const missing = await request(srv.base, admin, 'PATCH', '/api/v1/users/99999', { password: 'mat-khau-x' });
    assert.equal(missing.status, 404);
    await ws.close();
  });
});
