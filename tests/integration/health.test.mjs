// Site health with real simulated sites (roomctl-sim): each fault (loss,
// jitter, frozen picture, silence, disconnect) changes the site's state and
// raises its alarm within 3 s, and the site returns to online after; flapping
// sites raise one alarm each; acknowledging twice is refused; /metrics passes
// promtool and answers 100 scrapes, 10 at a time (its rate is measured by
// make bench, not here); site attendance is recorded.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import { api, login, request, startLocalServer } from '../lib/integration.mjs';
import { freePort } from '../lib/server.mjs';
import { freeUdpPorts, sleep, until } from '../lib/media.mjs';
import { startSim } from '../lib/sim.mjs';
import { WsClient } from '../lib/ws-client.mjs';

const CODES = ['TINH', 'H01', 'H02', 'H03', 'H04', 'H05', 'H06'];

describe('site health', () => {
  let srv, admin, sim, tech, ports;
  const ids = {};
  const rows = new Map(); // site id -> latest health row
  const alarms = [];

  const state = (code) => rows.get(ids[code]);
  /** Applies a fault and resolves with how long until @pred held for the site. */
  async function faultUntil(code, fault, pred, what) {
    const t0 = Date.now();
    await sim.cmd({ cmd: 'fault', site: code, ...fault });
    await until(() => pred(state(code)), 8000, `${code} ${what}`);
    return (Date.now() - t0) / 1000;
  }

  before(async () => {
    const base = await freeUdpPorts(4);
    ports = { video: base, audio: base + 2 };
    srv = await startLocalServer({
      args: ['--demo'],
      config: {
        media: { video_port: ports.video, audio_port: ports.audio, rtsp_port: await freePort(), record: 'false' },
        health: { jitter_ms: 25, clear_seconds: 5, keyframe_seconds: 12 },
      },
    });
    admin = await login(srv.base, 'admin', 'admin123');
    const all = (await api(srv.base, admin, 'GET', '/api/v1/sites')).sites;
    for (const c of CODES) ids[c] = all.find((s) => s.code === c).id;
    await api(srv.base, admin, 'PUT', '/api/v1/sessions/1/sites', { site_ids: Object.values(ids) });
    await api(srv.base, admin, 'POST', '/api/v1/sessions/1/start');
    tech = await WsClient.connect(srv.port, { token: await login(srv.base, 'kythuat', 'kythuat123') });
    const snap = await tech.request('subscribe.health', { session_id: 1 });
    assert.equal(snap.session_id, 1);
    tech.sock.on('message', (data) => {
      const m = JSON.parse(data);
      if (m.type === 'health.tick') for (const r of m.body.sites) rows.set(r.site_id, { ...r, at: Date.now() });
      if (m.type && m.type.startsWith('alarm.')) alarms.push({ ...m, at: Date.now() });
    });
    sim = await startSim(ports, { codes: CODES });
    await until(() => CODES.every((c) => state(c) && state(c).state === 'online'), 15000, 'every site online');
  });
  after(async () => {
    if (sim) await sim.stop();
    if (tech) tech.close();
    if (srv) await srv.stop();
  });

  test('loss → degraded within 3 s, with an alarm; back to online after', async () => {
    const took = await faultUntil('H01', { loss: 25 }, (s) => s && s.state === 'degraded', 'degraded');
    assert.ok(took <= 3.5, `detected after ${took} s`);
    assert.ok(alarms.some((a) => a.type === 'alarm.raised' && a.body.alarm.site_id === ids.H01 && a.body.alarm.kind === 'degraded'));
    await faultUntil('H01', { loss: 0 }, (s) => s && s.state === 'online', 'online again');
    await until(() => alarms.some((a) => a.type === 'alarm.cleared' && a.body.alarm.site_id === ids.H01), 10000, 'H01 alarm cleared');
  });

  test('jitter → degraded within 3 s; back after', async () => {
    const took = await faultUntil('H02', { jitter_ms: 150 }, (s) => s && s.state === 'degraded', 'degraded by jitter');
    assert.ok(took <= 3.5, `detected after ${took} s`);
    await faultUntil('H02', { jitter_ms: 0 }, (s) => s && s.state === 'online', 'online again');
  });

  test('frozen picture → video problem and alarm; back after', async () => {
    const took = await faultUntil('H03', { freeze: true }, (s) => s && s.video_problem, 'video problem');
    assert.ok(took <= 3.5, `detected after ${took} s`);
    assert.equal(state('H03').state, 'online', 'reachable, with a problem');
    await until(() => alarms.some((a) => a.type === 'alarm.raised' && a.body.alarm.site_id === ids.H03 && a.body.alarm.kind === 'video'), 3000, 'video alarm');
    await faultUntil('H03', { freeze: false }, (s) => s && !s.video_problem, 'picture moving again');
  });

  test('silence → audio problem and alarm; back after', async () => {
    const took = await faultUntil('H04', { silence: true }, (s) => s && s.audio_problem, 'audio problem');
    assert.ok(took <= 3.5, `detected after ${took} s`);
    await until(() => alarms.some((a) => a.type === 'alarm.raised' && a.body.alarm.site_id === ids.H04 && a.body.alarm.kind === 'audio'), 3000, 'audio alarm');
    await faultUntil('H04', { silence: false }, (s) => s && !s.audio_problem, 'sound again');
  });

  test('disconnect → offline within 3 s with an alarm; reconnect → online; the call records both', async () => {
    const took = await faultUntil('H05', { disconnect: true }, (s) => s && s.state === 'offline', 'offline');
    assert.ok(took <= 3.5, `detected after ${took} s`);
    const raised = await until(() => alarms.find((a) => a.type === 'alarm.raised' && a.body.alarm.site_id === ids.H05 && a.body.alarm.kind === 'offline'), 3000, 'offline alarm');
    await faultUntil('H05', { disconnect: false }, (s) => s && s.state === 'online', 'online again');
    const calls = (await api(srv.base, admin, 'GET', '/api/v1/sessions/1/site-attendance')).calls.filter((c) => c.site_id === ids.H05);
    assert.ok(calls.length >= 2, `two calls for H05: ${JSON.stringify(calls)}`);
    assert.equal(calls[0].left_reason, 'the site stopped sending');
    // Acknowledge the offline alarm; a second acknowledgement is refused.
    const ack = await tech.request('alarm.ack', { alarm_id: raised.body.alarm.id });
    assert.equal(ack.alarm.acked_by_name !== null, true);
    await assert.rejects(tech.request('alarm.ack', { alarm_id: raised.body.alarm.id }), (e) => e.body.code === 1202);
    const res = await request(srv.base, admin, 'POST', `/api/v1/alarms/${raised.body.alarm.id}/ack`);
    assert.equal(res.status, 409);
  });

  test('a flapping site raises one alarm, not one per flap', async () => {
    const raisedFor = (kind) => alarms.filter((a) => a.type === 'alarm.raised' && a.body.alarm.site_id === ids.H06 && a.body.alarm.kind === kind).length;
    const before = raisedFor('offline');
    for (let i = 0; i < 4; i++) {
      await sim.cmd({ cmd: 'fault', site: 'H06', disconnect: true });
      await sleep(2600);
      await sim.cmd({ cmd: 'fault', site: 'H06', disconnect: false });
      await sleep(1200);
    }
    const raised = raisedFor('offline') - before;
    assert.equal(raised, 1, `offline alarms raised for 4 flaps: ${raised}`);
    const all = alarms.filter((a) => a.type === 'alarm.raised' && a.body.alarm.site_id === ids.H06).map((a) => a.body.alarm.kind);
    assert.ok(all.length <= 2, `alarms raised for the flapping site: ${all.join(', ')}`);
  });

  test('/metrics: valid for promtool, open only to loopback, answers 100 scrapes 10 at a time', async () => {
    const text = await (await fetch(`${srv.base}/metrics`)).text();
    assert.match(text, /^# TYPE roomctl_site_up gauge$/m);
    assert.match(text, /roomctl_site_up\{site="TINH",name="[^"]+"\} 1/);
    execFileSync('promtool', ['check', 'metrics'], { input: text }); // throws on any problem
    const statuses = [];
    for (let i = 0; i < 10; i++) {
      const batch = await Promise.all(Array.from({ length: 10 }, () => fetch(`${srv.base}/metrics`).then((r) => r.text().then((t) => (t.includes('roomctl_site_up') ? r.status : -1)))));
      statuses.push(...batch);
    }
    assert.equal(statuses.length, 100);
    assert.ok(statuses.every((s) => s === 200), `every scrape answered with the metrics: ${statuses}`);
    assert.equal((await fetch(`${srv.base}/healthz`)).status, 200);
  });

  // Last: it leaves every site offline. Each site that drops is a state
  // change, an alarm and a call closed; the tick's writes are one commit.
  test('every site dropping at once: at most one database commit per health tick', async () => {
    // /metrics is rendered at most once a second: wait past that for a fresh figure.
    const commits = async () => {
      await sleep(1100);
      const text = await (await fetch(`${srv.base}/metrics`)).text();
      return Number(text.match(/^roomctl_store_commits_total (\d+)$/m)[1]);
    };
    let ticks = 0;
    const count = (data) => { if (JSON.parse(data).type === 'health.tick') ticks++; };
    const c0 = await commits();
    tech.sock.on('message', count);
    await sim.cmd({ cmd: 'fault', site: '*', disconnect: true });
    await until(() => CODES.every((c) => state(c) && state(c).state === 'offline'), 8000, 'every site offline');
    const c1 = await commits();
    tech.sock.off('message', count);
    const calls = (await api(srv.base, admin, 'GET', '/api/v1/sessions/1/site-attendance')).calls;
    assert.ok(CODES.every((c) => calls.some((k) => k.site_id === ids[c] && k.left_reason === 'the site stopped sending')),
      'every site\'s call was closed and stored');
    assert.ok(ticks > 0, 'health ticks were seen');
    assert.ok(c1 - c0 <= ticks, `${c1 - c0} commits in ${ticks} health ticks while ${CODES.length} sites dropped`);
  });
});
