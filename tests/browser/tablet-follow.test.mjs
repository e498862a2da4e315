// Browser test of the tablet's following and small faults (issue 12,
// defects 2 and 7), against the real daemon with the demo province in
// Debian's chromium: the chair (chutoa, landscape) and two delegates (db01
// landscape, db02 portrait).
// - A delegate who opens a document before anything is presented keeps
//   following: when the chair presents page 3, the viewer is on page 3 with
//   no "not following" note, button or toast. Only "Xem tự do" stops it, and
//   its toast says nothing of a presentation when there is none.
// - The "!" on the Biểu quyết tab goes once the delegate has voted and comes
//   back for a new vote not yet voted.
// - In large-text mode the viewer's toolbar stays on one row, every button
//   whole and inside it, at the landscape and portrait sizes.
//
// Run: node --test tests/browser/tablet-follow.test.mjs   (needs build/roomctl: make)
// Screenshots: tests/browser/screenshots/tablet-follow-*.png

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { launchChromium, SHOTS } from '../lib/browser.mjs';
import { startServer, login, api } from '../lib/server.mjs';

const WAIT = 10_000;   // every wait is bounded by this
const SESSION = 1;     // the demo session
const DOC = 2;         // "Báo cáo số 215/BC-UBND …", 7 pages
const LANDSCAPE = { width: 1280, height: 800 };
const PORTRAIT = { width: 800, height: 1280 };
const PRESENTED_TOAST = 'Bạn đang xem tự do. Nhấn “Theo chủ tọa” để quay lại trang chủ tọa trình chiếu.';

let srv;
let browser;
let chairToken;
const tab = {};        // name -> {context, page, errors}

async function shot(name, which) {
  await tab[which].page.screenshot({ path: path.join(SHOTS, `tablet-follow-${name}.png`), animations: 'disabled' });
}

