// One conference has the media at a time (until media is per session): a
// second session that goes live meanwhile runs without video and audio, and
// its technicians are told so by an alarm that names the session holding the
// media, not only by a log line. The alarm clears when the session ends.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ADMIN_PASSWORD, api, createSession, login, startLocalServer } from '../lib/integration.mjs';
import { freeUdpPorts } from '../lib/media.mjs';
import { WsClient } from '../lib/ws-client.mjs';

describe('a second live session without the media', () => {
  let srv, admin;
  before(async () => {
    const base = await freeUdpPorts(4);
    srv = await startLocalServer({
      config: { media: { video_port: base, audio_port: base + 2, rtsp_port: 0, record: 'false' } },
    });
    admin = await login(srv.base, 'admin', ADMIN_PASSWORD);
  });
  after(async () => { if (srv) await srv.stop(); });

  test('an alarm names the session that has the media, and clears at the end', async () => {
    const a = await createSession(srv.base, admin, { title: 'Hội nghị tỉnh' });
    const b = await createSession(srv.base, admin, { title: 'Họp sở' });
    const tech = await WsClient.connect(srv.port, { token: admin });
    await tech.request('subscribe.health', { session_id: b.id });
    await api(srv.base, admin, 'POST', `/api/v1/sessions/${a.id}/start`);
    assert.equal((await api(srv.base, admin, 'GET', '/api/v1/media')).session_id, a.id, 'the first session has the media');
    await api(srv.base, admin, 'POST', `/api/v1/sessions/${b.id}/start`);

    const active = async (sid) => (await api(srv.base, admin, 'GET', `/api/v1/alarms?session_id=${sid}&active=1`)).alarms
      .filter((x) => x.kind === 'media' && !x.cleared_at);
    const [alarm] = await active(b.id);
    assert.ok(alarm, 'session B has a media alarm');
    assert.equal(alarm.site_id, null);
    assert.match(alarm.reason, new RegExp(`session ${a.id} \\(Hội nghị tỉnh\\)`), alarm.reason);
    assert.equal((await active(a.id)).length, 0, 'the session with the media has none');
    const pushed = await tech.waitFor((m) => m.type === 'alarm.raised' && m.body.alarm.kind === 'media', 5000);
    assert.equal(pushed.body.alarm.id, alarm.id);

    await api(srv.base, admin, 'POST', `/api/v1/sessions/${b.id}/end`);
    assert.equal((await active(b.id)).length, 0, 'cleared at the end');
    const cleared = await tech.waitFor((m) => m.type === 'alarm.cleared' && m.body.alarm.kind === 'media', 5000);
    assert.equal(cleared.body.alarm.id, alarm.id);
    assert.equal((await api(srv.base, admin, 'GET', '/api/v1/media')).session_id, a.id, 'session A kept its media');
    await tech.close();
  });
});
