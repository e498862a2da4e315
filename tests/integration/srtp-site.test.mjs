// A plain-RTP site with an SRTP key (issue 18; web/docs/media.md "Joining
// as a site with stock tools"): the key made by the API, shown once with
// the stock tools' lines, and those lines run as printed — only $C, the
// receive ports (7000/7002) and the sinks (a window cannot open here:
// fakesink, or a file for ffmpeg) substituted, as the docs say — with real
// H.264 and Opus. The site is heard and counted; it receives and decrypts
// the program (decoded frames counted); plain RTP with its SSRC is refused
// and counted (srtp_failed), and so is SRTP with another key; the key is
// audited, never shown again nor stored in clear; an AEAD_AES_128_GCM key
// gets GStreamer's lines only (stock ffmpeg has no GCM), which run as
// printed too; revoking it makes the site plain again.
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { api, assertWireError, login, request, startLocalServer } from '../lib/integration.mjs';
import { blast, framesOf, freeUdpPorts, gstSite, rtp, siteSsrc, sleep, until, watched } from '../lib/media.mjs';

/** Runs a printed line in sh, with what it printed kept. */
function shell(line, cwd) {
  // One command: exec'd, so that stop() reaches it; a list (&&) runs as it is.
  return watched(spawn('sh', ['-c', line.includes('&&') ? line : `exec ${line}`], { cwd, stdio: ['ignore', 'pipe', 'pipe'] }));
}

