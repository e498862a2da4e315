// SIP signalling against a client nobody here wrote: sipp (Debian
// sip-tester) registers with digest, calls in (200 + ACK + BYE) by digest,
// by its registration and by its configured address, with SRTP; and is
// refused where it must be: a wrong password (403, audited), an unknown
// caller (403, audited), a site not in the session or an unknown conference
// (404), a site that requires SRTP offering none (488). The controller
// hangs up a call (REST) with a BYE the client answers. Malformed datagrams
// and a flood from one source are answered (or dropped) without harm, and
// the call records and /metrics tell what happened. baresip (Debian), a
// video endpoint with mandatory SRTP, registers and calls in. When a session
// goes live the controller calls its SIP sites (sipp answering as the site),
// and calls again, after a backoff, a site that hung up. Over TLS (the HTTPS
// certificate), openssl's client gets its answer on the sips: port, and a
// site without its own media security must then use SRTP. Each change of a
// call's state reaches the technicians' and the secretariat's WebSocket as
// sip.call; one request hangs up every call of a session.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import dgram from 'node:dgram';
import fs from 'node:fs/promises';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { api, assertAlive, createUser, login, request, startLocalServer, stopClean } from '../lib/integration.mjs';
import { freePort, reapOnExit } from '../lib/server.mjs';
import { freeUdpPorts, sleep, until } from '../lib/media.mjs';
import { makeCert } from '../lib/tls.mjs';
import { KEY, SCENARIOS, freeSipPort, offer, reply, runSipp, sdp, uasScenario } from '../lib/sipp.mjs';
import { WsClient } from '../lib/ws-client.mjs';


