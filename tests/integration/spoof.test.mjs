// A spoofer cannot be a plain-RTP site (issue 18): the floor holder H01
// sends a red picture from 127.0.0.1 (the demo's sites.media_from); a
// spoofer on 127.0.0.2 sends a blue one with H01's SSRCs (real H.264 from
// gst-launch, relayed by a socket bound to 127.0.0.2, which also listens for
// anything sent back). Every frame H02 decodes from the program stays red,
// the spoofed packets are counted (/metrics reason="spoofed", per site in
// /api/v1/media/stats), one alarm names 127.0.0.2 and clears once the
// spoofing stops, H01's own stream loses nothing, and the spoofer gets no
// packet back. Then the same spoofer against media_from 0.0.0.0/0 (anywhere,
// said explicitly) with H01 silent: its blue picture reaches H02 and the
// program goes back to it — what the checks above would have caught.
// Also: a WebRTC and a SIP site's SSRC on the shared ports (they come
// another way) is spoofed too; media_from in the site's JSON, its
// validation (1001); a plain site configured nowhere has its media refused.

import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { api, assertWireError, login, request, startLocalServer } from '../lib/integration.mjs';
import { freeUdpPorts, gst, rtp, siteSsrc, sleep, until } from '../lib/media.mjs';
import { WsClient } from '../lib/ws-client.mjs';

const W = 16, H = 12, FRAME = W * H * 3; // each decoded frame, scaled down to 16x12 RGB

/** H.264 (and Opus) of a solid @pattern with @code's SSRCs, to @video (and @audio) on 127.0.0.1. */
function sender(code, pattern, video, audio = 0) {
  return gst([
    'videotestsrc', 'is-live=true', `pattern=${pattern}`, '!', 'video/x-raw,format=I420,width=320,height=240,framerate=25/1', '!',
    'x264enc', 'tune=zerolatency', 'speed-preset=ultrafast', 'bitrate=300', 'key-int-max=25', '!',
    'rtph264pay', 'pt=96', `ssrc=${siteSsrc(code)}`, 'config-interval=-1', 'mtu=1200', '!',
    'udpsink', 'host=127.0.0.1', `port=${video}`,
    ...(audio ? ['audiotestsrc', 'is-live=true', '!', 'audioconvert', '!', 'opusenc', '!', 'rtpopuspay', 'pt=111',
      `ssrc=${siteSsrc(code, true)}`, '!', 'udpsink', 'host=127.0.0.1', `port=${audio}`] : []),
  ]);
}

/** The program as a site decodes it, every frame scaled to 16x12 RGB into @file. */
function receiver(port, file) {
  return gst([
    'udpsrc', `port=${port}`, 'address=127.0.0.1', 'caps=application/x-rtp,media=video,encoding-name=H264,payload=96,clock-rate=90000', '!',
    'rtpjitterbuffer', 'latency=100', '!', 'rtph264depay', '!', 'h264parse', '!', 'avdec_h264', '!', 'videoconvert', '!',
    'videoscale', '!', `video/x-raw,format=RGB,width=${W},height=${H}`, '!', 'filesink', `location=${file}`, 'buffer-mode=2',
  ]);
}

/** Decoded frames in @file from frame @from on, each as "red", "blue" or "other" (any pixel off). */
function frames(file, from = 0) {
  const buf = fs.existsSync(file) ? fs.readFileSync(file) : Buffer.alloc(0);
  const out = [];
  for (let f = from; (f + 1) * FRAME <= buf.length; f++) {
    let red = true, blue = true;
    for (let p = f * FRAME; p < (f + 1) * FRAME; p += 3) {
      const [r, g, b] = [buf[p], buf[p + 1], buf[p + 2]];
      red &&= r > 150 && g < 100 && b < 100;
      blue &&= b > 150 && r < 100 && g < 100;
    }
    out.push(red ? 'red' : blue ? 'blue' : 'other');
  }
  return out;
}

