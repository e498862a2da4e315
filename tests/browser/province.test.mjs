// Browser test: the province's organisation and time zone ([meeting]
// organisation and timezone) in every app, whatever the device's clock zone.
// The server is configured with a name that is not the built-in default, so
// a header can't pass by showing a hard-coded one. Browsers whose clock zone
// is UTC and America/New_York open the tablet, the console and /tech/: all
// show that name, and the demo's 08:00 session (08:00-12:00 province time)
// at 08:00. A secretary whose browser is in UTC types 08:00 and the session
// is scheduled at 08:00 province time. The minutes carry the name too.
//
// Run: node --test tests/browser/province.test.mjs   (needs build/roomctl: make)

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { launchChromium, SHOTS } from '../lib/browser.mjs';
import { startServer, login, api, request } from '../lib/server.mjs';

const WAIT = 15_000;
const ORG = 'HỘI ĐỒNG NHÂN DÂN TỈNH THỬ NGHIỆM SƠN KHÊ';
const ZONES = ['UTC', 'America/New_York'];
// The demo session: 08:00-12:00 in +07:00, two days from now. In UTC that is
// 01:00-05:00, in New York 20:00-00:00 (or 19:00-23:00) the evening before.
const PROVINCE_RANGE = /08:00 – 12:00/;
const DEVICE_RANGES = [/01:00 – 05:00/, /20:00 – 00:00/, /19:00 – 23:00/];

let srv;
let browser;
let admin;

async function openApp(zone, app, username, password) {
  const context = await browser.newContext({ viewport: { width: 1366, height: 850 }, locale: 'vi-VN', timezoneId: zone });
  const page = await context.newPage();
  page.setDefaultTimeout(WAIT);
  const errors = [];
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  await page.goto(`${srv.base}/${app}/`);
  await page.getByLabel('Tên đăng nhập').fill(username);
  await page.locator('input[type=password]').first().fill(password);
  await page.locator('form button[type=submit]').first().click();
  await page.locator('[data-testid=user-name]').waitFor();
  return { context, page, errors };
}

async function headerName(page) {
  const el = page.locator('.app-header .app-province');
  await page.waitForFunction((org) => document.querySelector('.app-header .app-province')?.textContent === org, ORG);
  return el.textContent();
}

const shot = (page, name) => page.locator('.app-header').screenshot({ path: path.join(SHOTS, `province-${name}.png`) });

function pdftotext(bytes) {
  const file = path.join(os.tmpdir(), `roomctl-minutes-${process.pid}-${Date.now()}.pdf`);
  return fs.writeFile(file, bytes).then(() => new Promise((resolve, reject) => {
    execFile('pdftotext', ['-enc', 'UTF-8', file, '-'], { timeout: 20_000 }, (err, out) => {
      fs.rm(file, { force: true });
      if (err) reject(err); else resolve(out);
    });
  }));
}

