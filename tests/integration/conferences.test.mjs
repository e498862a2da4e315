// Several conferences at once on the same media ports: a province
// conference (TINH, H01) and a district meeting (H02, H03) are live
// together. Each has its own program (its own chair, its own floor), its
// own figures and health, its own RTSP path; a floor change in one leaves
// the other's program alone; a site is in one live conference at a time
// (assignment and start refused, naming the other session; the pre-session
// check reports it); a session going live during its own check ends the
// check and has its media; ending one leaves the other running and hands it
// RTSP /program.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { api, assertWireError, createSession, login, request, startLocalServer } from '../lib/integration.mjs';
import { freePort } from '../lib/server.mjs';
import { framesOf, freeUdpPorts, gst, gstSite, gstVideoReceiver, until } from '../lib/media.mjs';
import { WsClient } from '../lib/ws-client.mjs';

describe('several conferences at once', () => {
  let srv, admin, ports, rtspPort, ws;
  const procs = [];
  const site = {};
  const recv = {};
  let A, B, C;
  const media = async (sid) => api(srv.base, admin, 'GET', `/api/v1/media${sid ? `?session_id=${sid}` : ''}`);
  const stats = async (sid) => api(srv.base, admin, 'GET', `/api/v1/media/stats?session_id=${sid}`);

  before(async () => {
    const base = await freeUdpPorts(4);
    ports = { video: base, audio: base + 2 };
    rtspPort = await freePort();
    srv = await startLocalServer({
      args: ['--demo'],
      config: { media: { video_port: ports.video, audio_port: ports.audio, rtsp_port: rtspPort, rtsp_host: '127.0.0.1', record: 'false' },
        health: { check_seconds: 3 } },
    });
    admin = await login(srv.base, 'admin', 'admin123');
    const all = (await api(srv.base, admin, 'GET', '/api/v1/sites')).sites;
    for (const code of ['TINH', 'H01', 'H02', 'H03', 'H04']) {
      site[code] = all.find((s) => s.code === code);
      recv[code] = await freeUdpPorts(4);
      await api(srv.base, admin, 'PATCH', `/api/v1/sites/${site[code].id}`, { address: `127.0.0.1:${recv[code]}` });
    }
    A = await createSession(srv.base, admin, { title: 'Hội nghị tỉnh' });
    B = await createSession(srv.base, admin, { title: 'Họp Thị xã Ngọc Lâm' });
    C = await createSession(srv.base, admin, { title: 'Họp Sở Nội vụ' });
    const ids = (...codes) => ({ site_ids: codes.map((c) => site[c].id) });
    await api(srv.base, admin, 'PUT', `/api/v1/sessions/${A.id}/sites`, ids('TINH', 'H01'));
    await api(srv.base, admin, 'PUT', `/api/v1/sessions/${B.id}/sites`, ids('H02', 'H03'));
    // Assigned while nothing is live: a site may be planned into several sessions.
    await api(srv.base, admin, 'PUT', `/api/v1/sessions/${C.id}/sites`, ids('H01', 'H04'));
    await api(srv.base, admin, 'POST', `/api/v1/sessions/${A.id}/start`);
    await api(srv.base, admin, 'POST', `/api/v1/sessions/${B.id}/start`);
    procs.push(gstSite('TINH', ports, { width: 320, height: 240 }));
    procs.push(gstSite('H02', ports, { width: 640, height: 360, pattern: 'smpte' }));
    procs.push(gstSite('H03', ports, { width: 480, height: 272, pattern: 'snow' }));
    ws = await WsClient.connect(srv.port, { token: admin });
  });
  after(async () => {
    for (const p of procs) await p.stop();
    if (ws) ws.close();
    if (srv) await srv.stop();
  });

  test('each live session has its own program, chair and RTSP path', async () => {
    const all = (await media()).sessions;
    assert.deepEqual(all.map((s) => s.session_id).sort(), [A.id, B.id].sort());
    const a = all.find((s) => s.session_id === A.id), b = all.find((s) => s.session_id === B.id);
    assert.equal(a.chair_site_id, site.TINH.id, 'the province hall chairs its conference');
    assert.equal(b.chair_site_id, site.H02.id, 'without the hall, the first district chairs');
    assert.equal(a.sites, 2);
    assert.equal(b.sites, 2);
    assert.equal(a.rtsp_url, `rtsp://127.0.0.1:${rtspPort}/session/${A.id}`);
    assert.equal(b.rtsp_url, `rtsp://127.0.0.1:${rtspPort}/session/${B.id}`);
    assert.equal(a.rtsp_program, true, 'the first live session is also at /program');
    assert.equal(b.rtsp_program, false);
    const atH01 = gstVideoReceiver(recv.H01), atH03 = gstVideoReceiver(recv.H03);
    procs.push(atH01, atH03);
    const seen = () => ({ H01: framesOf(atH01), H03: framesOf(atH03) });
    await until(() => framesOf(atH01).width === 320 && framesOf(atH01).frames > 20, 15000, 'H01 sees its chair TINH (320 wide)', seen);
    await until(() => framesOf(atH03).width === 640 && framesOf(atH03).frames > 20, 15000, 'H03 sees its chair H02 (640 wide)', seen);
    await atH01.stop();
    await atH03.stop();
  });

  test('a floor change in one conference leaves the other\'s program alone', async () => {
    const atH01 = gstVideoReceiver(recv.H01), atH02 = gstVideoReceiver(recv.H02);
    procs.push(atH01, atH02);
    const seen = () => ({ H01: framesOf(atH01), H02: framesOf(atH02) });
    await until(async () => { const s = (await stats(B.id)).sites.find((x) => x.code === 'H03'); return s && s.video && s.video.packets > 50; }, 10000, 'H03 sends');
    const ack = await ws.request('floor.site', { session_id: B.id, site_id: site.H03.id });
    assert.equal(ack.session_id, B.id);
    assert.equal(ack.floor_site_id, site.H03.id);
    await until(async () => (await media(B.id)).source_site_id === site.H03.id, 5000, 'B switches to H03');
    await until(() => framesOf(atH02).width === 480 && framesOf(atH02).frames > 10, 15000, 'H02 sees H03 (480 wide)', seen);
    await until(() => framesOf(atH01).width === 320 && framesOf(atH01).frames > 10, 15000, 'H01 still sees TINH', seen);
    const a = await media(A.id);
    assert.equal(a.floor_site_id, 0);
    assert.equal(a.source_site_id, site.TINH.id, 'A\'s program did not move');
    // The floor log is each session's own.
    const floorA = (await api(srv.base, admin, 'GET', `/api/v1/sessions/${A.id}/floor`)).floor;
    assert.ok(!floorA.some((f) => f.site_id === site.H03.id), JSON.stringify(floorA));
    await atH01.stop();
    await atH02.stop();
  });

  test('figures and health are per conference', async () => {
    const codes = async (sid) => (await stats(sid)).sites.map((s) => s.code).sort();
    await until(async () => (await codes(B.id)).length === 2, 5000, 'B\'s two sites in its figures');
    assert.deepEqual(await codes(B.id), ['H02', 'H03']);
    assert.ok((await codes(A.id)).every((c) => ['TINH', 'H01'].includes(c)), JSON.stringify(await codes(A.id)));
    const snap = await ws.request('subscribe.health', { session_id: B.id });
    assert.equal(snap.session_id, B.id);
    assert.equal(snap.media.session_id, B.id);
    const tick = await ws.waitFor((m) => m.type === 'health.tick' && m.body.sites.length === 2, 5000);
    const ids = tick.body.sites.map((s) => s.site_id).sort((x, y) => x - y);
    assert.deepEqual(ids, [site.H02.id, site.H03.id].sort((x, y) => x - y));
    assert.equal(tick.body.counts.online, 2);
    await ws.request('unsubscribe.health', { session_id: B.id });
    // /metrics has every conference's sites, each once.
    const text = await (await fetch(`${srv.base}/metrics`)).text();
    for (const code of ['TINH', 'H02', 'H03'])
      assert.equal([...text.matchAll(new RegExp(`^roomctl_site_up\\{site="${code}",`, 'gm'))].length, 1, code);
  });

  test('a site is in one live conference at a time: assignment and start are refused, naming the other session', async () => {
    const res = await request(srv.base, admin, 'PUT', `/api/v1/sessions/${B.id}/sites`,
      { site_ids: [site.H02.id, site.H03.id, site.H01.id] });
    assertWireError(res, 1201, undefined, 'a busy site into a live session');
    assert.match(res.json.error.reason, new RegExp(`H01 .*live session ${A.id} \\(Hội nghị tỉnh\\)`), res.json.error.reason);
    assert.equal((await api(srv.base, admin, 'GET', `/api/v1/sessions/${B.id}/sites`)).sites.length, 2, 'B kept its sites');
    const start = await request(srv.base, admin, 'POST', `/api/v1/sessions/${C.id}/start`);
    assertWireError(start, 1201, undefined, 'a session with a busy site goes live');
    assert.match(start.json.error.reason, new RegExp(`H01 .*live session ${A.id} \\(Hội nghị tỉnh\\)`));
    assert.equal((await api(srv.base, admin, 'GET', `/api/v1/sessions/${C.id}`)).status, 'scheduled');
  });

  test('the pre-session check runs beside the live conferences and reports a busy site', async () => {
    const { check_id } = await api(srv.base, admin, 'POST', `/api/v1/sessions/${C.id}/check`);
    assert.ok(check_id > 0);
    const done = await until(async () => {
      const { checks } = await api(srv.base, admin, 'GET', `/api/v1/sessions/${C.id}/checks`);
      const c = checks.find((x) => x.id === check_id);
      return c && c.result && c;
    }, 15000, 'the check result');
    const h01 = done.result.sites.find((s) => s.code === 'H01');
    assert.equal(h01.verdict, 'busy');
    assert.deepEqual(h01.busy, { session_id: A.id, title: 'Hội nghị tỉnh' });
    assert.equal(done.result.busy, 1);
    assert.equal(done.result.sites.find((s) => s.code === 'H04').verdict, 'absent');
    // The live conferences kept their sites and programs.
    assert.equal((await media(A.id)).sites, 2);
    assert.equal((await media(B.id)).source_site_id, site.H03.id);
  });

  test('a session that goes live during its own pre-session check: the check ends with what it saw, the session has its media', async () => {
    const D = await createSession(srv.base, admin, { title: 'Họp Huyện Vân Sơn' });
    await api(srv.base, admin, 'PUT', `/api/v1/sessions/${D.id}/sites`, { site_ids: [site.H04.id] });
    const { check_id } = await api(srv.base, admin, 'POST', `/api/v1/sessions/${D.id}/check`);
    await api(srv.base, admin, 'POST', `/api/v1/sessions/${D.id}/start`);
    const d = await media(D.id);
    assert.equal(d.session_id, D.id);
    assert.equal(d.rtsp_url, `rtsp://127.0.0.1:${rtspPort}/session/${D.id}`, 'a live program, not the check');
    const { checks } = await api(srv.base, admin, 'GET', `/api/v1/sessions/${D.id}/checks`);
    const c = checks.find((x) => x.id === check_id);
    assert.ok(c.finished_at && c.result, `the check is finished: ${JSON.stringify(c)}`);
    const alarms = (await api(srv.base, admin, 'GET', `/api/v1/alarms?session_id=${D.id}&active=1`)).alarms;
    assert.deepEqual(alarms.filter((a) => a.kind === 'media'), [], 'no media alarm');
    await api(srv.base, admin, 'POST', `/api/v1/sessions/${D.id}/end`);
    assert.equal((await media(D.id)).session_id, 0);
  });

  test('RTSP serves each conference at its own path', async () => {
    const play = (p) => gst(['rtspsrc', `location=rtsp://127.0.0.1:${rtspPort}${p}`, 'latency=100', '!', 'rtph264depay', '!',
      'h264parse', '!', 'avdec_h264', '!', 'videoconvert', '!', 'fakesink', 'silent=false'], { verbose: true });
    const b = play(`/session/${B.id}`), prog = play('/program');
    procs.push(b, prog);
    const seen = () => ({ b: framesOf(b), program: framesOf(prog) });
    await until(() => framesOf(b).width === 480 && framesOf(b).frames > 10, 20000, 'B\'s program (H03, 480 wide)', seen);
    await until(() => framesOf(prog).width === 320 && framesOf(prog).frames > 10, 20000, '/program is A\'s (TINH, 320 wide)', seen);
    await b.stop();
    await prog.stop();
  });

  test('a unit\'s technician sees and checks only its own unit\'s conferences', async () => {
    const unit = await api(srv.base, admin, 'POST', '/api/v1/organisations',
      { code: 'SO-KT', name: 'Sở Kiểm thử', kind: 'department', parent_id: 1 });
    await api(srv.base, admin, 'PATCH', `/api/v1/sessions/${B.id}`, { organisation_id: unit.id });
    await api(srv.base, admin, 'POST', '/api/v1/users', { username: 'kythuat.so', full_name: 'Kỹ thuật Sở', role: 'technician',
      password: 'kythuat123', organisation_id: unit.id });
    const tech = await login(srv.base, 'kythuat.so', 'kythuat123');
    const mine = await api(srv.base, tech, 'GET', '/api/v1/media');
    assert.deepEqual(mine.sessions.map((s) => s.session_id), [B.id], 'only its unit\'s live conference');
    assert.equal(mine.session_id, B.id);
    for (const path of [`/api/v1/media?session_id=${A.id}`, `/api/v1/media/stats?session_id=${A.id}`])
      assert.equal((await request(srv.base, tech, 'GET', path)).status, 404, path);
    assert.equal((await request(srv.base, tech, 'GET', `/api/v1/media/stats?session_id=${B.id}`)).status, 200);
    const t = await WsClient.connect(srv.port, { token: tech });
    await assert.rejects(t.request('subscribe.health', { session_id: A.id }), (e) => e.body?.code === 1200);
    await t.request('subscribe.health', { session_id: B.id });
    t.close();
    await api(srv.base, admin, 'PATCH', `/api/v1/sessions/${B.id}`, { organisation_id: 1 });
  });

  test('ending one conference leaves the other running, and /program goes to it', async () => {
    const atH02 = gstVideoReceiver(recv.H02);
    procs.push(atH02);
    await until(() => framesOf(atH02).frames > 10, 15000, 'H02 receives B\'s program');
    await api(srv.base, admin, 'POST', `/api/v1/sessions/${A.id}/end`);
    const all = (await media()).sessions;
    assert.deepEqual(all.map((s) => s.session_id), [B.id]);
    assert.equal(all[0].rtsp_program, true, '/program now shows B');
    const before = framesOf(atH02).frames;
    await until(() => framesOf(atH02).frames > before + 25, 10000, 'B\'s program goes on');
    assert.equal((await media(A.id)).session_id, 0, 'A has no media any more');
    await atH02.stop();
    // H01 is free again: C may go live now, beside B.
    await api(srv.base, admin, 'POST', `/api/v1/sessions/${C.id}/start`);
    assert.deepEqual((await media()).sessions.map((s) => s.session_id).sort(), [B.id, C.id].sort());
    assert.equal((await fetch(`${srv.base}/healthz`)).status, 200);
  });
});
