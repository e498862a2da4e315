// Program audio with real sites (gst-launch-1.0 sending Opus tones): the
// chair's site (TINH, 440 Hz) is heard by a listening site (H01) and over
// the RTSP program from the first seconds of the session, before anybody
// touches the floor; when the floor goes to H02 (1 kHz) both talkers are
// in the mix, each talker hears the other and not itself, and when the
// floor comes back the listeners hear the chair alone again.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { api, login, startLocalServer } from '../lib/integration.mjs';
import { freePort } from '../lib/server.mjs';
import { freeUdpPorts, gst, gstSite, siteSsrc, sleep, until } from '../lib/media.mjs';
import { RATE, toneLevel } from '../lib/tone.mjs';
import { WsClient } from '../lib/ws-client.mjs';

const DECODE = ['rtpopusdepay', '!', 'opusdec', '!', 'audioconvert', '!', 'audioresample', '!',
  'audio/x-raw,format=S16LE,rate=48000,channels=1', '!'];
const BYTES_PER_S = RATE * 2;

/** Decodes the program audio sent to UDP @port into @file (raw S16LE mono). */
function udpReceiver(port, file) {
  return gst(['udpsrc', `port=${port}`, 'address=127.0.0.1',
    'caps=application/x-rtp,media=audio,encoding-name=OPUS,payload=111,clock-rate=48000', '!', 'rtpjitterbuffer', '!',
    ...DECODE, 'filesink', `location=${file}`, 'buffer-mode=unbuffered']);
}

/** Plays the RTSP program and decodes its audio into @file. */
function rtspReceiver(url, file) {
  return gst(['rtspsrc', `location=${url}`, 'latency=100', 'name=r',
    'r.', '!', 'application/x-rtp,media=audio', '!', ...DECODE, 'filesink', `location=${file}`, 'buffer-mode=unbuffered',
    'r.', '!', 'application/x-rtp,media=video', '!', 'fakesink']);
}

/** RMS level of raw S16LE in dBFS (digital silence is about -91 dB after Opus). */
function rmsDb(raw) {
  let sum = 0;
  const n = Math.floor(raw.length / 2);
  for (let i = 0; i < n; i++) sum += (raw.readInt16LE(2 * i) / 32768) ** 2;
  return n ? 10 * Math.log10(sum / n + 1e-12) : -120;
}

const size = (file) => (fs.existsSync(file) ? fs.statSync(file).size : 0);
/** The audio written to @file from byte @from on (whole samples). */
const since = (file, from) => { const b = fs.readFileSync(file).subarray(from); return b.subarray(0, b.length & ~1); };
const levels = (raw) => ({ db: Number(rmsDb(raw).toFixed(1)), hz440: toneLevel(raw, 440, raw.length / BYTES_PER_S), hz1000: toneLevel(raw, 1000, raw.length / BYTES_PER_S) });