describe('sip', () => {
  let srv, admin, sipPort, work;
  const site = {};
  const running = [];

  /** Runs sipp with @xml against the controller; resolves {code, out, errors}. */
  async function sipp(name, xml, { user, password, ip = '127.0.0.1', wait = true } = {}) {
    const file = path.join(work, `${name}.xml`);
    await fs.writeFile(file, `<?xml version="1.0" encoding="ISO-8859-1" ?>\n<scenario name="${name}">\n${xml}\n</scenario>\n`);
    const local = await freeUdpPorts(4);
    const errors = path.join(work, `${name}.errors.log`);
    const args = ['-sf', file, `127.0.0.1:${sipPort}`, '-i', ip, '-p', String(local), '-mp', String(local + 2),
      '-m', '1', '-nostdin', '-timeout', '30s', '-timeout_error', '-trace_err', '-error_file', errors];
    if (user) args.push('-au', user, '-ap', password);
    const proc = reapOnExit(spawn('sipp', args, { stdio: ['ignore', 'pipe', 'pipe'] }));
    let out = '';
    proc.stdout.on('data', (d) => { out += d; if (out.length > 100_000) out = out.slice(-50_000); });
    proc.stderr.on('data', (d) => { out += d; });
    const done = new Promise((resolve) => proc.on('exit', async (code) => {
      const err = await fs.readFile(errors, 'utf8').catch(() => '');
      resolve({ code, out: out.slice(-3000), errors: err.slice(-3000) });
    }));
    running.push(proc);
    return wait ? done : { proc, done };
  }
  const ok = (r, what) => assert.equal(r.code, 0, `${what}: sipp failed\n${r.errors}\n${r.out}\n--- roomctl ---\n${srv.stderr.slice(-3000)}`);
  const calls = async () => (await api(srv.base, admin, 'GET', '/api/v1/sessions/1/sip/calls')).calls;
  const conference = async () => { const r = await api(srv.base, admin, 'GET', '/api/v1/sessions/1/sip/calls'); return [r.conference, r.conference_id]; };
  const lastCall = async (code) => (await calls()).filter((c) => c.site_code === code).at(-1);
  const audit = async () => (await api(srv.base, admin, 'GET', '/api/v1/audit?limit=200')).audit;

  before(async () => {
    work = await fs.mkdtemp(path.join(os.tmpdir(), 'roomctl-sip-'));
    sipPort = await freeSipPort();
    srv = await startLocalServer({
      args: ['--demo'],
      config: { media: { enabled: 'false', rtsp_port: 0 }, sip: { port: sipPort, requests_per_second: 20, domain: 'sip.example', dial_out: 'false' } },
    });
    admin = await login(srv.base, 'admin', 'admin123');
    const all = (await api(srv.base, admin, 'GET', '/api/v1/sites')).sites;
    for (const code of ['TINH', 'H10', 'H11', 'H12', 'H13']) site[code] = all.find((s) => s.code === code);
    // H10: digest, SRTP preferred; H11: no credentials, at 127.0.0.2, plain RTP;
    // H12: digest, SRTP required; H13: digest, not in the session.
    const sip = {
      H10: { sip_user: 'h10', sip_password: 'h10-secret', srtp: 'preferred' },
      H11: { address: 'sip:127.0.0.2', srtp: 'off' },
      H12: { sip_user: 'h12', sip_password: 'h12-secret', srtp: 'required' },
      H13: { sip_user: 'h13', sip_password: 'h13-secret' },
    };
    for (const [code, body] of Object.entries(sip)) {
      const row = await api(srv.base, admin, 'PATCH', `/api/v1/sites/${site[code].id}`, { transport: 'sip', ...body });
      assert.equal(row.transport, 'sip');
      assert.equal(row.sip_password, undefined, 'the password is never returned');
      assert.equal(row.sip_password_set, body.sip_password ? 1 : 0);
    }
    await api(srv.base, admin, 'PUT', '/api/v1/sessions/1/sites',
      { site_ids: ['TINH', 'H10', 'H11', 'H12'].map((c) => site[c].id) });
    await api(srv.base, admin, 'POST', '/api/v1/sessions/1/start');
  });
  after(async () => {
    for (const p of running) if (p.exitCode === null) p.kill('SIGKILL');
    if (srv) await srv.stop();
    if (work) await fs.rm(work, { recursive: true, force: true });
  });

  test('a site registers with digest; a wrong password is 403 and audited', async () => {
    ok(await sipp('register', SCENARIOS.register('h10'), { user: 'h10', password: 'h10-secret' }), 'REGISTER');
    const regs = (await api(srv.base, admin, 'GET', '/api/v1/sip/registrations')).registrations;
    const h10 = regs.find((r) => r.code === 'H10');
    assert.equal(h10.registered, true, JSON.stringify(regs));
    assert.match(h10.contact, /^sip:h10@127\.0\.0\.1:\d+$/);
    assert.ok(h10.expires_in > 250 && h10.expires_in <= 300, `expires_in ${h10.expires_in}`);
    assert.equal(regs.find((r) => r.code === 'H12').registered, false);
    await until(async () => /^roomctl_sip_registered 1$/m.test(await (await fetch(`${srv.base}/metrics`)).text()), 5000,
      'roomctl_sip_registered 1 in /metrics');
    ok(await sipp('unregister', SCENARIOS.register('h10', 200, 0), { user: 'h10', password: 'h10-secret' }), 'REGISTER expires 0');
    const after = (await api(srv.base, admin, 'GET', '/api/v1/sip/registrations')).registrations;
    assert.equal(after.find((r) => r.code === 'H10').registered, false);

    ok(await sipp('register-wrong', SCENARIOS.register('h12', 403), { user: 'h12', password: 'not-it' }),
      'REGISTER with a wrong password');
    const row = (await audit()).find((a) => a.action === 'sip.refused' && a.target === 'sip:h12');
    assert.ok(row, 'an audit row for the wrong digest');
    assert.match(row.detail, /REGISTER from 127\.0\.0\.1:\d+: 403 wrong digest credentials/);
  });

  test('dial-in by digest: 200 with an answer, connected, then the site hangs up (BYE)', async () => {
    const run = await sipp('call-h10', SCENARIOS.call('phien-1', 'h10', false, 3000), { user: 'h10', password: 'h10-secret', wait: false });
    const live = await until(async () => { const c = await lastCall('H10'); return c && c.state === 'connected' && c; },
      10000, 'H10 connected', () => srv.stderr.slice(-1500));
    assert.deepEqual(await conference(), [`sip:phien-1@sip.example:${sipPort}`, '1']);
    assert.equal(live.caller, 'digest');
    assert.equal(live.direction, 'in');
    assert.equal(live.transport, 'udp');
    assert.equal(live.srtp, 'preferred');
    assert.ok(live.ringing_at && live.connected_at && !live.ended_at);
    assert.equal(live.media.audio.codec, 'PCMA');
    assert.equal(live.media.audio.payload_type, 8);
    assert.equal(live.media.audio.srtp, false);
    assert.equal(live.media.audio.remote.address, '127.0.0.1');
    assert.equal(live.media.video.codec, 'H264');
    assert.equal(live.media.video.payload_type, 97);
    assert.equal(live.media.video.packetization_mode, 1);
    assert.equal(live.media.video.profile_level_id, '42e01e');
    assert.equal(live.media.video.tier, 1, 'level 3.0 decodes 640x360, not 1280x720');
    assert.equal(live.media.video.pli, true);
    assert.equal(JSON.stringify(live).includes(KEY), false, 'no key in the API');
    await until(async () => /^roomctl_sip_calls 1$/m.test(await (await fetch(`${srv.base}/metrics`)).text()), 5000,
      'roomctl_sip_calls 1 in /metrics');
    ok(await run.done, 'the call');
    const ended = await until(async () => { const c = await lastCall('H10'); return c.state === 'ended' && c; }, 5000, 'H10 ended');
    assert.equal(ended.ended_by, 'site');
    assert.deepEqual(ended.cause, { status: 200, phrase: 'BYE' });
  });

  test('dial-in with SRTP: the answer carries our key; a site that requires SRTP and offers none gets 488', async () => {
    const run = await sipp('call-h12-srtp', SCENARIOS.call('phien-1', 'h12', true, 1000), { user: 'h12', password: 'h12-secret', wait: false });
    const live = await until(async () => { const c = await lastCall('H12'); return c && c.state === 'connected' && c; }, 10000, 'H12 connected');
    assert.equal(live.srtp, 'required');
    assert.equal(live.media.audio.srtp, true);
    assert.equal(live.media.audio.suite, 'AES_CM_128_HMAC_SHA1_80');
    assert.equal(live.media.video.srtp, true);
    ok(await run.done, 'the SRTP call');

    ok(await sipp('call-h12-plain', SCENARIOS.refusedDigest('phien-1', 'h12', 488, false), { user: 'h12', password: 'h12-secret' }),
      'a plain offer to an SRTP-required site');
    const refused = await lastCall('H12');
    assert.equal(refused.state, 'refused');
    assert.equal(refused.cause.status, 488);
    assert.match(refused.cause.phrase, /requires SRTP/);
  });

  test('dial-in by registration and by configured address, to the numeric conference ID', async () => {
    // H10 registers from 127.0.0.1, then calls without a digest; then unregisters.
    ok(await sipp('register-again', SCENARIOS.register('h10'), { user: 'h10', password: 'h10-secret' }), 'REGISTER');
    ok(await sipp('call-h10-registered', SCENARIOS.callPlain('1', 'h10', 200)), 'a registered site calls "1"');
    assert.equal((await lastCall('H10')).caller, 'registered');
    ok(await sipp('unregister-again', SCENARIOS.register('h10', 200, 0), { user: 'h10', password: 'h10-secret' }), 'unREGISTER');
    // H11 has no credentials and is configured at 127.0.0.2.
    ok(await sipp('call-h11', SCENARIOS.callPlain('phien-1', 'anyone', 200), { ip: '127.0.0.2' }), 'H11 from its address');
    const h11 = await until(async () => { const c = await lastCall('H11'); return c && c.state === 'ended' && c; }, 5000, 'H11 ended');
    assert.equal(h11.caller, 'address');
    assert.equal(h11.srtp, 'off');
  });

  test('an unknown caller gets 403 and an audit row; a site not in the session or a wrong conference 404', async () => {
    ok(await sipp('unknown', SCENARIOS.refused('phien-1', 'intruder', 403)), 'an unknown caller');
    const row = (await audit()).find((a) => a.action === 'sip.refused' && /intruder/.test(a.target));
    assert.ok(row, 'audited');
    assert.match(row.detail, /INVITE from 127\.0\.0\.1:\d+ .* to phien-1: 403 unknown caller/);
    ok(await sipp('not-in-session', SCENARIOS.refusedDigest('phien-1', 'h13', 404, false), { user: 'h13', password: 'h13-secret' }),
      'H13 is not in session 1');
    ok(await sipp('no-such-conference', SCENARIOS.refusedDigest('phien-999', 'h12', 404, true), { user: 'h12', password: 'h12-secret' }),
      'a conference that is not H12\'s live session');
    assert.equal((await calls()).some((c) => c.site_code === 'H13'), false);
  });

  test('the controller hangs up a call (REST): BYE, answered by the site', async () => {
    const run = await sipp('hung-up', SCENARIOS.hungUp('phien-1', 'h10'), { user: 'h10', password: 'h10-secret', wait: false });
    await until(async () => { const c = await lastCall('H10'); return c && c.state === 'connected' && c.caller === 'digest'; }, 10000, 'H10 connected again');
    const res = await api(srv.base, admin, 'POST', '/api/v1/sessions/1/sip/hangup', { site_id: site.H10.id });
    assert.equal(res.hanging_up, true);
    ok(await run.done, 'the call the controller ends');
    const ended = await until(async () => { const c = await lastCall('H10'); return c.state === 'ended' && c; }, 5000, 'ended');
    assert.equal(ended.ended_by, 'controller');
    const again = await request(srv.base, admin, 'POST', '/api/v1/sessions/1/sip/hangup', { site_id: site.H10.id });
    assert.equal(again.status, 404);
    assert.ok((await audit()).some((a) => a.action === 'sip.hangup'));
  });

  test('malformed datagrams and a flood from one source: answered or dropped, and the controller stays up', async () => {
    const sock = dgram.createSocket('udp4');
    await new Promise((r) => sock.bind(0, '127.0.0.1', r));
    const replies = [];
    sock.on('message', (m) => replies.push(m.toString('latin1')));
    const send = (text) => new Promise((r) => sock.send(Buffer.isBuffer(text) ? text : Buffer.from(text, 'latin1'), sipPort, '127.0.0.1', r));
    const port = sock.address().port;
    const head = (method, id, extra = '') => `${method} sip:phien-1@127.0.0.1:${sipPort} SIP/2.0\r\n` +
      `Via: SIP/2.0/UDP 127.0.0.1:${port};branch=z9hG4bK-${id}\r\nFrom: <sip:x@127.0.0.1>;tag=${id}\r\n` +
      `To: <sip:phien-1@127.0.0.1>\r\nCall-ID: ${id}@test\r\nCSeq: 1 ${method}\r\nMax-Forwards: 70\r\n` +
      `Contact: <sip:x@127.0.0.1:${port}>\r\n${extra}`;
    const hostile = [
      Buffer.from([0, 1, 2, 3, 255, 254, 0, 10, 13, 10]),
      'INVITE\r\n\r\n',
      'INVITE sip: SIP/2.0\r\nVia: nonsense\r\n\r\n',
      `${head('INVITE', 'cl')}Content-Length: 99999\r\n\r\nv=0`,
      `${head('INVITE', 'hdr')}X-Long: ${'a'.repeat(60000)}\r\nContent-Length: 0\r\n\r\n`,
      `${head('INVITE', 'sdp')}Content-Type: application/sdp\r\nContent-Length: 12\r\n\r\nnot sdp at a`,
      `${head('REGISTER', 'reg')}Authorization: Digest username="h10", realm="roomctl", nonce="x", uri="sip:a", response="00"\r\nContent-Length: 0\r\n\r\n`,
    ];
    for (const h of hostile) await send(h);
    await sleep(500);
    await assertAlive(srv, 'after malformed SIP');
    // A flood of INVITEs from one address: past 20 a second (burst 40) they get 503.
    for (let i = 0; i < 600; i++) await send(`${head('INVITE', `flood${i}`)}Content-Length: 0\r\n\r\n`);
    await until(() => replies.filter((r) => r.startsWith('SIP/2.0 503')).length > 100, 10000, '503 answers to the flood',
      () => replies.map((r) => r.slice(0, 12)).slice(-5));
    assert.ok(replies.some((r) => r.startsWith('SIP/2.0 403')), 'the first ones are refused as unknown callers');
    sock.close();
    await assertAlive(srv, 'after the flood');
    const limited = async () => Number(/^roomctl_sip_rate_limited_total (\d+)$/m.exec(await (await fetch(`${srv.base}/metrics`)).text())[1]);
    await until(async () => await limited() > 100, 5000, 'the 503s counted in /metrics');
    assert.equal((srv.stderr.match(/sends more than 20 requests a second/g) || []).length, 1, 'logged once');
    await sleep(3000); // the bucket refills: the source is served again
    ok(await sipp('after-flood', SCENARIOS.refused('phien-1', 'intruder2', 403)), 'served again after the flood');
  });

  test('the session ends: its calls are hung up (BYE); the controller then stops cleanly', async () => {
    const run = await sipp('session-end', SCENARIOS.hungUp('phien-1', 'h10'), { user: 'h10', password: 'h10-secret', wait: false });
    await until(async () => { const c = await lastCall('H10'); return c && c.state === 'connected'; }, 10000, 'H10 connected');
    await api(srv.base, admin, 'POST', '/api/v1/sessions/1/end');
    ok(await run.done, 'the call the session end hangs up');
    const ended = await until(async () => { const c = await lastCall('H10'); return c.state === 'ended' && c; }, 5000, 'ended');
    assert.equal(ended.ended_by, 'controller');
    ok(await sipp('after-end', SCENARIOS.refusedDigest('phien-1', 'h10', 404, false), { user: 'h10', password: 'h10-secret' }),
      'the session is no longer live: 404');
    await stopClean(srv, 'SIP');
    srv = null;
  });
});

