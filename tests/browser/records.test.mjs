// Browser test of the console's "Minutes & reports" tab against the real
// daemon in Debian's chromium (playwright-core): a session is run over REST
// and WebSocket (check-ins, an agenda item, a speaker, an open vote), then
// the secretariat clicks "Biên bản PDF": the progress bar appears, moves to
// done, and the file downloads (a real PDF with the session in it); then the
// ODT and a CSV report. Screenshots (Vietnamese and English) land in
// tests/browser/screenshots/records-*.png.
//
// Run: node --test tests/browser/records.test.mjs   (needs build/roomctl)

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { launchChromium, SHOTS } from '../lib/browser.mjs';
import { startServer, login, api, ADMIN_PASSWORD } from '../lib/server.mjs';
import { WsClient } from '../lib/ws-client.mjs';

const TITLE = 'Phiên họp chuyên đề về Nghị quyết đầu tư công';

describe('console records tab', { timeout: 120_000 }, () => {
  let srv, browser, page, session;
  const pageErrors = [];
  const clients = [];

  const shot = async (name) => {
    await page.screenshot({ path: path.join(SHOTS, `records-${name}.png`), fullPage: true });
    const text = await page.locator('body').innerText();
    assert.doesNotMatch(text, /\b(null|undefined|NaN|\[object Object\])\b/, `stray placeholder text on ${name}`);
  };

  before(async () => {
    await fs.mkdir(SHOTS, { recursive: true });
    srv = await startServer({ args: ['--listen', '127.0.0.1'], config: { media: { enabled: 'false' } } });
    const admin = await login(srv.base, 'admin', ADMIN_PASSWORD);
    const mk = (username, role, full_name) => api(srv.base, admin, 'POST', '/api/v1/users',
      { username, role, full_name, password: `${username}-pass`, title: '', unit: 'HĐND tỉnh' });
    const chair = await mk('chutoa', 'chair', 'Võ Thị Hạnh');
    const d1 = await mk('db01', 'delegate', 'Đặng Quốc Bảo');
    await mk('thuky', 'secretariat', 'Ngô Minh Thư');
    session = await api(srv.base, admin, 'POST', '/api/v1/sessions',
      { title: TITLE, room: 'Phòng họp 2', starts_at: '2026-11-25T08:00:00+07:00', ends_at: '2026-11-25T10:00:00+07:00' });
    const item = await api(srv.base, admin, 'POST', `/api/v1/sessions/${session.id}/agenda`, { title: 'Thảo luận', planned_minutes: 30 });
    await api(srv.base, admin, 'PUT', `/api/v1/sessions/${session.id}/delegates`, { user_ids: [chair.id, d1.id] });
    await api(srv.base, admin, 'POST', `/api/v1/sessions/${session.id}/start`);
    const ws = async (u) => {
      const c = await WsClient.connect(srv.port, { token: await login(srv.base, u, `${u}-pass`) });
      clients.push(c);
      await c.request('checkin', { session_id: session.id });
      return c;
    };
    const c = await ws('chutoa');
    const d = await ws('db01');
    await c.request('agenda.current', { session_id: session.id, item_id: item.id });
    await c.request('speak.grant', { session_id: session.id, user_id: d1.id });
    await c.request('speak.end', { session_id: session.id });
    const { vote } = await c.request('vote.open', { session_id: session.id, question: 'Đồng ý thông qua Nghị quyết?' });
    await c.request('vote.cast', { vote_id: vote.id, option: 0, ballot_key: 'chair-key-01' });
    await d.request('vote.cast', { vote_id: vote.id, option: 0, ballot_key: 'db01-key-001' });
    await c.request('vote.close', { vote_id: vote.id });
    await api(srv.base, admin, 'POST', `/api/v1/sessions/${session.id}/end`);

    browser = await launchChromium();
    const context = await browser.newContext({
      viewport: { width: 1280, height: 900 }, acceptDownloads: true, locale: 'vi-VN', timezoneId: 'Asia/Ho_Chi_Minh',
    });
    page = await context.newPage();
    page.setDefaultTimeout(15_000);
    page.on('pageerror', (e) => pageErrors.push(`pageerror: ${e.message}`));
    page.on('console', (m) => { if (m.type() === 'error') pageErrors.push(`console: ${m.text()}`); });
  });

  after(async () => {
    for (const c of clients) c.close();
    if (browser) await browser.close();
    if (srv) await srv.stop();
  });

  it('logs in as the secretariat and opens the records tab', async () => {
    await page.goto(`${srv.base}/console/`);
    await page.getByLabel('Tên đăng nhập').fill('thuky');
    await page.getByLabel('Mật khẩu').fill('thuky-pass');
    await page.getByRole('button', { name: 'Đăng nhập' }).click();
    await page.getByRole('heading', { name: 'Phiên họp', level: 1 }).waitFor();
    await page.goto(`${srv.base}/console/#/sessions/${session.id}/records`);
    await page.locator('[data-records=minutes-pdf]').waitFor();
    assert.equal(await page.locator('.tab[data-tab=records][aria-current=page]').count(), 1, 'the tab is current');
    assert.equal(await page.locator('[data-records=minutes-pdf]').isEnabled(), true);
    await shot('vi');
  });

  it('clicks "Biên bản PDF": the progress bar runs to done and the PDF downloads', async () => {
    // Record every state the bar shows, from the first paint on.
    await page.evaluate(() => {
      window.__bar = [];
      new MutationObserver(() => {
        const bar = document.querySelector('[data-job=pdf] [role=progressbar]');
        if (bar) window.__bar.push(`${bar.dataset.status}:${bar.getAttribute('aria-valuenow')}`);
      }).observe(document.body, { subtree: true, childList: true, attributes: true });
    });
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.locator('[data-records=minutes-pdf]').click(),
    ]);
    assert.equal(download.suggestedFilename(), `bien-ban-phien-${session.id}.pdf`);
    const bar = page.locator('[data-job=pdf] [role=progressbar]');
    assert.equal(await bar.getAttribute('data-status'), 'done');
    assert.equal(await bar.getAttribute('aria-valuenow'), '100');
    const states = await page.evaluate(() => window.__bar);
    assert.match(states[0], /^running:/, `the bar first shows the job running: ${states}`);
    assert.equal(states.at(-1), 'done:100', `and ends done: ${states}`);
    const file = await download.path();
    const bytes = await fs.readFile(file);
    assert.equal(bytes.subarray(0, 5).toString('latin1'), '%PDF-');
    const text = execFileSync('pdftotext', ['-enc', 'UTF-8', file, '-'], { encoding: 'utf8' }).replace(/\s+/g, ' ');
    assert.ok(text.includes(TITLE), 'the minutes are of this session');
    assert.ok(text.includes('Đặng Quốc Bảo') && text.includes('Đồng ý thông qua Nghị quyết?'), 'with its delegate and vote');
    assert.match(await page.locator('[data-job=pdf] .progress-label').innerText(), /Đã lập biên bản PDF/);
    await shot('pdf-done');
  });

  it('the ODT minutes and a CSV report download too', async () => {
    const [odt] = await Promise.all([page.waitForEvent('download'), page.locator('[data-records=minutes-odt]').click()]);
    assert.equal(odt.suggestedFilename(), `bien-ban-phien-${session.id}.odt`);
    const zip = await fs.readFile(await odt.path());
    assert.equal(zip.subarray(30, 38).toString('latin1'), 'mimetype');
    const [csv] = await Promise.all([
      page.waitForEvent('download'),
      page.locator('[data-records=session-reports] [data-report=votes] [data-format=csv]').click(),
    ]);
    assert.equal(csv.suggestedFilename(), `bieu-quyet-phien-${session.id}.csv`);
    const rows = (await fs.readFile(await csv.path(), 'utf8')).trim().split('\r\n');
    assert.equal(rows.length, 4, 'header + one row per option');
    assert.match(rows[1], /"Đồng ý thông qua Nghị quyết\?".*"Đồng ý","2"/);
  });

  it('reads in English, and no page errors happened', async () => {
    await page.evaluate(() => localStorage.setItem('roomctl.lang', 'en'));
    await page.reload();
    await page.getByRole('heading', { name: 'Session minutes (draft)' }).waitFor();
    await page.locator('[data-records=minutes-pdf]', { hasText: 'Minutes PDF' }).waitFor();
    await shot('en');
    assert.deepEqual(pageErrors, []);
  });
});
