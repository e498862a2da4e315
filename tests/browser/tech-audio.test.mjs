// The technicians' dashboard shows the hall's audio levels: a controller
// with room audio on the test ALSA devices (tests/asoundrc: the microphone
// plays a -6 dBFS tone, the streams are held to real time by
// tests/lib/pace.mjs), a live session, and the program page's meters in
// Debian's chromium. Every wait is bounded.
// Screenshot: tests/browser/screenshots/tech-14-room-audio.png

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { launchChromium, SHOTS } from '../lib/browser.mjs';
import { startServer, login, api } from '../lib/server.mjs';
import { freeUdpPorts } from '../lib/media.mjs';
import { tone } from '../lib/tone.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const PACER = path.join(HERE, '..', 'lib', 'pace.mjs');

describe('technicians\' dashboard: room audio', { timeout: 120_000 }, () => {
  let srv, dir, browser, page;
  const pageErrors = [];

  before(async () => {
    fs.mkdirSync(SHOTS, { recursive: true });
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'roomctl-tech-audio-'));
    fs.writeFileSync(path.join(dir, 'mic.raw'), tone(1000, 20, -6));
    const base = await freeUdpPorts(4);
    srv = await startServer({
      args: ['--demo', '--listen', '127.0.0.1'],
      config: {
        media: { video_port: base, audio_port: base + 2, rtsp_port: 0, record: 'false' },
        audio: { input_device: 'roomctl_mic', output_device: 'roomctl_speakers' },
      },
      env: {
        ALSA_CONFIG_PATH: path.join(HERE, '..', 'asoundrc'),
        ROOMCTL_TEST_MIC_IN: path.join(dir, 'mic.raw'),
        ROOMCTL_TEST_MIC_SINK: `| exec node ${PACER} /dev/null`,
        ROOMCTL_TEST_SPEAKERS_OUT: `| exec node ${PACER} /dev/null`,
      },
      timeoutMs: 30_000,
    });
    const admin = await login(srv.base, 'admin', 'admin123');
    await api(srv.base, admin, 'POST', '/api/v1/sessions/1/start');
    browser = await launchChromium();
    const context = await browser.newContext({ viewport: { width: 1366, height: 768 }, locale: 'vi-VN', timezoneId: 'Asia/Ho_Chi_Minh' });
    page = await context.newPage();
    page.setDefaultTimeout(10_000);
    page.on('pageerror', (e) => pageErrors.push(`pageerror: ${e.message}`));
    page.on('console', (m) => { if (m.type() === 'error') pageErrors.push(`console: ${m.text()}`); });
  });

  after(async () => {
    if (browser) await browser.close();
    if (srv) await srv.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('shows the hall microphone\'s level on the program page', async () => {
    await page.goto(`${srv.base}/tech/`);
    await page.getByLabel('Tên đăng nhập').fill('kythuat');
    await page.getByLabel('Mật khẩu').fill('kythuat123');
    await page.getByRole('button', { name: 'Đăng nhập' }).click();
    await page.locator('.tile').first().waitFor();
    await page.getByRole('link', { name: 'Chương trình' }).click();
    const mic = page.locator('.meter-row', { hasText: 'Micro hội trường' });
    await mic.waitFor();
    assert.match(await mic.textContent(), /roomctl_mic/);
    assert.match(await mic.textContent(), /Đang chạy/);
    // a -6 dBFS sine: about -9 dB RMS, -6 dB peak
    await page.waitForFunction(() => {
      const m = document.querySelector('.meter-row .meter');
      return m && Number(m.getAttribute('aria-valuenow')) > -20;
    }, null, { timeout: 15_000, polling: 200 });
    const rms = Number(await mic.locator('.meter').getAttribute('aria-valuenow'));
    assert.ok(rms > -20 && rms < 0, `microphone RMS ${rms} dB`);
    assert.match(await mic.locator('.meter-figs').textContent(), /Đỉnh −\d/);
    const width = parseFloat(await mic.locator('.meter-rms').evaluate((e) => e.style.width));
    assert.ok(width > 50, `the bar shows it: ${width} %`);
    assert.match(await page.locator('.meter-row', { hasText: 'Loa hội trường' }).textContent(), /roomctl_speakers/);
    await page.screenshot({ path: path.join(SHOTS, 'tech-14-room-audio.png') });
    assert.deepEqual(pageErrors, []);
  });
});
