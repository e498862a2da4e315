// Browser test of the delegate tablet (/tablet/) against the real daemon with
// the demo province: Debian's chromium driven by playwright-core, three
// browser contexts at once — the chair (chutoa, chair mode, landscape), a
// delegate in landscape (db01) and one in portrait (db02). Each step checks
// what the tablets show and what the server stored:
// PIN login → check-in (attendance via REST) → the chair presents a page and
// the following tablets turn with it (one stops following, then rejoins) →
// the document is fetched once and revalidated with 304 → a request to speak
// granted with a countdown everywhere → a secret vote (voted/ballots tables)
// → a ballot whose ack was lost and a ballot cast offline, both sent again
// and counted once, a reload mid-vote → private notes → English, large text
// and high contrast.
//
// Run: node --test tests/browser/tablet.test.mjs   (needs build/roomctl: make)
// Screenshots: tests/browser/screenshots/tablet-*.png

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { launchChromium, SHOTS } from '../lib/browser.mjs';
import { startServer, login, api } from '../lib/server.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const WAIT = 10_000;   // every wait is bounded by this
const SESSION = 1;     // the demo session
const DOC = 2;         // "Báo cáo số 215/BC-UBND …", 7 pages, agenda item 2

let srv;
let browser;
let chairToken;
const tab = {};        // name -> {context, page, errors, docRequests}
const st = {};

const LANDSCAPE = { width: 1280, height: 800 };
const PORTRAIT = { width: 800, height: 1280 };

async function shot(name, which) {
  await tab[which].page.screenshot({ path: path.join(SHOTS, `tablet-${name}.png`), animations: 'disabled' });
}

function sql(query) {
  return execFileSync('sqlite3', [path.join(srv.dataDir, 'roomctl.db'), query], { encoding: 'utf8' }).trim();
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
  const context = await browser.newContext({
    viewport, locale: 'vi-VN', timezoneId: 'Asia/Ho_Chi_Minh', acceptDownloads: true, hasTouch: true,
  });
  const page = await context.newPage();
  page.setDefaultTimeout(WAIT);
  const t = { context, page, errors: [], docRequests: [] };
  // Test-only instrumentation: remember the page's WebSockets, and optionally
  // drop the connection right after a given message type is sent (a lost ack).
  await context.addInitScript(() => {
    const Native = window.WebSocket;
    window.__sockets = [];
    window.__dropAfter = null;
    window.WebSocket = class extends Native {
      constructor(...args) { super(...args); window.__sockets.push(this); }
      send(data) {
        super.send(data);
        if (window.__dropAfter && typeof data === 'string' && data.includes(`"type":"${window.__dropAfter}"`)) {
          window.__dropAfter = null;
          this.close();
        }
      }
    };
  });
  page.on('pageerror', (e) => t.errors.push(`pageerror: ${e.message}`));
  page.on('console', (m) => { if (m.type() === 'error') t.errors.push(`console: ${m.text()}`); });
  // Frames the tablet receives, to see how the server answered its ballots.
  t.frames = [];
  page.on('websocket', (ws) => ws.on('framereceived', (f) => {
    if (typeof f.payload === 'string' && /"recorded"|"replay"/.test(f.payload)) t.frames.push(JSON.parse(f.payload));
  }));
  page.on('response', (res) => {
    if (res.url().includes(`/api/v1/documents/${DOC}/content`)) {
      t.docRequests.push({ status: res.status(), ifNoneMatch: res.request().headers()['if-none-match'] || null });
    }
  });
  tab[name] = t;
  return t;
}

async function loginTablet(page, username, secret, { pin = false } = {}) {
  await page.goto(`${srv.base}/tablet/`);
  await page.getByLabel('Tên đăng nhập').fill(username);
  if (pin) {
    await page.getByRole('button', { name: 'Mã PIN', exact: true }).click();
    // Typed on the on-screen number pad.
    for (const d of secret) await page.locator('.pin-pad').getByRole('button', { name: d, exact: true }).click();
    assert.equal(await page.getByLabel('Mã PIN', { exact: true }).inputValue(), secret);
  } else {
    await page.getByLabel('Mật khẩu', { exact: true }).fill(secret);
  }
  await page.locator('form.tb-login button[type=submit].btn').click();
  await page.locator('h1.tb-title').waitFor();
  await page.locator('.conn[data-state=online]').waitFor();
}

