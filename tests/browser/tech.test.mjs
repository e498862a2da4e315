// Browser test of the technicians' dashboard against the real daemon with
// real media: Debian's chromium driven by playwright-core, the demo province
// (602 sites) and simulated sites sending H.264 + Opus RTP — the site
// simulator build/roomctl-sim (34 sites; 600 real senders plus chromium made
// the 2-core machine too busy for steady timing) when it is built, otherwise a handful of
// gst-launch-1.0 senders (tests/lib/media.mjs).
//
// One scenario, step by step: log in as the technician → the live session's
// 602 sites grouped by district, the sending ones turn green → a site's
// detail with live charts → one site stops: its tile turns red within ~5 s
// and an offline alarm appears → acknowledging it shows who did, when; a
// second acknowledgement is refused (1202); an acknowledgement made
// elsewhere shows up live → the WebSocket drops and comes back → filters
// (state, search without diacritics, district), sorting, the keyboard on
// the wall of tiles, compact tiles → English → a wall screen → the program:
// the floor to a site and back, a composed layout and back → the time spent
// per tick with 602 sites (typical and worst case; its targets are judged
// by tests/bench/tech.mjs) → site attendance and its
// CSV → the session ends → the pre-session check of a scheduled session:
// progress bar, then ready / absent lists.
// Every wait is bounded. Screenshots: tests/browser/screenshots/tech-*.png
//
// Run: node --test tests/browser/tech.test.mjs   (needs build/roomctl)

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { launchChromium, SHOTS } from '../lib/browser.mjs';
import { startServer, login, api, freePort, REPO_ROOT } from '../lib/server.mjs';
import { freeUdpPorts, gstSite, until, sleep } from '../lib/media.mjs';
import { SIM, startSim } from '../lib/sim.mjs';
import { WsClient } from '../lib/ws-client.mjs';

const SIM_COUNT = 34;                 // TINH, H01…H27, H01-X01…H01-X06 (the first rows of sites.csv); the
                                      // tick test below drives all 602 tiles
const GST_CODES = ['TINH', 'H01', 'H01-X01', 'H01-X02', 'H01-X03', 'H02'];
const STOPPED = 'H01-X01';            // the site that stops sending
const CAMERA = 'H27-X02';             // a silent site made an RTSP camera: no way back for the program
const CHECK_CODES = ['H01-X01', 'H01-X02', 'H01-X03', 'H02-X01', 'H02-X02'];   // the scheduled session's sites
const TECH = { username: 'kythuat', password: 'kythuat123', full_name: 'Đỗ Mạnh Nam' };

let srv;
let browser;
let page;
let admin;
let ports;
let senders = null;                   // {kind: 'sim'|'gst', codes, stop(code), close()}
const st = { site: {} };              // ids along the way
const pageErrors = [];
const report = {};                    // figures printed at the end

async function shot(name, { full = false } = {}) {
  await page.screenshot({ path: path.join(SHOTS, `tech-${name}.png`), fullPage: full });
  const text = await page.locator('body').innerText();
  assert.doesNotMatch(text, /\b(null|undefined|NaN|\[object Object\])\b/, `stray placeholder text on ${name}`);
}

const tile = (code) => page.locator(`.tile[data-code="${code}"]`);
const tileState = async (code) => (await tile(code).getAttribute('class')).match(/\bs-(\w+)/)[1];

/** Waits in the page (bounded) for fn(arg) to be truthy. */
const pageUntil = (fn, arg, ms, what) => page.waitForFunction(fn, arg, { timeout: ms, polling: 100 })
  .catch((e) => { throw new Error(`timed out after ${ms} ms waiting for ${what}: ${e.message.split('\n')[0]}`); });

/** RFC 4180: quoted fields, doubled quotes, CRLF or LF. */
function parseCsv(text) {
  const rows = [];
  let cur = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') { field += '"'; i++; } else if (c === '"') quoted = false; else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') { cur.push(field); field = ''; } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      cur.push(field); rows.push(cur); cur = []; field = '';
    } else field += c;
  }
  if (field || cur.length) { cur.push(field); rows.push(cur); }
  return rows;
}

// ---------- senders ----------

