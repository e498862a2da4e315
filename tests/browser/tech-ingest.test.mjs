// Browser test of the technicians' dashboard: the unknown senders on the
// program page. RTP from an SSRC no site has (sent from a known port) shows
// up in the table with its address:port, medium, SSRC, payload type,
// packet count and last seen (the ISO 8601 UTC time in the <time> element);
// a chair on the same page does not get the table (the route is for
// technicians and the secretariat). Screenshot: tech-15-unknown-senders.png
//
// Run: node --test tests/browser/tech-ingest.test.mjs   (needs build/roomctl)

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import fs from 'node:fs';
import path from 'node:path';
import { launchChromium, SHOTS } from '../lib/browser.mjs';
import { startServer, login, api } from '../lib/server.mjs';
import { freeUdpPorts, rtp } from '../lib/media.mjs';

const SSRC = 0x0bad5eed;

describe('technicians\' dashboard: unknown senders', { timeout: 120_000 }, () => {
  let srv, browser, ports, sock;
  const pageErrors = [];

  async function openProgram(username, password) {
    const context = await browser.newContext({ viewport: { width: 1366, height: 900 }, locale: 'en-GB', timezoneId: 'Asia/Ho_Chi_Minh' });
    await context.addInitScript(() => localStorage.setItem('roomctl.lang', 'en'));
    const page = await context.newPage();
    page.setDefaultTimeout(10_000);
    page.on('pageerror', (e) => pageErrors.push(`pageerror: ${e.message}`));
    page.on('console', (m) => { if (m.type() === 'error') pageErrors.push(`console: ${m.text()}`); });
    await page.goto(`${srv.base}/tech/#/program/1`);
    await page.locator('input[name="username"]').fill(username);
    await page.locator('input[name="password"]').fill(password);
    await page.locator('form button[type="submit"]').first().click();
    await page.locator('.program-page').waitFor();
    return page;
  }

  before(async () => {
    fs.mkdirSync(SHOTS, { recursive: true });
    const base = await freeUdpPorts(4);
    ports = { video: base, audio: base + 2 };
    srv = await startServer({
      args: ['--demo', '--listen', '127.0.0.1'],
      config: { media: { video_port: ports.video, audio_port: ports.audio, rtsp_port: 0, record: 'false' } },
      timeoutMs: 30_000,
    });
    const admin = await login(srv.base, 'admin', 'admin123');
    const all = (await api(srv.base, admin, 'GET', '/api/v1/sites')).sites;
    await api(srv.base, admin, 'PUT', '/api/v1/sessions/1/sites', { site_ids: ['TINH', 'H01'].map((c) => all.find((s) => s.code === c).id) });
    await api(srv.base, admin, 'POST', '/api/v1/sessions/1/start');
    browser = await launchChromium();
    sock = dgram.createSocket('udp4');
    await new Promise((r) => sock.bind(0, '127.0.0.1', r));
  });

  after(async () => {
    if (sock) sock.close();
    if (browser) await browser.close();
    if (srv) await srv.stop();
  });

  it('lists an unknown sender with its address, SSRC, payload type, packets and last seen', async () => {
    const page = await openProgram('kythuat', 'kythuat123');
    const card = page.locator('[data-testid="unknown-senders"]');
    await card.getByText('No unknown senders').waitFor();
    for (let i = 0; i < 25; i++) await new Promise((r) => sock.send(rtp({ ssrc: SSRC, seq: i, pt: 96 }), ports.video, '127.0.0.1', r));
    const row = card.locator('tr[data-ssrc="0bad5eed"]');
    await row.waitFor({ timeout: 8000 });
    const cells = await row.locator('td').allTextContents();
    assert.deepEqual(cells.slice(0, 5), [`127.0.0.1:${sock.address().port}`, 'Video', '0bad5eed', '96', '25']);
    const iso = await row.locator('time').getAttribute('datetime');
    assert.match(iso, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    assert.ok(Math.abs(Date.parse(iso) - Date.now()) < 10_000, `last seen ${iso}`);
    assert.match(cells[5], /^\d\d:\d\d:\d\d$/, 'shown as the local time of day');
    await row.scrollIntoViewIfNeeded();
    await page.screenshot({ path: path.join(SHOTS, 'tech-15-unknown-senders.png') });
    // more packets: the count follows (the page polls every 2 s)
    for (let i = 25; i < 40; i++) await new Promise((r) => sock.send(rtp({ ssrc: SSRC, seq: i, pt: 96 }), ports.video, '127.0.0.1', r));
    await page.waitForFunction(() => document.querySelector('tr[data-ssrc="0bad5eed"] td:nth-child(5)')?.textContent === '40', null, { timeout: 8000, polling: 200 });
    await page.context().close();
  });

  it('is not shown to a chair', async () => {
    const page = await openProgram('chutoa', 'chutoa123');
    await page.locator('.program-grid .card').first().waitFor();
    assert.equal(await page.locator('[data-testid="unknown-senders"]').count(), 0);
    await page.context().close();
    assert.deepEqual(pageErrors, []);
  });
});
