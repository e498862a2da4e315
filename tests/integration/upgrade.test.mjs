// Upgrades: a data directory made by the roomctl of schema 7 (commit
// 5a5f31c; fixtures/make-schema-7.mjs made fixtures/schema-7/) is migrated
// at start with a backup of it made first, which restores; a migration that
// fails leaves the old database as it was; a database of a newer schema is
// refused naming both versions.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { request, stopClean } from '../lib/integration.mjs';
import { roomctl } from '../lib/meeting.mjs';
import { ADMIN_PASSWORD, login, startServer, testConfig } from '../lib/server.mjs';

// The schema this roomctl migrates to (controller/store/store.c: migrations).
const LATEST = 16;

const FIXTURE = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures', 'schema-7');
const config = { media: { enabled: 'false' } };
const sql = (db, q) => execFileSync('sqlite3', [db, q], { encoding: 'utf8' }).trim();
const sha = (f) => crypto.createHash('sha256').update(fs.readFileSync(f)).digest('hex');

/** A data directory as roomctl of schema 7 left it. */
function oldDataDir(parent, name) {
  const dir = path.join(parent, name);
  fs.mkdirSync(path.join(dir, 'documents'), { recursive: true });
  execFileSync('sqlite3', [path.join(dir, 'roomctl.db')], { input: fs.readFileSync(path.join(FIXTURE, 'roomctl.sql')) });
  for (const f of fs.readdirSync(path.join(FIXTURE, 'documents')))
    fs.copyFileSync(path.join(FIXTURE, 'documents', f), path.join(dir, 'documents', f));
  return dir;
}

/** The schema as SQLite keeps it (every object's SQL) and the version. */
const schemaOf = (db) => `${sql(db, 'PRAGMA user_version')}\n${sql(db, 'SELECT type, name, sql FROM sqlite_master ORDER BY name')}`;

