// Accessibility of every page of every app: axe-core (npm, tests/node_modules)
// injected into Debian's chromium by playwright-core, against the real daemon
// with the demo province, a live session, two sending sites and one that
// stopped (an alarm). Each app is walked through its pages, tabs and dialogs,
// logged in as the role that sees them, in each display mode — normal, large
// text, high contrast — switched with the app's own buttons in its header.
// A page passes with no violation of impact serious or critical under the
// WCAG 2.0/2.1 A and AA rules; a failure names, per page, each rule, its
// impact, the elements (CSS selectors) and, for colour contrast, the colours
// and the ratio found against the one needed.
//
// An app is one line in APPS: its name and the function that walks it
// (visit(page, name) at each state worth checking). /site/ is to come.
//
// Run: node --test tests/browser/a11y.test.mjs   (needs build/roomctl, web/vendor)
// Screenshots: tests/browser/screenshots/a11y-<app>-<mode>-<page>.png

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { createRequire } from 'node:module';
import { launchChromium, SHOTS } from '../lib/browser.mjs';
import { startServer, login, api, freePort } from '../lib/server.mjs';
import { freeUdpPorts, gstSite, until } from '../lib/media.mjs';
import { WsClient } from '../lib/ws-client.mjs';

const AXE = createRequire(import.meta.url).resolve('axe-core/axe.min.js');
const WAIT = 15_000;         // every wait is bounded by this
const SESSION = 1;           // the demo's session
const DOC = 2;               // its 7-page report, agenda item 2
const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];
const FAIL_IMPACTS = new Set(['serious', 'critical']);

/** The display modes and the preferences (web/common/prefs.js) each one sets. */
const MODES = {
  normal: { largeText: false, highContrast: false },
  'large-text': { largeText: true, highContrast: false },
  'high-contrast': { largeText: false, highContrast: true },
};
const PREF_CLASS = { largeText: 'rc-large-text', highContrast: 'rc-high-contrast' };

let srv;
let browser;
let ports;
let senders = [];
const st = { site: {} };
const counts = {};           // app -> mode -> serious+critical nodes, printed at the end

// ---------- axe ----------

/** Runs axe on the page as it is; the serious and critical violations, made readable. */
async function axe(page) {
  if (!await page.evaluate(() => !!window.axe)) await page.addScriptTag({ path: AXE });
  const violations = await page.evaluate(async (tags) => {
    const r = await window.axe.run(document, { runOnly: { type: 'tag', values: tags }, resultTypes: ['violations'] });
    return r.violations.map((v) => ({
      id: v.id, impact: v.impact, help: v.help,
      nodes: v.nodes.map((n) => {
        const d = [...n.any, ...n.all, ...n.none].map((c) => c.data).find((x) => x && x.contrastRatio !== undefined);
        return {
          target: n.target.join(' '), impact: n.impact,
          contrast: d ? { fg: d.fgColor, bg: d.bgColor, ratio: d.contrastRatio, needed: d.expectedContrastRatio, size: d.fontSize, weight: d.fontWeight } : null,
          summary: d ? null : (n.failureSummary || '').replace(/\s+/g, ' ').slice(0, 300),
          text: (n.html || '').replace(/\s+/g, ' ').slice(0, 120),
        };
      }),
    }));
  }, AXE_TAGS);
  return violations.filter((v) => FAIL_IMPACTS.has(v.impact));
}

// ---------- one app in one mode ----------

/** The walk of one app in one mode: a browser context per role, the mode
 *  switched with the app's header buttons, visit() at each page. */
class Walk {
  constructor(app, mode) {
    this.app = app;
    this.mode = mode;
    this.contexts = [];
    this.problems = [];     // "page: text" — missing mode switches, page errors
    this.found = [];        // {where, violations}
    this.nodes = 0;
  }

