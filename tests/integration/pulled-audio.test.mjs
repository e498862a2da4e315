// The audio of pulled sites reaches the program mix: IP cameras (an RTSP
// server of GStreamer's gst-rtsp-server, tests/lib/rtsp-camera.py) sending
// H.264 + G.711 µ-law at 700 Hz and H.264 + G.722 at 1.3 kHz, and an SRT stream (ffmpeg as the SRT
// listener, MPEG-TS with H.264 + AAC at 1 kHz). Each is heard in the
// program a plain RTP site receives while it holds the floor, the chair's
// Opus site (440 Hz) still hears the program without itself (mix-minus),
// and neither pulled site carries a "silence" alarm: its audio arrives, and
// that it takes no program back is what its transport is, said in its
// figures (receives_program), not an alarm. A camera without a microphone
// (H.264 only) is no "silence" either: its figures say audio_absent.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { api, login, startLocalServer } from '../lib/integration.mjs';
import { freePort } from '../lib/server.mjs';
import { freeUdpPorts, gst, gstSite, sleep, until } from '../lib/media.mjs';
import { RATE, toneLevel } from '../lib/tone.mjs';
import { SYSTEM_PYTHON } from '../lib/webrtc.mjs';
import { WsClient } from '../lib/ws-client.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const BYTES_PER_S = RATE * 2;
const TONES = { TINH: 440, H01: 700, H02: 1000, H03: 1300 };

/** Decodes the program audio (Opus) sent to UDP @port into @file (raw S16LE mono 48 kHz). */
function udpReceiver(port, file) {
  return gst(['udpsrc', `port=${port}`, 'address=127.0.0.1',
    'caps=application/x-rtp,media=audio,encoding-name=OPUS,payload=111,clock-rate=48000', '!', 'rtpjitterbuffer', '!',
    'rtpopusdepay', '!', 'opusdec', '!', 'audioconvert', '!', 'audioresample', '!',
    'audio/x-raw,format=S16LE,rate=48000,channels=1', '!', 'filesink', `location=${file}`, 'buffer-mode=unbuffered']);
}

/** A child process with its output collected, stopped by SIGINT then SIGKILL. */
function child(cmd, args) {
  const proc = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const out = { text: '', proc };
  const add = (d) => { out.text += d; if (out.text.length > 1e6) out.text = out.text.slice(-5e5); };
  proc.stdout.on('data', add);
  proc.stderr.on('data', add);
  out.stop = () => new Promise((resolve) => {
    if (proc.exitCode !== null || proc.signalCode) return resolve();
    proc.once('exit', resolve);
    proc.kill('SIGINT');
    setTimeout(() => proc.kill('SIGKILL'), 3000).unref();
  });
  return out;
}

/** The SRT site: ffmpeg listening on 127.0.0.1:@port (the controller calls
 *  it), H.264 and AAC at @hz (half of full scale) in MPEG-TS, in real time. */
function srtSite(port, hz) {
  return child('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-nostdin', '-re',
    '-f', 'lavfi', '-i', 'testsrc=size=320x240:rate=25',
    '-f', 'lavfi', '-i', `aevalsrc=0.5*sin(2*PI*${hz}*t):s=48000:c=mono`,
    '-c:v', 'libx264', '-preset', 'ultrafast', '-tune', 'zerolatency', '-g', '25', '-b:v', '300k',
    '-c:a', 'aac', '-b:a', '64k', '-f', 'mpegts', `srt://127.0.0.1:${port}?mode=listener&latency=120000`]);
}

const size = (file) => (fs.existsSync(file) ? fs.statSync(file).size : 0);
const since = (file, from) => { const b = fs.readFileSync(file).subarray(from); return b.subarray(0, b.length & ~1); };
const levels = (raw) => Object.fromEntries(Object.entries(TONES).map(([k, hz]) => [k, Number(toneLevel(raw, hz, raw.length / BYTES_PER_S).toFixed(3))]));

