// roomctl as a systemd service, without systemd as PID 1: the sd_notify
// protocol against a real unix datagram socket (READY=1 once the port
// answers, WATCHDOG=1 from the main loop, none while it is stopped,
// STOPPING=1 on SIGTERM), the journal's native protocol through
// tests/lib/fake-journald.py (structured fields ROOMCTL_SESSION, ROOMCTL_USER),
// `make install DESTDIR=…` into a temporary root and the installed binary
// started with the installed config, and `systemd-analyze verify` on the unit.

import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { promisify } from 'node:util';
import { after, before, describe, test } from 'node:test';
import {
  ADMIN_PASSWORD, DEFAULT_BINARY, REPO_ROOT, SLOW, freePort, login, reapOnExit, testConfig,
} from '../lib/server.mjs';
import { assertOk, createSession, request } from '../lib/integration.mjs';

const BINARY = process.env.ROOMCTL_BIN || DEFAULT_BINARY;
const PYTHON = '/usr/bin/python3';
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const run = promisify(execFile);

/** Spawns @cmd and collects its stdout as JSON lines in .lines; .waitFor(pred, ms). */
function jsonLines(cmd, args, opts = {}) {
  const proc = reapOnExit(spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], ...opts }));
  const lines = [];
  const waiters = new Set();
  let stderr = '';
  proc.stderr.on('data', (d) => { stderr += d; });
  readline.createInterface({ input: proc.stdout }).on('line', (l) => {
    let v;
    try { v = JSON.parse(l); } catch { v = { text: l }; }
    v.at = Date.now();
    lines.push(v);
    for (const w of waiters) w();
  });
  const exited = new Promise((resolve) => proc.on('exit', (code, signal) => resolve({ code, signal })));
  const waitFor = (pred, ms, what) => new Promise((resolve, reject) => {
    const check = () => {
      const hit = lines.find(pred);
      if (hit) { waiters.delete(check); clearTimeout(timer); resolve(hit); }
    };
    const timer = setTimeout(() => {
      waiters.delete(check);
      reject(new Error(`${what}: not seen within ${ms} ms; got ${JSON.stringify(lines.slice(-20))}; stderr ${stderr}`));
    }, ms);
    waiters.add(check);
    check();
  });
  return { proc, lines, waitFor, exited, get stderr() { return stderr; } };
}

/** A unix datagram socket (python3; node's dgram has none) printing each message. */
const NOTIFY_RECEIVER = `
import json, socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
print(json.dumps({"bound": True}), flush=True)
while True:
    msg = s.recv(65536).decode("utf-8", "replace")
    print(json.dumps({"t": time.monotonic(), "msg": msg}), flush=True)
`;

/** The daemon under a shell that sets WATCHDOG_PID to its own pid before
 *  exec (systemd sets it to the main pid), as `sh -c` gives $$. */
async function startNotified(dir, env, config = { media: { enabled: 'false' } }) {
  const port = await freePort();
  const conf = path.join(dir, 'roomctl.conf');
  await fs.writeFile(conf, testConfig(config));
  const script = `${env.WATCHDOG_PID === 'self' ? 'export WATCHDOG_PID=$$; ' : ''}exec "$0" "$@"`;
  const childEnv = { ...process.env, ...env };
  if (env.WATCHDOG_PID === 'self') delete childEnv.WATCHDOG_PID;
  const proc = reapOnExit(spawn('/bin/sh', ['-c', script, BINARY, '--config', conf, '--port', String(port),
    '--data-dir', dir], { env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] }));
  let stderr = '';
  proc.stderr.on('data', (d) => { stderr += d; });
  proc.stdout.resume();
  const exited = new Promise((resolve) => proc.on('exit', (code, signal) => resolve({ code, signal })));
  return { proc, port, exited, get stderr() { return stderr; } };
}

async function healthz(port) {
  const res = await fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(2000) });
  return res.status;
}

