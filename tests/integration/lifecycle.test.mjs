// The daemon's life: config checking, clean stop on SIGTERM, and a restart
// on the same data directory that keeps every row (migrations run once) and
// gives the WebSocket a new epoch.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { DEFAULT_BINARY, REPO_ROOT, testConfig } from '../lib/server.mjs';
import {
  ADMIN_PASSWORD, assertOk, createSession, createUser, login, request, startLocalServer,
} from '../lib/integration.mjs';
import { WsClient } from '../lib/ws-client.mjs';

const BINARY = process.env.ROOMCTL_BIN || DEFAULT_BINARY;

/** Runs roomctl with @args; resolves {code, signal, stdout, stderr}; kills it after timeoutMs. */
function run(args, timeoutMs = 10_000) {
  return new Promise((resolve, reject) => {
    const proc = spawn(BINARY, args, { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    proc.stdout.on('data', (d) => { stdout += d; });
    proc.stderr.on('data', (d) => { stderr += d; });
    const timer = setTimeout(() => proc.kill('SIGKILL'), timeoutMs);
    proc.on('error', reject);
    proc.on('exit', (code, signal) => { clearTimeout(timer); resolve({ code, signal, stdout, stderr }); });
  });
}

/** Resolves with {code, signal} when @proc exits, or 'timeout' after ms. */
function exitWithin(proc, ms) {
  if (proc.exitCode !== null || proc.signalCode !== null) return Promise.resolve({ code: proc.exitCode, signal: proc.signalCode });
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve('timeout'), ms);
    proc.once('exit', (code, signal) => { clearTimeout(timer); resolve({ code, signal }); });
  });
}

