// Media with real GStreamer sites (gst-launch-1.0 pipelines sending H.264 +
// Opus RTP with their SSRCs): a site joins and the program reaches the
// sites, the floor switch reaches them, statistics follow injected loss,
// the RTSP output and the recording work, and bad input on the media ports
// (garbage, unknown SSRC, wrong payload type, huge and truncated packets,
// RTCP garbage, a 50 Mbps flood, a vanished site, an RTSP camera that never
// answers) leaves the controller and the other sites unaffected.

import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { api, login, startLocalServer } from '../lib/integration.mjs';
import { freePort } from '../lib/server.mjs';
import { blast, framesOf, freeUdpPorts, gst, gstSite, gstVideoReceiver, rtp, siteSsrc, sleep, until } from '../lib/media.mjs';
import { WsClient } from '../lib/ws-client.mjs';

describe('media', () => {
  let srv, admin, ports, rtspPort, chairWs;
  const procs = [];
  const site = {};           // code -> site object
  const recv = {};           // code -> {video port}
  const stats = async () => api(srv.base, admin, 'GET', '/api/v1/media/stats');
  const siteStats = async (code) => (await stats()).sites.find((s) => s.code === code);

  before(async () => {
    const base = await freeUdpPorts(4);
    ports = { video: base, audio: base + 2 };
    rtspPort = await freePort();
    srv = await startLocalServer({
      args: ['--demo'],
      config: { media: { video_port: ports.video, audio_port: ports.audio, rtsp_port: rtspPort, rtsp_host: '127.0.0.1' } },
    });
    admin = await login(srv.base, 'admin', 'admin123');
    const all = (await api(srv.base, admin, 'GET', '/api/v1/sites')).sites;
    for (const code of ['TINH', 'H01', 'H02', 'H03', 'H01-X01']) {
      site[code] = all.find((s) => s.code === code);
      const p = await freeUdpPorts(4);
      recv[code] = p;
      await api(srv.base, admin, 'PATCH', `/api/v1/sites/${site[code].id}`, { address: `127.0.0.1:${p}` });
    }
    // H03 is an IP camera that never answers.
    const dead = await freePort();
    await api(srv.base, admin, 'PATCH', `/api/v1/sites/${site.H03.id}`, { transport: 'rtsp', address: `rtsp://127.0.0.1:${dead}/cam` });
    await api(srv.base, admin, 'POST', '/api/v1/sessions/1/start');
    chairWs = await WsClient.connect(srv.port, { token: await login(srv.base, 'chutoa', 'chutoa123') });
  });
  after(async () => {
    for (const p of procs) await p.stop();
    if (chairWs) chairWs.close();
    if (srv) await srv.stop();
  });

  test('a site joins: its statistics appear and the program reaches the sites', async () => {
    procs.push(gstSite('TINH', ports, { width: 320, height: 240 }));
    const atH01 = gstVideoReceiver(recv.H01);
    procs.push(atH01);
    const s = await until(async () => { const x = await siteStats('TINH'); return x && x.video && x.video.packets > 100 && x; }, 10000, 'TINH video');
    assert.equal(s.video.lost, 0);
    assert.ok(s.audio.packets > 20, 'audio arrives too');
    assert.ok(s.video.bitrate_bps > 50_000, `bitrate ${s.video.bitrate_bps}`);
    await until(() => framesOf(atH01).frames > 25, 10000, 'program frames at H01');
    assert.equal(framesOf(atH01).width, 320, 'H01 sees the chair site (TINH, 320 wide)');
    const status = await api(srv.base, admin, 'GET', '/api/v1/media');
    assert.equal(status.source_site_id, site.TINH.id);
    // Every forwarded packet's delay inside the controller is counted, as
    // JSON and as a Prometheus histogram.
    const delay = await until(async () => { const d = (await stats()).forward_delay; return d.count > 25 && d; }, 5000, 'forward delay');
    assert.equal(delay.counts.length, delay.bounds_ms.length + 1);
    assert.equal(delay.counts.reduce((a, b) => a + b, 0), delay.count);
    assert.ok(delay.sum_ms >= 0 && typeof delay.p99_ms_10s === 'number' && delay.p99_ms_10s >= delay.p50_ms_10s, JSON.stringify(delay));
    const text = await (await fetch(`${srv.base}/metrics`)).text();
    const buckets = [...text.matchAll(/^roomctl_program_forward_delay_seconds_bucket\{le="([^"]+)"\} (\d+)$/gm)];
    assert.equal(buckets.length, delay.counts.length);
    assert.equal(buckets.at(-1)[1], '+Inf');
    const cumulative = buckets.map((b) => Number(b[2]));
    assert.ok(cumulative.every((c, i) => i === 0 || c >= cumulative[i - 1]), 'cumulative buckets');
    const count = Number(text.match(/^roomctl_program_forward_delay_seconds_count (\d+)$/m)[1]);
    assert.equal(count, cumulative.at(-1));
    assert.ok(count >= delay.count);
  });

  test('the floor moves to another site: the program follows at a keyframe', async () => {
    procs.push(gstSite('H01', ports, { width: 640, height: 360, pattern: 'smpte' }));
    const atTINH = gstVideoReceiver(recv.TINH);
    procs.push(atTINH);
    await until(async () => { const x = await siteStats('H01'); return x && x.video && x.video.packets > 50; }, 10000, 'H01 video');
    const ack = await chairWs.request('floor.site', { session_id: 1, site_id: site.H01.id });
    assert.equal(ack.floor_site_id, site.H01.id);
    await until(async () => (await api(srv.base, admin, 'GET', '/api/v1/media')).source_site_id === site.H01.id, 5000, 'switch to H01');
    await until(() => framesOf(atTINH).width === 640 && framesOf(atTINH).frames > 10, 10000, 'TINH decodes H01 (640 wide)');
    const floor = await api(srv.base, admin, 'GET', '/api/v1/sessions/1/floor');
    const last = floor.floor[floor.floor.length - 1];
    assert.equal(last.site_id, site.H01.id);
    assert.ok(last.switched_ms >= 0 && last.switched_ms < 3000, `switch took ${last.switched_ms} ms`);
    await chairWs.request('floor.site', { session_id: 1, site_id: null }); // back to the chair
    await until(async () => (await api(srv.base, admin, 'GET', '/api/v1/media')).source_site_id === site.TINH.id, 5000, 'back to TINH');
    // Stopped here: a second receiver on the same port (udpsrc binds with
    // SO_REUSEPORT) would split the program between the two by hash.
    await atTINH.stop();
  });

  test('compose: the chair and the floor site in a grid, encoded once per tier; then back to switch', async () => {
    // TINH (province) is on the first tier (1280×720), the commune H01-X01
    // on the last (640×360); in switch mode both get the source's own stream.
    const atTINH = gstVideoReceiver(recv.TINH);
    const atCommune = gstVideoReceiver(recv['H01-X01']);
    procs.push(atTINH, atCommune);
    const seen = () => ({ TINH: framesOf(atTINH), commune: framesOf(atCommune) });
    const ack = await chairWs.request('media.layout', { session_id: 1, mode: 'compose', tiles: [site.TINH.id, site.H01.id] });
    assert.equal(ack.mode, 'compose');
    await until(() => framesOf(atTINH).width === 1280 && framesOf(atTINH).frames > 10, 15000, 'TINH decodes the 1280-wide grid', seen);
    await until(() => framesOf(atCommune).width === 640 && framesOf(atCommune).frames > 10, 15000, 'the commune decodes the 640-wide grid', seen);
    const m = await api(srv.base, admin, 'GET', '/api/v1/media');
    assert.equal(m.mode, 'compose');
    await chairWs.request('media.layout', { session_id: 1, mode: 'switch' });
    await until(() => framesOf(atTINH).width === 320, 15000, 'TINH back on the chair\'s own 320-wide stream', seen);
    await until(() => framesOf(atCommune).width === 320, 15000, 'the commune back on the same stream', seen);
    await atTINH.stop();
    await atCommune.stop();
  });

  test('statistics follow injected loss', async () => {
    procs.push(gstSite('H02', ports, { dropVideo: 0.1 }));
    const s = await until(async () => { const x = await siteStats('H02'); return x && x.video && x.video.expected > 400 && x; }, 15000, 'H02 packets');
    assert.ok(s.video.loss_ratio > 0.05 && s.video.loss_ratio < 0.17, `loss ratio ${s.video.loss_ratio}`);
    const t = await siteStats('TINH');
    assert.equal(t.video.lost, 0, 'the other sites see no loss');
  });

  test('bad input on the media ports: counted, and nobody else notices', async () => {
    const before = (await stats()).ingest.video;
    const tinh0 = (await siteStats('TINH')).video.packets;
    await blast(ports.video, () => Buffer.from('not rtp at all, just garbage bytes'), { ms: 300 });
    await blast(ports.video, (i) => rtp({ ssrc: 0x12345678, seq: i }), { ms: 300 });
    await blast(ports.video, (i) => rtp({ ssrc: siteSsrc('H02'), seq: i, pt: 33 }), { ms: 200 });
    await blast(ports.video, () => Buffer.alloc(5, 0x80), { ms: 200 }); // truncated
    await blast(ports.video, (i) => rtp({ ssrc: 0x0badf00d, seq: i, payload: Buffer.alloc(60000, 7) }), { ms: 200 }); // huge
    await blast(ports.video + 1, () => Buffer.from('rtcp garbage \x81\xc9\x00\xff'), { ms: 200 });
    const after = await until(async () => {
      const x = (await stats()).ingest.video;
      return x.malformed > before.malformed && x.unknown_ssrc > before.unknown_ssrc && x.wrong_payload_type > before.wrong_payload_type && x.rtcp_malformed > before.rtcp_malformed && x;
    }, 5000, 'bad-input counters');
    assert.ok(after.unknown_ssrc - before.unknown_ssrc > 10);
    const tinh = await until(async () => { const x = await siteStats('TINH'); return x.video.packets > tinh0 + 25 && x; }, 5000, 'TINH still flowing');
    assert.equal(tinh.video.lost, 0);
    assert.equal((await fetch(`${srv.base}/healthz`)).status, 200);
  });

  test('a site flooding at 50 Mbps does not starve the program', async () => {
    const atH01 = framesOf(procs.find((p) => p.text.includes('fakesink')) || { text: '' }).frames;
    const { bytes } = await blast(ports.video, (i) => rtp({ ssrc: siteSsrc('H02'), seq: 50000 + i, payload: Buffer.alloc(1200, 1) }), { ms: 2000, mbps: 50 });
    assert.ok(bytes > 5e6, `flooded ${bytes} bytes`);
    const receiver = procs.filter((p) => p.text.includes('last-message'))[0];
    await until(() => framesOf(receiver).frames > atH01 + 25, 8000, 'program frames keep coming during and after the flood');
    assert.equal((await fetch(`${srv.base}/healthz`)).status, 200);
  });

  test('a site that vanishes goes idle; the others go on', async () => {
    const h02 = procs.find((p) => p.proc.spawnargs.join(' ').includes(`ssrc=${siteSsrc('H02')}`));
    await h02.stop();
    const gone = await until(async () => { const x = await siteStats('H02'); return x.video.idle_seconds > 2 && x; }, 8000, 'H02 idle');
    assert.ok(gone.video.idle_seconds > 2);
    const t = await siteStats('TINH');
    assert.ok(t.video.idle_seconds < 1, 'TINH still sending');
  });

  test('ffmpeg joins as a site with the README command line', async () => {
    // The command of web/docs/media.md "Joining as a site", with this test's ports.
    const signed = (x) => (x > 0x7fffffff ? x - 0x100000000 : x); // ffmpeg's -ssrc is a signed 32-bit number
    const [v, a] = [signed(siteSsrc('H02')), signed(siteSsrc('H02', true))];
    const ff = spawn('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-re', '-f', 'lavfi', '-i', 'testsrc2=size=640x360:rate=25',
      '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000', '-map', '0:v', '-c:v', 'libx264', '-preset', 'ultrafast',
      '-tune', 'zerolatency', '-g', '50', '-b:v', '800k', '-f', 'rtp', '-payload_type', '96', '-ssrc', String(v),
      `rtp://127.0.0.1:${ports.video}`, '-map', '1:a', '-c:a', 'libopus', '-b:a', '64k', '-f', 'rtp', '-payload_type', '111',
      '-ssrc', String(a), `rtp://127.0.0.1:${ports.audio}`], { stdio: ['ignore', 'ignore', 'pipe'] });
    let fferr = '';
    ff.stderr.on('data', (d) => { fferr += d; });
    try {
      const before = (await siteStats('H02')).video.packets;
      await until(async () => { const x = await siteStats('H02'); return x.video.packets > before + 100 && x.audio.packets > 20 && x; },
        15000, 'ffmpeg site packets').catch((e) => { throw new Error(`${e.message}; ffmpeg: ${fferr}`); });
    } finally {
      ff.kill('SIGKILL');
    }
  });

  test('the RTSP program output plays', async () => {
    const player = gst(['rtspsrc', `location=rtsp://127.0.0.1:${rtspPort}/program`, 'latency=100', '!', 'rtph264depay', '!',
      'h264parse', '!', 'avdec_h264', '!', 'fakesink', 'silent=false'], { verbose: true });
    procs.push(player);
    await until(() => framesOf(player).frames > 20, 15000, 'RTSP frames');
    await player.stop();
  });

  test('the RTSP camera that never answers is retried and logged, nothing else breaks', async () => {
    await until(() => /H03.*retrying/.test(srv.stderr), 15000, 'a retry of the dead camera');
    // Its link is down and says why (the disconnect event), for the technicians' figures.
    const h03 = await siteStats('H03');
    assert.equal(h03.transport, 'pull');
    assert.equal(h03.link.up, false);
    assert.ok(h03.link.downs >= 1, JSON.stringify(h03.link));
    assert.match(h03.link.why, /\S/, JSON.stringify(h03.link));
    assert.equal((await fetch(`${srv.base}/healthz`)).status, 200);
  });

  test('ending the session closes a recording that plays, with its index', async () => {
    await chairWs.request('agenda.current', { session_id: 1, item_id: 4 });
    await sleep(1500);
    await api(srv.base, admin, 'POST', '/api/v1/sessions/1/end');
    const dir = path.join(srv.dataDir, 'recordings');
    const index = JSON.parse(fs.readFileSync(path.join(dir, 'session-1.json'), 'utf8'));
    assert.ok(index.ended_at);
    assert.ok(index.segments.length >= 1);
    assert.ok(index.items.some((i) => i.item_id === 4), 'the agenda item start is in the index');
    // The program changed picture size with the floor: each size is its own file.
    assert.ok(index.segments.length >= 2, `files: ${JSON.stringify(index.segments)}`);
    let frames = 0;
    for (const seg of index.segments) {
      const out = execFileSync('gst-launch-1.0', ['-v', 'filesrc', `location=${path.join(dir, seg.file)}`, '!', 'qtdemux', '!',
        'h264parse', '!', 'avdec_h264', '!', 'fakesink', 'silent=false'], { encoding: 'utf8', timeout: 30000 });
      const n = (out.match(/last-message = chain/g) || []).length;
      assert.ok(n >= 1, `${seg.file} decodes (${n} frames)`);
      frames += n;
    }
    assert.ok(frames > 100, `the recording holds ${frames} frames`);
  });
});