const pageIndicator = (p) => p.locator('[data-testid=page-indicator]');
const canvas = (p) => p.locator('[data-testid=page-canvas]');

/** Waits until the tablet shows document DOC at page n, drawn on the canvas. */
async function expectPage(p, n, pages = 7) {
  await waitFor(async () => (await pageIndicator(p).textContent()) === `Trang ${n} / ${pages}`, `page indicator ${n}`);
  await p.locator(`[data-testid=page-canvas][data-doc-id="${DOC}"][data-rendered-page="${n}"]`).waitFor();
  // The canvas holds a drawn page: a good share of its pixels are not white.
  const inked = await canvas(p).evaluate((c) => {
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    let dark = 0;
    for (let i = 0; i < d.length; i += 4 * 7) if (d[i] < 200 || d[i + 1] < 200 || d[i + 2] < 200) dark++;
    return dark;
  });
  assert.ok(inked > 200, `page ${n} is drawn (dark pixels: ${inked})`);
}

async function tabTo(p, name) {
  await p.getByRole('tab', { name }).click();
}

async function attendance() {
  return api(srv.base, chairToken, 'GET', `/api/v1/sessions/${SESSION}/attendance`);
}

describe('delegate tablet', { timeout: 240_000 }, () => {
  before(async () => {
    await fs.mkdir(SHOTS, { recursive: true });
    srv = await startServer({ args: ['--demo'] });
    chairToken = await login(srv.base, 'chutoa', 'chutoa123');
    const s = await api(srv.base, chairToken, 'POST', `/api/v1/sessions/${SESSION}/start`);
    assert.equal(s.status, 'live');
    const detail = await api(srv.base, chairToken, 'GET', `/api/v1/sessions/${SESSION}`);
    st.names = Object.fromEntries(detail.delegates.map((d) => [d.username, d.full_name]));
    st.ids = Object.fromEntries(detail.delegates.map((d) => [d.username, d.id]));
    browser = await launchChromium();
    await openTablet('chair', LANDSCAPE);
    await openTablet('d1', LANDSCAPE);
    await openTablet('d2', PORTRAIT);
  });

  after(async () => {
    if (browser) await browser.close();
    if (srv) await srv.stop();
  });

  it('logs in with a PIN or a password and opens the only live session', async () => {
    const { page: p1 } = tab.d1;
    await p1.goto(`${srv.base}/tablet/`);
    await p1.getByLabel('Tên đăng nhập').waitFor();
    assert.equal(await p1.locator('html').getAttribute('lang'), 'vi');
    await shot('01-login', 'd1');
    // A wrong PIN is refused and the form stays.
    await p1.getByLabel('Tên đăng nhập').fill('db01');
    await p1.getByRole('button', { name: 'Mã PIN', exact: true }).click();
    await p1.getByLabel('Mã PIN', { exact: true }).fill('999999');
    await p1.locator('form.tb-login button[type=submit].btn').click();
    await p1.getByText('Tên đăng nhập hoặc mã PIN không đúng.').waitFor();
    // Chromium logs the refused login (401) as a failed resource: expected here.
    tab.d1.errors = tab.d1.errors.filter((e) => !/status of 401/.test(e));

    await loginTablet(p1, 'db01', '123456', { pin: true });
    await loginTablet(tab.d2.page, 'db02', '123456', { pin: true });
    await loginTablet(tab.chair.page, 'chutoa', 'chutoa123');
    for (const name of ['d1', 'd2', 'chair']) {
      assert.match(await tab[name].page.locator('h1.tb-title').textContent(), /Kỳ họp thứ Mười hai/);
    }
    assert.equal(await tab.d1.page.locator('[data-testid=user-name]').textContent(), st.names.db01);
    assert.equal(await tab.chair.page.locator('.badge-chair').textContent(), 'Chế độ chủ tọa');
  });

  it('checks both delegates in with one tap each', async () => {
    for (const name of ['d1', 'd2']) {
      const { page } = tab[name];
      await page.getByTestId('checkin-button').click();
      await page.locator('[data-testid=checkin-state].present').waitFor();
      assert.match(await page.locator('[data-testid=checkin-state]').textContent(), /Đã điểm danh lúc \d\d:\d\d/);
      assert.equal(await page.getByTestId('checkin-button').count(), 0, 'the check-in banner is gone');
    }
    const att = await attendance();
    assert.equal(att.present, 2);
    const byName = Object.fromEntries(att.delegates.map((d) => [d.username, d]));
    assert.equal(byName.db01.status, 'present');
    assert.equal(byName.db01.method, 'tablet');
    assert.equal(byName.db02.status, 'present');
    assert.equal(byName.chutoa.status, 'absent');
    // Every tablet sees the count change live.
    await tab.chair.page.getByTestId('present-count').filter({ hasText: 'Có mặt 2/' }).waitFor();
  });

  it('follows the chair: page 2 everywhere, one delegate browses freely, then rejoins', async () => {
    const chair = tab.chair.page;
    const p1 = tab.d1.page;
    const p2 = tab.d2.page;
    await chair.locator(`.doc-button[data-doc-id="${DOC}"]`).click();
    await expectPage(chair, 1);
    await chair.getByTestId('present-toggle').click();
    assert.equal(await chair.getByTestId('present-toggle').getAttribute('aria-pressed'), 'true');
    await chair.getByRole('button', { name: 'Trang sau' }).click();
    await expectPage(chair, 2);
    // Both delegate tablets open the document at page 2 (the portrait one brings the document forward).
    await expectPage(p1, 2);
    await expectPage(p2, 2);
    assert.match(await p1.getByTestId('doc-title').textContent(), /Báo cáo số 215\/BC-UBND/);
    assert.equal(await p2.getByRole('tab', { name: 'Tài liệu' }).getAttribute('aria-selected'), 'true');
    // The agenda item of the presented document became the current one.
    await p1.locator('[data-testid=agenda-item].current', { hasText: 'Báo cáo tình hình kinh tế' }).waitFor();
    await shot('02-following-landscape', 'd1');
    await shot('03-following-portrait', 'd2');
    await shot('04-chair-presenting', 'chair');

    // Delegate 2 stops following; the chair turns to page 3.
    await p2.getByTestId('follow-stop').click();
    await p2.getByTestId('follow-start').waitFor();
    await chair.getByRole('button', { name: 'Trang sau' }).click();
    await expectPage(chair, 3);
    await expectPage(p1, 3);
    await p2.getByText('Chủ tọa đang ở trang 3').waitFor();
    assert.equal(await pageIndicator(p2).textContent(), 'Trang 2 / 7', 'delegate 2 stays on page 2');
    assert.equal(await canvas(p2).getAttribute('data-rendered-page'), '2');
    // Browsing freely: delegate 2 goes back to page 1 on their own.
    await p2.getByRole('button', { name: 'Trang trước' }).click();
    await expectPage(p2, 1);
    await shot('05-browsing-freely', 'd2');
    // One tap rejoins the chair.
    await p2.getByTestId('follow-start').click();
    await expectPage(p2, 3);
    await p2.getByTestId('follow-state').waitFor();
  });

  it('fetched the document once; page turns cost nothing; a reload revalidates with 304', async () => {
    const reqs = tab.d1.docRequests;
    assert.equal(reqs.length, 1, `one download across page turns: ${JSON.stringify(reqs)}`);
    assert.equal(reqs[0].status, 200);
    await tab.d1.page.reload();
    await expectPage(tab.d1.page, 3);   // still following after the reload
    assert.equal(reqs.length, 2, JSON.stringify(reqs));
    assert.equal(reqs[1].status, 304, 'the kept copy is still good');
    assert.match(reqs[1].ifNoneMatch || '', /^"[0-9a-f]{64}"$/);
  });

  it('a request to speak reaches the chair, who gives the floor; everyone sees the countdown', async () => {
    const chair = tab.chair.page;
    const p1 = tab.d1.page;
    const p2 = tab.d2.page;
    await tabTo(p1, 'Phát biểu');
    await p1.getByTestId('speak-request').click();
    await p1.getByTestId('my-queue-position').filter({ hasText: 'vị trí số 1' }).waitFor();
    await tabTo(chair, 'Phát biểu');
    const row = chair.locator('[data-testid=speaker-queue] li', { hasText: st.names.db01 });
    await row.waitFor();
    await shot('06-chair-queue', 'chair');
    await row.getByRole('button', { name: `Mời phát biểu: ${st.names.db01}` }).click();
    for (const p of [chair, p1, p2]) {
      const strip = p.getByTestId('speaker-countdown');
      await strip.waitFor();
      await waitFor(async () => /^\d+:\d\d$/.test(await strip.textContent()), 'a countdown m:ss');
      assert.equal(await p.locator('.speaker-strip .strip-name').textContent(), st.names.db01);
    }
    const first = await p2.getByTestId('speaker-countdown').textContent();
    await waitFor(async () => (await p2.getByTestId('speaker-countdown').textContent()) !== first, 'the countdown runs');
    await p1.getByTestId('floor-countdown').waitFor();
    await shot('07-speaking', 'd1');
    await chair.getByRole('button', { name: 'Kết thúc lượt phát biểu' }).click();
    for (const p of [chair, p1, p2]) await p.getByTestId('speaker-countdown').waitFor({ state: 'hidden' });
    const log = await api(srv.base, chairToken, 'GET', `/api/v1/sessions/${SESSION}/speakers`);
    assert.ok(log.speakers.some((s) => s.user_id === st.ids.db01), JSON.stringify(log));
  });

  it('a secret vote: ballots on both tablets, live count for the chair, results everywhere', async () => {
    const chair = tab.chair.page;
    const p1 = tab.d1.page;
    const p2 = tab.d2.page;
    await tabTo(chair, 'Biểu quyết');
    await chair.getByLabel('Nội dung biểu quyết').fill('Thông qua Báo cáo kinh tế - xã hội năm 2026');
    await chair.getByText('Bỏ phiếu kín', { exact: true }).click();
    await chair.locator('#pane-votes').getByRole('button', { name: 'Mở biểu quyết' }).click();

    for (const p of [p1, p2]) {
      const card = p.locator('dialog[open][data-testid=ballot]');
      await card.waitFor();
      assert.equal(await card.locator('#ballot-q').textContent(), 'Thông qua Báo cáo kinh tế - xã hội năm 2026');
      assert.equal(await card.getByTestId('ballot-secrecy').textContent(), 'Bỏ phiếu kín');
    }
    await shot('08-ballot-landscape', 'd1');
    await p1.locator('dialog[open]').getByRole('radio', { name: 'Đồng ý', exact: true }).click();
    await shot('09-ballot-chosen-portrait', 'd2');
    await p1.locator('dialog[open]').getByTestId('ballot-send').click();
    // Two ballots are fewer than a sealed group (5): received, sealed at the close.
    await p1.locator('dialog[open] [data-testid=ballot-state][data-state=received]').waitFor();
    await p2.locator('dialog[open]').getByRole('radio', { name: 'Không đồng ý', exact: true }).click();
    await p2.locator('dialog[open]').getByTestId('ballot-send').click();
    const received2 = p2.locator('dialog[open] [data-testid=ballot-state][data-state=received]');
    await received2.waitFor();
    assert.match(await received2.textContent(), /^Đã nhận phiếu\. Phiếu được niêm phong theo nhóm ít nhất 5 phiếu, hoặc khi kết thúc biểu quyết/);
    assert.equal(await p2.getByTestId('vote-pill').textContent(), 'Đã nhận phiếu');
    assert.equal(await p2.locator('dialog[open] [data-testid=ballot-send]').count(), 0, 'no second ballot while the first waits');
    await shot('10-ballot-received', 'd2');

    // The chair's card counts the ballots as they come.
    const chairCard = chair.locator('dialog[open][data-testid=ballot]');
    await chairCard.getByTestId('vote-cast').filter({ hasText: /^2$/ }).waitFor();
    await shot('11-chair-vote-count', 'chair');
    await chairCard.getByTestId('vote-close').click();
    await chair.locator('dialog[open].modal:not(.ballot-dialog)').getByRole('button', { name: 'Kết thúc biểu quyết' }).click();

    for (const p of [chair, p1, p2]) {
      const res = p.locator('dialog[open][data-status=closed]');
      await res.waitFor();
      assert.equal(await res.getByTestId('count-0').textContent(), '1');
      assert.equal(await res.getByTestId('count-1').textContent(), '1');
      assert.equal(await res.getByTestId('count-2').textContent(), '0');
      assert.equal(await res.getByTestId('vote-verdict').textContent(), 'Không thông qua');
      assert.equal(await res.getByTestId('vote-quorum').textContent(), 'Không đủ số đại biểu tham dự theo quy định');
    }
    await shot('12-results-landscape', 'd1');
    await shot('13-results-portrait', 'd2');
    // Sealed at the close: each tablet heard it and keeps nothing of its ballot.
    for (const p of [p1, p2])
      await waitFor(async () => (await p.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith('roomctl.ballots.')).length)) === 0, 'sealed ballot forgotten');
    const voteId = Number(sql('SELECT max(id) FROM votes'));
    assert.equal(sql(`SELECT count(*) FROM voted WHERE vote_id = ${voteId}`), '2', 'who voted: two rows');
    assert.equal(sql(`SELECT count(*) FROM ballots WHERE vote_id = ${voteId}`), '0', 'no choice stored next to a name');
    assert.equal(sql(`SELECT group_concat(option || ':' || count, ',') FROM (SELECT * FROM secret_tally WHERE vote_id = ${voteId} ORDER BY option)`), '0:1,1:1');
    for (const p of [chair, p1, p2]) await p.locator('dialog[open]').getByRole('button', { name: 'Đóng' }).click();
  });

  it('a lost ack, a reload and an offline ballot: resent with the same key and counted once', async () => {
    const chair = tab.chair.page;
    const p1 = tab.d1.page;
    const p2 = tab.d2.page;
    await chair.getByLabel('Nội dung biểu quyết').fill('Thông qua Tờ trình dự toán ngân sách năm 2027');
    await chair.getByText('Bỏ phiếu kín', { exact: true }).click();
    await chair.getByLabel('Thời gian biểu quyết').selectOption('300');
    await chair.locator('#pane-votes').getByRole('button', { name: 'Mở biểu quyết' }).click();
    await p1.locator('dialog[open][data-testid=ballot]').waitFor();
    await p2.locator('dialog[open][data-testid=ballot]').waitFor();
    await waitFor(async () => /^Còn [45]:\d\d$/.test(await p1.locator('dialog[open] .ballot-time').textContent()), 'time left');
    const voteId = Number(sql('SELECT max(id) FROM votes'));

    // Delegate 1: the connection drops right after the ballot leaves, before the ack.
    const socketsBefore = await p1.evaluate(() => window.__sockets.length);
    tab.d1.frames.length = 0;
    await p1.evaluate(() => { window.__dropAfter = 'vote.cast'; });
    await p1.locator('dialog[open]').getByRole('radio', { name: 'Đồng ý', exact: true }).click();
    await p1.locator('dialog[open]').getByTestId('ballot-send').click();
    await p1.locator('dialog[open] [data-testid=ballot-state][data-state=received]').waitFor();
    assert.ok(await p1.evaluate((n) => window.__sockets.length > n, socketsBefore), 'the tablet reconnected');
    // The first ack (if it made it back before the close) was ignored by the
    // closing socket; the resend with the same key was acknowledged as a duplicate.
    const acks = tab.d1.frames.filter((f) => 'recorded' in f.body).map((f) => f.body.duplicate);
    assert.equal(acks[acks.length - 1], true, JSON.stringify(tab.d1.frames));
    assert.ok(acks.filter((d) => !d).length <= 1, JSON.stringify(tab.d1.frames));
    assert.equal(await p1.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith('roomctl.ballots.')).length), 1,
      'a received ballot is kept on the tablet until it is sealed');

    // Reloaded mid-vote, the tablet sends the stored ballot again and shows it received.
    await p1.reload();
    await p1.locator('h1.tb-title').waitFor();
    const pill = p1.getByTestId('vote-pill');
    await pill.and(p1.locator('.state-received')).waitFor();
    assert.equal(await pill.textContent(), 'Đã nhận phiếu');
    await pill.click();
    await p1.locator('dialog[open] [data-testid=ballot-state][data-state=received]').waitFor();
    await p1.locator('dialog[open]').getByRole('button', { name: 'Ẩn', exact: true }).first().click();

    // Delegate 2 loses the network, votes, and sees the ballot is not sent.
    await tab.d2.context.setOffline(true);
    await p2.locator('.conn[data-state=offline]').waitFor();
    await p2.locator('.tb-offline').waitFor();
    await p2.locator('dialog[open]').getByRole('radio', { name: 'Không biểu quyết', exact: true }).click();
    await p2.locator('dialog[open]').getByTestId('ballot-send').click();
    const state2 = p2.locator('dialog[open] [data-testid=ballot-state]');
    await p2.locator('dialog[open] [data-testid=ballot-state][data-state=unsent]').waitFor();
    assert.equal(await state2.textContent(), 'Chưa gửi được — phiếu sẽ tự gửi lại khi có kết nối.');
    assert.equal(await p2.getByTestId('vote-pill').textContent(), 'Phiếu chưa gửi');
    const kept = await p2.evaluate(() => Object.entries(localStorage).filter(([k]) => k.startsWith('roomctl.ballots.')).map(([, v]) => JSON.parse(v)));
    assert.equal(kept.length, 1);
    assert.equal(kept[0][voteId].option, 2);
    assert.match(kept[0][voteId].ballot_key, /^[0-9a-f]{32}$/);
    await shot('14-ballot-offline', 'd2');
    assert.equal(sql(`SELECT count(*) FROM voted WHERE vote_id = ${voteId}`), '0', 'nothing on disk before a group of 5 or the close');
    // Meanwhile delegate 1 asks to speak: delegate 2 misses that event.
    await tabTo(p1, 'Phát biểu');
    await p1.getByTestId('speak-request').click();
    await p1.getByTestId('my-queue-position').waitFor();

    // Back online: the tablet reconnects, resends, and the ballot is recorded.
    tab.d2.frames.length = 0;
    await tab.d2.context.setOffline(false);
    await p2.locator('dialog[open] [data-testid=ballot-state][data-state=received]').waitFor();
    await p2.locator('.conn[data-state=online]').waitFor();
    assert.equal(await p2.locator('.tb-offline').isVisible(), false);
    // Chromium logs the reconnect attempts made while offline: expected here.
    tab.d2.errors = tab.d2.errors.filter((e) => !/ERR_INTERNET_DISCONNECTED/.test(e));
    // It resubscribed with its last seq and got the missed events replayed.
    const resub = tab.d2.frames.find((f) => f.type === 'ack' && 'replay' in f.body);
    assert.ok(resub && resub.body.replay === true, JSON.stringify(tab.d2.frames));
    await p2.getByRole('tab', { name: /Phát biểu/ }).locator('.count', { hasText: '1' }).waitFor();
    await p1.getByTestId('speak-withdraw').click();
    await p2.getByRole('tab', { name: /Phát biểu/ }).locator('.count').waitFor({ state: 'detached' });

    const chairCard = chair.locator('#pane-votes');
    await chairCard.getByTestId('vote-cast').filter({ hasText: /^2$/ }).waitFor();
    await chair.locator('dialog[open]').getByRole('button', { name: 'Ẩn', exact: true }).first().click().catch(() => {});
    await chairCard.getByTestId('vote-close').click();
    await chair.locator('dialog[open].modal:not(.ballot-dialog)').getByRole('button', { name: 'Kết thúc biểu quyết' }).click();
    for (const p of [chair, p1, p2]) {
      const res = p.locator('dialog[open][data-status=closed]');
      await res.waitFor();
      assert.equal(await res.getByTestId('count-0').textContent(), '1');
      assert.equal(await res.getByTestId('count-1').textContent(), '0');
      assert.equal(await res.getByTestId('count-2').textContent(), '1');
    }
    assert.equal(sql(`SELECT count(*) FROM voted WHERE vote_id = ${voteId}`), '2', 'both sealed at the close');
    assert.equal(sql(`SELECT count(*) FROM voted WHERE vote_id = ${voteId} AND user_id = ${st.ids.db01}`), '1');
    const v = (await api(srv.base, chairToken, 'GET', `/api/v1/sessions/${SESSION}/votes`)).votes.find((x) => x.id === voteId);
    assert.equal(v.result.cast, 2, 'each ballot counted once');
    assert.deepEqual(v.result.counts, [1, 0, 1]);
    for (const p of [chair, p1, p2]) await p.locator('dialog[open]').getByRole('button', { name: 'Đóng' }).click();
    assert.equal(await p2.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith('roomctl.ballots.')).length), 0);
  });

  it('keeps private notes per page: saved, there after a reload, not seen by another delegate, exported', async () => {
    const p1 = tab.d1.page;
    const p2 = tab.d2.page;
    await expectPage(p1, 3);
    await p1.getByTestId('notes-toggle').click();
    const text = 'Đề nghị làm rõ chỉ tiêu GRDP 7,6% — so với kế hoạch 7,5%.';
    await p1.getByTestId('note-text').fill(text);
    await p1.getByTestId('note-status').filter({ hasText: 'Đã lưu' }).waitFor();
    await shot('15-notes', 'd1');
    const me = st.ids.db01;
    assert.equal(sql(`SELECT text FROM notes WHERE user_id = ${me} AND document_id = ${DOC} AND page = 3`), text);

    await p1.reload();
    await expectPage(p1, 3);
    await p1.getByTestId('notes-toggle').click();
    await waitFor(async () => (await p1.getByTestId('note-text').inputValue()) === text, 'the note after a reload');
    await p1.locator('.notes-link', { hasText: 'Trang 3' }).waitFor();

    // Delegate 2 on the same page sees an empty note of their own.
    await expectPage(p2, 3);
    await p2.getByTestId('notes-toggle').click();
    await p2.locator('.notes-none').waitFor();
    assert.equal(await p2.getByTestId('note-text').inputValue(), '');

    const [download] = await Promise.all([
      p1.waitForEvent('download'),
      p1.getByRole('button', { name: 'Tải ghi chú (.md)' }).click(),
    ]);
    const md = await fs.readFile(await download.path(), 'utf8');
    assert.equal(download.suggestedFilename(), 'ghi-chu.md');
    assert.ok(md.includes(text), md);
    assert.ok(md.includes('Trang 3'), md);
    await p1.getByTestId('notes-toggle').click();
    await p2.getByTestId('notes-toggle').click();
  });

  it('searches the document text and shows page thumbnails', async () => {
    const p1 = tab.d1.page;
    await p1.getByTestId('follow-stop').click();
    await p1.getByRole('button', { name: 'Tìm trong tài liệu' }).click();
    await p1.getByLabel('Từ cần tìm trong tài liệu').fill('nong thon moi');   // without diacritics
    await p1.getByLabel('Từ cần tìm trong tài liệu').press('Enter');
    await p1.locator('.viewer-search-info', { hasText: /Tìm thấy \d+ kết quả/ }).waitFor();
    await p1.locator('.viewer-hl .hl').first().waitFor();
    await p1.getByRole('button', { name: 'Danh sách trang' }).click();
    await p1.locator('.thumb[data-drawn=true]').first().waitFor();
    await shot('16-search-thumbnails', 'd1');
    await p1.locator('.thumb[data-page="5"]').click();
    await expectPage(p1, 5);
    // Zoom in: the page is drawn larger than the width fit.
    const fitWidth = await canvas(p1).evaluate((c) => c.getBoundingClientRect().width);
    await p1.getByRole('button', { name: 'Phóng to' }).click();
    await p1.getByRole('button', { name: 'Phóng to' }).click();
    await p1.locator('.viewer-zoom-label', { hasText: '%' }).waitFor();
    await waitFor(async () => (await canvas(p1).evaluate((c) => c.getBoundingClientRect().width)) > fitWidth * 1.05, 'a larger page');
    await p1.getByRole('button', { name: 'Vừa chiều rộng' }).click();
    await waitFor(async () => Math.abs((await canvas(p1).evaluate((c) => c.getBoundingClientRect().width)) - fitWidth) < 2, 'back to the width');
    await p1.getByRole('button', { name: 'Danh sách trang' }).click();
    await p1.getByRole('button', { name: 'Tìm trong tài liệu' }).click();
    await p1.getByTestId('follow-start').click();
    await expectPage(p1, 3);
  });

  it('the chair moves the agenda on; every tablet highlights the new current item', async () => {
    const chair = tab.chair.page;
    await tabTo(chair, 'Chương trình');
    await chair.getByRole('button', { name: 'Chuyển đến mục này: 3.1. Tờ trình về dự toán thu, chi ngân sách và phân bổ ngân sách cấp tỉnh năm 2027' }).click();
    await tabTo(tab.d2.page, 'Chương trình');
    for (const name of ['chair', 'd1', 'd2']) {
      const cur = tab[name].page.locator('[data-testid=agenda-item].current');
      await cur.filter({ hasText: 'Tờ trình về dự toán thu' }).waitFor();
      assert.equal(await cur.count(), 1);
      assert.match(await cur.locator('.badge-current').textContent(), /Đang thảo luận/);
    }
    await shot('19-agenda-current-portrait', 'd2');
    await shot('20-chair-agenda', 'chair');
    // Nothing is presented now; the chair presents again and the tablets follow.
    assert.equal(await chair.getByTestId('present-toggle').getAttribute('aria-pressed'), 'false');
    await chair.getByTestId('present-toggle').click();
    await chair.getByRole('button', { name: 'Trang sau' }).click();
    await expectPage(chair, 4);
    await expectPage(tab.d1.page, 4);
    await expectPage(tab.d2.page, 4);
  });

  it('lists the sessions to choose from', async () => {
    const secToken = await login(srv.base, 'thuky', 'thuky123');
    const today = new Date();
    const at = (h) => new Date(Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate(), h)).toISOString().replace(/\.\d{3}Z$/, 'Z');
    const s2 = await api(srv.base, secToken, 'POST', '/api/v1/sessions', {
      title: 'Phiên họp chuyên đề về đầu tư công', room: 'Phòng họp số 2', starts_at: at(7), ends_at: at(9),
    });
    await api(srv.base, secToken, 'PUT', `/api/v1/sessions/${s2.id}/delegates`, { user_ids: [st.ids.db02] });
    const p2 = tab.d2.page;
    await p2.getByRole('button', { name: 'Đổi phiên' }).click();
    await p2.getByRole('heading', { name: 'Chọn phiên họp' }).waitFor();
    const cards = p2.locator('.pick-card');
    assert.equal(await cards.count(), 2);
    assert.match(await cards.nth(0).textContent(), /Kỳ họp thứ Mười hai.*Đang diễn ra|Đang diễn ra.*Kỳ họp thứ Mười hai/s, 'the live session first');
    assert.match(await cards.nth(1).textContent(), /Phiên họp chuyên đề về đầu tư công/);
    await shot('21-session-picker-portrait', 'd2');
    await cards.nth(0).click();
    await p2.locator('h1.tb-title', { hasText: 'Kỳ họp thứ Mười hai' }).waitFor();
    await p2.locator('[data-testid=checkin-state].present').waitFor();
  });

  it('switches to English, large text and high contrast, remembered after a reload', async () => {
    const p2 = tab.d2.page;
    await p2.locator('select.lang-select').selectOption('en');
    await p2.getByRole('tab', { name: 'Agenda' }).waitFor();
    await waitFor(async () => (await pageIndicator(p2).textContent()) === 'Page 4 / 7', 'English page indicator');
    await p2.getByRole('button', { name: 'Large text' }).click();
    await p2.getByRole('button', { name: 'High contrast' }).click();
    assert.equal(await p2.getByRole('button', { name: 'Large text' }).getAttribute('aria-pressed'), 'true');
    await p2.reload();
    await p2.locator('h1.tb-title').waitFor();
    assert.equal(await p2.locator('html').getAttribute('lang'), 'en');
    const cls = await p2.locator('html').getAttribute('class');
    assert.match(cls, /rc-large-text/);
    assert.match(cls, /rc-high-contrast/);
    await waitFor(async () => (await pageIndicator(p2).textContent()) === 'Page 4 / 7', 'English page indicator');
    await p2.locator(`[data-testid=page-canvas][data-rendered-page="4"]`).waitFor();
    await p2.getByRole('tab', { name: 'Speakers' }).waitFor();
    await shot('17-english-large-contrast-portrait', 'd2');
    await p2.getByRole('tab', { name: 'Agenda' }).click();
    await shot('18-agenda-portrait-en', 'd2');
    // Back to the defaults for whoever uses the tablet next.
    await p2.getByRole('button', { name: 'Large text' }).click();
    await p2.getByRole('button', { name: 'High contrast' }).click();
    await p2.locator('select.lang-select').selectOption('vi');
  });

  it('logs out: back to the login, the kept documents are gone', async () => {
    const p2 = tab.d2.page;
    assert.ok(await p2.evaluate(() => new Promise((resolve) => {
      const req = indexedDB.open('roomctl-tablet');
      req.onsuccess = () => { const c = req.result.transaction('documents').objectStore('documents').count(); c.onsuccess = () => resolve(c.result); };
    })) >= 1, 'the document is kept on the tablet');
    await p2.getByRole('button', { name: 'Đăng xuất' }).click();
    await p2.getByText('Bạn đã đăng xuất.').waitFor();
    assert.equal(await p2.evaluate(() => sessionStorage.getItem('roomctl.token')), null);
    assert.equal(await p2.evaluate(() => new Promise((resolve) => {
      const req = indexedDB.open('roomctl-tablet');
      req.onsuccess = () => { const c = req.result.transaction('documents').objectStore('documents').count(); c.onsuccess = () => resolve(c.result); };
    })), 0);
  });

  it('no errors in any tablet console', () => {
    for (const [name, t] of Object.entries(tab)) assert.deepEqual(t.errors, [], `${name}: ${t.errors.join('\n')}`);
  });
});