describe('pulled sites\' audio: RTSP cameras with G.711 and G.722, an SRT stream with AAC', () => {
  let srv, admin, chair, dir, ports;
  const procs = [];
  const site = {};
  const recv = {};
  const files = {};

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'roomctl-pulled-audio-it-'));
    const rtspPort = await freePort();
    const g722Port = await freePort();
    for (const [port, code, codec] of [[rtspPort, 'H01', 'pcmu'], [g722Port, 'H03', 'g722']]) {
      const camera = child(SYSTEM_PYTHON, [path.join(HERE, '../lib/rtsp-camera.py'), String(port), String(TONES[code]), codec]);
      procs.push(camera);
      await until(() => camera.text.includes('ready') || camera.proc.exitCode !== null, 10000, `the ${codec} camera`);
      assert.ok(camera.text.includes('ready'), `the ${codec} camera runs: ${camera.text}`);
    }
    const muteCamPort = await freePort();
    const muteCam = child(SYSTEM_PYTHON, [path.join(HERE, '../lib/rtsp-camera.py'), String(muteCamPort), '0', 'none']);
    procs.push(muteCam);
    await until(() => muteCam.text.includes('ready') || muteCam.proc.exitCode !== null, 10000, 'the camera without audio');
    assert.ok(muteCam.text.includes('ready'), `the camera without audio runs: ${muteCam.text}`);
    const srtPort = await freePort();
    procs.push(srtSite(srtPort, TONES.H02));

    const base = await freeUdpPorts(4);
    ports = { video: base, audio: base + 2 };
    srv = await startLocalServer({
      args: ['--demo'],
      // An alarm clears after 2 s of health (not 10): the SRT stream's first second is slow to come
      // (ffmpeg's encoder and the SRT handshake: a "frozen picture" and "silence" together), which
      // must clear once both flow. A pulled site's audio used to be dropped: "silence" for good.
      config: {
        media: { video_port: ports.video, audio_port: ports.audio, rtsp_port: 0, record: 'false' },
        health: { clear_seconds: 2 },
      },
    });
    admin = await login(srv.base, 'admin', 'admin123');
    const all = (await api(srv.base, admin, 'GET', '/api/v1/sites')).sites;
    for (const code of ['TINH', 'H01', 'H02', 'H03', 'H04', 'H05']) site[code] = all.find((s) => s.code === code);
    // TINH (the chair's site, Opus) and H05 (a listener) take the program at their address + 2.
    for (const code of ['TINH', 'H05']) {
      recv[code] = await freeUdpPorts(4);
      files[code] = path.join(dir, `at-${code}.raw`);
      await api(srv.base, admin, 'PATCH', `/api/v1/sites/${site[code].id}`, { address: `127.0.0.1:${recv[code]}` });
    }
    await api(srv.base, admin, 'PATCH', `/api/v1/sites/${site.H01.id}`, { transport: 'rtsp', address: `rtsp://127.0.0.1:${rtspPort}/cam` });
    await api(srv.base, admin, 'PATCH', `/api/v1/sites/${site.H02.id}`, { transport: 'srt', address: `srt://127.0.0.1:${srtPort}` });
    await api(srv.base, admin, 'PATCH', `/api/v1/sites/${site.H03.id}`, { transport: 'rtsp', address: `rtsp://127.0.0.1:${g722Port}/cam` });
    await api(srv.base, admin, 'PATCH', `/api/v1/sites/${site.H04.id}`, { transport: 'rtsp', address: `rtsp://127.0.0.1:${muteCamPort}/cam` });
    await api(srv.base, admin, 'PUT', '/api/v1/sessions/1/sites', { site_ids: Object.values(site).map((s) => s.id) });
    chair = await WsClient.connect(srv.port, { token: await login(srv.base, 'chutoa', 'chutoa123') });
    await api(srv.base, admin, 'POST', '/api/v1/sessions/1/start');
    procs.push(gstSite('TINH', ports)); // 440 Hz, Opus
    procs.push(udpReceiver(recv.H05 + 2, files.H05), udpReceiver(recv.TINH + 2, files.TINH));
  });
  after(async () => {
    for (const p of procs) await p.stop();
    if (chair) await chair.close();
    if (srv) await srv.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  const stats = async (code) => (await api(srv.base, admin, 'GET', '/api/v1/media/stats')).sites.find((s) => s.code === code);

  test('both pulled sites\' audio arrives with its codec, they say they take no program, and no silence alarm', async (t) => {
    for (const [code, codec] of [['H01', 'pcmu'], ['H02', 'aac'], ['H03', 'g722']]) {
      const s = await until(async () => { const x = await stats(code); return x?.audio?.packets > 50 && x?.video?.packets > 50 && x; },
        20000, `${code}'s audio and video`, () => srv.stderr.slice(-3000));
      t.diagnostic(`${code}: audio ${JSON.stringify({ codec: s.audio_codec, pt: s.audio.payload_type, kbps: s.audio.bitrate_bps / 1000, lost: s.audio.lost, wrong_pt: s.audio.wrong_payload_type_packets })}`);
      assert.equal(s.transport, 'pull');
      assert.equal(s.audio_codec, codec);
      assert.equal(s.receives_program, false, `${code}: its transport has no way back`);
      assert.equal(s.audio.wrong_payload_type_packets, 0);
      assert.ok(s.audio.bitrate_bps > 32000, `${code} sends audio: ${s.audio.bitrate_bps} bit/s`);
    }
    const mute = await until(async () => { const x = await stats('H04'); return x?.video?.packets > 50 && x.audio_absent && x; },
      20000, 'H04 (no microphone): video, and its audio said absent', () => JSON.stringify(srv.stderr.slice(-2000)));
    assert.equal(mute.audio_codec, null);
    assert.equal(mute.audio?.packets ?? 0, 0, 'no audio packets from a camera without audio');
    const tinh = await stats('TINH');
    assert.deepEqual([tinh.transport, tinh.receives_program, tinh.audio_codec], ['rtp', true, 'opus']);
    // Health judges every tick (silence after 0.5 s, cleared after 2 s of sound): five seconds
    // of steady audio give it time to raise one and to clear a start-up one.
    await sleep(5000);
    const alarms = (await api(srv.base, admin, 'GET', '/api/v1/alarms?session_id=1&active=1')).alarms
      .filter((a) => !a.cleared_at && [site.H01.id, site.H02.id, site.H03.id].includes(a.site_id));
    t.diagnostic(`the pulled sites' active alarms: ${JSON.stringify(alarms.map((a) => [a.site_id, a.kind, a.reason]))}`);
    const every = (await api(srv.base, admin, 'GET', '/api/v1/alarms?session_id=1')).alarms.filter((a) => [site.H01.id, site.H02.id, site.H03.id].includes(a.site_id));
    t.diagnostic(`all their alarms: ${JSON.stringify(every)}`);
    assert.deepEqual(alarms.filter((a) => a.kind === 'audio' || /silence/.test(a.reason)), [], 'no silence alarm for them');
    // The camera without a microphone: never a silence alarm, not even one cleared since.
    const muteAlarms = (await api(srv.base, admin, 'GET', '/api/v1/alarms?session_id=1')).alarms.filter((a) => a.site_id === site.H04.id);
    assert.deepEqual(muteAlarms.map((a) => `${a.kind}: ${a.reason}`), [], 'no alarm for the camera without audio');
  });

  test('each is heard in the program while it holds the floor; the Opus chair hears it and not itself', async (t) => {
    await until(() => size(files.H05) >= 2 * BYTES_PER_S && size(files.TINH) >= 2 * BYTES_PER_S, 15000, 'program audio at H05 and TINH');
    const window = async (what) => {
      await sleep(1500); // the grant reaches the ears
      const at = { H05: size(files.H05), TINH: size(files.TINH) };
      await sleep(2000);
      const out = { H05: levels(since(files.H05, at.H05)), TINH: levels(since(files.TINH, at.TINH)) };
      t.diagnostic(`${what}: ${JSON.stringify(out)}`);
      return out;
    };
    await chair.request('floor.site', { session_id: 1, site_id: site.H01.id });
    const cam = await window('the RTSP camera (G.711) has the floor');
    assert.ok(cam.H05.H01 > 0.1, `the camera's 700 Hz at the listener: ${JSON.stringify(cam.H05)}`);
    assert.ok(cam.H05.TINH > 0.1, `and the chair's 440 Hz: ${JSON.stringify(cam.H05)}`);
    assert.ok(cam.H05.H02 < 0.01, `not the SRT site's, which has no floor: ${JSON.stringify(cam.H05)}`);
    assert.ok(cam.TINH.H01 > 0.1 && cam.TINH.TINH < 0.01, `the chair hears the camera, not itself: ${JSON.stringify(cam.TINH)}`);

    await chair.request('floor.site', { session_id: 1, site_id: site.H02.id });
    const srt = await window('the SRT site (AAC) has the floor');
    assert.ok(srt.H05.H02 > 0.1, `the SRT site's 1 kHz at the listener: ${JSON.stringify(srt.H05)}`);
    assert.ok(srt.H05.H01 < 0.01, `the camera left the mix: ${JSON.stringify(srt.H05)}`);
    assert.ok(srt.TINH.H02 > 0.1 && srt.TINH.TINH < 0.01, `the chair hears the SRT site, not itself: ${JSON.stringify(srt.TINH)}`);

    await chair.request('floor.site', { session_id: 1, site_id: site.H03.id });
    const g722 = await window('the G.722 camera has the floor');
    assert.ok(g722.H05.H03 > 0.1, `the G.722 camera's 1.3 kHz at the listener: ${JSON.stringify(g722.H05)}`);
    assert.ok(g722.H05.H02 < 0.01, `the SRT site left the mix: ${JSON.stringify(g722.H05)}`);
    assert.ok(g722.TINH.H03 > 0.1 && g722.TINH.TINH < 0.01, `the chair hears the camera, not itself: ${JSON.stringify(g722.TINH)}`);

    await chair.request('floor.site', { session_id: 1, site_id: null });
    const back = await window('back to the chair');
    assert.ok(back.H05.TINH > 0.1 && back.H05.H01 < 0.01 && back.H05.H02 < 0.01 && back.H05.H03 < 0.01, `the chair alone: ${JSON.stringify(back.H05)}`);
  });
});