describe('sd_notify: readiness, watchdog, stopping', () => {
  let dir;
  let receiver;
  let socketPath;
  before(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'roomctl-notify-'));
    socketPath = path.join(dir, 'notify.sock');
    receiver = jsonLines(PYTHON, ['-c', NOTIFY_RECEIVER, socketPath]);
    await receiver.waitFor((l) => l.bound, 5000, 'notify socket bound');
  });
  after(async () => {
    receiver?.proc.kill('SIGKILL');
    if (dir) await fs.rm(dir, { recursive: true, force: true });
  });
  const messages = (pred) => receiver.lines.filter((l) => l.msg !== undefined && pred(l.msg));
  const watchdogs = () => messages((m) => m.split('\n').includes('WATCHDOG=1'));

  test('READY=1 after the port answers, WATCHDOG=1 at half the interval, none while stopped, STOPPING=1 on SIGTERM', async () => {
    const d = await startNotified(dir, { NOTIFY_SOCKET: socketPath, WATCHDOG_USEC: '1000000', WATCHDOG_PID: 'self' });
    try {
      const ready = await receiver.waitFor((l) => l.msg?.split('\n').includes('READY=1'), 20_000 * SLOW, 'READY=1');
      // Told ready: whatever systemd starts after it can connect now.
      assert.equal(await healthz(d.port), 200, 'the port answers when READY=1 arrives');
      assert.match(ready.msg, new RegExp(`STATUS=port ${d.port}, 0 live sessions, \\d+ WebSocket clients?`));

      const first = watchdogs().length;
      await sleep(3000);
      const pings = watchdogs().slice(first);
      // WATCHDOG_USEC=1 s: a ping every 0.5 s; no more than twice that rate
      // and well within the interval systemd would kill at.
      assert.ok(pings.length >= 3, `pings in 3 s: ${pings.length}`);
      assert.ok(pings.length <= 13, `pings in 3 s: ${pings.length} (too many)`);
      const gaps = pings.slice(1).map((p, i) => p.t - pings[i].t).sort((a, b) => a - b);
      assert.ok(gaps[Math.floor(gaps.length / 2)] < 1.0, `median gap ${gaps} s`);
      assert.ok(pings.every((p) => /STATUS=port \d+, /.test(p.msg)), 'each ping carries the status line');

      // A stuck main loop: no pings, so systemd's watchdog would fire.
      process.kill(d.proc.pid, 'SIGSTOP');
      await sleep(300); // a datagram already on its way
      const stopped = watchdogs().length;
      await sleep(3000);
      assert.equal(watchdogs().length, stopped, 'no WATCHDOG=1 during 3 s with the daemon stopped');
      process.kill(d.proc.pid, 'SIGCONT');
      await receiver.waitFor(() => watchdogs().length > stopped, 5000 * SLOW, 'pings again after SIGCONT');

      d.proc.kill('SIGTERM');
      const stopping = await receiver.waitFor((l) => l.msg?.split('\n').includes('STOPPING=1'), 10_000 * SLOW, 'STOPPING=1');
      assert.ok(stopping.at >= ready.at);
      const exit = await d.exited;
      assert.equal(exit.code, 0, `exit; stderr: ${d.stderr}`);
      const afterStop = watchdogs().filter((p) => p.at > stopping.at + 100);
      assert.equal(afterStop.length, 0, 'no ping after STOPPING=1');
    } finally {
      d.proc.kill('SIGKILL');
      await d.exited;
    }
  });

  test('a second signal while it stops (after systemd\'s SIGTERM, a Ctrl-C) ends it cleanly', async () => {
    // A live session's media takes a while to stop, and rc_auth_free then
    // runs the main loop to finish password checks: the second signal is
    // handled there, after the service module was freed.
    let [video, audio] = [await freePort(), await freePort()];
    while (Math.abs(video - audio) < 2) audio = await freePort();
    const config = { media: { enabled: 'true', video_port: String(video), audio_port: String(audio), rtsp_port: '0' } };
    const d = await startNotified(dir, { NOTIFY_SOCKET: socketPath }, config);
    try {
      const seen = receiver.lines.length;
      await receiver.waitFor((l) => receiver.lines.indexOf(l) >= seen && l.msg?.includes('READY=1'), 20_000 * SLOW, 'READY=1');
      const base = `http://127.0.0.1:${d.port}`;
      const admin = await login(base, 'admin', ADMIN_PASSWORD);
      const s = await createSession(base, admin);
      assertOk(await request(base, admin, 'POST', `/api/v1/sessions/${s.id}/start`));
      d.proc.kill('SIGTERM');
      await receiver.waitFor((l) => receiver.lines.indexOf(l) >= seen && l.msg?.includes('STOPPING=1'), 10_000 * SLOW,
        'STOPPING=1');
      d.proc.kill('SIGINT');
      const exit = await d.exited;
      assert.deepEqual(exit, { code: 0, signal: null }, `stderr: ${d.stderr}`);
    } finally {
      d.proc.kill('SIGKILL');
      await d.exited;
    }
  });

  test('a watchdog meant for another process (WATCHDOG_PID) is not pinged; READY=1 still is sent', async () => {
    const before = receiver.lines.length;
    const d = await startNotified(dir, { NOTIFY_SOCKET: socketPath, WATCHDOG_USEC: '1000000', WATCHDOG_PID: '1' });
    try {
      await receiver.waitFor((l) => receiver.lines.indexOf(l) >= before && l.msg?.includes('READY=1'), 20_000 * SLOW, 'READY=1');
      await sleep(2000);
      assert.equal(receiver.lines.slice(before).filter((l) => l.msg?.includes('WATCHDOG=1')).length, 0);
      d.proc.kill('SIGTERM');
      assert.equal((await d.exited).code, 0);
    } finally {
      d.proc.kill('SIGKILL');
      await d.exited;
    }
  });
});

