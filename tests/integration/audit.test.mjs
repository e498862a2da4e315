// The audit log's hash chain: security actions are recorded, `roomctl
// --verify-audit` accepts the untouched log (exit 0, the row count), and
// names the row when the SQLite file is edited behind roomctl's back (a
// detail changed, a row deleted) with the sqlite3 command-line tool.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  ADMIN_PASSWORD, assertOk, createSession, createUser, login, request, startLocalServer, stopClean,
} from '../lib/integration.mjs';
import { DEFAULT_BINARY } from '../lib/server.mjs';
import { WsClient } from '../lib/ws-client.mjs';

const BINARY = process.env.ROOMCTL_BIN || DEFAULT_BINARY;

/** Runs a program with a time limit; resolves {code, stdout, stderr}. */
function run(file, args, timeout = 20_000) {
  return new Promise((resolve) => {
    execFile(file, args, { timeout }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr });
    });
  });
}

const sqlite = async (db, sql) => {
  const r = await run('sqlite3', [db, sql]);
  assert.equal(r.code, 0, `sqlite3 ${sql}: ${r.stderr}`);
  return r.stdout.trim();
};

describe('audit log hash chain', () => {
  let srv;
  let dataDir;
  const copies = [];

  before(async () => {
    dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'roomctl-audit-'));
    srv = await startLocalServer({ dataDir });
  });
  after(async () => {
    if (srv) await srv.stop();
    for (const d of [dataDir, ...copies]) await fs.rm(d, { recursive: true, force: true });
  });

  test('security actions are recorded with their details', async () => {
    const base = srv.base;
    const admin = await login(base, 'admin', ADMIN_PASSWORD);
    const bad = await request(base, null, 'POST', '/api/v1/login', { username: 'admin', password: 'wrong-one' });
    assert.equal(bad.status, 401);
    const d = await createUser(base, admin, 'daibieu1', 'delegate');
    assertOk(await request(base, d.token, 'POST', '/api/v1/logout'), 204);
    assertOk(await request(base, admin, 'PATCH', `/api/v1/users/${d.user.id}`, { role: 'chair' }));
    assertOk(await request(base, admin, 'PATCH', `/api/v1/users/${d.user.id}`, { active: false }));
    const s = await createSession(base, admin);
    assertOk(await request(base, admin, 'POST', `/api/v1/sessions/${s.id}/start`));
    const ws = await WsClient.connect(srv.port, { token: admin });
    const { vote } = await ws.request('vote.open', { session_id: s.id, question: 'Thông qua?' });
    await ws.request('vote.close', { vote_id: vote.id });
    ws.close();

    const { audit } = assertOk(await request(base, admin, 'GET', '/api/v1/audit?limit=100'));
    const find = (action, target) => audit.find((r) => r.action === action && (!target || r.target === target));
    assert.ok(find('login', 'user:admin'), 'login');
    assert.ok(find('login.failed', 'user:admin'), 'failed login');
    assert.ok(find('logout', `user:${d.user.id}`), 'logout');
    assert.equal(find('user.role', `user:${d.user.id}`)?.detail, 'delegate -> chair', 'role change with old and new role');
    assert.ok(find('user.deactivate', `user:${d.user.id}`), 'deactivation');
    assert.ok(find('vote.open', `vote:${vote.id}`), 'vote open');
    assert.ok(find('vote.close', `vote:${vote.id}`), 'vote close');
    for (const r of audit) assert.match(r.hash, /^[0-9a-f]{64}$/, `row ${r.id} is chained`);
    const delegate = await request(base, d.token, 'GET', '/api/v1/audit');
    assert.equal(delegate.status, 401, 'the logged-out delegate cannot read it');
  });

  test('--verify-audit: exit 0 and the row count on the untouched log', async () => {
    const status = await srv.stop();
    assert.deepEqual(status, { code: 0, signal: null });
    srv = null;
    const db = path.join(dataDir, 'roomctl.db');
    const count = Number(await sqlite(db, 'SELECT count(*) FROM audit_log'));
    assert.ok(count >= 10, `rows: ${count}`);
    const r = await run(BINARY, ['--verify-audit', '--data-dir', dataDir]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`\\b${count} rows\\b`));
    const conf = await run(BINARY, ['--verify-audit', '--config', path.join(dataDir, 'roomctl-test.conf'), '--data-dir', dataDir]);
    assert.equal(conf.code, 0, conf.stderr);
    const missing = await run(BINARY, ['--verify-audit', '--data-dir', path.join(dataDir, 'nothing-here')]);
    assert.notEqual(missing.code, 0, 'no database is an error, not an empty log');
    // A copy for each kind of tampering.
    for (let i = 0; i < 2; i++) {
      const copy = await fs.mkdtemp(path.join(os.tmpdir(), 'roomctl-audit-copy-'));
      await fs.copyFile(db, path.join(copy, 'roomctl.db'));
      copies.push(copy);
    }
  });

  test('the triggers refuse changes made through SQL', async () => {
    const db = path.join(copies[0], 'roomctl.db');
    const r = await run('sqlite3', [db, "UPDATE audit_log SET detail = 'x' WHERE id = 2"]);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /append-only/);
  });

  test('a changed detail: non-zero, naming the row', async () => {
    const db = path.join(copies[0], 'roomctl.db');
    const id = Number(await sqlite(db, "SELECT id FROM audit_log WHERE action = 'user.role'"));
    await sqlite(db, `DROP TRIGGER audit_log_no_update; UPDATE audit_log SET detail = 'delegate -> admin' WHERE id = ${id};`);
    const r = await run(BINARY, ['--verify-audit', '--data-dir', copies[0]]);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stderr, new RegExp(`broken at row ${id}\\b`));
  });

  test('a deleted row: non-zero, naming the row after the gap', async () => {
    const db = path.join(copies[1], 'roomctl.db');
    const id = Number(await sqlite(db, "SELECT id FROM audit_log WHERE action = 'login.failed' LIMIT 1"));
    await sqlite(db, `DROP TRIGGER audit_log_no_delete; DELETE FROM audit_log WHERE id = ${id};`);
    const r = await run(BINARY, ['--verify-audit', '--data-dir', copies[1]]);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stderr, new RegExp(`broken at row ${id + 1}\\b.*removed`));
  });
});