describe('a plain-RTP site with an SRTP key', () => {
  let srv, admin, ports, recv, site, chair, key, dir;
  const procs = [];
  let lastStats = null;
  const stats = async () => (lastStats = await api(srv.base, admin, 'GET', '/api/v1/media/stats'));
  const siteStats = async (code) => (await stats()).sites.find((s) => s.code === code);
  const failed = async () => { const s = await stats(); return s.ingest.video.srtp_failed + s.ingest.audio.srtp_failed; };
  const local = (line) => line.replaceAll('$C', '127.0.0.1').replaceAll('port=7000', `port=${recv}`)
    .replaceAll('port=7002', `port=${recv + 2}`).replaceAll('m=video 7000', `m=video ${recv}`)
    .replaceAll('m=audio 7002', `m=audio ${recv + 2}`);

  before(async () => {
    const base = await freeUdpPorts(4);
    ports = { video: base, audio: base + 2 };
    recv = await freeUdpPorts(4);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'srtp-site-'));
    srv = await startLocalServer({ args: ['--demo'], config: { media: { video_port: ports.video, audio_port: ports.audio } } });
    admin = await login(srv.base, 'admin', 'admin123');
    const all = (await api(srv.base, admin, 'GET', '/api/v1/sites')).sites;
    site = all.find((s) => s.code === 'H01');
    chair = all.find((s) => s.code === 'TINH');
    await api(srv.base, admin, 'PATCH', `/api/v1/sites/${site.id}`, { address: `127.0.0.1:${recv}` });
    await api(srv.base, admin, 'POST', '/api/v1/sessions/1/start');
    procs.push(gstSite('TINH', ports)); // the chair's site: the program everybody takes
  });
  after(async () => {
    for (const p of procs) await p.stop();
    if (srv) await srv.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  test('the key: made once with the lines, shown only then, audited without it, sealed in the database', async () => {
    assert.equal(site.srtp_key, null);
    const res = await fetch(`${srv.base}/api/v1/sites/${chair.id}/srtp-key`, { method: 'POST', headers: { authorization: `Bearer ${admin}` } });
    assert.equal(res.status, 201, 'a plain-RTP site (TINH) may have one too');
    await api(srv.base, admin, 'DELETE', `/api/v1/sites/${chair.id}/srtp-key`);
    key = await api(srv.base, admin, 'POST', `/api/v1/sites/${site.id}/srtp-key`);
    assert.equal(key.suite, 'AES_CM_128_HMAC_SHA1_80');
    assert.equal(Buffer.from(key.key, 'base64').length, 30);
    assert.equal(key.key_hex, Buffer.from(key.key, 'base64').toString('hex'));
    for (const k of ['ffmpeg_send', 'ffmpeg_receive', 'gst_send', 'gst_receive']) assert.ok(key.lines[k], k);
    assert.ok(key.lines.ffmpeg_send.includes(`-srtp_out_params ${key.key}`));
    assert.ok(key.lines.gst_send.includes(`srtpenc key=${key.key_hex}`));
    const again = await api(srv.base, admin, 'GET', `/api/v1/sites/${site.id}`);
    assert.deepEqual(again.srtp_key, { created_at: key.created_at, suite: 'AES_CM_128_HMAC_SHA1_80' });
    assert.ok(!JSON.stringify(again).includes(key.key) && !JSON.stringify(again).includes(key.key_hex));
    const audit = (await api(srv.base, admin, 'GET', '/api/v1/audit?limit=1000')).audit;
    assert.ok(audit.some((r) => r.action === 'site.srtp_key' && r.target === `site:${site.id}`));
    assert.ok(audit.some((r) => r.action === 'site.srtp_key.revoke' && r.target === `site:${chair.id}`));
    assert.ok(!JSON.stringify(audit).includes(key.key));
    const db = execFileSync('sqlite3', [path.join(srv.dataDir, 'roomctl.db'), 'SELECT sealed FROM site_srtp_keys'], { encoding: 'utf8' });
    assert.match(db, /^v1\./);
    assert.ok(!db.includes(key.key) && !db.includes(key.key_hex));
    const st = fs.statSync(path.join(srv.dataDir, 'srtp-seal.key'));
    assert.equal(st.mode & 0o777, 0o600);
    assert.equal(st.size, 32);
  });

  test('gst-launch as printed: the site is heard and decrypts the program', async () => {
    const sender = shell(local(key.lines.gst_send));
    procs.push(sender);
    const s = await until(async () => { const x = await siteStats('H01'); return x?.video?.packets > 100 && x.audio?.packets > 20 && x; },
      15000, 'H01 video and audio over SRTP', () => [sender.text.slice(-500), lastStats, srv.stderr.slice(-3000)]);
    assert.equal(s.video.lost, 0);
    const line = local(key.lines.gst_receive).replace('gst-launch-1.0 ', 'gst-launch-1.0 -v ')
      .replace('autovideosink', 'fakesink silent=false').replace('autoaudiosink', 'fakesink');
    const receiver = shell(line);
    procs.push(receiver);
    await until(() => framesOf(receiver).frames > 25, 15000, 'program frames decrypted and decoded at H01', () => receiver.text.slice(-2000));
    await receiver.stop();
    await sender.stop();
  });

  test('plain RTP with its SSRC is refused and counted; so is another key', async () => {
    await sleep(1500); // the figures of what was sent before settle (they come twice a second)
    const packetsBefore = (await siteStats('H01')).video.packets;
    const before = await failed();
    await blast(ports.video, (i) => rtp({ ssrc: siteSsrc('H01'), seq: i, pt: 96 }), { ms: 300, mbps: 1 });
    await until(async () => (await failed()) >= before + 50, 5000, 'plain packets counted as srtp_failed');
    assert.equal((await siteStats('H01')).video.packets, packetsBefore, 'none of them taken');
    const wrong = Buffer.alloc(30, 7).toString('hex');
    const before2 = await failed();
    const liar = shell(local(key.lines.gst_send).replaceAll(key.key_hex, wrong));
    procs.push(liar);
    await until(async () => (await failed()) >= before2 + 50, 15000, 'another key counted as srtp_failed', () => liar.text.slice(-1000));
    await liar.stop();
    assert.equal((await siteStats('H01')).video.packets, packetsBefore, 'none of them taken');
  });

  test('ffmpeg as printed: the site is heard and decrypts the program', async () => {
    const before = (await siteStats('H01'))?.video?.packets ?? 0;
    const sender = shell(local(key.lines.ffmpeg_send).replace('ffmpeg ', 'ffmpeg -hide_banner -loglevel error '));
    procs.push(sender);
    await until(async () => { const x = await siteStats('H01'); return x?.video?.packets > before + 100 && x.audio?.packets > 20 && x; },
      15000, 'H01 from ffmpeg over SRTP', () => [lastStats.ingest, lastStats.sites.find((s) => s.code === 'H01'), sender.text.slice(-300)]);
    const out = path.join(dir, 'program.mkv');
    const line = local(key.lines.ffmpeg_receive)
      .replace(/ffplay (.*) program\.sdp$/, `ffmpeg -hide_banner -loglevel error $1 -i program.sdp -map 0:v -c copy -t 6 -y ${out}`);
    const receiver = shell(line, dir);
    procs.push(receiver);
    await new Promise((resolve) => { receiver.proc.once('exit', resolve); setTimeout(resolve, 20000).unref(); });
    await sender.stop();
    const frames = Number(execFileSync('ffprobe', ['-v', 'error', '-count_frames', '-select_streams', 'v:0', '-show_entries',
      'stream=nb_read_frames', '-of', 'csv=p=0', out], { encoding: 'utf8' }).trim());
    assert.ok(frames > 25, `${frames} program frames decrypted by ffmpeg; ${receiver.text.slice(-1000)}`);
  });

  test('an AEAD_AES_128_GCM key: GStreamer\'s lines as printed, no ffmpeg line; the AES-CM key no longer taken', async () => {
    assertWireError(await request(srv.base, admin, 'POST', `/api/v1/sites/${site.id}/srtp-key`, { suite: 'AES_256_CM' }),
      1001, 'suite', 'a suite we do not take');
    assertWireError(await request(srv.base, admin, 'POST', `/api/v1/sites/${site.id}/srtp-key`, '{"suite":', { contentType: 'application/json' }),
      1000, undefined, 'a body that is not JSON (the body is optional, not ignored)');
    assertWireError(await request(srv.base, admin, 'POST', `/api/v1/sites/${site.id}/srtp-key`, { suite: 'AEAD_AES_128_GCM', extra: 1 }),
      1001, 'extra', 'a field the request has not');
    assert.equal((await api(srv.base, admin, 'GET', `/api/v1/sites/${site.id}`)).srtp_key.suite, 'AES_CM_128_HMAC_SHA1_80',
      'the refused requests changed nothing');
    const gcm = await api(srv.base, admin, 'POST', `/api/v1/sites/${site.id}/srtp-key`, { suite: 'AEAD_AES_128_GCM' });
    assert.equal(gcm.suite, 'AEAD_AES_128_GCM');
    assert.equal(Buffer.from(gcm.key, 'base64').length, 28);
    assert.deepEqual(Object.keys(gcm.lines).sort(), ['gst_receive', 'gst_send'], 'stock ffmpeg has no GCM: no line for it');
    assert.ok(gcm.lines.gst_send.includes(`srtpenc key=${gcm.key_hex} rtp-cipher=aes-128-gcm rtp-auth=null`));
    assert.equal((await api(srv.base, admin, 'GET', `/api/v1/sites/${site.id}`)).srtp_key.suite, 'AEAD_AES_128_GCM');
    // The AES-CM key's sender is refused now.
    const before = await failed();
    const old = shell(local(key.lines.gst_send));
    procs.push(old);
    await until(async () => (await failed()) >= before + 50, 15000, 'the AES-CM key\'s packets counted as srtp_failed',
      () => old.text.slice(-1000));
    await old.stop();
    const packets = (await siteStats('H01'))?.video?.packets ?? 0;
    const sender = shell(local(gcm.lines.gst_send));
    procs.push(sender);
    await until(async () => { const x = await siteStats('H01'); return x?.video?.packets > packets + 100 && x.audio?.packets > 20 && x; },
      15000, 'H01 video and audio over SRTP with AES-GCM', () => [sender.text.slice(-500), lastStats?.ingest]);
    const line = local(gcm.lines.gst_receive).replace('gst-launch-1.0 ', 'gst-launch-1.0 -v ')
      .replace('autovideosink', 'fakesink silent=false').replace('autoaudiosink', 'fakesink');
    const receiver = shell(line);
    procs.push(receiver);
    await until(() => framesOf(receiver).frames > 25, 15000, 'program frames decrypted (AES-GCM) and decoded at H01',
      () => receiver.text.slice(-2000));
    await receiver.stop();
    await sender.stop();
  });

  test('revoked: the site is plain again', async () => {
    await api(srv.base, admin, 'DELETE', `/api/v1/sites/${site.id}/srtp-key`);
    assert.equal((await api(srv.base, admin, 'GET', `/api/v1/sites/${site.id}`)).srtp_key ?? null, null);
    const before = (await siteStats('H01'))?.video?.packets ?? 0;
    const plain = gstSite('H01', ports);
    procs.push(plain);
    await until(async () => (await siteStats('H01'))?.video?.packets > before + 100, 15000, 'H01 plain again');
    await plain.stop();
    await sleep(100);
  });
});