/** Can this process make a private mount namespace (root, not a locked-down container)? */
async function canUnshare() {
  try {
    await run('unshare', ['-m', '--propagation', 'private', 'true']);
    return true;
  } catch {
    return false;
  }
}

describe('journal: structured fields when stderr is the journal stream', async () => {
  const ok = await canUnshare();
  let dir;
  after(async () => { if (dir) await fs.rm(dir, { recursive: true, force: true }); });

  test('log lines go to the native socket with MESSAGE, PRIORITY, GLIB_DOMAIN and ROOMCTL_SESSION/ROOMCTL_USER', { skip: !ok && 'needs unshare -m (root)' }, async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'roomctl-journal-'));
    const port = await freePort();
    const conf = path.join(dir, 'roomctl.conf');
    await fs.writeFile(conf, testConfig({ media: { enabled: 'false' } }));
    // /run/systemd on a tmpfs of our own mount namespace: the fake journal's
    // sockets sit where GLib and libsystemd look, and nowhere else.
    const j = jsonLines('unshare', ['-m', '--propagation', 'private', 'sh', '-c',
      'mount -t tmpfs tmpfs /run/systemd && exec "$0" "$@"', PYTHON,
      path.join(REPO_ROOT, 'tests', 'lib', 'fake-journald.py'), '--',
      BINARY, '--config', conf, '--port', String(port), '--data-dir', dir]);
    try {
      await j.waitFor((l) => l.native?.MESSAGE?.includes('ready'), 20_000 * SLOW, 'the start line in the journal');
      const base = `http://127.0.0.1:${port}`;
      const admin = await login(base, 'admin', ADMIN_PASSWORD);
      const me = assertOk(await request(base, admin, 'GET', '/api/v1/me'));
      const s = await createSession(base, admin);
      assertOk(await request(base, admin, 'POST', `/api/v1/sessions/${s.id}/start`));
      const line = await j.waitFor((l) => l.native?.MESSAGE?.startsWith(`session ${s.id}: scheduled -> live`), 10_000,
        'the session start line');
      assert.equal(line.native.ROOMCTL_SESSION, String(s.id));
      assert.equal(line.native.ROOMCTL_USER, String(me.id ?? me.user?.id));
      assert.equal(line.native.PRIORITY, '5');
      // The line is the app's sessions use case's (it moved out of api-sessions.c).
      assert.equal(line.native.GLIB_DOMAIN, 'roomctl-sessions');
      assert.match(line.native.CODE_FILE, /app\/sessions\.c$/);
      // A line without a session has no such field, and no log line went to
      // the stream as text.
      const banner = j.lines.find((l) => l.native?.MESSAGE?.includes('ready'));
      assert.equal(banner.native.ROOMCTL_SESSION, undefined);
      j.proc.kill('SIGTERM');
      await j.waitFor((l) => l.exited !== undefined, 10_000 * SLOW, 'exit');
      assert.equal(j.lines.find((l) => l.exited !== undefined).exited, 0);
      const text = j.lines.filter((l) => l.stderr !== undefined).map((l) => l.stderr);
      assert.deepEqual(text.filter((t) => /Message|WARNING|CRITICAL/.test(t)), [], 'GLib lines as text on the stream');
    } finally {
      j.proc.kill('SIGKILL');
      await j.exited;
    }
  });
});

