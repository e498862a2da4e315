// An RTSP camera pulled by a controller whose media listen on 127.0.0.1:
// the pull works and the daemon holds no UDP socket on the wildcard
// address (0.0.0.0 or ::). The camera is a real RTSP server: a second
// roomctl's RTSP program output, fed by a gst-launch-1.0 site.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { api, login, startLocalServer } from '../lib/integration.mjs';
import { freePort } from '../lib/server.mjs';
import { freeUdpPorts, gstSite, until } from '../lib/media.mjs';

/** The UDP sockets process @pid holds: [{family, address, port}], from /proc. */
function udpSockets(pid) {
  const inodes = new Set();
  for (const fd of fs.readdirSync(`/proc/${pid}/fd`)) {
    try {
      const m = fs.readlinkSync(`/proc/${pid}/fd/${fd}`).match(/^socket:\[(\d+)\]$/);
      if (m) inodes.add(m[1]);
    } catch { /* closed meanwhile */ }
  }
  const out = [];
  for (const family of ['udp', 'udp6']) {
    const lines = fs.readFileSync(`/proc/${pid}/net/${family}`, 'utf8').trim().split('\n').slice(1);
    for (const line of lines) {
      const f = line.trim().split(/\s+/);
      if (!inodes.has(f[9])) continue;
      const [hex, port] = f[1].split(':');
      const address = family === 'udp'
        ? hex.match(/../g).reverse().map((b) => parseInt(b, 16)).join('.')
        : (/^0+$/.test(hex) ? '::' : hex);
      out.push({ family, address, port: parseInt(port, 16) });
    }
  }
  return out;
}

describe('RTSP camera with [media] listen=127.0.0.1', () => {
  let camera, srv, admin, site;
  const procs = [];

  before(async () => {
    // The camera: a roomctl serving its program over RTSP, a site feeding it.
    const cameraPorts = { video: await freeUdpPorts(4) };
    cameraPorts.audio = cameraPorts.video + 2;
    const rtspPort = await freePort();
    camera = await startLocalServer({
      args: ['--demo'],
      config: { media: { video_port: cameraPorts.video, audio_port: cameraPorts.audio, rtsp_port: rtspPort, record: 'false' } },
    });
    const camAdmin = await login(camera.base, 'admin', 'admin123');
    await api(camera.base, camAdmin, 'POST', '/api/v1/sessions/1/start');
    procs.push(gstSite('TINH', cameraPorts));

    const base = await freeUdpPorts(4);
    srv = await startLocalServer({
      args: ['--demo'],
      config: { media: { listen: '127.0.0.1', video_port: base, audio_port: base + 2, rtsp_port: await freePort(), record: 'false' } },
    });
    admin = await login(srv.base, 'admin', 'admin123');
    site = (await api(srv.base, admin, 'GET', '/api/v1/sites')).sites.find((s) => s.code === 'H01');
    await api(srv.base, admin, 'PATCH', `/api/v1/sites/${site.id}`, { transport: 'rtsp', address: `rtsp://127.0.0.1:${rtspPort}/program` });
    await api(srv.base, admin, 'POST', '/api/v1/sessions/1/start');
  });
  after(async () => {
    for (const p of procs) await p.stop();
    if (srv) await srv.stop();
    if (camera) await camera.stop();
  });

  test('the camera is pulled and no UDP socket of the daemon is on the wildcard address', async (t) => {
    const stats = async () => (await api(srv.base, admin, 'GET', '/api/v1/media/stats')).sites.find((s) => s.site_id === site.id);
    const s = await until(async () => { const x = await stats(); return x && x.video && x.video.packets > 50 && x; }, 20000, 'the camera\'s video', () => srv.stderr.slice(-2000));
    assert.ok(s.video.keyframes >= 1, 'the camera\'s pictures arrive');
    // Its transport says the link is up (connect event), and the plain RTP sites are connectionless.
    assert.equal(s.transport, 'pull');
    await until(async () => (await stats()).link.up, 5000, 'the camera\'s link up');
    assert.match(srv.stderr, new RegExp(`site H01 \\(rtsp\\): receiving rtsp://`));
    const tinh = (await api(srv.base, admin, 'GET', '/api/v1/media/stats')).sites.find((x) => x.code === 'TINH');
    if (tinh) assert.deepEqual([tinh.transport, tinh.link.up], ['rtp', true]);
    const sockets = udpSockets(srv.proc.pid);
    t.diagnostic(`roomctl's UDP sockets: ${sockets.map((x) => `${x.address}:${x.port}`).join(' ')}`);
    assert.ok(sockets.length >= 4, `the site ports at least: ${JSON.stringify(sockets)}`);
    const wild = sockets.filter((x) => x.address === '0.0.0.0' || x.address === '::');
    assert.deepEqual(wild, [], 'no UDP socket bound to the wildcard address');
    assert.ok(sockets.every((x) => x.address === '127.0.0.1'), `every UDP socket on 127.0.0.1: ${JSON.stringify(sockets)}`);
  });
});
