// Browser test: access keys of WebRTC sites in the console (site-keys.js).
// The secretariat opens a session's sites tab: a WebRTC site's row says
// "chưa có mã"; "Tạo mã truy cập" shows the secret once in a dialog (with
// how to use it), and the row then says "có mã từ <day>" — the day on the
// province's clock, not the browser's; the key signs the site in on
// /api/v1/site/me; a second key (confirmed) replaces it; "Thu hồi"
// (confirmed) revokes it. A plain-RTP site's row has "Tạo khóa SRTP": its
// key and the stock tools' lines shown once, "Bỏ SRTP" (confirmed) drops it.
//
// Run: node --test tests/browser/site-credentials.test.mjs   (needs build/roomctl: make)
// Screenshots: tests/browser/screenshots/site-credentials-*.png

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { launchChromium, SHOTS } from '../lib/browser.mjs';
import { startServer, login, api, request, ADMIN_PASSWORD } from '../lib/server.mjs';

const WAIT = 15_000;
const ZONE = 'Asia/Ho_Chi_Minh';
const SECRETARY = { username: 'thuky', full_name: 'Phạm Thị Hoa', role: 'secretariat', password: 'thuky-pass-1' };

let srv;
let browser;
let page;
let admin;
const st = {};
const pageErrors = [];

async function shot(name) {
  await page.screenshot({ path: path.join(SHOTS, `site-credentials-${name}.png`), fullPage: true });
  const text = await page.locator('body').innerText();
  assert.doesNotMatch(text, /\b(null|undefined|NaN|\[object Object\])\b/, `stray placeholder text on ${name}`);
}

