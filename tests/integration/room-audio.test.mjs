// Room audio through PortAudio against real ALSA devices defined in
// tests/asoundrc (no sound card needed): the hall microphone (a known 1 kHz
// tone) comes out in the program the sites receive; a remote talker (a site
// sending 440 Hz) lands in the hall speakers' output file, without the hall's
// own tone (mix-minus); and the talker gets the hall without itself.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { api, login, startLocalServer } from '../lib/integration.mjs';
import { freePort } from '../lib/server.mjs';
import { freeUdpPorts, gst, gstSite, sleep, until } from '../lib/media.mjs';
import { tone, toneLevel } from '../lib/tone.mjs';
import { WsClient } from '../lib/ws-client.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const pacer = path.join(here, '..', 'lib', 'pace.mjs');

/** Receives the program audio on @port and writes it as raw S16LE mono 48 kHz. */
function audioReceiver(port, file) {
  return gst(['udpsrc', `port=${port}`, 'address=127.0.0.1',
    'caps=application/x-rtp,media=audio,encoding-name=OPUS,payload=111,clock-rate=48000', '!', 'rtpjitterbuffer', '!',
    'rtpopusdepay', '!', 'opusdec', '!', 'audioconvert', '!', 'audioresample', '!',
    'audio/x-raw,format=S16LE,rate=48000,channels=1', '!', 'filesink', `location=${file}`]);
}

describe('room audio', () => {
  let srv, dir, chair, ports;
  const procs = [];
  const site = {};
  const recv = {};

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'roomctl-room-audio-it-'));
    fs.writeFileSync(path.join(dir, 'mic.raw'), tone(1000, 20, -6));
    const base = await freeUdpPorts(4);
    ports = { video: base, audio: base + 2 };
    srv = await startLocalServer({
      args: ['--demo'],
      config: {
        media: { video_port: ports.video, audio_port: ports.audio, rtsp_port: 0, record: 'false' },
        audio: { input_device: 'roomctl_mic', output_device: 'roomctl_speakers' },
      },
      env: {
        ALSA_CONFIG_PATH: path.join(here, '..', 'asoundrc'),
        ROOMCTL_TEST_MIC_IN: path.join(dir, 'mic.raw'),
        ROOMCTL_TEST_MIC_SINK: `| exec node ${pacer} /dev/null`,
        ROOMCTL_TEST_SPEAKERS_OUT: `| exec node ${pacer} ${path.join(dir, 'speakers.raw')}`,
      },
    });
    assert.match(srv.stderr, /room audio: microphone 'roomctl_mic', speakers 'roomctl_speakers'/);
    const admin = await login(srv.base, 'admin', 'admin123');
    const all = (await api(srv.base, admin, 'GET', '/api/v1/sites')).sites;
    for (const code of ['TINH', 'H01']) {
      site[code] = all.find((s) => s.code === code);
      recv[code] = await freeUdpPorts(4);
      await api(srv.base, admin, 'PATCH', `/api/v1/sites/${site[code].id}`, { address: `127.0.0.1:${recv[code]}` });
    }
    await api(srv.base, admin, 'POST', '/api/v1/sessions/1/start');
    chair = await WsClient.connect(srv.port, { token: await login(srv.base, 'chutoa', 'chutoa123') });
    // H01 talks: a 440 Hz tone; it gets the floor.
    procs.push(gst(['audiotestsrc', 'is-live=true', 'freq=440', 'volume=0.5', '!', 'audioconvert', '!', 'opusenc', '!',
      'rtpopuspay', 'pt=111', `ssrc=${(await import('../lib/media.mjs')).siteSsrc('H01', true)}`, '!',
      'udpsink', 'host=127.0.0.1', `port=${ports.audio}`]));
    procs.push(gstSite('TINH', ports));
    await until(async () => {
      const st = await api(srv.base, admin, 'GET', '/api/v1/media/stats');
      const h = st.sites.find((s) => s.code === 'H01');
      return h && h.audio && h.audio.packets > 20;
    }, 10000, 'H01 audio');
    await chair.request('floor.site', { session_id: 1, site_id: site.H01.id });
    procs.push(audioReceiver(recv.TINH + 2, path.join(dir, 'at-tinh.raw')));
    procs.push(audioReceiver(recv.H01 + 2, path.join(dir, 'at-h01.raw')));
    await sleep(5000);
  });
  after(async () => {
    for (const p of procs) await p.stop();
    if (chair) chair.close();
    if (srv) await srv.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  test('the hall microphone (1 kHz) and the floor holder (440 Hz) are in the program the sites get', () => {
    const raw = fs.readFileSync(path.join(dir, 'at-tinh.raw'));
    assert.ok(raw.length > 48000 * 2, `received ${raw.length} bytes`);
    assert.ok(toneLevel(raw, 1000) > 0.1, `1 kHz level ${toneLevel(raw, 1000)}`);
    assert.ok(toneLevel(raw, 440) > 0.05, `440 Hz level ${toneLevel(raw, 440)}`);
  });

  test('the talker hears the hall but not itself (mix-minus)', () => {
    const raw = fs.readFileSync(path.join(dir, 'at-h01.raw'));
    assert.ok(raw.length > 48000 * 2, `received ${raw.length} bytes`);
    assert.ok(toneLevel(raw, 1000) > 0.1, `1 kHz level ${toneLevel(raw, 1000)}`);
    assert.ok(toneLevel(raw, 440) < 0.01, `440 Hz level ${toneLevel(raw, 440)} (its own voice)`);
  });

  test('the hall speakers play the remote talker, not the hall microphone', async () => {
    const file = path.join(dir, 'speakers.raw');
    await until(() => fs.existsSync(file) && fs.statSync(file).size > 96000 * 2, 10000, 'speaker output');
    const raw = fs.readFileSync(file);
    assert.ok(toneLevel(raw, 440) > 0.05, `440 Hz level ${toneLevel(raw, 440)}`);
    assert.ok(toneLevel(raw, 1000) < 0.01, `1 kHz level ${toneLevel(raw, 1000)} (the hall's own microphone)`);
    // Levels cover the last second: look for one with the tone in it.
    const token = await login(srv.base, 'admin', 'admin123');
    const room = await until(async () => {
      const r = (await api(srv.base, token, 'GET', '/api/v1/media/stats')).room_audio;
      return r.input_peak_db > -12 && r;
    }, 8000, 'the microphone level');
    assert.ok(room.input_running && room.output_running);
    assert.ok(room.input_peak_db < 0, `mic peak ${room.input_peak_db} dBFS`);
  });
});
