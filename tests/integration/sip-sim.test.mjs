// SIP media from roomctl-sim's SIP mode (devices/sim/sim-sip.c, its own
// sofia-sip UAS): five sites of transport sip with SRTP required, two of
// which answer G.722 only. At session start the controller calls them all;
// each answers with its own SDES keys and sends H.264 + its audio on SSRCs
// of its own choosing (not the code hash the plain-RTP sites use): the
// controller maps them by the address the answer signalled, shows every
// site online with its audio codec, and sends each the program, which the
// sites decrypt (SRTP) and count. Ending the session hangs them up.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { api, freePort, login } from '../lib/server.mjs';
import { startLocalServer } from '../lib/integration.mjs';
import { freeUdpPorts, siteSsrc, sleep, until } from '../lib/media.mjs';
import { freeSipPort } from '../lib/sipp.mjs';
import { startSipSim } from '../lib/sim.mjs';
import { WsClient } from '../lib/ws-client.mjs';

describe('sip media from roomctl-sim: 5 SIP sites with SRTP, 2 of them G.722', () => {
  let srv, admin, sim, sites;
  const simStats = async () => (await sim.cmd({ cmd: 'stats' })).sites;
  const mediaStats = async () => (await api(srv.base, admin, 'GET', '/api/v1/media/stats')).sites;
  const calls = async () => (await api(srv.base, admin, 'GET', '/api/v1/sessions/1/sip/calls')).calls;
  const seen = () => ({ roomctl: srv.stderr.slice(-2000), sim: sim ? sim.output().slice(-1000) : '' });

  before(async () => {
    const base = await freeUdpPorts(4, { belowEphemeral: true }); /* bound at the start, after the sim's sockets */
    const simPort = await freeSipPort();
    srv = await startLocalServer({
      args: ['--demo'],
      config: {
        media: { video_port: base, audio_port: base + 2, rtsp_port: await freePort(), record: 'false', webrtc_port: 0 },
        sip: { port: await freeSipPort() },
      },
    });
    admin = await login(srv.base, 'admin', 'admin123');
    sites = (await api(srv.base, admin, 'GET', '/api/v1/sites')).sites.slice(0, 5);
    for (const s of sites) {
      await api(srv.base, admin, 'PATCH', `/api/v1/sites/${s.id}`,
        { transport: 'sip', address: `sip:${s.code.toLowerCase()}@127.0.0.1:${simPort}`, srtp: 'required' });
    }
    await api(srv.base, admin, 'PUT', '/api/v1/sessions/1/sites', { site_ids: sites.map((s) => s.id) });
    sim = await startSipSim(simPort, { codes: sites.map((s) => s.code) }, { g722: 2 });
    await api(srv.base, admin, 'POST', '/api/v1/sessions/1/start');
  });
  after(async () => {
    if (sim) await sim.stop();
    if (srv) await srv.stop();
  });

  test('every call connects, and each site answered with SRTP and its own SSRCs', async () => {
    await until(async () => (await calls()).filter((c) => c.state === 'connected').length === 5, 20000,
      'all 5 calls connected', seen);
    const byCode = new Map((await simStats()).map((s) => [s.code, s]));
    sites.forEach((s, i) => {
      const x = byCode.get(s.code);
      assert.equal(x.call.up, true, s.code);
      assert.equal(x.call.srtp, true, s.code);
      assert.equal(x.call.audio_codec, i < 2 ? 'G722' : 'opus', s.code);
      assert.notEqual(x.video_ssrc, siteSsrc(s.code), `${s.code}: the sim chose its own video SSRC`);
      assert.notEqual(x.audio_ssrc, siteSsrc(s.code, true), `${s.code}: and its own audio SSRC`);
    });
  });

  test('the controller takes every site\'s media by address: online, with its audio codec', async () => {
    await until(async () => (await mediaStats()).filter((s) => s.link.up && s.video?.packets > 50 && s.audio?.packets > 25).length === 5,
      20000, 'video and audio of all 5 sites counted', seen);
    const byCode = new Map((await mediaStats()).map((s) => [s.code, s]));
    sites.forEach((s, i) => {
      const m = byCode.get(s.code);
      assert.equal(m.transport, 'sip', s.code);
      assert.equal(m.audio_codec, i < 2 ? 'g722' : 'opus', s.code);
      assert.equal(m.audio.payload_type, i < 2 ? 9 : 111, s.code);
    });
    const metrics = await (await fetch(`${srv.base}/metrics`)).text();
    for (const medium of ['video', 'audio']) {
      const m = metrics.match(new RegExp(`^roomctl_ingest_dropped_packets_total\\{medium="${medium}",reason="srtp_failed"\\} (\\d+)`, 'm'));
      assert.equal(Number(m[1]), 0, `${medium}: no SRTP packet failed to authenticate`);
    }
  });

  test('every site receives and decrypts the program, video with keyframes and audio', async () => {
    const first = new Map((await simStats()).map((s) => [s.code, s.recv_packets]));
    await sleep(2000);
    await until(async () => (await simStats()).every((s) => s.recv_packets > first.get(s.code) + 50 && s.keyframes_received > 0),
      20000, 'program packets and a keyframe at every site', seen);
    for (const s of await simStats()) assert.equal(s.call.srtp_failed, 0, `${s.code}: every program packet authenticated: ${JSON.stringify(s.call)}`);
    // SRTCP from the controller: a PLI to each site as it gets the floor (the one at
    // the call's start may come before the sim's RTCP socket is bound).
    const chair = await WsClient.connect(srv.port, { token: await login(srv.base, 'chutoa', 'chutoa123') });
    try {
      for (const site of sites) {
        await chair.request('floor.site', { session_id: 1, site_id: site.id });
        await until(async () => (await simStats()).find((x) => x.code === site.code).rtcp_received > 0, 10000,
          `${site.code}: SRTCP (a PLI) from the controller once it has the floor`, seen);
      }
    } finally {
      chair.close();
    }
  });

  test('ending the session hangs up every call at the sites', async () => {
    await api(srv.base, admin, 'POST', '/api/v1/sessions/1/end');
    await until(async () => (await simStats()).every((s) => !s.call.up), 10000, 'every sim call down', seen);
    for (const s of await simStats()) assert.equal(s.call.calls, 1, s.code);
  });
});
