// Browser test of the technicians' dashboard with a real SIP endpoint: sipp
// (Debian sip-tester) answers as site H16, a SIP site of the live session
// with an address. The technician, in Debian's chromium (Vietnamese, the
// default), presses "Gọi tất cả": the controller calls H16 and the page
// shows the call connected (bar, tile, detail); "Ngắt" in the site's
// detail ends it (sipp answers the BYE) and the page shows it ended by the
// controller; "Gọi lại" (disabled while its request is in flight) calls
// again and it connects; "Ngắt tất cả" asks for confirmation, then ends it.
// The same page in English. Every state shown comes from the sip.call
// events, and is checked against the call records (REST).
// The site attendance shows H16's row with its SIP call.
// Screenshots: tech-16-sip-connected.png, tech-16b-sip-ended.png,
// tech-16c-sip-confirm.png, tech-17-sip-ended-en.png, tech-18-sip-attendance.png
//
// Run: node --test tests/browser/tech-sip.test.mjs   (needs build/roomctl, sipp)

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { launchChromium, SHOTS } from '../lib/browser.mjs';
import { startServer, login, api } from '../lib/server.mjs';
import { freeUdpPorts } from '../lib/media.mjs';
import { freeSipPort, runSipp, uasScenario } from '../lib/sipp.mjs';

const WAIT = 15_000;

