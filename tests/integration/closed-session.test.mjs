// A closed session (phiên họp kín): the flag itself. It is set by the
// secretariat when the session is made or later, stored and shown in the
// session; it may be set while the session is live, and cleared only before
// it goes live.

import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { request as httpsRequest } from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import WebSocket from 'ws';
import {
  ADMIN_PASSWORD, api, assertAlive, assertOk, assertWireError, login, rawExchange, request, sessionBody, startLocalServer,
  stopClean, walkAgenda,
} from '../lib/integration.mjs';
import { freeUdpPorts, framesOf, gstSite, gstVideoReceiver, sleep, until, watched } from '../lib/media.mjs';
import { freePort, startServer } from '../lib/server.mjs';
import { freeSipPort, SCENARIOS } from '../lib/sipp.mjs';
import { startSipSim } from '../lib/sim.mjs';
import { WsClient } from '../lib/ws-client.mjs';
import { makeCert } from '../lib/tls.mjs';

describe('closed session: the flag', () => {
  let srv, admin;
  before(async () => {
    srv = await startLocalServer();
    admin = await login(srv.base, 'admin', ADMIN_PASSWORD);
  });
  after(async () => {
    if (srv) {
      await assertAlive(srv, 'the closed-session tests');
      await stopClean(srv, 'the closed-session tests');
    }
  });

  test('made closed or not, changed before the start, kept closed once live', async () => {
    const open = assertOk(await request(srv.base, admin, 'POST', '/api/v1/sessions', sessionBody()), 201);
    assert.equal(open.closed, false, 'a session is open unless made closed');
    const made = assertOk(await request(srv.base, admin, 'POST', '/api/v1/sessions', sessionBody({ closed: true })), 201);
    assert.equal(made.closed, true);
    assertWireError(await request(srv.base, admin, 'PATCH', `/api/v1/sessions/${open.id}`, { closed: 'yes' }),
      1001, 'closed', 'closed must be a boolean');

    const id = open.id;
    assert.equal(assertOk(await request(srv.base, admin, 'PATCH', `/api/v1/sessions/${id}`, { closed: true })).closed, true);
    assert.equal(assertOk(await request(srv.base, admin, 'PATCH', `/api/v1/sessions/${id}`, { closed: false })).closed, false,
      'opened again before it goes live');
    assertOk(await request(srv.base, admin, 'POST', `/api/v1/sessions/${id}/start`));
    assert.equal(assertOk(await request(srv.base, admin, 'PATCH', `/api/v1/sessions/${id}`, { closed: true })).closed, true,
      'closed while live');
    assertWireError(await request(srv.base, admin, 'PATCH', `/api/v1/sessions/${id}`, { closed: false }), 1202, undefined,
      'a live closed session is not opened');
    assert.equal(assertOk(await request(srv.base, admin, 'GET', `/api/v1/sessions/${id}`)).closed, true);
    const { audit } = assertOk(await request(srv.base, admin, 'GET', '/api/v1/audit?limit=100'));
    const rows = audit.filter((r) => r.action === 'session.closed' && r.target === `session:${id}`).map((r) => r.detail);
    assert.deepEqual(rows.sort(), ['closed -> open', 'open -> closed', 'open -> closed'], 'each change audited, the refused one not');
  });
});

