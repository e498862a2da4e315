// Browser test of the program players (WHEP) of the other apps: the real
// daemon (demo province) with WebRTC on, a plain-RTP site (H01, gst-launch
// H.264 + Opus) holding the floor, so the program is its picture and its
// sound is in the mix; Debian's chromium as the secretariat's console (the
// "Truyền hình" tab of the session), a delegate's tablet (the
// optional program pane, off until switched on) and the technicians'
// dashboard (the program page's player, and one site's own stream from
// the site detail, WHEP ?site=).
//
// Each player: the call connects, the frames decoded keep growing and the
// program's audio packets arrive; leaving the tab or switching the pane
// off ends the call. Screenshots: tests/browser/screenshots/whep-*.png at
// 1280 and 420 px.
//
// Run: node --test tests/browser/whep-viewers.test.mjs   (needs build/roomctl with WebRTC)

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { launchChromium, SHOTS } from '../lib/browser.mjs';
import { login, api } from '../lib/server.mjs';
import { gstSite, sleep, until } from '../lib/media.mjs';
import { startWebrtcDemo } from '../lib/webrtc.mjs';
import { WsClient } from '../lib/ws-client.mjs';

const SPEAKER = 'H01';
const FLAGS = ['--autoplay-policy=no-user-gesture-required', '--allow-loopback-in-peer-connection'];

let srv;
let browser;
let admin;
let chair;
let sender = null;
const st = { site: {} };
const pageErrors = [];

async function newPage(width = 1280, height = 800) {
  const context = await browser.newContext({ viewport: { width, height }, locale: 'vi-VN', timezoneId: 'Asia/Ho_Chi_Minh' });
  const page = await context.newPage();
  page.setDefaultTimeout(10_000);
  page.on('pageerror', (e) => pageErrors.push(`pageerror: ${e.message}`));
  page.on('console', (m) => { if (m.type() === 'error' && !/Failed to load resource/.test(m.text())) pageErrors.push(`console: ${m.text()}`); });
  return page;
}

async function shot(page, name, { width = 1280, height = 800, full = false } = {}) {
  await page.setViewportSize({ width, height });
  await sleep(200);
  await page.screenshot({ path: path.join(SHOTS, `whep-${name}.png`), fullPage: full });
  const text = await page.locator('body').innerText();
  assert.doesNotMatch(text, /\b(null|undefined|NaN|\[object Object\])\b/, `stray placeholder text on ${name}`);
}

async function logIn(page, app, username, password) {
  await page.goto(`${srv.base}/${app}/`);
  await page.locator('input[name=username]').fill(username);
  await page.locator('input[name=password]').fill(password);
  await page.locator('form button[type=submit].btn').click();
  await page.locator('[data-testid=user-name]').waitFor();
}

/** The player @sel (a data-testid) plays: connected, frames and audio packets growing. */
async function assertPlays(page, sel, t, what) {
  const player = page.locator(`[data-testid=${sel}]`);
  await page.waitForFunction((s) => document.querySelector(`[data-testid=${s}]`)?.dataset.state === 'connected', sel,
    { timeout: 20_000, polling: 100 }).catch(async (e) => {
    const d = await player.evaluate((el) => ({ ...el.dataset, text: el.innerText })).catch(() => null);
    throw new Error(`${what}: not connected: ${e.message.split('\n')[0]}; player: ${JSON.stringify(d)}; errors: ${pageErrors.join(' | ')}`);
  });
  await page.waitForFunction((s) => Number(document.querySelector(`[data-testid=${s}]`)?.dataset.framesDecoded) > 25, sel,
    { timeout: 15_000, polling: 200 }).catch(async (e) => {
    const d = await player.evaluate((el) => ({ ...el.dataset })).catch(() => null);
    throw new Error(`${what}: no frames: ${e.message.split('\n')[0]}; player: ${JSON.stringify(d)}`);
  });
  const a = await player.evaluate((el) => ({ ...el.dataset }));
  await sleep(2000);
  const b = await player.evaluate((el) => ({ ...el.dataset, time: el.querySelector('video').currentTime, w: el.querySelector('video').videoWidth }));
  t.diagnostic(`${what}: frames ${a.framesDecoded} → ${b.framesDecoded}, audio packets ${a.audioPackets} → ${b.audioPackets}, ${b.w} px wide, at ${b.time.toFixed(1)} s`);
  assert.ok(Number(b.framesDecoded) > Number(a.framesDecoded) + 10, `${what}: frames decoded grow`);
  assert.ok(Number(b.audioPackets) > Number(a.audioPackets) + 20, `${what}: program audio packets arrive`);
  assert.ok(b.w > 0 && b.time > 0, `${what}: the video plays`);
}