describe('sip over TLS, with the HTTPS certificate', () => {
  let srv, admin, sipPort, tlsPort, work;

  /** One REST call over HTTPS trusting the test's CA; the parsed JSON (throws on an error status). */
  function tlsApi(method, urlPath, body) {
    const data = body ? JSON.stringify(body) : null;
    const headers = { ...(admin ? { authorization: `Bearer ${admin}` } : {}),
      ...(data ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) } : {}) };
    return new Promise((resolve, reject) => {
      const req = https.request({ host: '127.0.0.1', port: srv.port, method, path: urlPath, ca: work.pem, headers,
        timeout: 10000, agent: false }, (res) => {
        const chunks = [];
        res.on('data', (d) => chunks.push(d));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString();
          if (res.statusCode >= 300) reject(new Error(`${method} ${urlPath} -> ${res.statusCode}: ${text}`));
          else resolve(text ? JSON.parse(text) : null);
        });
      });
      req.on('timeout', () => req.destroy(new Error('timeout')));
      req.on('error', reject);
      if (data) req.write(data);
      req.end();
    });
  }

  before(async () => {
    work = await fs.mkdtemp(path.join(os.tmpdir(), 'roomctl-sips-'));
    const cert = await makeCert(work, 'sip');
    sipPort = await freeSipPort();
    tlsPort = await freePort();
    srv = await startLocalServer({
      args: ['--demo'],
      tls: { cert: cert.cert, key: cert.key, ca: cert.pem },
      config: { media: { enabled: 'false', rtsp_port: 0 }, sip: { port: sipPort, tls_port: tlsPort, transports: 'udp,tcp,tls', dial_out: 'false' } },
    });
    work = { dir: work, ca: cert.cert, pem: cert.pem };
    admin = (await tlsApi('POST', '/api/v1/login', { username: 'admin', password: 'admin123' })).token;
  });
  after(async () => {
    if (srv) await srv.stop();
    if (work) await fs.rm(work.dir, { recursive: true, force: true });
  });

  test('an OPTIONS over TLS is answered; the key file sofia reads is the daemon\'s alone', async () => {
    const req = `OPTIONS sip:127.0.0.1:${tlsPort} SIP/2.0\r\nVia: SIP/2.0/TLS 127.0.0.1:5999;branch=z9hG4bK-tls1\r\n` +
      'From: <sip:t@127.0.0.1>;tag=1\r\nTo: <sip:127.0.0.1>\r\nCall-ID: tls1@test\r\nCSeq: 1 OPTIONS\r\n' +
      'Max-Forwards: 70\r\nContent-Length: 0\r\n\r\n';
    const client = reapOnExit(spawn('openssl', ['s_client', '-connect', `127.0.0.1:${tlsPort}`, '-CAfile', work.ca,
      '-verify_return_error', '-quiet'], { stdio: ['pipe', 'pipe', 'pipe'] }));
    let out = '';
    client.stdout.on('data', (d) => { out += d; });
    client.stdin.write(req);
    try {
      await until(() => /^SIP\/2\.0 200 OK/m.test(out), 10000, 'the 200 to OPTIONS over TLS', () => out);
    } finally {
      client.kill();
    }
    assert.match(out, /^Via: SIP\/2\.0\/TLS 127\.0\.0\.1:5999;branch=z9hG4bK-tls1/m);
    const st = await fs.stat(path.join(srv.dataDir, 'sip-tls', 'agent.pem'));
    assert.equal(st.mode & 0o777, 0o600);
  });

  test('with TLS configured, a site without its own srtp requires SRTP: a plain offer gets 488', async () => {
    const h14 = (await tlsApi('GET', '/api/v1/sites')).sites.find((x) => x.code === 'H14');
    await tlsApi('PATCH', `/api/v1/sites/${h14.id}`, { transport: 'sip', address: '127.0.0.1' });
    await tlsApi('PUT', '/api/v1/sessions/1/sites', { site_ids: [h14.id] });
    await tlsApi('POST', '/api/v1/sessions/1/start');
    const file = path.join(work.dir, 'plain.xml');
    await fs.writeFile(file, `<?xml version="1.0" encoding="ISO-8859-1" ?>\n<scenario name="plain">\n${SCENARIOS.refused('phien-1', 'h14', 488)}\n</scenario>\n`);
    const local = await freeUdpPorts(4);
    const proc = reapOnExit(spawn('sipp', ['-sf', file, `127.0.0.1:${sipPort}`, '-i', '127.0.0.1', '-p', String(local),
      '-mp', String(local + 2), '-m', '1', '-nostdin', '-timeout', '20s', '-timeout_error'], { stdio: 'ignore' }));
    const code = await new Promise((resolve) => proc.on('exit', resolve));
    assert.equal(code, 0, `sipp: 488 expected\n${srv.stderr.slice(-2000)}`);
    const calls = (await tlsApi('GET', '/api/v1/sessions/1/sip/calls')).calls;
    assert.equal(calls.at(-1).srtp, 'required');
    assert.equal(calls.at(-1).cause.status, 488);
  });
});

describe('sip with baresip: a video endpoint with mandatory SRTP registers and calls in', () => {
  let srv, admin, sipPort, work;

  before(async () => {
    work = await fs.mkdtemp(path.join(os.tmpdir(), 'roomctl-baresip-'));
    sipPort = await freeSipPort();
    srv = await startLocalServer({
      args: ['--demo'],
      config: { media: { enabled: 'false', rtsp_port: 0 }, sip: { port: sipPort } },
    });
    admin = await login(srv.base, 'admin', 'admin123');
    const h15 = (await api(srv.base, admin, 'GET', '/api/v1/sites')).sites.find((x) => x.code === 'H15');
    await api(srv.base, admin, 'PATCH', `/api/v1/sites/${h15.id}`,
      { transport: 'sip', sip_user: 'h15', sip_password: 'h15-secret', srtp: 'required' });
    await api(srv.base, admin, 'PUT', '/api/v1/sessions/1/sites', { site_ids: [h15.id] });
    await api(srv.base, admin, 'POST', '/api/v1/sessions/1/start');
  });
  after(async () => {
    if (srv) await srv.stop();
    if (work) await fs.rm(work, { recursive: true, force: true });
  });

  test('baresip registers, calls phien-1 with Opus, H.264 and SRTP, and hangs up', async () => {
    const local = await freeSipPort();
    await fs.writeFile(path.join(work, 'config'), [
      `sip_listen 127.0.0.1:${local}`, 'audio_player aubridge,nil', 'audio_source ausine,440', 'audio_alert aubridge,nil',
      'video_source fakevideo,nil', 'video_display fakevideo,nil', 'video_size 640x360', 'video_fps 25',
      'module_path /usr/lib/baresip/modules',
      ...['stdio', 'opus', 'g722', 'g711', 'ausine', 'aubridge', 'avcodec', 'fakevideo', 'srtp'].map((m) => `module ${m}.so`),
      'module_app account.so', 'module_app menu.so', ''].join('\n'));
    await fs.writeFile(path.join(work, 'accounts'),
      `<sip:h15@127.0.0.1:${sipPort};transport=udp>;auth_pass=h15-secret;regint=300;mediaenc=srtp-mand;answermode=manual\n`);
    const proc = reapOnExit(spawn('baresip', ['-f', work, '-e', `/dial sip:phien-1@127.0.0.1:${sipPort}`, '-t', '6'],
      { stdio: ['ignore', 'pipe', 'pipe'] }));
    let out = '';
    proc.stdout.on('data', (d) => { out += d; if (out.length > 50_000) out = out.slice(-20_000); });
    proc.stderr.on('data', (d) => { out += d; });
    const exited = new Promise((resolve) => proc.on('exit', resolve));
    const calls = async () => (await api(srv.base, admin, 'GET', '/api/v1/sessions/1/sip/calls')).calls;
    const live = await until(async () => (await calls()).find((c) => c.state === 'connected'), 10000, 'baresip connected',
      () => ({ baresip: out.slice(-1500), roomctl: srv.stderr.slice(-1500) }));
    const regs = (await api(srv.base, admin, 'GET', '/api/v1/sip/registrations')).registrations;
    assert.equal(regs.find((r) => r.code === 'H15').registered, true, JSON.stringify(regs));
    assert.equal(live.site_code, 'H15');
    assert.ok(['digest', 'registered'].includes(live.caller), live.caller);
    assert.equal(live.srtp, 'required');
    assert.equal(live.media.audio.codec, 'opus');
    assert.equal(live.media.audio.srtp, true);
    assert.equal(live.media.video.codec, 'H264');
    assert.equal(live.media.video.packetization_mode, 1);
    assert.equal(live.media.video.profile_level_id, '42e01f');
    assert.equal(live.media.video.tier, 0, 'level 3.1 decodes the first tier (1280x720 at 25 fps)');
    assert.equal(live.media.video.srtp, true);
    assert.ok(live.media.audio.ssrc > 0 && live.media.video.ssrc > 0, 'baresip says its SSRCs');
    // baresip prints it on its own time, maybe after the controller's record says connected.
    await until(() => /Call established/.test(out), 5000, 'baresip says "Call established"', () => out.slice(-1500));
    await exited;
    const ended = await until(async () => (await calls()).find((c) => c.id === live.id && c.state === 'ended'), 5000,
      'the call ended', () => out.slice(-1000));
    assert.equal(ended.ended_by, 'site');
  });
});