// What a closed session enforces besides the tablets: only encrypted media
// (a plain-RTP site is refused: counted, its link down with the reason, one
// alarm, an audit row, the pre-session check fails for it; a SIP site is
// called with SRTP required and taken), no recording and no RTSP output
// (the API refuses them, none is made, the RTSP paths do not play), and
// closing a live session applies all of it at once.
describe('closed session: only encrypted media, no recording nor RTSP', () => {
  let srv, admin, sim, ports, rtspPort, recordDir, work, sipPort;
  const site = {};
  const procs = [];
  const stats = async (sid) => (await api(srv.base, admin, 'GET', `/api/v1/media/stats?session_id=${sid}`)).sites;
  const program = async (sid) => api(srv.base, admin, 'GET', `/api/v1/media?session_id=${sid}`);
  const files = (dir) => (fs.existsSync(dir) ? fs.readdirSync(dir, { recursive: true }) : [])
    .filter((f) => fs.statSync(path.join(dir, String(f))).isFile());
  const probe = (p) => spawnSync('ffprobe', ['-v', 'error', '-rw_timeout', '4000000', '-rtsp_transport', 'tcp',
    '-show_entries', 'stream=codec_name', '-of', 'csv=p=0', `rtsp://127.0.0.1:${rtspPort}${p}`],
  { encoding: 'utf8', timeout: 15_000 });
  const seen = () => ({ roomctl: srv.stderr.slice(-1500), sim: sim ? sim.output().slice(-500) : '' });

  before(async () => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'roomctl-closed-'));
    recordDir = path.join(work, 'recordings');
    const base = await freeUdpPorts(4, { belowEphemeral: true });
    ports = { video: base, audio: base + 2 };
    rtspPort = await freePort();
    const simPort = await freeSipPort();
    srv = await startLocalServer({
      args: ['--demo'],
      config: {
        media: { video_port: ports.video, audio_port: ports.audio, rtsp_port: rtspPort, rtsp_host: '127.0.0.1',
          record: 'true', record_dir: recordDir, webrtc_port: 0 },
        sip: { port: (sipPort = await freeSipPort()) },
        health: { check_seconds: 3 },
      },
    });
    admin = await login(srv.base, 'admin', 'admin123'); // the demo's
    const all = (await api(srv.base, admin, 'GET', '/api/v1/sites')).sites;
    site.TINH = all.find((s) => s.code === 'TINH');
    site.H01 = all.find((s) => s.code === 'H01');
    site.H14 = all.find((s) => s.code === 'H14');
    const back = await freeUdpPorts(4);
    site.TINH.back = back;
    await api(srv.base, admin, 'PATCH', `/api/v1/sites/${site.TINH.id}`, { address: `127.0.0.1:${back}` });
    // SRTP off for the site itself: the closed session requires it all the same.
    await api(srv.base, admin, 'PATCH', `/api/v1/sites/${site.H01.id}`,
      { transport: 'sip', address: `sip:h01@127.0.0.1:${simPort}`, srtp: 'off' });
    sim = await startSipSim(simPort, { codes: ['H01'] });
    procs.push(gstSite('TINH', ports)); // stock gst-launch: plain RTP, no SRTP
  });
  after(async () => {
    for (const p of procs) await p.stop();
    if (sim) await sim.stop();
    if (srv) {
      await assertAlive(srv, 'the closed-session media tests');
      await stopClean(srv, 'the closed-session media tests');
    }
    if (work) fs.rmSync(work, { recursive: true, force: true });
  });

  test('the API refuses recording and RTSP for a closed session; a closed session has both off', async () => {
    const made = assertOk(await request(srv.base, admin, 'POST', '/api/v1/sessions', sessionBody({ closed: true })), 201);
    assert.equal(made.record, false);
    assert.equal(made.rtsp_out, false);
    for (const field of ['record', 'rtsp_out']) {
      const res = await request(srv.base, admin, 'PATCH', `/api/v1/sessions/${made.id}`, { [field]: true });
      assertWireError(res, 1202, undefined, `${field} on for a closed session`);
      assert.match(res.json.error.reason, new RegExp(`^${field}: a closed session \\(phiên họp kín\\) is neither recorded nor served at RTSP`));
    }
    assertWireError(await request(srv.base, admin, 'POST', '/api/v1/sessions', sessionBody({ closed: true, record: true })),
      1202, undefined, 'made closed and recorded');
    const open = assertOk(await request(srv.base, admin, 'POST', '/api/v1/sessions', sessionBody()), 201);
    assert.equal(open.record, null, 'an open session records as [media] says');
    assert.equal(assertOk(await request(srv.base, admin, 'PATCH', `/api/v1/sessions/${open.id}`, { rtsp_out: false })).rtsp_out, false);
    assertWireError(await request(srv.base, admin, 'PATCH', `/api/v1/sessions/${open.id}`, { record: true, closed: true }),
      1202, undefined, 'closed and recorded at once');
    const shut = assertOk(await request(srv.base, admin, 'PATCH', `/api/v1/sessions/${open.id}`, { closed: true }));
    assert.deepEqual([shut.record, shut.rtsp_out], [false, false], 'closing turns both off');
  });

  let S;
  test('the pre-session check fails a plain-RTP site of a closed session, saying why', async () => {
    S = assertOk(await request(srv.base, admin, 'POST', '/api/v1/sessions', sessionBody({ title: 'Phiên họp kín', closed: true })), 201);
    await api(srv.base, admin, 'PUT', `/api/v1/sessions/${S.id}/sites`, { site_ids: [site.TINH.id, site.H01.id] });
    const { check_id } = await api(srv.base, admin, 'POST', `/api/v1/sessions/${S.id}/check`);
    const done = await until(async () => {
      const { checks } = await api(srv.base, admin, 'GET', `/api/v1/sessions/${S.id}/checks`);
      const c = checks.find((x) => x.id === check_id);
      return c && c.result && c;
    }, 20000, 'the check result', seen);
    const tinh = done.result.sites.find((s) => s.code === 'TINH');
    assert.equal(tinh.verdict, 'refused', JSON.stringify(tinh));
    assert.equal(tinh.reason, 'phiên họp kín: site TINH gửi media không mã hóa (RTP without SRTP)');
    assert.equal(done.result.refused, 1);
    assert.equal(done.result.ready, 0, 'a refused site is not ready');
  });

  test('live: the plain-RTP site is refused (counted, link down, one alarm, audited, no program); the SIP site is called with SRTP and taken; nothing recorded, no RTSP', async () => {
    const back = gstVideoReceiver(site.TINH.back); // what the refused site would get of the program
    procs.push(back);
    await api(srv.base, admin, 'POST', `/api/v1/sessions/${S.id}/start`);
    await until(async () => {
      const s = await stats(S.id);
      const t = s.find((x) => x.code === 'TINH'), h = s.find((x) => x.code === 'H01');
      return t?.refused && t.video?.packets > 50 && h?.link.up && h.video?.packets > 50 && h;
    }, 25000, 'TINH refused while it sends, H01 taken', seen);
    const s = await stats(S.id);
    const t = s.find((x) => x.code === 'TINH'), h = s.find((x) => x.code === 'H01');
    assert.equal(t.refused, 'phiên họp kín: site TINH gửi media không mã hóa (RTP without SRTP)');
    assert.deepEqual([t.link.up, t.link.why], [false, t.refused], 'its link shows down with the reason');
    assert.equal(h.refused, undefined, 'SRTP on every medium: taken');
    const call = (await sim.cmd({ cmd: 'stats' })).sites.find((x) => x.code === 'H01').call;
    assert.equal(call.srtp, true, 'the site says srtp off, the closed session called it with SRTP required');
    const p = await program(S.id);
    assert.equal(p.recording, null, 'not recorded');
    assert.equal(p.rtsp_url, null, 'no RTSP output');
    assert.notEqual(p.source_site_id, site.TINH.id, 'the refused chair site is not shown');
    const metrics = await (await fetch(`${srv.base}/metrics`)).text();
    assert.match(metrics, /^roomctl_media_refused_sites 1$/m);
    await sleep(3000); // a few more ticks: still one alarm
    const alarms = (await api(srv.base, admin, 'GET', `/api/v1/alarms?session_id=${S.id}&active=1`)).alarms
      .filter((a) => a.kind === 'closed_media' && !a.cleared_at);
    assert.equal(alarms.length, 1, `one standing alarm (the check's is cleared): ${JSON.stringify(alarms)}`);
    assert.equal(alarms[0].site_id, site.TINH.id);
    assert.match(alarms[0].reason, /^phiên họp kín: site TINH gửi media không mã hóa \(RTP without SRTP\)$/);
    const { audit } = await api(srv.base, admin, 'GET', '/api/v1/audit?limit=200');
    const rows = audit.filter((r) => r.action === 'media.refused' && r.target === `session:${S.id} site:${site.TINH.id}`);
    assert.equal(rows.length, 2, 'audited once by the check and once by the live session');
    assert.equal(framesOf(back).frames, 0, 'the refused site gets no program');
    assert.deepEqual(files(recordDir), [], 'no recording file');
    for (const path_ of [`/session/${S.id}`, '/program']) {
      const r = probe(path_);
      assert.notEqual(r.status, 0, `RTSP ${path_} does not play: ${r.stdout}`);
    }
  });

  test('a SIP dial-in without SRTP is answered 488 and audited, though the site itself allows plain RTP', async () => {
    // H14 calls in from its own address (127.0.0.7), offering plain RTP only.
    await api(srv.base, admin, 'PATCH', `/api/v1/sites/${site.H14.id}`, { transport: 'sip', address: '127.0.0.7', srtp: 'off' });
    await api(srv.base, admin, 'PUT', `/api/v1/sessions/${S.id}/sites`, { site_ids: [site.TINH.id, site.H01.id, site.H14.id] });
    const file = path.join(work, 'plain.xml');
    fs.writeFileSync(file, `<?xml version="1.0" encoding="ISO-8859-1" ?>\n<scenario name="plain">\n${SCENARIOS.refused(`phien-${S.id}`, 'h14', 488)}\n</scenario>\n`);
    const local = await freeUdpPorts(4);
    const proc = spawn('sipp', ['-sf', file, `127.0.0.1:${sipPort}`, '-i', '127.0.0.7', '-p', String(local),
      '-mp', String(local + 2), '-m', '1', '-nostdin', '-timeout', '20s', '-timeout_error'], { stdio: 'ignore' });
    const code = await new Promise((resolve) => proc.on('exit', resolve));
    assert.equal(code, 0, `sipp: 488 expected\n${srv.stderr.slice(-2000)}`);
    const calls = (await api(srv.base, admin, 'GET', `/api/v1/sessions/${S.id}/sip/calls`)).calls
      .filter((c) => c.site_id === site.H14.id);
    assert.equal(calls.at(-1).srtp, 'required', 'the closed session requires SRTP');
    assert.equal(calls.at(-1).cause.status, 488);
    const { audit } = await api(srv.base, admin, 'GET', '/api/v1/audit?limit=200');
    assert.ok(audit.some((r) => r.action === 'sip.refused' && /site H14, session \d+\): 488/.test(r.detail || '')),
      'the refusal is audited');
    await api(srv.base, admin, 'POST', `/api/v1/sessions/${S.id}/end`);
  });

  test('closing a live session applies at once: the recording stops, RTSP stops serving it, the plain site is refused', async () => {
    const O = assertOk(await request(srv.base, admin, 'POST', '/api/v1/sessions', sessionBody({ title: 'Phiên mở' })), 201);
    await api(srv.base, admin, 'PUT', `/api/v1/sessions/${O.id}/sites`, { site_ids: [site.TINH.id] });
    await api(srv.base, admin, 'POST', `/api/v1/sessions/${O.id}/start`);
    await until(async () => (await program(O.id)).source_site_id === site.TINH.id, 20000, 'TINH on the program', seen);
    assert.equal((await program(O.id)).recording?.state, 'recording');
    await until(() => probe(`/session/${O.id}`).status === 0, 20000, 'RTSP plays while open', seen);
    await until(() => files(recordDir).length > 0, 10000, 'a recording file while open');
    assert.equal((await stats(O.id)).find((x) => x.code === 'TINH').refused, undefined, 'open: plain RTP is taken');

    const closed = assertOk(await request(srv.base, admin, 'PATCH', `/api/v1/sessions/${O.id}`, { closed: true }));
    assert.deepEqual([closed.closed, closed.record, closed.rtsp_out], [true, false, false]);
    const p = await program(O.id);
    assert.equal(p.recording, null, 'the recording stopped');
    assert.equal(p.rtsp_url, null);
    const r = probe(`/session/${O.id}`);
    assert.notEqual(r.status, 0, `RTSP does not play once closed: ${r.stdout}`);
    await until(async () => (await stats(O.id)).find((x) => x.code === 'TINH')?.refused, 5000, 'TINH refused once closed');
    const made = files(recordDir).length;
    await sleep(2000);
    assert.equal(files(recordDir).length, made, 'nothing more is recorded');
    assert.equal((await program(O.id)).source_site_id, 0, 'nothing of the plain site on the program');
    await api(srv.base, admin, 'POST', `/api/v1/sessions/${O.id}/end`);
  });

  // The issue's own test: a closed session takes an SRTP site sent by stock
  // gst-launch — the line the key's reply prints (srtpenc), run as printed
  // but for $C — beside the plain one it refuses, and the floor brings its
  // picture to the program.
  test('stock gst-launch with SRTP, as the key\'s reply prints it, is taken in a closed session and can hold the floor', async () => {
    const H02 = (await api(srv.base, admin, 'GET', '/api/v1/sites')).sites.find((s) => s.code === 'H02');
    const key = await api(srv.base, admin, 'POST', `/api/v1/sites/${H02.id}/srtp-key`);
    const K = assertOk(await request(srv.base, admin, 'POST', '/api/v1/sessions',
      sessionBody({ title: 'Phiên họp kín, SRTP', closed: true })), 201);
    await api(srv.base, admin, 'PUT', `/api/v1/sessions/${K.id}/sites`, { site_ids: [site.TINH.id, H02.id] });
    await api(srv.base, admin, 'POST', `/api/v1/sessions/${K.id}/start`);
    const line = key.lines.gst_send.replaceAll('$C', '127.0.0.1');
    assert.match(line, /srtpenc key=[0-9a-f]{60} ! udpsink/, 'the printed line sends SRTP');
    procs.push(watched(spawn('sh', ['-c', `exec ${line}`], { stdio: ['ignore', 'pipe', 'pipe'] })));
    const h = await until(async () => {
      const x = (await stats(K.id)).find((y) => y.code === 'H02');
      return x?.video?.packets > 100 && x.audio?.packets > 20 && x;
    }, 20000, 'H02 heard over SRTP in the closed session', seen);
    assert.equal(h.refused, undefined, 'SRTP: taken');
    assert.equal(h.encrypted, true);
    assert.equal(h.link.up, true);
    const t = (await stats(K.id)).find((x) => x.code === 'TINH');
    assert.equal(t.refused, 'phiên họp kín: site TINH gửi media không mã hóa (RTP without SRTP)', 'the plain one beside it is not');
    const ws = await WsClient.connect(srv.port, { token: admin });
    try {
      await ws.request('floor.site', { session_id: K.id, site_id: H02.id });
    } finally {
      ws.close();
    }
    await until(async () => (await program(K.id)).source_site_id === H02.id, 15000, 'H02 on the program', seen);
    const alarms = (await api(srv.base, admin, 'GET', `/api/v1/alarms?session_id=${K.id}&active=1`)).alarms
      .filter((a) => a.kind === 'closed_media' && !a.cleared_at);
    assert.deepEqual(alarms.map((a) => a.site_id), [site.TINH.id], 'an alarm for the plain site only');
    await api(srv.base, admin, 'POST', `/api/v1/sessions/${K.id}/end`);
  });
});