describe('program players (WHEP)', { timeout: 300_000 }, () => {
  before(async () => {
    await fs.mkdir(SHOTS, { recursive: true });
    srv = await startWebrtcDemo();
    admin = await login(srv.base, 'admin', 'admin123');
    const { sites } = await api(srv.base, admin, 'GET', '/api/v1/sites');
    for (const s of sites) st.site[s.code] = s;
    await api(srv.base, admin, 'PUT', '/api/v1/sessions/1/sites', { site_ids: ['TINH', SPEAKER, 'H02'].map((c) => st.site[c].id) });
    await api(srv.base, admin, 'POST', '/api/v1/sessions/1/start');
    sender = gstSite(SPEAKER, srv.media);
    await until(async () => {
      const s = (await api(srv.base, admin, 'GET', '/api/v1/media/stats')).sites.find((x) => x.code === SPEAKER);
      return s && s.video && s.video.packets > 50;
    }, 15_000, `${SPEAKER} sending`);
    chair = await WsClient.connect(srv.port, { token: await login(srv.base, 'chutoa', 'chutoa123') });
    await chair.request('floor.site', { session_id: 1, site_id: st.site[SPEAKER].id });
    browser = await launchChromium(FLAGS);
  });

  after(async () => {
    if (browser) await browser.close();
    if (chair) chair.close();
    if (sender) await sender.stop();
    if (srv) await srv.stop();
  });

  it('console: the session\'s live program tab plays the speaker, and leaving the tab ends the call', async (t) => {
    const page = await newPage();
    await logIn(page, 'console', 'thuky', 'thuky123');
    await page.goto(`${srv.base}/console/#/sessions/1/program`);
    const player = page.locator('[data-testid=program-player]');
    await player.waitFor();
    assert.equal(await player.getAttribute('data-state'), 'idle', 'nothing is received before "Xem"');
    await shot(page, '01-console-idle');
    await player.getByRole('button', { name: 'Xem' }).click();
    await assertPlays(page, 'program-player', t, 'console');
    await shot(page, '02-console-playing');
    await shot(page, '03-console-playing-narrow', { width: 420, height: 860, full: true });
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.locator('[data-tab=agenda]').click();
    await page.locator('[data-testid=program-player]').waitFor({ state: 'detached' });
    await page.context().close();
  });

  it('tablet: the program pane is off until switched on, then plays; switched off, it goes', async (t) => {
    const page = await newPage(1280, 800);
    await logIn(page, 'tablet', 'db01', '123456');
    await page.locator('.tb-bar').waitFor();
    assert.equal(await page.locator('[data-testid=program-pane]').isVisible(), false, 'off by default');
    await page.locator('[data-testid=program-toggle]').click();
    await assertPlays(page, 'program-player', t, 'tablet');
    await shot(page, '04-tablet-program');
    await shot(page, '05-tablet-program-narrow', { width: 420, height: 860 });
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.locator('[data-testid=program-toggle]').click();
    await page.locator('[data-testid=program-player]').waitFor({ state: 'detached' });
    assert.equal(await page.evaluate(() => localStorage.getItem('roomctl.tablet.program')), '0');
    await page.context().close();
  });

  it('the client tries again after a 5xx (1 s, then 2 s) and stops on 409 with the reason shown', async (t) => {
    const page = await newPage();
    await logIn(page, 'console', 'thuky', 'thuky123');
    const posts = [];
    let mode = 'flaky';
    await page.route('**/api/v1/sessions/1/whep', async (route) => {
      if (route.request().method() !== 'POST') { await route.continue(); return; }
      posts.push(Date.now());
      if (mode === 'flaky' && posts.length <= 2) {
        await route.fulfill({ status: 503, contentType: 'application/json', body: JSON.stringify({ error: { code: 1500, name: 'unavailable', reason: 'busy' } }) });
      } else if (mode === 'conflict') {
        await route.fulfill({ status: 409, contentType: 'application/json', body: JSON.stringify({ error: { code: 1201, name: 'invalid_state', reason: 'the session is not live' } }) });
      } else {
        await route.continue();
      }
    });
    await page.goto(`${srv.base}/console/#/sessions/1/program`);
    const player = page.locator('[data-testid=program-player]');
    await player.getByRole('button', { name: 'Xem' }).click();
    await page.waitForFunction(() => document.querySelector('[data-testid=program-player]')?.dataset.state === 'reconnecting');
    assert.match(await player.locator('.rtc-state').innerText(), /thử lại sau 1 giây/);
    await assertPlays(page, 'program-player', t, 'after two 503s');
    assert.equal(posts.length, 3, 'two refused offers, then the one answered');
    const gaps = [posts[1] - posts[0], posts[2] - posts[1]];
    t.diagnostic(`waits between offers: ${gaps.join(' ms, ')} ms`);
    assert.ok(gaps[0] >= 900 && gaps[0] < 2500 && gaps[1] >= 1900 && gaps[1] < 3500, `backoff 1 s then 2 s: ${gaps}`);
    await player.getByRole('button', { name: 'Dừng xem' }).click();
    mode = 'conflict';
    const before = posts.length;
    await player.getByRole('button', { name: 'Xem' }).click();
    await page.waitForFunction(() => document.querySelector('[data-testid=program-player]')?.dataset.state === 'refused');
    assert.match(await player.locator('.rtc-overlay').innerText(), /Phiên họp chưa diễn ra hoặc đã kết thúc.*the session is not live/s);
    await sleep(2500);
    assert.equal(posts.length, before + 1, 'a refusal is not tried again');
    await shot(page, '08-console-refused');
    await page.context().close();
  });

  it('tech: the program page plays the program, the site detail the site\'s own stream', async (t) => {
    const page = await newPage(1366, 800);
    await logIn(page, 'tech', 'kythuat', 'kythuat123');
    // The app first routes to its default page (#/monitor/ID): go on from there, not while that is under way.
    await page.waitForURL(/#\/monitor\/\d+$/);
    await page.locator('.tile').first().waitFor();
    await page.goto(`${srv.base}/tech/#/program/1`);
    const player = page.locator('[data-testid=program-player]');
    await player.waitFor();
    await player.getByRole('button', { name: 'Xem' }).click();
    await assertPlays(page, 'program-player', t, 'tech program');
    await shot(page, '06-tech-program', { width: 1366 });
    await page.goto(`${srv.base}/tech/#/monitor/1`);
    await page.locator(`.tile[data-code="${SPEAKER}"]`).click();
    await page.locator('[data-testid=watch-site]').click();
    await assertPlays(page, 'site-player', t, 'tech site stream');
    await shot(page, '07-tech-site-stream', { width: 1366 });
    await page.locator('[data-testid=watch-site]').click();
    await page.locator('[data-testid=site-player]').waitFor({ state: 'detached' });
    await page.context().close();
    assert.deepEqual(pageErrors, []);
  });
});
