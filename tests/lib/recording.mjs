// Makes a short real recording for the recordings tests: a demo roomctl with
// its media on free ports, one GStreamer site (H.264 + Opus) sending, the
// demo session live for a few seconds with two agenda items opened in turn
// by the chair, then ended (which finishes the files and the index).

import { api, login, startLocalServer } from './integration.mjs';
import { freePort } from './server.mjs';
import { freeUdpPorts, gstSite, sleep, until } from './media.mjs';
import { WsClient } from './ws-client.mjs';

/** Returns {srv, admin, items: [first, second] (agenda items), stop()}. */
export async function startRecordedServer({ seconds = 3 } = {}) {
  const base = await freeUdpPorts(4);
  const ports = { video: base, audio: base + 2 };
  const srv = await startLocalServer({
    args: ['--demo'],
    config: { media: { video_port: ports.video, audio_port: ports.audio, rtsp_port: await freePort(), record: 'true' } },
  });
  let site, ws;
  try {
    const admin = await login(srv.base, 'admin', 'admin123');
    const agenda = (await api(srv.base, admin, 'GET', '/api/v1/sessions/1/agenda')).agenda;
    const items = agenda.slice(0, 2);
    await api(srv.base, admin, 'POST', '/api/v1/sessions/1/start');
    site = gstSite('TINH', ports, { width: 320, height: 240 });
    await until(async () => {
      const s = (await api(srv.base, admin, 'GET', '/api/v1/media/stats')).sites.find((x) => x.code === 'TINH');
      return s && s.video && s.video.packets > 50;
    }, 15000, 'TINH sending');
    ws = await WsClient.connect(srv.port, { token: await login(srv.base, 'chutoa', 'chutoa123') });
    await ws.request('agenda.current', { session_id: 1, item_id: items[0].id });
    await sleep(seconds * 1000);
    await ws.request('agenda.current', { session_id: 1, item_id: items[1].id });
    await sleep(seconds * 1000);
    await api(srv.base, admin, 'POST', '/api/v1/sessions/1/end');
    return { srv, admin, items, stop: () => srv.stop() };
  } catch (e) {
    await srv.stop();
    throw e;
  } finally {
    if (ws) ws.close();
    if (site) await site.stop();
  }
}
