// Browser test of the console's recordings tab with a real recording (one
// GStreamer site, two agenda items): Debian's chromium lists the items,
// plays an item's part in <video> (the file with a #t= media fragment,
// fetched with Range requests): readyState reaches HAVE_CURRENT_DATA and
// currentTime advances from the item's start; a file deleted on the server
// shows as missing.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { launchChromium, SHOTS } from '../lib/browser.mjs';
import { startRecordedServer } from '../lib/recording.mjs';


describe('console: recordings by agenda item', () => {
  let rec, browser, page;
  const pageErrors = [];
  const ranges = [];

  before(async () => {
    await fs.mkdir(SHOTS, { recursive: true });
    rec = await startRecordedServer({ seconds: 3 });
    browser = await launchChromium(['--autoplay-policy=no-user-gesture-required']);
    const context = await browser.newContext({ viewport: { width: 1366, height: 900 }, locale: 'vi-VN', timezoneId: 'Asia/Ho_Chi_Minh' });
    page = await context.newPage();
    page.setDefaultTimeout(15_000);
    page.on('pageerror', (e) => pageErrors.push(`pageerror: ${e.message}`));
    page.on('request', (r) => { if (r.url().includes('/api/v1/recordings/')) ranges.push(r.headers().range || 'none'); });
    await page.goto(`${rec.srv.base}/console/`);
    await page.getByLabel('Tên đăng nhập').fill('thuky');
    await page.getByLabel('Mật khẩu').fill('thuky123');
    await page.getByRole('button', { name: 'Đăng nhập' }).click();
    await page.getByRole('heading', { name: 'Phiên họp', level: 1 }).waitFor();
  });
  after(async () => {
    if (browser) await browser.close();
    if (rec) await rec.stop();
  });

  it('lists the agenda items with their parts, and an item plays in the page', async () => {
    await page.goto(`${rec.srv.base}/console/#/sessions/1/recordings`);
    await page.getByRole('heading', { name: 'Bản ghi hình theo nội dung chương trình' }).waitFor();
    const items = await page.locator('tr[data-item]').evaluateAll((rs) => rs.map((r) => Number(r.dataset.item)));
    assert.deepEqual(items, rec.items.map((i) => i.id));
    assert.match(await page.locator(`tr[data-item="${rec.items[0].id}"]`).textContent(), new RegExp(rec.items[0].title.slice(0, 20)));
    const second = page.locator(`tr[data-item="${rec.items[1].id}"] button[data-play]`).first();
    const url = await second.getAttribute('data-play');
    const start = Number(/#t=([\d.]+),/.exec(url)[1]);
    assert.ok(start > 2, `the second item starts ${start} s into the file`);
    await second.click();
    const video = page.locator('video.rec-video');
    await page.waitForFunction(() => document.querySelector('video.rec-video').readyState >= 2, null, { timeout: 15_000 });
    const t0 = await video.evaluate((v) => v.currentTime);
    assert.ok(Math.abs(t0 - start) < 1.5, `playback starts at the item (${t0} vs ${start})`);
    await page.waitForFunction((t) => document.querySelector('video.rec-video').currentTime > t + 0.5, t0, { timeout: 10_000 });
    const state = await video.evaluate((v) => ({ w: v.videoWidth, h: v.videoHeight, err: v.error && v.error.code, dur: v.duration }));
    assert.equal(state.err, null);
    assert.equal(state.w, 320, 'H.264 decoded at the site\'s size');
    assert.ok(ranges.some((r) => r.startsWith('bytes=')), `chromium fetched with Range: ${ranges.join(' ')}`);
    await page.screenshot({ path: path.join(SHOTS, 'recordings-01-playing.png'), fullPage: true });
    assert.deepEqual(pageErrors, []);
  });

  it('a file deleted on the server shows as missing', async () => {
    const list = await (await fetch(`${rec.srv.base}/api/v1/sessions/1/recordings`, { headers: { Authorization: `Bearer ${rec.admin}` } })).json();
    await fs.rm(path.join(rec.srv.dataDir, 'recordings', list.files[0].file));
    await page.getByRole('button', { name: 'Làm mới' }).click();
    await page.locator(`tr[data-file="${list.files[0].file}"].rec-missing`).waitFor();
    assert.equal(await page.locator(`tr[data-file="${list.files[0].file}"] a[data-download]`).count(), 0);
    assert.ok(await page.locator('.rec-part .badge', { hasText: 'Tệp đã bị xóa' }).count() >= 1);
    await page.screenshot({ path: path.join(SHOTS, 'recordings-02-missing.png'), fullPage: true });
  });
});
