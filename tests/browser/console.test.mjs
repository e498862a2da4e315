// Browser test of the secretariat console against the real daemon: Debian's
// chromium driven by playwright-core. One scenario, step by step, each step
// checking what the page shows and what the server has stored:
// log in → create and edit a session (local time in, UTC stored) → build a
// nested agenda, reorder it with buttons and drag and drop → upload a PDF
// (progress bar, page count; a broken PDF shows the server's reason) → open it
// → assign delegates and a district of sites → start the session → check-ins
// over the WebSocket, from the console and through REST update the attendance
// live, also across a dropped WebSocket → CSV export → English UI → end the
// session → delete another one → log out; plus a read-only check as the chair.
// ROOMCTL_BIN=... runs it against another build (see tests/lib/server.mjs).
//
// Run: node --test tests/browser/console.test.mjs   (needs build/roomctl)
// Screenshots: tests/browser/screenshots/*.png

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { launchChromium, SHOTS } from '../lib/browser.mjs';
import WebSocket from 'ws';
import { startServer, login, api, ADMIN_PASSWORD } from '../lib/server.mjs';
import { makePdf } from '../lib/pdf.mjs';


const SESSION_TITLE = 'Kỳ họp thứ 12 HĐND tỉnh khóa X';
const DELEGATE = { username: 'dbieu01', full_name: 'Nguyễn Văn An', role: 'delegate', password: '123456', title: 'Đại biểu HĐND tỉnh', unit: 'Tổ đại biểu số 1' };
const DELEGATE2 = { username: 'dbieu02', full_name: 'Trần Thị Bình', role: 'delegate', password: '654321', title: 'Đại biểu HĐND tỉnh', unit: 'Tổ đại biểu số 2' };
const CHAIR = { username: 'chutoa', full_name: 'Lê Văn Cường', role: 'chair', password: 'chair-pass-1', title: 'Chủ tịch HĐND tỉnh', unit: 'Thường trực HĐND' };

let srv;
let browser;
let page;
let adminToken;
const st = {};                 // ids created along the way
const pageErrors = [];

/** Screenshot, and a check that no "null"/"undefined"/"NaN" leaked into the page text. */
async function shot(name) {
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });
  const text = await page.locator('body').innerText();
  assert.doesNotMatch(text, /\b(null|undefined|NaN|\[object Object\])\b/, `stray placeholder text on ${name}`);
}

/** Minimal WebSocket client for the server side of the scenario (a delegate's tablet). */
async function wsClient(base, token) {
  const ws = new WebSocket(`${base.replace('http', 'ws')}/ws`, 'roomctl.v1');
  await new Promise((resolve, reject) => { ws.once('open', resolve); ws.once('error', reject); });
  assert.equal(ws.protocol, 'roomctl.v1', 'server must select the roomctl.v1 subprotocol');
  let id = 0;
  const pending = new Map();
  ws.on('message', (data) => {
    const msg = JSON.parse(String(data));
    if ((msg.type === 'ack' || msg.type === 'error') && pending.has(msg.id)) {
      const p = pending.get(msg.id);
      pending.delete(msg.id);
      if (msg.type === 'ack') p.resolve(msg.body); else p.reject(new Error(`ws error ${JSON.stringify(msg.body)}`));
    }
  });
  const request = (type, body) => new Promise((resolve, reject) => {
    id += 1;
    pending.set(id, { resolve, reject });
    ws.send(JSON.stringify({ type, id, body }));
    setTimeout(() => { if (pending.delete(id)) reject(new Error(`ws ${type}: no reply`)); }, 5000);
  });
  await request('auth', { token });
  return { request, close: () => ws.close() };
}

/** RFC 4180: quoted fields, doubled quotes, CRLF or LF. */
function parseCsv(text) {
  const rows = [];
  let rowCur = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') { field += '"'; i++; } else if (c === '"') quoted = false; else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') { rowCur.push(field); field = ''; } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      rowCur.push(field); rows.push(rowCur); rowCur = []; field = '';
    } else field += c;
  }
  if (field || rowCur.length) { rowCur.push(field); rows.push(rowCur); }
  return rows;
}

const row = (p, itemTitle) => p.locator('.agenda-row', { has: p.locator('.agenda-title', { hasText: itemTitle }) });
const attRow = (p, fullName) => p.locator('.attendance-table tbody tr', { hasText: fullName });

async function flattenAgenda(sessionId) {
  const { agenda } = await api(srv.base, adminToken, 'GET', `/api/v1/sessions/${sessionId}/agenda`);
  const out = [];
  const walk = (list, prefix) => list.slice().sort((a, b) => a.position - b.position).forEach((it, i) => {
    const n = prefix ? `${prefix}.${i + 1}` : `${i + 1}`;
    out.push({ n, it });
    walk(it.children || [], n);
  });
  walk(agenda, '');
  return out;
}