describe('program audio', () => {
  let srv, admin, chair, dir, rtspPort, ports;
  const procs = [];
  const site = {};
  const recv = {};
  const files = {};

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'roomctl-program-audio-it-'));
    const base = await freeUdpPorts(4);
    ports = { video: base, audio: base + 2 };
    rtspPort = await freePort();
    srv = await startLocalServer({
      args: ['--demo'],
      config: { media: { video_port: ports.video, audio_port: ports.audio, rtsp_port: rtspPort, rtsp_host: '127.0.0.1', record: 'false' } },
    });
    admin = await login(srv.base, 'admin', 'admin123');
    const all = (await api(srv.base, admin, 'GET', '/api/v1/sites')).sites;
    for (const code of ['TINH', 'H01', 'H02']) {
      site[code] = all.find((s) => s.code === code);
      recv[code] = await freeUdpPorts(4);
      files[code] = path.join(dir, `at-${code}.raw`);
      await api(srv.base, admin, 'PATCH', `/api/v1/sites/${site[code].id}`, { address: `127.0.0.1:${recv[code]}` });
    }
    files.rtsp = path.join(dir, 'at-rtsp.raw');
    chair = await WsClient.connect(srv.port, { token: await login(srv.base, 'chutoa', 'chutoa123') });
  });
  after(async () => {
    for (const p of procs) await p.stop();
    if (chair) chair.close();
    if (srv) await srv.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  test('the chair is heard at a listening site and over RTSP from the first seconds, before any floor change', async (t) => {
    await api(srv.base, admin, 'POST', '/api/v1/sessions/1/start');
    const media = await api(srv.base, admin, 'GET', '/api/v1/media');
    assert.equal(media.chair_site_id, site.TINH.id);
    assert.equal(media.floor_site_id, 0, 'nobody has the floor');
    // The chair's site speaks (gstSite: a 440 Hz sine at 0.8 of full scale).
    procs.push(gstSite('TINH', ports));
    procs.push(udpReceiver(recv.H01 + 2, files.H01), udpReceiver(recv.TINH + 2, files.TINH));
    procs.push(rtspReceiver(`rtsp://127.0.0.1:${rtspPort}/program`, files.rtsp));
    // Two seconds of what each one decoded first.
    const first = 2 * BYTES_PER_S;
    await until(() => size(files.H01) >= first && size(files.TINH) >= first, 15000, 'two seconds of program audio at H01 and TINH');
    await until(() => size(files.rtsp) >= first, 20000, 'two seconds of RTSP program audio');
    const h01 = levels(since(files.H01, 0).subarray(0, first));
    const rtsp = levels(since(files.rtsp, 0).subarray(0, first));
    const tinh = levels(since(files.TINH, 0).subarray(0, first));
    t.diagnostic(`first 2 s: H01 ${JSON.stringify(h01)}, RTSP ${JSON.stringify(rtsp)}, TINH (the talker) ${JSON.stringify(tinh)}`);
    assert.equal((await api(srv.base, admin, 'GET', '/api/v1/media')).floor_site_id, 0, 'still nobody has the floor');
    assert.ok(h01.hz440 > 0.1, `the chair's 440 Hz at H01: ${h01.hz440} (${h01.db} dB)`);
    assert.ok(h01.db > -40, `H01 hears more than silence: ${h01.db} dB`);
    assert.ok(rtsp.hz440 > 0.1, `the chair's 440 Hz over RTSP: ${rtsp.hz440} (${rtsp.db} dB)`);
    assert.ok(rtsp.db > -40, `RTSP carries more than silence: ${rtsp.db} dB`);
    assert.ok(tinh.hz440 < 0.01, `the chair does not hear itself: ${tinh.hz440}`);
  });

  test('the floor adds a talker without a rebuild; each talker hears the other; the chair alone after', async (t) => {
    // H02 speaks a 1 kHz tone and listens to the program.
    procs.push(gst(['audiotestsrc', 'is-live=true', 'freq=1000', 'volume=0.5', '!', 'audioconvert', '!', 'opusenc', '!',
      'rtpopuspay', 'pt=111', `ssrc=${siteSsrc('H02', true)}`, '!', 'udpsink', 'host=127.0.0.1', `port=${ports.audio}`]));
    procs.push(udpReceiver(recv.H02 + 2, files.H02));
    await until(async () => {
      const h = (await api(srv.base, admin, 'GET', '/api/v1/media/stats')).sites.find((s) => s.code === 'H02');
      return h && h.audio && h.audio.packets > 20;
    }, 10000, 'H02 audio');
    const window = async (what) => {
      await sleep(1500); // the change reaches the ears
      const at = Object.fromEntries(['H01', 'TINH', 'H02', 'rtsp'].map((k) => [k, size(files[k])]));
      await sleep(2000);
      const out = Object.fromEntries(Object.entries(at).map(([k, from]) => [k, levels(since(files[k], from))]));
      t.diagnostic(`${what}: ${JSON.stringify(out)}`);
      return out;
    };
    await chair.request('floor.site', { session_id: 1, site_id: site.H02.id });
    const during = await window('H02 has the floor');
    assert.ok(during.H01.hz440 > 0.1 && during.H01.hz1000 > 0.1, `the listener hears both talkers: ${JSON.stringify(during.H01)}`);
    assert.ok(during.rtsp.hz440 > 0.1 && during.rtsp.hz1000 > 0.1, `RTSP carries both: ${JSON.stringify(during.rtsp)}`);
    assert.ok(during.TINH.hz1000 > 0.1 && during.TINH.hz440 < 0.01, `the chair hears H02, not itself: ${JSON.stringify(during.TINH)}`);
    assert.ok(during.H02.hz440 > 0.1 && during.H02.hz1000 < 0.01, `H02 hears the chair, not itself: ${JSON.stringify(during.H02)}`);
    await chair.request('floor.site', { session_id: 1, site_id: null });
    const back = await window('back to the chair');
    assert.ok(back.H01.hz440 > 0.1 && back.H01.hz1000 < 0.01, `the listener hears the chair alone: ${JSON.stringify(back.H01)}`);
    assert.ok(back.H02.hz440 > 0.1 && back.H02.hz1000 < 0.01, `H02 is a listener again: ${JSON.stringify(back.H02)}`);
    assert.ok(back.TINH.hz440 < 0.01, `the chair still does not hear itself: ${JSON.stringify(back.TINH)}`);
  });
});
