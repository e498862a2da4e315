// Browser test of the bulk import page (#/import) and the calendar dialog in
// the console, against the real daemon in Debian's chromium: pick a CSV with
// errors → the preview marks the rows and cells in error and keeps "Nhập dữ
// liệu" disabled; pick a clean file → enabled → import → the users exist;
// a Latin-1 file shows the server's reason; the calendar dialog makes a
// feed link that works without logging in.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { launchChromium, SHOTS } from '../lib/browser.mjs';
import { startServer, login, api, ADMIN_PASSWORD } from '../lib/server.mjs';


describe('console: bulk import and calendar', () => {
  let srv, browser, page, admin, tmp;
  const pageErrors = [];
  const csvFile = async (name, content) => {
    const p = path.join(tmp, name);
    await fs.writeFile(p, content);
    return p;
  };

  before(async () => {
    await fs.mkdir(SHOTS, { recursive: true });
    tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'import-ui-'));
    srv = await startServer();
    admin = await login(srv.base, 'admin', ADMIN_PASSWORD);
    await api(srv.base, admin, 'POST', '/api/v1/users', { username: 'daco', full_name: 'Đã Có', role: 'delegate', password: '123456' });
    browser = await launchChromium();
    const context = await browser.newContext({ viewport: { width: 1366, height: 900 }, locale: 'vi-VN', timezoneId: 'Asia/Ho_Chi_Minh' });
    page = await context.newPage();
    page.setDefaultTimeout(10_000);
    page.on('pageerror', (e) => pageErrors.push(`pageerror: ${e.message}`));
    await page.goto(`${srv.base}/console/`);
    await page.getByLabel('Tên đăng nhập').fill('admin');
    await page.getByLabel('Mật khẩu').fill(ADMIN_PASSWORD);
    await page.getByRole('button', { name: 'Đăng nhập' }).click();
    await page.getByRole('heading', { name: 'Phiên họp', level: 1 }).waitFor();
  });
  after(async () => {
    if (browser) await browser.close();
    if (srv) await srv.stop();
    if (tmp) await fs.rm(tmp, { recursive: true, force: true });
  });

  it('a file with errors: rows and cells highlighted, Import disabled, nothing written', async () => {
    await page.locator('a[data-nav=import]').click();
    await page.getByRole('heading', { name: 'Nhập dữ liệu từ tệp CSV' }).waitFor();
    const go = page.locator('button[data-import]');
    assert.equal(await go.isDisabled(), true);
    const bad = await csvFile('dai-bieu-loi.csv', '\uFEFFusername,full_name,password,unit\r\n' +
      'dbm01,Nguyễn Thị Mai,123456,Tổ 1\r\ndaco,Trùng Tên,123456,Tổ 2\r\ndbm01,Lặp Lại,123456,Tổ 3\r\nX Y,Sai Tên,12,Tổ 4\r\n');
    await page.locator('#import-file').setInputFiles(bad);
    await page.locator('[data-summary=errors]').waitFor();
    assert.deepEqual(await page.locator('tr.row-error').evaluateAll((rs) => rs.map((r) => r.dataset.row)), ['3', '4', '5']);
    assert.equal(await page.locator('tr[data-row="3"] td.cell-error').getAttribute('data-col'), 'username');
    assert.match(await page.locator('tr[data-row="3"] td.cell-error').getAttribute('title'), /already exists/);
    assert.deepEqual(await page.locator('tr[data-row="5"] td.cell-error').evaluateAll((c) => c.map((x) => x.dataset.col)), ['username', 'password']);
    assert.equal(await page.locator('tr[data-row="2"] td[data-col=full_name]').textContent(), 'Nguyễn Thị Mai');
    assert.equal(await go.isDisabled(), true, 'Import stays disabled while the preview has errors');
    await page.screenshot({ path: path.join(SHOTS, 'import-01-errors.png'), fullPage: true });
    const users = (await api(srv.base, admin, 'GET', '/api/v1/users')).users.map((u) => u.username);
    assert.ok(!users.includes('dbm01'), 'the preview wrote nothing');
  });

  it('a Latin-1 file: the server names the line and byte', async () => {
    const latin = await csvFile('latin1.csv', Buffer.concat([Buffer.from('username,full_name,password\r\ndbm09,Tr'), Buffer.from([0xE2, 0x6E]), Buffer.from(',123456\r\n')]));
    await page.locator('#import-file').setInputFiles(latin);
    await page.locator('[data-file-error]').waitFor();
    assert.match(await page.locator('[data-file-error]').textContent(), /line 2, byte \d+.*UTF-8/);
    assert.equal(await page.locator('button[data-import]').isDisabled(), true);
  });

  it('a clean file: Import enabled; importing writes every row', async () => {
    const good = await csvFile('dai-bieu.csv', 'username,full_name,password,title,unit\r\n' +
      'dbm01,Nguyễn Thị Mai,matkhau1,Đại biểu,Tổ 1\r\ndbm02,Hoàng Văn Đức,matkhau2,Đại biểu,Tổ 2\r\n');
    await page.locator('#import-file').setInputFiles(good);
    await page.locator('[data-summary=clean]').waitFor();
    const go = page.locator('button[data-import]');
    assert.equal(await go.isDisabled(), false);
    assert.equal(await page.locator('tr.row-error').count(), 0);
    await page.screenshot({ path: path.join(SHOTS, 'import-02-clean.png'), fullPage: true });
    await go.click();
    await page.locator('.toast-success', { hasText: 'Đã nhập 2 dòng' }).waitFor();
    const users = (await api(srv.base, admin, 'GET', '/api/v1/users')).users;
    const mai = users.find((u) => u.username === 'dbm01');
    assert.equal(mai.full_name, 'Nguyễn Thị Mai');
    assert.equal(mai.role, 'delegate');
    await login(srv.base, 'dbm02', 'matkhau2');
  });

  it('the calendar dialog makes a feed link that works without a login', async () => {
    await page.goto(`${srv.base}/console/#/sessions`);
    await page.locator('button[data-calendar]').click();
    const dlg = page.locator('dialog[open]');
    await dlg.getByRole('button', { name: 'Tạo liên kết mới' }).click();
    const url = await dlg.locator('input.cal-url').inputValue();
    assert.match(url, /\/api\/v1\/calendar\.ics\?token=[0-9a-f]{64}$/);
    await page.screenshot({ path: path.join(SHOTS, 'calendar-01-feed.png') });
    const res = await fetch(url);
    assert.equal(res.status, 200);
    assert.match(await res.text(), /^BEGIN:VCALENDAR\r\n/);
    await dlg.getByRole('button', { name: 'Thu hồi liên kết' }).click();
    await page.locator('.toast-success', { hasText: 'Đã thu hồi' }).waitFor();
    assert.equal((await fetch(url)).status, 401);
    assert.deepEqual(pageErrors, []);
  });
});