describe('secretariat console', { timeout: 180_000 }, () => {
  before(async () => {
    await fs.mkdir(SHOTS, { recursive: true });
    srv = await startServer();
    adminToken = await login(srv.base, 'admin', ADMIN_PASSWORD);
    st.delegate = await api(srv.base, adminToken, 'POST', '/api/v1/users', DELEGATE);
    st.delegate2 = await api(srv.base, adminToken, 'POST', '/api/v1/users', DELEGATE2);
    st.chair = await api(srv.base, adminToken, 'POST', '/api/v1/users', CHAIR);
    const prov = await api(srv.base, adminToken, 'POST', '/api/v1/sites', { code: 'TINH', name: 'Hội trường UBND tỉnh', level: 'province' });
    const dist = await api(srv.base, adminToken, 'POST', '/api/v1/sites', { code: 'H01', name: 'Huyện Đức Hòa', level: 'district', parent_id: prov.id });
    const c1 = await api(srv.base, adminToken, 'POST', '/api/v1/sites', { code: 'X001', name: 'Xã Đức Lập Thượng', level: 'commune', parent_id: dist.id });
    const c2 = await api(srv.base, adminToken, 'POST', '/api/v1/sites', { code: 'X002', name: 'Xã Hựu Thạnh', level: 'commune', parent_id: dist.id });
    const dist2 = await api(srv.base, adminToken, 'POST', '/api/v1/sites', { code: 'H02', name: 'Huyện Bến Lức', level: 'district', parent_id: prov.id });
    await api(srv.base, adminToken, 'POST', '/api/v1/sites', { code: 'X003', name: 'Xã Thạnh Lợi', level: 'commune', parent_id: dist2.id });
    st.districtSites = [dist.id, c1.id, c2.id].sort((a, b) => a - b);

    browser = await launchChromium();
    // A Vietnamese secretariat's browser: Vietnamese locale, Indochina time (UTC+7).
    const context = await browser.newContext({
      viewport: { width: 1366, height: 900 }, acceptDownloads: true, locale: 'vi-VN', timezoneId: 'Asia/Ho_Chi_Minh',
    });
    page = await context.newPage();
    page.setDefaultTimeout(10_000);
    // Test-only instrumentation: remember the page's WebSockets so a step can drop one.
    await page.addInitScript(() => {
      const Native = window.WebSocket;
      window.__sockets = [];
      window.WebSocket = class extends Native {
        constructor(...args) { super(...args); window.__sockets.push(this); }
      };
    });
    page.on('pageerror', (e) => pageErrors.push(`pageerror: ${e.message}`));
    page.on('console', (m) => { if (m.type() === 'error') pageErrors.push(`console: ${m.text()}`); });
  });

  after(async () => {
    if (browser) await browser.close();
    if (srv) await srv.stop();
  });

  it('shows the login page in Vietnamese and logs in as admin', async () => {
    await page.goto(`${srv.base}/console/`);
    await page.getByLabel('Tên đăng nhập').waitFor();
    assert.equal(await page.locator('html').getAttribute('lang'), 'vi');
    assert.equal(await page.locator('h1').textContent(), 'Đăng nhập');
    await shot('01-login');

    // A wrong password shows the server's refusal and keeps the form.
    await page.getByLabel('Tên đăng nhập').fill('admin');
    await page.getByLabel('Mật khẩu').fill('wrong-password');
    await page.getByRole('button', { name: 'Đăng nhập' }).click();
    await page.locator('.toast-error').first().waitFor();
    assert.match(await page.locator('.toast-error').first().textContent(), /Đăng nhập không thành công/);

    // The username as a keyboard that capitalises typed it: taken as meant,
    // as on the tablet (both log in through web/common/login.js).
    await page.getByLabel('Tên đăng nhập').fill(' Admin ');
    await page.getByLabel('Mật khẩu').fill(ADMIN_PASSWORD);
    await page.getByRole('button', { name: 'Đăng nhập' }).click();
    await page.getByRole('heading', { name: 'Phiên họp', level: 1 }).waitFor();
    assert.equal(await page.locator('[data-testid=user-role]').textContent(), 'Quản trị hệ thống');
    assert.ok(await page.evaluate(() => sessionStorage.getItem('roomctl.token')), 'token kept in sessionStorage');
    await page.locator('.conn[data-state=online]').waitFor();
    await page.locator('.toast').evaluateAll((els) => els.forEach((e) => e.remove()));
    await shot('02-sessions-empty');
  });

  it('creates a session (local time in the form, UTC on the wire)', async () => {
    await page.getByRole('button', { name: 'Tạo phiên họp' }).click();
    const dlg = page.locator('dialog[open]');
    await dlg.getByLabel('Tên phiên họp').fill(SESSION_TITLE);
    await dlg.getByLabel('Phòng họp').fill('Hội trường A');
    await dlg.getByLabel('Bắt đầu').fill('2026-11-25T08:00');
    await dlg.getByLabel('Kết thúc').fill('2026-11-25T11:30');
    await dlg.getByLabel('Mô tả').fill('Kỳ họp thường lệ cuối năm 2026.');
    await shot('03-session-form');
    await dlg.getByRole('button', { name: 'Tạo phiên họp' }).click();
    await page.locator('h1.session-title').waitFor();
    assert.equal(await page.locator('h1.session-title').textContent(), SESSION_TITLE);
    st.sessionId = Number(/#\/sessions\/(\d+)/.exec(page.url())[1]);

    const s = await api(srv.base, adminToken, 'GET', `/api/v1/sessions/${st.sessionId}`);
    assert.equal(s.title, SESSION_TITLE);
    assert.equal(s.room, 'Hội trường A');
    assert.equal(s.status, 'scheduled');
    assert.equal(s.starts_at, '2026-11-25T01:00:00Z', '08:00 in Hanoi is 01:00 UTC');
    assert.equal(s.ends_at, '2026-11-25T04:30:00Z');
    assert.equal(await page.locator('.session-card .badge').textContent(), 'Sắp diễn ra');
    assert.match(await page.locator('.session-meta').textContent(), /25\/11\/2026 08:00 – 11:30/);
  });

  it('edits the session; changes made elsewhere appear live', async () => {
    await page.getByRole('button', { name: 'Sửa thông tin' }).click();
    const dlg = page.locator('dialog[open]');
    assert.equal(await dlg.getByLabel('Bắt đầu').inputValue(), '2026-11-25T08:00', 'the form shows local time');
    await dlg.getByLabel('Phòng họp').fill('Hội trường B');
    await dlg.getByLabel('Kết thúc').fill('2026-11-25T12:00');
    await dlg.getByRole('button', { name: 'Lưu' }).click();
    await page.locator('.session-meta', { hasText: 'Hội trường B' }).waitFor();
    assert.match(await page.locator('.session-meta').textContent(), /25\/11\/2026 08:00 – 12:00/);
    const s = await api(srv.base, adminToken, 'GET', `/api/v1/sessions/${st.sessionId}`);
    assert.equal(s.room, 'Hội trường B');
    assert.equal(s.ends_at, '2026-11-25T05:00:00Z');
    assert.equal(s.starts_at, '2026-11-25T01:00:00Z', 'unchanged fields stay');

    // Another secretary adds an agenda item: it shows up here without a reload.
    const item = await api(srv.base, adminToken, 'POST', `/api/v1/sessions/${st.sessionId}/agenda`, { title: 'Mục do thư ký khác thêm' });
    await row(page, 'Mục do thư ký khác thêm').waitFor();
    await api(srv.base, adminToken, 'DELETE', `/api/v1/agenda/${item.id}`);
    await row(page, 'Mục do thư ký khác thêm').waitFor({ state: 'detached' });
    await page.locator('.toast').evaluateAll((els) => els.forEach((e) => e.remove()));
  });

  it('builds a nested agenda and reorders it', async () => {
    const addItem = async (opener, title, presenter, minutes) => {
      await opener.click();
      const dlg = page.locator('dialog[open]');
      await dlg.getByLabel('Nội dung').fill(title);
      if (presenter) await dlg.getByLabel('Người trình bày').fill(presenter);
      if (minutes) await dlg.getByLabel('Thời lượng dự kiến (phút)').fill(String(minutes));
      await dlg.getByRole('button', { name: 'Thêm', exact: true }).click();
      await row(page, title).waitFor();
    };
    await addItem(page.getByRole('button', { name: 'Thêm mục' }), 'Khai mạc kỳ họp', 'Chủ tịch HĐND tỉnh', 15);
    await addItem(page.getByRole('button', { name: 'Thêm mục' }), 'Thảo luận và biểu quyết', '', 90);
    await addItem(row(page, 'Khai mạc kỳ họp').getByRole('button', { name: 'Mục con', exact: true }), 'Báo cáo thẩm tra của Ban Kinh tế - Ngân sách', 'Trưởng ban', 20);

    const numbers = async () => page.locator('.agenda-item').evaluateAll((els) => els.map((e) => `${e.dataset.number} ${e.querySelector('.agenda-title').textContent}`));
    assert.deepEqual(await numbers(), [
      '1 Khai mạc kỳ họp',
      '1.1 Báo cáo thẩm tra của Ban Kinh tế - Ngân sách',
      '2 Thảo luận và biểu quyết',
    ]);
    let flat = await flattenAgenda(st.sessionId);
    assert.deepEqual(flat.map((f) => `${f.n} ${f.it.title}`), [
      '1 Khai mạc kỳ họp', '1.1 Báo cáo thẩm tra của Ban Kinh tế - Ngân sách', '2 Thảo luận và biểu quyết']);
    st.itemOpen = flat[0].it.id;
    st.itemReport = flat[1].it.id;

    // Indent item 2 under item 1 (→ 1.2), then move it up (→ 1.1), then outdent it back out (→ 2).
    await row(page, 'Thảo luận và biểu quyết').getByRole('button', { name: /Thụt vào/ }).click();
    await page.locator('.agenda-item[data-number="1.2"]', { hasText: 'Thảo luận và biểu quyết' }).waitFor();
    await row(page, 'Thảo luận và biểu quyết').getByRole('button', { name: 'Chuyển lên' }).click();
    await page.locator('.agenda-item[data-number="1.1"]', { hasText: 'Thảo luận và biểu quyết' }).waitFor();
    flat = await flattenAgenda(st.sessionId);
    assert.deepEqual(flat.map((f) => `${f.n} ${f.it.title}`), [
      '1 Khai mạc kỳ họp', '1.1 Thảo luận và biểu quyết', '1.2 Báo cáo thẩm tra của Ban Kinh tế - Ngân sách']);
    await row(page, 'Thảo luận và biểu quyết').getByRole('button', { name: /Lùi ra/ }).click();
    await page.locator('.agenda-item[data-number="2"]', { hasText: 'Thảo luận và biểu quyết' }).waitFor();
    flat = await flattenAgenda(st.sessionId);
    assert.deepEqual(flat.map((f) => `${f.n} ${f.it.title}`), [
      '1 Khai mạc kỳ họp', '1.1 Báo cáo thẩm tra của Ban Kinh tế - Ngân sách', '2 Thảo luận và biểu quyết']);
    assert.deepEqual(await numbers(), [
      '1 Khai mạc kỳ họp',
      '1.1 Báo cáo thẩm tra của Ban Kinh tế - Ngân sách',
      '2 Thảo luận và biểu quyết',
    ]);

    // Drag and drop: onto the middle of item 1 nests it (→ 1.2); onto the lower edge of item 1 it follows it (→ 2).
    const target = row(page, 'Khai mạc kỳ họp');
    let box = await target.boundingBox();
    await row(page, 'Thảo luận và biểu quyết').dragTo(target, { targetPosition: { x: box.width / 2, y: box.height / 2 } });
    await page.locator('.agenda-item[data-number="1.2"]', { hasText: 'Thảo luận và biểu quyết' }).waitFor();
    flat = await flattenAgenda(st.sessionId);
    assert.equal(flat.find((f) => f.it.title === 'Thảo luận và biểu quyết').n, '1.2');
    box = await target.boundingBox();
    await row(page, 'Thảo luận và biểu quyết').dragTo(target, { targetPosition: { x: box.width / 2, y: box.height - 4 } });
    await page.locator('.agenda-item[data-number="2"]', { hasText: 'Thảo luận và biểu quyết' }).waitFor();
    flat = await flattenAgenda(st.sessionId);
    assert.deepEqual(flat.map((f) => `${f.n} ${f.it.title}`), [
      '1 Khai mạc kỳ họp', '1.1 Báo cáo thẩm tra của Ban Kinh tế - Ngân sách', '2 Thảo luận và biểu quyết']);
  });

  it('rejects a broken PDF with the server\'s reason', async () => {
    await row(page, 'Báo cáo thẩm tra').getByRole('button', { name: 'Tải tài liệu' }).click();
    const dlg = page.locator('dialog[open]');
    await dlg.locator('input[type=file]').setInputFiles({ name: 'hong.pdf', mimeType: 'application/pdf', buffer: Buffer.from('%PDF-1.4\nthis is not really a pdf\n') });
    await dlg.getByRole('button', { name: 'Tải lên' }).click();
    const toastEl = page.locator('.toast-error', { hasText: 'hong.pdf' });
    await toastEl.waitFor();
    const text = await toastEl.textContent();
    assert.match(text, /Không tải lên được hong\.pdf/);
    assert.match(text, /Định dạng tệp không được hỗ trợ/, 'unsupported_media is named in Vietnamese');
    assert.ok(await dlg.locator('.progress.error').count() === 1, 'the failed file is marked');
    await shot('04-upload-error');
    await dlg.getByRole('button', { name: 'Hủy' }).click();
    await page.locator('.toast').evaluateAll((els) => els.forEach((e) => e.remove()));
    const flat = await flattenAgenda(st.sessionId);
    assert.equal(flat.find((f) => f.it.id === st.itemReport).it.documents.length, 0);
  });

  it('uploads a PDF with a real progress bar and lists it with its page count', async () => {
    const pdf = makePdf({ pages: 3, title: 'To trinh ke hoach dau tu cong 2027', padBytes: 3 * 1024 * 1024 });
    await row(page, 'Báo cáo thẩm tra').getByRole('button', { name: 'Tải tài liệu' }).click();
    const dlg = page.locator('dialog[open]');
    await dlg.locator('input[type=file]').setInputFiles({ name: 'to-trinh-12.pdf', mimeType: 'application/pdf', buffer: pdf });
    const titleInput = dlg.getByLabel('Tên tài liệu cho tệp to-trinh-12.pdf');
    assert.equal(await titleInput.inputValue(), 'to-trinh-12');
    await titleInput.fill('Tờ trình về kế hoạch đầu tư công năm 2027');

    // Record every value the progress bar takes; slow the upload down so there is something to see.
    await dlg.locator('.progress').evaluate((el) => {
      window.__progress = [];
      new MutationObserver(() => window.__progress.push(Number(el.getAttribute('aria-valuenow'))))
        .observe(el, { attributes: true, attributeFilter: ['aria-valuenow'] });
    });
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Network.enable');
    await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: 1024 * 1024 });
    await dlg.getByRole('button', { name: 'Tải lên' }).click();
    await page.waitForFunction(() => (window.__progress || []).some((v) => v > 0 && v < 100));
    await shot('05-upload-progress');
    await page.locator('.doc', { hasText: 'Tờ trình về kế hoạch đầu tư công năm 2027' }).waitFor({ timeout: 30_000 });
    await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });
    await cdp.detach();
    const seen = await page.evaluate(() => window.__progress);
    assert.ok(seen.some((v) => v > 0 && v < 100), `intermediate progress seen: ${seen.join(',')}`);
    assert.equal(await page.locator('dialog[open]').count(), 0, 'the dialog closes after success');

    const doc = page.locator('.doc', { hasText: 'Tờ trình về kế hoạch đầu tư công năm 2027' });
    assert.equal(await doc.locator('.doc-pages').textContent(), '3 trang');
    assert.match(await doc.locator('.doc-meta').textContent(), /to-trinh-12\.pdf/);
    assert.match(await doc.locator('.doc-size').textContent(), /^3(,0)? MB$/);

    const flat = await flattenAgenda(st.sessionId);
    const docs = flat.find((f) => f.it.id === st.itemReport).it.documents;
    assert.equal(docs.length, 1);
    assert.equal(docs[0].pages, 3);
    assert.equal(docs[0].size, pdf.length);
    assert.equal(docs[0].filename, 'to-trinh-12.pdf');
    assert.equal(docs[0].title, 'Tờ trình về kế hoạch đầu tư công năm 2027');
    st.doc = docs[0];
    await page.locator('.toast').evaluateAll((els) => els.forEach((e) => e.remove()));
    await shot('06-agenda-with-document');
  });

  // Official document numbers contain slashes ("Tờ trình số 12/TTr-UBND"). The
  // console sends the title URL-encoded; the server must keep it whole.
  it('keeps a "/" in a document title', async () => {
    const title = 'Tờ trình số 12/TTr-UBND';
    const doc = await api(srv.base, adminToken, 'POST',
      `/api/v1/agenda/${st.itemOpen}/documents?${new URLSearchParams({ title, filename: 'to-trinh-so-12.pdf' })}`,
      makePdf({ pages: 1 }), { contentType: 'application/pdf' });
    try {
      assert.equal(doc.title, title);
    } finally {
      await api(srv.base, adminToken, 'DELETE', `/api/v1/documents/${doc.id}`);
    }
  });

  it('opens the document in a new tab', async () => {
    const [popup] = await Promise.all([
      page.waitForEvent('popup'),
      page.locator('.doc', { hasText: 'Tờ trình về kế hoạch đầu tư công năm 2027' }).getByRole('button', { name: 'Mở' }).click(),
    ]);
    await popup.waitForURL(/^blob:/);
    const bytes = await popup.evaluate(async () => {
      const b = await (await fetch(location.href)).arrayBuffer();
      return { size: b.byteLength, head: new TextDecoder().decode(new Uint8Array(b).slice(0, 5)) };
    });
    assert.equal(bytes.head, '%PDF-');
    assert.equal(bytes.size, st.doc.size);
    await popup.close();
  });

  it('assigns delegates from the searchable checklist', async () => {
    await page.getByRole('link', { name: /Đại biểu/ }).click();
    const search = page.getByPlaceholder('Tìm theo tên, chức vụ, đơn vị…');
    await search.waitFor();
    // Search without diacritics finds the Vietnamese name.
    await search.fill('nguyen van an');
    assert.equal(await page.locator('.checklist tbody tr:not([hidden])').count(), 1);
    await page.getByLabel('Nguyễn Văn An').check();
    await search.fill('');
    await page.getByLabel('Trần Thị Bình').check();
    assert.equal(await page.getByLabel('Lê Văn Cường').isChecked(), false, 'the chair is listed but not chosen');
    assert.match(await page.locator('.counter').textContent(), /Đã chọn 2\/3/);
    assert.equal(await page.locator('.dirty-note').isVisible(), true);
    await shot('07-delegates');
    await page.getByRole('button', { name: 'Lưu danh sách đại biểu' }).click();
    await page.locator('.toast-success', { hasText: 'Đã lưu danh sách: 2 đại biểu' }).waitFor();
    const { delegates } = await api(srv.base, adminToken, 'GET', `/api/v1/sessions/${st.sessionId}/delegates`);
    assert.deepEqual(delegates.map((u) => u.id).sort((a, b) => a - b), [st.delegate.id, st.delegate2.id].sort((a, b) => a - b));
    assert.equal(await page.locator('.tab[data-tab=delegates] .count').textContent(), '2');
  });

  it('assigns all sites of one district with its select-all box', async () => {
    await page.getByRole('link', { name: /Điểm cầu/ }).click();
    const all = page.getByLabel('Chọn tất cả điểm cầu thuộc Huyện Đức Hòa');
    await all.waitFor({ state: 'attached' });
    await all.check();
    await page.locator('.site-group[data-group] .group-toggle', { hasText: 'Huyện Đức Hòa' }).click();
    assert.equal(await page.getByLabel('Xã Hựu Thạnh').isChecked(), true);
    assert.equal(await page.getByLabel('Xã Thạnh Lợi').isChecked(), false);
    assert.match(await page.locator('.counter').textContent(), /Đã chọn 3\/6 điểm cầu/);
    // Search without diacritics narrows the list.
    await page.getByPlaceholder('Tìm điểm cầu theo tên hoặc mã…').fill('huu thanh');
    assert.equal(await page.locator('.site-row:not([hidden])').count(), 1);
    await shot('08-sites');
    await page.getByPlaceholder('Tìm điểm cầu theo tên hoặc mã…').fill('');
    await page.getByRole('button', { name: 'Lưu điểm cầu' }).click();
    await page.locator('.toast-success', { hasText: 'Đã lưu: 3 điểm cầu' }).waitFor();
    const { sites } = await api(srv.base, adminToken, 'GET', `/api/v1/sessions/${st.sessionId}/sites`);
    assert.deepEqual(sites.map((s) => s.id).sort((a, b) => a - b), st.districtSites);
  });

  it('starts the session after confirmation', async () => {
    await page.getByRole('button', { name: 'Bắt đầu phiên họp' }).click();
    const dlg = page.locator('dialog[open]');
    assert.match(await dlg.textContent(), /Bắt đầu phiên họp “Kỳ họp thứ 12 HĐND tỉnh khóa X” ngay bây giờ\?/);
    await dlg.getByRole('button', { name: 'Bắt đầu phiên họp' }).click();
    await page.locator('.session-card .badge', { hasText: 'Đang diễn ra' }).waitFor();
    const s = await api(srv.base, adminToken, 'GET', `/api/v1/sessions/${st.sessionId}`);
    assert.equal(s.status, 'live');
    assert.equal(await page.getByRole('button', { name: 'Kết thúc' }).isVisible(), true);
    assert.equal(await page.getByRole('button', { name: 'Bắt đầu phiên họp' }).count(), 0);
  });

  it('shows check-ins live: WebSocket check-in, console check-in, check-out', async () => {
    await page.getByRole('link', { name: /Điểm danh/ }).click();
    await attRow(page, DELEGATE.full_name).waitFor();
    await page.evaluate(() => { window.__noReload = 'still here'; });
    assert.equal(await attRow(page, DELEGATE.full_name).locator('.badge').textContent(), 'Vắng mặt');
    assert.match(await page.locator('.stat[data-stat=present] .stat-value').textContent(), /^0\s*\/\s*2$/);

    // The delegate checks in from a tablet (WebSocket).
    const dToken = await login(srv.base, DELEGATE.username, DELEGATE.password);
    const tablet = await wsClient(srv.base, dToken);
    const ack = await tablet.request('checkin', { session_id: st.sessionId });
    assert.equal(ack.attendance.status, 'present');
    tablet.close();
    await attRow(page, DELEGATE.full_name).locator('.badge', { hasText: 'Có mặt' }).waitFor();
    assert.match(await page.locator('.stat[data-stat=present] .stat-value').textContent(), /^1\s*\/\s*2$/);
    assert.equal(await attRow(page, DELEGATE.full_name).locator('td').nth(6).textContent(), 'Máy tính bảng');
    assert.equal(await page.locator('.tab[data-tab=attendance] .count').textContent(), '1/2');
    assert.equal(await page.evaluate(() => window.__noReload), 'still here', 'updated without a reload');
    await page.locator('.toast').evaluateAll((els) => els.forEach((e) => e.remove()));
    await shot('09-attendance-live');

    // The secretariat checks the second delegate in by hand.
    await page.getByRole('button', { name: `Điểm danh có mặt: ${DELEGATE2.full_name}` }).click();
    await attRow(page, DELEGATE2.full_name).locator('.badge', { hasText: 'Có mặt' }).waitFor();
    assert.match(await page.locator('.stat[data-stat=present] .stat-value').textContent(), /^2\s*\/\s*2$/);
    let att = await api(srv.base, adminToken, 'GET', `/api/v1/sessions/${st.sessionId}/attendance`);
    const e2 = att.delegates.find((e) => e.user_id === st.delegate2.id);
    assert.equal(e2.status, 'present');
    assert.equal(e2.method, 'console');
    assert.equal(att.present, 2);

    // Checked out through the REST API (another console): the row changes here too.
    await api(srv.base, adminToken, 'POST', `/api/v1/sessions/${st.sessionId}/attendance`, { user_id: st.delegate.id, action: 'out' });
    await attRow(page, DELEGATE.full_name).locator('.badge', { hasText: 'Đã rời' }).waitFor();
    assert.match(await page.locator('.stat[data-stat=present] .stat-value').textContent(), /^1\s*\/\s*2$/);
    att = await api(srv.base, adminToken, 'GET', `/api/v1/sessions/${st.sessionId}/attendance`);
    assert.equal(att.present, 1);
    assert.equal(await page.evaluate(() => window.__noReload), 'still here');
    await page.locator('.toast').evaluateAll((els) => els.forEach((e) => e.remove()));
    await shot('10-attendance-after');
  });

  it('catches up after the WebSocket drops (reconnect with last seq)', async () => {
    await page.evaluate(() => window.__sockets.filter((w) => w.readyState === 1).forEach((w) => w.close()));
    await page.locator('.conn[data-state=offline], .conn[data-state=connecting]').waitFor();
    // Changed while the console is not connected.
    await api(srv.base, adminToken, 'POST', `/api/v1/sessions/${st.sessionId}/attendance`, { user_id: st.delegate2.id, action: 'out' });
    await page.locator('.conn[data-state=online]').waitFor();
    await attRow(page, DELEGATE2.full_name).locator('.badge', { hasText: 'Đã rời' }).waitFor();
    assert.match(await page.locator('.stat[data-stat=present] .stat-value').textContent(), /^0\s*\/\s*2$/);
    // And live again afterwards.
    await api(srv.base, adminToken, 'POST', `/api/v1/sessions/${st.sessionId}/attendance`, { user_id: st.delegate2.id, action: 'in' });
    await attRow(page, DELEGATE2.full_name).locator('.badge', { hasText: 'Có mặt' }).waitFor();
    assert.match(await page.locator('.stat[data-stat=present] .stat-value').textContent(), /^1\s*\/\s*2$/);
    assert.equal(await page.evaluate(() => window.__noReload), 'still here');
  });

  it('downloads the attendance as CSV', async () => {
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Tải CSV' }).click(),
    ]);
    assert.match(download.suggestedFilename(), /\.csv$/);
    const csv = await fs.readFile(await download.path(), 'utf8');
    const [header, ...rows] = parseCsv(csv.replace(/^\uFEFF/, ''));
    assert.deepEqual(header, ['user_id', 'username', 'full_name', 'title', 'unit', 'status', 'first_in', 'last_out', 'method']);
    const byUser = Object.fromEntries(rows.map((r) => [r[1], Object.fromEntries(header.map((k, i) => [k, r[i]]))]));
    assert.equal(byUser[DELEGATE.username].status, 'left');
    assert.equal(byUser[DELEGATE.username].full_name, DELEGATE.full_name, 'UTF-8 names survive');
    assert.equal(byUser[DELEGATE2.username].status, 'present');
    assert.equal(Number(byUser[DELEGATE2.username].user_id), st.delegate2.id);
  });

  it('switches to English and back, remembering the choice', async () => {
    await page.locator('header select').selectOption('en');
    await page.locator('.tab[data-tab=attendance]', { hasText: 'Attendance' }).waitFor();
    assert.equal(await page.locator('html').getAttribute('lang'), 'en');
    assert.equal(await page.getByRole('button', { name: 'Log out' }).isVisible(), true);
    assert.equal(await page.locator('[data-testid=user-role]').textContent(), 'Administrator');
    assert.equal(await attRow(page, DELEGATE2.full_name).locator('.badge').textContent(), 'Present');
    assert.equal(await page.evaluate(() => localStorage.getItem('roomctl.lang')), 'en');
    await shot('11-english');
    await page.reload();
    await page.locator('.tab[data-tab=attendance]', { hasText: 'Attendance' }).waitFor();
    await page.locator('header select').selectOption('vi');
    await page.locator('.tab[data-tab=attendance]', { hasText: 'Điểm danh' }).waitFor();
  });

  it('ends the session after confirmation', async () => {
    await page.getByRole('button', { name: 'Kết thúc' }).click();
    const dlg = page.locator('dialog[open]');
    assert.match(await dlg.textContent(), /không thể mở lại/);
    await dlg.getByRole('button', { name: 'Kết thúc' }).click();
    await page.locator('.session-card .badge', { hasText: 'Đã kết thúc' }).waitFor();
    const s = await api(srv.base, adminToken, 'GET', `/api/v1/sessions/${st.sessionId}`);
    assert.equal(s.status, 'ended');
    assert.equal(await page.locator('.attendance-table [data-action]').count(), 0, 'no check-in buttons after the end');
    await shot('12-ended');
  });

  it('lists the session and logs out', async () => {
    await page.getByRole('link', { name: '‹ Phiên họp' }).click();
    const r = page.locator(`tr[data-session-id="${st.sessionId}"]`);
    await r.waitFor();
    assert.match(await r.textContent(), /Kỳ họp thứ 12 HĐND tỉnh khóa X/);
    assert.match(await r.locator('.badge').textContent(), /Đã kết thúc/);
    await page.locator('.toast').evaluateAll((els) => els.forEach((e) => e.remove()));
    await shot('13-sessions');

    // Delete another session from the list, after confirmation.
    const other = await api(srv.base, adminToken, 'POST', '/api/v1/sessions',
      { title: 'Phiên họp thử để xóa', starts_at: '2026-12-01T01:00:00Z', ends_at: '2026-12-01T02:00:00Z' });
    await page.getByRole('button', { name: 'Làm mới' }).click();
    const otherRow = page.locator(`tr[data-session-id="${other.id}"]`);
    await otherRow.getByRole('button', { name: 'Xóa' }).click();
    const dlg = page.locator('dialog[open]');
    assert.match(await dlg.textContent(), /Xóa phiên họp “Phiên họp thử để xóa”\?/);
    await dlg.getByRole('button', { name: 'Xóa' }).click();
    await otherRow.waitFor({ state: 'detached' });
    await assert.rejects(api(srv.base, adminToken, 'GET', `/api/v1/sessions/${other.id}`), (e) => e.status === 404);
    // An ended session can still be deleted, but no longer edited.
    assert.equal(await r.getByRole('button', { name: 'Sửa' }).count(), 0);
    const uiToken = await page.evaluate(() => sessionStorage.getItem('roomctl.token'));
    assert.equal((await api(srv.base, uiToken, 'GET', '/api/v1/me')).username, 'admin');
    await page.getByRole('button', { name: 'Đăng xuất' }).click();
    await page.getByLabel('Tên đăng nhập').waitFor();
    assert.equal(await page.evaluate(() => sessionStorage.getItem('roomctl.token')), null);
    await assert.rejects(api(srv.base, uiToken, 'GET', '/api/v1/me'), (e) => e.status === 401, 'the token is revoked');
  });

  it('is read-only for the chair', async () => {
    await page.getByLabel('Tên đăng nhập').fill(CHAIR.username);
    await page.getByLabel('Mật khẩu').fill(CHAIR.password);
    await page.getByRole('button', { name: 'Đăng nhập' }).click();
    await page.getByRole('heading', { name: 'Phiên họp', level: 1 }).waitFor();
    assert.equal(await page.locator('[data-testid=user-role]').textContent(), 'Chủ tọa');
    assert.equal(await page.getByRole('button', { name: 'Tạo phiên họp' }).count(), 0);
    await page.locator(`tr[data-session-id="${st.sessionId}"] a.cell-title`).click();
    await page.locator('h1.session-title').waitFor();
    await page.locator('.agenda-row').first().waitFor();
    assert.equal(await page.getByRole('button', { name: 'Thêm mục' }).count(), 0);
    assert.equal(await page.locator('.agenda-tools').count(), 0);
    assert.match(await page.locator('.session-card').textContent(), /chế độ chỉ đọc/);
    await shot('14-chair-readonly');
    // The login ends elsewhere (revoked, or run out): the next request finds
    // out, and the console says so on its login page (web/common/app-shell.js).
    const chairToken = await page.evaluate(() => sessionStorage.getItem('roomctl.token'));
    await api(srv.base, chairToken, 'POST', '/api/v1/logout');
    await page.evaluate(() => { location.hash = '#/import'; });
    await page.getByLabel('Tên đăng nhập').waitFor();
    await page.getByText('Phiên đăng nhập đã hết hạn. Vui lòng đăng nhập lại.').waitFor();
    assert.equal(await page.evaluate(() => sessionStorage.getItem('roomctl.token')), null);
  });

  it('raised no page errors', () => {
    // The deliberately wrong password (401) and broken PDF (415) show up as resource errors.
    const unexpected = pageErrors.filter((e) => !/Failed to load resource: .* status of (401|415)/.test(e));
    assert.deepEqual(unexpected, []);
  });
});