async function startSimSenders() {
  // Small pictures: 34 sites on the same two cores as the daemon and chromium.
  const sim = await startSim(ports, { count: SIM_COUNT }, ['--size', '320x180', '--bitrate-kbps', '200']);
  const csv = await fs.readFile(path.join(REPO_ROOT, 'configs/demo/sites.csv'), 'utf8');
  const codes = csv.trim().split('\n').slice(1, 1 + SIM_COUNT).map((l) => l.split(',')[0]);
  return {
    kind: 'sim',
    codes,
    async stop(code) {
      const r = await sim.cmd({ cmd: 'fault', site: code, disconnect: true });
      assert.equal(r.ok, true, JSON.stringify(r));
    },
    close: () => sim.stop(),
  };
}

function startGst() {
  const procs = new Map(GST_CODES.map((code) => [code, gstSite(code, ports)]));
  return {
    kind: 'gst',
    codes: GST_CODES,
    async stop(code) { await procs.get(code).stop(); procs.delete(code); },
    async close() { for (const p of procs.values()) await p.stop(); },
  };
}

// ---------- the scenario ----------

describe('technicians\' dashboard', { timeout: 420_000 }, () => {
  before(async () => {
    await fs.mkdir(SHOTS, { recursive: true });
    const base = await freeUdpPorts(4);
    ports = { video: base, audio: base + 2 };
    srv = await startServer({
      args: ['--demo', '--listen', '127.0.0.1'],
      config: {
        media: { video_port: ports.video, audio_port: ports.audio, rtsp_port: await freePort(), rtsp_host: '127.0.0.1', record: 'false' },
        health: { check_seconds: 6 },
      },
      timeoutMs: 30_000,
    });
    admin = await login(srv.base, 'admin', 'admin123');
    const { sites } = await api(srv.base, admin, 'GET', '/api/v1/sites');
    for (const s of sites) st.site[s.code] = s;
    // A scheduled session with a few sites, for the pre-session check.
    const s2 = await api(srv.base, admin, 'POST', '/api/v1/sessions', {
      title: 'Phiên họp chuyên đề tháng 12', room: 'Phòng họp số 2',
      starts_at: '2026-12-10T08:00:00+07:00', ends_at: '2026-12-10T11:00:00+07:00',
    });
    st.checkSession = s2.id;
    await api(srv.base, admin, 'PUT', `/api/v1/sessions/${s2.id}/sites`, { site_ids: CHECK_CODES.map((c) => st.site[c].id) });
    // A camera among the sites (not yet given its URL): its detail says it takes no program.
    await api(srv.base, admin, 'PATCH', `/api/v1/sites/${st.site[CAMERA].id}`, { transport: 'rtsp', address: '' });
    await api(srv.base, admin, 'POST', '/api/v1/sessions/1/start');

    const haveSim = await fs.access(SIM, fs.constants.X_OK).then(() => true, () => false);
    senders = haveSim ? await startSimSenders() : startGst();

    browser = await launchChromium();
    const context = await browser.newContext({
      viewport: { width: 1366, height: 768 }, acceptDownloads: true, locale: 'vi-VN', timezoneId: 'Asia/Ho_Chi_Minh',
    });
    page = await context.newPage();
    page.setDefaultTimeout(10_000);
    page.on('pageerror', (e) => pageErrors.push(`pageerror: ${e.message}`));
    page.on('console', (m) => { if (m.type() === 'error') pageErrors.push(`console: ${m.text()}`); });
  });

  after(async () => {
    if (Object.keys(report).length) console.log(`# tech dashboard figures: ${JSON.stringify(report)}`);
    // tests/bench/tech.mjs runs this file and judges the figures against their targets
    if (process.env.ROOMCTL_TECH_FIGURES) await fs.writeFile(process.env.ROOMCTL_TECH_FIGURES, JSON.stringify(report));
    if (browser) await browser.close();
    if (senders) await senders.close();
    if (srv) await srv.stop();
  });

  it('logs in as the technician and shows the live session\'s 602 sites grouped by district', async () => {
    await page.goto(`${srv.base}/tech/`);
    await page.getByLabel('Tên đăng nhập').waitFor();
    assert.equal(await page.locator('html').getAttribute('lang'), 'vi');
    await shot('01-login');
    await page.getByLabel('Tên đăng nhập').fill(TECH.username);
    await page.getByLabel('Mật khẩu').fill(TECH.password);
    await page.getByRole('button', { name: 'Đăng nhập' }).click();
    await page.locator('.tile').first().waitFor();
    assert.match(page.url(), /#\/monitor\/1$/, 'the live session opens by itself');
    assert.equal(await page.locator('[data-testid=user-role]').textContent(), 'Kỹ thuật viên');
    await page.locator('.conn[data-state=online]').waitFor();
    assert.equal(await page.locator('.tile').count(), 602);
    assert.equal(await page.locator('.count-total').textContent(), '602 điểm cầu');
    // province level (hall + 14 departments) and the 27 districts
    const groups = await page.locator('.group').evaluateAll((els) => els.map((e) => ({
      key: e.dataset.group, title: e.querySelector('.group-title').firstChild.textContent, n: e.querySelectorAll('.tile').length,
    })));
    assert.equal(groups.length, 28, JSON.stringify(groups.map((g) => g.title)));
    assert.deepEqual(groups[0], { key: 'province', title: 'Cấp tỉnh và sở, ngành', n: 15 });
    assert.equal(groups[1].title, st.site.H01.name);
    assert.equal(groups.reduce((n, g) => n + g.n, 0), 602);
    // a district's group: its own site first, then its communes
    const h01 = await page.locator(`.group[data-group="d${st.site.H01.id}"] .tile`).evaluateAll((els) => els.map((e) => e.dataset.code));
    assert.equal(h01[0], 'H01');
    assert.ok(h01.slice(1).every((c) => c.startsWith('H01-X')), h01.join(','));
  });

  it('turns the sending sites green', async () => {
    const t0 = Date.now();
    await pageUntil((codes) => codes.every((c) => document.querySelector(`.tile[data-code="${c}"]`)?.classList.contains('s-online')),
      senders.codes, 30_000, `${senders.codes.length} sites online`);
    report.sites_sending = senders.codes.length;
    report.senders = senders.kind;
    report.green_after_ms = Date.now() - t0;
    const online = Number(await page.locator('.count-btn[data-state=online] .count-val').textContent());
    assert.ok(online >= senders.codes.length, `online count ${online}`);
    assert.match(await tile('H01').locator('.tile-fig').textContent(), /Mb\/s|kb\/s/);
    // a silent site stays grey
    assert.equal(await tileState('H27-X01'), 'unknown');
    await shot('02-monitor');
  });

  it('opens a site\'s detail with live charts of the last minutes', async () => {
    await tile('H01').click();
    const detail = page.locator('#side-detail');
    await detail.locator('.detail-name', { hasText: st.site.H01.name }).waitFor();
    assert.equal(await page.locator('#side-tab-detail').getAttribute('aria-selected'), 'true');
    assert.equal(await detail.locator('.state-pill').textContent(), 'Trực tuyến');
    assert.equal(await detail.locator('.uplot').count(), 3, 'loss, jitter and bitrate charts');
    await pageUntil((id) => {
      const f = window.__tech.feedObj;
      return f.store.points(f.store.indexOf(id)) >= 5;
    }, st.site.H01.id, 15_000, 'five points in the charts');
    // what the charts were given: bitrate points near the sender's rate
    const hist = await page.evaluate((id) => {
      const s = window.__tech.feedObj.store;
      const [x, , , , kbps] = s.history(s.indexOf(id));
      return { n: x.length, kbps: kbps.filter((v) => v != null) };
    }, st.site.H01.id);
    assert.ok(hist.kbps.length >= 5, JSON.stringify(hist));
    assert.ok(hist.kbps.at(-1) > 100, `bitrate ${hist.kbps.at(-1)} kb/s`);
    assert.match(await detail.locator('[data-fig=kbps]').textContent(), /(Mb|kb)\/s/);
    // What its transport sends and takes: plain RTP receives the program.
    const line = detail.locator('[data-testid=site-transport]');
    assert.deepEqual([await line.getAttribute('data-transport'), await line.getAttribute('data-receives')], ['rtp', 'true']);
    assert.match(await line.textContent(), /RTP.*H\.264 \+ Opus.*nhận chương trình/);
    assert.match(await line.textContent(), /chỉ nhận hình, tiếng từ 127\.0\.0\.1/, 'where its media are taken from (media_from)');
    await shot('03-detail');
    // A camera: no program back, said as what it is, not a fault.
    await tile(CAMERA).click();
    await detail.locator('.detail-name', { hasText: st.site[CAMERA].name }).waitFor();
    assert.deepEqual([await line.getAttribute('data-transport'), await line.getAttribute('data-receives')], ['rtsp', 'false']);
    assert.match(await line.textContent(), /RTSP.*G\.711.*không nhận chương trình/);
    await tile('H01').click();
    await detail.locator('.detail-name', { hasText: st.site.H01.name }).waitFor();
  });

  it('turns a site that stops sending red within ~5 s and raises an offline alarm', async () => {
    assert.equal(await tileState(STOPPED), 'online');
    const t0 = Date.now();
    await senders.stop(STOPPED);
    await pageUntil((c) => document.querySelector(`.tile[data-code="${c}"]`)?.classList.contains('s-offline'), STOPPED, 8000, `${STOPPED} red`);
    report.red_after_ms = Date.now() - t0;
    assert.ok(report.red_after_ms < 6000, `red after ${report.red_after_ms} ms`);
    assert.match(await tile(STOPPED).locator('.tile-fig').textContent(), /mất tín hiệu/);
    // the alarm: in the list (alarms tab), counted on the nav, the tile marked
    await page.locator('#side-tab-alarms').click();
    const alarm = page.locator(`li.alarm[data-site="${st.site[STOPPED].id}"][data-kind=offline]`).first();
    await alarm.waitFor({ timeout: 5000 });
    report.alarm_after_ms = Date.now() - t0;
    assert.match(await alarm.textContent(), new RegExp(st.site[STOPPED].name));
    assert.match(await alarm.locator('.alarm-kind').textContent(), /Mất kết nối/);
    assert.match(await alarm.textContent(), /Đang xảy ra|Không nhận được gói tin/);
    assert.ok(await tile(STOPPED).evaluate((e) => e.classList.contains('alarm')), 'the tile blinks until acknowledged');
    assert.ok(Number(await page.locator('[data-view=monitor] .count').textContent()) >= 1);
    assert.match(await page.title(), /^\(\d+\) roomctl/);
    await page.locator('.toast').evaluateAll((els) => els.forEach((e) => e.remove()));
    await shot('04-alarm');
  });

  it('acknowledges the alarm and shows who did it; a second acknowledgement is refused', async () => {
    const alarm = page.locator(`li.alarm[data-site="${st.site[STOPPED].id}"][data-kind=offline]`).first();
    const id = Number(await alarm.getAttribute('data-id'));
    await alarm.getByRole('button', { name: 'Xác nhận' }).click();
    const acked = page.locator(`li.alarm[data-id="${id}"] [data-testid=acked]`);
    await acked.waitFor();
    assert.match(await acked.textContent(), new RegExp(`Đã xác nhận: ${TECH.full_name}, \\d\\d:\\d\\d:\\d\\d`));
    await pageUntil((c) => !document.querySelector(`.tile[data-code="${c}"]`).classList.contains('alarm'), STOPPED, 3000, 'the tile stops blinking');
    const { alarms } = await api(srv.base, admin, 'GET', '/api/v1/alarms?session_id=1');
    const stored = alarms.find((a) => a.id === id);
    assert.equal(stored.acked_by_name, TECH.full_name);
    assert.ok(stored.acked_at);
    // again, from another technician's socket: refused with 1202
    const ws = await WsClient.connect(srv.port, { token: await login(srv.base, TECH.username, TECH.password) });
    try {
      await assert.rejects(ws.request('alarm.ack', { alarm_id: id }), (e) => e.body?.code === 1202);
    } finally { ws.close(); }
    // an alarm acknowledged elsewhere (the admin, over REST) shows up live
    const other = (await api(srv.base, admin, 'GET', '/api/v1/alarms?session_id=1')).alarms.find((a) => !a.acked_at);
    if (other) {
      await api(srv.base, admin, 'POST', `/api/v1/alarms/${other.id}/ack`);
      const adminName = (await api(srv.base, admin, 'GET', '/api/v1/me')).full_name;
      await page.locator(`li.alarm[data-id="${other.id}"] [data-testid=acked]`, { hasText: adminName }).waitFor({ timeout: 5000 });
    }
    await shot('05-acked');
  });

  it('reconnects after the WebSocket drops: snapshot, ticks and alarms again', async () => {
    const before = await page.evaluate(() => ({ ticks: window.__tech.feedObj.store.ticks, alarms: window.__tech.feedObj.alarms.size }));
    await page.evaluate(() => window.__tech.ws._ws.close());
    await page.locator('.conn[data-state=online]').waitFor({ timeout: 10_000 });
    await pageUntil((n) => window.__tech.feedObj.store.ticks > n + 1, before.ticks, 8000, 'ticks after the reconnect');
    assert.equal(await tileState(STOPPED), 'offline');
    assert.equal(await tileState('H01'), 'online');
    assert.equal(await page.evaluate(() => window.__tech.feedObj.alarms.size), before.alarms);
  });

  it('filters by state, by a search without diacritics and by district, and sorts', async () => {
    const visible = () => page.locator('.tile:not([hidden])').evaluateAll((els) => els.map((e) => e.dataset.code));
    await page.locator('.count-btn[data-state=offline]').click();
    assert.deepEqual(await visible(), [STOPPED]);
    await page.locator('.count-btn[data-state=offline]').click();
    assert.equal((await visible()).length, 602);
    await page.getByPlaceholder('Tìm điểm cầu (tên hoặc mã)…').fill('cam xa');   // "Phường Cẩm Xá"
    assert.deepEqual(await visible(), ['H01-X01']);
    assert.equal(await page.locator('.group:not([hidden])').count(), 1);
    await page.getByPlaceholder('Tìm điểm cầu (tên hoặc mã)…').fill('');
    await page.getByLabel('Lọc theo huyện').selectOption(String(st.site.H02.id));
    const h02 = await visible();
    assert.ok(h02.length > 5 && h02.every((c) => c === 'H02' || c.startsWith('H02-X')), h02.join(','));
    await page.getByLabel('Lọc theo huyện').selectOption('');
    // worst state first: the offline site leads its group
    await page.locator('#tech-sort').selectOption('state');
    const first = await page.locator(`.group[data-group="d${st.site.H01.id}"] .tile`).first().getAttribute('data-code');
    assert.equal(first, STOPPED);
    await page.locator('#tech-sort').selectOption('name');
    // one tab stop for the wall; the arrow keys move, Enter opens the detail
    assert.equal(await page.locator('.tile[tabindex="0"]').count(), 1);
    await tile('H01').focus();
    await page.keyboard.press('ArrowRight');
    const right = await page.evaluate(() => document.activeElement.dataset.code);
    const order = await page.locator(`.group[data-group="d${st.site.H01.id}"] .tile`).evaluateAll((els) => els.map((e) => e.dataset.code));
    assert.equal(right, order[1]);
    await page.keyboard.press('ArrowDown');
    const below = await page.evaluate(() => document.activeElement.dataset.code);
    assert.ok(order.indexOf(below) > 1, `${below} is on the next row`);
    await page.keyboard.press('Enter');
    await page.locator('#side-detail .detail-where', { hasText: below }).waitFor();
    assert.equal(await page.locator('.tile[tabindex="0"]').count(), 1);
    // compact tiles for a wall
    await page.locator('[data-density=compact]').click();
    await shot('06-compact');
    await page.locator('[data-density=detail]').click();
  });

  it('switches to English and back', async () => {
    await page.locator('.lang-select').selectOption('en');
    await page.locator('.count-btn[data-state=online] .count-label', { hasText: 'Online' }).waitFor();
    assert.equal(await page.locator('html').getAttribute('lang'), 'en');
    assert.equal(await page.locator('.count-total').textContent(), '602 sites');
    assert.match(await page.locator('#side-tab-alarms').textContent(), /Alarms/);
    assert.equal(await page.locator('.tile').count(), 602);
    await tile('H02').click();
    await page.locator('#side-detail .state-pill', { hasText: 'Online' }).waitFor();
    await shot('07-english');
    await page.locator('.lang-select').selectOption('vi');
    await page.locator('.count-btn[data-state=online] .count-label', { hasText: 'Trực tuyến' }).waitFor();
  });

  it('is readable on a wall screen', async () => {
    await page.setViewportSize({ width: 1920, height: 1080 });
    await page.locator('#side-tab-alarms').click();
    await shot('08-wall');
    await page.locator('[data-density=compact]').click();
    await shot('09-wall-compact');
    await page.locator('[data-density=detail]').click();
    await page.setViewportSize({ width: 1366, height: 768 });
  });

  it('gives the floor to a site and back to the chair from the program page', async () => {
    await page.getByRole('link', { name: 'Chương trình' }).click();
    await page.getByRole('heading', { name: 'Điều khiển chương trình' }).waitFor();
    assert.match(await page.locator('[data-testid=chair]').textContent(), /TINH/);
    const picker = page.locator('#floor-pick');
    await picker.fill('ngoc lam');   // "Thị xã Ngọc Lâm" (H02), typed without diacritics
    await page.locator('#floor-pick-list .picker-item', { hasText: st.site.H02.name }).first().click();
    await page.locator('[data-testid=floor]', { hasText: 'H02' }).waitFor();
    const media = await api(srv.base, admin, 'GET', '/api/v1/media');
    assert.equal(media.floor_site_id, st.site.H02.id);
    // the program follows at the next keyframe (every 2 s from the senders)
    await page.locator('[data-testid=source]', { hasText: 'H02' }).waitFor({ timeout: 8000 });
    assert.match(await page.locator('[data-testid=room-audio-none]').textContent(), /chưa được cấu hình/);
    // how long the program's packets spend inside the controller (switch mode)
    const delay = page.locator('[data-testid=forward-delay]');
    await delay.filter({ hasText: /trung vị ≤ [\d.]+ ms · p99 ≤ [\d.]+ ms/ }).waitFor({ timeout: 8000 });
    const fd = (await api(srv.base, admin, 'GET', '/api/v1/media/stats')).forward_delay;
    assert.ok(fd.count > 0, JSON.stringify(fd));
    await page.locator('.toast').evaluateAll((els) => els.forEach((e) => e.remove()));
    await shot('10-program');
    await page.getByRole('button', { name: 'Trả về chủ tọa' }).click();
    await page.locator('[data-testid=floor]', { hasText: 'Chủ tọa' }).waitFor();
    assert.equal((await api(srv.base, admin, 'GET', '/api/v1/media')).floor_site_id, 0);
    // a composed layout of two sites, then back to one site
    await page.locator('#tile-pick').fill('H01-X02');
    await page.locator('#tile-pick-list .picker-item').first().click();
    await page.locator('#tile-pick').fill('hoa xanh');   // "Thành phố Hòa Xanh" (H01)
    await page.locator('#tile-pick-list .picker-item', { hasText: st.site.H01.name }).first().click();
    assert.equal(await page.locator('.tile-chips .chip').count(), 2);
    assert.equal(await page.locator('[data-mode=compose]').getAttribute('aria-pressed'), 'true');
    await page.getByRole('button', { name: 'Áp dụng' }).click();
    await page.locator('[data-testid=mode]', { hasText: 'Ghép khung' }).waitFor();
    await delay.filter({ hasText: 'chỉ đo ở chế độ một điểm cầu' }).waitFor();
    let m = await api(srv.base, admin, 'GET', '/api/v1/media');
    assert.equal(m.mode, 'compose');
    assert.deepEqual(m.tiles, [st.site['H01-X02'].id, st.site.H01.id]);
    await page.locator('[data-mode=switch]').click();
    await page.getByRole('button', { name: 'Áp dụng' }).click();
    await page.locator('[data-testid=mode]', { hasText: 'Một điểm cầu' }).waitFor();
    m = await api(srv.base, admin, 'GET', '/api/v1/media');
    assert.equal(m.mode, 'switch');
    // the monitor marks the site on air
    await page.getByRole('link', { name: 'Giám sát' }).click();
    await pageUntil(() => document.querySelector('.tile.pgm')?.dataset.code === 'TINH', null, 8000, 'TINH on air');
  });

  it('handles ticks of 602 sites (typical and worst case) and reports the time per tick', async () => {
    // The real ticks so far (602 rows each, a few dozen sites sending).
    const real = await page.evaluate(() => ({ tick: window.__techPerf.values('tick'), frame: window.__techPerf.values('frame') }));
    // Then synthetic ticks through the real message path (JSON text →
    // RoomSocket → feed → store; the grid on the next animation frame), 10 a
    // second: "typical" = all 602 sites sending with bitrates wobbling ±5 %
    // and 1 % of them changing state per tick; "worst" = every site changes
    // its state, flags and figures on every tick.
    const run = (scenario) => page.evaluate(async ({ scenario, n }) => {
      const ctx = window.__tech;
      const store = ctx.feedObj.store;
      const states = ['online', 'degraded', 'offline', 'unknown'];
      const ids = store.sites.map((s) => s.id);
      window.__techPerf.reset();
      const longFrames = [];
      const obs = PerformanceObserver.supportedEntryTypes?.includes('long-animation-frame')
        ? new PerformanceObserver((l) => { for (const e of l.getEntries()) longFrames.push(e.duration); }) : null;
      obs?.observe({ type: 'long-animation-frame' });
      const parse = [];
      const painted = [];
      const row = scenario === 'worst'
        ? (id, i, k) => ({
          site_id: id, state: states[(i + k) % 4], video_problem: (i + k) % 7 === 0, audio_problem: (i + k) % 11 === 0,
          loss_percent: ((i * 7 + k * 13) % 90) / 10, jitter_ms: (i + k) % 50, since_s: k, kbps: 300 + ((i * 31 + k * 97) % 1500),
          audio_kbps: 40 + (k % 8), rr_loss_percent: (i + k) % 5 ? 0 : 1.5, idle_s: 0,
        })
        : (id, i, k) => ({
          site_id: id, state: (i * 7919 + k * 104729) % 100 === 0 ? 'degraded' : 'online', video_problem: false, audio_problem: false,
          loss_percent: 0, jitter_ms: 1 + ((i + k) % 3), since_s: k, kbps: 1000 * (0.95 + ((i * 31 + k * 17) % 100) / 1000),
          audio_kbps: 44, rr_loss_percent: 0, idle_s: 0,
        });
      for (let k = 0; k < n; k++) {
        const sites = ids.map((id, i) => row(id, i, k));
        const counts = { unknown: 0, online: 0, degraded: 0, offline: 0 };
        for (const s of sites) counts[s.state]++;
        const data = JSON.stringify({ type: 'health.tick', session_id: -ctx.feedObj.id, body: { counts, sites, ingest: { video: {}, audio: {} } } });
        const p0 = performance.now();
        JSON.parse(data);
        parse.push(performance.now() - p0);
        const sent = performance.now();
        ctx.ws._onMessage({ data });
        // The grid draws on the next animation frame; a message posted from a
        // later callback of that frame runs once its style, layout and paint are done.
        await new Promise((r) => requestAnimationFrame(() => {
          const ch = new MessageChannel();
          ch.port1.onmessage = () => { painted.push(performance.now() - sent); r(); };
          ch.port2.postMessage(0);
        }));
        await new Promise((r) => setTimeout(r, 80));
      }
      obs?.disconnect();
      return { tick: window.__techPerf.values('tick'), frame: window.__techPerf.values('frame'), parse, painted, longFrames };
    }, { scenario, n: 80 });
    const q = (arr, p) => { const s = arr.slice().sort((a, b) => a - b); return s.length ? s[Math.min(s.length - 1, Math.floor(p * s.length))] : NaN; };
    const r1 = (v) => Math.round(v * 10) / 10;
    report.real_ticks = real.tick.length;
    report.real_tick_p95_ms = r1(q(real.tick, 0.95));
    report.real_frame_p95_ms = r1(q(real.frame, 0.95));
    for (const scenario of ['typical', 'worst']) {
      const m = await run(scenario);
      const f = {
        ticks: m.tick.length,
        handler_p50_ms: r1(q(m.tick, 0.5)), handler_p95_ms: r1(q(m.tick, 0.95)), handler_max_ms: r1(Math.max(...m.tick)),
        dom_frame_p50_ms: r1(q(m.frame, 0.5)), dom_frame_p95_ms: r1(q(m.frame, 0.95)),
        json_parse_p95_ms: r1(q(m.parse, 0.95)),
        tick_to_painted_p50_ms: r1(q(m.painted, 0.5)), tick_to_painted_p95_ms: r1(q(m.painted, 0.95)),
        long_animation_frames: m.longFrames.length,
      };
      report[scenario] = f;
      console.log(`# ${scenario} ticks, 602 sites: handler p50/p95/max ${f.handler_p50_ms}/${f.handler_p95_ms}/${f.handler_max_ms} ms, `
        + `DOM update p50/p95 ${f.dom_frame_p50_ms}/${f.dom_frame_p95_ms} ms, JSON.parse p95 ${f.json_parse_p95_ms} ms, `
        + `tick → painted (incl. the wait for the frame, style, layout, paint) p50/p95 ${f.tick_to_painted_p50_ms}/${f.tick_to_painted_p95_ms} ms, `
        + `frames over 50 ms ${f.long_animation_frames}/${f.ticks}`);
      assert.ok(m.tick.length >= 70, `${scenario}: ticks handled ${m.tick.length}`);
      assert.ok(m.frame.length >= 40, `${scenario}: frames drawn ${m.frame.length}`);
      // The time targets (p95 under one 60 Hz frame, 16 ms) are judged by
      // the benchmark `tech` (tests/bench/tech.mjs), not here: on two busy
      // cores a test of them fails for the host's sake, not the page's.
    }
    console.log(`# real ticks: handler p95 ${report.real_tick_p95_ms} ms, DOM update p95 ${report.real_frame_p95_ms} ms (n=${report.real_ticks})`);
    // the real ticks take over again: H01 is green on the next one
    await pageUntil(() => document.querySelector('.tile[data-code="H01"]').classList.contains('s-online'), null, 5000, 'real state back');
  });

  it('lists the site attendance and downloads it as CSV', async () => {
    await page.getByRole('link', { name: 'Điểm danh điểm cầu' }).click();
    await page.getByRole('heading', { name: 'Điểm danh điểm cầu' }).waitFor();
    const stopped = page.locator(`.att-table tr[data-site="${st.site[STOPPED].id}"]`).first();
    await stopped.waitFor();
    assert.match(await stopped.textContent(), /Điểm cầu ngừng gửi tín hiệu/);
    const open = page.locator(`.att-table tr[data-site="${st.site.H01.id}"]`, { hasText: 'Đang kết nối' });
    await open.waitFor();
    await shot('11-attendance');
    const [download] = await Promise.all([
      page.waitForEvent('download', { timeout: 10_000 }),
      page.getByRole('button', { name: 'Tải CSV' }).click(),
    ]);
    assert.equal(download.suggestedFilename(), 'site-attendance-session-1.csv');
    const text = await fs.readFile(await download.path(), 'utf8');
    assert.ok(text.startsWith('\uFEFF'), 'a byte order mark for spreadsheet apps');
    const [head, ...rows] = parseCsv(text.slice(1).trim());
    assert.deepEqual(head, ['site_id', 'code', 'name', 'level', 'joined_at', 'left_at', 'seconds', 'left_reason', 'packets', 'lost', 'jitter_ms', 'kbps', 'freezes', 'sip_cause']);
    const call = rows.find((r) => r[1] === STOPPED && r[5]);
    assert.ok(call, `the stopped site's call in ${rows.length} rows`);
    assert.equal(call[2], st.site[STOPPED].name, 'Vietnamese names survive');
    assert.equal(call[7], 'the site stopped sending');
    assert.ok(Number(call[8]) > 100, `packets ${call[8]}`);
    assert.ok(rows.length >= senders.codes.length, `${rows.length} calls`);
  });

  it('shows that the session ended', async () => {
    await page.getByRole('link', { name: 'Giám sát' }).click();
    await page.locator('.tile').first().waitFor();
    await api(srv.base, admin, 'POST', '/api/v1/sessions/1/end');
    await page.locator('.session-note', { hasText: 'Phiên họp đã kết thúc' }).waitFor();
  });

  it('runs the pre-session check of a scheduled session with a progress bar and its result', async () => {
    await page.getByRole('link', { name: 'Kiểm tra trước phiên' }).click();
    await page.getByRole('heading', { name: 'Kiểm tra điểm cầu trước phiên họp' }).waitFor();
    // The page opens on the next scheduled session to start (the demo's units have theirs too) ...
    const { sessions } = await api(srv.base, admin, 'GET', '/api/v1/sessions?status=scheduled');
    const next = sessions.sort((a, b) => a.starts_at.localeCompare(b.starts_at))[0];
    assert.match(page.url(), new RegExp(`#/check/${next.id}$`));
    // ... and checks the one asked for.
    await page.evaluate((id) => { location.hash = `#/check/${id}`; }, st.checkSession);
    await page.locator('.page-head .sub', { hasText: '5 điểm cầu' }).waitFor();
    assert.match(page.url(), new RegExp(`#/check/${st.checkSession}$`));
    assert.match(await page.locator('.page-head .sub').textContent(), /5 điểm cầu/);
    await page.getByRole('button', { name: 'Bắt đầu kiểm tra' }).click();
    const bar = page.locator('.check-progress .progress-bar');
    await bar.waitFor();
    await pageUntil(() => parseFloat(document.querySelector('.check-progress .progress-bar')?.style.width) > 10, null, 5000, 'the bar moves');
    await shot('12-check-progress');
    const result = page.locator('.check-result .verdicts');
    await result.waitFor({ timeout: 15_000 });
    const lists = await page.locator('.verdict').evaluateAll((els) => Object.fromEntries(els.map((e) => [e.dataset.verdict,
      [...e.querySelectorAll('.vl-code')].map((x) => x.textContent)])));
    const sending = CHECK_CODES.filter((c) => senders.codes.includes(c) && c !== STOPPED);
    const silent = CHECK_CODES.filter((c) => !sending.includes(c));
    assert.deepEqual([...lists.ready, ...lists.degraded].sort(), sending.sort(), JSON.stringify(lists));
    assert.deepEqual(lists.absent.sort(), silent.sort(), JSON.stringify(lists));
    assert.ok(await page.locator('.check-progress').isHidden());
    await page.locator('.check-history tbody tr').first().waitFor();
    const { checks } = await api(srv.base, admin, 'GET', `/api/v1/sessions/${st.checkSession}/checks`);
    assert.equal(checks[0].result.absent, silent.length);
    await shot('13-check-result', { full: true });
  });

  it('has no errors in the page', () => {
    assert.deepEqual(pageErrors, []);
  });
});