describe('the province: one organisation name and one time zone in every app', { timeout: 240_000 }, () => {
  before(async () => {
    await fs.mkdir(SHOTS, { recursive: true });
    srv = await startServer({
      args: ['--demo'],
      config: { media: { enabled: 'false' }, meeting: { organisation: ORG, timezone: 'Asia/Ho_Chi_Minh' } },
    });
    admin = await login(srv.base, 'admin', 'admin123');
    browser = await launchChromium();
  });
  after(async () => {
    if (browser) await browser.close();
    if (srv) await srv.stop();
  });

  it('GET /api/v1/about names them, without a login', async () => {
    const r = await request(srv.base, null, 'GET', '/api/v1/about');
    assert.equal(r.status, 200);
    assert.deepEqual(JSON.parse(r.text), { organisation: ORG, timezone: 'Asia/Ho_Chi_Minh' });
  });

  for (const zone of ZONES) {
    it(`tablet in ${zone}: the configured name, the 08:00 session at 08:00`, async () => {
      const t = await openApp(zone, 'tablet', 'db01', '123456');
      try {
        assert.equal(await t.page.evaluate(() => Intl.DateTimeFormat().resolvedOptions().timeZone), zone, 'the device zone');
        assert.equal(await headerName(t.page), ORG);
        await t.page.getByText(PROVINCE_RANGE).first().waitFor();
        const text = await t.page.locator('body').innerText();
        for (const wrong of DEVICE_RANGES) assert.doesNotMatch(text, wrong, `not the device's clock (${zone})`);
        await shot(t.page, `tablet-${zone.replace('/', '-')}`);
        assert.deepEqual(t.errors, []);
      } finally {
        await t.context.close();
      }
    });

    it(`console in ${zone}: the configured name, the session list at 08:00`, async () => {
      const t = await openApp(zone, 'console', 'thuky', 'thuky123');
      try {
        assert.equal(await headerName(t.page), ORG);
        await t.page.getByText(PROVINCE_RANGE).first().waitFor();
        const text = await t.page.locator('main').innerText();
        for (const wrong of DEVICE_RANGES) assert.doesNotMatch(text, wrong, `not the browser's clock (${zone})`);
        await shot(t.page, `console-${zone.replace('/', '-')}`);
        assert.deepEqual(t.errors, []);
      } finally {
        await t.context.close();
      }
    });

    it(`/tech/ in ${zone}: the configured name, the session to check at 08:00`, async () => {
      const t = await openApp(zone, 'tech', 'kythuat', 'kythuat123');
      try {
        assert.equal(await headerName(t.page), ORG);
        await t.page.evaluate(() => { location.hash = '#/check/1'; });
        const sub = t.page.locator('.check-page .page-head .sub');
        await sub.waitFor();
        assert.match(await sub.textContent(), / · \d\d\/\d\d\/\d{4} 08:00 · /, 'the start on the province clock');
        await shot(t.page, `tech-${zone.replace('/', '-')}`);
        assert.deepEqual(t.errors, []);
      } finally {
        await t.context.close();
      }
    });
  }

  it('the start page shows the same name', async () => {
    const context = await browser.newContext({ timezoneId: 'UTC' });
    const page = await context.newPage();
    try {
      await page.goto(`${srv.base}/index.html`);
      await page.waitForFunction((org) => document.getElementById('organisation')?.textContent === org, ORG);
    } finally {
      await context.close();
    }
  });

  it('a secretary in UTC types 08:00: the session starts at 08:00 province time (01:00Z)', async () => {
    const t = await openApp('UTC', 'console', 'thuky', 'thuky123');
    try {
      await t.page.getByRole('button', { name: 'Tạo phiên họp' }).first().click();
      const dialog = t.page.locator('dialog[open]');
      await dialog.waitFor();
      assert.match(await dialog.locator('input[name=starts_at]').inputValue(), /T08:00$/, 'the default start: 08:00 province time');
      assert.match(await dialog.innerText(), /Asia\/Ho_Chi_Minh, UTC\+07:00/, 'the form says which clock it takes');
      await dialog.getByLabel('Tên phiên họp').fill('Phiên chuyên đề giờ tỉnh');
      await dialog.locator('input[name=starts_at]').fill('2026-12-20T08:00');
      await dialog.locator('input[name=ends_at]').fill('2026-12-20T11:30');
      await dialog.locator('button[type=submit]').click();
      await dialog.waitFor({ state: 'detached' });
      const { sessions } = await api(srv.base, admin, 'GET', '/api/v1/sessions');
      const s = sessions.find((x) => x.title === 'Phiên chuyên đề giờ tỉnh');
      assert.ok(s, 'created');
      assert.equal(s.starts_at, '2026-12-20T01:00:00Z');
      assert.equal(s.ends_at, '2026-12-20T04:30:00Z');
      // Opened again for editing, it shows what was typed.
      await t.page.evaluate(() => { location.hash = '#/sessions'; });
      await t.page.getByText('20/12/2026 08:00 – 11:30').first().waitFor();
      assert.deepEqual(t.errors, []);
    } finally {
      await t.context.close();
    }
  });

  it('the minutes the controller writes are headed by the same name', async () => {
    await api(srv.base, admin, 'POST', '/api/v1/sessions/1/start');
    await api(srv.base, admin, 'POST', '/api/v1/sessions/1/end');
    const job = await api(srv.base, admin, 'POST', '/api/v1/sessions/1/minutes', { format: 'pdf' });
    let done = job;
    for (let i = 0; i < 300 && done.status === 'running'; i++) {
      await new Promise((r) => setTimeout(r, 200));
      done = await api(srv.base, admin, 'GET', `/api/v1/records/jobs/${job.id}`);
    }
    assert.equal(done.status, 'done', JSON.stringify(done));
    const file = await request(srv.base, admin, 'GET', done.url);
    assert.equal(file.status, 200);
    const text = await pdftotext(file.bytes);
    assert.ok(text.includes(ORG), `the minutes name ${ORG}:\n${text.slice(0, 400)}`);
    const report = await request(srv.base, admin, 'GET', '/api/v1/sessions/1/reports/attendance?format=pdf', null, { timeoutMs: 60_000 });
    assert.equal(report.status, 200);
    assert.ok((await pdftotext(report.bytes)).includes(ORG), 'the attendance report too');
  });
});