/** dd/mm/yyyy of @iso on @zone's clock (what the console shows in Vietnamese). */
function dayIn(iso, zone) {
  const p = Object.fromEntries(new Intl.DateTimeFormat('en-GB', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit' })
    .formatToParts(new Date(iso)).map((x) => [x.type, x.value]));
  return `${p.day}/${p.month}/${p.year}`;
}

const siteMe = (secret) => request(srv.base, secret, 'GET', '/api/v1/site/me');
const row = (id) => page.locator(`li.site-row[data-site-id="${id}"]`);

describe('access keys of WebRTC sites in the console', { timeout: 180_000 }, () => {
  before(async () => {
    await fs.mkdir(SHOTS, { recursive: true });
    srv = await startServer({ config: { media: { enabled: 'false' }, meeting: { timezone: ZONE } } });
    admin = await login(srv.base, 'admin', ADMIN_PASSWORD);
    const site = (body) => api(srv.base, admin, 'POST', '/api/v1/sites', body);
    const prov = await site({ code: 'TINH', name: 'Hội trường UBND tỉnh', level: 'province' });
    const dist = await site({ code: 'H01', name: 'Huyện Đức Hòa', level: 'district', parent_id: prov.id });
    st.tanAn = await site({ code: 'XA-TAN-AN', name: 'Xã Tân An', level: 'commune', parent_id: dist.id, transport: 'webrtc' });
    st.hoaKhanh = await site({ code: 'XA-HOA-KHANH', name: 'Xã Hòa Khánh', level: 'commune', parent_id: dist.id, transport: 'webrtc' });
    st.rtp = await site({ code: 'XA-DUC-LAP', name: 'Xã Đức Lập', level: 'commune', parent_id: dist.id });
    await api(srv.base, admin, 'POST', '/api/v1/users', SECRETARY);
    st.session = await api(srv.base, admin, 'POST', '/api/v1/sessions',
      { title: 'Hội nghị trực tuyến với các xã', starts_at: '2026-12-10T01:00:00Z', ends_at: '2026-12-10T04:00:00Z' });

    browser = await launchChromium();
    // The browser's own zone is far from the province's: a date drawn on it would show.
    const context = await browser.newContext({ viewport: { width: 1366, height: 850 }, locale: 'vi-VN', timezoneId: 'America/New_York' });
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: srv.base });
    page = await context.newPage();
    page.setDefaultTimeout(WAIT);
    page.on('pageerror', (e) => pageErrors.push(`pageerror: ${e.message}`));
    page.on('console', (m) => { if (m.type() === 'error') pageErrors.push(`console: ${m.text()}`); });
  });
  after(async () => {
    if (browser) await browser.close();
    if (srv) await srv.stop();
  });

  it('the secretariat opens the sites tab: a WebRTC site says it has no key, an RTP site says nothing', async () => {
    await page.goto(`${srv.base}/console/`);
    await page.getByLabel('Tên đăng nhập').fill(SECRETARY.username);
    await page.locator('input[type=password]').fill(SECRETARY.password);
    await page.locator('form button[type=submit]').click();
    await page.locator('[data-testid=user-name]').waitFor();
    await page.goto(`${srv.base}/console/#/sessions/${st.session.id}/sites`);
    await page.locator('.site-group[data-group] .group-toggle', { hasText: 'Huyện Đức Hòa' }).click();
    await row(st.tanAn.id).waitFor();
    assert.match(await row(st.tanAn.id).locator('.site-key').innerText(), /WebRTC\s+chưa có mã/);
    assert.equal(await row(st.rtp.id).locator('.site-key').count(), 0);
    assert.equal(await row(st.tanAn.id).getByRole('button', { name: 'Thu hồi' }).count(), 0, 'nothing to revoke yet');
  });

  it('"Tạo mã truy cập" shows the secret once, how to use it, and the row its day', async () => {
    await row(st.tanAn.id).getByRole('button', { name: 'Tạo mã truy cập' }).click();
    const dialog = page.locator('dialog.modal');
    await dialog.waitFor();
    assert.match(await dialog.locator('h2').innerText(), /Mã truy cập của Xã Tân An/);
    const secret = await dialog.locator('input[data-secret]').inputValue();
    assert.match(secret, /^[A-Za-z0-9_-]{43}$/);
    const text = await dialog.innerText();
    assert.match(text, /chỉ hiện một lần/);
    assert.ok(text.includes(`${srv.base}/site/`), 'where the site pastes it');
    await dialog.getByRole('button', { name: 'Sao chép' }).click();
    await page.locator('.toast-success', { hasText: 'Đã sao chép mã truy cập' }).waitFor();
    assert.equal(await page.evaluate(() => navigator.clipboard.readText()), secret);
    await shot('1-key-dialog');
    st.secret = secret;

    const me = await siteMe(secret);
    assert.equal(me.status, 200, me.text);
    assert.equal(me.json.site.code, 'XA-TAN-AN');
    assert.equal(me.json.site.transport, 'webrtc');

    await dialog.locator('.modal-footer').getByRole('button', { name: 'Đóng' }).click();
    await dialog.waitFor({ state: 'detached' });
    const { credential } = await api(srv.base, admin, 'GET', `/api/v1/sites/${st.tanAn.id}`);
    const day = dayIn(credential.created_at, ZONE);
    await row(st.tanAn.id).locator('.site-key-state.has-key').waitFor();
    assert.equal(await row(st.tanAn.id).locator('.site-key-state').innerText(), `có mã từ ${day}`);
    assert.equal(await row(st.hoaKhanh.id).locator('.site-key-state').innerText(), 'chưa có mã');
    await shot('2-row-with-key');
    assert.equal(await page.locator('input[data-secret]').count(), 0, 'the secret is gone from the page');
    assert.ok(!(await page.locator('body').innerText()).includes(secret));
  });

  it('a second key, once confirmed, replaces the first', async () => {
    await row(st.tanAn.id).getByRole('button', { name: 'Tạo mã truy cập' }).click();
    const confirm = page.locator('dialog.modal');
    await confirm.getByText('mã cũ ngừng hoạt động ngay').waitFor();
    await shot('3-replace-confirm');
    await confirm.getByRole('button', { name: 'Tạo mã mới' }).click();
    const secret = await page.locator('dialog.modal input[data-secret]').inputValue();
    assert.notEqual(secret, st.secret);
    await page.locator('dialog.modal .modal-footer').getByRole('button', { name: 'Đóng' }).click();
    assert.equal((await siteMe(st.secret)).status, 401, 'the first key no longer works');
    assert.equal((await siteMe(secret)).status, 200);
    st.secret = secret;
  });

  it('"Thu hồi", once confirmed, revokes the key: the site can no longer sign in', async () => {
    await row(st.tanAn.id).getByRole('button', { name: 'Thu hồi' }).click();
    const confirm = page.locator('dialog.modal');
    await confirm.getByText('cuộc gọi WebRTC đang diễn ra').waitFor();
    await shot('4-revoke-confirm');
    await confirm.locator('.modal-footer').getByRole('button', { name: 'Thu hồi' }).click();
    await page.locator('.toast-success', { hasText: 'Đã thu hồi mã truy cập của Xã Tân An' }).waitFor();
    await row(st.tanAn.id).locator('.site-key-state:not(.has-key)').waitFor();
    assert.equal(await row(st.tanAn.id).locator('.site-key-state').innerText(), 'chưa có mã');
    assert.equal((await siteMe(st.secret)).status, 401);
    const audit = (await api(srv.base, admin, 'GET', '/api/v1/audit')).audit.map((r) => r.action);
    assert.deepEqual(audit.filter((a) => a.startsWith('site.credential')),
      ['site.credential.revoke', 'site.credential', 'site.credential']);
    await shot('5-revoked');
    assert.deepEqual(pageErrors, []);
  });

  it('a plain-RTP site: "Tạo khóa SRTP" shows its key and lines once; "Bỏ SRTP" drops it', async () => {
    assert.match(await row(st.rtp.id).locator('.site-srtp').innerText(), /RTP\s+RTP không mã hóa/);
    await row(st.rtp.id).getByRole('button', { name: 'Tạo khóa SRTP' }).click();
    const ask = page.locator('dialog.modal');
    await ask.locator('[data-srtp-create]').waitFor();
    assert.equal(await ask.locator('select[data-srtp-suite]').inputValue(), 'AES_CM_128_HMAC_SHA1_80', 'the default suite');
    await ask.getByText('ffmpeg, GStreamer và hầu hết thiết bị đều dùng được.').waitFor();
    await ask.locator('.modal-footer').getByRole('button', { name: 'Tạo khóa SRTP' }).click();
    const dialog = page.locator('dialog.modal:has([data-srtp-key])');
    await dialog.locator('[data-srtp-key]').waitFor();
    const values = await dialog.locator('input, textarea').evaluateAll((els) => els.map((e) => e.value));
    const [key, hex] = values;
    assert.equal(Buffer.from(key, 'base64').length, 30);
    assert.equal(hex, Buffer.from(key, 'base64').toString('hex'));
    assert.ok(values.some((v) => v.includes(`srtpenc key=${hex}`)), 'the gst-launch line');
    assert.ok(values.some((v) => v.includes(`-srtp_out_params ${key}`)), 'the ffmpeg line');
    await shot('6-srtp-dialog');
    await dialog.locator('.modal-footer').getByRole('button', { name: 'Đóng' }).click();
    await dialog.waitFor({ state: 'detached' });
    await row(st.rtp.id).locator('.site-srtp-state.has-key').waitFor();
    assert.ok(!(await page.locator('body').innerText()).includes(key), 'the key is gone from the page');
    const got = await api(srv.base, admin, 'GET', `/api/v1/sites/${st.rtp.id}`);
    assert.ok(got.srtp_key && got.srtp_key.created_at);
    assert.equal(got.srtp_key.suite, 'AES_CM_128_HMAC_SHA1_80');
    // Again with AES-GCM: the dialog says the key is replaced, and the new one has GStreamer's lines only.
    await row(st.rtp.id).getByRole('button', { name: 'Tạo khóa SRTP' }).click();
    const again = page.locator('dialog.modal');
    await again.locator('.callout-danger').getByText('Khóa mới thay thế khóa cũ ngay').waitFor();
    await again.locator('select[data-srtp-suite]').selectOption('AEAD_AES_128_GCM');
    await again.getByText('ffmpeg thì không').waitFor();
    await shot('6b-srtp-suite');
    await again.locator('.modal-footer').getByRole('button', { name: 'Tạo mã mới' }).click();
    const gcm = page.locator('dialog.modal:has([data-srtp-key])');
    await gcm.locator('[data-no-ffmpeg]').waitFor();
    const gcmValues = await gcm.locator('input, textarea').evaluateAll((els) => els.map((e) => e.value));
    assert.equal(Buffer.from(gcmValues[0], 'base64').length, 28, 'an AES-GCM key and salt');
    assert.equal(gcmValues.length, 4, 'the key twice and the two gst-launch lines, no ffmpeg line');
    assert.ok(gcmValues.some((v) => v.includes('rtp-cipher=aes-128-gcm rtp-auth=null')));
    await shot('6c-srtp-gcm');
    await gcm.locator('.modal-footer').getByRole('button', { name: 'Đóng' }).click();
    await gcm.waitFor({ state: 'detached' });
    assert.equal((await api(srv.base, admin, 'GET', `/api/v1/sites/${st.rtp.id}`)).srtp_key.suite, 'AEAD_AES_128_GCM');
    await row(st.rtp.id).getByRole('button', { name: 'Bỏ SRTP' }).click();
    await page.locator('dialog.modal').getByText('RTP không mã hóa').waitFor();
    await page.locator('dialog.modal .modal-footer').getByRole('button', { name: 'Bỏ SRTP' }).click();
    await row(st.rtp.id).locator('.site-srtp-state:not(.has-key)').waitFor();
    assert.equal((await api(srv.base, admin, 'GET', `/api/v1/sites/${st.rtp.id}`)).srtp_key, null);
    assert.deepEqual(pageErrors, []);
  });
});
