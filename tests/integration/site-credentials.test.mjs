// Site credentials (web/docs/api.md, "Site credentials"): a WebRTC site's
// secret is made in the console (shown once, only its SHA-256 stored), signs
// the site in on GET /api/v1/site/me, is replaced by a new one and revoked;
// both changes are audited without the secret; who may make one and where
// (roles, organisations); and the transport "webrtc".

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  ADMIN_PASSWORD, assertAlive, assertOk, assertWireError, createSession, createUser, login, request, siteBody,
  startLocalServer, stopClean,
} from '../lib/integration.mjs';
import { WsClient } from '../lib/ws-client.mjs';

const sql = (db, q) => execFileSync('sqlite3', [db, q], { encoding: 'utf8' }).trim();
const SECRET = /^[A-Za-z0-9_-]{43}$/;

describe('site credentials', () => {
  let srv;
  let base;
  let admin;
  let site; // a webrtc site of the province
  const secrets = []; // every secret made, to look for in the audit, the log and the database

  const api = (token, method, p, body) => request(base, token, method, p, body);
  const me = (secret) => request(base, secret, 'GET', '/api/v1/site/me');
  async function makeKey(token, id, status = 201) {
    const res = await api(token, 'POST', `/api/v1/sites/${id}/credential`);
    const body = assertOk(res, status, `POST /sites/${id}/credential`);
    if (status === 201) secrets.push(body.secret);
    return body;
  }

  before(async () => {
    srv = await startLocalServer({ config: { media: { enabled: 'false' } } });
    base = srv.base;
    admin = await login(base, 'admin', ADMIN_PASSWORD);
    site = assertOk(await api(admin, 'POST', '/api/v1/sites',
      siteBody({ code: 'XA-TAN-AN', name: 'Xã Tân An', level: 'province', transport: 'webrtc' })), 201, 'webrtc site');
  });
  after(async () => {
    if (srv) {
      await assertAlive(srv, 'the site credential tests');
      await stopClean(srv, 'the site credential tests');
    }
  });

  test('the transport "webrtc" is a site transport; another name is refused', async () => {
    assert.equal(site.transport, 'webrtc');
    assert.equal(site.credential, null, 'no credential yet');
    const other = assertOk(await api(admin, 'POST', '/api/v1/sites', siteBody({ code: 'RTP1', level: 'province' })), 201);
    const changed = assertOk(await api(admin, 'PATCH', `/api/v1/sites/${other.id}`, { transport: 'webrtc' }));
    assert.equal(changed.transport, 'webrtc');
    assertWireError(await api(admin, 'PATCH', `/api/v1/sites/${other.id}`, { transport: 'h323' }), 1001, 'transport');
    const csv = 'code,name,level,transport\nXA-CSV,Xã CSV,province,webrtc\n';
    const imported = await request(base, admin, 'POST', '/api/v1/import/sites?dry_run=1', csv, { contentType: 'text/csv' });
    assert.equal(imported.status, 200, imported.text);
    assert.equal(imported.json.valid, true, `a CSV row of transport webrtc: ${imported.text}`);
    const wrong = await request(base, admin, 'POST', '/api/v1/import/sites?dry_run=1', csv.replace('webrtc', 'h323'),
      { contentType: 'text/csv' });
    assert.equal(wrong.json.valid, false);
  });

  test('made: 201 {site_id, secret (43 chars of base64url), created_at}; the site signs in with it', async () => {
    const key = await makeKey(admin, site.id);
    assert.equal(key.site_id, site.id);
    assert.match(key.secret, SECRET);
    assert.match(key.created_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    const listed = assertOk(await api(admin, 'GET', '/api/v1/sites')).sites.find((s) => s.id === site.id);
    assert.deepEqual(listed.credential, { created_at: key.created_at });
    assert.deepEqual(assertOk(await api(admin, 'GET', `/api/v1/sites/${site.id}`)).credential, { created_at: key.created_at });
    const view = assertOk(await me(key.secret), 200, 'site/me');
    assert.deepEqual(view.site, { id: site.id, code: 'XA-TAN-AN', name: 'Xã Tân An', transport: 'webrtc', level: 'province' });
    assert.equal(view.session, null, 'in no live session');
    assert.equal(view.floor, false);
    assert.equal(view.organisation.id, 1);
    assert.equal(view.organisation.kind, 'province');
    assert.equal(typeof view.province, 'string');
  });

  test('site/me: no secret 401, a wrong one 401, a user\'s login 403', async () => {
    assertWireError(await me(null), 1100);
    const bad = await me('A'.repeat(43));
    assertWireError(bad, 1100);
    assert.equal(bad.json.error.reason, 'unknown or revoked site credential');
    assertWireError(await me('short'), 1100);
    assertWireError(await me(admin), 1101);
  });

  test('the live session whose sites include the site, and the floor as its delegate speaks', async () => {
    const key = await makeKey(admin, site.id);
    const delegate = await createUser(base, admin, 'db-tanan', 'delegate');
    assertOk(await api(admin, 'PATCH', `/api/v1/users/${delegate.user.id}`, { site_id: site.id }));
    const s = await createSession(base, admin, { title: 'Phiên có điểm cầu WebRTC' });
    assertOk(await api(admin, 'PUT', `/api/v1/sessions/${s.id}/sites`, { site_ids: [site.id] }));
    assertOk(await api(admin, 'PUT', `/api/v1/sessions/${s.id}/delegates`, { user_ids: [delegate.user.id] }));
    assert.equal(assertOk(await me(key.secret)).session, null, 'scheduled is not live');
    assertOk(await api(admin, 'POST', `/api/v1/sessions/${s.id}/start`));
    let view = assertOk(await me(key.secret));
    assert.deepEqual(view.session, { id: s.id, title: 'Phiên có điểm cầu WebRTC', status: 'live', closed: false });
    assert.equal(view.floor, false);
    const chair = await WsClient.connect(srv.port, { token: admin });
    const d = await WsClient.connect(srv.port, { token: delegate.token });
    try {
      await chair.request('checkin', { session_id: s.id, user_id: delegate.user.id });
      await d.request('speak.request', { session_id: s.id });
      await chair.request('speak.grant', { session_id: s.id, user_id: delegate.user.id });
      view = assertOk(await me(key.secret));
      assert.equal(view.floor, true, 'its delegate holds the floor');
      await chair.request('speak.end', { session_id: s.id });
      assert.equal(assertOk(await me(key.secret)).floor, false);
    } finally {
      chair.close();
      d.close();
    }
    assertOk(await api(admin, 'POST', `/api/v1/sessions/${s.id}/end`));
    assert.equal(assertOk(await me(key.secret)).session, null, 'ended');
  });

  test('a new credential replaces the old one; a revoked one opens nothing', async () => {
    const first = await makeKey(admin, site.id);
    const second = await makeKey(admin, site.id);
    assert.notEqual(first.secret, second.secret);
    assertWireError(await me(first.secret), 1100);
    assertOk(await me(second.secret));
    const revoked = assertOk(await api(admin, 'DELETE', `/api/v1/sites/${site.id}/credential`));
    assert.deepEqual(revoked, { site_id: site.id, revoked: true });
    assertWireError(await me(second.secret), 1100);
    assert.equal(assertOk(await api(admin, 'GET', `/api/v1/sites/${site.id}`)).credential, null);
    assertWireError(await api(admin, 'DELETE', `/api/v1/sites/${site.id}/credential`), 1200);
    assertWireError(await api(admin, 'POST', '/api/v1/sites/999999/credential'), 1200);
  });

  test('roles: admin, secretariat and technician make and revoke; a chair or a delegate may not', async () => {
    for (const role of ['secretariat', 'technician']) {
      const u = await createUser(base, admin, `k-${role}`, role);
      const key = await makeKey(u.token, site.id);
      assertOk(await me(key.secret));
      assertOk(await api(u.token, 'DELETE', `/api/v1/sites/${site.id}/credential`));
    }
    for (const role of ['chair', 'delegate']) {
      const u = await createUser(base, admin, `k-${role}`, role);
      assertWireError(await api(u.token, 'POST', `/api/v1/sites/${site.id}/credential`), 1101);
      assertWireError(await api(u.token, 'DELETE', `/api/v1/sites/${site.id}/credential`), 1101);
    }
    assertWireError(await api(null, 'POST', `/api/v1/sites/${site.id}/credential`), 1100);
  });

  test('scope: another unit\'s secretariat gets 404 for this unit\'s site', async () => {
    const mk = async (code) => assertOk(await api(admin, 'POST', '/api/v1/organisations',
      { code, name: `Đơn vị ${code}`, kind: 'commune', parent_id: 1 }), 201).id;
    const a = await mk('XA-A');
    const b = await mk('XA-B');
    const own = assertOk(await api(admin, 'POST', '/api/v1/sites',
      siteBody({ code: 'XA-A-1', level: 'province', transport: 'webrtc', organisation_id: a })), 201);
    const secA = await createUser(base, admin, 'tk-a', 'secretariat', { fields: { organisation_id: a } });
    const secB = await createUser(base, admin, 'tk-b', 'secretariat', { fields: { organisation_id: b } });
    assertWireError(await api(secB.token, 'POST', `/api/v1/sites/${own.id}/credential`), 1200);
    const key = await makeKey(secA.token, own.id);
    assertWireError(await api(secB.token, 'DELETE', `/api/v1/sites/${own.id}/credential`), 1200);
    assertOk(await me(key.secret), 200, 'still valid');
    const view = assertOk(await me(key.secret));
    assert.equal(view.organisation.id, a);
  });

  test('audited without the secret; the database keeps only its SHA-256; the log never shows it', async () => {
    const key = await makeKey(admin, site.id);
    const audit = assertOk(await api(admin, 'GET', '/api/v1/audit?limit=1000')).audit;
    const made = audit.filter((r) => r.action === 'site.credential' && r.target === `site:${site.id}`);
    const gone = audit.filter((r) => r.action === 'site.credential.revoke' && r.target === `site:${site.id}`);
    assert.ok(made.length >= 5, `${made.length} site.credential rows`);
    assert.ok(gone.length >= 3, `${gone.length} site.credential.revoke rows`);
    const text = JSON.stringify(audit);
    for (const s of secrets) assert.ok(!text.includes(s), 'no secret in the audit log');
    const db = path.join(srv.dataDir, 'roomctl.db');
    const rows = sql(db, 'SELECT site_id, hash, created_at, created_by FROM site_credentials ORDER BY site_id');
    const hash = sql(db, `SELECT hash FROM site_credentials WHERE site_id = ${site.id}`);
    const { createHash } = await import('node:crypto');
    assert.equal(hash, createHash('sha256').update(key.secret).digest('hex'));
    const dump = execFileSync('sqlite3', [db, '.dump'], { encoding: 'utf8' });
    for (const s of secrets) {
      assert.ok(!rows.includes(s), 'no secret in site_credentials');
      assert.ok(!dump.includes(s), 'no secret anywhere in the database');
      assert.ok(!srv.stderr.includes(s) && !srv.stdout.includes(s), 'no secret in the log');
    }
    assert.equal(sql(db, `SELECT created_by FROM site_credentials WHERE site_id = ${site.id}`),
      String(assertOk(await api(admin, 'GET', '/api/v1/me')).id));
  });
});