  async context(opts = {}) {
    const context = await browser.newContext({
      viewport: { width: 1280, height: 800 }, locale: 'vi-VN', timezoneId: 'Asia/Ho_Chi_Minh', bypassCSP: true, ...opts,
    });
    this.contexts.push(context);
    const page = await context.newPage();
    page.setDefaultTimeout(WAIT);
    page.on('pageerror', (e) => this.problems.push(`pageerror: ${e.message}`));
    return page;
  }

  /** Opens url in a new context and switches the mode with the app's own buttons. */
  async open(url, opts) {
    const page = await this.context(opts);
    await page.goto(`${srv.base}${url}`);
    await page.locator('.app-header').first().waitFor();
    await this.setMode(page);
    return page;
  }

  async setMode(page) {
    for (const [pref, want] of Object.entries(MODES[this.mode])) {
      const btn = page.locator(`.app-header [data-pref=${pref}]`);
      if (await btn.count() === 0) {
        if (want) {
          this.problems.push(`${this.app} has no ${pref} switch in its header`);
          // Still measure the mode the other apps offer, set as they would set it.
          await page.evaluate(([k, v]) => {
            const p = JSON.parse(localStorage.getItem('roomctl.display') || '{}');
            localStorage.setItem('roomctl.display', JSON.stringify({ ...p, [k]: v }));
          }, [pref, want]);
          await page.reload();
          await page.locator('.app-header').first().waitFor();
        }
        continue;
      }
      if ((await btn.getAttribute('aria-pressed')) !== String(want)) await btn.click();
      assert.equal(await btn.getAttribute('aria-pressed'), String(want));
    }
    await this.checkMode(page, 'start');
  }

  async checkMode(page, where) {
    const cls = await page.evaluate(() => document.documentElement.className);
    for (const [pref, want] of Object.entries(MODES[this.mode])) {
      if (want && !cls.includes(PREF_CLASS[pref])) this.problems.push(`${this.app} ${where}: ${pref} is not applied (<html class="${cls}">)`);
    }
  }

  /** Checks the page as it is now. */
  async visit(page, where) {
    if (process.env.A11Y_TRACE) console.log(`# ${this.app} ${this.mode} ${where}`);
    // Finished transitions and animations: axe measures the final colours.
    // (Endless ones, a spinner or a pulse, are left alone; at most a second.)
    await page.evaluate(() => Promise.race([
      Promise.all(document.getAnimations().filter((a) => Number.isFinite(a.effect?.getComputedTiming().endTime))
        .map((a) => a.finished.catch(() => {}))),
      new Promise((r) => setTimeout(r, 1000))]));
    await this.checkMode(page, where);
    await page.screenshot({ path: path.join(SHOTS, `a11y-${this.app}-${this.mode}-${where}.png`), animations: 'disabled' });
    const violations = await axe(page);
    if (violations.length) this.found.push({ where, violations });
    this.nodes += violations.reduce((n, v) => n + v.nodes.length, 0);
  }

