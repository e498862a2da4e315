// Cascade, first step: a district's roomctl joins the province's session as
// one SIP site, over one call it makes itself (dial-out at its session's
// start, digest and mandatory SDES-SRTP), two roomctl instances on loopback.
// On the district the province is a site too (transport sip, its address
// the province's conference URI); it is the district session's chair site,
// so the district's program, redistributed to its communes, is the
// province's program. The district's own program goes up: asked for up the
// link (floor.uplink.request: "*1" by INFO on its call, which the province
// lists as its site H01 asking) and granted the floor on the province, the
// district site brings the district's floor holder's picture to the
// province's sites. The link is one stream each way. Killed
// by the province, the link leaves the district's session running, and the
// district calls again.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { api, freePort, login } from '../lib/server.mjs';
import { startLocalServer } from '../lib/integration.mjs';
import { framesOf, freeUdpPorts, gstSite, gstVideoReceiver, until } from '../lib/media.mjs';
import { freeSipPort } from '../lib/sipp.mjs';
import { WsClient } from '../lib/ws-client.mjs';

describe('cascade: a district controller is one SIP site of the province', () => {
  const province = {}, district = {}, procs = [], sockets = [];

  /** One roomctl with the demo's data, its media and SIP on free ports. */
  const start = async (who) => {
    who.sipPort = await freeSipPort();
    const base = await freeUdpPorts(4);
    who.ports = { video: base, audio: base + 2 };
    who.srv = await startLocalServer({
      args: ['--demo'],
      config: {
        media: { video_port: who.ports.video, audio_port: who.ports.audio, rtsp_port: await freePort(), record: 'false', webrtc_port: 0 },
        sip: { port: who.sipPort },
      },
    });
    who.admin = await login(who.srv.base, 'admin', 'admin123');
    const all = (await api(who.srv.base, who.admin, 'GET', '/api/v1/sites')).sites;
    who.site = (code) => all.find((s) => s.code === code);
    who.stats = async (code) => (await api(who.srv.base, who.admin, 'GET', '/api/v1/media/stats')).sites.find((s) => s.code === code);
    who.calls = async () => (await api(who.srv.base, who.admin, 'GET', '/api/v1/sessions/1/sip/calls')).calls;
    who.siteFloor = async () => (await api(who.srv.base, who.admin, 'GET', '/api/v1/sessions/1/site-floor')).sites;
    who.chair = await WsClient.connect(who.srv.port, { token: await login(who.srv.base, 'chutoa', 'chutoa123') });
    sockets.push(who.chair);
  };
  const seen = () => ({ province: province.srv.stderr.slice(-1500), district: district.srv.stderr.slice(-1500) });

  before(async () => {
    await start(province);
    await start(district);
    // The province: TINH its chair's hall (640 wide), H01 the district (SIP), H03 a commune of the province (plain RTP).
    province.recvH03 = await freeUdpPorts(4);
    await api(province.srv.base, province.admin, 'PATCH', `/api/v1/sites/${province.site('H01').id}`,
      { transport: 'sip', address: '', sip_user: 'huyen01', sip_password: 'lien-ket-huyen-01', srtp: 'required' });
    await api(province.srv.base, province.admin, 'PATCH', `/api/v1/sites/${province.site('H03').id}`, { address: `127.0.0.1:${province.recvH03}` });
    await api(province.srv.base, province.admin, 'PUT', '/api/v1/sessions/1/sites',
      { site_ids: ['TINH', 'H01', 'H03'].map((c) => province.site(c).id) });
    await api(province.srv.base, province.admin, 'POST', '/api/v1/sessions/1/start');
    procs.push(gstSite('TINH', province.ports, { width: 640, height: 360 }));
    // The district: TINH is the province (SIP, called with the district's credentials), H02 a hall of the
    // district (480 wide), H04 a commune of the district (plain RTP, receives the district's program).
    district.recvH04 = await freeUdpPorts(4);
    await api(district.srv.base, district.admin, 'PATCH', `/api/v1/sites/${district.site('TINH').id}`,
      { transport: 'sip', address: `sip:phien-1@127.0.0.1:${province.sipPort}`, sip_user: 'huyen01', sip_password: 'lien-ket-huyen-01', srtp: 'required' });
    await api(district.srv.base, district.admin, 'PATCH', `/api/v1/sites/${district.site('H04').id}`, { address: `127.0.0.1:${district.recvH04}` });
    await api(district.srv.base, district.admin, 'PUT', '/api/v1/sessions/1/sites',
      { site_ids: ['TINH', 'H02', 'H04'].map((c) => district.site(c).id) });
    procs.push(gstSite('H02', district.ports, { width: 480, height: 270 }));
    await api(district.srv.base, district.admin, 'POST', '/api/v1/sessions/1/start');
  });
  after(async () => {
    for (const p of procs) await p.stop();
    for (const s of sockets) s.close();
    for (const who of [district, province]) if (who.srv) await who.srv.stop();
  });

  test('the district calls the province at its session\'s start; one SRTP link carries each program', async () => {
    const up = await until(async () => (await province.calls()).find((c) => c.site_code === 'H01' && c.state === 'connected'),
      20000, 'the district\'s call connected at the province', seen);
    assert.equal(up.direction, 'in');
    assert.equal(up.caller, 'digest');
    assert.equal(up.media.video.srtp, true);
    const out = (await district.calls()).find((c) => c.site_code === 'TINH' && c.state === 'connected');
    assert.equal(out.direction, 'out');
    // Each side hears the other as one site.
    let p = null, d = null;
    // (A site is in the figures from the media's first tick on: the call may be quicker.)
    await until(async () => (p = await province.stats('H01'))?.link.up && p.video?.packets > 100 && p.audio?.packets > 50,
      20000, 'the province hears the district', () => ({ p, ...seen() }));
    await until(async () => (d = await district.stats('TINH'))?.link.up && d.video?.packets > 100 && d.audio?.packets > 50,
      20000, 'the district hears the province', () => ({ d, ...seen() }));
  });

  test('a commune of the district sees the province chair\'s picture', async () => {
    const atH04 = gstVideoReceiver(district.recvH04);
    procs.push(atH04);
    await until(() => framesOf(atH04).width === 640, 20000, 'H04 (district commune) decodes the province chair (640 wide)',
      () => ({ frames: framesOf(atH04), ...seen() }));
  });

  test('the floor on the province to the district brings the district\'s floor holder to the province\'s sites', async () => {
    const atH03 = gstVideoReceiver(province.recvH03);
    procs.push(atH03);
    await until(() => framesOf(atH03).width === 640, 20000, 'H03 (province commune) decodes the province chair', () => framesOf(atH03));
    // The district gives its floor to its own hall H02: the district's program, which goes up, shows H02.
    assert.equal((await district.chair.request('floor.site', { session_id: 1, site_id: district.site('H02').id })).floor_site_id,
      district.site('H02').id);
    // The district asks the province for the floor up its link ("*1" by INFO on its call): the province lists H01 asking.
    const up = await district.chair.request('floor.uplink.request', { session_id: 1 });
    assert.equal(up.site_id, district.site('TINH').id);
    assert.equal(up.keys, '*1');
    const asking = await until(async () => (await province.siteFloor()).find((s) => s.code === 'H01'), 10000,
      'the province lists its site H01 (the district) asking for the floor', seen);
    assert.equal(asking.via, 'keypad');
    assert.equal((await province.chair.request('floor.site', { session_id: 1, site_id: province.site('H01').id })).floor_site_id,
      province.site('H01').id);
    assert.deepEqual(await province.siteFloor(), [], 'the floor given ends H01\'s request');
    await until(() => framesOf(atH03).width === 480, 20000, 'H03 decodes the district hall H02 (480 wide) through the link',
      () => ({ frames: framesOf(atH03), ...seen() }));
  });

  test('the district asks up the link again and withdraws ("*0"); without a SIP chair site it cannot ask', async () => {
    await district.chair.request('floor.uplink.request', { session_id: 1 });
    await until(async () => (await province.siteFloor()).some((s) => s.code === 'H01'), 10000, 'H01 asks again', seen);
    assert.equal((await district.chair.request('floor.uplink.withdraw', { session_id: 1 })).keys, '*0');
    await until(async () => (await province.siteFloor()).length === 0, 10000, 'H01 withdrew', seen);
    const { audit } = await api(district.srv.base, district.admin, 'GET', '/api/v1/audit?limit=50');
    assert.deepEqual(audit.filter((a) => a.action.startsWith('floor.uplink.')).map((a) => a.action),
      ['floor.uplink.withdraw', 'floor.uplink.request', 'floor.uplink.request']);
    // The province's own chair site (TINH) is no SIP call: nothing to ask.
    await assert.rejects(province.chair.request('floor.uplink.request', { session_id: 1 }),
      (e) => /no connected SIP call|no SIP call/.test(e.message || JSON.stringify(e.body)));
  });

  test('the link killed: the district\'s session runs on, the province sees one site\'s link down, and the district calls again', async () => {
    const first = (await province.calls()).find((c) => c.site_code === 'H01' && c.state === 'connected');
    await api(province.srv.base, province.admin, 'POST', '/api/v1/sessions/1/sip/hangup', { site_id: province.site('H01').id });
    await until(async () => !(await province.stats('H01')).link.up, 10000, 'the district\'s link down at the province', seen);
    // The district's own meeting goes on: its session is live and its hall is heard.
    const live = await api(district.srv.base, district.admin, 'GET', '/api/v1/sessions/1');
    assert.equal((live.session || live).status, 'live');
    const h02 = await district.stats('H02');
    await until(async () => (await district.stats('H02')).video.packets > h02.video.packets + 50, 5000, 'H02 still heard at the district');
    // The district redials (the province hung up: for the district, the site ended the call).
    const again = await until(async () => (await province.calls()).find((c) => c.site_code === 'H01' && c.state === 'connected' && c.id !== first.id),
      30000, 'the district called again', seen);
    assert.equal(again.direction, 'in');
    let p = null;
    await until(async () => (p = await province.stats('H01'))?.link.up && p.video?.bitrate_bps > 0, 15000, 'the district heard again',
      () => ({ p, ...seen() }));
  });
});
