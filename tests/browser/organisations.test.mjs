// Browser test: the province's units in the console. Two departments under
// the province, a room in each, a secretary of department A and a session
// held by each department, all set up through the REST API as admin. The
// console, logged in as A's secretary: the header names A and the
// province; the list holds A's session, not B's; the new-session form
// offers A's room only and the session made is A's, in A's room; a
// session of B that invites A is listed as invited and opens read only.
//
// Run: node --test tests/browser/organisations.test.mjs   (needs build/roomctl: make)
// Screenshots: tests/browser/screenshots/organisations-*.png

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { launchChromium, SHOTS } from '../lib/browser.mjs';
import { startServer, login, api, ADMIN_PASSWORD } from '../lib/server.mjs';

const WAIT = 15_000;
const PROVINCE = 'ỦY BAN NHÂN DÂN TỈNH THỬ NGHIỆM SƠN KHÊ';
const DEPT_A = { code: 'STNMT', name: 'Sở Tài nguyên và Môi trường', kind: 'department', parent_id: 1 };
const DEPT_B = { code: 'SGTVT', name: 'Sở Giao thông Vận tải', kind: 'department', parent_id: 1 };
const SECRETARY = { username: 'thuky.tnmt', full_name: 'Phạm Thị Hoa', role: 'secretariat', password: 'thuky-tnmt-1' };
const day = (d, hh) => `2026-12-${String(d).padStart(2, '0')}T${String(hh).padStart(2, '0')}:00:00Z`;

let srv;
let browser;
let context;
let page;
let admin;
const st = {};
const pageErrors = [];

async function shot(name) {
  await page.screenshot({ path: path.join(SHOTS, `organisations-${name}.png`), fullPage: true });
  const text = await page.locator('body').innerText();
  assert.doesNotMatch(text, /\b(null|undefined|NaN|\[object Object\])\b/, `stray placeholder text on ${name}`);
}

const row = (id) => page.locator(`tr[data-session-id="${id}"]`);