describe('make install DESTDIR and the unit', { skip: process.env.ROOMCTL_BIN && 'installs build/, not ROOMCTL_BIN' }, async () => {
  const ok = await canUnshare();
  let root;
  before(async () => {
    root = await fs.mkdtemp(path.join(os.tmpdir(), 'roomctl-root-'));
    // The build is there (make test builds first): this only copies.
    await run('make', ['-s', '--no-print-directory', 'install', `DESTDIR=${root}`, 'PREFIX=/usr/local'],
      { cwd: REPO_ROOT, timeout: 300_000 });
  });
  after(async () => { if (root) await fs.rm(root, { recursive: true, force: true }); });

  test('installs the binaries, the web apps, the demo data, the unit, the sysusers and sysctl files and the config', async () => {
    for (const f of ['usr/local/bin/roomctl', 'usr/local/bin/roomctl-sim']) {
      await fs.access(path.join(root, f), fs.constants.X_OK);
    }
    for (const f of ['usr/local/share/roomctl/web/index.html', 'usr/local/share/roomctl/web/console/index.html',
      'usr/local/share/roomctl/web/tablet/index.html', 'usr/local/share/roomctl/web/tech/index.html',
      'usr/local/share/roomctl/web/docs/operations.md', 'usr/local/share/roomctl/web/vendor/pdfjs/pdf.min.mjs',
      'usr/local/share/roomctl/demo/sites.csv', 'usr/local/share/roomctl/demo/pdf/chuong-trinh-ky-hop.pdf',
      'usr/local/lib/systemd/system/roomctl.service', 'usr/local/lib/sysusers.d/roomctl.conf',
      'usr/local/lib/sysctl.d/60-roomctl.conf',
      'etc/roomctl/roomctl.conf', 'etc/roomctl/roomctl.conf.dist']) {
      await fs.access(path.join(root, f));
    }
    await assert.rejects(fs.access(path.join(root, 'usr/local/share/roomctl/web/node_modules')));
    await assert.rejects(fs.access(path.join(root, 'usr/local/share/roomctl/web/package.json')));
    const conf = await fs.readFile(path.join(root, 'etc/roomctl/roomctl.conf'), 'utf8');
    assert.match(conf, /^data_dir=\/var\/lib\/roomctl$/m);
    assert.match(conf, /^web_root=\/usr\/local\/share\/roomctl\/web$/m);
    const r = await run(path.join(root, 'usr/local/bin/roomctl'), ['--check-config', path.join(root, 'etc/roomctl/roomctl.conf')]);
    assert.match(r.stdout, /OK/);
  });

  test('a second make install keeps an edited roomctl.conf and renews roomctl.conf.dist', async () => {
    const confPath = path.join(root, 'etc/roomctl/roomctl.conf');
    const edited = (await fs.readFile(confPath, 'utf8')).replace(/^port=8080$/m, 'port=8181');
    await fs.writeFile(confPath, edited);
    const r = await run('make', ['-s', '--no-print-directory', 'install', `DESTDIR=${root}`],
      { cwd: REPO_ROOT, timeout: 300_000 });
    assert.match(r.stdout, /kept .*roomctl\.conf; the new sample is roomctl\.conf\.dist/);
    assert.equal(await fs.readFile(confPath, 'utf8'), edited);
    assert.match(await fs.readFile(`${confPath}.dist`, 'utf8'), /^port=8080$/m);
  });

  test('systemd-sysusers creates the user roomctl from the installed file (in the temporary root)', async () => {
    const r = await run('systemd-sysusers', [`--root=${root}`, path.join(root, 'usr/local/lib/sysusers.d/roomctl.conf')]);
    assert.doesNotMatch(r.stderr, /warn|fail|error/i);
    const passwd = await fs.readFile(path.join(root, 'etc/passwd'), 'utf8');
    assert.match(passwd, /^roomctl:x:\d+:\d+:[^:]*:\/var\/lib\/roomctl:\/usr\/sbin\/nologin$/m);
    const group = await fs.readFile(path.join(root, 'etc/group'), 'utf8');
    assert.match(group, /^audio:x:\d+:(.*,)?roomctl(,.*)?$/m, 'roomctl is in the audio group');
  });

  test('PREFIX=/usr: the unit and the config name /usr/bin and /usr/share', async () => {
    const other = await fs.mkdtemp(path.join(os.tmpdir(), 'roomctl-root-usr-'));
    try {
      await run('make', ['-s', '--no-print-directory', 'install', `DESTDIR=${other}`, 'PREFIX=/usr'],
        { cwd: REPO_ROOT, timeout: 300_000 });
      const unit = await fs.readFile(path.join(other, 'usr/lib/systemd/system/roomctl.service'), 'utf8');
      assert.match(unit, /^ExecStart=\/usr\/bin\/roomctl --config \/etc\/roomctl\/roomctl.conf$/m);
      const settings = unit.split('\n').filter((l) => !l.startsWith('#'));
      assert.deepEqual(settings.filter((l) => l.includes('/usr/local')), []);
      const conf = await fs.readFile(path.join(other, 'etc/roomctl/roomctl.conf'), 'utf8');
      assert.match(conf, /^web_root=\/usr\/share\/roomctl\/web$/m);
      await fs.access(path.join(other, 'usr/bin/roomctl'), fs.constants.X_OK);
      await fs.access(path.join(other, 'usr/lib/sysusers.d/roomctl.conf'));
      // make uninstall takes it all away again (an unedited config too).
      await run('make', ['-s', '--no-print-directory', 'uninstall', `DESTDIR=${other}`, 'PREFIX=/usr'], { cwd: REPO_ROOT });
      const left = await run('find', [other, '-type', 'f']);
      assert.equal(left.stdout, '', 'files left after make uninstall');
    } finally {
      await fs.rm(other, { recursive: true, force: true });
    }
  });

  test('the installed binary starts with the installed config as the unit runs it (unprivileged, read-only system) and serves the installed apps',
    { skip: !ok && 'needs unshare -m (root) to put the root at /usr/local and /var/lib' }, async () => {
      const unit = await fs.readFile(path.join(root, 'usr/local/lib/systemd/system/roomctl.service'), 'utf8');
      const execStart = unit.match(/^ExecStart=(.*)$/m)[1].split(' ');
      assert.deepEqual(execStart, ['/usr/local/bin/roomctl', '--config', '/etc/roomctl/roomctl.conf']);
      const port = await freePort();
      // The config as installed, with a free port and a known first password
      // (the test runs beside other daemons); every path in it unchanged.
      const conf = (await fs.readFile(path.join(root, 'etc/roomctl/roomctl.conf'), 'utf8'))
        .replace(/^port=.*$/m, `port=${port}`).replace(/^initial_admin_password=$/m, `initial_admin_password=${ADMIN_PASSWORD}`)
        .replace(/^pwhash_cost=.*$/m, 'pwhash_cost=min').replace(/^enabled=true$/m, 'enabled=false');
      await fs.writeFile(path.join(root, 'etc/roomctl/roomctl.conf'), conf);
      // Roughly the unit's sandbox, without systemd: in private mount and
      // pid namespaces the temporary root's /usr/local and a state
      // directory stand where the unit expects them (StateDirectory=roomctl
      // is /var/lib/roomctl; the config is read from the root's etc/, a
      // tmpfs on /etc would hide too much); /usr, /etc and /var are
      // read-only (ProtectSystem=strict), /proc shows only its own process
      // (ProtectProc=invisible), and it runs as an
      // unprivileged user without capabilities and with no_new_privs
      // (User=, CapabilityBoundingSet=, NoNewPrivileges=).
      const state = path.join(root, 'var/lib');
      await fs.mkdir(path.join(state, 'roomctl'), { recursive: true });
      await fs.mkdir(path.join(state, 'cache'), { recursive: true });
      const nobody = 65534;
      for (const d of [state, path.join(state, 'roomctl'), path.join(state, 'cache')]) await fs.chown(d, nobody, nobody);
      await fs.chmod(root, 0o755);
      const script = [
        'set -e',
        'mount -t proc -o hidepid=invisible proc /proc',
        'for d in /usr /etc /var; do mount --bind $d $d; mount -o remount,bind,ro $d; done',
        `mount --bind "${root}/usr/local" /usr/local`,
        `mount --bind "${state}" /var/lib`,
        `exec setpriv --reuid=${nobody} --regid=${nobody} --clear-groups --no-new-privs --inh-caps=-all --bounding-set=-all \\`,
        '  env HOME=/var/lib/roomctl XDG_CACHE_HOME=/var/lib/cache \\',
        `  /usr/local/bin/roomctl --config "${root}/etc/roomctl/roomctl.conf"`,
      ].join('\n');
      const proc = reapOnExit(spawn('unshare', ['-m', '-p', '-f', '--kill-child', '--propagation', 'private',
        'sh', '-c', script], { stdio: ['ignore', 'pipe', 'pipe'] }));
      let out = '';
      proc.stdout.on('data', (d) => { out += d; });
      proc.stderr.on('data', (d) => { out += d; });
      const exited = new Promise((resolve) => proc.on('exit', (code, signal) => resolve({ code, signal })));
      try {
        const base = `http://127.0.0.1:${port}`;
        const deadline = Date.now() + 20_000 * SLOW;
        for (;;) {
          try { if ((await healthz(port)) === 200) break; } catch { /* not yet */ }
          assert.ok(Date.now() < deadline && proc.exitCode === null, `did not start: ${out}`);
          await sleep(100);
        }
        assert.match(out, /data in \/var\/lib\/roomctl\)/);
        for (const p of ['/console/', '/tablet/', '/tech/', '/docs/', '/vendor/pdfjs/pdf.min.mjs', '/docs/operations.md']) {
          const res = await fetch(base + p);
          assert.equal(res.status, 200, p);
        }
        const token = await login(base, 'admin', ADMIN_PASSWORD);
        assert.ok(token);
        const db = await fs.stat(path.join(state, 'roomctl', 'roomctl.db'));
        assert.equal(db.uid, nobody, 'the database belongs to the service user');
        // unshare -f: the daemon is its child (pid 1 of the new pid namespace).
        const daemon = Number((await fs.readFile(`/proc/${proc.pid}/task/${proc.pid}/children`, 'utf8')).trim());
        assert.ok(daemon > 0);
        assert.equal((await fs.stat(`/proc/${daemon}`)).uid, nobody);
        process.kill(daemon, 'SIGTERM');
        assert.equal((await exited).code, 0, out);
        assert.doesNotMatch(out, /WARNING|CRITICAL|denied|Permission/i);
      } finally {
        proc.kill('SIGKILL');
        await exited;
      }
    });

  test('systemd-analyze verify: the unit in the tree and the installed one, no warnings', async () => {
    // verify checks that ExecStart exists: point it at the binaries of the
    // temporary root (configs/ names /usr/local, the default PREFIX).
    const dir = path.join(root, 'verify');
    await fs.mkdir(dir);
    const sources = {
      tree: await fs.readFile(path.join(REPO_ROOT, 'configs/roomctl.service'), 'utf8'),
      installed: await fs.readFile(path.join(root, 'usr/local/lib/systemd/system/roomctl.service'), 'utf8'),
    };
    for (const [name, text] of Object.entries(sources)) {
      const unit = path.join(dir, 'roomctl.service');
      await fs.writeFile(unit, text.replaceAll('/usr/local/bin/', `${root}/usr/local/bin/`));
      // Without systemd as PID 1 verify still loads the unit and its
      // dependencies; it exits 0 on warnings, so stderr is what tells.
      const r = await run('systemd-analyze', ['verify', '--man=no', unit],
        { env: { ...process.env, SYSTEMD_LOG_LEVEL: 'notice' } }).catch((e) => e);
      assert.equal(r.code ?? 0, 0, `${name}: ${r.stderr}`);
      assert.equal(r.stderr, '', `${name}: systemd-analyze verify printed warnings`);
    }
    // And it does tell: a misspelt key in the same place is reported.
    const bad = path.join(dir, 'roomctl.service');
    await fs.writeFile(bad, sources.installed.replaceAll('/usr/local/bin/', `${root}/usr/local/bin/`)
      .replace('ProtectSystem=strict', 'ProtectSystem=strict\nProtectSystm=strict'));
    const r = await run('systemd-analyze', ['verify', '--man=no', bad]).catch((e) => e);
    assert.match(r.stderr, /Unknown key 'ProtectSystm'/);
  });
});
