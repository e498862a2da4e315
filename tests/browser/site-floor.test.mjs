// Browser test of the sites asking for the floor: a commune PC (/site/,
// signed in with its site key) presses "Xin phát biểu"; the chair's
// console (the session's "Truyền hình" tab) lists it, live, and its "Trao
// lời" gives it the floor: the list empties and the site's page shows
// "Đang phát biểu". Then staff ask for another site (H01, WS
// floor.site.request), the technicians' program page (/tech/) lists it, and
// its "Trao lời" gives it the floor too. The site asks again and withdraws
// ("Rút"): the console's list follows. Screenshots:
// tests/browser/screenshots/site-floor-*.png.
//
// Run: node --test tests/browser/site-floor.test.mjs   (needs build/roomctl with WebRTC)

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { launchChromium, SHOTS } from '../lib/browser.mjs';
import { login, api, request } from '../lib/server.mjs';
import { until } from '../lib/media.mjs';
import { startWebrtcDemo } from '../lib/webrtc.mjs';
import { WsClient } from '../lib/ws-client.mjs';

const SITE = 'H03';
let srv, browser, context, admin, chair, secret = null, skipWhy = null;
const site = {};
const pageErrors = [];

async function newPage() {
  const page = await context.newPage();
  page.setDefaultTimeout(10_000);
  page.on('pageerror', (e) => pageErrors.push(`pageerror: ${e.message}`));
  return page;
}

async function signIn(page, url, username, password) {
  await page.goto(url);
  await page.locator('input[name="username"]').fill(username);
  await page.locator('input[name="password"]').fill(password);
  await page.locator('input[name="password"]').press('Enter');
}

const asking = async () => (await api(srv.base, admin, 'GET', '/api/v1/sessions/1/site-floor')).sites.map((s) => s.code).join(',');

describe('sites asking for the floor: /site/, the console, /tech/', { timeout: 180_000 }, () => {
  let sitePage, consolePage, techPage;

  before(async () => {
    await fs.mkdir(SHOTS, { recursive: true });
    srv = await startWebrtcDemo();
    admin = await login(srv.base, 'admin', 'admin123');
    for (const s of (await api(srv.base, admin, 'GET', '/api/v1/sites')).sites) site[s.code] = s;
    const patched = await request(srv.base, admin, 'PATCH', `/api/v1/sites/${site[SITE].id}`, { transport: 'webrtc' });
    if (patched.status !== 200) { skipWhy = `no WebRTC sites in this build (${patched.status})`; return; }
    await api(srv.base, admin, 'PUT', '/api/v1/sessions/1/sites', { site_ids: ['TINH', 'H01', SITE].map((c) => site[c].id) });
    secret = (await api(srv.base, admin, 'POST', `/api/v1/sites/${site[SITE].id}/credential`)).secret;
    await api(srv.base, admin, 'POST', '/api/v1/sessions/1/start');
    chair = await WsClient.connect(srv.port, { token: await login(srv.base, 'chutoa', 'chutoa123') });
    browser = await launchChromium(['--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream']);
    context = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'vi-VN', timezoneId: 'Asia/Ho_Chi_Minh' });
  });

  after(async () => {
    if (browser) await browser.close();
    if (chair) chair.close();
    if (srv) await srv.stop();
  });

  it('the site presses "Xin phát biểu"; the console lists it and gives it the floor with "Trao lời"', async (t) => {
    if (skipWhy) { t.skip(skipWhy); return; }
    sitePage = await newPage();
    await sitePage.goto(`http://localhost:${srv.port}/site/`);
    await sitePage.locator('[data-testid=site-key]').fill(secret);
    await sitePage.getByRole('button', { name: 'Đăng nhập' }).click();
    await sitePage.locator('[data-testid=session-title]').waitFor();
    const ask = sitePage.locator('[data-testid=ask-floor]');
    await ask.waitFor();
    assert.equal((await ask.textContent()).trim(), 'Xin phát biểu');

    consolePage = await newPage();
    await signIn(consolePage, `${srv.base}/console/#/sessions/1/program`, 'chutoa', 'chutoa123');
    await consolePage.locator('[data-testid=site-floor-none]').waitFor();

    await ask.click();
    await sitePage.getByText('Đã xin phát biểu: chờ chủ tọa trao lời.').waitFor();
    assert.equal((await ask.textContent()).trim(), 'Rút');
    assert.equal(await asking(), SITE);
    // The console hears it (floor.sites.updated), without a reload.
    const item = consolePage.locator(`.site-floor-item[data-code=${SITE}]`);
    await item.waitFor();
    assert.match(await item.textContent(), /bằng|từ máy tính/);
    await consolePage.screenshot({ path: path.join(SHOTS, 'site-floor-console.png'), fullPage: true });
    await sitePage.screenshot({ path: path.join(SHOTS, 'site-floor-site.png') });

    await consolePage.locator(`[data-testid=give-${SITE}]`).click();
    await consolePage.locator('[data-testid=site-floor-none]').waitFor();
    assert.equal(await asking(), '');
    // The site's page, polling its view, is on the floor and asks no more.
    await sitePage.locator('[data-testid=floor-banner]').waitFor({ state: 'visible', timeout: 10_000 });
    assert.equal(await ask.isHidden(), true);
  });

  it('staff ask for H01; /tech/ lists it and gives it the floor', async (t) => {
    if (skipWhy) { t.skip(skipWhy); return; }
    techPage = await newPage();
    await signIn(techPage, `${srv.base}/tech/#/program/1`, 'kythuat', 'kythuat123');
    await techPage.locator('[data-testid=site-floor-none]').waitFor();
    await chair.request('floor.site.request', { session_id: 1, site_id: site.H01.id });
    const item = techPage.locator('.site-floor-item[data-code=H01]');
    await item.waitFor();
    assert.match(await item.textContent(), /qua cán bộ/);
    await techPage.screenshot({ path: path.join(SHOTS, 'site-floor-tech.png'), fullPage: true });
    await techPage.locator('[data-testid=give-H01]').click();
    await techPage.locator('[data-testid=site-floor-none]').waitFor();
    const media = await api(srv.base, admin, 'GET', '/api/v1/media?session_id=1');
    assert.equal(media.floor_site_id, site.H01.id);
  });

  it('the site asks again and withdraws ("Rút"): the console follows', async (t) => {
    if (skipWhy) { t.skip(skipWhy); return; }
    const ask = sitePage.locator('[data-testid=ask-floor]');
    await until(async () => !(await ask.isHidden()), 10_000, 'the button back once the floor went elsewhere');
    await ask.click();
    await consolePage.locator(`.site-floor-item[data-code=${SITE}]`).waitFor();
    await sitePage.getByRole('button', { name: 'Rút' }).click();
    await consolePage.locator('[data-testid=site-floor-none]').waitFor();
    assert.equal(await asking(), '');
    assert.deepEqual(pageErrors, []);
  });
});