describe('sip dial-out: the controller calls the session\'s SIP sites and calls again a site that drops', () => {
  let srv, admin, sipPort, work, uasPort;

  // A site that answers with SRTP (200), then hangs up 1.5 s later (its BYE).
  const UAS = `<recv request="INVITE" rrs="true" crlf="true">
  <action>
    <ereg regexp=".*" search_in="hdr" header="From:" assign_to="their_from"/>
    <ereg regexp=".*" search_in="hdr" header="To:" assign_to="our_to"/>
  </action>
</recv>
${reply('180 Ringing', { user: 'h16', tag: true })}
${reply('200 OK', { user: 'h16', tag: true, body: sdp(true), retrans: true })}
<recv request="ACK" crlf="true"/>
<pause milliseconds="1500"/>
<send retrans="500"><![CDATA[
BYE [next_url] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From:[$our_to];tag=[pid]SIPpTag01[call_number]
To:[$their_from]
Call-ID: [call_id]
CSeq: 1 BYE
Max-Forwards: 70
Content-Length: 0
]]></send>
<recv response="200" crlf="true"/>`;

  before(async () => {
    work = await fs.mkdtemp(path.join(os.tmpdir(), 'roomctl-dial-'));
    sipPort = await freeSipPort();
    uasPort = await freeUdpPorts(4);
    srv = await startLocalServer({
      args: ['--demo'],
      config: { media: { enabled: 'false', rtsp_port: 0 }, sip: { port: sipPort, dials_per_second: 5 } },
    });
    admin = await login(srv.base, 'admin', 'admin123');
    const h16 = (await api(srv.base, admin, 'GET', '/api/v1/sites')).sites.find((x) => x.code === 'H16');
    await api(srv.base, admin, 'PATCH', `/api/v1/sites/${h16.id}`,
      { transport: 'sip', address: `sip:h16@127.0.0.1:${uasPort}`, srtp: 'required' });
    await api(srv.base, admin, 'PUT', '/api/v1/sessions/1/sites', { site_ids: [h16.id] });
  });
  after(async () => {
    if (srv) await srv.stop();
    if (work) await fs.rm(work, { recursive: true, force: true });
  });

  test('the session goes live: H16 is called, answers with SRTP, drops, and is called again', async () => {
    const file = path.join(work, 'uas.xml');
    await fs.writeFile(file, `<?xml version="1.0" encoding="ISO-8859-1" ?>\n<scenario name="uas">\n${UAS}\n</scenario>\n`);
    const uas = reapOnExit(spawn('sipp', ['-sf', file, '-i', '127.0.0.1', '-p', String(uasPort), '-mp', String(uasPort + 2),
      '-m', '2', '-nostdin', '-timeout', '40s', '-timeout_error', '-trace_err', '-error_file', path.join(work, 'uas.err')],
    { stdio: 'ignore' }));
    const uasDone = new Promise((resolve) => uas.on('exit', resolve));
    await sleep(300);
    await api(srv.base, admin, 'POST', '/api/v1/sessions/1/start');
    const calls = async () => (await api(srv.base, admin, 'GET', '/api/v1/sessions/1/sip/calls')).calls.filter((c) => c.direction === 'out');
    const first = await until(async () => (await calls()).find((c) => c.state === 'connected'), 10000, 'the first call connected',
      () => srv.stderr.slice(-1500));
    assert.equal(first.site_code, 'H16');
    assert.equal(first.caller, 'controller');
    assert.equal(first.media.audio.codec, 'PCMA');
    assert.equal(first.media.audio.srtp, true);
    assert.equal(first.media.video.codec, 'H264');
    assert.equal(first.media.video.tier, 1);
    const dropped = await until(async () => (await calls()).find((c) => c.id === first.id && c.state === 'ended'), 10000,
      'the site hangs up');
    assert.equal(dropped.ended_by, 'site');
    // Called again after 5 s.
    const second = await until(async () => (await calls()).find((c) => c.id !== first.id && c.state === 'connected'), 15000,
      'the second call connected', () => srv.stderr.slice(-1500));
    assert.ok(Date.parse(second.started_at) - Date.parse(dropped.ended_at) >= 4000, 'after the backoff');
    assert.match(srv.stderr, /called again in 5 s/);
    assert.equal(await uasDone, 0, 'sipp as the site: both calls as scripted');
    await until(async () => /^roomctl_sip_dials_total [2-9]$/m.test(await (await fetch(`${srv.base}/metrics`)).text()), 5000,
      'roomctl_sip_dials_total counts both');
  });

  test('a site that challenges our INVITE gets its own digest (REST dial of one site)', async () => {
    const port = await freeUdpPorts(4);
    const h17 = (await api(srv.base, admin, 'GET', '/api/v1/sites')).sites.find((x) => x.code === 'H17');
    const h16 = (await api(srv.base, admin, 'GET', '/api/v1/sites')).sites.find((x) => x.code === 'H16');
    await api(srv.base, admin, 'PATCH', `/api/v1/sites/${h17.id}`,
      { transport: 'sip', address: `127.0.0.1:${port}`, sip_user: 'h17', sip_password: 'h17-secret', srtp: 'off' });
    await api(srv.base, admin, 'PUT', '/api/v1/sessions/1/sites', { site_ids: [h16.id, h17.id] });
    const challenge = `<recv request="INVITE" crlf="true"/>
${reply('401 Unauthorized', { tag: true, headers: ['WWW-Authenticate: Digest realm="h17-room", nonce="0123456789abcdef", algorithm=MD5'] })}
<recv request="ACK" crlf="true"/>
<recv request="INVITE" rrs="true" crlf="true">
  <action>
    <verifyauth assign_to="authvalid" username="h17" password="h17-secret"/>
  </action>
</recv>
<nop hide="true" test="authvalid" next="good"/>
${reply('403 Wrong digest', { tag: true })}
<recv request="ACK" crlf="true" next="end"/>
<label id="good"/>
${reply('200 OK', { user: 'h17', tag: true, body: sdp(false), retrans: true })}
<recv request="ACK" crlf="true"/>
<recv request="BYE" timeout="20000"/>
${reply('200 OK')}
<label id="end"/>`;
    const file = path.join(work, 'challenge.xml');
    await fs.writeFile(file, `<?xml version="1.0" encoding="ISO-8859-1" ?>\n<scenario name="challenge">\n${challenge}\n</scenario>\n`);
    const uas = reapOnExit(spawn('sipp', ['-sf', file, '-i', '127.0.0.1', '-p', String(port), '-mp', String(port + 2),
      '-m', '1', '-nostdin', '-timeout', '30s', '-timeout_error'], { stdio: 'ignore' }));
    const uasDone = new Promise((resolve) => uas.on('exit', resolve));
    await sleep(300);
    const res = await api(srv.base, admin, 'POST', '/api/v1/sessions/1/sip/dial', { site_id: h17.id });
    assert.equal(res.dialling, true);
    const calls = async () => (await api(srv.base, admin, 'GET', '/api/v1/sessions/1/sip/calls')).calls.filter((c) => c.site_code === 'H17');
    const live = await until(async () => (await calls()).find((c) => c.state === 'connected'), 10000, 'H17 connected after the challenge',
      async () => (await calls()).map((c) => [c.state, c.cause]));
    assert.equal(live.direction, 'out');
    assert.equal(live.media.audio.srtp, false);
    await api(srv.base, admin, 'POST', '/api/v1/sessions/1/sip/hangup', { site_id: h17.id });
    assert.equal(await uasDone, 0, 'sipp: the digest was right and the BYE came');
    const ended = await until(async () => (await calls()).find((c) => c.id === live.id && c.state === 'ended'), 5000, 'ended');
    assert.equal(ended.ended_by, 'controller');
  });

  test('the controller stops cleanly with a redial pending', async () => {
    await until(() => (srv.stderr.match(/called again in/g) || []).length >= 2, 10000, 'H16 dropped again: a redial pending');
    await stopClean(srv, 'dial-out');
    srv = null;
  });
});

