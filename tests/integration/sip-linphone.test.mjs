// SIP with a second real endpoint: Debian's linphone-cli (liblinphone 5.1,
// its linphone-daemon driven over its unix socket), headless on loopback.
// It registers with digest, calls the session's conference address with
// mandatory SDES-SRTP and sends audio (a 1 kHz tone through its in-call
// player: with no sound card it has no microphone); the controller takes the
// call, counts its audio as its site's, and sends it the program, which
// linphone itself counts (its call statistics). When it hangs up the call
// ends by the site. Then the controller dials it (the site's address is its
// URI) and it answers by itself.
// Audio only: Debian's mediastreamer has no H.264 encoder (VP8 only), so it
// offers no video the controller takes.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { api, freePort, login, reapOnExit } from '../lib/server.mjs';
import { startLocalServer } from '../lib/integration.mjs';
import { freeUdpPorts, gstSite, sleep, until } from '../lib/media.mjs';
import { freeSipPort } from '../lib/sipp.mjs';
import { RATE, tone } from '../lib/tone.mjs';

/** @pcm (S16LE mono at RATE) as a WAV file. */
function wav(pcm) {
  const h = Buffer.alloc(44);
  h.write('RIFF', 0);
  h.writeUInt32LE(36 + pcm.length, 4);
  h.write('WAVEfmt ', 8);
  h.writeUInt32LE(16, 16);
  h.writeUInt16LE(1, 20); // PCM
  h.writeUInt16LE(1, 22); // mono
  h.writeUInt32LE(RATE, 24);
  h.writeUInt32LE(RATE * 2, 28);
  h.writeUInt16LE(2, 32);
  h.writeUInt16LE(16, 34);
  h.write('data', 36);
  h.writeUInt32LE(pcm.length, 40);
  return Buffer.concat([h, pcm]);
}

/**
 * linphone-daemon in @dir, SIP on 127.0.0.1:@sipPort (UDP only), RTP from
 * @rtpPort, SRTP mandatory. Its commands go over one connection to its unix
 * socket (/tmp/@pipe): an answer is what it writes after "Status:" until it
 * is quiet for a moment (answers have no end marker).
 */
async function startLinphone(dir, { sipPort, rtpPort, autoAnswer = false }) {
  // It does not start its SIP stack when it cannot open its database.
  await fs.mkdir(path.join(dir, '.local', 'share', 'linphone'), { recursive: true });
  await fs.writeFile(path.join(dir, 'linphonerc'), [
    '[sip]', `sip_port=${sipPort}`, 'sip_tcp_port=0', 'sip_tls_port=0', 'bind_address=127.0.0.1',
    'media_encryption=srtp', 'media_encryption_mandatory=1',
    '[rtp]', `audio_rtp_port=${rtpPort}`, `video_rtp_port=${rtpPort + 2}`, 'bind_address=127.0.0.1',
    '[video]', 'capture=0', 'display=0', 'automatically_initiate=0', 'automatically_accept=0', ''].join('\n'));
  // No ALSA device at all: without a capture card liblinphone's media run on
  // the wall clock (a card without a clock, ALSA's null, stalls them).
  await fs.writeFile(path.join(dir, 'asoundrc'), '');
  const pipe = `roomctl-linphone-${process.pid}-${sipPort}`;
  let log = '';
  const proc = reapOnExit(spawn('linphone-daemon',
    ['--config', path.join(dir, 'linphonerc'), '--pipe', pipe, '--log', path.join(dir, 'linphone.log'),
      ...(autoAnswer ? ['--auto-answer'] : [])],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, HOME: dir, ALSA_CONFIG_PATH: path.join(dir, 'asoundrc') } }));
  proc.stdout.on('data', (d) => { log += d; if (log.length > 50_000) log = log.slice(-20_000); });
  proc.stderr.on('data', (d) => { log += d; });
  proc.on('exit', (code, signal) => { log += `\nlinphone-daemon exited: ${code ?? signal}\n`; });
  const sock = await until(() => new Promise((resolve) => {
    const s = net.connect(path.join('/tmp', pipe));
    s.once('connect', () => resolve(s));
    s.once('error', () => resolve(null));
  }), 10000, 'linphone-daemon\'s socket', () => log.slice(-1500));
  let answer = '';
  sock.on('data', (d) => { answer += d; });
  let queue = Promise.resolve();
  const command = (line) => (queue = queue.catch(() => {}).then(async () => { // one at a time, whatever came before
    answer = '';
    sock.write(`${line}\n`);
    await until(() => answer.includes('Status:'), 5000, `linphone's answer to ${line}`, () => log.slice(-1500));
    for (let n = -1; n !== answer.length;) { n = answer.length; await sleep(150); }
    return answer;
  }));
  const stop = async () => {
    sock.destroy();
    if (proc.exitCode === null) {
      proc.kill('SIGTERM');
      await Promise.race([new Promise((r) => proc.once('exit', r)), sleep(3000)]);
      if (proc.exitCode === null) proc.kill('SIGKILL');
    }
    await fs.rm(path.join('/tmp', pipe), { force: true });
  };
  return { proc, command, stop, seen: () => log.slice(-1500), file: (name) => path.join(dir, name) };
}

