// SIP media: a baresip video endpoint (Debian's baresip, H.264 by its
// avcodec module, Opus, mandatory SDES-SRTP) calls into a live session.
// Its media come to the shared ports from the address its SDP signalled,
// with SSRCs of its own choosing, and are taken as its site's: it is
// online, counted, and, granted the floor, its picture reaches a plain-RTP
// site's program (decoded by gst-launch). It receives the program back:
// its own RTCP receiver reports about the program's SSRC, which it can only
// send once it decrypted our SRTP, come back (SRTCP), and it decodes its
// frames. A spoofer sending the
// site's SSRC from another address changes nothing and is counted. When it
// hangs up, its site attendance row carries its SIP call (who hung up).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { api, freePort, login, reapOnExit } from '../lib/server.mjs';
import { startLocalServer } from '../lib/integration.mjs';
import { framesOf, freeUdpPorts, gstSite, gstVideoReceiver, rtp, siteSsrc, sleep, until } from '../lib/media.mjs';
import { freeSipPort, runSipp, sdp, uasScenario } from '../lib/sipp.mjs';
import { WsClient } from '../lib/ws-client.mjs';

describe('sip media: a baresip endpoint with SRTP is a site like any other', () => {
  let srv, admin, sipPort, work, ports, chairWs, techWs, baresip, consPort, out = '';
  const site = {}, recv = {}, rows = new Map(), procs = [], running = [];
  const stats = async () => api(srv.base, admin, 'GET', '/api/v1/media/stats');
  const siteStats = async (code) => (await stats()).sites.find((s) => s.code === code);
  const calls = async () => (await api(srv.base, admin, 'GET', '/api/v1/sessions/1/sip/calls')).calls;
  const dropped = async () => {
    const text = await (await fetch(`${srv.base}/metrics`)).text();
    const m = text.match(/^roomctl_ingest_dropped_packets_total\{medium="video",reason="spoofed"\} (\d+)/m);
    return m ? Number(m[1]) : -1;
  };
  const seen = () => ({ baresip: out.slice(-2000), roomctl: srv.stderr.slice(-2000) });

  before(async () => {
    work = await fs.mkdtemp(path.join(os.tmpdir(), 'roomctl-sipmedia-'));
    sipPort = await freeSipPort();
    const base = await freeUdpPorts(4);
    ports = { video: base, audio: base + 2 };
    srv = await startLocalServer({
      args: ['--demo'],
      config: {
        media: { video_port: ports.video, audio_port: ports.audio, rtsp_port: await freePort(), record: 'false', webrtc_port: 0 },
        sip: { port: sipPort },
      },
    });
    admin = await login(srv.base, 'admin', 'admin123');
    const all = (await api(srv.base, admin, 'GET', '/api/v1/sites')).sites;
    for (const code of ['TINH', 'H01', 'H15', 'H17']) site[code] = all.find((s) => s.code === code);
    recv.H01 = await freeUdpPorts(4);
    await api(srv.base, admin, 'PATCH', `/api/v1/sites/${site.H01.id}`, { address: `127.0.0.1:${recv.H01}` });
    await api(srv.base, admin, 'PATCH', `/api/v1/sites/${site.H15.id}`,
      { transport: 'sip', address: '', sip_user: 'h15', sip_password: 'h15-secret', srtp: 'required' });
    await api(srv.base, admin, 'PATCH', `/api/v1/sites/${site.H17.id}`, { transport: 'sip', address: '', srtp: 'off' });
    await api(srv.base, admin, 'PUT', '/api/v1/sessions/1/sites', { site_ids: Object.values(site).map((s) => s.id) });
    await api(srv.base, admin, 'POST', '/api/v1/sessions/1/start');
    chairWs = await WsClient.connect(srv.port, { token: await login(srv.base, 'chutoa', 'chutoa123') });
    techWs = await WsClient.connect(srv.port, { token: await login(srv.base, 'kythuat', 'kythuat123') });
    await techWs.followHealth(1, rows);
    procs.push(gstSite('TINH', ports, { width: 640, height: 360 }));
  });
  after(async () => {
    if (baresip && baresip.exitCode === null) baresip.kill('SIGKILL');
    for (const p of running) if (p.exitCode === null) p.kill('SIGKILL');
    for (const p of procs) await p.stop();
    if (chairWs) chairWs.close();
    if (techWs) techWs.close();
    if (srv) await srv.stop();
    if (work) await fs.rm(work, { recursive: true, force: true });
  });

  /** baresip as H15, dialling the session; @loopback: its SDP says 127.0.0.1 (else the host's default address). */
  const startBaresip = async ({ loopback }) => {
    const local = await freeSipPort();
    consPort = await freeSipPort();
    await fs.writeFile(path.join(work, 'config'), [
      `sip_listen 127.0.0.1:${local}`, `cons_listen 127.0.0.1:${consPort}`, 'audio_player aubridge,nil', 'audio_source ausine,440', 'audio_alert aubridge,nil',
      'video_source fakevideo,nil', 'video_display fakevideo,nil', 'video_size 320x240', 'video_fps 25',
      'video_bitrate 500000', 'rtcp_mux no', ...(loopback ? ['net_interface 127.0.0.1'] : []),
      'module_path /usr/lib/baresip/modules',
      ...['stdio', 'cons', 'opus', 'g722', 'g711', 'ausine', 'aubridge', 'avcodec', 'fakevideo', 'srtp'].map((m) => `module ${m}.so`),
      'module_app account.so', 'module_app menu.so', ''].join('\n'));
    await fs.writeFile(path.join(work, 'accounts'),
      `<sip:h15@127.0.0.1:${sipPort};transport=udp>;auth_pass=h15-secret;regint=300;mediaenc=srtp-mand;answermode=manual\n`);
    out = '';
    baresip = reapOnExit(spawn('baresip', ['-f', work, '-e', `/dial sip:phien-1@127.0.0.1:${sipPort}`, '-t', '120'],
      { stdio: ['ignore', 'pipe', 'pipe'] }));
    baresip.stdout.on('data', (d) => { out += d; if (out.length > 50_000) out = out.slice(-20_000); });
    baresip.stderr.on('data', (d) => { out += d; });
    const known = new Set((await calls()).map((c) => c.id));
    return until(async () => (await calls()).find((c) => c.state === 'connected' && !known.has(c.id)), 15000,
      'baresip connected', seen);
  };

  test('baresip calls in: its media are the site\'s, it takes the floor, and it receives the program', async () => {
    const call = await startBaresip({ loopback: true });
    assert.equal(call.media.video.srtp, true);
    assert.equal(call.media.audio.srtp, true);

    // Its packets, decrypted and re-stamped with the site's SSRCs, are the site's figures.
    let last = null;
    const s = await until(async () => {
      const x = last = await siteStats('H15');
      return x && x.link.up && x.video.packets > 100 && x.audio.packets > 50 && x;
    }, 20000, 'H15 video and audio counted', () => ({ ...seen(), stats: last }));
    assert.equal(s.transport, 'sip');
    assert.equal(s.tier, 0, 'baresip\'s level 3.1 (42e01f) decodes the first tier');
    assert.equal(s.audio_codec, 'opus');
    assert.ok(s.video.lost <= 5, JSON.stringify(s.video));
    await until(() => rows.get(site.H15.id) && rows.get(site.H15.id).state === 'online', 15000, 'H15 online in the health ticks',
      () => rows.get(site.H15.id));

    // It decrypts the program we send it: its receiver reports about the program come back.
    const rr = await until(async () => { const x = last = await siteStats('H15'); return x.video_rr && x.audio_rr && x; }, 15000,
      'H15 reports on the program it receives (RTCP RR over SRTCP)', () => ({ ...seen(), stats: last }));
    assert.ok(rr.video_rr.age_seconds < 10, JSON.stringify(rr.video_rr));

    // Granted the floor, its 320-wide picture replaces the chair's 640-wide one at a plain-RTP site.
    const atH01 = gstVideoReceiver(recv.H01);
    procs.push(atH01);
    await until(() => framesOf(atH01).width === 640, 15000, 'H01 decodes the chair (640 wide)', () => framesOf(atH01));
    const ack = await chairWs.request('floor.site', { session_id: 1, site_id: site.H15.id });
    assert.equal(ack.floor_site_id, site.H15.id);
    await until(() => framesOf(atH01).width === 320, 15000, 'H01 decodes the SIP site (320 wide) after the grant',
      () => ({ frames: framesOf(atH01), ...seen() }));
    // And baresip decodes the program it receives: its status line's "efps=<encoded>/<decoded>".
    await until(() => /efps=[\d.]+\/(?:[1-9]\d*\.\d|0\.[1-9])/.test(out.slice(-4000)), 15000,
      'baresip decodes program frames (efps …/N with N > 0)', () => out.slice(-1500));
  });

  test('a spoofer sending the SIP site\'s SSRC from another address is dropped and counted', async () => {
    const before = await siteStats('H15');
    const spoofed0 = await dropped();
    assert.ok(spoofed0 >= 0, 'the metric is there');
    const sock = dgram.createSocket('udp4');
    await new Promise((resolve) => sock.bind(0, '127.0.0.2', resolve));
    for (let i = 0; i < 200; i++) {
      sock.send(rtp({ ssrc: siteSsrc('H15'), seq: 40000 + i, ts: i * 3600, pt: 96 }), ports.video, '127.0.0.1');
      if (i % 50 === 49) await sleep(20);
    }
    let n = 0;
    await until(async () => (n = await dropped()) >= spoofed0 + 200, 5000, '200 spoofed packets counted', () => ({ spoofed0, n }));
    sock.close();
    const afterSpoof = await siteStats('H15');
    assert.ok(afterSpoof.video.packets > before.video.packets, 'H15 goes on sending');
    // Not one spoofed packet was taken as H15's: its sequence did not jump (40000 is far from baresip's).
    assert.ok(afterSpoof.video.lost - before.video.lost <= 5, JSON.stringify({ before: before.video, after: afterSpoof.video }));
    assert.ok(afterSpoof.video.expected - before.video.expected < afterSpoof.video.packets - before.video.packets + 50,
      JSON.stringify({ before: before.video, after: afterSpoof.video }));
  });

  /** Types @command into baresip's console (its cons module, UDP). */
  const console_ = async (command) => {
    const sock = dgram.createSocket('udp4');
    await new Promise((resolve, reject) => sock.send(`${command}\n`, consPort, '127.0.0.1', (e) => (e ? reject(e) : resolve())));
    sock.close();
  };

  test('baresip puts the call on hold: its site is held, not offline, no alarm; resumed, it is online again', async () => {
    const alarms = [];
    const onAlarm = (data) => {
      const m = JSON.parse(data);
      if (m.type === 'alarm.raised' && m.body.alarm.site_id === site.H15.id) alarms.push(m.body.alarm);
    };
    techWs.sock.on('message', onAlarm);
    try {
      await console_('/hold');
      const held = await until(async () => (await calls()).find((c) => c.site_code === 'H15' && c.state === 'connected' && c.on_hold),
        10000, 'the call on hold (re-INVITE a=sendonly)', seen);
      assert.equal(held.media.audio.direction, 'sendonly');
      await until(() => rows.get(site.H15.id)?.state === 'held', 10000, 'H15 held in the health ticks', () => rows.get(site.H15.id));
      // Longer than offline_seconds: whatever it sends or not, it stays held, with no alarm.
      await sleep(4000);
      assert.equal(rows.get(site.H15.id).state, 'held');
      const metrics = await (await fetch(`${srv.base}/metrics`)).text();
      assert.match(metrics, /^roomctl_site_state\{state="held",site="H15",[^}]*\} 1$/m);
      await console_('/resume');
      await until(async () => (await calls()).find((c) => c.site_code === 'H15' && c.state === 'connected' && !c.on_hold),
        10000, 'the call resumed (re-INVITE a=sendrecv)', seen);
      await until(() => rows.get(site.H15.id)?.state === 'online', 15000, 'H15 online again', () => rows.get(site.H15.id));
      assert.deepEqual(alarms, [], 'no alarm for the held site');
    } finally {
      techWs.sock.off('message', onAlarm);
    }
  });

  test('when baresip hangs up, the site\'s link goes down', async () => {
    baresip.kill('SIGTERM');
    let last = null;
    await until(async () => { const x = last = await siteStats('H15'); return !x.link.up && x; }, 10000, 'H15 link down',
      () => ({ ...seen(), stats: last }));
    // Its site attendance row (opened when its media were first heard)
    // carries its SIP call: it called in, connected, and hung up (BYE).
    const attendance = async () => (await api(srv.base, admin, 'GET', '/api/v1/sessions/1/site-attendance')).calls
      .filter((c) => c.site_id === site.H15.id).at(-1);
    const row = await until(async () => { const r = await attendance(); return r?.sip?.ended_at && r; }, 10000,
      'H15\'s attendance row with its ended SIP call', async () => ({ row: await attendance(), calls: await calls() }));
    const call = (await calls()).find((c) => c.id === row.sip.id);
    assert.equal(call.site_code, 'H15');
    assert.deepEqual(row.sip, { id: call.id, direction: 'in', connected_at: call.connected_at, ended_at: call.ended_at,
      ended_by: 'site', cause: call.cause });
    assert.ok(call.connected_at <= row.joined_at, `connected ${call.connected_at}, heard ${row.joined_at}`);
  });

  test('an endpoint whose SDP gives another of its addresses: its SRTP, once it authenticates, is taken where it comes from', async (t) => {
    const call = await startBaresip({ loopback: false });
    const said = call.media.video.remote.address;
    if (said.startsWith('127.')) {
      t.skip(`baresip signalled ${said}: this host has no other address to make it signal a wrong one`);
      return;
    }
    let last = null;
    await until(async () => { const x = last = await siteStats('H15'); return x.link.up && x.video.packets > 100 && x.audio.packets > 50 && x.video_rr && x; },
      20000, `H15 heard and answering though its SDP said ${said}`, () => ({ ...seen(), stats: last }));
    assert.match(srv.stderr, new RegExp(`site H15: its video RTP comes from 127\\.0\\.0\\.1:\\d+, not from ${said.replace(/\./g, '\\.')}:\\d+ as signalled`));
    assert.match(srv.stderr, /site H15: its video goes back to 127\.0\.0\.1:\d+, where it comes from/);
    await until(() => /efps=[\d.]+\/(?:[1-9]\d*\.\d|0\.[1-9])/.test(out.slice(-4000)), 15000,
      'baresip decodes program frames sent where it really is', () => out.slice(-1500));
    baresip.kill('SIGTERM');
  });

  test('a site without RTCP feedback (no a=rtcp-fb) is asked for its picture by SIP INFO picture_fast_update when it gets the floor', async () => {
    const port = await freeUdpPorts(4);
    await api(srv.base, admin, 'PATCH', `/api/v1/sites/${site.H17.id}`, { address: `sip:h17@127.0.0.1:${port}` });
    const body = sdp(false).split('\n').filter((l) => !l.startsWith('a=rtcp-fb')).join('\n');
    // sipp answers every INFO 200 (-aa): their number depends on when the media ask again (at most once a second).
    const uas = await runSipp(work, 'uas-no-fb', uasScenario('h17', { body }), { port, extra: ['-aa'] });
    running.push(uas.proc);
    await api(srv.base, admin, 'POST', '/api/v1/sessions/1/sip/dial', { site_id: site.H17.id });
    const call = await until(async () => (await calls()).find((c) => c.site_code === 'H17' && c.state === 'connected'), 10000,
      'H17 connected', seen);
    assert.equal(call.media.video.pli, false);
    assert.equal(call.media.video.fir, false);
    // Its level (3.0, 42e01e: 1,620 macroblocks) decodes the second tier (640x360), not a district's first (1280x720).
    assert.equal(call.media.video.tier, 1);
    assert.equal(site.H17.level, 'district');
    let row = null;
    await until(async () => (row = (await stats()).sites.find((x) => x.code === 'H17')) && row.tier === 1, 5000,
      'H17 on the compose tier its decoder takes', () => row);
    const sent = () => srv.stderr.split('site H17, session 1: INFO picture_fast_update sent').length - 1;
    await until(() => sent() === 1, 5000, 'the media asked H17 for its first picture by INFO', seen);
    await chairWs.request('floor.site', { session_id: 1, site_id: site.H17.id });
    await until(() => sent() === 2, 5000, 'the floor asked H17 for a keyframe by INFO', seen);
    await sleep(500); // its 200 to the INFO before our BYE
    await api(srv.base, admin, 'POST', '/api/v1/sessions/1/sip/hangup', { site_id: site.H17.id });
    const done = await uas.done;
    assert.equal(done.code, 0, `sipp: INVITE, INFOs, BYE\n${done.errors}\n${done.out}`);
    assert.doesNotMatch(srv.stderr, /our INFO to .*: [3-6]\d\d/, 'the site answered our INFOs 200');
  });
});
