// Browser test: a closed session (phiên họp kín) is shown as such on every
// screen of it besides the tablet: the console's session page (a banner, the
// "Kín" badge, the form's switch with its explanation, and the server's
// reason when it is turned off while live), the technicians' /tech/ and the
// site's /site/. Screenshots: tests/browser/screenshots/closed-*.png
//
// Run: node --test tests/browser/closed-session.test.mjs   (needs build/roomctl: make)

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { launchChromium, SHOTS } from '../lib/browser.mjs';
import { startServer, login, api } from '../lib/server.mjs';

const WAIT = 15_000;
const SESSION = 1;
let srv, browser, admin, secret;
const errors = [];

async function newPage() {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'vi-VN', timezoneId: 'Asia/Ho_Chi_Minh' });
  const page = await context.newPage();
  page.setDefaultTimeout(WAIT);
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  return page;
}

async function shot(page, name) {
  await page.screenshot({ path: path.join(SHOTS, `closed-${name}.png`) });
  assert.doesNotMatch(await page.locator('body').innerText(), /\b(null|undefined|NaN|\[object Object\])\b/, `stray text on ${name}`);
}

async function signIn(page, app, username, password) {
  await page.goto(`${srv.base}/${app}/`);
  await page.getByLabel('Tên đăng nhập').fill(username);
  await page.getByLabel('Mật khẩu').fill(password);
  await page.getByLabel('Mật khẩu').press('Enter');
  await page.locator('.conn[data-state=online]').waitFor();
}

describe('closed session on the screens', { timeout: 180_000 }, () => {
  before(async () => {
    await fs.mkdir(SHOTS, { recursive: true });
    srv = await startServer({ args: ['--demo'], config: { media: { enabled: 'false' } }, timeoutMs: 45_000 });
    admin = await login(srv.base, 'admin', 'admin123');
    const { sites } = await api(srv.base, admin, 'GET', '/api/v1/sites');
    const site = sites.find((s) => s.code === 'H01');
    await api(srv.base, admin, 'PATCH', `/api/v1/sites/${site.id}`, { transport: 'webrtc' });
    await api(srv.base, admin, 'PUT', `/api/v1/sessions/${SESSION}/sites`, { site_ids: [site.id] });
    secret = (await api(srv.base, admin, 'POST', `/api/v1/sites/${site.id}/credential`)).secret;
    const s = await api(srv.base, admin, 'PATCH', `/api/v1/sessions/${SESSION}`, { closed: true });
    assert.deepEqual([s.closed, s.record, s.rtsp_out], [true, false, false]);
    await api(srv.base, admin, 'POST', `/api/v1/sessions/${SESSION}/start`);
    browser = await launchChromium();
  });
  after(async () => {
    if (browser) await browser.close();
    if (srv) await srv.stop();
  });

  it('console: the banner, the badge, the switch, and the server\'s reason when it is turned off while live', async () => {
    const page = await newPage();
    await signIn(page, 'console', 'admin', 'admin123');
    await page.goto(`${srv.base}/console/#/sessions`);
    await page.locator(`tr[data-session-id="${SESSION}"] [data-testid=closed-badge]`).waitFor();
    assert.equal(await page.locator('[data-testid=closed-badge]').count(), 1, 'only the closed session has the badge');
    await shot(page, '01-console-list');
    await page.goto(`${srv.base}/console/#/sessions/${SESSION}`);
    const banner = page.locator('.session-head [data-testid=closed-banner]');
    await banner.waitFor();
    assert.match(await banner.innerText(), /Phiên họp kín/i);
    assert.match(await banner.innerText(), /không ghi hình, không phát RTSP — phiên họp kín/);
    await shot(page, '02-console-session');
    await page.getByRole('button', { name: 'Sửa thông tin' }).click();
    const dlg = page.locator('dialog[open]');
    const box = dlg.getByLabel('Phiên họp kín');
    assert.equal(await box.isChecked(), true);
    assert.equal(await dlg.getByLabel('Ghi hình').isDisabled(), true, 'no recording to choose while closed');
    assert.equal(await dlg.getByLabel('Phát RTSP').isDisabled(), true);
    await dlg.locator('[data-testid=closed-note]').waitFor();
    await shot(page, '03-console-form');
    await box.uncheck();
    assert.equal(await dlg.getByLabel('Ghi hình').isDisabled(), false);
    await dlg.locator('button[type=submit]').click();
    const toast = page.locator('.toast-error').first();
    await toast.waitFor();
    assert.match(await toast.innerText(), /a live closed session stays closed until it ends/, 'the server\'s reason');
    await shot(page, '04-console-refused');
    assert.equal((await api(srv.base, admin, 'GET', `/api/v1/sessions/${SESSION}`)).closed, true);
    await page.context().close();
  });

  it('/tech/: the banner above the monitor', async () => {
    const page = await newPage();
    await signIn(page, 'tech', 'kythuat', 'kythuat123');
    await page.goto(`${srv.base}/tech/#/monitor/${SESSION}`);
    const banner = page.locator('#closed-slot [data-testid=closed-banner]');
    await banner.waitFor();
    assert.match(await banner.innerText(), /Phiên họp kín/i);
    assert.match(await banner.innerText(), /SIP không SRTP/);
    await shot(page, '05-tech');
    await page.context().close();
  });

  it('/site/: the banner above the site\'s page', async () => {
    const page = await newPage();
    await page.goto(`http://localhost:${srv.port}/site/`);
    await page.locator('[data-testid=site-key]').fill(secret);
    await page.getByRole('button', { name: 'Đăng nhập' }).click();
    await page.locator('[data-testid=session-title]').waitFor();
    const banner = page.locator('[data-testid=closed-banner]');
    await banner.waitFor();
    assert.match(await banner.innerText(), /Phiên họp kín/i);
    await shot(page, '06-site');
    await page.context().close();
    assert.deepEqual(errors, []);
  });
});
