// Session records: a real session is run (start, check-ins over /ws, two
// sites sending through roomctl-sim, agenda item changes, two speakers, an
// open and a secret vote, end); then the minutes draft is made as a job (PDF
// and ODT) and the reports (attendance, votes, speaking time) as CSV and
// PDF. The PDFs are read back with pdftotext, page 1 rendered with pdftoppm,
// the ODT unzipped and its XML read, and every CSV parsed and compared with
// the JSON API. Bad requests get the error envelope with the field named.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  ADMIN_PASSWORD, api, assertAlive, assertWireError, createItem, createSession, createUser, login, parseCsv, request, stopClean,
} from '../lib/integration.mjs';
import { freeUdpPorts } from '../lib/media.mjs';
import { makePdf } from '../lib/pdf.mjs';
import { REPO_ROOT, freePort, startServer } from '../lib/server.mjs';
import { startSim } from '../lib/sim.mjs';
import { WsClient } from '../lib/ws-client.mjs';

const OUT = path.join(REPO_ROOT, 'tests', 'output', 'records');
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const TZ_MS = 7 * 3600 * 1000; // the default [meeting] timezone, Asia/Ho_Chi_Minh (+07:00)

async function until(fn, ms, what) {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(100);
  }
}

/** "HH:MM:SS" of an ISO UTC time at +07:00, as the records print it. */
const localTime = (iso) => new Date(Date.parse(iso) + TZ_MS).toISOString().slice(11, 19);
const localDay = (iso) => new Date(Date.parse(iso) + TZ_MS).toISOString().slice(0, 10);
/** A stored UTC time as a CSV export writes it: the same instant on the province's clock, with its offset. */
const csvTime = (iso) => (iso ? new Date(Date.parse(iso) + TZ_MS).toISOString().replace(/\.\d{3}Z$/, '+07:00') : '');
const squash = (s) => s.replace(/\s+/g, ' ');

function pdfText(file) {
  return execFileSync('pdftotext', ['-enc', 'UTF-8', file, '-'], { encoding: 'utf8' });
}

/** The text of an ODF XML part: paragraphs and cells separated by newlines. */
function odfText(xml) {
  return xml.replace(/<text:line-break\/>/g, '\n').replace(/<\/(text:p|text:h)>/g, '\n').replace(/<[^>]+>/g, '')
    .replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, '&');
}