const count = (list, what) => list.filter((x) => x === what).length;

describe('media only from where the site is', () => {
  let srv, admin, ports, chair, tmp;
  const procs = [];
  const site = {};
  let spoofer;

  const metric = async (medium) => {
    const text = await (await fetch(`${srv.base}/metrics`)).text();
    const m = text.match(new RegExp(`^roomctl_ingest_dropped_packets_total\\{medium="${medium}",reason="spoofed"\\} (\\d+)`, 'm'));
    return m ? Number(m[1]) : -1;
  };
  const siteStats = async (code) => (await api(srv.base, admin, 'GET', '/api/v1/media/stats')).sites.find((s) => s.code === code);
  const alarms = async () => (await api(srv.base, admin, 'GET', '/api/v1/alarms?session_id=1')).alarms
    .filter((a) => a.kind === 'spoofed');

  /** The spoofer: H.264 from gst-launch relayed from a socket bound to
   *  127.0.0.2 (and Opus-typed packets with H01's audio SSRC); whatever
   *  comes to that socket is counted. */
  async function startSpoofer(pattern) {
    const relayIn = dgram.createSocket('udp4'), out = dgram.createSocket('udp4');
    await new Promise((r) => relayIn.bind(0, '127.0.0.1', r));
    await new Promise((r) => out.bind(0, '127.0.0.2', r));
    const s = { received: 0, sent: 0, port: out.address().port };
    out.on('message', () => { s.received++; });
    relayIn.on('message', (m) => { s.sent++; out.send(m, ports.video, '127.0.0.1'); });
    let seq = 0;
    const audio = setInterval(() => out.send(rtp({ ssrc: siteSsrc('H01', true), pt: 111, seq: seq++, ts: seq * 960,
      payload: Buffer.alloc(60, 0xf8) }), ports.audio, '127.0.0.1'), 20);
    const pipeline = sender('H01', pattern, relayIn.address().port);
    s.stop = async () => {
      clearInterval(audio);
      await pipeline.stop();
      relayIn.close();
      await sleep(300); // what the controller might still send back
      out.close();
    };
    return s;
  }

  before(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'roomctl-spoof-'));
    const base = await freeUdpPorts(4);
    ports = { video: base, audio: base + 2 };
    srv = await startLocalServer({
      args: ['--demo'],
      config: { media: { video_port: ports.video, audio_port: ports.audio, rtsp_port: 0, record: 'false' },
        health: { clear_seconds: 3 } },
    });
    admin = await login(srv.base, 'admin', 'admin123');
    for (const s of (await api(srv.base, admin, 'GET', '/api/v1/sites')).sites) site[s.code] = s;
    chair = await WsClient.connect(srv.port, { token: await login(srv.base, 'chutoa', 'chutoa123') });
    // H04 is a SIP room system (no call yet): its media come only from its call's addresses.
    await api(srv.base, admin, 'PATCH', `/api/v1/sites/${site.H04.id}`, { transport: 'sip', sip_user: 'h04' });
  });
  after(async () => {
    if (spoofer) await spoofer.stop();
    for (const p of procs) await p.stop();
    if (chair) chair.close();
    if (srv) await srv.stop();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  test('media_from: in the site, validated, imported as the demo has it', async () => {
    assert.equal(site.H01.media_from, '127.0.0.1', 'the demo\'s plain sites send from loopback');
    assert.equal(site['H03-X04'].media_from, '', 'the WebRTC site has none');
    for (const bad of ['10.12.3.0/33', '10.12.3.7/24', 'site.example', '::1', '10.12.3.0/24 ', 5]) {
      const res = await request(srv.base, admin, 'PATCH', `/api/v1/sites/${site.H02.id}`, { media_from: bad });
      assertWireError(res, 1001, 'media_from', String(bad));
    }
    const made = await api(srv.base, admin, 'POST', '/api/v1/sites', { code: 'NOWHERE', name: 'Chưa cấu hình', level: 'district',
      parent_id: site.TINH.id, media_from: '10.12.3.0/24' });
    assert.equal(made.media_from, '10.12.3.0/24');
    const patched = await api(srv.base, admin, 'PATCH', `/api/v1/sites/${made.id}`, { media_from: '' });
    assert.equal(patched.media_from, '', 'cleared: its address\'s host, and it has none');
    const bad = await request(srv.base, admin, 'POST', '/api/v1/sites', { code: 'BAD', name: 'x', level: 'district',
      parent_id: site.TINH.id, media_from: '300.1.1.1' });
    assertWireError(bad, 1001, 'media_from');
  });

  test('a spoofer with the floor holder\'s SSRC changes no frame, gets nothing back, is counted and alarmed once', async () => {
    await api(srv.base, admin, 'PATCH', `/api/v1/sites/${site.H02.id}`, { address: `127.0.0.1:${await freeUdpPorts(4)}` });
    const at = (await api(srv.base, admin, 'GET', `/api/v1/sites/${site.H02.id}`)).address;
    const file = path.join(tmp, 'h02.rgb');
    procs.push(receiver(Number(at.split(':')[1]), file));
    await api(srv.base, admin, 'POST', '/api/v1/sessions/1/start');
    const h01 = sender('H01', 'red', ports.video, ports.audio);
    procs.push(h01);
    await until(async () => { const s = await siteStats('H01'); return s && s.video && s.video.packets > 50; }, 10000, 'H01 heard');
    await chair.request('floor.site', { session_id: 1, site_id: site.H01.id });
    await until(() => frames(file).length > 25, 15000, 'the program (H01) decoded at H02');
    const before = { video: await metric('video'), audio: await metric('audio'), frames: frames(file).length };
    assert.ok(before.video >= 0 && before.audio >= 0, 'the metric is there');
    assert.ok(frames(file).every((f) => f === 'red'), `before the spoofer: ${JSON.stringify(frames(file))}`);

    spoofer = await startSpoofer('blue');
    await until(async () => (await metric('video')) >= before.video + 100 && (await metric('audio')) >= before.audio + 100, 10000,
      'spoofed packets counted', () => spoofer);
    const [alarm] = await until(async () => { const a = (await alarms()).filter((x) => !x.cleared_at); return a.length && a; }, 5000,
      'the spoofed alarm');
    assert.equal(alarm.site_id, site.H01.id);
    assert.match(alarm.reason, /^media from an unexpected address for site H01: 127\.0\.0\.2:\d+ \((video|audio)\)$/, alarm.reason);
    assert.ok(alarm.reason.includes(`127.0.0.2:${spoofer.port}`), alarm.reason);
    const s = await siteStats('H01');
    assert.ok(s.video.spoofed_packets > 50 && s.audio.spoofed_packets > 50, JSON.stringify(s));
    assert.match(s.video.spoofed_from, /^127\.0\.0\.2:\d+$/);
    const perSite = (await (await fetch(`${srv.base}/metrics`)).text())
      .match(/^roomctl_site_spoofed_packets_total\{site="H01",[^}]*medium="video"\} (\d+)/m);
    assert.ok(perSite && Number(perSite[1]) > 50, 'per site in /metrics too');
    await sleep(4000); // the program goes on: 4 s more of frames with the spoofer sending
    assert.ok(spoofer.sent > 100, `the spoofer sent ${spoofer.sent} video packets`);
    await spoofer.stop();
    const spoofedFor = spoofer;
    spoofer = null;

    const during = frames(file, before.frames);
    assert.ok(during.length > 50, `H02 decoded ${during.length} frames while the spoofer sent`);
    assert.deepEqual([count(during, 'blue'), count(during, 'other')], [0, 0], `every frame is H01's: ${JSON.stringify(during)}`);
    assert.equal(spoofedFor.received, 0, 'the spoofer got no program packet (nor a keyframe request)');
    const after = await siteStats('H01');
    assert.equal(after.video.lost, 0, 'H01\'s own stream: nothing lost, no foreign sequence numbers');
    assert.equal((await alarms()).filter((a) => a.site_id === site.H01.id).length, 1, 'one alarm for the episode');
    // Cleared after [health] clear_seconds (3 s here) without a spoofed packet.
    await until(async () => (await alarms()).every((a) => a.cleared_at), 10000, 'the alarm cleared');
    await h01.stop();
  });

  test('a WebRTC site\'s and a SIP site\'s SSRC on the shared ports: spoofed, counted and alarmed the same way', async () => {
    const out = dgram.createSocket('udp4');
    await new Promise((r) => out.bind(0, '127.0.0.1', r));
    const before = await metric('video');
    for (const code of ['H03-X04', 'H04'])
      for (let i = 0; i < 60; i++) {
        out.send(rtp({ ssrc: siteSsrc(code), seq: i, ts: i * 3600, payload: Buffer.from([0x65, 0x88, 0x84]) }), ports.video, '127.0.0.1');
        await sleep(5);
      }
    for (const code of ['H03-X04', 'H04']) {
      const s = await until(async () => { const x = await siteStats(code); return x && x.video && x.video.spoofed_packets >= 60 && x; },
        5000, `${code} spoofed`);
      assert.equal(s.video.packets, 0, `${code}: none taken`);
      assert.equal(s.video.spoofed_from, `127.0.0.1:${out.address().port}`);
      const a = await until(async () => (await alarms()).find((x) => x.site_id === site[code].id), 5000, `${code}'s alarm`);
      assert.equal(a.reason, `media from an unexpected address for site ${code}: 127.0.0.1:${out.address().port} (video)`);
    }
    // /metrics says the port's counter as of the health service's last copy
    // of the media's figures, which can lag the per-site counts read above
    // (measured: about 100 ms): it is waited for, not read once.
    let now;
    await until(async () => (now = await metric('video')) >= before + 120, 5000, 'the port\'s spoofed counter',
      () => ({ before, now }));
    out.close();
  });

  test('the same spoofer where the site may send from anywhere (0.0.0.0/0): its picture and the program are its', async () => {
    const file = path.join(tmp, 'h02.rgb');
    const from = frames(file).length;
    await api(srv.base, admin, 'PATCH', `/api/v1/sites/${site.H01.id}`, { media_from: '0.0.0.0/0' });
    spoofer = await startSpoofer('blue');
    await until(() => count(frames(file, from), 'blue') > 10, 15000, 'the spoofer\'s picture at H02',
      () => [...new Set(frames(file, from))]);
    await until(() => spoofer.received > 0, 15000, 'the program sent back to the spoofer');
    await spoofer.stop();
    spoofer = null;
    assert.equal((await siteStats('H01')).video.spoofed_packets > 0, true);
    await api(srv.base, admin, 'PATCH', `/api/v1/sites/${site.H01.id}`, { media_from: '127.0.0.1' });
  });

  test('a plain site configured nowhere: its media are refused, and the figures say why', async () => {
    await api(srv.base, admin, 'PATCH', `/api/v1/sites/${site.H01.id}`, { media_from: '', address: '' });
    const s = await until(async () => { const x = await siteStats('H01'); return x && x.refused && x; }, 5000, 'refused');
    assert.match(s.refused, /no media_from nor address configured/);
    const was = (await siteStats('H01')).video.spoofed_packets;
    const h01 = sender('H01', 'red', ports.video);
    procs.push(h01);
    await until(async () => (await siteStats('H01')).video.spoofed_packets > was + 20, 10000, 'its packets dropped');
    const packets = (await siteStats('H01')).video.packets;
    await sleep(1000);
    assert.equal((await siteStats('H01')).video.packets, packets, 'none taken');
    await h01.stop();
  });
});
