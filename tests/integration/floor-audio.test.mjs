// A floor grant causes no gap in the program audio a site receives. Real
// sites (gst-launch-1.0 sending Opus tones) talk; the chair grants the floor
// 10 times over three sites and back to nobody; a listening site (a node
// UDP socket) captures every program audio RTP packet meanwhile. From just
// before the first grant to the end the stream must be one SSRC with every
// sequence number, each timestamp one 20 ms Opus frame (960 at 48 kHz)
// after the one before, and no pause; and what it carries must follow the
// floor (decoded afterwards: the holder's tone while they hold it, nobody
// else's). A mixer torn down and rebuilt at a grant fails this: each new
// payloader starts new sequence and timestamp bases under the same SSRC.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { after, before, describe, test } from 'node:test';
import { api, assertAlive, login, startLocalServer, stopClean } from '../lib/integration.mjs';
import { SLOW } from '../lib/server.mjs';
import { freeUdpPorts, sleep, until } from '../lib/media.mjs';
import { FRAME, GRANTS, PROGRAM_AUDIO_SSRC, TALKERS, TONES, capture, continuity, decode, talker } from '../lib/program-audio.mjs';
import { RATE, toneLevel } from '../lib/tone.mjs';
import { WsClient } from '../lib/ws-client.mjs';

// Timing is measured, not asserted here: the longest pause between two
// program packets at the listener and how much later than the earliest a
// packet came (its "spread") are in the diagnostics, and judged by `make
// bench floor` (tests/bench/floor.mjs: pause <= 300 ms, spread <= 40 ms),
// on an idle host. On two busy cores a stall of this test's own process,
// not the controller's, showed as a pause of 360 ms.

