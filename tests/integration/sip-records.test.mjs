// SIP call records outlive a restart (schema 12, table sip_calls): sipp
// (Debian sip-tester) calls in by digest and hangs up (its BYE), and
// answers the controller's call with 486 Busy Here. The controller is
// stopped and started again on the same data directory: GET …/sip/calls
// has both calls with their story (ringing, connected, ended, who hung up,
// the SIP cause, the codecs), each once, and a call made after the restart
// follows them with a higher id. A call left open by a run that was killed
// is ended 'restart' at the next start. The site attendance row of the SIP
// site carries its SIP call (sip) and the CSV its cause (sip_cause).
//
// The attendance row itself is written here as site-health writes it
// (site_calls: joined when the site's media is first heard): sipp sends
// no media here (sip-media.test.mjs checks the row of baresip's real media).

import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { api, login, parseCsv, request, startLocalServer, stopClean } from '../lib/integration.mjs';
import { reapOnExit } from '../lib/server.mjs';
import { freeUdpPorts, sleep, until } from '../lib/media.mjs';
import { KEY, SCENARIOS, freeSipPort, reply, runSipp } from '../lib/sipp.mjs';

const sql = (db, q) => execFileSync('sqlite3', [db, q], { encoding: 'utf8' }).trim();

describe('sip call records: stored at each change, read back after a restart', () => {
  let srv, admin, sipPort, uasPort, work, dataDir, db;
  const site = {};
  let earlier = []; // the records before the restart, from memory

  const start = async () => {
    srv = await startLocalServer({
      args: ['--demo'],
      dataDir,
      config: { media: { enabled: 'false', rtsp_port: 0 }, sip: { port: sipPort, dial_out: 'false', domain: 'sip.example' } },
    });
    admin = await login(srv.base, 'admin', 'admin123');
  };
  const calls = async () => (await api(srv.base, admin, 'GET', '/api/v1/sessions/1/sip/calls')).calls;
  const lastCall = async (code) => (await calls()).filter((c) => c.site_code === code).at(-1);
  const ok = (r, what) => assert.equal(r.code, 0, `${what}: sipp failed\n${r.errors}\n${r.out}\n--- roomctl ---\n${srv.stderr.slice(-3000)}`);

  before(async () => {
    work = await fs.mkdtemp(path.join(os.tmpdir(), 'roomctl-sip-records-'));
    dataDir = path.join(work, 'data');
    await fs.mkdir(dataDir);
    db = path.join(dataDir, 'roomctl.db');
    sipPort = await freeSipPort();
    uasPort = await freeUdpPorts(4);
    await start();
    const all = (await api(srv.base, admin, 'GET', '/api/v1/sites')).sites;
    for (const code of ['H10', 'H16']) site[code] = all.find((s) => s.code === code);
    await api(srv.base, admin, 'PATCH', `/api/v1/sites/${site.H10.id}`,
      { transport: 'sip', sip_user: 'h10', sip_password: 'h10-secret', srtp: 'preferred' });
    await api(srv.base, admin, 'PATCH', `/api/v1/sites/${site.H16.id}`,
      { transport: 'sip', address: `sip:h16@127.0.0.1:${uasPort}`, srtp: 'off' });
    await api(srv.base, admin, 'PUT', '/api/v1/sessions/1/sites', { site_ids: [site.H10.id, site.H16.id] });
    await api(srv.base, admin, 'POST', '/api/v1/sessions/1/start');
  });
  after(async () => {
    if (srv) await srv.stop();
    if (work) await fs.rm(work, { recursive: true, force: true });
  });

  test('a site calls in and hangs up; another refuses our call (486): both stories are in the store as they happen', async () => {
    const run = await runSipp(work, 'call-h10', SCENARIOS.call('phien-1', 'h10', false, 1500),
      { target: `127.0.0.1:${sipPort}`, port: await freeUdpPorts(4), user: 'h10', password: 'h10-secret' });
    const live = await until(async () => { const c = await lastCall('H10'); return c && c.state === 'connected' && c; },
      10000, 'H10 connected', () => srv.stderr.slice(-1500));
    // Connected is in the store while the call is up (1.5 s): the call's changes are written one commit per
    // 50 ms, so the row may follow the API's state by that much.
    const stored = () => sql(db, `SELECT state || ' ' || direction || ' ' || caller FROM sip_calls WHERE id = ${live.id}`);
    await until(() => stored() === 'connected in digest', 1000, 'H10 connected in the store', () => stored());
    assert.ok((await lastCall('H10')).state === 'connected', 'and still up when the store said so');
    assert.equal(sql(db, `SELECT video_codec || ' ' || audio_codec || ' ' || srtp FROM sip_calls WHERE id = ${live.id}`), 'H264 PCMA 0');
    ok(await run.done, 'the call H10 hangs up');
    await until(async () => (await lastCall('H10')).state === 'ended', 5000, 'H10 ended');

    // H16 rings, then refuses the controller's call: 486 Busy Here.
    const busy = `<recv request="INVITE" crlf="true"/>
${reply('180 Ringing', { user: 'h16', tag: true })}
${reply('486 Busy Here', { user: 'h16', tag: true })}
<recv request="ACK"/>`;
    const uas = await runSipp(work, 'uas-busy', busy, { port: uasPort, timeoutS: 20 });
    await sleep(300);
    await api(srv.base, admin, 'POST', '/api/v1/sessions/1/sip/dial', { site_id: site.H16.id });
    ok(await uas.done, 'H16 refuses');
    const refused = await until(async () => { const c = await lastCall('H16'); return c && c.state === 'ended' && c; }, 10000,
      'H16 ended', () => srv.stderr.slice(-1500));
    assert.equal(refused.ended_by, 'site');
    assert.deepEqual(refused.cause, { status: 486, phrase: 'Busy Here' });
    // Its redial is dropped: nothing else is to happen to these calls.
    assert.equal((await request(srv.base, admin, 'POST', '/api/v1/sessions/1/sip/hangup', { site_id: site.H16.id })).status, 202);
    earlier = await calls();
    assert.equal(earlier.length, 2);
    assert.ok(earlier.every((c) => c.stored === undefined), 'from memory while the controller runs');
    // Never a key or a password: none of the columns, none of the values.
    const columns = sql(db, "SELECT group_concat(name) FROM pragma_table_info('sip_calls')");
    assert.doesNotMatch(columns, /key|password|secret|crypto/);
    const dump = sql(db, 'SELECT * FROM sip_calls');
    assert.equal(dump.includes(KEY) || dump.includes('h10-secret') || dump.includes('inline:'), false);
  });

  test('after a restart on the same database, GET …/sip/calls has both calls with their story, each once', async () => {
    await stopClean(srv, 'SIP records');
    // The site attendance row site-health would have written for H10's
    // media, during its call (see the file's first comment).
    const [h10] = earlier.filter((c) => c.site_code === 'H10');
    sql(db, `INSERT INTO site_calls (session_id, site_id, joined_at, left_at, left_reason, packets)
      VALUES (1, ${site.H10.id}, '${h10.connected_at}', '${h10.ended_at}', 'the site stopped sending', 120)`);
    await start();
    const after = await calls();
    assert.deepEqual(after.map((c) => c.id), earlier.map((c) => c.id), 'the same records, once each, oldest first');
    for (const c of after) assert.equal(c.stored, true);
    const [in10, out16] = after;
    assert.equal(in10.site_id, site.H10.id);
    assert.equal(in10.site_code, 'H10');
    assert.equal(in10.direction, 'in');
    assert.equal(in10.caller, 'digest');
    assert.equal(in10.transport, 'udp');
    assert.equal(in10.call_id, h10.call_id);
    assert.ok(in10.call_id.length > 0, 'the SIP Call-ID of a call in');
    assert.equal(in10.from, h10.from);
    assert.equal(in10.state, 'ended');
    for (const k of ['started_at', 'ringing_at', 'connected_at', 'ended_at']) {
      assert.match(in10[k], /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/, k);
      assert.equal(in10[k], h10[k], k);
    }
    assert.ok(in10.started_at <= in10.ringing_at && in10.ringing_at <= in10.connected_at && in10.connected_at <= in10.ended_at);
    assert.equal(in10.ended_by, 'site');
    assert.deepEqual(in10.cause, { status: 200, phrase: 'BYE' });
    assert.equal(in10.srtp, 'preferred');
    assert.deepEqual(in10.media, { video: { codec: 'H264', srtp: false }, audio: { codec: 'PCMA', srtp: false } });

    assert.equal(out16.site_code, 'H16');
    assert.equal(out16.direction, 'out');
    assert.equal(out16.caller, 'controller');
    assert.equal(out16.state, 'ended');
    assert.ok(out16.ringing_at, 'it rang');
    assert.equal(out16.connected_at, null, 'it never connected');
    assert.equal(out16.ended_by, 'site');
    assert.deepEqual(out16.cause, { status: 486, phrase: 'Busy Here' });
    assert.deepEqual(out16.media, { video: null, audio: null });
    assert.equal(JSON.stringify(after).includes(KEY), false);
    assert.doesNotMatch(srv.stderr, /left open by the last run/, 'a clean stop left none open');
  });

  test('the site attendance row of the SIP site carries its SIP call; the CSV its cause', async () => {
    const res = await api(srv.base, admin, 'GET', '/api/v1/sessions/1/site-attendance');
    const row = res.calls.find((c) => c.site_id === site.H10.id);
    assert.ok(row, JSON.stringify(res.calls));
    const [h10] = earlier;
    assert.deepEqual(row.sip, { id: h10.id, direction: 'in', connected_at: h10.connected_at, ended_at: h10.ended_at,
      ended_by: 'site', cause: { status: 200, phrase: 'BYE' } });
    assert.equal(row.sip_cause, '200 BYE');
    const csv = await request(srv.base, admin, 'GET', '/api/v1/sessions/1/site-attendance?format=csv');
    assert.equal(csv.status, 200);
    assert.match(csv.text, /,sip_cause\r\n/, 'the last column');
    const [line] = parseCsv(csv.text).filter((r) => r.code === 'H10');
    assert.equal(line.sip_cause, '200 BYE');
    // The attendance report's CSV (records) too: the site's last call's cause.
    const report = await request(srv.base, admin, 'GET', '/api/v1/sessions/1/reports/attendance?format=csv');
    assert.equal(report.status, 200, report.text);
    const rows = parseCsv(report.text);
    assert.equal(rows.find((r) => r.kind === 'site' && r.ref === 'H10').sip_cause, '200 BYE');
    assert.equal(rows.find((r) => r.kind === 'site' && r.ref === 'H16').sip_cause, '', 'never heard: no attendance row');
  });

  test('a call after the restart follows the stored ones; one a killed run left open ends as "restart"', async () => {
    const run = await runSipp(work, 'call-h10-again', SCENARIOS.hungUp('phien-1', 'h10'),
      { target: `127.0.0.1:${sipPort}`, port: await freeUdpPorts(4), user: 'h10', password: 'h10-secret' });
    const live = await until(async () => { const c = await lastCall('H10'); return c && c.state === 'connected' && c; },
      10000, 'H10 connected after the restart', () => srv.stderr.slice(-1500));
    const now = await calls();
    assert.deepEqual(now.map((c) => c.id), [...earlier.map((c) => c.id), live.id]);
    assert.ok(live.id > earlier.at(-1).id, 'ids rise across the restart');
    assert.equal(live.stored, undefined, 'the live call is the one in memory');
    assert.equal(live.media.audio.payload_type, 8, 'with the whole media');
    // Killed mid-call: the record stays open in the store ...
    srv.proc.kill('SIGKILL');
    await srv.stop();
    run.proc.kill('SIGKILL');
    assert.equal(sql(db, `SELECT state || ' ' || coalesce(ended_by, '-') FROM sip_calls WHERE id = ${live.id}`), 'connected -');
    // ... until the next start ends it.
    await start();
    assert.match(srv.stderr, /1 call record\(s\) left open by the last run end as 'restart'/);
    const lost = (await calls()).find((c) => c.id === live.id);
    assert.equal(lost.state, 'ended');
    assert.equal(lost.ended_by, 'restart');
    assert.equal(lost.ended_at, null, 'when it ended is not known');
    assert.equal(lost.connected_at, live.connected_at);
    await stopClean(srv, 'SIP records after the restarts');
    srv = null;
  });
});
