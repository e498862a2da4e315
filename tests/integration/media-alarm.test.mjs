// A live session whose media cannot come up (here: the media port is taken
// by another program) goes on without video and audio, and its technicians
// are told so by an alarm without a site that names the cause, not only by
// a log line. The alarm clears when the session ends; a session started
// once the port is free has its media.

import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { after, before, describe, test } from 'node:test';
import { ADMIN_PASSWORD, api, createSession, login, startLocalServer } from '../lib/integration.mjs';
import { freeUdpPorts } from '../lib/media.mjs';
import { WsClient } from '../lib/ws-client.mjs';

describe('a live session without its media', () => {
  let srv, admin, base, squatter;
  before(async () => {
    base = await freeUdpPorts(4);
    srv = await startLocalServer({
      config: { media: { video_port: base, audio_port: base + 2, rtsp_port: 0, record: 'false' } },
    });
    admin = await login(srv.base, 'admin', ADMIN_PASSWORD);
    squatter = dgram.createSocket('udp4');
    await new Promise((resolve) => squatter.bind(base, '127.0.0.1', resolve));
  });
  after(async () => {
    if (squatter) squatter.close();
    if (srv) await srv.stop();
  });

  test('an alarm names the cause, and clears at the end', async () => {
    const a = await createSession(srv.base, admin, { title: 'Hội nghị tỉnh' });
    const tech = await WsClient.connect(srv.port, { token: admin });
    await tech.request('subscribe.health', { session_id: a.id });
    await api(srv.base, admin, 'POST', `/api/v1/sessions/${a.id}/start`);
    assert.equal((await api(srv.base, admin, 'GET', '/api/v1/media')).sessions.length, 0, 'no session has media');

    const active = async (sid) => (await api(srv.base, admin, 'GET', `/api/v1/alarms?session_id=${sid}&active=1`)).alarms
      .filter((x) => x.kind === 'media' && !x.cleared_at);
    const [alarm] = await active(a.id);
    assert.ok(alarm, 'the session has a media alarm');
    assert.equal(alarm.site_id, null);
    assert.match(alarm.reason, new RegExp(`no video or audio for this session: UDP port ${base}: `), alarm.reason);
    const pushed = await tech.waitFor((m) => m.type === 'alarm.raised' && m.body.alarm.kind === 'media', 5000);
    assert.equal(pushed.body.alarm.id, alarm.id);

    await api(srv.base, admin, 'POST', `/api/v1/sessions/${a.id}/end`);
    assert.equal((await active(a.id)).length, 0, 'cleared at the end');
    const cleared = await tech.waitFor((m) => m.type === 'alarm.cleared' && m.body.alarm.kind === 'media', 5000);
    assert.equal(cleared.body.alarm.id, alarm.id);
    await tech.close();

    await new Promise((resolve) => squatter.close(resolve));
    squatter = null;
    const b = await createSession(srv.base, admin, { title: 'Họp sở' });
    await api(srv.base, admin, 'POST', `/api/v1/sessions/${b.id}/start`);
    assert.equal((await api(srv.base, admin, 'GET', '/api/v1/media')).session_id, b.id, 'the port is free: media up');
    assert.equal((await active(b.id)).length, 0);
  });
});
