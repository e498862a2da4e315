// WebRTC sites and viewers (WHIP/WHEP) against an independent client
// (GStreamer's webrtcbin, tests/lib/webrtc-client.py): a webrtc site
// publishes, goes online and its picture reaches a plain-RTP site when it
// has the floor; a WHEP viewer decodes the program; and bad input is
// answered (malformed SDP, no usable codec, no or unknown bearer, a site not
// in a live session, the wrong content type, PATCH, a flood of offers, STUN
// from strangers, a revoked credential mid-call, a killed client, a second
// publisher for a site, a peer that never does DTLS); and a publisher over
// HTTPS with the certificate's CA file.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { api, assertAlive, assertOk, login, request, siteBody, startLocalServer } from '../lib/integration.mjs';
import { freePort, REPO_ROOT } from '../lib/server.mjs';
import { makeCert } from '../lib/tls.mjs';
import { framesOf, freeUdpPorts, gstSite, gstVideoReceiver, sleep, until } from '../lib/media.mjs';
import { answerIce, craftOffer, startClient, stunBinding, stunReplyType, udpExchange, whipPost } from '../lib/webrtc.mjs';
import { WsClient } from '../lib/ws-client.mjs';

/** @key of [@section] in the shipped configuration (the defaults the tests run with). */
function shipped(section, key) {
  const text = fs.readFileSync(path.join(REPO_ROOT, 'configs', 'roomctl.conf'), 'utf8');
  const body = text.split(new RegExp(`^\\[${section}\\]$`, 'm'))[1].split(/^\[/m)[0];
  return Number(new RegExp(`^${key}=(\\S+)$`, 'm').exec(body)[1]);
}
const offlineSeconds = () => shipped('health', 'offline_seconds');

// The sites of session 1 here: TINH (chair, plain RTP 640×360), H01 (plain
// RTP, a decoding receiver of the program), H02 (plain RTP 480×270), and
// webrtc sites H04 (the publisher), H05 (revoked mid-call), H06 (killed),
// H07 (bad input, a peer that never does DTLS).
const RTP_SITES = ['TINH', 'H01', 'H02'];
const WEBRTC_SITES = ['H04', 'H05', 'H06', 'H07'];

describe('webrtc', () => {
  let srv, admin, chairWs, techWs, ports, webrtcPort, whip, h04;
  const procs = [];
  const clients = [];
  const site = {};       // code -> site
  const secret = {};     // code -> site secret
  const recv = {};       // code -> program port
  const rows = new Map(); // site id -> latest health row
  const stats = async () => api(srv.base, admin, 'GET', '/api/v1/media/stats');
  const siteStats = async (code) => (await stats()).sites.find((s) => s.code === code);
  const health = (code) => rows.get(site[code].id);
  const publish = (code, opts) => { const c = startClient('publish', whip, secret[code], opts); clients.push(c); return c; };
  const seen = (c) => () => ({ latest: c.latest, http: c.httpError, out: c.output.slice(-1500), server: srv.stderr.slice(-1500) });
  const connected = (c, what) => until(() => c.latest && c.latest.state === 'connected' && c.latest, 15000, `${what} connected`, seen(c));

  before(async () => {
    const base = await freeUdpPorts(4);
    ports = { video: base, audio: base + 2 };
    webrtcPort = await freeUdpPorts(1);
    srv = await startLocalServer({
      args: ['--demo'],
      config: { media: { video_port: ports.video, audio_port: ports.audio, webrtc_port: webrtcPort, rtsp_port: await freePort(), record: 'false' } },
    });
    whip = `${srv.base}/api/v1/whip`;
    admin = await login(srv.base, 'admin', 'admin123');
    const all = (await api(srv.base, admin, 'GET', '/api/v1/sites')).sites;
    for (const code of [...RTP_SITES, ...WEBRTC_SITES]) site[code] = all.find((s) => s.code === code);
    for (const code of RTP_SITES) {
      recv[code] = await freeUdpPorts(4);
      await api(srv.base, admin, 'PATCH', `/api/v1/sites/${site[code].id}`, { address: `127.0.0.1:${recv[code]}` });
    }
    for (const code of WEBRTC_SITES) {
      await api(srv.base, admin, 'PATCH', `/api/v1/sites/${site[code].id}`, { transport: 'webrtc', address: '' });
      const cred = await api(srv.base, admin, 'POST', `/api/v1/sites/${site[code].id}/credential`);
      assert.equal(cred.site_id, site[code].id);
      assert.match(cred.secret, /^[A-Za-z0-9_-]{43}$/);
      secret[code] = cred.secret;
      const row = await api(srv.base, admin, 'GET', `/api/v1/sites/${site[code].id}`);
      assert.equal((row.site || row).credential.created_at, cred.created_at, JSON.stringify(row));
    }
    await api(srv.base, admin, 'PUT', '/api/v1/sessions/1/sites', { site_ids: Object.values(site).map((s) => s.id) });
    await api(srv.base, admin, 'POST', '/api/v1/sessions/1/start');
    chairWs = await WsClient.connect(srv.port, { token: await login(srv.base, 'chutoa', 'chutoa123') });
    techWs = await WsClient.connect(srv.port, { token: await login(srv.base, 'kythuat', 'kythuat123') });
    await techWs.followHealth(1, rows);
    procs.push(gstSite('TINH', ports, { width: 640, height: 360 }));
  });
  after(async () => {
    for (const c of clients) await c.stop('SIGKILL');
    for (const p of procs) await p.stop();
    if (chairWs) chairWs.close();
    if (techWs) techWs.close();
    if (srv) await srv.stop();
  });

  test('a webrtc site publishes: online, counted, and its picture reaches a plain-RTP site with the floor', async () => {
    const atH01 = gstVideoReceiver(recv.H01);
    procs.push(atH01);
    const pub = h04 = publish('H04');
    await connected(pub, 'H04 publisher');
    assert.match(pub.latest.location, /^\/api\/v1\/whip\/[0-9a-f]{32}$/);
    const s = await until(async () => { const x = await siteStats('H04'); return x && x.video && x.video.packets > 100 && x.audio.packets > 20 && x; },
      10000, 'H04 packets counted', seen(pub));
    assert.equal(s.video.lost, 0, JSON.stringify(s.video));
    await until(() => health('H04') && health('H04').state === 'online', 10000, 'H04 online in the health ticks', () => health('H04'));
    // The chair's 640-wide picture first; the publisher's is 320 wide.
    await until(() => framesOf(atH01).width === 640, 10000, 'H01 decodes the chair (640 wide)', () => framesOf(atH01));
    const ack = await chairWs.request('floor.site', { session_id: 1, site_id: site.H04.id });
    assert.equal(ack.floor_site_id, site.H04.id);
    await until(async () => (await api(srv.base, admin, 'GET', '/api/v1/media')).source_site_id === site.H04.id, 5000, 'program switched to H04');
    const atGrant = framesOf(atH01).frames;
    await until(() => framesOf(atH01).width === 320 && framesOf(atH01).frames > atGrant + 25, 10000,
      'H01 decodes the webrtc site (320 wide) after the grant', () => framesOf(atH01));
    // A moving picture and a tone from a well-behaved publisher raise no alarm.
    const alarms = (await api(srv.base, admin, 'GET', '/api/v1/alarms')).alarms.filter((a) => a.site_id === site.H04.id);
    assert.deepEqual(alarms.map((a) => `${a.kind}: ${a.reason}`), [], 'alarms about the publishing site');
  });

  test('a WHEP viewer decodes the program while a plain-RTP site has the floor', async () => {
    procs.push(gstSite('H02', ports, { width: 480, height: 270, pattern: 'smpte' }));
    await until(async () => { const x = await siteStats('H02'); return x && x.video && x.video.packets > 50; }, 10000, 'H02 video');
    await chairWs.request('floor.site', { session_id: 1, site_id: site.H02.id });
    await until(async () => (await api(srv.base, admin, 'GET', '/api/v1/media')).source_site_id === site.H02.id, 5000, 'program switched to H02');
    const thuky = await login(srv.base, 'thuky', 'thuky123');
    const viewer = startClient('view', `${srv.base}/api/v1/sessions/1/whep`, thuky);
    clients.push(viewer);
    await connected(viewer, 'viewer');
    assert.match(viewer.latest.location, /^\/api\/v1\/whep\/[0-9a-f]{32}$/);
    const first = await until(() => viewer.latest.frames_decoded > 25 && viewer.latest.audio_buffers > 10 && viewer.latest, 15000,
      'viewer frames and audio', seen(viewer));
    assert.equal(first.video_width, 480, 'the viewer sees H02, the floor holder (480 wide)');
    await sleep(2000);
    assert.ok(viewer.latest.frames_decoded > first.frames_decoded + 25, `frames grow: ${first.frames_decoded} -> ${viewer.latest.frames_decoded}`);
    assert.ok(viewer.latest.audio_buffers > first.audio_buffers + 25, `audio grows: ${first.audio_buffers} -> ${viewer.latest.audio_buffers}`);
    const end = await viewer.stop();
    assert.equal(end.code, 0, viewer.output.slice(-1000));
    assert.equal(viewer.final.delete_status, 200, 'DELETE of the WHEP resource');
  });

  describe('bad input', () => {
    const reasonOf = (res) => (res.json && res.json.error ? res.json.error.reason || res.json.error.message : res.text);

    test('malformed SDP → 400 with a reason', async () => {
      for (const [what, sdp] of [['not SDP', 'hello, this is not SDP\r\n'],
        ['no fingerprint', craftOffer({ drop: ['fingerprint'] }).sdp],
        ['no ICE credentials', craftOffer({ drop: ['ice'] }).sdp],
        ['no mid', craftOffer({ drop: ['mid'] }).sdp]]) {
        const res = await whipPost(srv.base, secret.H07, sdp);
        assert.equal(res.status, 400, `${what}: ${res.status} ${res.text}`);
        assert.match(reasonOf(res), /\S{3}/, `${what}: a reason`);
      }
    });

    test('an offer with neither H.264 nor Opus → 406 with the reason', async () => {
      const res = await whipPost(srv.base, secret.H07, craftOffer({ video: 'VP8', audio: 'PCMU' }).sdp);
      assert.equal(res.status, 406, res.text);
      assert.match(reasonOf(res), /H\.?264|Opus|codec/i, res.text);
    });

    test('no bearer, an unknown one → 401; a user’s login → 403', async () => {
      const { sdp } = craftOffer();
      assert.equal((await whipPost(srv.base, null, sdp)).status, 401);
      const res = await whipPost(srv.base, 'A'.repeat(43), sdp);
      assert.equal(res.status, 401, res.text);
      // A user's login token is not a site secret either: known, but not allowed here (as on /site/me).
      const user = await whipPost(srv.base, admin, sdp);
      assert.equal(user.status, 403, user.text);
      assert.match(user.text, /not a site credential/);
    });

    test('offers in the wrong direction → 400; WHEP: no login → 401, one site\'s stream for a secretariat → 403', async () => {
      const sendonly = await whipPost(srv.base, secret.H07, craftOffer({ direction: 'recvonly' }).sdp);
      assert.equal(sendonly.status, 400, `a publisher that sends nothing: ${sendonly.text}`);
      const whep = (token, sdp, q = '') => whipPost(srv.base, token, sdp, { path: `/api/v1/sessions/1/whep${q}` });
      const thuky = await login(srv.base, 'thuky', 'thuky123');
      const viewerSends = await whep(thuky, craftOffer({ direction: 'sendonly' }).sdp);
      assert.equal(viewerSends.status, 400, `a viewer that receives nothing: ${viewerSends.text}`);
      assert.equal((await whep(null, craftOffer({ direction: 'recvonly' }).sdp)).status, 401);
      const oneSite = await whep(thuky, craftOffer({ direction: 'recvonly' }).sdp, `?site=${site.H04.id}`);
      assert.equal(oneSite.status, 403, oneSite.text);
    });

    test('a site not in a live session → 409', async () => {
      const extra = await api(srv.base, admin, 'POST', '/api/v1/sites',
        siteBody({ code: 'WRTC-OUT', transport: 'webrtc', level: 'district', parent_id: site.TINH.id }));
      const cred = await api(srv.base, admin, 'POST', `/api/v1/sites/${extra.id}/credential`);
      const res = await whipPost(srv.base, cred.secret, craftOffer().sdp);
      assert.equal(res.status, 409, res.text);
    });

    test('not application/sdp → 415; PATCH → 405', async () => {
      const { sdp } = craftOffer();
      assert.equal((await whipPost(srv.base, secret.H07, sdp, { contentType: 'text/plain' })).status, 415);
      assert.equal((await whipPost(srv.base, secret.H07, JSON.stringify({ sdp }), { contentType: 'application/json' })).status, 415);
      assert.ok(h04 && h04.latest && h04.latest.location, 'the H04 publisher is up (first test)');
      const res = await request(srv.base, secret.H04, 'PATCH', h04.latest.location, 'a=candidate:1 1 udp 1 127.0.0.1 9 typ host\r\n',
        { contentType: 'application/trickle-ice-sdpfrag' });
      assert.equal(res.status, 405, res.text);
    });

    test('STUN from strangers gets no answer; a check with the right credentials does', async () => {
      for (const opts of [{ username: 'nobody:stranger' }, { username: 'nobody:stranger', pwd: 'x'.repeat(24) }, {}]) {
        const { packet, txid } = stunBinding(opts);
        const reply = await udpExchange(webrtcPort, packet, { ms: 1000 });
        assert.equal(reply, null, `an answer to ${JSON.stringify(opts)}: ${reply && stunReplyType(reply, txid)}`);
      }
      // The right username with a wrong password is a stranger too.
      const offer = craftOffer();
      const res = await whipPost(srv.base, secret.H07, offer.sdp);
      assert.equal(res.status, 201, res.text);
      const ice = answerIce(res.text);
      assert.ok(ice.lite && ice.ufrag && ice.pwd && ice.port === webrtcPort, JSON.stringify(ice));
      const username = `${ice.ufrag}:${offer.ufrag}`;
      const bad = stunBinding({ username, pwd: `${ice.pwd}x`, priority: 2122260223, controlling: true });
      assert.equal(await udpExchange(webrtcPort, bad.packet), null, 'a check with a wrong MESSAGE-INTEGRITY is answered');
      const good = stunBinding({ username, pwd: ice.pwd, priority: 2122260223, controlling: true, useCandidate: true });
      assert.equal(stunReplyType(await udpExchange(webrtcPort, good.packet), good.txid), 0x0101, 'binding success');
      assert.equal((await request(srv.base, secret.H07, 'DELETE', res.headers.get('location'))).status, 200);
      await assertAlive(srv, 'after the STUN strangers');
    });

    test('a credential revoked mid-call ends the call', async () => {
      const pub = publish('H05');
      await connected(pub, 'H05 publisher');
      await until(() => health('H05') && health('H05').state === 'online', 10000, 'H05 online', () => health('H05'));
      assertOk(await request(srv.base, admin, 'DELETE', `/api/v1/sites/${site.H05.id}/credential`));
      const resource = pub.latest.location.split('/').pop();
      await until(() => srv.stderr.includes(`webrtc ${resource}: closed: the site credential was revoked`), 2000,
        'the controller ends the call at once', () => srv.stderr.slice(-1000));
      const sentAtRevoke = pub.latest.sent_video_packets;
      await until(() => ['failed', 'closed'].includes(pub.latest.state) || (health('H05') && health('H05').state === 'offline'),
        (offlineSeconds() + 3) * 1000, 'the call ends (client failed/closed or H05 offline)', () => ({ client: pub.latest, health: health('H05') }));
      // The client may still be sending (an ICE-lite server cannot make it
      // stop); what it sends is not taken any more.
      await sleep(2000);
      assert.ok(['failed', 'closed'].includes(pub.latest.state) || pub.latest.sent_video_packets > sentAtRevoke, 'client alive');
      assert.notEqual(health('H05').state, 'online', `H05 came back: ${JSON.stringify(health('H05'))}`);
      const res = await whipPost(srv.base, secret.H05, craftOffer().sdp);
      assert.equal(res.status, 401, `the revoked secret: ${res.text}`);
      await pub.stop('SIGKILL');
    });

    test('a publisher killed with SIGKILL goes offline within the health thresholds', async () => {
      const pub = publish('H06');
      await connected(pub, 'H06 publisher');
      await until(() => health('H06') && health('H06').state === 'online', 10000, 'H06 online', () => health('H06'));
      await pub.stop('SIGKILL');
      const t0 = Date.now();
      // offline_seconds of silence, then the next once-a-second tick, and the WebSocket.
      await until(() => health('H06').state === 'offline', (offlineSeconds() + 2) * 1000, 'H06 offline', () => health('H06'));
      assert.ok(Date.now() - t0 <= (offlineSeconds() + 2) * 1000);
    });

    test('a second publisher for the same site replaces the first, with an alarm', async () => {
      const first = h04;
      assert.ok(first && first.latest && first.proc.exitCode === null && first.proc.signalCode === null, 'the H04 publisher is still up');
      const alarmsBefore = (await api(srv.base, admin, 'GET', '/api/v1/alarms')).alarms.map((a) => a.id);
      const before = (await siteStats('H04')).video;
      const second = publish('H04');
      await connected(second, 'the second H04 publisher');
      const raised = await until(async () => (await api(srv.base, admin, 'GET', '/api/v1/alarms')).alarms
        .find((a) => a.site_id === site.H04.id && !alarmsBefore.includes(a.id) && /replac|second/i.test(a.reason)), 5000,
      'an alarm about the replaced H04 publisher');
      assert.equal(raised.cleared_at, null);
      // The first one's resource is gone; H04 stays online on the second one.
      const res = await request(srv.base, secret.H04, 'DELETE', first.latest.location);
      assert.equal(res.status, 404, `the replaced resource: ${res.status} ${res.text}`);
      const packets = (await siteStats('H04')).video.packets;
      await until(async () => (await siteStats('H04')).video.packets > packets + 50, 5000, 'H04 media from the second publisher');
      await until(() => health('H04').state === 'online', 10000, 'H04 online on the second publisher', () => health('H04'));
      // The second one continues the site's stream: its sequence numbers follow the first's, so the
      // statistics see no jump (random new numbers would count as thousands lost, or a restart:
      // the expected count starting again, or standing still under late packets).
      const after = (await siteStats('H04')).video;
      assert.ok(after.packets > before.packets, JSON.stringify({ before, after }));
      assert.ok(after.lost - before.lost <= 50, `lost ${before.lost} -> ${after.lost} across the replacement: ${JSON.stringify({ before, after })}`);
      assert.ok(Math.abs((after.expected - before.expected) - (after.packets - before.packets)) < 50,
        `expected ${before.expected} -> ${after.expected}, packets ${before.packets} -> ${after.packets}`);
      // The replaced one's end is not the site's: its link stays up throughout.
      assert.doesNotMatch(srv.stderr, new RegExp(`site ${site.H04.id}: link down: replaced`), 'H04 link down for the replacement');
    });

    test('a peer that passes ICE but never does DTLS is dropped after the DTLS timeout', async () => {
      const offer = craftOffer();
      const res = await whipPost(srv.base, secret.H07, offer.sdp);
      assert.equal(res.status, 201, res.text);
      const location = res.headers.get('location');
      const resource = location.split('/').pop();
      const ice = answerIce(res.text);
      const check = stunBinding({ username: `${ice.ufrag}:${offer.ufrag}`, pwd: ice.pwd, priority: 2122260223, controlling: true, useCandidate: true });
      assert.equal(stunReplyType(await udpExchange(webrtcPort, check.packet), check.txid), 0x0101, 'binding success');
      // The engine's DTLS timeout is 10 s after the check (controller/media/media-webrtc.c), the
      // consent timeout 30 s: the first one ends it.
      const t0 = Date.now();
      await until(() => srv.stderr.includes(`webrtc ${resource}: closed: the DTLS handshake never finished`), 15000,
        'the DTLS-less peer closed', () => srv.stderr.slice(-1000));
      assert.ok(Date.now() - t0 >= 8000, `closed after ${Date.now() - t0} ms, before the timeout`);
      const gone = await request(srv.base, secret.H07, 'DELETE', location);
      assert.equal(gone.status, 404, `its resource: ${gone.status} ${gone.text}`);
    });

    test('a flood of WHIP offers from one address → 429 after the limit', async () => {
      const { sdp } = craftOffer();
      const statuses = [];
      // The window may have begun with this test's first offer: at most the quota, then 429.
      const quota = shipped('media', 'webrtc_offers_per_minute');
      assert.ok(quota > 0 && quota <= 60, `webrtc_offers_per_minute=${quota}`);
      for (let i = 0; i <= quota && !statuses.includes(429); i++) statuses.push((await whipPost(srv.base, 'B'.repeat(43), sdp)).status);
      assert.ok(statuses.includes(429), `no 429 in ${quota + 1} offers: ${statuses.join(',')}`);
      assert.ok(statuses.slice(0, statuses.indexOf(429)).every((s) => s === 401), statuses.join(','));
      await assertAlive(srv, 'after the flood');
    });
  });
});

describe('webrtc over https', () => {
  let srv, dir, cert;
  /** One JSON request over HTTPS trusting the test's certificate. */
  const call = (token, method, urlPath, body) => new Promise((resolve, reject) => {
    const headers = { ...(token ? { Authorization: `Bearer ${token}` } : {}), ...(body ? { 'Content-Type': 'application/json' } : {}) };
    const req = https.request(`${srv.base}${urlPath}`, { method, headers, ca: cert.pem, timeout: 10_000, agent: false }, (res) => {
      let text = '';
      res.on('data', (d) => { text += d; });
      res.on('end', () => (res.statusCode < 300 ? resolve(text ? JSON.parse(text) : null)
        : reject(new Error(`${method} ${urlPath} -> ${res.statusCode} ${text}`))));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end(body ? JSON.stringify(body) : undefined);
  });

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'roomctl-webrtc-tls-'));
    cert = await makeCert(dir, 'webrtc');
    const base = await freeUdpPorts(4);
    srv = await startLocalServer({
      args: ['--demo'],
      tls: { cert: cert.cert, key: cert.key, ca: cert.pem },
      config: { media: { video_port: base, audio_port: base + 2, webrtc_port: await freeUdpPorts(1), rtsp_port: await freePort(), record: 'false' } },
    });
  });
  after(async () => {
    if (srv) await srv.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  test('a site publishes over HTTPS with the CA file; a client without the CA file refuses the certificate', async () => {
    const admin = (await call(null, 'POST', '/api/v1/login', { username: 'admin', password: 'admin123' })).token;
    const h04 = (await call(admin, 'GET', '/api/v1/sites')).sites.find((s) => s.code === 'H04');
    await call(admin, 'PATCH', `/api/v1/sites/${h04.id}`, { transport: 'webrtc', address: '' });
    const { secret } = await call(admin, 'POST', `/api/v1/sites/${h04.id}/credential`);
    await call(admin, 'POST', '/api/v1/sessions/1/start');
    const untrusting = startClient('publish', `${srv.base}/api/v1/whip`, secret, { seconds: 20 });
    const refused = await untrusting.exited;
    assert.equal(refused.code, 2, untrusting.output.slice(-1000));
    assert.equal(untrusting.httpError.http_status, 0);
    assert.match(untrusting.httpError.body, /CERTIFICATE_VERIFY_FAILED/);
    const pub = startClient('publish', `${srv.base}/api/v1/whip`, secret, { seconds: 60, ca: cert.cert });
    try {
      await until(() => pub.latest && pub.latest.state === 'connected', 15000, 'connected over https', () => pub.output.slice(-1500));
      await until(async () => {
        const x = (await call(admin, 'GET', '/api/v1/media/stats')).sites.find((s) => s.code === 'H04');
        return x && x.video && x.video.packets > 50;
      }, 10000, 'H04 packets');
    } finally {
      await pub.stop();
    }
    assert.equal(pub.final.delete_status, 200, 'its DELETE over https');
  });
});