// TLS-only: with TLS configured, plain HTTP never gets a closed session's
// data (REST session, its documents) and a plain ws:// never opens: each is
// redirected (http_mode = redirect) with nothing of the session in it.
describe('closed session: TLS only', () => {
  let srv, work, cert, token;
  before(async () => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'roomctl-closed-tls-'));
    cert = await makeCert(work, 'closed');
    srv = await startServer({ args: ['--demo'], tls: { cert: cert.cert, key: cert.key, ca: cert.pem }, timeoutMs: 45_000, config: { media: { enabled: 'false' }, server: { http_mode: 'redirect' } } });
  });
  after(async () => {
    if (srv) await srv.stop();
    if (work) fs.rmSync(work, { recursive: true, force: true });
  });

  test('plain HTTP and plain WS get nothing of a closed session', async () => {
    const https = (method, p, body) => httpsJson(srv.port, cert.pem, method, p, body, token);
    token = (await https('POST', '/api/v1/login', { username: 'admin', password: 'admin123' })).json.token;
    const s = await https('PATCH', '/api/v1/sessions/1', { closed: true });
    assert.equal(s.status, 200, s.text);
    assert.equal(s.json.closed, true);
    const detail = await https('GET', '/api/v1/sessions/1');
    const docs = [];
    walkAgenda(detail.json.agenda, (item) => docs.push(...(item.documents || [])));
    assert.ok(docs.length > 0, 'the demo session has documents');
    const doc = await https('GET', `/api/v1/documents/${docs[0].id}/content`);
    assert.equal(doc.status, 200, 'over HTTPS the document is served');
    const paths = ['/api/v1/sessions/1', `/api/v1/documents/${docs[0].id}`, `/api/v1/documents/${docs[0].id}/content`,
      '/api/v1/sessions/1/agenda'];
    for (const p of paths) {
      const res = await rawExchange(srv.port,
        `GET ${p} HTTP/1.1\r\nHost: 127.0.0.1:${srv.port}\r\nAuthorization: Bearer ${token}\r\nConnection: close\r\n\r\n`);
      assert.equal(res.status, 308, `${p}: ${res.text.slice(0, 200)}`);
      assert.doesNotMatch(res.text, new RegExp(detail.json.title.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')), `${p}: nothing of the session`);
      assert.doesNotMatch(res.text, /%PDF/, `${p}: no document`);
      assert.ok(res.data.length < 1000, `${p}: a redirect, not a body (${res.data.length} bytes)`);
    }
    const ws = new WebSocket(`ws://127.0.0.1:${srv.port}/ws`, 'roomctl.v1', { handshakeTimeout: 3000 });
    const outcome = await new Promise((resolve) => {
      ws.once('open', () => resolve('open'));
      ws.once('error', (e) => resolve(`error ${e.message}`));
      ws.once('unexpected-response', (_q, r) => resolve(`http ${r.statusCode}`));
    });
    ws.terminate();
    assert.notEqual(outcome, 'open', 'a plain WebSocket (to subscribe to the session) does not open');
  });
});

/** One HTTPS JSON request trusting only @ca: {status, text, json}. */
function httpsJson(port, ca, method, urlPath, body, token) {
  const payload = body ? JSON.stringify(body) : null;
  const headers = { ...(payload ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } : {}),
    ...(token ? { authorization: `Bearer ${token}` } : {}) };
  return new Promise((resolve, reject) => {
    const req = httpsRequest({ host: '127.0.0.1', port, method, path: urlPath, ca, headers, timeout: 5000, agent: false }, (res) => {
      const chunks = [];
      res.on('data', (d) => chunks.push(d));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString();
        let json = null;
        try { json = JSON.parse(text); } catch { /* not JSON */ }
        resolve({ status: res.statusCode, text, json });
      });
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    if (payload) req.write(payload);
    req.end();
  });
}
