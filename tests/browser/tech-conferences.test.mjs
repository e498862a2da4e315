// Browser test of the technicians' dashboard with two conferences live at
// once (the province's session 1 with TINH and H01, a district meeting with
// H02 and H03): a strip under the tabs lists both, each a link to its own
// monitor; following one shows that conference's sites only and marks it as
// the current one; the pre-session check of a scheduled session lists a site
// that is in a live conference as busy, naming that conference; the strip
// goes away when only one is left live.
// Screenshots: tech-16-conferences.png, tech-17-check-busy.png
//
// Run: node --test tests/browser/tech-conferences.test.mjs   (needs build/roomctl)

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { launchChromium, SHOTS } from '../lib/browser.mjs';
import { startServer, login, api } from '../lib/server.mjs';
import { freeUdpPorts } from '../lib/media.mjs';

describe('technicians\' dashboard: several live conferences', { timeout: 120_000 }, () => {
  let srv, browser, admin, district, planned;
  const pageErrors = [];

  before(async () => {
    fs.mkdirSync(SHOTS, { recursive: true });
    const base = await freeUdpPorts(4);
    srv = await startServer({
      args: ['--demo', '--listen', '127.0.0.1'],
      config: { media: { video_port: base, audio_port: base + 2, rtsp_port: 0, record: 'false' }, health: { check_seconds: 3 } },
      timeoutMs: 30_000,
    });
    admin = await login(srv.base, 'admin', 'admin123');
    const all = (await api(srv.base, admin, 'GET', '/api/v1/sites')).sites;
    const ids = (...codes) => codes.map((c) => all.find((s) => s.code === c).id);
    await api(srv.base, admin, 'PUT', '/api/v1/sessions/1/sites', { site_ids: ids('TINH', 'H01') });
    district = await api(srv.base, admin, 'POST', '/api/v1/sessions', {
      title: 'Họp Thị xã Ngọc Lâm', starts_at: '2026-12-06T01:00:00Z', ends_at: '2026-12-06T05:00:00Z',
    });
    await api(srv.base, admin, 'PUT', `/api/v1/sessions/${district.id}/sites`, { site_ids: ids('H02', 'H03') });
    planned = await api(srv.base, admin, 'POST', '/api/v1/sessions', {
      title: 'Họp Sở Nội vụ', starts_at: '2026-12-07T01:00:00Z', ends_at: '2026-12-07T05:00:00Z',
    });
    await api(srv.base, admin, 'PUT', `/api/v1/sessions/${planned.id}/sites`, { site_ids: ids('H01', 'H04') });
    await api(srv.base, admin, 'POST', '/api/v1/sessions/1/start');
    await api(srv.base, admin, 'POST', `/api/v1/sessions/${district.id}/start`);
    browser = await launchChromium();
  });

  after(async () => {
    if (browser) await browser.close();
    if (srv) await srv.stop();
  });

  it('lists every live conference and follows the one chosen', async () => {
    const context = await browser.newContext({ viewport: { width: 1366, height: 900 }, locale: 'vi-VN', timezoneId: 'Asia/Ho_Chi_Minh' });
    const page = await context.newPage();
    page.setDefaultTimeout(10_000);
    page.on('pageerror', (e) => pageErrors.push(`pageerror: ${e.message}`));
    page.on('console', (m) => { if (m.type() === 'error') pageErrors.push(`console: ${m.text()}`); });
    await page.goto(`${srv.base}/tech/#/monitor/1`);
    await page.locator('input[name="username"]').fill('kythuat');
    await page.locator('input[name="password"]').fill('kythuat123');
    await page.locator('form button[type="submit"]').first().click();
    const strip = page.locator('#live-strip');
    await strip.locator('.live-chip').nth(1).waitFor();
    assert.equal((await strip.locator('.live-strip-label').textContent()).trim(), '2 hội nghị đang diễn ra:');
    const chips = await strip.locator('.live-chip').allTextContents();
    assert.equal(chips.length, 2);
    assert.ok(chips.includes('Họp Thị xã Ngọc Lâm'), JSON.stringify(chips));
    assert.equal(await strip.locator('.live-chip[aria-current="page"]').getAttribute('href'), '#/monitor/1');
    await page.locator('.tile[data-code="TINH"]').waitFor();
    assert.equal(await page.locator('.tile[data-code="H02"]').count(), 0, 'the province conference shows its own sites');

    await strip.getByRole('link', { name: 'Họp Thị xã Ngọc Lâm' }).click();
    await page.waitForURL(new RegExp(`#/monitor/${district.id}$`));
    await page.locator('.tile[data-code="H02"]').waitFor();
    assert.equal(await page.locator('.tile[data-code="TINH"]').count(), 0, 'the district meeting shows its own sites');
    assert.equal(await strip.locator('.live-chip[aria-current="page"]').textContent(), 'Họp Thị xã Ngọc Lâm');
    await page.screenshot({ path: path.join(SHOTS, 'tech-16-conferences.png') });

    // The pre-session check of the planned meeting: H01 is in the province's live conference.
    await page.goto(`${srv.base}/tech/#/check/${planned.id}`);
    await page.getByRole('button', { name: 'Bắt đầu kiểm tra' }).click();
    const busy = page.locator('.verdict[data-verdict="busy"]');
    await busy.waitFor({ timeout: 20_000 });
    assert.deepEqual(await busy.locator('.vl-code').allTextContents(), ['H01']);
    const title = (await api(srv.base, admin, 'GET', '/api/v1/sessions/1')).title;
    assert.equal((await busy.locator('.vl-fig').textContent()).trim(), `đang ở hội nghị «${title}»`);
    assert.deepEqual(await page.locator('.verdict[data-verdict="absent"] .vl-code').allTextContents(), ['H04']);
    await page.screenshot({ path: path.join(SHOTS, 'tech-17-check-busy.png') });

    await page.goto(`${srv.base}/tech/#/monitor/${district.id}`);
    await strip.locator('.live-chip').nth(1).waitFor();
    await api(srv.base, admin, 'POST', '/api/v1/sessions/1/end');
    await strip.waitFor({ state: 'hidden', timeout: 15_000 });
    await context.close();
  });

  it('has no errors in the page', () => {
    assert.deepEqual(pageErrors, []);
  });
});