describe('upgrade from schema 7', () => {
  let work;
  let conf;
  before(() => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'roomctl-upgrade-'));
    conf = path.join(work, 'cli.conf');
    fs.writeFileSync(conf, testConfig(config));
  });
  after(() => fs.rmSync(work, { recursive: true, force: true }));

  test('the daemon migrates it after backing it up; the data is all there; the backup restores', async () => {
    const dir = oldDataDir(work, 'data');
    const db = path.join(dir, 'roomctl.db');
    const old = { schema: schemaOf(db), sessions: sql(db, 'SELECT count(*) FROM sessions'), audit: sql(db, 'SELECT count(*) FROM audit_log') };
    assert.match(old.schema, /^7\n/);
    const srv = await startServer({ dataDir: dir, config });
    let backups;
    try {
      assert.equal((await request(srv.base, null, 'GET', '/healthz')).json.schema, LATEST);
      assert.match(srv.stderr, new RegExp(`backup before migrating schema 7 to ${LATEST}: .*backups/pre-migration-v7-\\d{8}T\\d{6}Z`));
      assert.match(srv.stderr, new RegExp(`database migrated from schema 7 to ${LATEST}`));
      const admin = await login(srv.base, 'admin', ADMIN_PASSWORD);
      const sessions = (await request(srv.base, admin, 'GET', '/api/v1/sessions')).json;
      assert.equal(String((sessions.sessions || sessions).length), old.sessions);
      const sites = await request(srv.base, admin, 'POST', '/api/v1/sites', { code: 'NEW', name: 'Mới', level: 'province', parent_id: null, transport: 'rtp', address: '', h264_payload_type: 97 });
      assert.equal(sites.status, 201, sites.text);
      assert.equal(sites.json.h264_payload_type, 97, 'a schema-8 column');
      assert.equal(sql(db, 'SELECT count(*) FROM sip_calls'), '0', 'schema 12: the SIP call records, none yet');
      assert.equal(sql(db, 'SELECT count(*) FROM site_floor_requests'), '0', 'schema 13: the sites asking for the floor, none yet');
      assert.equal(sql(db, 'SELECT count(*) FROM sessions WHERE closed'), '0', 'schema 14: no session is closed');
      assert.equal(sql(db, 'SELECT count(*) FROM document_recoveries') + sql(db, 'SELECT count(*) FROM site_srtp_keys'), '00', 'schema 15: none yet');
      assert.equal(sql(db, 'SELECT count(*) FROM sessions WHERE record IS NOT NULL OR rtsp_out IS NOT NULL'), '0',
        'schema 15: every session records and serves RTSP as [media] says');
      // Schema 9: everything is the province's, and the staff who saw every session still do.
      const orgs = (await request(srv.base, admin, 'GET', '/api/v1/organisations')).json.organisations;
      assert.deepEqual(orgs.map((o) => [o.id, o.kind]), [[1, 'province']]);
      const users = (await request(srv.base, admin, 'GET', '/api/v1/users')).json.users;
      assert.ok(users.length > 1 && users.every((u) => u.organisation_id === 1), 'every user in the province');
      for (const u of users.filter((x) => ['secretariat', 'chair', 'technician'].includes(x.role)))
        assert.equal(u.include_children, true, `${u.username} keeps seeing every session`);
      backups = fs.readdirSync(path.join(dir, 'backups'));
      await stopClean(srv, 'the migrated daemon');
    } finally {
      await srv.stop();
    }
    assert.equal(backups.length, 1);
    assert.match(backups[0], /^pre-migration-v7-\d{8}T\d{6}Z$/);
    const backup = path.join(dir, 'backups', backups[0]);
    const m = JSON.parse(fs.readFileSync(path.join(backup, 'manifest.json'), 'utf8'));
    assert.equal(m.schema, 7);
    assert.equal(m.files.filter((f) => f.path.startsWith('documents/')).length, fs.readdirSync(path.join(FIXTURE, 'documents')).length);
    assert.equal(schemaOf(path.join(backup, 'roomctl.db')), old.schema, 'the backup is the database before the migration');
    const v = await roomctl(['--config', conf, '--data-dir', dir, '--verify-audit']);
    assert.equal(v.code, 0, v.stderr);
    assert.match(v.stdout, new RegExp(`audit log OK: ${Number(old.audit) + 2} rows`), 'the old chain and the login and site rows');

    // The pre-migration backup restores (and is migrated again on opening, with its own backup first).
    const restored = path.join(work, 'restored');
    const r = await roomctl(['--config', conf, '--data-dir', restored, '--restore', backup]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`audit log OK: ${old.audit} rows`));
    assert.equal(sql(path.join(restored, 'roomctl.db'), 'SELECT count(*) FROM sessions'), old.sessions);
  });

  test('a migration that fails leaves the old database as it was (all migrations in one transaction)', async () => {
    // Schema 6 (7 only added calendar_tokens), with a column made by hand
    // that migration 8 adds too: 7 applies, 8 fails.
    const dir = oldDataDir(work, 'failing');
    const db = path.join(dir, 'roomctl.db');
    sql(db, 'DROP TABLE calendar_tokens; PRAGMA user_version = 6; ALTER TABLE sites ADD COLUMN h264_payload_type INTEGER;');
    const before6 = schemaOf(db);
    const rows = sql(db, 'SELECT count(*) FROM audit_log');
    const res = await roomctl(['--config', conf, '--data-dir', dir, '--port', '0', '--listen', '127.0.0.1'], { timeoutMs: 20_000 });
    assert.equal(res.code, 1);
    assert.equal(schemaOf(db), before6, 'schema 6 as it was: no calendar_tokens, version 6');
    assert.match(res.stderr, /migration to schema 8 failed, the database is unchanged at schema 6: duplicate column name: h264_payload_type/);
    assert.equal(sql(db, 'SELECT count(*) FROM audit_log'), rows);
    assert.equal(sql(db, 'PRAGMA integrity_check'), 'ok');
  });

  test('a database of a newer schema is refused, naming both versions, and not written to', async () => {
    const dir = oldDataDir(work, 'newer');
    const db = path.join(dir, 'roomctl.db');
    sql(db, `PRAGMA journal_mode=WAL; PRAGMA user_version = ${LATEST + 1};`);
    const hash = sha(db);
    const res = await roomctl(['--config', conf, '--data-dir', dir, '--port', '0', '--listen', '127.0.0.1'], { timeoutMs: 20_000 });
    assert.equal(res.code, 1);
    assert.equal(sha(db), hash);
    assert.match(res.stderr, new RegExp(`database schema version ${LATEST + 1} is newer than this roomctl \\S+ \\(${LATEST}\\); use a newer roomctl or restore a backup`));
    assert.ok(!fs.existsSync(path.join(dir, 'backups')), 'no backup either');

    // The same for a backup of it.
    const made = await roomctl(['--config', conf, '--data-dir', dir, '--backup', path.join(work, 'newer-backups')]);
    assert.equal(made.code, 0, made.stderr);
    const backup = /^backup made: (.+)$/m.exec(made.stdout)[1];
    const r = await roomctl(['--config', conf, '--data-dir', path.join(work, 'newer-restored'), '--restore', backup]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, new RegExp(`the backup's database schema version ${LATEST + 1} is newer than this roomctl \\S+ \\(${LATEST}\\)`));
    assert.ok(!fs.existsSync(path.join(work, 'newer-restored')));
  });
});
