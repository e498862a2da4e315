// Every file the apps load is still served now that only the published
// part of web/ is (tests/integration/static-files.test.mjs): the start
// page, the console (admin), the tablet (the chair, with a document drawn by
// pdf.js and its worker), the technician's dashboard and /docs/ are opened
// in Debian's chromium against the demo province, and no request of theirs
// may fail or be answered with an error. The vendored libraries (pdf.js and
// its worker, uPlot, marked) must be among what they fetched.
//
// Run: node --test tests/browser/web-assets.test.mjs   (needs build/roomctl, web/vendor)

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launchChromium } from '../lib/browser.mjs';
import { startServer } from '../lib/server.mjs';

const WAIT = 15_000;
const DOC = 2; // a 7-page demo document on agenda item 2

describe('the apps find every file they load', { timeout: 180_000 }, () => {
  let srv;
  let browser;
  const failed = [];      // "app: what went wrong"
  const fetched = new Set(); // paths of this server that were answered

  /** A fresh context and page that records every failed request of @app. */
  const open = async (app) => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    page.setDefaultTimeout(WAIT);
    page.on('requestfailed', (r) => failed.push(`${app}: ${r.url()} failed (${r.failure()?.errorText})`));
    page.on('response', (r) => {
      const url = new URL(r.url());
      if (url.origin !== srv.base) return;
      fetched.add(url.pathname);
      if (r.status() >= 400) failed.push(`${app}: HTTP ${r.status()} for ${url.pathname}`);
    });
    page.on('pageerror', (e) => failed.push(`${app}: pageerror ${e.message}`));
    return { context, page };
  };
  const login = async (page, app, username, password) => {
    await page.goto(`${srv.base}/${app}/`);
    await page.getByLabel('Tên đăng nhập').fill(username);
    await page.locator('input[type=password]').first().fill(password);
    await page.locator('button[type=submit]').first().click();
    await page.locator('.conn[data-state=online]').waitFor();
  };

  before(async () => {
    srv = await startServer({ args: ['--demo', '--listen', '127.0.0.1'], config: { media: { enabled: 'false' } } });
    browser = await launchChromium();
  });
  after(async () => {
    if (browser) await browser.close();
    if (srv) await srv.stop();
  });

  it('the start page', async () => {
    const { context, page } = await open('start');
    await page.goto(`${srv.base}/index.html`);
    await page.locator('.apps .app-card').first().waitFor();
    await page.waitForLoadState('networkidle');
    await context.close();
  });

  it('the console, logged in as admin', async () => {
    const { context, page } = await open('console');
    await login(page, 'console', 'admin', 'admin123');
    await page.getByRole('heading', { level: 1 }).first().waitFor();
    await page.waitForLoadState('networkidle');
    await context.close();
  });

  it('the tablet, the chair with a document drawn', async () => {
    const { context, page } = await open('tablet');
    await login(page, 'tablet', 'chutoa', 'chutoa123');
    await page.locator(`.doc-button[data-doc-id="${DOC}"]`).click();
    await page.locator(`[data-testid=page-canvas][data-doc-id="${DOC}"][data-rendered-page="1"]`).waitFor();
    await page.waitForLoadState('networkidle');
    await context.close();
  });

  it('the technician dashboard', async () => {
    const { context, page } = await open('tech');
    await login(page, 'tech', 'kythuat', 'kythuat123');
    await page.locator('[data-testid=user-role]').waitFor();
    await page.waitForLoadState('networkidle');
    await context.close();
  });

  it('the documentation', async () => {
    const { context, page } = await open('docs');
    await page.goto(`${srv.base}/docs/#api`);
    await page.getByRole('heading', { level: 1 }).first().waitFor();
    await page.waitForLoadState('networkidle');
    await context.close();
  });

  it('no request failed, and the vendored libraries were among them', () => {
    assert.deepEqual(failed, []);
    for (const p of ['/vendor/pdfjs/pdf.min.mjs', '/vendor/pdfjs/pdf.worker.min.mjs', '/vendor/uplot/uPlot.min.css', '/vendor/uplot/uPlot.esm.js',
      '/vendor/marked/marked.esm.js', '/common/style.css'])
      assert.ok(fetched.has(p), `${p} was loaded (loaded: ${[...fetched].sort().join(' ')})`);
  });
});