describe('sip live state: sip.call reaches the technicians\' dashboards; one request hangs up every call', () => {
  let srv, admin, sipPort, work, technician, secretariat;
  const running = [];
  const LIVE = ['calling', 'ringing', 'connected'];

  /** sipp calling the controller as a site. */
  async function caller(name, xml, opts) {
    const run = await runSipp(work, name, xml, { target: `127.0.0.1:${sipPort}`, port: await freeUdpPorts(4), ...opts });
    running.push(run.proc);
    return run;
  }
  const ok = (r, what) => assert.equal(r.code, 0, `${what}: sipp failed\n${r.errors}\n${r.out}\n--- roomctl ---\n${srv.stderr.slice(-3000)}`);
  const calls = async () => (await api(srv.base, admin, 'GET', '/api/v1/sessions/1/sip/calls')).calls;
  /** A dashboard of session 1: the technicians' topic (and the tablets', where sip.call must not come). */
  async function dashboard(who) {
    const ws = await WsClient.connect(srv.port, { token: who.token });
    await ws.request('subscribe.health', { session_id: 1 });
    await ws.request('subscribe', { session_id: 1 });
    return ws;
  }
  const sipCall = (ws, code, state) => ws.waitFor((m) => m.type === 'sip.call' && m.body.call.site_code === code &&
    m.body.call.state === state, 15000);

  before(async () => {
    work = await fs.mkdtemp(path.join(os.tmpdir(), 'roomctl-sip-live-'));
    sipPort = await freeSipPort();
    srv = await startLocalServer({
      args: ['--demo'],
      config: { media: { enabled: 'false', rtsp_port: 0 }, sip: { port: sipPort, requests_per_second: 20, dial_out: 'false' } },
    });
    admin = await login(srv.base, 'admin', 'admin123');
    const org = (await api(srv.base, admin, 'GET', '/api/v1/sessions/1')).organisation_id; // their session's
    technician = await createUser(srv.base, admin, 'kt-sip', 'technician', { fields: { organisation_id: org } });
    secretariat = await createUser(srv.base, admin, 'tk-sip', 'secretariat', { fields: { organisation_id: org } });
    const all = (await api(srv.base, admin, 'GET', '/api/v1/sites')).sites;
    const ids = [];
    for (const [code, body] of Object.entries({
      H10: { sip_user: 'h10', sip_password: 'h10-secret', srtp: 'preferred' },
      H12: { sip_user: 'h12', sip_password: 'h12-secret', srtp: 'required' },
    })) {
      const s = all.find((x) => x.code === code);
      await api(srv.base, admin, 'PATCH', `/api/v1/sites/${s.id}`, { transport: 'sip', ...body });
      ids.push(s.id);
    }
    await api(srv.base, admin, 'PUT', '/api/v1/sessions/1/sites', { site_ids: ids });
    await api(srv.base, admin, 'POST', '/api/v1/sessions/1/start');
  });
  after(async () => {
    for (const p of running) if (p.exitCode === null) p.kill('SIGKILL');
    if (srv) await srv.stop();
    if (work) await fs.rm(work, { recursive: true, force: true });
  });

  test('a site calls in and hangs up: the technician and the secretariat hear it connect, then end by the site', async () => {
    const tech = await dashboard(technician);
    const sec = await dashboard(secretariat);
    const run = await caller('in-out', SCENARIOS.call('phien-1', 'h10', false, 1500), { user: 'h10', password: 'h10-secret' });
    const connected = await sipCall(tech, 'H10', 'connected');
    assert.equal(connected.session_id, -1, 'on the technicians\' topic of session 1');
    assert.equal(connected.seq, undefined, 'transient: no seq');
    const up = connected.body.call;
    assert.equal(up.direction, 'in');
    assert.equal(up.caller, 'digest');
    assert.ok(up.connected_at && !up.ended_at);
    const ended = (await sipCall(tech, 'H10', 'ended')).body.call;
    assert.equal(ended.id, up.id, 'the same call');
    assert.equal(ended.ended_by, 'site');
    assert.equal(typeof ended.cause.status, 'number');
    assert.ok(ended.ended_at);
    for (const state of ['connected', 'ended']) await sipCall(sec, 'H10', state);
    ok(await run.done, 'the call in');
    assert.deepEqual((await calls()).find((c) => c.id === up.id), ended, 'the event is the record GET …/sip/calls gives');
    for (const ws of [tech, sec]) {
      assert.ok(!ws.log.some((m) => m.type === 'sip.call' && m.session_id === 1), 'not on the tablets\' topic');
      await ws.close();
    }
  });

  test('a site that refuses our call waits for its redial; hanging it up drops the redial (and nothing is left: 404)', async () => {
    const tech = await dashboard(technician);
    const port = await freeUdpPorts(4);
    const all = (await api(srv.base, admin, 'GET', '/api/v1/sites')).sites;
    const h14 = all.find((x) => x.code === 'H14');
    await api(srv.base, admin, 'PATCH', `/api/v1/sites/${h14.id}`, { transport: 'sip', address: `127.0.0.1:${port}`, srtp: 'off' });
    await api(srv.base, admin, 'PUT', '/api/v1/sessions/1/sites', { site_ids: ['H10', 'H12', 'H14'].map((c) => all.find((x) => x.code === c).id) });
    const busy = `<recv request="INVITE" crlf="true"/>
${reply('486 Busy Here', { tag: true })}
<recv request="ACK" crlf="true"/>`;
    const uas = await runSipp(work, 'busy', busy, { port, timeoutS: 20 });
    running.push(uas.proc);
    await api(srv.base, admin, 'POST', '/api/v1/sessions/1/sip/dial', { site_id: h14.id });
    const calling = (await sipCall(tech, 'H14', 'calling')).body.call;
    assert.equal(calling.direction, 'out');
    const ended = (await sipCall(tech, 'H14', 'ended')).body.call;
    assert.equal(ended.ended_by, 'site');
    assert.equal(ended.cause.status, 486);
    ok(await uas.done, 'H14 busy');
    await until(() => /site \d+ of session 1: called again in 5 s/.test(srv.stderr), 5000, 'a redial pending');
    const res = await api(srv.base, technician.token, 'POST', '/api/v1/sessions/1/sip/hangup', { site_id: h14.id });
    assert.deepEqual(res, { session_id: 1, site_id: h14.id, hanging_up: true, calls: 0 });
    assert.match(srv.stderr, /session 1: 1 call\(s\) still to make dropped by a hang-up/);
    await sleep(6500); // past the 5 s of the redial that was dropped
    assert.equal((await calls()).filter((c) => c.site_code === 'H14').length, 1, 'not called again');
    const again = await request(srv.base, technician.token, 'POST', '/api/v1/sessions/1/sip/hangup', { site_id: h14.id });
    assert.equal(again.status, 404, 'neither a call nor one to come');
    await tech.close();
  });

  test('POST …/sip/hangup without site_id hangs up every call: both sites get BYE, both end by the controller, audited', async () => {
    const tech = await dashboard(technician);
    const a = await caller('all-h10', SCENARIOS.hungUp('phien-1', 'h10'), { user: 'h10', password: 'h10-secret' });
    const b = await caller('all-h12', SCENARIOS.hungUp('phien-1', 'h12', true), { user: 'h12', password: 'h12-secret' });
    await sipCall(tech, 'H10', 'connected');
    await sipCall(tech, 'H12', 'connected');
    const res = await api(srv.base, technician.token, 'POST', '/api/v1/sessions/1/sip/hangup', {});
    assert.deepEqual(res, { session_id: 1, site_id: null, hanging_up: true, calls: 2 });
    ok(await a.done, 'H10 answers the BYE');
    ok(await b.done, 'H12 answers the BYE');
    for (const code of ['H10', 'H12']) {
      const ended = (await sipCall(tech, code, 'ended')).body.call;
      assert.equal(ended.ended_by, 'controller', code);
    }
    assert.deepEqual((await calls()).filter((c) => LIVE.includes(c.state)), [], 'no call left up');
    const none = await api(srv.base, technician.token, 'POST', '/api/v1/sessions/1/sip/hangup', {});
    assert.equal(none.calls, 0, 'nothing left to hang up: still 202');
    const audit = (await api(srv.base, admin, 'GET', '/api/v1/audit?limit=50')).audit;
    assert.ok(audit.some((r) => r.action === 'sip.hangup' && r.target === 'session:1' && r.user_id === technician.user.id),
      'audited as the technician, target session:1');
    await tech.close();
    await stopClean(srv, 'SIP live state');
    srv = null;
  });
});

