// Browser test of the sites asking for the floor: a commune PC (/site/,
// signed in with its site key) presses "Xin phát biểu"; the chair's
// console (the session's "Truyền hình" tab) lists it, live, and its "Trao
// lời" gives it the floor: the list empties and the site's page shows
// "Đang phát biểu". Then staff ask for another site (H01, WS
// floor.site.request), the technicians' program page (/tech/) lists it, and
// its "Trao lời" gives it the floor too. The site asks again and withdraws
// ("Rút"): the console's list follows. Then a district's console whose
// session's chair site is a SIP call up (sipp plays the province): "Xin
// phát biểu lên cấp trên" keys "*1" on that call by INFO. Screenshots:
// tests/browser/screenshots/site-floor-*.png.
//
// Run: node --test tests/browser/site-floor.test.mjs   (needs build/roomctl with WebRTC)

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { launchChromium, SHOTS } from '../lib/browser.mjs';
import { login, api, request, startServer, freePort } from '../lib/server.mjs';
import { until, freeUdpPorts } from '../lib/media.mjs';
import { freeSipPort, runSipp, sdp, uasScenario } from '../lib/sipp.mjs';
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

describe('a district console asks the upper level for the floor', { timeout: 120_000 }, () => {
  let dsrv, dbrowser, work, uas;

  before(async () => {
    work = await fs.mkdtemp(path.join(os.tmpdir(), 'roomctl-uplink-'));
    // The province (sipp) answers the district's call and every INFO (-aa); it listens (its ports taken)
    // before the district's ports are chosen and its session starts.
    const provincePort = await freeUdpPorts(4);
    uas = await runSipp(work, 'province', uasScenario('tinh', { body: sdp(false) }), { port: provincePort, extra: ['-aa'] });
    const taken = () => new Promise((resolve) => {
      const sock = dgram.createSocket('udp4');
      sock.once('error', () => resolve(true));
      sock.bind(provincePort, '127.0.0.1', () => sock.close(() => resolve(false)));
    });
    await until(taken, 5000, 'sipp listening', async () => (uas.proc.exitCode === null ? 'running' : await uas.done));
    const sipPort = await freeSipPort(), base = await freeUdpPorts(4);
    dsrv = await startServer({
      args: ['--demo', '--listen', '127.0.0.1'],
      config: {
        media: { video_port: base, audio_port: base + 2, rtsp_port: await freePort(), record: 'false', webrtc_port: 0 },
        sip: { port: sipPort },
      },
    });
    const dadmin = await login(dsrv.base, 'admin', 'admin123');
    const all = (await api(dsrv.base, dadmin, 'GET', '/api/v1/sites')).sites;
    const tinh = all.find((x) => x.code === 'TINH'), h02 = all.find((x) => x.code === 'H02');
    await api(dsrv.base, dadmin, 'PATCH', `/api/v1/sites/${tinh.id}`, { transport: 'sip', address: `sip:tinh@127.0.0.1:${provincePort}`, srtp: 'off' });
    await api(dsrv.base, dadmin, 'PUT', '/api/v1/sessions/1/sites', { site_ids: [tinh.id, h02.id] });
    await api(dsrv.base, dadmin, 'POST', '/api/v1/sessions/1/start');
    await until(async () => (await api(dsrv.base, dadmin, 'GET', '/api/v1/sessions/1/sip/calls')).calls
      .some((c) => c.site_code === 'TINH' && c.state === 'connected'), 15000, 'the call up connected', () => dsrv.stderr.split('\n').filter((l) => /sip/.test(l)).join('\n').slice(-1500));
    dbrowser = await launchChromium();
  });

  after(async () => {
    if (dbrowser) await dbrowser.close();
    if (dsrv) await dsrv.stop();
    if (uas && uas.proc.exitCode === null) uas.proc.kill('SIGKILL');
    if (work) await fs.rm(work, { recursive: true, force: true });
  });

  it('"Xin phát biểu lên cấp trên" keys *1 up the call; "Rút lời xin" keys *0', async () => {
    const ctx = await dbrowser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'vi-VN', timezoneId: 'Asia/Ho_Chi_Minh' });
    const page = await ctx.newPage();
    page.setDefaultTimeout(10_000);
    await page.goto(`${dsrv.base}/console/#/sessions/1/program`);
    await page.locator('input[name="username"]').fill('chutoa');
    await page.locator('input[name="password"]').fill('chutoa123');
    await page.locator('input[name="password"]').press('Enter');
    const card = page.locator('[data-testid=uplink]');
    await card.waitFor();
    assert.match(await card.textContent(), /cuộc gọi lên/);
    await page.locator('[data-testid=uplink-ask]').click();
    await page.getByText('Đã xin phát biểu lên cấp trên').waitFor();
    await until(async () => /site TINH, session 1: keyed \*1 to it/.test(dsrv.stderr), 5000, 'the INFOs *1 sent', () => dsrv.stderr.slice(-800));
    await page.screenshot({ path: path.join(SHOTS, 'site-floor-uplink.png') });
    await page.locator('[data-testid=uplink-withdraw]').click();
    await page.getByText('Đã rút lời xin phát biểu với cấp trên').waitFor();
    await until(async () => /site TINH, session 1: keyed \*0 to it/.test(dsrv.stderr), 5000, 'the INFOs *0 sent', () => dsrv.stderr.slice(-800));
    assert.doesNotMatch(dsrv.stderr, /our INFO to .*: [3-6]\d\d/, 'the province answered our INFOs 200');
    await ctx.close();
  });
});