describe('technicians\' dashboard: SIP calls', { timeout: 180_000 }, () => {
  let srv, browser, page, admin, work, uas, h16;
  const pageErrors = [];

  const calls = async () => (await api(srv.base, admin, 'GET', '/api/v1/sessions/1/sip/calls')).calls;
  const panel = () => page.locator('[data-testid="sip-panel"]');
  const panelState = () => panel().locator('[data-testid="sip-call-state"]');
  /** Waits until the detail shows the call in @state, then returns its text. */
  async function shows(state) {
    await page.locator(`[data-testid="sip-panel"] [data-testid="sip-call-state"][data-state="${state}"]`).waitFor({ timeout: WAIT });
    return panelState().textContent();
  }

  /** A screenshot; the page shows no stray placeholder text. */
  async function shot(name) {
    await page.screenshot({ path: path.join(SHOTS, `${name}.png`) });
    assert.doesNotMatch(await page.locator('body').innerText(), /\b(null|undefined|NaN|\[object Object\])/, `stray placeholder text on ${name}`);
  }

  before(async () => {
    await fs.mkdir(SHOTS, { recursive: true });
    work = await fs.mkdtemp(path.join(os.tmpdir(), 'roomctl-tech-sip-'));
    const media = await freeUdpPorts(4);
    const uasPort = await freeUdpPorts(4);
    srv = await startServer({
      args: ['--demo', '--listen', '127.0.0.1'],
      config: {
        media: { video_port: media, audio_port: media + 2, rtsp_port: 0, record: 'false' },
        sip: { port: await freeSipPort(), dial_out: 'false' },   // the technician calls, from the page
      },
      timeoutMs: 30_000,
    });
    admin = await login(srv.base, 'admin', 'admin123');
    const all = (await api(srv.base, admin, 'GET', '/api/v1/sites')).sites;
    h16 = all.find((s) => s.code === 'H16');
    await api(srv.base, admin, 'PATCH', `/api/v1/sites/${h16.id}`,
      { transport: 'sip', address: `sip:h16@127.0.0.1:${uasPort}`, srtp: 'off' });
    await api(srv.base, admin, 'PUT', '/api/v1/sessions/1/sites', { site_ids: [all.find((s) => s.code === 'TINH').id, h16.id] });
    await api(srv.base, admin, 'POST', '/api/v1/sessions/1/start');
    // H16 answers two calls, each until the controller's BYE.
    uas = await runSipp(work, 'uas', uasScenario('h16'), { port: uasPort, calls: 2, timeoutS: 120 });
    browser = await launchChromium();
    const context = await browser.newContext({ viewport: { width: 1366, height: 900 }, timezoneId: 'Asia/Ho_Chi_Minh' });
    page = await context.newPage();
    page.setDefaultTimeout(WAIT);
    page.on('pageerror', (e) => pageErrors.push(`pageerror: ${e.message}`));
    page.on('console', (m) => { if (m.type() === 'error') pageErrors.push(`console: ${m.text()}`); });
  });

  after(async () => {
    if (browser) await browser.close();
    if (uas && uas.proc.exitCode === null) uas.proc.kill('SIGKILL');
    if (srv) await srv.stop();
    if (work) await fs.rm(work, { recursive: true, force: true });
  });

  it('Gọi tất cả: the controller calls H16, the page shows it connected', async () => {
    await page.goto(`${srv.base}/tech/#/monitor/1`);
    await page.locator('input[name="username"]').fill('kythuat');
    await page.locator('input[name="password"]').fill('kythuat123');
    await page.locator('form button[type="submit"]').first().click();
    const bar = page.locator('[data-testid="sip-bar"]');
    await bar.waitFor();
    assert.equal(await bar.locator('.sip-title').textContent(), 'Cuộc gọi SIP');
    assert.equal(await bar.locator('[data-count="connected"]').textContent(), '0/1 đã kết nối');
    assert.equal(await page.locator('[data-testid="sip-hangup-all"]').isDisabled(), true, 'nothing to hang up yet');
    await page.locator('.tile[data-code="H16"]').click();
    assert.equal(await shows('none'), 'Chưa gọi');
    await page.locator('[data-testid="sip-dial-all"]').click();
    assert.equal(await shows('connected'), 'Đã kết nối');
    await page.waitForFunction(() => document.querySelector('.tile[data-code="H16"]')?.dataset.call === 'connected', null, { timeout: WAIT });
    assert.equal(await bar.locator('[data-count="connected"]').textContent(), '1/1 đã kết nối');
    assert.match(await panel().locator('[data-testid="sip-call-end"]').textContent(), /^Trung tâm gọi đi$/);
    assert.equal(await page.locator('[data-testid="sip-hangup"]').isEnabled(), true);
    assert.equal(await page.locator('[data-testid="sip-redial"]').isDisabled(), true, 'no redial while the call is up');
    const up = (await calls()).filter((c) => c.site_code === 'H16');
    assert.equal(up.length, 1);
    assert.equal(up[0].state, 'connected');
    assert.equal(up[0].direction, 'out');
    await shot('tech-16-sip-connected');
  });

  it('Ngắt: the site gets BYE, the page shows the call ended by the controller', async () => {
    await page.locator('[data-testid="sip-hangup"]').click();
    assert.equal(await shows('ended'), 'Đã ngắt');
    await page.locator('[data-testid="sip-bar"] [data-count="down"]').waitFor();
    assert.equal(await page.locator('[data-testid="sip-bar"] [data-count="down"]').textContent(), '1 đã ngắt');
    await shot('tech-16b-sip-ended');
    assert.equal(await panel().locator('[data-testid="sip-call-end"]').textContent(), 'Trung tâm gọi đi · trung tâm ngắt');
    const [last] = (await calls()).filter((c) => c.site_code === 'H16').slice(-1);
    assert.equal(last.state, 'ended');
    assert.equal(last.ended_by, 'controller');
    assert.equal(await page.locator('.tile[data-code="H16"]').getAttribute('data-call'), 'ended');
  });

  it('Gọi lại: disabled while the request is in flight, then H16 connects again', async () => {
    const disabledAtOnce = await page.evaluate(() => {
      const b = document.querySelector('[data-testid="sip-redial"]');
      b.click();
      return b.disabled;
    });
    assert.equal(disabledAtOnce, true, 'disabled as soon as it is pressed');
    assert.equal(await shows('connected'), 'Đã kết nối');
    const out = (await calls()).filter((c) => c.site_code === 'H16');
    assert.equal(out.length, 2, 'a second call');
    assert.equal(out[1].state, 'connected');
  });

  it('Ngắt tất cả: a confirmation first, then every call ends; the same page in English', async () => {
    await page.locator('[data-testid="sip-hangup-all"]').click();
    const dialog = page.locator('dialog.modal');
    await dialog.waitFor();
    assert.match(await dialog.textContent(), /Ngắt 1 cuộc gọi SIP/);
    await shot('tech-16c-sip-confirm');
    await dialog.getByRole('button', { name: 'Hủy' }).click();   // cancelled: nothing happens
    await dialog.waitFor({ state: 'detached' });
    assert.equal((await calls()).filter((c) => c.state === 'connected').length, 1, 'still up after Hủy');
    await page.locator('[data-testid="sip-hangup-all"]').click();
    await dialog.locator('button[type="submit"]').click();
    assert.equal(await shows('ended'), 'Đã ngắt');
    const r = await uas.done;
    assert.equal(r.code, 0, `sipp as H16: both calls as scripted\n${r.errors}\n${r.out}`);
    assert.deepEqual((await calls()).map((c) => [c.state, c.ended_by]), [['ended', 'controller'], ['ended', 'controller']]);
    const audit = (await api(srv.base, admin, 'GET', '/api/v1/audit?limit=20')).audit.map((a) => `${a.action} ${a.target}`);
    for (const row of ['sip.dial session:1', `sip.hangup site:${h16.id}`, `sip.dial site:${h16.id}`, 'sip.hangup session:1']) {
      assert.ok(audit.includes(row), `audited: ${row}`);
    }
    // English
    await page.evaluate(() => localStorage.setItem('roomctl.lang', 'en'));
    await page.reload();
    await page.locator('[data-testid="sip-bar"]').waitFor();
    if (!(await panel().count())) await page.locator('.tile[data-code="H16"]').click();
    assert.equal(await shows('ended'), 'Ended');
    assert.equal(await panel().locator('[data-testid="sip-call-end"]').textContent(), 'The controller called · hung up by the controller');
    assert.equal((await page.locator('[data-testid="sip-redial"]').textContent()).trim(), 'Redial');
    assert.equal((await page.locator('[data-testid="sip-dial-all"]').textContent()).trim(), 'Call all');
    assert.equal((await page.locator('[data-testid="sip-hangup-all"]').textContent()).trim(), 'Hang up all');
    await shot('tech-17-sip-ended-en');
    assert.deepEqual(pageErrors, []);
  });

  it('the site attendance: H16\'s row shows its SIP call (who called, who hung up)', async () => {
    // The row site-health writes when a site's media is first heard, during
    // the last call (sipp sends no media here; sip-media.test.mjs has the
    // row of baresip's real media).
    const [last] = (await calls()).slice(-1);
    execFileSync('sqlite3', [path.join(srv.dataDir, 'roomctl.db'), `INSERT INTO site_calls (session_id, site_id, joined_at,
      left_at, left_reason) VALUES (1, ${h16.id}, '${last.connected_at}', '${last.ended_at}', 'the site stopped sending')`]);
    await page.getByRole('link', { name: 'Site attendance' }).click();
    const row = page.locator(`.att-table tr[data-site="${h16.id}"]`);
    await row.waitFor();
    assert.equal(await row.locator('[data-testid="att-sip"]').textContent(), 'SIP · The controller called · hung up by the controller');
    await page.evaluate(() => localStorage.setItem('roomctl.lang', 'vi'));
    await page.reload();
    await page.locator(`.att-table tr[data-site="${h16.id}"] [data-testid="att-sip"]`).waitFor();
    assert.equal(await page.locator(`.att-table tr[data-site="${h16.id}"] [data-testid="att-sip"]`).textContent(),
      'SIP · Trung tâm gọi đi · trung tâm ngắt');
    await shot('tech-18-sip-attendance');
    assert.deepEqual(pageErrors, []);
  });
});