describe('floor grants and the program audio', () => {
  let srv, admin, chair, ports, dir;
  const procs = [];
  const site = {};
  const recv = {};
  const captures = {};
  let stream = null;  // the listener's packets from just before the first grant
  const streams = {}; // each site's, the same way
  const periods = []; // each grant: {code, from, to} (performance.now())

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'roomctl-floor-audio-it-'));
    const base = await freeUdpPorts(4);
    ports = { video: base, audio: base + 2 };
    srv = await startLocalServer({
      args: ['--demo'],
      config: { media: { video_port: ports.video, audio_port: ports.audio, rtsp_port: 0, record: 'false' } },
    });
    admin = await login(srv.base, 'admin', 'admin123');
    const all = (await api(srv.base, admin, 'GET', '/api/v1/sites')).sites;
    // TINH (the province) is the chair's site, a talker throughout; H05 only
    // listens. A site receives the program audio at its address + 2.
    for (const code of [...TALKERS, 'H05']) {
      site[code] = all.find((s) => s.code === code);
      recv[code] = await freeUdpPorts(4);
      await api(srv.base, admin, 'PATCH', `/api/v1/sites/${site[code].id}`, { address: `127.0.0.1:${recv[code]}` });
    }
    await api(srv.base, admin, 'PUT', '/api/v1/sessions/1/sites', { site_ids: Object.values(site).map((s) => s.id) });
    chair = await WsClient.connect(srv.port, { token: await login(srv.base, 'chutoa', 'chutoa123') });
    for (const code of [...TALKERS, 'H05']) captures[code] = await capture(recv[code] + 2, ports.audio);
    await api(srv.base, admin, 'POST', '/api/v1/sessions/1/start');
    for (const code of TALKERS) procs.push(talker(code, ports.audio));
    const audioIn = async (code) => (await api(srv.base, admin, 'GET', '/api/v1/media/stats')).sites.find((s) => s.code === code)?.audio?.packets;
    for (const code of TALKERS) await until(async () => (await audioIn(code)) > 20, 10000, `${code}'s audio at the controller`);
    await until(() => captures.H05.packets.length >= 50, 10000, 'a second of program audio at H05');
  });
  after(async () => {
    for (const c of Object.values(captures)) await c.close();
    for (const p of procs) await p.stop();
    if (chair) await chair.close();
    try {
      // A clean exit: under the sanitizers a leak or a report of the swaps fails here.
      if (srv) {
        await assertAlive(srv, 'the grants');
        await stopClean(srv, 'the grants');
      }
    } finally {
      if (dir) fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('10 grants over three sites: the listener\'s program audio is one stream, no sequence number missing, timestamps steady', async (t) => {
    assert.equal((await api(srv.base, admin, 'GET', '/api/v1/media')).floor_site_id, 0, 'nobody has the floor yet');
    // From the last packet before the first grant: the encoder's first
    // packets (a short first step, its lookahead) are not the grants' doing.
    const start = Object.fromEntries(Object.entries(captures).map(([code, c]) => [code, c.packets.length - 1]));
    for (const [code, holdMs] of GRANTS) {
      const id = code ? site[code].id : null;
      const ack = await chair.request('floor.site', { session_id: 1, site_id: id });
      assert.equal(ack.floor_site_id, id ?? 0, `the floor went to ${code}`);
      const from = performance.now();
      await sleep(holdMs * SLOW); // a wait: it stretches under ROOMCTL_SLOW
      periods.push({ code, from, to: performance.now() });
    }
    await sleep(500 * SLOW);
    for (const [code, c] of Object.entries(captures)) streams[code] = c.packets.slice(start[code]);
    stream = streams.H05;
    const c = continuity(stream);
    t.diagnostic(`H05 (listening) from the last packet before the first grant: ${JSON.stringify(c)}`);
    const foreign = Object.entries(captures).filter(([, x]) => x.foreign.length).map(([code, x]) => `${code}: ${x.foreign.length} from ${[...new Set(x.foreign)]}`);
    if (foreign.length) t.diagnostic(`left out, not from the controller: ${foreign.join('; ')}`);
    t.diagnostic(`grants at (s): ${JSON.stringify(periods.map((p) => [p.code, Number(((p.from - stream[0].at) / 1000).toFixed(3))]))}`);

    assert.ok(stream.every((p) => !p.bad), 'every datagram is RTP version 2');
    assert.ok(start.H05 >= 49 && stream[0].at < periods[0].from, 'the capture starts before the first grant');
    assert.ok(stream.at(-1).at > periods.at(-1).to, 'and goes on after the last');
    assert.deepEqual(c.ssrcs, [PROGRAM_AUDIO_SSRC.toString(16)], 'one SSRC throughout');
    assert.deepEqual(c.pts, [111], 'Opus throughout');
    assert.equal(c.missing, 0, `no sequence number missing: ${JSON.stringify(c.missingFirst)}`);
    assert.equal(c.dups, 0, 'no packet twice');
    assert.equal(c.badSteps, 0, `each timestamp one frame (${FRAME}) after the one before: ${JSON.stringify(c.badStepsFirst)}`);
    t.diagnostic(`the longest pause ${c.maxGap.ms} ms, the latest packet ${c.spread.ms} ms later than the earliest (judged by make bench floor)`);
  });

  // The mix in real time: under a sanitizer or valgrind the talkers' packets
  // reach their decoders late and are concealed, and the tones fade.
  test('what the listener hears follows the floor: the holder\'s tone while they hold it, nobody else\'s', {
    skip: SLOW > 1 && 'the mix needs real time',
  }, async (t) => {
    assert.ok(stream, 'the grants ran');
    // Decoded in sequence order, one frame per packet: a sample's time is
    // its packet's arrival.
    const ordered = stream.slice().sort((a, b) => a.ext - b.ext);
    const raw = await decode(ordered, dir);
    assert.equal(raw.length, ordered.length * FRAME * 2, 'one 20 ms frame decoded per packet');
    const levels = periods.map(({ code, to }) => {
      // The last 200 ms of each hold, which starts 300 ms or more after the
      // grant (the new talker's jitter buffer and the mix latency).
      const i = ordered.findIndex((p) => p.at >= to - 200);
      const j = ordered.findIndex((p) => p.at >= to);
      const audio = raw.subarray(i * FRAME * 2, (j < 0 ? ordered.length : j) * FRAME * 2);
      const seconds = audio.length / 2 / RATE;
      return { code, hz: Object.fromEntries(TALKERS.map((k) => [k, Number(toneLevel(audio, TONES[k], seconds).toFixed(3))])) };
    });
    t.diagnostic(`H05 hears at the end of each hold: ${JSON.stringify(levels)}`);
    // Each tone is sent at 0.3 of full scale. Heard: above a fifth of that
    // (on a busy machine a few late packets are concealed in the mix);
    // not heard: below a tenth (in practice about 0.001).
    for (const { code, hz } of levels) {
      assert.ok(hz.TINH > 0.06, `the chair is heard while ${code} holds the floor: ${JSON.stringify(hz)}`);
      for (const other of ['H01', 'H02', 'H03'])
        if (other === code) assert.ok(hz[other] > 0.06, `${code} is heard while holding the floor: ${JSON.stringify(hz)}`);
        else assert.ok(hz[other] < 0.03, `${other} is not heard while ${code} holds the floor: ${JSON.stringify(hz)}`);
    }
  });

  // A talker is moved between the full mix and its mix-minus at each grant
  // that gives or takes its floor: each mix has its own encoder and
  // payloader, and the move must not show (the mixes number their packets
  // alike and the move is made at a packet number).
  test('a talker site\'s own program (its mix without itself) stays one stream when it gets and leaves the floor', (t) => {
    assert.ok(stream, 'the grants ran');
    const seen = Object.fromEntries(TALKERS.map((code) => [code, continuity(streams[code])]));
    for (const code of TALKERS) t.diagnostic(`${code}: ${JSON.stringify(seen[code])}`);
    for (const code of ['H01', 'H02', 'H03']) {
      assert.deepEqual(seen[code].ssrcs, [PROGRAM_AUDIO_SSRC.toString(16)], `${code}: one SSRC`);
      assert.equal(seen[code].missing, 0, `${code}: no sequence number missing: ${JSON.stringify(seen[code].missingFirst)}`);
      assert.equal(seen[code].badSteps, 0, `${code}: each timestamp one frame after the one before: ${JSON.stringify(seen[code].badStepsFirst)}`);
    }
  });
});