describe('sip within a call: re-INVITE and UPDATE, hold, session timers (RFC 4028), best-effort SRTP', () => {
  let srv, admin, sipPort, work, technician;
  const running = [];
  const STEP = 1500;
  const SE = 4; // seconds: a test's session interval ([sip] min_se 2 lets it below RFC 4028's 90)

  async function run(name, xml, opts) {
    const r = await runSipp(work, name, xml, { port: await freeUdpPorts(4), ...opts });
    running.push(r.proc);
    return r;
  }
  const ok = (r, what) => assert.equal(r.code, 0, `${what}: sipp failed\n${r.errors}\n${r.out}\n--- roomctl ---\n${srv.stderr.slice(-3000)}`);
  const calls = async () => (await api(srv.base, admin, 'GET', '/api/v1/sessions/1/sip/calls')).calls;
  const last = async (code) => (await calls()).filter((c) => c.site_code === code).at(-1);
  async function dashboard() {
    const ws = await WsClient.connect(srv.port, { token: technician.token });
    await ws.request('subscribe.health', { session_id: 1 });
    return ws;
  }
  /** The sip.call events of @code's call @id, in order. */
  const story = (ws, id) => ws.log.filter((m) => m.type === 'sip.call' && m.body.call.id === id).map((m) => m.body.call);

  before(async () => {
    work = await fs.mkdtemp(path.join(os.tmpdir(), 'roomctl-sip-dlg-'));
    sipPort = await freeSipPort();
    srv = await startLocalServer({
      args: ['--demo'],
      config: {
        media: { enabled: 'false', rtsp_port: 0 },
        sip: { port: sipPort, requests_per_second: 50, dial_out: 'false', session_expires: 60, min_se: 2 },
      },
    });
    admin = await login(srv.base, 'admin', 'admin123');
    const org = (await api(srv.base, admin, 'GET', '/api/v1/sessions/1')).organisation_id;
    technician = await createUser(srv.base, admin, 'kt-sip-dlg', 'technician', { fields: { organisation_id: org } });
    const all = (await api(srv.base, admin, 'GET', '/api/v1/sites')).sites;
    const ids = [];
    for (const [code, body] of Object.entries({
      H10: { sip_user: 'h10', sip_password: 'h10-secret', srtp: 'preferred' },
      H11: { sip_user: 'h11', sip_password: 'h11-secret', srtp: 'preferred' },
      H12: { sip_user: 'h12', sip_password: 'h12-secret', srtp: 'required' },
      H16: { srtp: 'preferred' },
      H17: { srtp: 'preferred' },
      H18: { srtp: 'off' },
    })) {
      const s = all.find((x) => x.code === code);
      await api(srv.base, admin, 'PATCH', `/api/v1/sites/${s.id}`, { transport: 'sip', ...body });
      ids.push(s.id);
    }
    await api(srv.base, admin, 'PUT', '/api/v1/sessions/1/sites', { site_ids: ids });
    await api(srv.base, admin, 'POST', '/api/v1/sessions/1/start');
  });
  after(async () => {
    for (const p of running) if (p.exitCode === null) p.kill('SIGKILL');
    if (srv) await srv.stop();
    if (work) await fs.rm(work, { recursive: true, force: true });
  });

  test('re-INVITE to another codec and ports, hold (a=sendonly), resume by UPDATE, a refresh UPDATE, an offerless re-INVITE: all in one call', async () => {
    const ws = await dashboard();
    const r = await run('reoffers', SCENARIOS.reoffers('phien-1', 'h10', STEP),
      { target: `127.0.0.1:${sipPort}`, user: 'h10', password: 'h10-secret' });
    ok(await r.done, 'the call with its re-offers');
    const ended = await until(async () => { const c = await last('H10'); return c?.state === 'ended' && c; }, 5000, 'H10 ended');
    assert.equal(ended.ended_by, 'site');
    assert.equal(ended.reoffers, 3, 'the re-INVITE, the hold, the resume (a refresh and an offerless re-INVITE are no new offer)');
    const seen = await until(() => { const s = story(ws, ended.id); return s.at(-1)?.state === 'ended' && s; }, 5000, 'the events');
    const connected = seen.find((c) => c.state === 'connected');
    assert.equal(connected.media.audio.codec, 'PCMA');
    assert.equal(connected.on_hold, false);
    const steps = seen.filter((c) => c.state === 'connected' && c.reoffers > 0);
    const [codec, hold, resume] = [1, 2, 3].map((n) => steps.find((c) => c.reoffers === n));
    assert.ok(codec && hold && resume, JSON.stringify(steps.map((c) => [c.reoffers, c.on_hold])));
    assert.equal(codec.media.audio.codec, 'PCMU', 'the new codec is recorded');
    assert.equal(codec.media.audio.remote.rtp_port, connected.media.audio.remote.rtp_port + 4, 'and the new port');
    assert.equal(codec.media.video.remote.rtp_port, connected.media.video.remote.rtp_port + 4);
    assert.equal(codec.on_hold, false);
    assert.equal(hold.on_hold, true, 'a=sendonly: the site is on hold (not sending)');
    assert.equal(hold.media.audio.direction, 'sendonly');
    assert.equal(resume.on_hold, false, 'the UPDATE with a=sendrecv resumes');
    assert.equal(resume.media.audio.direction, 'sendrecv');
    assert.equal(ended.on_hold, false);
    await ws.close();
  });

  test('a re-offer the site\'s security refuses (plain RTP where SRTP is required) gets 488 and the call goes on unchanged', async () => {
    const r = await run('refused-reoffer', SCENARIOS.refusedReoffer('phien-1', 'h12', 2500),
      { target: `127.0.0.1:${sipPort}`, user: 'h12', password: 'h12-secret' });
    const up = await until(async () => { const c = await last('H12'); return c?.state === 'connected' && c; }, 10000, 'H12 connected');
    assert.equal(up.media.audio.srtp, true);
    await until(() => /H12.*new offer refused.*488/.test(srv.stderr), 10000, 'the re-offer refused (488)');
    const still = await last('H12');
    assert.equal(still.id, up.id);
    assert.equal(still.state, 'connected', 'the call goes on');
    assert.equal(still.reoffers, 0);
    assert.deepEqual(still.media, up.media, 'as it was: SRTP, PCMA, the same ports');
    ok(await r.done, 'the 488 and the BYE after it');
    const ended = await until(async () => { const c = await last('H12'); return c?.state === 'ended' && c; }, 5000, 'H12 ended');
    assert.equal(ended.ended_by, 'site');
  });

  test(`session timer: a site that refreshes (UPDATE every ${SE / 2} s) keeps its call; one whose refresh never comes is ended by the timer (408)`, async () => {
    const kept = await run('timer-kept', SCENARIOS.timer('phien-1', 'h11', SE, 3),
      { target: `127.0.0.1:${sipPort}`, user: 'h11', password: 'h11-secret' });
    ok(await kept.done, 'three refreshes, then its BYE');
    const first = await until(async () => { const c = await last('H11'); return c?.state === 'ended' && c; }, 5000, 'H11 ended');
    assert.equal(first.ended_by, 'site', `refreshed for ${(3 * SE) / 2} s past a ${SE} s interval: the site hung up, not the timer`);

    const started = Date.now();
    const dropped = await run('timer-expired', SCENARIOS.timer('phien-1', 'h11', SE, 0),
      { target: `127.0.0.1:${sipPort}`, user: 'h11', password: 'h11-secret' });
    ok(await dropped.done, 'the controller\'s BYE came and was answered');
    const took = (Date.now() - started) / 1000;
    assert.ok(took >= SE - 1 && took < SE + 8, `the BYE came ${took} s after the call, for a ${SE} s interval`);
    const second = await until(async () => { const c = await last('H11'); return c?.id !== first.id && c?.state === 'ended' && c; }, 5000, 'the second H11 call ended');
    assert.equal(second.ended_by, 'timer');
    assert.equal(second.cause.status, 408);
    assert.match(await (await fetch(`${srv.base}/metrics`)).text(), /^roomctl_sip_calls_ended_total\{by="timer"\} 1$/m);
  });

  test('a site that asks us to refresh (refresher=uas) without UPDATE: our offerless re-INVITE, its offer in the 200 answered in our ACK', async () => {
    const seconds = 10; // we refresh at half of it
    const r = await run('refreshed-by-us', SCENARIOS.refreshedByUs('phien-1', 'h11', seconds),
      { target: `127.0.0.1:${sipPort}`, user: 'h11', password: 'h11-secret' });
    const up = await until(async () => { const c = await last('H11'); return c?.state === 'connected' && c; }, 10000, 'H11 connected');
    assert.equal(up.media.audio.codec, 'PCMA');
    const refreshed = await until(async () => { const c = await last('H11'); return c?.reoffers === 1 && c; }, seconds * 1000,
      'our refresh taken: the site\'s offer in its 200');
    await api(srv.base, admin, 'POST', '/api/v1/sessions/1/sip/hangup', { site_id: up.site_id });
    assert.equal(refreshed.id, up.id);
    assert.equal(refreshed.state, 'connected');
    assert.equal(refreshed.media.audio.codec, 'PCMU', 'the offer of the 200 recorded');
    assert.equal(refreshed.media.audio.remote.rtp_port, up.media.audio.remote.rtp_port + 4);
    ok(await r.done, 'the offerless re-INVITE, our answer in the ACK, our BYE');
    const ended = await until(async () => { const c = await last('H11'); return c?.state === 'ended' && c; }, 5000, 'H11 ended');
    assert.equal(ended.ended_by, 'controller');
  });

  test(`dial-out: a site that asks to refresh (refresher=uas) and never does is ended by the timer (408) after ${SE} s, and called again`, async () => {
    const port = await freeUdpPorts(4);
    const h18 = (await api(srv.base, admin, 'GET', '/api/v1/sites')).sites.find((x) => x.code === 'H18');
    await api(srv.base, admin, 'PATCH', `/api/v1/sites/${h18.id}`, { address: `sip:h18@127.0.0.1:${port}` });
    // Two calls: each answered with a session timer the site itself must refresh, then its BYE answered.
    const xml = `<recv request="INVITE" rrs="true" crlf="true"/>
${reply('200 OK', { user: 'h18', tag: true, headers: ['Supported: timer', 'Require: timer', `Session-Expires: ${SE};refresher=uas`], body: offer({ version: 1 }), retrans: true })}
<recv request="ACK" crlf="true"/>
<recv request="BYE" timeout="30000"/>
${reply('200 OK')}`;
    const uas = await runSipp(work, 'uas-timer', xml, { port, calls: 2, timeoutS: 60 });
    running.push(uas.proc);
    await sleep(300);
    await api(srv.base, admin, 'POST', '/api/v1/sessions/1/sip/dial', { site_id: h18.id });
    const mine = async () => (await calls()).filter((c) => c.site_code === 'H18');
    const first = await until(async () => (await mine()).find((c) => c.state === 'ended'), 20000, 'H18\'s first call ended',
      async () => (await mine()).map((c) => [c.state, c.ended_by, c.cause]));
    assert.equal(first.ended_by, 'timer');
    assert.equal(first.cause.status, 408);
    const took = (Date.parse(first.ended_at) - Date.parse(first.connected_at)) / 1000;
    assert.ok(took >= SE - 1 && took <= SE + 3, `ended ${took} s after it connected, for a ${SE} s interval`);
    const again = await until(async () => (await mine()).find((c) => c.id !== first.id && c.state === 'connected'), 15000,
      'H18 called again after the timer');
    assert.equal(again.direction, 'out');
    await api(srv.base, admin, 'POST', '/api/v1/sessions/1/sip/hangup', { site_id: h18.id });
    ok(await uas.done, 'both calls answered, both BYEs answered');
  });

  test('dial-out with srtp=preferred: best-effort SRTP (RTP/AVP with a=crypto, Session-Expires); a plain site answers plain, an SRTP one with its key', async () => {
    const all = (await api(srv.base, admin, 'GET', '/api/v1/sites')).sites;
    const checks = [['body', 'm=audio [0-9]+ RTP/AVP 111'], ['body', 'a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:'],
      ['Session-Expires:', '^ *60'], ['Supported:', 'timer']];
    const sites = { H16: offer({ version: 1 }), H17: offer({ version: 1, crypto: true }) };
    const uas = {};
    for (const [code, body] of Object.entries(sites)) {
      const port = await freeUdpPorts(4);
      const s = all.find((x) => x.code === code);
      await api(srv.base, admin, 'PATCH', `/api/v1/sites/${s.id}`, { address: `sip:${code.toLowerCase()}@127.0.0.1:${port}` });
      uas[code] = await runSipp(work, `uas-${code}`, uasScenario(code.toLowerCase(), { body, checks }), { port });
      running.push(uas[code].proc);
    }
    await sleep(300);
    for (const code of Object.keys(sites))
      await api(srv.base, admin, 'POST', '/api/v1/sessions/1/sip/dial', { site_id: all.find((x) => x.code === code).id });
    const up = {};
    for (const code of Object.keys(sites))
      up[code] = await until(async () => { const c = await last(code); return c?.state === 'connected' && c; }, 10000, `${code} connected`,
        async () => (await calls()).filter((c) => c.site_code === code).map((c) => [c.state, c.cause]));
    assert.equal(up.H16.srtp, 'preferred');
    for (const kind of ['audio', 'video']) {
      assert.equal(up.H16.media[kind].srtp, false, `H16 answered plain RTP/AVP: ${kind} plain`);
      assert.equal(up.H17.media[kind].srtp, true, `H17 answered RTP/AVP with a=crypto: ${kind} SRTP`);
      assert.equal(up.H17.media[kind].suite, 'AES_CM_128_HMAC_SHA1_80');
    }
    assert.equal(up.H16.media.audio.codec, 'PCMA');
    await api(srv.base, admin, 'POST', '/api/v1/sessions/1/sip/hangup', {});
    for (const code of Object.keys(sites)) ok(await uas[code].done, `${code}: our INVITE as checked, then our BYE`);
  });

  test('the controller stops cleanly after these calls (under ASan: no leak of their records, SDP or phrases)', async () => {
    await stopClean(srv, 'calls with re-offers and session timers');
    srv = null;
  });
});

