// Packet loss counts packets that never came, not packets that came late
// (RFC 3550 A.1/A.3): real simulated sites (roomctl-sim) with a pure 400 ms
// jitter fault (every packet delayed by 0..400 ms, so they arrive heavily
// reordered, none dropped) show about no loss, in the statistics and in
// the health rows; a real 10 % drop fault shows about 10 %.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { api, login, startLocalServer } from '../lib/integration.mjs';
import { freePort } from '../lib/server.mjs';
import { freeUdpPorts, sleep, until } from '../lib/media.mjs';
import { startSim } from '../lib/sim.mjs';
import { WsClient } from '../lib/ws-client.mjs';

const CODES = ['TINH', 'H01', 'H02'];

describe('packet loss under reordering', () => {
  let srv, admin, sim, tech, ports;
  const ids = {};
  const rows = new Map(); // site id -> health rows since the last clear
  // A 10 % drop is drawn packet by packet: over 5 s (~600 video packets) the
  // share dropped has a standard deviation of 1.2 points, and 7 % (the
  // bound) came up once in a fresh-machine run; over 10 s it is 0.85 points.
  const DROP_MS = 10_000;

  const video = async (code) => (await api(srv.base, admin, 'GET', '/api/v1/media/stats')).sites.find((s) => s.site_id === ids[code])?.video;
  /** Loss over @ms of the fault: from two snapshots of the figures, and the health rows meanwhile. */
  async function measure(code, ms) {
    await sleep(2500); // the fault settles; the health window (2 s) holds only faulted packets
    rows.set(ids[code], []);
    const a = await video(code);
    await sleep(ms);
    const b = await video(code);
    const health = rows.get(ids[code]).map((r) => r.loss_percent);
    // The settled figures: packets a second or more behind the newest, so a
    // late one is not lost at the window's end and found in the next.
    const expected = b.settled_expected - a.settled_expected, lost = b.settled_lost - a.settled_lost;
    return { expected, lost, percent: (100 * lost) / expected, health, maxHealth: Math.max(...health), meanHealth: health.reduce((x, y) => x + y, 0) / health.length };
  }

  before(async () => {
    const base = await freeUdpPorts(4);
    ports = { video: base, audio: base + 2 };
    srv = await startLocalServer({
      args: ['--demo'],
      config: {
        media: { video_port: ports.video, audio_port: ports.audio, rtsp_port: await freePort(), record: 'false' },
        health: { jitter_ms: 10000 }, // judge the loss alone
      },
    });
    admin = await login(srv.base, 'admin', 'admin123');
    const all = (await api(srv.base, admin, 'GET', '/api/v1/sites')).sites;
    for (const c of CODES) ids[c] = all.find((s) => s.code === c).id;
    await api(srv.base, admin, 'PUT', '/api/v1/sessions/1/sites', { site_ids: Object.values(ids) });
    await api(srv.base, admin, 'POST', '/api/v1/sessions/1/start');
    tech = await WsClient.connect(srv.port, { token: await login(srv.base, 'kythuat', 'kythuat123') });
    await tech.request('subscribe.health', { session_id: 1 });
    tech.sock.on('message', (data) => {
      const m = JSON.parse(data);
      if (m.type === 'health.tick') for (const r of m.body.sites) if (rows.has(r.site_id)) rows.get(r.site_id).push(r);
    });
    for (const c of CODES) rows.set(ids[c], []);
    sim = await startSim(ports, { codes: CODES });
    await until(async () => (await video('H01'))?.expected > 200, 15000, 'H01 video');
  });
  after(async () => {
    if (sim) await sim.stop();
    if (tech) tech.close();
    if (srv) await srv.stop();
  });

  test('400 ms of jitter and no packet dropped: about no loss', async (t) => {
    await sim.cmd({ cmd: 'fault', site: 'H01', jitter_ms: 400 });
    const m = await measure('H01', 5000);
    await sim.cmd({ cmd: 'fault', site: 'H01', jitter_ms: 0 });
    t.diagnostic(`jitter 400 ms: ${m.lost} of ${m.expected} lost (${m.percent.toFixed(2)} %), health loss % ${m.health.map((x) => x.toFixed(1)).join(' ')}`);
    assert.ok(m.expected > 300, `packets expected in 5 s: ${m.expected}`);
    assert.ok(Math.abs(m.percent) < 1, `loss under pure jitter: ${m.percent.toFixed(2)} %`);
    assert.ok(m.health.length >= 5, `health rows: ${m.health.length}`);
    assert.ok(m.maxHealth < 2, `health loss under pure jitter: ${m.health.join(', ')}`);
    const sent = (await sim.cmd({ cmd: 'stats', site: 'H01' }));
    t.diagnostic(`simulator: ${JSON.stringify(sent).slice(0, 300)}`);
  });

  test('a real 10 % drop: about 10 % loss', async (t) => {
    await sim.cmd({ cmd: 'fault', site: 'H02', loss: 10 });
    const m = await measure('H02', DROP_MS);
    await sim.cmd({ cmd: 'fault', site: 'H02', loss: 0 });
    t.diagnostic(`drop 10 %: ${m.lost} of ${m.expected} lost (${m.percent.toFixed(2)} %), health loss % ${m.health.map((x) => x.toFixed(1)).join(' ')}`);
    assert.ok(m.percent > 7 && m.percent < 13, `loss with 10 % dropped: ${m.percent.toFixed(2)} %`);
    assert.ok(m.meanHealth > 7 && m.meanHealth < 13, `health loss with 10 % dropped: ${m.health.join(', ')}`);
  });

  test('10 % dropped under 400 ms of jitter: still about 10 %, not more', async (t) => {
    await sim.cmd({ cmd: 'fault', site: 'H02', loss: 10, jitter_ms: 400 });
    const m = await measure('H02', DROP_MS);
    await sim.cmd({ cmd: 'fault', site: 'H02', loss: 0, jitter_ms: 0 });
    t.diagnostic(`drop 10 % + jitter 400 ms: ${m.lost} of ${m.expected} lost (${m.percent.toFixed(2)} %), health loss % ${m.health.map((x) => x.toFixed(1)).join(' ')}`);
    assert.ok(m.percent > 7 && m.percent < 13, `loss: ${m.percent.toFixed(2)} %`);
    assert.ok(m.meanHealth > 6 && m.meanHealth < 14, `health loss: ${m.health.join(', ')}`);
  });
});
