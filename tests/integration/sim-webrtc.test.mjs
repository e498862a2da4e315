// roomctl-sim's WebRTC load modes against the real controller: 3 WHEP
// viewers of a live session's program (one plain-RTP sim site sends it) and
// 2 WHIP publishers (sites of transport "webrtc", each with its credential).
// The simulator is the load side of tests/bench/webrtc.mjs; this checks that
// its own ICE/DTLS/SRTP path works before a benchmark trusts its figures.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { api, login, startLocalServer } from '../lib/integration.mjs';
import { freePort } from '../lib/server.mjs';
import { freeUdpPorts, until } from '../lib/media.mjs';
import { SIM, startSim } from '../lib/sim.mjs';
import { WsClient } from '../lib/ws-client.mjs';

/** Runs roomctl-sim with @args to its end; resolves with its JSON report. */
function runSim(args, dir, name) {
  const report = path.join(dir, `${name}.json`);
  const proc = spawn(SIM, [...args, '--report', report, '-q'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout.on('data', (d) => { out += d; });
  proc.stderr.on('data', (d) => { out += d; });
  const done = new Promise((resolve, reject) => proc.on('exit', (code) => {
    if (code !== 0) return reject(new Error(`roomctl-sim ${name} exited ${code}: ${out}`));
    resolve(JSON.parse(fs.readFileSync(report, 'utf8')));
  }));
  return { proc, done, output: () => out };
}

describe('roomctl-sim WebRTC load modes', () => {
  let srv, admin, sim, tech, dir;
  const publishers = [];

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sim-webrtc-'));
    const base = await freeUdpPorts(6);
    const ports = { video: base, audio: base + 2 };
    srv = await startLocalServer({
      args: ['--demo'],
      config: { media: { video_port: ports.video, audio_port: ports.audio, rtsp_port: await freePort(), record: 'false',
        webrtc_port: base + 4, webrtc_offers_per_minute: 1000 }, health: { check_seconds: 3 } },
    });
    admin = await login(srv.base, 'admin', 'admin123');
    const all = (await api(srv.base, admin, 'GET', '/api/v1/sites')).sites;
    const secrets = [];
    for (const s of all.slice(1, 3)) {
      await api(srv.base, admin, 'PATCH', `/api/v1/sites/${s.id}`, { transport: 'webrtc' });
      secrets.push((await api(srv.base, admin, 'POST', `/api/v1/sites/${s.id}/credential`)).secret);
      publishers.push(s);
    }
    fs.writeFileSync(path.join(dir, 'tokens'), `${secrets.join('\n')}\n`);
    await api(srv.base, admin, 'PUT', '/api/v1/sessions/1/sites', { site_ids: all.slice(0, 3).map((s) => s.id) });
    await api(srv.base, admin, 'POST', '/api/v1/sessions/1/start');
    sim = await startSim(ports, { codes: [all[0].code] }); // the program's source
    tech = await WsClient.connect(srv.port, { token: await login(srv.base, 'kythuat', 'kythuat123') });
  });

  after(async () => {
    if (tech) await tech.close();
    if (sim) await sim.stop();
    if (srv) await srv.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  test('3 WHEP viewers connect and receive the program video and the mix', async () => {
    const run = runSim(['--whep', `${srv.base}/api/v1/sessions/1/whep`, '--token', admin, '--viewers', '3', '--seconds', '6'],
      dir, 'whep');
    const report = await run.done;
    assert.equal(report.peers.length, 3);
    for (const v of report.peers) {
      const what = `viewer ${v.index}: ${JSON.stringify(v)}`;
      assert.equal(v.http_status, 201, what);
      assert.equal(v.connected, true, what);
      assert.ok(v.video_packets > 50, what);
      assert.ok(v.audio_packets > 50, what);
      assert.ok(v.offer_to_keyframe_ms !== null, `a keyframe reached ${what}`);
      assert.equal(v.lost, 0, what);
    }
  });

  test('2 WHIP publishers connect and their sites are online', async () => {
    const run = runSim(['--whip', `${srv.base}/api/v1/whip`, '--tokens', path.join(dir, 'tokens'), '--publishers', '2',
      '--seconds', '12'], dir, 'whip');
    await tech.request('subscribe.health', { session_id: 1 });
    const ids = publishers.map((s) => s.id);
    let last = null;
    await until(async () => {
      const tick = await tech.waitFor((m) => m.type === 'health.tick', 5000);
      last = tick.body.sites.filter((s) => ids.includes(s.site_id));
      return last.length === 2 && last.every((s) => s.state === 'online');
    }, 10000, 'both WHIP sites online').catch((e) => { throw new Error(`${e.message}: ${JSON.stringify(last)}`); });
    await tech.request('unsubscribe.health', { session_id: 1 });
    const report = await run.done;
    for (const p of report.peers) {
      assert.equal(p.connected, true, JSON.stringify(p));
      assert.ok(p.sent_packets > 500, JSON.stringify(p));
      assert.equal(p.send_failed, 0, JSON.stringify(p));
    }
  });
});
