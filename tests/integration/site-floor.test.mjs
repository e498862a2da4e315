// A site asks for the floor (app/site-floor.c): from /site/ with its
// credential (POST/DELETE /api/v1/site/floor), or staff for it (WS
// floor.site.request); the session keeps the sites asking in order with the
// time asked, tells its chair (floor.sites.updated), keeps them over a
// restart, and the chair's floor.site to a site ends its request. Each
// request and withdrawal is audited.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import dgram from 'node:dgram';
import os from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { api, freePort, login, reapOnExit, request } from '../lib/server.mjs';
import { startLocalServer } from '../lib/integration.mjs';
import { freeUdpPorts, sleep, until } from '../lib/media.mjs';
import { freeSipPort } from '../lib/sipp.mjs';
import { WsClient } from '../lib/ws-client.mjs';

describe('a site asks for the floor', () => {
  let srv = null, admin = null, chair = null, secret = null, config = null;
  const site = {};
  const sockets = [];
  const codes = (list) => list.sites.map((s) => s.code).join(',');
  const asSite = (method) => request(srv.base, secret, method, '/api/v1/site/floor');
  const connectChair = async () => {
    chair = await WsClient.connect(srv.port, { token: await login(srv.base, 'chutoa', 'chutoa123') });
    sockets.push(chair);
    return chair.request('subscribe', { session_id: 1 });
  };

  before(async () => {
    const base = await freeUdpPorts(4);
    config = { media: { video_port: base, audio_port: base + 2, rtsp_port: await freePort(), record: 'false', webrtc_port: 0 } };
    srv = await startLocalServer({ args: ['--demo'], config, keep: true });
    admin = await login(srv.base, 'admin', 'admin123');
    const all = (await api(srv.base, admin, 'GET', '/api/v1/sites')).sites;
    for (const code of ['TINH', 'H01', 'H02', 'H03']) site[code] = all.find((s) => s.code === code);
    await api(srv.base, admin, 'PATCH', `/api/v1/sites/${site.H01.id}`, { transport: 'webrtc', address: '' });
    secret = (await api(srv.base, admin, 'POST', `/api/v1/sites/${site.H01.id}/credential`)).secret;
    await api(srv.base, admin, 'PUT', '/api/v1/sessions/1/sites', { site_ids: ['TINH', 'H01', 'H02'].map((c) => site[c].id) });
  });
  after(async () => {
    for (const s of sockets) s.close();
    if (srv) {
      await srv.stop();
      await fs.rm(srv.dataDir, { recursive: true, force: true });
    }
  });

  test('only in a live session; a user\'s login is not a site', async () => {
    const early = await asSite('POST');
    assert.equal(early.status, 409, early.text);
    assert.match(early.text, /no live session/);
    const user = await request(srv.base, admin, 'POST', '/api/v1/site/floor');
    assert.equal(user.status, 403, user.text);
    await api(srv.base, admin, 'POST', '/api/v1/sessions/1/start');
  });

  test('the site asks, staff ask for another; the chair is told, in the order asked', async () => {
    await connectChair();
    const mine = await asSite('POST');
    assert.equal(mine.status, 200, mine.text);
    assert.equal(codes(mine.json), 'H01');
    assert.equal(mine.json.sites[0].via, 'site');
    assert.match(mine.json.sites[0].requested_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    const told = await chair.waitForEvent('floor.sites.updated', 1);
    assert.equal(codes(told.body), 'H01');
    const staff = await chair.request('floor.site.request', { session_id: 1, site_id: site.H02.id });
    assert.equal(codes(staff), 'H01,H02');
    assert.equal((await asSite('POST')).json.sites.map((s) => s.code).join(','), 'H01,H02', 'asking again keeps the place');
    await assert.rejects(chair.request('floor.site.request', { session_id: 1, site_id: site.H03.id }),
      (e) => /not a site of this session/.test(e.message || JSON.stringify(e.body)));
    assert.equal(codes(await api(srv.base, admin, 'GET', '/api/v1/sessions/1/site-floor')), 'H01,H02');
    const { audit } = await api(srv.base, admin, 'GET', '/api/v1/audit?limit=50');
    assert.equal(audit.filter((a) => a.action === 'floor.site.request').length, 2);
  });

  test('a restarted controller keeps the sites asking', async () => {
    const dataDir = srv.dataDir;
    for (const s of sockets.splice(0)) s.close();
    await srv.stop();
    srv = await startLocalServer({ args: ['--demo'], config, dataDir, keep: true });
    admin = await login(srv.base, 'admin', 'admin123');
    assert.equal(codes(await api(srv.base, admin, 'GET', '/api/v1/sessions/1/site-floor')), 'H01,H02');
    await connectChair();
    const snap = await chair.waitFor((m) => m.type === 'snapshot');
    assert.equal(codes(snap.body.live.site_floor), 'H01,H02', 'in the snapshot a console starts from');
  });

  test('the chair gives a site the floor: its request ends; the other withdraws', async () => {
    const program = await chair.request('floor.site', { session_id: 1, site_id: site.H02.id });
    assert.equal(program.floor_site_id, site.H02.id);
    const told = await chair.waitFor((m) => m.type === 'floor.sites.updated' && codes(m.body) === 'H01');
    assert.ok(told);
    const gone = await asSite('DELETE');
    assert.equal(gone.status, 200, gone.text);
    assert.equal(gone.json.sites.length, 0);
    const again = await asSite('DELETE');
    assert.equal(again.status, 404, again.text);
    const { audit } = await api(srv.base, admin, 'GET', '/api/v1/audit?limit=50');
    assert.equal(audit.filter((a) => a.action === 'floor.site.withdraw').length, 1);
  });
});

// The keypad in the audio: baresip (Debian's) calls in with Opus and
// telephone-event/8000; keys typed at its console (the cons module: a key,
// then its release, each a datagram) go as RFC 4733 events in its SRTP audio, which roomctl
// reads on the ingest's thread: "*1" asks for the floor, "*0" withdraws.
describe('a SIP site asks for the floor by its keypad in the audio (RFC 4733)', () => {
  let srv = null, admin = null, work = null, baresip = null, out = '', consPort = 0;
  const site = {};
  const seen = () => ({ baresip: out.slice(-1500), roomctl: srv.stderr.slice(-1500) });
  const asking = async () => (await api(srv.base, admin, 'GET', '/api/v1/sessions/1/site-floor')).sites;
  const calls = async () => (await api(srv.base, admin, 'GET', '/api/v1/sessions/1/sip/calls')).calls;
  const key = async (keys) => {
    const sock = dgram.createSocket('udp4');
    const send = (text) => new Promise((resolve) => sock.send(text, consPort, '127.0.0.1', resolve));
    for (const k of keys) {
      await send(k);
      await sleep(200); // held 200 ms, then released (baresip's KEYCODE_REL): its three end packets
      await send('\x04');
      await sleep(300);
    }
    sock.close();
  };

  before(async () => {
    work = await fs.mkdtemp(path.join(os.tmpdir(), 'roomctl-keypad-'));
    const sipPort = await freeSipPort();
    const base = await freeUdpPorts(4);
    srv = await startLocalServer({
      args: ['--demo'],
      config: {
        media: { video_port: base, audio_port: base + 2, rtsp_port: await freePort(), record: 'false', webrtc_port: 0 },
        sip: { port: sipPort },
      },
    });
    admin = await login(srv.base, 'admin', 'admin123');
    const all = (await api(srv.base, admin, 'GET', '/api/v1/sites')).sites;
    for (const code of ['TINH', 'H15']) site[code] = all.find((s) => s.code === code);
    await api(srv.base, admin, 'PATCH', `/api/v1/sites/${site.H15.id}`,
      { transport: 'sip', address: '', sip_user: 'h15', sip_password: 'h15-secret', srtp: 'required' });
    await api(srv.base, admin, 'PUT', '/api/v1/sessions/1/sites', { site_ids: [site.TINH.id, site.H15.id] });
    await api(srv.base, admin, 'POST', '/api/v1/sessions/1/start');
    consPort = (await freeUdpPorts(2));
    const local = await freeSipPort();
    await fs.writeFile(path.join(work, 'config'), [
      `sip_listen 127.0.0.1:${local}`, 'audio_player aubridge,nil', 'audio_source ausine,440', 'audio_alert aubridge,nil',
      'rtcp_mux no', 'net_interface 127.0.0.1', `cons_listen 127.0.0.1:${consPort}`,
      'module_path /usr/lib/baresip/modules',
      ...['cons', 'opus', 'g711', 'ausine', 'aubridge', 'srtp'].map((m) => `module ${m}.so`),
      'module_app account.so', 'module_app menu.so', ''].join('\n'));
    await fs.writeFile(path.join(work, 'accounts'),
      `<sip:h15@127.0.0.1:${sipPort};transport=udp>;auth_pass=h15-secret;regint=300;mediaenc=srtp-mand;answermode=manual\n`);
    baresip = reapOnExit(spawn('baresip', ['-f', work, '-e', `/dial sip:phien-1@127.0.0.1:${sipPort}`, '-t', '120'],
      { stdio: ['ignore', 'pipe', 'pipe'] }));
    baresip.stdout.on('data', (d) => { out += d; if (out.length > 50_000) out = out.slice(-20_000); });
    baresip.stderr.on('data', (d) => { out += d; });
  });
  after(async () => {
    if (baresip && baresip.exitCode === null) baresip.kill('SIGKILL');
    if (srv) await srv.stop();
    if (work) await fs.rm(work, { recursive: true, force: true });
  });

  test('baresip keys "*1": H15 asks for the floor (via keypad); "*0" withdraws', async () => {
    const call = await until(async () => (await calls()).find((c) => c.site_code === 'H15' && c.state === 'connected'),
      15000, 'baresip connected', seen);
    assert.equal(call.media.audio.codec, 'opus');
    assert.equal(call.media.audio.telephone_event, 101, 'telephone-event/8000 answered');
    assert.equal(call.media.audio.srtp, true);
    await sleep(500); // its audio flows (the binding settles) before the keys
    await key(['*', '1']);
    const mine = await until(async () => (await asking()).find((s) => s.code === 'H15'), 5000,
      'H15 asks for the floor after "*1" in its audio', seen);
    assert.equal(mine.via, 'keypad');
    assert.match(srv.stderr, /site H15, session 1: keyed \* \(RTP, \d+ ms\)/);
    await key(['*', '0']);
    await until(async () => (await asking()).length === 0, 5000, 'H15 withdrew after "*0"', seen);
    const record = (await calls()).find((c) => c.id === call.id);
    assert.equal(record.dtmf, '*1*0', 'each key once: no retransmitted end counted twice');
  });
});