async function waitFor(fn, what, timeout = WAIT) {
  const end = Date.now() + timeout;
  let last;
  for (;;) {
    try {
      last = await fn();
      if (last) return last;
    } catch (err) { last = err; }
    if (Date.now() > end) throw new Error(`timed out waiting for ${what} (last: ${last && (last.message || JSON.stringify(last))})`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function openTablet(name, viewport) {
  const context = await browser.newContext({ viewport, locale: 'vi-VN', timezoneId: 'Asia/Ho_Chi_Minh', hasTouch: true });
  const page = await context.newPage();
  page.setDefaultTimeout(WAIT);
  const t = { context, page, errors: [] };
  page.on('pageerror', (e) => t.errors.push(`pageerror: ${e.message}`));
  page.on('console', (m) => { if (m.type() === 'error') t.errors.push(`console: ${m.text()}`); });
  tab[name] = t;
  return t;
}

async function loginTablet(page, username, password) {
  await page.goto(`${srv.base}/tablet/`);
  await page.getByLabel('Tên đăng nhập').fill(username);
  await page.getByLabel('Mật khẩu', { exact: true }).fill(password);
  await page.locator('form.tb-login button[type=submit].btn').click();
  await page.locator('h1.tb-title').waitFor();
  await page.locator('.conn[data-state=online]').waitFor();
}

const pageIndicator = (p) => p.locator('[data-testid=page-indicator]');

/** Waits until the tablet shows document DOC at page n, drawn on the canvas. */
async function expectPage(p, n, pages = 7) {
  await waitFor(async () => (await pageIndicator(p).textContent()) === `Trang ${n} / ${pages}`, `page indicator ${n}`);
  await p.locator(`[data-testid=page-canvas][data-doc-id="${DOC}"][data-rendered-page="${n}"]`).waitFor();
}

/** The toasts on screen now (their titles). */
const toasts = (p) => p.locator('.toast .toast-title').allTextContents();

/** Asserts the tablet follows: the state shown, no way "back", no note of another page. */
async function assertFollowing(p, what) {
  await p.getByTestId('follow-state').waitFor();
  assert.equal(await p.getByTestId('follow-start').count(), 0, `${what}: no "Theo chủ tọa" button`);
  assert.equal(await p.getByText(/Chủ tọa đang ở trang/).count(), 0, `${what}: no "Chủ tọa đang ở trang" note`);
  assert.deepEqual((await toasts(p)).filter((x) => /xem tự do/i.test(x)), [], `${what}: no "browsing freely" toast`);
}

const votesBadge = (p) => p.getByRole('tab', { name: /Biểu quyết/ }).locator('.count');

describe('tablet: following the chair, the votes badge, the toolbar in large text', { timeout: 240_000 }, () => {
  before(async () => {
    await fs.mkdir(SHOTS, { recursive: true });
    srv = await startServer({ args: ['--demo'], config: { media: { enabled: 'false' } } });
    chairToken = await login(srv.base, 'chutoa', 'chutoa123');
    await api(srv.base, chairToken, 'POST', `/api/v1/sessions/${SESSION}/start`);
    browser = await launchChromium();
    await openTablet('chair', LANDSCAPE);
    await openTablet('d1', LANDSCAPE);
    await openTablet('d2', PORTRAIT);
    await loginTablet(tab.chair.page, 'chutoa', 'chutoa123');
    await loginTablet(tab.d1.page, 'db01', '123456');
    await loginTablet(tab.d2.page, 'db02', '123456');
    for (const name of ['d1', 'd2']) {
      await tab[name].page.getByTestId('checkin-button').click();
      await tab[name].page.locator('[data-testid=checkin-state].present').waitFor();
    }
  });

  after(async () => {
    if (browser) await browser.close();
    if (srv) await srv.stop();
  });

  it('"Xem tự do" before anything is presented: the toast does not speak of a presentation', async () => {
    const p2 = tab.d2.page;
    await p2.getByRole('tab', { name: 'Tài liệu' }).click();   // portrait: the viewer and its controls
    await p2.getByTestId('follow-state').waitFor();
    await p2.getByTestId('follow-stop').click();
    await p2.getByTestId('follow-start').waitFor();
    const shown = await waitFor(async () => (await toasts(p2)).find((x) => /xem tự do/i.test(x)), 'the browsing-freely toast');
    assert.doesNotMatch(shown, /trang chủ tọa trình chiếu/, 'nothing is presented: no "page the chair presents"');
    assert.match(shown, /chưa trình chiếu/);
    await shot('01-stop-nothing-presented-portrait', 'd2');
    await p2.getByTestId('follow-start').click();
    await p2.getByTestId('follow-state').waitFor();
    await p2.locator('.toast-close').click();
    await p2.getByRole('tab', { name: 'Chương trình' }).click();
  });

  it('a delegate who opened a document before anything was presented follows the chair to page 3', async () => {
    const chair = tab.chair.page;
    const p1 = tab.d1.page;
    const p2 = tab.d2.page;
    // Both delegates open the agenda document while nothing is presented.
    for (const p of [p1, p2]) {
      await p.locator(`.doc-button[data-doc-id="${DOC}"]`).click();
      await expectPage(p, 1);
      await assertFollowing(p, 'after opening the document');
      assert.match(await p.getByTestId('follow-state').textContent(), /chờ trình chiếu/);
    }
    await shot('02-opened-before-presenting', 'd1');
    // The delegate in landscape also turns a page on their own: still following.
    await p1.getByRole('button', { name: 'Trang sau' }).click();
    await expectPage(p1, 2);
    await assertFollowing(p1, 'after turning a page');

    // The chair presents the document and goes to page 3.
    await chair.locator(`.doc-button[data-doc-id="${DOC}"]`).click();
    await expectPage(chair, 1);
    await chair.getByTestId('present-toggle').click();
    for (let n = 2; n <= 3; n++) {
      await chair.getByRole('button', { name: 'Trang sau' }).click();
      await expectPage(chair, n);
    }
    for (const p of [p1, p2]) {
      await expectPage(p, 3);
      await assertFollowing(p, 'after the chair presented page 3');
      assert.equal(await p.getByTestId('follow-state').textContent(), 'Đang theo chủ tọa');
    }
    await shot('03-following-page-3-landscape', 'd1');
    await shot('04-following-page-3-portrait', 'd2');

    // A look at another page while following: where the chair is, and back with the chair's next page.
    await p2.getByRole('button', { name: 'Trang trước' }).click();
    await expectPage(p2, 2);
    await p2.getByTestId('follow-state').waitFor();
    assert.equal(await p2.getByTestId('chair-at').textContent(), 'Chủ tọa đang ở trang 3');
    await chair.getByRole('button', { name: 'Trang sau' }).click();
    await expectPage(chair, 4);
    await expectPage(p2, 4);
    await expectPage(p1, 4);
    await assertFollowing(p2, 'back with the chair');

    // "Xem tự do" stops following; now the toast may speak of the presented page.
    await p1.getByTestId('follow-stop').click();
    await p1.getByTestId('follow-start').waitFor();
    await waitFor(async () => (await toasts(p1)).includes(PRESENTED_TOAST), 'the toast naming the presented page');
    await chair.getByRole('button', { name: 'Trang sau' }).click();
    await expectPage(chair, 5);
    await expectPage(p2, 5);
    await p1.getByText('Chủ tọa đang ở trang 5').waitFor();
    assert.equal(await pageIndicator(p1).textContent(), 'Trang 4 / 7', 'browsing freely stays on page 4');
    await shot('05-browsing-freely-after-stop', 'd1');
    await p1.locator('.toast-close').click();
    await p1.getByTestId('follow-start').click();
    await expectPage(p1, 5);
    await assertFollowing(p1, 'after rejoining');
  });

  it('the "!" on the Biểu quyết tab goes once the delegate has voted, and comes back for a new vote', async () => {
    const chair = tab.chair.page;
    const p1 = tab.d1.page;
    const p2 = tab.d2.page;
    const openVote = async (question) => {
      await chair.getByRole('tab', { name: /Biểu quyết/ }).click();
      await chair.getByLabel('Nội dung biểu quyết').fill(question);
      await chair.locator('#pane-votes').getByRole('button', { name: 'Mở biểu quyết' }).click();
      for (const p of [p1, p2]) await p.locator('dialog[open][data-testid=ballot]').waitFor();
    };
    const closeVote = async () => {
      await chair.locator('dialog[open]').getByRole('button', { name: 'Ẩn', exact: true }).first().click().catch(() => {});
      await chair.locator('#pane-votes').getByTestId('vote-close').click();
      await chair.locator('dialog[open].modal:not(.ballot-dialog)').getByRole('button', { name: 'Kết thúc biểu quyết' }).click();
      for (const p of [chair, p1, p2]) {
        await p.locator('dialog[open][data-status=closed]').waitFor();
        await p.locator('dialog[open]').getByRole('button', { name: 'Đóng' }).click();
      }
    };

    await openVote('Thông qua chương trình kỳ họp');
    for (const p of [p1, p2]) {
      await votesBadge(p).waitFor();
      assert.equal(await votesBadge(p).textContent(), '!');
    }
    await p1.locator('dialog[open]').getByRole('radio', { name: 'Đồng ý', exact: true }).click();
    await p1.locator('dialog[open]').getByTestId('ballot-send').click();
    await waitFor(async () => (await p1.getByTestId('vote-pill').textContent()) === 'Đã bỏ phiếu', 'the ballot recorded');
    await votesBadge(p1).waitFor({ state: 'detached' });
    await p1.locator('dialog[open]').getByRole('button', { name: 'Ẩn', exact: true }).first().click();
    await shot('06-voted-no-badge-landscape', 'd1');
    // The other delegate has not voted: the "!" stays for them (portrait: the tab bar).
    await p2.locator('dialog[open]').getByRole('button', { name: 'Ẩn', exact: true }).first().click();
    assert.equal(await votesBadge(p2).textContent(), '!');
    await shot('07-not-voted-badge-portrait', 'd2');
    // After a reload the tablet knows it voted: still no "!".
    await p1.reload();
    await p1.locator('h1.tb-title').waitFor();
    await waitFor(async () => (await p1.getByTestId('vote-pill').textContent()) === 'Đã bỏ phiếu', 'voted after a reload');
    assert.equal(await votesBadge(p1).count(), 0, 'no "!" after a reload');
    await closeVote();
    for (const p of [p1, p2]) assert.equal(await votesBadge(p).count(), 0, 'no "!" without an open vote');

    await openVote('Thông qua nội dung bổ sung');
    await votesBadge(p1).waitFor();
    assert.equal(await votesBadge(p1).textContent(), '!', 'a new vote not yet voted: "!" again');
    await p1.locator('dialog[open]').getByRole('button', { name: 'Ẩn', exact: true }).first().click();
    await p2.locator('dialog[open]').getByRole('button', { name: 'Ẩn', exact: true }).first().click();
    await closeVote();
  });

  it('in large-text mode the viewer toolbar is one row, every button whole and usable', async () => {
    for (const name of ['d1', 'd2']) {
      const p = tab[name].page;
      if (name === 'd2') await p.getByRole('tab', { name: 'Tài liệu' }).click();
      await expectPage(p, 5);
      await p.getByRole('button', { name: 'Chữ lớn' }).click();
      assert.match(await p.locator('html').getAttribute('class'), /rc-large-text/);
      // The layout settles after the font change.
      await waitFor(async () => (await p.locator('.viewer-tools').boundingBox()).width > 0, 'the toolbar laid out');
      const boxes = await p.locator('.viewer-tools').evaluate((bar) => {
        const r = (el) => { const b = el.getBoundingClientRect(); return { x: b.x, y: b.y, w: b.width, h: b.height, right: b.right, bottom: b.bottom }; };
        const items = [...bar.querySelectorAll('button, .viewer-page-label, .viewer-zoom-label')]
          .filter((el) => el.offsetParent !== null)
          .map((el) => ({ name: el.getAttribute('aria-label') || el.textContent.trim(), ...r(el), clipped: el.scrollWidth > el.clientWidth + 1 }));
        return { bar: r(bar), items, vw: document.documentElement.clientWidth };
      });
      await shot(`08-large-text-toolbar-${name === 'd1' ? 'landscape' : 'portrait'}`, name);
      const { bar, items, vw } = boxes;
      assert.ok(items.length >= 10, `${name}: the toolbar's controls (${items.length})`);
      const tallest = Math.max(...items.map((i) => i.h));
      assert.ok(bar.h < tallest * 1.5, `${name}: one row: toolbar ${bar.h.toFixed(0)} px high, its tallest control ${tallest.toFixed(0)} px`);
      const tops = items.map((i) => i.y + i.h / 2);
      assert.ok(Math.max(...tops) - Math.min(...tops) < tallest / 2,
        `${name}: every control on the same row (centres ${tops.map((x) => x.toFixed(0)).join(', ')})`);
      for (const i of items) {
        assert.ok(i.x >= bar.x - 0.5 && i.right <= bar.right + 0.5 && i.right <= vw, `${name}: "${i.name}" inside the toolbar and the screen (${i.x.toFixed(0)}–${i.right.toFixed(0)} of ${bar.x.toFixed(0)}–${bar.right.toFixed(0)}, screen ${vw})`);
        assert.ok(!i.clipped, `${name}: "${i.name}" is not cut off`);
      }
      for (const i of items.filter((x) => x.name && x.w)) {
        if (/Trang|%|Vừa/.test(i.name)) continue;
        assert.ok(i.w >= 40 && i.h >= 40, `${name}: "${i.name}" is a finger-sized target (${i.w.toFixed(0)}×${i.h.toFixed(0)})`);
      }
      // Still usable: the next-page button turns the page.
      await p.getByTestId('follow-stop').click();
      await p.getByRole('button', { name: 'Trang sau' }).click();
      await expectPage(p, 6);
      await p.getByTestId('follow-start').click();
      await expectPage(p, 5);
      await p.getByRole('button', { name: 'Chữ lớn' }).click();
    }
  });

  it('no errors in any tablet console', () => {
    for (const [name, t] of Object.entries(tab)) assert.deepEqual(t.errors, [], `${name}: ${t.errors.join('\n')}`);
  });
});