  /** Each failing element once (rows of a list once), with the pages it fails on. */
  report() {
    const out = this.problems.map((p) => `- ${p}`);
    const seen = new Map();
    for (const { where, violations } of this.found) {
      for (const v of violations) {
        for (const n of v.nodes) {
          const target = n.target.replace(/\[data-([\w-]+)="[^"]*"\]/g, '[data-$1]');
          const c = n.contrast;
          const what = c ? `${c.fg} on ${c.bg} = ${c.ratio}:1, needs ${c.needed} (${c.size}, ${c.weight})` : `${n.summary} | ${n.text}`;
          const key = `${v.id} (${v.impact}) ${target}  ${what}`;
          if (!seen.has(key)) seen.set(key, { n: 0, pages: new Set() });
          seen.get(key).n++;
          seen.get(key).pages.add(where);
        }
      }
    }
    for (const [key, { pages }] of seen) out.push(`  ${key}\n      on: ${[...pages].join(', ')}`);
    return out.join('\n');
  }

  async close() { for (const c of this.contexts) await c.close().catch(() => {}); }
}

// ---------- shared steps ----------

/** Every kind of toast at once (the apps' success/error/warn/info colours). */
async function showToasts(page) {
  await page.evaluate(async () => {
    const { toast } = await import('/common/ui.js');
    toast('Thông tin', { kind: 'info', detail: 'Chi tiết', timeout: 0 });
    toast('Đã lưu', { kind: 'success', detail: 'Chi tiết', timeout: 0 });
    toast('Cảnh báo', { kind: 'warn', detail: 'Chi tiết', timeout: 0 });
    toast('Không thành công', { kind: 'error', detail: 'Chi tiết', timeout: 0 });
  });
  await page.locator('.toast-error').waitFor();
}

const clearToasts = (page) => page.locator('.toast').evaluateAll((els) => els.forEach((e) => e.remove()));

async function consoleLogin(page, username, password) {
  await page.getByLabel('Tên đăng nhập').fill(username);
  await page.getByLabel('Mật khẩu').fill(password);
  await page.getByRole('button', { name: 'Đăng nhập' }).click();
}

// ---------- the tablet ----------

const DELEGATE_OF = { normal: 'db01', 'large-text': 'db02', 'high-contrast': 'db03' };

async function closeOpenVotes() {
  const { votes } = await api(srv.base, st.admin, 'GET', `/api/v1/sessions/${SESSION}/votes`);
  const open = votes.filter((v) => v.status === 'open');
  if (!open.length) return;
  const ws = await WsClient.connect(srv.port, { token: st.admin });
  try {
    for (const v of open) await ws.request('vote.close', { vote_id: v.id });
  } finally { ws.close(); }
}

async function tabletLogin(page, username, secret, { pin = false } = {}) {
  await page.getByLabel('Tên đăng nhập').fill(username);
  if (pin) {
    await page.getByRole('button', { name: 'Mã PIN', exact: true }).click();
    await page.getByLabel('Mã PIN', { exact: true }).fill(secret);
  } else {
    await page.getByLabel('Mật khẩu', { exact: true }).fill(secret);
  }
  await page.locator('form.tb-login button[type=submit].btn').click();
  await page.locator('h1.tb-title').waitFor();
  await page.locator('.conn[data-state=online]').waitFor();
}

const drawn = (page) => page.locator(`[data-testid=page-canvas][data-doc-id="${DOC}"][data-rendered-page]`).waitFor();

async function tablet(w) {
  // A delegate of their own per mode (not checked in, not in the queue), and
  // no vote left open by a walk that failed.
  const who = DELEGATE_OF[w.mode];
  await closeOpenVotes();
  const d = await w.open('/tablet/', { hasTouch: true });
  await d.getByLabel('Tên đăng nhập').waitFor();
  await w.visit(d, 'login');
  await d.getByRole('button', { name: 'Mã PIN', exact: true }).click();
  await d.locator('.pin-pad').waitFor();
  await w.visit(d, 'login-pin');
  await d.getByRole('button', { name: 'Mật khẩu', exact: true }).click();
  await d.getByLabel('Tên đăng nhập').fill(who);
  await d.getByLabel('Mật khẩu', { exact: true }).fill('wrong-one');
  await d.locator('form.tb-login button[type=submit].btn').click();
  await d.getByText('Tên đăng nhập hoặc mật khẩu không đúng.').waitFor();
  await d.locator('.callout-danger, [role=alert]').first().waitFor();
  await w.visit(d, 'login-refused');

  // A delegate: not yet checked in, then each tab.
  await tabletLogin(d, who, '123456', { pin: true });
  await d.getByTestId('checkin-button').waitFor();
  await w.visit(d, 'not-checked-in');
  await d.getByTestId('checkin-button').click();
  await d.locator('[data-testid=checkin-state].present').waitFor();
  await w.visit(d, 'agenda');
  await d.locator(`.doc-button[data-doc-id="${DOC}"]`).click();
  await drawn(d);
  await w.visit(d, 'document');
  await d.getByTestId('notes-toggle').click();
  await d.getByTestId('note-text').fill(`Ghi chú thử (${w.mode})`);
  await d.getByTestId('note-status').filter({ hasText: 'Đã lưu' }).waitFor();
  await w.visit(d, 'notes');
  await d.getByTestId('notes-toggle').click();
  await d.getByRole('button', { name: 'Tìm trong tài liệu' }).click();
  await d.getByLabel('Từ cần tìm trong tài liệu').fill('ngan sach');
  await d.getByLabel('Từ cần tìm trong tài liệu').press('Enter');
  await d.locator('.viewer-search-info', { hasText: /Tìm thấy \d+ kết quả/ }).waitFor();
  await d.getByRole('button', { name: 'Danh sách trang' }).click();
  await d.locator('.thumb[data-drawn=true]').first().waitFor();
  await w.visit(d, 'search-thumbnails');
  await d.getByRole('button', { name: 'Danh sách trang' }).click();
  await d.getByRole('button', { name: 'Tìm trong tài liệu' }).click();
  await d.getByRole('tab', { name: /Phát biểu/ }).click();
  await d.getByTestId('speak-request').click();
  await d.getByTestId('my-queue-position').waitFor();
  await w.visit(d, 'speakers-waiting');
  await d.getByRole('tab', { name: /Biểu quyết/ }).click();
  await w.visit(d, 'votes-none');

  // The chair, on a tablet too: the queue, presenting, the vote form.
  const c = await w.open('/tablet/');
  await tabletLogin(c, 'chutoa', 'chutoa123');
  await w.visit(c, 'chair-agenda');
  await c.getByRole('tab', { name: /Phát biểu/ }).click();
  const row = c.locator('[data-testid=speaker-queue] li', { hasText: st.names[who] });
  await row.waitFor();
  await w.visit(c, 'chair-queue');
  await row.getByRole('button', { name: st.names[who] }).click();   // "Mời phát biểu: <name>"
  await d.getByTestId('speaker-countdown').waitFor();
  await w.visit(d, 'speaking');
  await w.visit(c, 'chair-floor-given');
  await c.getByRole('button', { name: 'Kết thúc lượt phát biểu' }).click();
  await c.getByRole('tab', { name: /Chương trình/ }).click();
  await c.locator(`.doc-button[data-doc-id="${DOC}"]`).click();
  await drawn(c);
  await c.getByTestId('present-toggle').click();
  await w.visit(c, 'chair-presenting');
  await c.getByTestId('present-toggle').click();
  await c.getByRole('tab', { name: /Biểu quyết/ }).click();
  await c.getByLabel('Nội dung biểu quyết').fill('Thông qua Báo cáo kinh tế - xã hội');
  await w.visit(c, 'chair-vote-form');
  await c.locator('#pane-votes').getByRole('button', { name: 'Mở biểu quyết' }).click();

  // The open vote on the delegate's tablet: the ballot, chosen, received.
  const ballot = d.locator('dialog[open][data-testid=ballot]');
  await ballot.waitFor();
  await w.visit(d, 'ballot');
  await ballot.getByRole('radio', { name: 'Đồng ý', exact: true }).click();
  await w.visit(d, 'ballot-chosen');
  await ballot.getByTestId('ballot-send').click();
  await d.locator('dialog[open] [data-testid=ballot-state]:is([data-state=recorded], [data-state=received])').waitFor();
  await w.visit(d, 'ballot-received');
  const card = c.locator('dialog[open][data-testid=ballot]');
  await card.getByTestId('vote-cast').filter({ hasText: /^1$/ }).waitFor();
  await w.visit(c, 'chair-vote-count');
  await card.getByTestId('vote-close').click();
  await c.locator('dialog[open].modal:not(.ballot-dialog)').waitFor();
  await w.visit(c, 'chair-confirm-close');
  await c.locator('dialog[open].modal:not(.ballot-dialog)').getByRole('button', { name: 'Kết thúc biểu quyết' }).click();
  await d.locator('dialog[open][data-status=closed]').waitFor();
  await w.visit(d, 'vote-results');
  await c.locator('dialog[open][data-status=closed]').waitFor();
  await w.visit(c, 'chair-vote-results');
  for (const p of [c, d]) await p.locator('dialog[open]').getByRole('button', { name: 'Đóng' }).click();
  await w.visit(d, 'votes-past');

  // Offline, toasts, the session picker.
  await d.context().setOffline(true);
  await d.locator('.tb-offline').waitFor();
  await w.visit(d, 'offline');
  await d.context().setOffline(false);
  await d.locator('.conn[data-state=online]').waitFor();
  await showToasts(d);
  await w.visit(d, 'toasts');
  await clearToasts(d);
  await d.getByRole('button', { name: 'Đổi phiên' }).click();
  await d.getByRole('heading', { name: 'Chọn phiên họp' }).waitFor();
  await w.visit(d, 'session-picker');
  await d.getByRole('button', { name: 'Đăng xuất' }).click();
  await d.getByText('Bạn đã đăng xuất.').waitFor();
  await w.visit(d, 'logged-out');
}

// ---------- the console ----------

async function consoleApp(w) {
  const p = await w.open('/console/', { viewport: { width: 1366, height: 900 } });
  await p.getByLabel('Tên đăng nhập').waitFor();
  await w.visit(p, 'login');
  await consoleLogin(p, 'thuky', 'wrong-one');
  await p.locator('.toast-error').first().waitFor();
  await w.visit(p, 'login-refused');
  await clearToasts(p);
  await consoleLogin(p, 'thuky', 'thuky123');
  await p.getByRole('heading', { name: 'Phiên họp', level: 1 }).waitFor();
  await p.locator(`tr[data-session-id="${st.ended}"]`).waitFor();
  await w.visit(p, 'sessions');
  await p.getByRole('button', { name: 'Tạo phiên họp' }).click();
  await p.locator('dialog[open]').waitFor();
  await w.visit(p, 'session-form');
  await p.locator('dialog[open]').getByRole('button', { name: 'Hủy' }).click();

  await p.goto(`${srv.base}/console/#/sessions/${SESSION}/agenda`);
  await p.locator('.agenda-row').first().waitFor();
  await w.visit(p, 'agenda');
  await p.getByRole('button', { name: 'Thêm mục' }).click();
  await p.locator('dialog[open]').waitFor();
  await w.visit(p, 'agenda-item-form');
  await p.locator('dialog[open]').getByRole('button', { name: 'Hủy' }).click();
  await p.locator('.agenda-row').first().getByRole('button', { name: 'Tải tài liệu' }).click();
  await p.locator('dialog[open]').waitFor();
  await w.visit(p, 'upload-form');
  await p.locator('dialog[open]').getByRole('button', { name: 'Hủy' }).click();
  for (const tab of ['delegates', 'sites', 'attendance', 'recordings', 'records']) {
    await p.locator(`.tab[data-tab=${tab}]`).click();
    await p.locator(`.tab[data-tab=${tab}][aria-current=page]`).waitFor();
    await p.waitForLoadState('networkidle').catch(() => {});
    await w.visit(p, tab);
  }
  await p.getByRole('button', { name: 'Kết thúc' }).click();
  await p.locator('dialog[open]').waitFor();
  await w.visit(p, 'confirm-end');
  await p.locator('dialog[open]').getByRole('button', { name: 'Hủy' }).click();
  await p.goto(`${srv.base}/console/#/sessions/${st.ended}/attendance`);
  await p.locator('.session-card .badge', { hasText: 'Đã kết thúc' }).waitFor();
  await w.visit(p, 'ended-session');
  await p.goto(`${srv.base}/console/#/import`);
  await p.locator('main h1').waitFor();
  await w.visit(p, 'import');
  await showToasts(p);
  await w.visit(p, 'toasts');
}

// ---------- /tech/ ----------

async function tech(w) {
  const p = await w.open('/tech/', { viewport: { width: 1366, height: 768 } });
  await p.getByLabel('Tên đăng nhập').waitFor();
  await w.visit(p, 'login');
  await consoleLogin(p, 'kythuat', 'kythuat123');
  await p.locator('.tile').first().waitFor();
  await p.locator('.conn[data-state=online]').waitFor();
  await p.locator('.tile.s-online').first().waitFor();
  await p.locator('.tile.s-degraded').first().waitFor();
  await w.visit(p, 'grid');
  await p.locator('.tile.s-online').first().click();
  await p.locator('#side-detail .detail-name').waitFor();
  await p.locator('#side-detail .uplot').first().waitFor();
  await w.visit(p, 'site-detail');
  await p.locator('.tile.s-degraded').first().click();
  await p.locator('#side-detail .state-pill.s-degraded').waitFor();
  await w.visit(p, 'site-detail-degraded');
  await p.locator('.tile.s-offline').first().click();
  await p.locator('#side-detail .state-pill.s-offline').waitFor();
  await w.visit(p, 'site-detail-offline');
  await p.locator('#side-tab-alarms').click();
  await p.locator('li.alarm').first().waitFor();
  await w.visit(p, 'alarms');
  await p.locator('[data-density=compact]').click();
  await w.visit(p, 'grid-compact');
  await p.locator('[data-density=detail]').click();
  await p.getByRole('link', { name: 'Chương trình' }).click();
  await p.getByRole('heading', { name: 'Điều khiển chương trình' }).waitFor();
  await p.locator('[data-testid=chair]').waitFor();
  await w.visit(p, 'program-audio');
  await p.goto(`${srv.base}/tech/#/check/${st.scheduled}`);
  await p.locator('main h1, main h2').first().waitFor();
  await p.waitForLoadState('networkidle').catch(() => {});
  await w.visit(p, 'check');
  await p.goto(`${srv.base}/tech/#/attendance/${SESSION}`);
  await p.locator('main table, main .empty').first().waitFor();
  await w.visit(p, 'attendance');
  await showToasts(p);
  await w.visit(p, 'toasts');
}

// ---------- /docs/ ----------

async function docs(w) {
  const p = await w.open('/docs/');
  await p.locator('.docs-cards').waitFor();
  await w.visit(p, 'index');
  for (const id of ['api', 'tests']) {
    await p.goto(`${srv.base}/docs/#${id}`);
    await p.locator('main h1').waitFor();
    await p.locator('main table').first().waitFor();
    await w.visit(p, id);
  }
}

// One line per app; the function walks its pages (see tablet() for the shape).
const APPS = [
  { name: 'tablet', walk: tablet },
  { name: 'console', walk: consoleApp },
  { name: 'tech', walk: tech },
  { name: 'docs', walk: docs },
  // { name: 'site', walk: site },   // /site/ (WebRTC), once it exists
];

// ---------- the run ----------

describe('accessibility (axe-core, WCAG 2.1 AA)', { timeout: 900_000 }, () => {
  before(async () => {
    await fs.mkdir(SHOTS, { recursive: true });
    const base = await freeUdpPorts(4);
    ports = { video: base, audio: base + 2 };
    srv = await startServer({
      args: ['--demo', '--listen', '127.0.0.1'],
      config: {
        media: { video_port: ports.video, audio_port: ports.audio, rtsp_port: await freePort(), rtsp_host: '127.0.0.1', record: 'false' },
        health: { check_seconds: 6 },
        // ROOMCTL_WEB_ROOT: the apps of another tree (e.g. a checkout of an older commit).
        ...(process.env.ROOMCTL_WEB_ROOT ? { server: { web_root: process.env.ROOMCTL_WEB_ROOT } } : {}),
      },
      timeoutMs: 30_000,
    });
    const admin = await login(srv.base, 'admin', 'admin123');
    st.admin = admin;
    const { sites } = await api(srv.base, admin, 'GET', '/api/v1/sites');
    for (const s of sites) st.site[s.code] = s;
    // An ended session (its badge) and a scheduled one (the pre-session check), both the council's,
    // like the demo's session, so that its secretariat sees them.
    const demo = await api(srv.base, admin, 'GET', `/api/v1/sessions/${SESSION}`);
    const council = demo.organisation_id;
    const ended = await api(srv.base, admin, 'POST', '/api/v1/sessions', {
      title: 'Phiên họp chuyên đề tháng 11', room: 'Phòng họp số 2', organisation_id: council,
      starts_at: '2026-11-10T08:00:00+07:00', ends_at: '2026-11-10T11:00:00+07:00',
    });
    await api(srv.base, admin, 'POST', `/api/v1/sessions/${ended.id}/start`);
    await api(srv.base, admin, 'POST', `/api/v1/sessions/${ended.id}/end`);
    st.ended = ended.id;
    const detail = await api(srv.base, admin, 'GET', `/api/v1/sessions/${SESSION}`);
    st.names = Object.fromEntries(detail.delegates.map((u) => [u.username, u.full_name]));
    const scheduled = await api(srv.base, admin, 'POST', '/api/v1/sessions', {
      title: 'Phiên họp chuyên đề tháng 12', room: 'Phòng họp số 2', organisation_id: council,
      starts_at: '2026-12-20T08:00:00+07:00', ends_at: '2026-12-20T11:00:00+07:00',
    });
    // It invites the districts, as the demo's does: their sites are theirs.
    await api(srv.base, admin, 'PUT', `/api/v1/sessions/${scheduled.id}/organisations`,
      { organisation_ids: demo.invited.map((o) => o.id) });
    await api(srv.base, admin, 'PUT', `/api/v1/sessions/${scheduled.id}/sites`, { site_ids: ['H01-X01', 'H01-X02', 'H02'].map((c) => st.site[c].id) });
    st.scheduled = scheduled.id;
    await api(srv.base, admin, 'POST', `/api/v1/sessions/${SESSION}/start`);
    // Two sites send, one loses a tenth of its video (degraded); a fourth
    // sends, then stops: an offline alarm. Every state has its colours.
    senders = [gstSite('TINH', ports), gstSite('H01', ports), gstSite('H02', ports, { dropVideo: 0.1 }), gstSite('H01-X01', ports)];
    const up = async (code) => new RegExp(`roomctl_site_up\\{site="${code}"[^}]*\\} 1`).test(await (await fetch(`${srv.base}/metrics`)).text());
    await until(up.bind(null, 'H01-X01'), 60_000, 'H01-X01 online');
    await senders.pop().stop();
    const x01 = st.site['H01-X01'].id;
    await until(async () => (await api(srv.base, admin, 'GET', '/api/v1/alarms')).alarms.some((a) => a.site_id === x01 && a.kind === 'offline'),
      60_000, 'an offline alarm for H01-X01');
    browser = await launchChromium();
  });

  after(async () => {
    const table = Object.entries(counts).map(([app, m]) => `${app}: ${Object.entries(m).map(([k, v]) => `${k} ${v}`).join(', ')}`);
    if (table.length) console.log(`# serious+critical elements per app and mode: ${table.join('; ')}`);
    if (browser) await browser.close();
    for (const s of senders) await s.stop();
    if (srv) await srv.stop();
  });

  for (const app of APPS) {
    for (const mode of Object.keys(MODES)) {
      it(`${app.name} in ${mode}: no serious or critical violation on any page`, async () => {
        const w = new Walk(app.name, mode);
        try {
          await app.walk(w);
        } catch (err) {
          err.message += `\n(after ${w.found.length} page(s) with violations)\n${w.report()}`;
          throw err;
        } finally {
          await w.close();
          (counts[app.name] ||= {})[mode] = w.nodes;
        }
        assert.ok(w.found.length === 0 && w.problems.length === 0,
          `${app.name} in ${mode}: ${w.nodes} element(s) failing\n${w.report()}`);
      });
    }
  }
});
