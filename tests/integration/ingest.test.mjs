// What the media ingest checks besides the figures, with real senders:
// - payload types: stock ffmpeg sends Opus with its default payload type 97;
//   with the default config the site's "payload" alarm names 97 and no
//   "silence" alarm is raised; with the site's opus_payload_type set to 97
//   (PATCH during the live session) its audio is counted and reaches the
//   program mix (decoded at another site);
// - unknown senders: RTP from an SSRC no site has is listed with its
//   address:port, SSRC, payload type, packets and last seen (ISO 8601 UTC),
//   most recent first, in a bounded table;
// - the rate cap: a site sending far above its cap holds the floor; it is
//   degraded with a "bitrate" alarm naming the rate and the cap, and the
//   program another site receives stays under the cap plus a margin.

import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import dgram from 'node:dgram';
import { after, before, describe, test } from 'node:test';
import { api, login, request, startLocalServer } from '../lib/integration.mjs';
import { freePort } from '../lib/server.mjs';
import { blast, freeUdpPorts, gst, rtp, siteSsrc, sleep, until } from '../lib/media.mjs';
import { WsClient } from '../lib/ws-client.mjs';

const CAP_KBPS = 2000; // [media] video_cap_kbps for this test: a flood far above it stays cheap here
const CODES = ['TINH', 'H01', 'H02'];

/** A UDP socket on 127.0.0.1:@port counting what arrives. */
function counter(port) {
  const sock = dgram.createSocket('udp4');
  const c = { bytes: 0, packets: 0, sock };
  sock.on('message', (m) => { c.bytes += m.length; c.packets++; });
  return new Promise((resolve) => sock.bind(port, '127.0.0.1', () => resolve(c)));
}

/** A socket bound to a free port on 127.0.0.1, to send from a known address. */
function sender() {
  const sock = dgram.createSocket('udp4');
  return new Promise((resolve) => sock.bind(0, '127.0.0.1', () => resolve(sock)));
}

const send = (sock, buf, port) => new Promise((r) => sock.send(buf, port, '127.0.0.1', () => r()));