describe('organisations in the console: a department sees and makes its own sessions', { timeout: 180_000 }, () => {
  before(async () => {
    await fs.mkdir(SHOTS, { recursive: true });
    srv = await startServer({ config: { media: { enabled: 'false' }, meeting: { organisation: PROVINCE, timezone: 'Asia/Ho_Chi_Minh' } } });
    admin = await login(srv.base, 'admin', ADMIN_PASSWORD);
    st.a = await api(srv.base, admin, 'POST', '/api/v1/organisations', DEPT_A);
    st.b = await api(srv.base, admin, 'POST', '/api/v1/organisations', DEPT_B);
    st.roomA = await api(srv.base, admin, 'POST', '/api/v1/rooms', { name: 'Phòng họp tầng 3 Sở TN&MT', organisation_id: st.a.id });
    st.roomB = await api(srv.base, admin, 'POST', '/api/v1/rooms', { name: 'Hội trường Sở GTVT', organisation_id: st.b.id });
    st.user = await api(srv.base, admin, 'POST', '/api/v1/users', { ...SECRETARY, organisation_id: st.a.id });
    const session = (title, org, room, d) => api(srv.base, admin, 'POST', '/api/v1/sessions',
      { title, organisation_id: org.id, room_id: room.id, starts_at: day(d, 1), ends_at: day(d, 4) });
    st.sA = await session('Họp giao ban Sở Tài nguyên và Môi trường', st.a, st.roomA, 14);
    st.sB = await session('Họp giao ban Sở Giao thông Vận tải', st.b, st.roomB, 15);
    st.sBinv = await session('Hội nghị an toàn giao thông (mời Sở TN&MT)', st.b, st.roomB, 16);
    await api(srv.base, admin, 'PUT', `/api/v1/sessions/${st.sBinv.id}/organisations`, { organisation_ids: [st.a.id] });

    browser = await launchChromium();
    context = await browser.newContext({ viewport: { width: 1366, height: 850 }, locale: 'vi-VN', timezoneId: 'UTC' });
    page = await context.newPage();
    page.setDefaultTimeout(WAIT);
    page.on('pageerror', (e) => pageErrors.push(`pageerror: ${e.message}`));
  });
  after(async () => {
    if (browser) await browser.close();
    if (srv) await srv.stop();
  });

  it('the setup: rooms and sessions belong where they were put', () => {
    assert.equal(st.roomA.organisation_id, st.a.id);
    assert.equal(st.sA.organisation_id, st.a.id);
    assert.equal(st.sA.room_id, st.roomA.id);
    assert.equal(st.sB.organisation_id, st.b.id);
  });

  it("A's secretary logs in: the header names department A and the province", async () => {
    await page.goto(`${srv.base}/console/`);
    await page.getByLabel('Tên đăng nhập').fill(SECRETARY.username);
    await page.locator('input[type=password]').fill(SECRETARY.password);
    await page.locator('form button[type=submit]').click();
    await page.locator('[data-testid=user-name]').waitFor();
    const org = page.locator('.app-header [data-testid=user-organisation]');
    await org.waitFor();
    assert.equal(await org.textContent(), DEPT_A.name);
    assert.equal(await page.locator('.app-header .app-province').textContent(), PROVINCE);
    // Reloaded (the token kept, /me at boot), the same.
    await page.reload();
    await org.waitFor();
    assert.equal(await org.textContent(), DEPT_A.name);
  });

  it("the list holds A's session, not B's; B's that invites A is marked invited, read only", async () => {
    await row(st.sA.id).waitFor();
    await row(st.sBinv.id).waitFor();
    assert.equal(await row(st.sB.id).count(), 0, "B's own session is not listed");
    assert.equal(await row(st.sA.id).locator('[data-testid=session-organisation]').textContent(), DEPT_A.name);
    assert.equal(await row(st.sA.id).locator('[data-testid=invited]').count(), 0);
    assert.equal(await row(st.sA.id).getByRole('button', { name: 'Sửa' }).count(), 1, 'its own session: edit offered');
    const inv = row(st.sBinv.id);
    assert.equal(await inv.locator('[data-testid=invited]').textContent(), 'Được mời');
    assert.equal(await inv.locator('[data-testid=session-organisation]').textContent(), DEPT_B.name);
    assert.equal(await inv.getByRole('button', { name: 'Sửa' }).count(), 0, 'no edit on an invited session');
    assert.equal(await inv.getByRole('button', { name: 'Xóa' }).count(), 0, 'no delete on an invited session');
    await shot('list');
  });

  it('the invited session opens read only: no edit, delete or start', async () => {
    await page.evaluate((id) => { location.hash = `#/sessions/${id}`; }, st.sBinv.id);
    await page.locator('.session-title', { hasText: 'Hội nghị an toàn giao thông' }).waitFor();
    await page.locator('[data-testid=session-readonly]').waitFor();
    const head = page.locator('.session-card');
    assert.equal(await head.locator('[data-testid=invited]').count(), 1);
    assert.equal(await head.locator('[data-testid=session-organisation]').textContent(), DEPT_B.name);
    for (const name of ['Sửa thông tin', 'Xóa', 'Bắt đầu phiên họp']) {
      assert.equal(await head.getByRole('button', { name }).count(), 0, `no "${name}"`);
    }
    assert.match(await page.locator('[data-testid=session-readonly]').textContent(), /Sở Giao thông Vận tải/);
    // It does not ask for the live feed (refused to an invited unit), so no error says it was refused.
    await page.waitForTimeout(500);
    assert.equal(await page.locator('#toasts .toast').count(), 0,
      `no toast: ${await page.locator('#toasts').textContent().catch(() => '')}`);
    await shot('invited-session');
    await page.evaluate(() => { location.hash = '#/sessions'; });
    await row(st.sA.id).waitFor();
  });

  it("a new session offers A's room only, and is A's, in A's room", async () => {
    await page.getByRole('button', { name: 'Tạo phiên họp' }).first().click();
    const dialog = page.locator('dialog[open]');
    await dialog.waitFor();
    const rooms = dialog.locator('select[name=room_id]');
    await rooms.waitFor();
    const options = await rooms.locator('option').evaluateAll((os) => os.map((o) => ({ value: o.value, text: o.textContent })));
    const real = options.filter((o) => /^\d+$/.test(o.value));
    assert.deepEqual(real.map((o) => Number(o.value)), [st.roomA.id], "only A's room");
    assert.equal(await rooms.inputValue(), String(st.roomA.id), "A's room chosen at first");
    assert.ok(!options.some((o) => o.text.includes('GTVT')), "B's room is not offered");
    // One organisation in scope: no choice to make.
    assert.equal(await dialog.locator('select[name=organisation_id]').isVisible(), false);
    assert.equal(await dialog.locator('input[name=room]').isVisible(), false, 'the typed room only for "another room"');
    await dialog.getByLabel('Tên phiên họp').fill('Họp chuyên đề quy hoạch đất đai');
    await dialog.locator('input[name=starts_at]').fill('2026-12-21T08:00');
    await dialog.locator('input[name=ends_at]').fill('2026-12-21T11:00');
    await page.screenshot({ path: path.join(SHOTS, 'organisations-new-session.png') });
    await dialog.locator('button[type=submit]').click();
    await dialog.waitFor({ state: 'detached' });
    await page.locator('.session-title', { hasText: 'Họp chuyên đề quy hoạch đất đai' }).waitFor();
    const id = Number(/#\/sessions\/(\d+)/.exec(await page.evaluate(() => location.hash))[1]);
    const made = await api(srv.base, admin, 'GET', `/api/v1/sessions/${id}`);
    assert.equal(made.organisation_id, st.a.id);
    assert.equal(made.room_id, st.roomA.id);
    assert.equal(made.room, st.roomA.name);
    assert.equal(made.starts_at, '2026-12-21T01:00:00Z');
    st.made = made;
  });

  it('the edit form invites another organisation (PUT …/organisations) and the page lists it', async () => {
    await page.getByRole('button', { name: 'Sửa thông tin' }).click();
    const dialog = page.locator('dialog[open]');
    await dialog.waitFor();
    const field = dialog.locator('[data-testid=invited-field]');
    await field.waitFor();
    const labels = await field.locator('label:visible').allTextContents();
    assert.ok(labels.some((l) => l.includes(DEPT_B.name)), 'B is offered');
    assert.ok(!labels.some((l) => l.includes(DEPT_A.name)), 'not its own organisation');
    await field.getByLabel(DEPT_B.name).check();
    await page.screenshot({ path: path.join(SHOTS, 'organisations-edit-session.png') });
    await dialog.locator('button[type=submit]').click();
    await dialog.waitFor({ state: 'detached' });
    const inv = page.locator('[data-testid=session-invited]');
    await inv.waitFor();
    assert.match(await inv.textContent(), /Sở Giao thông Vận tải/);
    const { organisations } = await api(srv.base, admin, 'GET', `/api/v1/sessions/${st.made.id}/organisations`);
    assert.deepEqual(organisations.map((o) => o.id), [st.b.id]);
  });

  it('on a narrow screen the header keeps the unit and cuts the province, within the bar', async () => {
    for (const width of [1000, 700]) {
      await page.setViewportSize({ width, height: 700 });
      const org = page.locator('.app-header [data-testid=user-organisation]');
      assert.ok(await org.isVisible(), `the unit shows at ${width} px`);
      const fits = await page.evaluate(() => {
        const bar = document.querySelector('.app-header').getBoundingClientRect();
        const unit = document.querySelector('.app-header .app-unit').getBoundingClientRect();
        return unit.right <= bar.right && document.documentElement.scrollWidth <= window.innerWidth;
      });
      assert.ok(fits, `the header does not overflow at ${width} px`);
      await page.locator('.app-header').screenshot({ path: path.join(SHOTS, `organisations-header-${width}.png`) });
    }
    await page.setViewportSize({ width: 1366, height: 850 });
  });

  it('in English the badge and the column follow', async () => {
    await page.evaluate(() => { location.hash = '#/sessions'; });
    await row(st.sBinv.id).waitFor();
    await page.locator('.lang-select').selectOption('en');
    await page.locator('th', { hasText: 'Organisation' }).waitFor();
    assert.equal(await row(st.sBinv.id).locator('[data-testid=invited]').textContent(), 'Invited');
    await shot('list-en');
    await page.locator('.lang-select').selectOption('vi');
    assert.deepEqual(pageErrors, []);
  });
});
