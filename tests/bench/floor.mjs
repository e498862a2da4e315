// Benchmark `floor`: the program audio a listening site receives while the
// floor moves (the timing half of tests/integration/floor-audio.test.mjs,
// which asserts the stream's continuity and what it carries). Four sites
// talk (gst-launch Opus tones), the chair grants the floor 10 times over
// three of them and back to nobody, for --rounds rounds; a fifth site only
// listens, its every program packet captured with its arrival time.
//  - the longest pause between two packets (they come every 20 ms): a mixer
//    that stalls while it swaps an input keeps its numbering but pauses; it
//    used to pause 110-150 ms when a talker left. Target: <= 300 ms.
//  - the spread: how much later than the earliest a packet came against its
//    timestamp, the jitter buffer a receiver needs. A mixer sends as soon as
//    all its inputs have data and waits out its latency while one is empty;
//    unpaced, the program came ~110 ms later while a slot was empty. The
//    sinks send each packet at a fixed delay after its capture. Target:
//    <= 40 ms.
//  - sequence numbers missing and timestamp steps other than one frame
//    (target 0: the integration test asserts these too).
//   node tests/bench/floor.mjs [--rounds 3]

import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { api, login, startServer } from '../lib/server.mjs';
import { freeUdpPorts, sleep, until } from '../lib/media.mjs';
import { GRANTS, TALKERS, capture, continuity, talker } from '../lib/program-audio.mjs';
import { WsClient } from '../lib/ws-client.mjs';
import { fmt, printTable, verdict } from './common.mjs';

const { values: opt } = parseArgs({ options: { rounds: { type: 'string', default: '3' } } });
const ROUNDS = Number(opt.rounds);

const base = await freeUdpPorts(4);
const ports = { video: base, audio: base + 2 };
const srv = await startServer({
  args: ['--demo'],
  config: { media: { video_port: ports.video, audio_port: ports.audio, rtsp_port: 0, record: 'false', webrtc_port: 0 } },
});
const procs = [];
let listener = null, chair = null;
try {
  console.log(`floor bench: ${new Date().toISOString()}, ${ROUNDS} rounds of ${GRANTS.length} grants, load average ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}`);
  const admin = await login(srv.base, 'admin', 'admin123');
  const all = (await api(srv.base, admin, 'GET', '/api/v1/sites')).sites;
  const site = {};
  let listenPort = 0;
  for (const code of [...TALKERS, 'H05']) {
    site[code] = all.find((s) => s.code === code);
    const recv = await freeUdpPorts(4);
    if (code === 'H05') listenPort = recv + 2;
    await api(srv.base, admin, 'PATCH', `/api/v1/sites/${site[code].id}`, { address: `127.0.0.1:${recv}` });
  }
  await api(srv.base, admin, 'PUT', '/api/v1/sessions/1/sites', { site_ids: Object.values(site).map((s) => s.id) });
  chair = await WsClient.connect(srv.port, { token: await login(srv.base, 'chutoa', 'chutoa123') });
  listener = await capture(listenPort, ports.audio);
  await api(srv.base, admin, 'POST', '/api/v1/sessions/1/start');
  for (const code of TALKERS) procs.push(talker(code, ports.audio));
  await until(() => listener.packets.length >= 100, 15000, 'two seconds of program audio at H05');

  const rows = [];
  for (let r = 0; r < ROUNDS; r++) {
    const start = listener.packets.length - 1;
    const t0 = performance.now();
    for (const [code, holdMs] of GRANTS) {
      await chair.request('floor.site', { session_id: 1, site_id: code ? site[code].id : null });
      await sleep(holdMs);
    }
    await sleep(500);
    const c = continuity(listener.packets.slice(start));
    rows.push({ ...c, seconds: (performance.now() - t0) / 1000 });
  }
  const worst = (f) => Math.max(...rows.map(f));
  printTable(`floor: the program audio at a listening site, ${ROUNDS} × ${GRANTS.length} grants over three talkers (and back to nobody)`, [
    ['packets captured / expected (all rounds)', `${rows.reduce((a, x) => a + x.packets, 0)} / ${rows.reduce((a, x) => a + x.expected, 0)}`, '', ''],
    ['sequence numbers missing / timestamp steps not one frame', `${worst((x) => x.missing)} / ${worst((x) => x.badSteps)}`, '0 / 0',
      verdict(worst((x) => x.missing) === 0 && worst((x) => x.badSteps) === 0)],
    ['longest pause between two packets, per round (ms)', rows.map((x) => x.maxGap.ms).join(' / '), '<= 300', verdict(worst((x) => x.maxGap.ms) <= 300)],
    ['spread: latest packet against the earliest, per round (ms)', rows.map((x) => x.spread.ms).join(' / '), '<= 40', verdict(worst((x) => x.spread.ms) <= 40)],
    ['SSRCs / payload types seen', `${[...new Set(rows.flatMap((x) => x.ssrcs))]} / ${[...new Set(rows.flatMap((x) => x.pts))]}`, '1 / 111', ''],
    ['round length (s)', rows.map((x) => fmt(x.seconds, 1)).join(' / '), '', ''],
  ]);
  if (listener.foreign.length) console.log(`left out, not from the controller: ${listener.foreign.length} datagrams`);
} finally {
  for (const p of procs) await p.stop();
  if (chair) chair.close();
  if (listener) await listener.close();
  await srv.stop();
}