describe('sip INFO within a call: picture_fast_update (RFC 5168) both ways, keypad digits', () => {
  let srv, admin, sipPort, work, technician;
  const running = [];
  const STEP = 1500;
  const site = {};

  async function run(name, xml, opts) {
    const r = await runSipp(work, name, xml, { port: await freeUdpPorts(4), ...opts });
    running.push(r.proc);
    return r;
  }
  const ok = (r, what) => assert.equal(r.code, 0, `${what}: sipp failed\n${r.errors}\n${r.out}\n--- roomctl ---\n${srv.stderr.slice(-3000)}`);
  const calls = async () => (await api(srv.base, admin, 'GET', '/api/v1/sessions/1/sip/calls')).calls;
  const last = async (code) => (await calls()).filter((c) => c.site_code === code).at(-1);
  const metrics = async () => (await fetch(`${srv.base}/metrics`)).text();
  const metric = (text, line) => Number((text.match(new RegExp(`^${line.replace(/[{}"]/g, '\\$&')} (\\d+)$`, 'm')) || [])[1]);

  before(async () => {
    work = await fs.mkdtemp(path.join(os.tmpdir(), 'roomctl-sip-info-'));
    sipPort = await freeSipPort();
    srv = await startLocalServer({
      args: ['--demo'],
      config: { media: { enabled: 'false', rtsp_port: 0 }, sip: { port: sipPort, requests_per_second: 50, dial_out: 'false' } },
    });
    admin = await login(srv.base, 'admin', 'admin123');
    const org = (await api(srv.base, admin, 'GET', '/api/v1/sessions/1')).organisation_id;
    technician = await createUser(srv.base, admin, 'kt-sip-info', 'technician', { fields: { organisation_id: org } });
    const all = (await api(srv.base, admin, 'GET', '/api/v1/sites')).sites;
    for (const [code, body] of Object.entries({
      H10: { sip_user: 'h10', sip_password: 'h10-secret', srtp: 'off' },
      H16: { srtp: 'off' },
      H17: { srtp: 'off' },
    })) {
      site[code] = all.find((x) => x.code === code);
      await api(srv.base, admin, 'PATCH', `/api/v1/sites/${site[code].id}`, { transport: 'sip', ...body });
    }
    await api(srv.base, admin, 'PUT', '/api/v1/sessions/1/sites', { site_ids: Object.values(site).map((s) => s.id) });
    await api(srv.base, admin, 'POST', '/api/v1/sessions/1/start');
  });
  after(async () => {
    for (const p of running) if (p.exitCode === null) p.kill('SIGKILL');
    if (srv) await srv.stop();
    if (work) await fs.rm(work, { recursive: true, force: true });
  });

  test('a site\'s INFO: picture_fast_update 200 (a program keyframe asked), digits * and 1 kept as "*1" and told (the site asks for the floor; "#" withdraws), text/plain 415 with Accept, an empty INFO 200; outside a call 481', async () => {
    const ws = await WsClient.connect(srv.port, { token: technician.token });
    await ws.request('subscribe.health', { session_id: 1 });
    const before = await metrics();
    const r = await run('info', SCENARIOS.info('phien-1', 'h10', STEP),
      { target: `127.0.0.1:${sipPort}`, user: 'h10', password: 'h10-secret' });
    // Between the digit 1 and the next INFO: the record says "*1".
    const keyed = await until(async () => { const c = await last('H10'); return c?.state === 'connected' && c.dtmf === '*1' && c; },
      STEP * 2, 'the call record shows the digits "*1"', async () => [await last('H10'), srv.stderr.slice(-1500)]);
    assert.equal(keyed.direction, 'in');
    // "*1" is the site's request for the floor (keypad.h), "#" withdraws it.
    const asking = await until(async () => (await api(srv.base, admin, 'GET', '/api/v1/sessions/1/site-floor')).sites
      .find((s) => s.code === 'H10'), STEP, 'H10 asks for the floor after "*1"', () => srv.stderr.slice(-1500));
    assert.equal(asking.via, 'keypad');
    ok(await r.done, 'INFOs answered 200, 200, 200, 200, 415 (with Accept), 200; BYE; 481 twice outside a call');
    const ended = await last('H10');
    assert.equal(ended.state, 'ended');
    assert.equal(ended.dtmf, '*1#', 'the application/dtmf digit too');
    const told = ws.log.filter((m) => m.type === 'sip.call' && m.body.call.id === keyed.id).map((m) => m.body.call.dtmf);
    assert.deepEqual(told.filter((d, i) => d !== told[i - 1]), ['', '*', '*1', '*1#'], 'each digit reached the technician (sip.call)');
    ws.close();
    const now = await metrics();
    const grew = (kind) => metric(now, `roomctl_sip_info_received_total{kind="${kind}"}`) -
      metric(before, `roomctl_sip_info_received_total{kind="${kind}"}`);
    assert.equal(grew('fast_update'), 1, 'one picture_fast_update: the program asked for a keyframe');
    assert.equal(grew('dtmf'), 3);
    assert.equal(grew('other'), 4, 'text/plain (415), the empty INFO (200), two outside a call (481)');
    assert.match(srv.stderr, /site H10, session 1: keyed 1 \(INFO, 160 ms\), its last digits \*1/);
    assert.equal((await api(srv.base, admin, 'GET', '/api/v1/sessions/1/site-floor')).sites.length, 0, '"#" withdrew');
    const { audit } = await api(srv.base, admin, 'GET', '/api/v1/audit?limit=50');
    const floor = audit.filter((a) => a.action.startsWith('floor.site.') && a.detail === 'via keypad').map((a) => a.action);
    assert.deepEqual(floor, ['floor.site.withdraw', 'floor.site.request'], 'each audited, newest first');
  });

  test('the technician asks a site the controller called for a keyframe: POST …/sip/fast-update sends it INFO picture_fast_update (404 without a connected call)', async () => {
    const port = await freeUdpPorts(4);
    await api(srv.base, admin, 'PATCH', `/api/v1/sites/${site.H16.id}`, { address: `sip:h16@127.0.0.1:${port}` });
    const uas = await runSipp(work, 'uas-info', uasScenario('h16', {
      info: [['Content-Type:', 'application/media_control[+]xml'],
        ['body', 'media_control.*vc_primitive.*to_encoder.*picture_fast_update/.*/to_encoder.*/vc_primitive.*/media_control']],
    }), { port });
    running.push(uas.proc);
    await sleep(300);
    // No call yet: 404; no site_id: 400.
    const none = await request(srv.base, technician.token, 'POST', '/api/v1/sessions/1/sip/fast-update', { site_id: site.H16.id });
    assert.equal(none.status, 404, JSON.stringify(none.json));
    const bad = await request(srv.base, technician.token, 'POST', '/api/v1/sessions/1/sip/fast-update', {});
    assert.equal(bad.status, 400, JSON.stringify(bad.json));
    const dialled = await api(srv.base, admin, 'POST', '/api/v1/sessions/1/sip/dial', { site_id: site.H16.id });
    assert.equal(dialled.dialling, true, JSON.stringify(dialled));
    await until(async () => (await last('H16'))?.state === 'connected', 10000, 'H16 connected', () => srv.stderr.slice(-2000));
    const sent = await request(srv.base, technician.token, 'POST', '/api/v1/sessions/1/sip/fast-update', { site_id: site.H16.id });
    assert.equal(sent.status, 202, JSON.stringify(sent.json));
    assert.deepEqual(sent.json, { session_id: 1, site_id: site.H16.id, sent: true });
    await until(async () => metric(await metrics(), 'roomctl_sip_info_sent_total') === 1, 5000, 'roomctl_sip_info_sent_total 1');
    await until(() => /site H16, session 1: INFO picture_fast_update sent/.test(srv.stderr), 5000, 'logged');
    await sleep(500); // the site's 200 to the INFO before our BYE
    await api(srv.base, admin, 'POST', '/api/v1/sessions/1/sip/hangup', { site_id: site.H16.id });
    ok(await uas.done, 'the site got our INVITE, then INFO picture_fast_update (RFC 5168 XML), then BYE');
    assert.doesNotMatch(srv.stderr, /our INFO to .*: [3-6]\d\d/, 'the site answered our INFO 200');
    // The call is over: 404 again.
    const gone = await request(srv.base, technician.token, 'POST', '/api/v1/sessions/1/sip/fast-update', { site_id: site.H16.id });
    assert.equal(gone.status, 404);
  });

  test('a flood of INFOs from one site is bounded by [sip] requests_per_second: 503 past it, the call goes on', async () => {
    const before = await metrics();
    const N = 200; // at 50 a second, burst 100: sipp sends them within a second or so
    const r = await run('info-flood', SCENARIOS.infoFlood('phien-1', 'h10', N),
      { target: `127.0.0.1:${sipPort}`, user: 'h10', password: 'h10-secret', extra: ['-base_cseq', '10'] });
    ok(await r.done, 'every INFO answered (200 or 503), then BYE 200');
    const now = await metrics();
    const grew = (line) => metric(now, line) - metric(before, line);
    const limited = grew('roomctl_sip_rate_limited_total');
    const taken = grew('roomctl_sip_info_received_total{kind="fast_update"}');
    assert.ok(limited > 0, `some INFOs answered 503 (${limited})`);
    assert.equal(taken + grew('roomctl_sip_info_received_total{kind="other"}'), N, 'each INFO counted once');
    assert.ok(taken >= 100 && taken < N, `the burst taken (${taken}), the rest refused`);
    assert.match(srv.stderr, /127\.0\.0\.1 sends more than 50 requests a second: answered 503/);
    assert.equal((await last('H10')).ended_by, 'site', 'the call went on until its BYE');
  });

  test('the controller stops cleanly after these calls (under ASan: nothing of the INFOs leaks)', async () => {
    await stopClean(srv, 'calls with INFO');
    srv = null;
  });
});