/** "Key: value" lines of a daemon answer, as an object (the last of each key). */
const fields = (text) => Object.fromEntries([...text.matchAll(/^([\w -]+): (.*)$/gm)].map((m) => [m[1].trim(), m[2].trim()]));

describe('sip linphone: linphone-cli as a SIP site with SRTP', () => {
  let srv, admin, sipPort, work, ports, lp;
  const site = {}, procs = [];
  const siteStats = async (code) => (await api(srv.base, admin, 'GET', '/api/v1/media/stats')).sites.find((s) => s.code === code);
  const calls = async () => (await api(srv.base, admin, 'GET', '/api/v1/sessions/1/sip/calls')).calls;
  const seen = () => ({ linphone: lp && lp.seen(), roomctl: srv.stderr.slice(-2000) });

  before(async () => {
    work = await fs.mkdtemp(path.join(os.tmpdir(), 'roomctl-siplinphone-'));
    await fs.writeFile(path.join(work, 'tone.wav'), wav(tone(1000, 30, -6)));
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
    for (const code of ['TINH', 'H15']) site[code] = all.find((s) => s.code === code);
    await api(srv.base, admin, 'PATCH', `/api/v1/sites/${site.H15.id}`,
      { transport: 'sip', address: '', sip_user: 'h15', sip_password: 'h15-secret', srtp: 'required' });
    await api(srv.base, admin, 'PUT', '/api/v1/sessions/1/sites', { site_ids: Object.values(site).map((s) => s.id) });
    await api(srv.base, admin, 'POST', '/api/v1/sessions/1/start');
    procs.push(gstSite('TINH', ports)); // the chair: the program H15 receives has its audio
  });
  after(async () => {
    if (lp) await lp.stop();
    for (const p of procs) await p.stop();
    if (srv) await srv.stop();
    if (work) await fs.rm(work, { recursive: true, force: true });
  });

  test('linphone registers, calls in with SRTP, is counted, receives the program, and hangs up', async () => {
    const dir = path.join(work, 'in');
    await fs.mkdir(dir);
    lp = await startLinphone(dir, { sipPort: await freeSipPort(), rtpPort: await freeUdpPorts(4) });
    const reg = await lp.command(`register sip:h15@127.0.0.1:${sipPort} sip:127.0.0.1:${sipPort} h15-secret h15 NULL`);
    const regId = fields(reg).Id;
    assert.ok(regId, reg);
    await until(async () => /LinphoneRegistrationOk/.test(await lp.command(`register-status ${regId}`)), 10000,
      'linphone registered with digest', seen);

    const placed = await lp.command(`call sip:phien-1@127.0.0.1:${sipPort}`);
    assert.match(placed, /Status: Ok/);
    const callId = fields(placed).Id;
    const call = await until(async () => (await calls()).find((c) => c.site_code === 'H15' && c.state === 'connected'), 15000,
      'linphone\'s call connected', seen);
    assert.equal(call.direction, 'in');
    assert.equal(call.caller, 'registered');
    assert.equal(call.media.audio.srtp, true);
    assert.equal(call.media.audio.codec, 'opus');
    assert.equal(call.media.video, null, 'no H.264 in its offer: no video');
    await until(async () => /LinphoneCallStreamsRunning/.test(await lp.command(`call-status ${callId}`)), 10000,
      'linphone\'s streams running', seen);

    // It has no microphone: its in-call player sends the tone.
    assert.match(await lp.command(`incall-player-start ${path.join(work, 'tone.wav')} ${callId}`), /Status: Ok/);
    let last = null;
    const first = await until(async () => { const x = last = await siteStats('H15'); return x.link.up && x.audio.packets > 50 && x; },
      15000, 'H15\'s audio counted', () => ({ ...seen(), stats: last }));
    assert.equal(first.transport, 'sip');
    assert.equal(first.audio_codec, 'opus');
    const later = await until(async () => { const x = last = await siteStats('H15'); return x.audio.packets >= first.audio.packets + 50 && x; },
      10000, 'H15\'s audio packets growing', () => ({ ...seen(), stats: last }));
    assert.ok(later.audio.lost <= 5, JSON.stringify(later.audio));

    // linphone receives the program: its own figures (its log's bandwidth line, every second; the daemon's
    // call-stats command would say more, but in 5.1.65 it crashes the daemon: SIGSEGV) ...
    const rate = await until(async () => {
      const text = await fs.readFile(lp.file('linphone.log'), 'utf8');
      const m = [...text.matchAll(/Stream #\d+ \(audio\)[^\n]*RTP : \[d=([\d.]+),u=([\d.]+)\]/g)].at(-1);
      return m && Number(m[1]) > 20 && Number(m[2]) > 20 && { down: Number(m[1]), up: Number(m[2]) };
    }, 10000, 'linphone receiving and sending audio (kbit/s)', seen);
    assert.ok(rate.down > 20, JSON.stringify(rate));
    // ... and its RTCP receiver reports about the program, which it sends over SRTCP once it decrypts our SRTP.
    const rr = await until(async () => { const x = last = await siteStats('H15'); return x.audio_rr && x; }, 10000,
      'H15 reports on the program it receives', () => ({ ...seen(), stats: last }));
    assert.ok(rr.audio_rr.age_seconds < 10, JSON.stringify(rr.audio_rr));
    assert.equal(rr.audio_rr.cumulative_lost, 0, JSON.stringify(rr.audio_rr));

    assert.match(await lp.command(`terminate ${callId}`), /Status: Ok/);
    const ended = await until(async () => (await calls()).find((c) => c.id === call.id && c.state === 'ended'), 10000,
      'the call ended', seen);
    assert.equal(ended.ended_by, 'site');
    await until(async () => { const x = last = await siteStats('H15'); return !x.link.up && x; }, 10000, 'H15 link down',
      () => ({ ...seen(), stats: last }));
    await lp.stop();
    lp = null;
  });

  test('the controller dials linphone (the site\'s address is its URI) and it answers by itself', async () => {
    if (lp) await lp.stop();
    const dir = path.join(work, 'out');
    await fs.mkdir(dir);
    const port = await freeSipPort();
    lp = await startLinphone(dir, { sipPort: port, rtpPort: await freeUdpPorts(4), autoAnswer: true });
    await api(srv.base, admin, 'PATCH', `/api/v1/sites/${site.H15.id}`, { address: `sip:h15@127.0.0.1:${port}` });
    const known = new Set((await calls()).map((c) => c.id));
    await api(srv.base, admin, 'POST', '/api/v1/sessions/1/sip/dial', { site_id: site.H15.id });
    const call = await until(async () => (await calls()).find((c) => !known.has(c.id) && c.state === 'connected'), 15000,
      'linphone answered the controller\'s call', seen);
    assert.equal(call.site_code, 'H15');
    assert.equal(call.direction, 'out');
    assert.equal(call.media.audio.srtp, true);
    const status = await until(async () => { const s = await lp.command('call-status'); return /LinphoneCallStreamsRunning/.test(s) && s; },
      10000, 'linphone\'s streams running', seen);
    assert.match(await lp.command(`incall-player-start ${path.join(work, 'tone.wav')} ${fields(status).Id}`), /Status: Ok/);
    let last = null;
    await until(async () => { const x = last = await siteStats('H15'); return x.link.up && x.audio.packets > 50 && x; },
      15000, 'H15\'s audio counted on the dialled call', () => ({ ...seen(), stats: last }));
    await api(srv.base, admin, 'POST', '/api/v1/sessions/1/sip/hangup', { site_id: site.H15.id });
    const ended = await until(async () => (await calls()).find((c) => c.id === call.id && c.state === 'ended'), 10000,
      'the dialled call ended', seen);
    assert.equal(ended.ended_by, 'controller');
    await until(async () => /No (current )?call|No active call/i.test(await lp.command('call-status')), 10000,
      'linphone saw our BYE', seen);
  });
});