describe('config checking', () => {
  let dir;
  after(async () => { if (dir) await fs.rm(dir, { recursive: true, force: true }); });

  const writeConf = async (name, text) => {
    dir = dir || await fs.mkdtemp(path.join(os.tmpdir(), 'roomctl-conf-'));
    const p = path.join(dir, name);
    await fs.writeFile(p, text);
    return p;
  };

  test('--check-config accepts the shipped configs/roomctl.conf', async () => {
    const r = await run(['--check-config', path.join(REPO_ROOT, 'configs', 'roomctl.conf')]);
    assert.equal(r.code, 0, `exit code; stderr: ${r.stderr}`);
    assert.match(r.stdout, /OK/);
  });

  test('--check-config accepts the test configuration', async () => {
    const r = await run(['--check-config', await writeConf('ok.conf', testConfig({ http: { max_upload_mb: 1 } }))]);
    assert.equal(r.code, 0, `exit code; stderr: ${r.stderr}`);
  });

  test('an unknown key is refused and named on stderr', async () => {
    const r = await run(['--check-config', await writeConf('unknown.conf', '[server]\nport=8080\nlisten_adress=0.0.0.0\n')]);
    assert.notEqual(r.code, 0, 'exit code');
    assert.match(r.stderr, /listen_adress/);
  });

  test('an unknown group is refused and named on stderr', async () => {
    const r = await run(['--check-config', await writeConf('group.conf', '[sever]\nport=8080\n')]);
    assert.notEqual(r.code, 0, 'exit code');
    assert.match(r.stderr, /sever/);
  });

  for (const [key, text] of [
    ['max_upload_mb', '[http]\nmax_upload_mb=lots\n'],
    ['port', '[server]\nport=70000\n'],
    ['token_ttl_hours', '[auth]\ntoken_ttl_hours=0\n'],
    ['pwhash_cost', '[auth]\npwhash_cost=fast\n'],
    ['seed', '[demo]\nseed=yes\n'],
    ['max_body_kb', '[http]\nmax_body_kb=12abc\n'],
  ]) {
    test(`a bad value of ${key} is refused and named on stderr`, async () => {
      const r = await run(['--check-config', await writeConf(`bad-${key}.conf`, text)]);
      assert.notEqual(r.code, 0, `exit code; stdout: ${r.stdout}`);
      assert.match(r.stderr, new RegExp(key));
    });
  }

  // [meeting] timezone: one zone for every app and document, so one the
  // browsers' Intl knows too: a name of the zone database, nothing else.
  for (const [what, zone] of [['an unknown zone', 'Asia/Hoa_Binh_Xanh'], ['an offset', '+07:00'],
    ['a POSIX rule', 'ICT-7'], ['a path out of the zone database', '../../etc/passwd'], ['nothing', '']]) {
    test(`[meeting] timezone: ${what} is a config error naming the key`, async () => {
      const r = await run(['--check-config', await writeConf(`zone-${what.replace(/\W+/g, '-')}.conf`,
        `[meeting]\ntimezone=${zone}\n`)]);
      assert.notEqual(r.code, 0, `exit code; stdout: ${r.stdout}`);
      assert.match(r.stderr, /\[meeting\] timezone: .* is not a time zone name/);
    });
  }

  test('[meeting] timezone and organisation: a zone name and a one-line name are accepted', async () => {
    const r = await run(['--check-config', await writeConf('zone-ok.conf',
      '[meeting]\ntimezone=America/New_York\norganisation=HỘI ĐỒNG NHÂN DÂN TỈNH THỬ NGHIỆM\n')]);
    assert.equal(r.code, 0, r.stderr);
  });

  test('[meeting] organisation: empty or longer than 200 characters is refused', async () => {
    for (const name of ['', 'Đ'.repeat(201)]) {
      const r = await run(['--check-config', await writeConf('org-bad.conf', `[meeting]\norganisation=${name}\n`)]);
      assert.notEqual(r.code, 0);
      assert.match(r.stderr, /\[meeting\] organisation/);
    }
  });

  test('the old [records] timezone says where the key went', async () => {
    const r = await run(['--check-config', await writeConf('old-zone.conf', '[records]\ntimezone=+07:00\n')]);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /\[records\] timezone is now \[meeting\] timezone/);
  });

  test('the daemon itself refuses to start with a bad config', async () => {
    const conf = await writeConf('start-bad.conf', `${testConfig()}\n[ws]\nmax_queue=3\n`);
    const data = path.join(dir, 'data-bad');
    const r = await run(['--config', conf, '--port', '0', '--listen', '127.0.0.1', '--data-dir', data]);
    assert.notEqual(r.code, 0, 'exit code');
    assert.equal(r.signal, null, 'not killed by the timeout');
    assert.match(r.stderr, /max_queue/);
  });
});