describe('session records: minutes and reports', () => {
  let srv, sim, admin, secretariat;
  const users = {};
  const clients = [];
  let session, items, doc, openVote, secretVote;
  const SITES = { TINH: 'Hội trường UBND tỉnh Hòa Bình Xanh', H01: 'Thành phố Hòa Xanh', H02: 'Thị xã Ngọc Lâm' };
  const siteIds = {};
  const OPEN_Q = 'Thông qua Nghị quyết về dự toán ngân sách năm 2027?';
  const SECRET_Q = 'Bầu Trưởng ban Kinh tế – Ngân sách (bỏ phiếu kín)?';

  const ws = async (who) => {
    const c = await WsClient.connect(srv.port, { token: users[who].token });
    clients.push(c);
    await c.request('subscribe', { session_id: session.id });
    await c.waitFor((m) => m.type === 'snapshot');
    return c;
  };

  before(async () => {
    fs.mkdirSync(OUT, { recursive: true });
    const base = await freeUdpPorts(4);
    const ports = { video: base, audio: base + 2 };
    srv = await startServer({
      args: ['--listen', '127.0.0.1'],
      config: { media: { video_port: ports.video, audio_port: ports.audio, rtsp_port: await freePort(), record: 'false' } },
    });
    admin = await login(srv.base, 'admin', ADMIN_PASSWORD);
    secretariat = (await createUser(srv.base, admin, 'thuky', 'secretariat', { full_name: 'Đỗ Thu Hà' })).token;
    const people = [
      ['chutoa', 'chair', 'Nguyễn Văn Quyết', 'Chủ tịch HĐND'],
      ['db01', 'delegate', 'Trần Thị Ngọc Ánh', 'Sở Tài chính'],
      ['db02', 'delegate', 'Lê Đức Thắng', 'Sở Kế hoạch và Đầu tư'],
      ['db03', 'delegate', 'Phạm Thị Hồng Nhung', 'Sở Y tế'],
    ];
    for (const [username, role, full_name, unit] of people)
      users[username] = await createUser(srv.base, admin, username, role, { full_name, unit });
    users.kythuat = await createUser(srv.base, admin, 'kythuat', 'technician');
    const tinh = await api(srv.base, admin, 'POST', '/api/v1/sites', { code: 'TINH', name: SITES.TINH, level: 'province', parent_id: null, transport: 'rtp', address: '', media_from: '127.0.0.1' });
    siteIds.TINH = tinh.id;
    for (const code of ['H01', 'H02'])
      siteIds[code] = (await api(srv.base, admin, 'POST', '/api/v1/sites', { code, name: SITES[code], level: 'district', parent_id: tinh.id, transport: 'rtp', address: '', media_from: '127.0.0.1' })).id;

    session = await createSession(srv.base, secretariat, { title: 'Kỳ họp thứ 12 HĐND tỉnh — Nghị quyết ngân sách', room: 'Hội trường A' });
    items = [
      await createItem(srv.base, secretariat, session.id, { title: 'Khai mạc kỳ họp', presenter: 'Chủ tọa' }),
      await createItem(srv.base, secretariat, session.id, { title: 'Thảo luận dự thảo Nghị quyết dự toán ngân sách', presenter: 'Sở Tài chính' }),
      await createItem(srv.base, secretariat, session.id, { title: 'Bế mạc', presenter: '' }),
    ];
    doc = await api(srv.base, secretariat, 'POST', `/api/v1/agenda/${items[1].id}/documents?title=${encodeURIComponent('Tờ trình số 45/TTr-UBND')}&filename=to-trinh.pdf`,
      makePdf({ pages: 3, title: 'To trinh 45' }), { contentType: 'application/pdf' });
    await api(srv.base, secretariat, 'PUT', `/api/v1/sessions/${session.id}/delegates`, { user_ids: ['chutoa', 'db01', 'db02', 'db03'].map((u) => users[u].user.id) });
    await api(srv.base, secretariat, 'PUT', `/api/v1/sessions/${session.id}/sites`, { site_ids: Object.values(siteIds) });
    sim = await startSim(ports, { codes: ['TINH', 'H01'] });
  });

  after(async () => {
    for (const c of clients) c.close();
    if (sim) await sim.stop();
    if (srv && srv.proc.exitCode === null) await srv.stop();
  });

  test('before the session went live there is nothing to record: 409 invalid_state; unknown session: 404', async () => {
    const r = await request(srv.base, secretariat, 'POST', `/api/v1/sessions/${session.id}/minutes`, { format: 'pdf' });
    assertWireError(r, 1202, undefined, 'minutes of a scheduled session');
    assert.match(r.json.error.reason, /not gone live/);
    assertWireError(await request(srv.base, secretariat, 'GET', `/api/v1/sessions/${session.id}/reports/votes?format=csv`), 1202, undefined, 'report of a scheduled session');
    assertWireError(await request(srv.base, secretariat, 'POST', '/api/v1/sessions/9999/minutes', { format: 'pdf' }), 1200, undefined, 'unknown session');
    assertWireError(await request(srv.base, secretariat, 'GET', '/api/v1/sessions/9999/reports/attendance'), 1200, undefined, 'unknown session report');
  });

  test('a real session runs: check-ins, sites, agenda, speakers, an open and a secret vote', async () => {
    const sid = session.id;
    await api(srv.base, secretariat, 'POST', `/api/v1/sessions/${sid}/start`);
    await until(async () => {
      const calls = (await api(srv.base, admin, 'GET', `/api/v1/sessions/${sid}/site-attendance`)).calls;
      return calls.some((c) => c.site_id === siteIds.TINH) && calls.some((c) => c.site_id === siteIds.H01);
    }, 20000, 'both simulated sites heard');
    const chair = await ws('chutoa');
    const d1 = await ws('db01');
    const d2 = await ws('db02');
    for (const c of [chair, d1, d2]) await c.request('checkin', { session_id: sid });
    await chair.request('agenda.current', { session_id: sid, item_id: items[0].id });
    await sleep(1100);
    await chair.request('agenda.current', { session_id: sid, item_id: items[1].id });
    await d1.request('speak.request', { session_id: sid });
    await chair.request('speak.grant', { session_id: sid, user_id: users.db01.user.id });
    await sleep(1200);
    await d1.request('speak.end', { session_id: sid });
    await chair.request('speak.grant', { session_id: sid, user_id: users.db02.user.id });
    await sleep(2200);
    await chair.request('speak.end', { session_id: sid });

    openVote = (await chair.request('vote.open', { session_id: sid, question: OPEN_Q, item_id: items[1].id })).vote;
    await chair.request('vote.cast', { vote_id: openVote.id, option: 0, ballot_key: 'open-chair-01' });
    await d1.request('vote.cast', { vote_id: openVote.id, option: 0, ballot_key: 'open-db01-01' });
    await d2.request('vote.cast', { vote_id: openVote.id, option: 1, ballot_key: 'open-db02-01' });
    await chair.request('vote.close', { vote_id: openVote.id });
    secretVote = (await chair.request('vote.open', { session_id: sid, question: SECRET_Q, item_id: items[1].id, secret: true })).vote;
    await chair.request('vote.cast', { vote_id: secretVote.id, option: 0, ballot_key: 'secret-chair-01' });
    await d1.request('vote.cast', { vote_id: secretVote.id, option: 0, ballot_key: 'secret-db01-01' });
    await d2.request('vote.cast', { vote_id: secretVote.id, option: 2, ballot_key: 'secret-db02-01' });
    await chair.request('vote.close', { vote_id: secretVote.id });
    await sleep(1100);
    await d2.request('checkout', { session_id: sid });
    await chair.request('agenda.current', { session_id: sid, item_id: null });
    await sim.stop();
    sim = null;
    await api(srv.base, secretariat, 'POST', `/api/v1/sessions/${sid}/end`);
  });

  /** Runs a minutes job to the end; returns {job, bytes, progress seen}. */
  async function minutes(format) {
    const t0 = Date.now();
    const r = await request(srv.base, secretariat, 'POST', `/api/v1/sessions/${session.id}/minutes`, { format });
    assert.equal(r.status, 202, r.text);
    assert.equal(r.json.status, 'running');
    const seen = [r.json.progress];
    const job = await until(async () => {
      const j = await api(srv.base, secretariat, 'GET', `/api/v1/records/jobs/${r.json.id}`);
      seen.push(j.progress);
      return j.status !== 'running' && j;
    }, 30000, `minutes ${format} job`);
    assert.equal(job.status, 'done', JSON.stringify(job));
    assert.equal(job.progress, 100);
    for (let i = 1; i < seen.length; i++) assert.ok(seen[i] >= seen[i - 1], `progress never goes back: ${seen}`);
    const file = await request(srv.base, secretariat, 'GET', job.url);
    assert.equal(file.status, 200);
    assert.match(file.headers.get('content-disposition'), new RegExp(`bien-ban-phien-${session.id}\\.${format}`));
    assert.equal(file.bytes.length, job.size);
    console.log(`# minutes ${format}: ${job.size} bytes, rendered in ${job.render_ms} ms, ${Date.now() - t0} ms from POST to done`);
    return { job, bytes: file.bytes };
  }

  /** Asserts the facts every minutes document must carry, in @text. */
  async function assertMinutesFacts(text, what) {
    const flat = squash(text);
    const att = await api(srv.base, secretariat, 'GET', `/api/v1/sessions/${session.id}/attendance`);
    const s = await api(srv.base, secretariat, 'GET', `/api/v1/sessions/${session.id}`);
    assert.match(flat, /BIÊN BẢN PHIÊN HỌP/, what);
    assert.ok(flat.includes('Kỳ họp thứ 12 HĐND tỉnh — Nghị quyết ngân sách'), `${what}: title with Vietnamese intact`);
    assert.ok(flat.includes('Hội trường A'), `${what}: place`);
    assert.ok(flat.includes(localTime(s.started_at).slice(0, 5)) && flat.includes(localTime(s.ended_at).slice(0, 5)), `${what}: start and end times`);
    for (const e of att.delegates.filter((d) => d.first_in))
      assert.ok(flat.includes(e.full_name) && flat.includes(localTime(e.first_in)), `${what}: ${e.full_name} checked in at ${localTime(e.first_in)}`);
    const absentAt = flat.indexOf('Đại biểu vắng mặt');
    assert.ok(absentAt > 0 && flat.indexOf('Phạm Thị Hồng Nhung', absentAt) > absentAt, `${what}: the absent delegate listed as absent`);
    const db02 = att.delegates.find((d) => d.username === 'db02');
    assert.ok(flat.includes(localTime(db02.last_out)), `${what}: check-out time`);
    for (const name of Object.values(SITES)) assert.ok(flat.includes(name), `${what}: site ${name}`);
    assert.match(flat, /Điểm cầu tham gia: 2\/3/, `${what}: 2 of 3 sites joined`);
    for (const it of items) assert.ok(flat.includes(it.title), `${what}: item ${it.title}`);
    assert.match(flat, /1\. Khai mạc kỳ họp.*Thời gian: \d\d:\d\d:\d\d – \d\d:\d\d:\d\d/, `${what}: item 1 start and end`);
    assert.match(flat, /3\. Bế mạc.*không được đưa ra/, `${what}: item 3 never opened`);
    assert.ok(flat.includes('Tờ trình số 45/TTr-UBND'), `${what}: document title`);
    assert.ok(text.replace(/\s+/g, '').includes(doc.sha256), `${what}: document sha256`);
    const spoke = await api(srv.base, secretariat, 'GET', `/api/v1/sessions/${session.id}/speakers`);
    assert.equal(spoke.speakers.length, 2);
    for (const sp of spoke.speakers) assert.ok(flat.includes(localTime(sp.granted_at)), `${what}: speaker ${sp.full_name} at ${localTime(sp.granted_at)}`);
    assert.ok(flat.includes('Nghị quyết') && flat.includes('Đồng ý') && flat.includes('Không đồng ý'), `${what}: Vietnamese diacritics intact`);
    // The open vote: counts, outcome, and who chose what.
    const openAt = flat.indexOf(`Biểu quyết công khai: ${OPEN_Q}`);
    const secretAt = flat.indexOf(`Biểu quyết kín: ${SECRET_Q}`);
    assert.ok(openAt > 0 && secretAt > openAt, `${what}: both votes, in order`);
    const open = flat.slice(openAt, secretAt);
    assert.match(open, /Đồng ý 2 50,0% Không đồng ý 1 25,0% Không biểu quyết 0 0,0%/, `${what}: open vote counts`);
    assert.match(open, /Có mặt 3\/4 đại biểu; số phiếu đã bỏ: 3/, `${what}: open vote present/cast`);
    assert.match(open, /Kết quả: KHÔNG THÔNG QUA/, `${what}: 2 of 4 members is not more than half`);
    for (const name of ['Nguyễn Văn Quyết', 'Trần Thị Ngọc Ánh', 'Lê Đức Thắng']) assert.ok(open.includes(name), `${what}: open vote names ${name}`);
    assert.match(open, /Lê Đức Thắng\s*Không đồng ý/, `${what}: db02 chose Không đồng ý`);
    // The secret vote: counts and outcome, no names at all.
    const secret = flat.slice(secretAt, flat.indexOf('3. Bế mạc', secretAt));
    assert.match(secret, /Đồng ý 2 50,0% Không đồng ý 0 0,0% Không biểu quyết 1 25,0%/, `${what}: secret vote counts`);
    assert.match(secret, /không ghi tên người bỏ phiếu/, `${what}: secret vote says why no names`);
    assert.match(secret, /Kết quả: KHÔNG THÔNG QUA/, `${what}: secret outcome`);
    for (const name of ['Nguyễn Văn Quyết', 'Trần Thị Ngọc Ánh', 'Lê Đức Thắng', 'Phạm Thị Hồng Nhung'])
      assert.ok(!secret.includes(name), `${what}: the secret vote names nobody (${name} found)`);
  }

  test('the minutes PDF carries every fact, Vietnamese intact, and renders', async () => {
    const { bytes } = await minutes('pdf');
    assert.equal(bytes.subarray(0, 5).toString('latin1'), '%PDF-');
    const file = path.join(OUT, 'minutes.pdf');
    fs.writeFileSync(file, bytes);
    const text = pdfText(file);
    await assertMinutesFacts(text, 'PDF');
    assert.match(squash(text), /Trang 1\/\d/, 'page footer');
    const png = path.join(OUT, 'minutes-page1');
    execFileSync('pdftoppm', ['-png', '-r', '70', '-f', '1', '-l', '1', '-singlefile', file, png]);
    assert.ok(fs.statSync(`${png}.png`).size > 10_000, 'page 1 rendered');
    console.log(`# minutes page 1: ${png}.png`);
  });

  test('the minutes ODT is a proper OpenDocument zip with the same facts', async () => {
    const { bytes } = await minutes('odt');
    const file = path.join(OUT, 'minutes.odt');
    fs.writeFileSync(file, bytes);
    // ODF: "mimetype" first, stored, its content at offset 38.
    assert.equal(bytes.subarray(30, 38).toString('latin1'), 'mimetype');
    assert.equal(bytes.subarray(38, 38 + 39).toString('latin1'), 'application/vnd.oasis.opendocument.text');
    const names = execFileSync('unzip', ['-Z1', file], { encoding: 'utf8' }).trim().split('\n');
    assert.deepEqual(names.sort(), ['META-INF/manifest.xml', 'content.xml', 'meta.xml', 'mimetype', 'styles.xml']);
    for (const part of ['content.xml', 'styles.xml', 'meta.xml', 'META-INF/manifest.xml']) {
      const xml = execFileSync('unzip', ['-p', file, part]);
      execFileSync('xmllint', ['--noout', '-'], { input: xml }); // well-formed, or this throws
    }
    const content = execFileSync('unzip', ['-p', file, 'content.xml'], { encoding: 'utf8' });
    assert.match(content, /<table:table-header-rows>/);
    await assertMinutesFacts(odfText(content), 'ODT');
  });

  test('CSV reports round-trip: attendance, votes and speaking time match the JSON API', async () => {
    const sid = session.id;
    const att = await api(srv.base, secretariat, 'GET', `/api/v1/sessions/${sid}/attendance`);
    const calls = (await api(srv.base, admin, 'GET', `/api/v1/sessions/${sid}/site-attendance`)).calls;
    const csvOf = async (p) => {
      const r = await request(srv.base, secretariat, 'GET', p);
      assert.equal(r.status, 200, `${p}: ${r.text.slice(0, 300)}`);
      assert.match(r.headers.get('content-type'), /text\/csv/);
      return parseCsv(r.text);
    };
    const rows = await csvOf(`/api/v1/sessions/${sid}/reports/attendance?format=csv`);
    const delegates = rows.filter((r) => r.kind === 'delegate');
    assert.equal(delegates.length, att.delegates.length);
    for (const e of att.delegates) {
      const r = delegates.find((x) => x.ref === e.username);
      assert.ok(r, `row for ${e.username}`);
      assert.deepEqual([r.name, r.status, r.first_in, r.last_out], [e.full_name, e.status, csvTime(e.first_in), csvTime(e.last_out)]);
      if (e.first_in) assert.equal(Date.parse(r.first_in), Date.parse(e.first_in), 'the same instant');
      assert.equal(Number(r.session_id), sid);
    }
    const sites = rows.filter((r) => r.kind === 'site');
    assert.deepEqual(sites.map((r) => [r.ref, r.status]).sort(), [['H01', 'present'], ['H02', 'absent'], ['TINH', 'present']]);
    const tinh = sites.find((r) => r.ref === 'TINH');
    assert.equal(tinh.first_in, csvTime(calls.find((c) => c.site_id === siteIds.TINH).joined_at));
    // The same day as a range gives the same rows.
    const day = localDay(att.delegates.find((d) => d.first_in).first_in);
    const ranged = await csvOf(`/api/v1/reports/attendance?from=${day}&to=${day}&format=csv`);
    assert.deepEqual(ranged, rows);
    const elsewhere = await csvOf('/api/v1/reports/attendance?from=2020-01-01&to=2020-01-31&format=csv');
    assert.equal(elsewhere.length, 0, 'no session in January 2020');

    const votes = (await api(srv.base, secretariat, 'GET', `/api/v1/sessions/${sid}/votes`)).votes;
    const vrows = await csvOf(`/api/v1/sessions/${sid}/reports/votes?format=csv`);
    for (const v of votes) {
      const mine = vrows.filter((r) => Number(r.vote_id) === v.id);
      assert.equal(mine.length, v.options.length, `a row per option of vote ${v.id}`);
      mine.forEach((r, i) => {
        assert.equal(r.option, v.options[i]);
        assert.equal(Number(r.count), v.result.counts[i]);
        assert.equal(Number(r.cast), v.result.cast);
        assert.equal(r.passed, String(v.result.passed));
        assert.equal(r.mode, v.secret ? 'secret' : 'open');
        assert.equal(r.question, v.question);
      });
      if (v.secret) assert.ok(mine.every((r) => r.voters === ''), 'a secret vote names no voter');
    }
    const openRows = vrows.filter((r) => Number(r.vote_id) === openVote.id);
    assert.deepEqual(openRows[0].voters.split('; ').sort(), ['Nguyễn Văn Quyết', 'Trần Thị Ngọc Ánh'].sort());
    assert.equal(openRows[1].voters, 'Lê Đức Thắng');

    const spoke = (await api(srv.base, secretariat, 'GET', `/api/v1/sessions/${sid}/speakers`)).speakers;
    for (const url of [`/api/v1/sessions/${sid}/reports/speaking?format=csv`, `/api/v1/reports/speaking?from=${day}&to=${day}&format=csv`]) {
      const srows = await csvOf(url);
      assert.equal(srows.length, 2, url);
      for (const r of srows) {
        const turns = spoke.filter((s) => s.user_id === Number(r.user_id));
        assert.equal(Number(r.turns), turns.length);
        assert.equal(Number(r.seconds), turns.reduce((a, s) => a + s.seconds, 0));
        assert.equal(r.full_name, turns[0].full_name);
      }
      assert.ok(Number(srows[0].seconds) >= Number(srows[1].seconds), 'most speaking time first');
    }
  });

  test('PDF reports carry the facts', async () => {
    const sid = session.id;
    const day = localDay(new Date().toISOString());
    const get = async (p, name) => {
      const r = await request(srv.base, secretariat, 'GET', p, null, { timeoutMs: 30000 });
      assert.equal(r.status, 200, `${p}: ${r.text.slice(0, 300)}`);
      assert.equal(r.headers.get('content-type'), 'application/pdf');
      const file = path.join(OUT, name);
      fs.writeFileSync(file, r.bytes);
      return squash(pdfText(file));
    };
    const att = await get(`/api/v1/sessions/${sid}/reports/attendance?format=pdf`, 'attendance.pdf');
    assert.match(att, /BÁO CÁO ĐIỂM DANH/);
    for (const n of ['Trần Thị Ngọc Ánh', 'Phạm Thị Hồng Nhung', SITES.H02]) assert.ok(att.includes(n), `attendance PDF: ${n}`);
    const votes = await get(`/api/v1/reports/votes?from=${day}&to=${day}&format=pdf`, 'votes.pdf');
    assert.ok(votes.includes(OPEN_Q) && votes.includes(SECRET_Q), 'votes PDF: both questions');
    assert.match(votes, /Đồng ý: 2; Không đồng ý: 1; Không biểu quyết: 0/, 'votes PDF: open counts');
    assert.match(votes, /Đồng ý: 2; Không đồng ý: 0; Không biểu quyết: 1/, 'votes PDF: secret counts');
    const speaking = await get(`/api/v1/reports/speaking?from=${day}&to=${day}&format=pdf`, 'speaking.pdf');
    assert.ok(speaking.includes('Lê Đức Thắng') && speaking.includes('Trần Thị Ngọc Ánh'), 'speaking PDF: both speakers');
    assert.match(speaking, /Tổng thời gian phát biểu: \d+ giây/);
  });

  test('bad dates, formats, roles and jobs are refused with the field named', async () => {
    const sid = session.id;
    const bad = async (p, field, what) => assertWireError(await request(srv.base, secretariat, 'GET', p), 1001, field, what);
    await bad('/api/v1/reports/attendance?to=2026-01-31', 'from', 'no from');
    await bad('/api/v1/reports/attendance?from=2026-01-01', 'to', 'no to');
    await bad('/api/v1/reports/attendance?from=2026-13-01&to=2026-12-31', 'from', 'month 13');
    await bad('/api/v1/reports/speaking?from=2026-02-30&to=2026-03-01', 'from', 'February 30');
    await bad('/api/v1/reports/votes?from=26-01-01&to=2026-01-02', 'from', 'short year');
    await bad('/api/v1/reports/attendance?from=2026-03-01&to=2026-02-01', 'to', 'to before from');
    await bad('/api/v1/reports/attendance?from=2024-01-01&to=2026-01-01', 'to', 'more than 366 days');
    await bad('/api/v1/reports/attendance?from=2026-01-01&to=2026-01-02&format=xls', 'format', 'unknown format');
    await bad(`/api/v1/sessions/${sid}/reports/votes?format=odt`, 'format', 'reports are csv or pdf');
    assertWireError(await request(srv.base, secretariat, 'POST', `/api/v1/sessions/${sid}/minutes`, { format: 'doc' }), 1001, 'format', 'minutes format');
    assertWireError(await request(srv.base, secretariat, 'POST', `/api/v1/sessions/${sid}/minutes`, {}), 1001, 'format', 'minutes without a format');
    assertWireError(await request(srv.base, secretariat, 'GET', '/api/v1/records/jobs/9999'), 1200, undefined, 'unknown job');
    assertWireError(await request(srv.base, secretariat, 'GET', '/api/v1/records/jobs/9999/file'), 1200, undefined, 'unknown job file');
    assertWireError(await request(srv.base, users.db01.token, 'POST', `/api/v1/sessions/${sid}/minutes`, { format: 'pdf' }), 1101, undefined, 'a delegate');
    assertWireError(await request(srv.base, users.kythuat.token, 'GET', `/api/v1/sessions/${sid}/reports/votes`), 1101, undefined, 'a technician');
    assertWireError(await request(srv.base, null, 'GET', `/api/v1/reports/speaking?from=2026-01-01&to=2026-01-02`), 1100, undefined, 'anonymous');
    // The chair may make the records.
    const r = await request(srv.base, users.chutoa.token, 'GET', `/api/v1/sessions/${sid}/reports/speaking`);
    assert.equal(r.status, 200, 'the chair; csv is the default format');
    await assertAlive(srv, 'after the bad requests');
    await stopClean(srv, 'the records tests');
  });
});