describe('ingest: payload types, unknown senders, rate cap', () => {
  let srv, admin, tech, chairWs, ports, ffmpeg;
  const site = {}, recv = {};
  const procs = [];
  const alarms = [];
  const rows = new Map();
  const siteStats = async (code) => (await api(srv.base, admin, 'GET', '/api/v1/media/stats')).sites.find((s) => s.code === code);
  const alarmsOf = (code, kind) => alarms.filter((a) => a.type === 'alarm.raised' && a.body.alarm.site_id === site[code].id && (!kind || a.body.alarm.kind === kind));

  before(async () => {
    const base = await freeUdpPorts(4);
    ports = { video: base, audio: base + 2 };
    srv = await startLocalServer({
      args: ['--demo'],
      config: {
        media: { video_port: ports.video, audio_port: ports.audio, rtsp_port: await freePort(), record: 'false', video_cap_kbps: CAP_KBPS },
        health: { clear_seconds: 3 },
      },
    });
    admin = await login(srv.base, 'admin', 'admin123');
    const all = (await api(srv.base, admin, 'GET', '/api/v1/sites')).sites;
    for (const code of CODES) {
      site[code] = all.find((s) => s.code === code);
      recv[code] = await freeUdpPorts(4);
      await api(srv.base, admin, 'PATCH', `/api/v1/sites/${site[code].id}`, { address: `127.0.0.1:${recv[code]}` });
    }
    await api(srv.base, admin, 'PUT', '/api/v1/sessions/1/sites', { site_ids: CODES.map((c) => site[c].id) });
    await api(srv.base, admin, 'POST', '/api/v1/sessions/1/start');
    tech = await WsClient.connect(srv.port, { token: await login(srv.base, 'kythuat', 'kythuat123') });
    await tech.request('subscribe.health', { session_id: 1 });
    tech.sock.on('message', (data) => {
      const m = JSON.parse(data);
      if (m.type === 'health.tick') for (const r of m.body.sites) rows.set(r.site_id, r);
      if (m.type && m.type.startsWith('alarm.')) alarms.push(m);
    });
    chairWs = await WsClient.connect(srv.port, { token: await login(srv.base, 'chutoa', 'chutoa123') });
  });
  after(async () => {
    if (ffmpeg) ffmpeg.kill('SIGKILL');
    for (const p of procs) await p.stop();
    if (tech) tech.close();
    if (chairWs) chairWs.close();
    if (srv) await srv.stop();
  });

  test('stock ffmpeg (Opus payload type 97): an alarm names 97, no "silence"; with the site set to 97 its audio counts and reaches the mix', async () => {
    // ffmpeg's RTP muxer picks 96 for video and 97 for audio when not told (-payload_type).
    const signed = (x) => (x > 0x7fffffff ? x - 0x100000000 : x);
    ffmpeg = spawn('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-re', '-f', 'lavfi', '-i', 'testsrc2=size=320x240:rate=25',
      '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000', '-map', '0:v', '-c:v', 'libx264', '-preset', 'ultrafast',
      '-tune', 'zerolatency', '-g', '50', '-b:v', '300k', '-f', 'rtp', '-ssrc', String(signed(siteSsrc('H01'))),
      `rtp://127.0.0.1:${ports.video}`, '-map', '1:a', '-c:a', 'libopus', '-b:a', '64k', '-f', 'rtp',
      '-ssrc', String(signed(siteSsrc('H01', true))), `rtp://127.0.0.1:${ports.audio}`], { stdio: ['ignore', 'ignore', 'pipe'] });
    let fferr = '';
    ffmpeg.stderr.on('data', (d) => { fferr += d; });
    const show = () => ({ alarms: alarmsOf('H01').map((a) => a.body.alarm), ffmpeg: fferr });

    // (a) the default config expects Opus on 111
    const raised = await until(() => alarmsOf('H01', 'payload')[0], 10000, 'the payload alarm of H01', show);
    assert.equal(raised.body.alarm.reason, 'payload type 97 not expected (audio Opus is 111)');
    const s = await until(async () => { const x = await siteStats('H01'); return x && x.video && x.video.packets > 50 && x; }, 5000, 'H01 video');
    assert.equal(s.audio.packets, 0, 'no audio of type 97 counted');
    assert.equal(s.audio.wrong_payload_type, 97);
    assert.ok(s.audio.wrong_payload_type_packets > 20, JSON.stringify(s.audio));
    assert.equal(rows.get(site.H01.id).state, 'degraded');
    await sleep(3000); // silence_seconds is 0.5: a silence alarm would be up by now
    assert.deepEqual(alarmsOf('H01', 'audio'), [], 'no silence alarm');
    const stored = (await api(srv.base, admin, 'GET', '/api/v1/alarms?session_id=1')).alarms.filter((a) => a.site_id === site.H01.id);
    assert.deepEqual(stored.map((a) => a.kind), ['payload'], JSON.stringify(stored));

    // (b) the site's own Opus payload type, set while it sends
    const patched = await api(srv.base, admin, 'PATCH', `/api/v1/sites/${site.H01.id}`, { opus_payload_type: 97 });
    assert.equal(patched.opus_payload_type, 97);
    assert.equal(patched.h264_payload_type, null, 'the default for H.264');
    const heard = await until(async () => { const x = await siteStats('H01'); return x.audio.packets > 50 && x; }, 5000, 'H01 audio counted', show);
    assert.equal(heard.audio.payload_type, 97);
    assert.ok(heard.audio.bitrate_bps > 16000, `audio ${heard.audio.bitrate_bps} bit/s`);
    await until(() => alarms.some((a) => a.type === 'alarm.cleared' && a.body.alarm.site_id === site.H01.id && a.body.alarm.kind === 'payload'), 10000, 'the payload alarm cleared', show);
    await until(() => rows.get(site.H01.id).state === 'online', 5000, 'H01 online');

    // It reaches the mix: H01 talks (the floor), TINH (the chair's site, a
    // talker too) receives the mix without itself, i.e. H01's tone.
    const level = gst(['-m', 'udpsrc', `port=${recv.TINH + 2}`, 'address=127.0.0.1',
      'caps=application/x-rtp,media=audio,encoding-name=OPUS,payload=111,clock-rate=48000', '!', 'rtpjitterbuffer', 'latency=100', '!',
      'rtpopusdepay', '!', 'opusdec', '!', 'audioconvert', '!', 'level', 'interval=200000000', 'post-messages=true', '!', 'fakesink'], { verbose: true });
    procs.push(level);
    await chairWs.request('floor.site', { session_id: 1, site_id: site.H01.id });
    const loudest = () => Math.max(-200, ...[...level.text.matchAll(/rms=\(GValueArray\)< (-?[\d.e+-]+|-inf)/g)].map((m) => Number(m[1])).filter(Number.isFinite));
    await until(() => loudest() > -40, 10000, 'H01\'s tone in the mix at TINH', () => ({ loudest: loudest(), out: level.text.slice(-300) }));
    await level.stop();
    ffmpeg.kill('SIGKILL');
    ffmpeg = null;
    await chairWs.request('floor.site', { session_id: 1, site_id: null });
  });

  test('unknown senders are listed: address:port, SSRC, payload type, packets, last seen; bounded, most recent first', async () => {
    const a = await sender(), b = await sender();
    const ssrc = 0x7e57c0de;
    for (let i = 0; i < 40; i++) await send(a, rtp({ ssrc, seq: i, pt: 96 }), ports.video);
    for (let i = 0; i < 5; i++) await send(b, rtp({ ssrc: 0x7e57c0df, seq: i, pt: 111 }), ports.audio);
    const t0 = Date.now();
    const techToken = await login(srv.base, 'kythuat', 'kythuat123');
    const find = async (s, port) => (await api(srv.base, techToken, 'GET', '/api/v1/media/unknown-senders')).senders
      .find((x) => x.ssrc === s && x.address === `127.0.0.1:${port}`);
    const v = await until(() => find(ssrc, a.address().port), 5000, 'the unknown video sender');
    assert.equal(v.medium, 'video');
    assert.equal(v.ssrc_hex, '7e57c0de');
    assert.equal(v.payload_type, 96);
    assert.equal(v.packets, 40);
    assert.match(v.last_seen, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    assert.ok(Math.abs(Date.parse(v.last_seen) - t0) < 5000, `last seen ${v.last_seen}, now ${new Date(t0).toISOString()}`);
    assert.ok(Date.parse(v.first_seen) <= Date.parse(v.last_seen));
    const au = await find(0x7e57c0df, b.address().port);
    assert.equal(au.medium, 'audio');
    assert.equal(au.payload_type, 111);
    assert.equal(au.packets, 5);
    // The same SSRC from another port is another sender.
    for (let i = 0; i < 3; i++) await send(b, rtp({ ssrc, seq: i, pt: 96 }), ports.video);
    assert.equal((await until(() => find(ssrc, b.address().port), 5000, 'the second sender')).packets, 3);
    // 100 more SSRCs: the table keeps the most recent 64 per medium.
    for (let i = 0; i < 100; i++) await send(a, rtp({ ssrc: 0x51000000 + i, seq: 1, pt: 96 }), ports.video);
    await sleep(300);
    const list = (await api(srv.base, techToken, 'GET', '/api/v1/media/unknown-senders')).senders.filter((x) => x.medium === 'video');
    assert.equal(list.length, 64);
    assert.ok(list.some((x) => x.ssrc === 0x51000000 + 99), 'the last one is kept');
    assert.ok(!list.some((x) => x.ssrc === ssrc), 'the least recent ones went');
    assert.equal(list[0].ssrc, 0x51000000 + 99, 'the most recent first');
    assert.ok(list.every((x, i) => i === 0 || x.last_seen <= list[i - 1].last_seen), 'most recent first');
    // Technicians and the secretariat see it; a delegate does not.
    const delegate = await login(srv.base, 'db01', '123456');
    assert.equal((await request(srv.base, delegate, 'GET', '/api/v1/media/unknown-senders')).status, 403);
    a.close();
    b.close();
  });

  test('a site far above its cap holds the floor: degraded, alarmed, and the program stays under the cap', async (t) => {
    const atTINH = await counter(recv.TINH);
    // Valid RTP, every packet an IDR slice (so the program switches to it at once), 1200-byte payloads.
    const payload = Buffer.alloc(1200, 0x11);
    payload[0] = 0x65;
    const flood = blast(ports.video, (i) => rtp({ ssrc: siteSsrc('H02'), seq: i, ts: i * 900, pt: 96, payload }), { ms: 9000, mbps: 16 });
    await until(async () => { const x = await siteStats('H02'); return x && x.video && x.video.packets > 200; }, 5000, 'H02 flooding');
    await chairWs.request('floor.site', { session_id: 1, site_id: site.H02.id });
    await until(async () => (await api(srv.base, admin, 'GET', '/api/v1/media')).source_site_id === site.H02.id, 5000, 'the program shows H02');
    await until(() => rows.get(site.H02.id)?.state === 'degraded', 5000, 'H02 degraded', () => rows.get(site.H02.id));
    await sleep(1000); // the bucket's burst (half a second at the cap) is spent
    const b0 = atTINH.bytes, t0 = Date.now();
    await sleep(4000);
    const programKbps = ((atTINH.bytes - b0) * 8) / (Date.now() - t0);
    const { bytes, sent } = await flood;
    const floodKbps = (bytes * 8) / 9000;
    const s = await siteStats('H02');
    const alarm = alarmsOf('H02', 'bitrate')[0];
    atTINH.sock.close();
    const seen = JSON.stringify({ programKbps, floodKbps, sent, video: s.video, alarms: alarmsOf('H02').map((a) => a.body.alarm) });
    t.diagnostic(`flood ${floodKbps.toFixed(0)} kbit/s, program at TINH ${programKbps.toFixed(0)} kbit/s, cap ${CAP_KBPS}, dropped ${s.video.over_cap_packets}; alarm: ${alarm?.body.alarm.reason}`);
    assert.ok(floodKbps > 3 * CAP_KBPS, `the flood is far above the cap: ${seen}`);
    assert.ok(programKbps > CAP_KBPS / 4, `the program carried H02: ${seen}`);
    assert.ok(programKbps < CAP_KBPS * 1.15, `the program stays under the cap plus a margin: ${seen}`);
    assert.ok(s.video.over_cap_packets > 1000, seen);
    assert.ok(alarm, `a bitrate alarm: ${seen}`);
    assert.match(alarm.body.alarm.reason, /^video \d+\.\d Mbit\/s over the cap of 2\.0 Mbit\/s$/);
    const measured = Number(alarm.body.alarm.reason.match(/^video ([\d.]+)/)[1]) * 1000;
    assert.ok(measured > 2 * CAP_KBPS, `the alarm names the measured rate: ${seen}`);
    assert.equal(alarmsOf('H02', 'degraded').length, 0, 'one alarm for the cause');
    // The drop is on /metrics too, which stays valid.
    const text = await (await fetch(`${srv.base}/metrics`)).text();
    assert.match(text, /^roomctl_ingest_dropped_packets_total\{medium="video",reason="over_cap"\} [1-9]\d*$/m);
    assert.match(text, /^roomctl_site_over_cap_packets_total\{site="H02",name="[^"]+",medium="video"\} [1-9]\d*$/m);
    execFileSync('promtool', ['check', 'metrics'], { input: text });
    await chairWs.request('floor.site', { session_id: 1, site_id: null });
  });
});