describe('stop and restart', () => {
  const servers = [];
  let dataDir;
  after(async () => {
    for (const s of servers) await s.stop();
    if (dataDir) await fs.rm(dataDir, { recursive: true, force: true });
  });

  test('SIGTERM stops the daemon with exit code 0 within 5 s', async () => {
    const srv = await startLocalServer();
    servers.push(srv);
    const token = await login(srv.base, 'admin', ADMIN_PASSWORD);
    // An open WebSocket and a kept-alive HTTP connection must not hold the stop up.
    const ws = await WsClient.connect(srv.port, { token });
    try {
      srv.proc.kill('SIGTERM');
      const res = await exitWithin(srv.proc, 5000);
      assert.notEqual(res, 'timeout', 'roomctl did not stop within 5 s of SIGTERM');
      assert.deepEqual(res, { code: 0, signal: null }, `exit status; stderr:\n${srv.stderr.slice(-3000)}`);
    } finally {
      await ws.close();
    }
  });

  test('log lines keep Vietnamese text intact under the C locale', async () => {
    const srv = await startLocalServer({ env: { LC_ALL: 'C', LANG: 'C' } });
    servers.push(srv);
    const token = await login(srv.base, 'admin', ADMIN_PASSWORD);
    const s = await createSession(srv.base, token, { title: 'Kỳ họp thứ Mười hai' });
    assertOk(await request(srv.base, token, 'POST', `/api/v1/sessions/${s.id}/start`));
    assertOk(await request(srv.base, token, 'POST', '/api/v1/login', { username: 'admin', password: ADMIN_PASSWORD }));
    await request(srv.base, null, 'POST', '/api/v1/login', { username: 'người.lạ', password: 'sai mật khẩu' });
    await srv.stop();
    const log = srv.stderr + srv.stdout;
    assert.ok(log.includes('người.lạ'), `the refused login is logged with its UTF-8 name:\n${log.slice(-1500)}`);
    assert.ok(!/ng\?\?i/.test(log), 'no ? in place of Vietnamese letters');
  });

  test('a restart on the same data dir keeps the data and changes the epoch', async () => {
    dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'roomctl-restart-'));
    const first = await startLocalServer({ dataDir });
    servers.push(first);
    const admin = await login(first.base, 'admin', ADMIN_PASSWORD);
    const health1 = assertOk(await request(first.base, null, 'GET', '/healthz'));
    const { user } = await createUser(first.base, admin, 'thuky.moi', 'secretariat', { full_name: 'Trần Thị Thư Ký' });
    const session = await createSession(first.base, admin, { title: 'Phiên trước khi khởi động lại' });
    const users1 = assertOk(await request(first.base, admin, 'GET', '/api/v1/users')).users;
    const ws1 = await WsClient.connect(first.port, { token: admin });
    const ack1 = await ws1.request('subscribe', { session_id: session.id });
    await ws1.close();

    const stopped = await first.stop();
    assert.deepEqual(stopped, { code: 0, signal: null }, `first run stopped cleanly; stderr:\n${first.stderr.slice(-3000)}`);

    const second = await startLocalServer({ dataDir });
    servers.push(second);
    const health2 = assertOk(await request(second.base, null, 'GET', '/healthz'));
    assert.equal(health2.schema, health1.schema, 'schema version unchanged');
    // The user made in the first run can log in; nothing was duplicated.
    const token = await login(second.base, 'thuky.moi', 'pw-thuky.moi-123');
    const me = assertOk(await request(second.base, token, 'GET', '/api/v1/me'));
    assert.equal(me.id, user.id);
    assert.equal(me.full_name, 'Trần Thị Thư Ký');
    const admin2 = await login(second.base, 'admin', ADMIN_PASSWORD);
    const users2 = assertOk(await request(second.base, admin2, 'GET', '/api/v1/users')).users;
    assert.deepEqual(users2, users1, 'the same users, no second admin');
    const got = assertOk(await request(second.base, admin2, 'GET', `/api/v1/sessions/${session.id}`));
    assert.equal(got.title, 'Phiên trước khi khởi động lại');
    assert.equal(got.starts_at, session.starts_at);
    const list = assertOk(await request(second.base, admin2, 'GET', '/api/v1/sessions')).sessions;
    assert.equal(list.length, 1);

    const ws2 = await WsClient.connect(second.port, { token: admin2 });
    try {
      const ack2 = await ws2.request('subscribe', { session_id: session.id });
      assert.equal(typeof ack2.epoch, 'string');
      assert.ok(ack2.epoch.length > 0);
      assert.notEqual(ack2.epoch, ack1.epoch, 'the epoch changes when the controller restarts');
      // An old epoch cannot replay: a fresh snapshot comes instead.
      const ack3 = await ws2.request('subscribe', { session_id: session.id, last_seq: 0, epoch: ack1.epoch });
      assert.equal(ack3.replay, false);
      const snap = await ws2.waitFor((m) => m.type === 'snapshot' && m.session_id === session.id && m.epoch === ack2.epoch);
      assert.equal(snap.body.session.title, 'Phiên trước khi khởi động lại');
    } finally {
      await ws2.close();
    }
  });
});
