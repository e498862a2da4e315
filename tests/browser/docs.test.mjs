// Browser test of the documentation viewer at /docs/ against the real
// daemon in Debian's chromium (playwright-core): the Markdown pages of
// web/docs/ are served without a login as text/markdown; /docs/ lists every
// one of them; #api renders the API page with its headings (GitHub's ids)
// and tables; a link to another page's heading opens that page there, and a
// link within a page scrolls to its heading; every link between pages points
// at a page and a heading that exist; links out of web/ (the README, the
// sources) are shown as source-tree references; a tablet-sized screen gets
// the list above the page and no sideways scrolling. No console errors.
// Screenshots: tests/browser/screenshots/docs-*.png
//
// Run: node --test tests/browser/docs.test.mjs   (needs build/roomctl, web/vendor)

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { launchChromium, SHOTS } from '../lib/browser.mjs';
import { startServer, REPO_ROOT } from '../lib/server.mjs';

const DOCS = path.join(REPO_ROOT, 'web', 'docs');

/** The "## " headings of a Markdown file (outside code fences). */
async function h2sOf(file) {
  const lines = (await fs.readFile(path.join(DOCS, file), 'utf8')).split('\n');
  let fence = false;
  const out = [];
  for (const l of lines) {
    if (l.startsWith('```')) fence = !fence;
    else if (!fence && l.startsWith('## ')) out.push(l.slice(3).replace(/`/g, '').trim());
  }
  return out;
}

describe('documentation at /docs/', { timeout: 90_000 }, () => {
  let srv, browser, page;
  let pageIds;                                  // from the .md files in web/docs/
  const pageErrors = [];

  const watch = (p) => {
    p.setDefaultTimeout(10_000);
    p.on('pageerror', (e) => pageErrors.push(`pageerror: ${e.message}`));
    p.on('console', (m) => { if (m.type() === 'error') pageErrors.push(`console: ${m.text()}`); });
    p.on('response', (r) => { if (r.status() >= 400) pageErrors.push(`HTTP ${r.status()}: ${r.url()}`); });
  };
  const shot = async (p, name, opts = {}) => {
    await p.screenshot({ path: path.join(SHOTS, `docs-${name}.png`), ...opts });
    // What the viewer writes itself (the pages may say "null" on purpose).
    const text = await p.locator('header, .docs-nav, main .docs-cards').allInnerTexts();
    assert.doesNotMatch(text.join('\n'), /\b(null|undefined|NaN|\[object Object\])\b/, `stray placeholder text on ${name}`);
  };
  const open = async (p, hash, title) => {
    await p.goto(`${srv.base}/docs/${hash}`);
    await p.getByRole('heading', { level: 1, name: title, exact: true }).waitFor();
  };

  before(async () => {
    await fs.mkdir(SHOTS, { recursive: true });
    pageIds = (await fs.readdir(DOCS)).filter((f) => f.endsWith('.md')).map((f) => f.slice(0, -3)).sort();
    srv = await startServer({ args: ['--listen', '127.0.0.1'], config: { media: { enabled: 'false' } } });
    browser = await launchChromium();
    const context = await browser.newContext({ viewport: { width: 1366, height: 900 }, locale: 'en-GB' });
    page = await context.newPage();
    watch(page);
  });

  after(async () => {
    if (browser) await browser.close();
    if (srv) await srv.stop();
  });

  it('serves the pages without a login, Markdown as text/markdown', async () => {
    const md = await fetch(`${srv.base}/docs/api.md`);
    assert.equal(md.status, 200);
    assert.equal(md.headers.get('content-type'), 'text/markdown; charset=utf-8');
    assert.equal(await md.text(), await fs.readFile(path.join(DOCS, 'api.md'), 'utf8'));
    const dir = await fetch(`${srv.base}/docs`, { redirect: 'manual' });
    assert.equal(dir.status, 302);
    assert.equal(dir.headers.get('location'), '/docs/');
    const viewer = await fetch(`${srv.base}/docs/`);
    assert.equal(viewer.status, 200);
    assert.match(viewer.headers.get('content-type'), /^text\/html/);
    assert.match(await (await fetch(`${srv.base}/index.html`)).text(), /href="docs\/"/, 'the landing page links here');
    const marked = await fetch(`${srv.base}/vendor/marked/marked.esm.js`);
    assert.equal(marked.status, 200, 'marked is vendored (make web/vendor/.stamp)');
  });

  it('/docs/ lists every page of web/docs/', async () => {
    assert.ok(pageIds.length >= 8, `pages: ${pageIds.join(' ')}`);
    await open(page, '', 'roomctl documentation');
    const listed = await page.locator('.docs-pages a[data-page]:not([data-page=""])')
      .evaluateAll((as) => as.map((a) => a.dataset.page));
    assert.deepEqual([...listed].sort(), pageIds, 'the side list names every .md file, and only those');
    const cards = await page.locator('main a.docs-card').evaluateAll((as) => as.map((a) => a.getAttribute('href')));
    assert.deepEqual(cards.sort(), pageIds.map((id) => `#${id}`).sort(), 'a card per page');
    assert.equal(await page.title(), 'roomctl · Documentation');
    await shot(page, '01-contents');
  });

  it('#api renders the API page with its headings and tables', async () => {
    await open(page, '#api', 'HTTP API');
    const h2 = await page.locator('main h2').evaluateAll((hs) => hs.map((h) => ({ text: h.textContent.trim(), id: h.id })));
    assert.deepEqual(h2.map((h) => h.text), await h2sOf('api.md'), 'every "## " of api.md, in order');
    for (const want of ['Routes and who may call them', 'Access matrix', 'Errors', 'Audit log', 'Confidential documents']) {
      assert.ok(h2.some((h) => h.text === want), `heading ${want}`);
    }
    assert.equal(h2.find((h) => h.text === 'Records: minutes and reports').id, 'records-minutes-and-reports', 'GitHub-style id');
    assert.equal(h2.find((h) => h.text === 'Bulk import (CSV)').id, 'bulk-import-csv');
    assert.ok(await page.locator('main h3#connections-headers-slow-clients-and-floods').count(), 'an h3 has its id too');

    const tables = page.locator('main .table-scroll > table');
    assert.ok(await tables.count() >= 5, `${await tables.count()} tables`);
    const errors = page.locator('h2#errors ~ .table-scroll table').first();
    await errors.locator('tr', { hasText: 'unauthenticated' }).waitFor();
    assert.deepEqual(await errors.locator('thead th').allTextContents(), ['code', 'name', 'HTTP', 'when']);
    assert.ok(await page.locator('main td.cell-yes').count() > 250, 'the access matrix\'s ✓ cells are marked');

    assert.equal(await page.locator('.docs-pages a[aria-current="page"]').textContent(), 'HTTP API');
    const toc = await page.locator('#toc-list a').allTextContents();
    const sections = await page.locator('main h2, main h3').allTextContents();
    assert.deepEqual(toc, sections.map((t) => t.trim()), 'the page\'s sections beside it');
    assert.ok(toc.includes('Connections, headers, slow clients and floods'));
    assert.equal(await page.title(), 'HTTP API · roomctl documentation');
    await shot(page, '02-api');
    await page.locator('h2#access-matrix').scrollIntoViewIfNeeded();
    await shot(page, '03-api-matrix');
  });

  it('a link to another page\'s heading opens that page there', async () => {
    await open(page, '#websocket', 'WebSocket protocol');
    const link = page.locator('main a', { hasText: 'access matrix' }).first();
    assert.equal(await link.getAttribute('href'), '#api/access-matrix', 'api.md#access-matrix, rewritten');
    await link.click();
    await page.getByRole('heading', { level: 1, name: 'HTTP API', exact: true }).waitFor();
    assert.equal(new URL(page.url()).hash, '#api/access-matrix');
    await page.waitForFunction(() => {
      const top = document.getElementById('access-matrix').getBoundingClientRect().top;
      return top >= 0 && top < 150;
    }, null, { timeout: 5000 });
    await shot(page, '04-followed-link');

    // Within the page: the contents list's [Errors](#errors).
    const own = page.locator('main article > ul a', { hasText: /^Errors$/ });
    assert.equal(await own.getAttribute('href'), '#api/errors');
    await own.click();
    await page.waitForFunction(() => {
      const top = document.getElementById('errors').getBoundingClientRect().top;
      return top >= 0 && top < 150;
    }, null, { timeout: 5000 });

    // Back goes to the WebSocket page again.
    await page.goBack();
    await page.goBack();
    await page.getByRole('heading', { level: 1, name: 'WebSocket protocol', exact: true }).waitFor();
  });

  it('every link between pages names a page and a heading that exist', async () => {
    const ids = {};
    const links = [];
    for (const id of pageIds) {
      const h1 = (await fs.readFile(path.join(DOCS, `${id}.md`), 'utf8')).split('\n')[0].replace(/^# /, '');
      await open(page, `#${id}`, h1);
      ids[id] = new Set(await page.locator('main [id]').evaluateAll((es) => es.map((e) => e.id)));
      for (const href of await page.locator('main a[href]').evaluateAll((as) => as.map((a) => a.getAttribute('href')))) {
        links.push({ from: id, href });
      }
      // Links out of web/ are only in the tree: no <a> to them here.
      const outside = await page.locator('main a[href*="README"], main a[href^="../"]').count();
      assert.equal(outside, 0, `${id}: a link out of web/ left as a link`);
    }
    const bad = [];
    for (const { from, href } of links) {
      if (!href.startsWith('#')) {
        if (!/^(https?:|\/|\.\.\/)/.test(href)) bad.push(`${from}: ${href}`);
        continue;
      }
      const [target, anchor] = href.slice(1).split('/');
      if (!ids[target]) bad.push(`${from}: ${href} (no such page)`);
      else if (anchor && !ids[target].has(anchor)) bad.push(`${from}: ${href} (no such heading)`);
    }
    assert.deepEqual(bad, [], 'broken links');
    assert.ok(links.filter((l) => l.href.startsWith('#') && !l.href.startsWith(`#${l.from}/`)).length >= 10,
      'the pages link to each other');

    await open(page, '#api', 'HTTP API');
    const ref = page.locator('main .tree-ref', { hasText: 'Configuration' }).first();
    assert.equal(await ref.getAttribute('title'), 'In the source tree: README.md#configuration');
  });

  it('fits a tablet screen: the list above the page, no sideways scrolling', async () => {
    const context = await browser.newContext({ viewport: { width: 768, height: 1024 }, locale: 'en-GB', hasTouch: true });
    const narrow = await context.newPage();
    watch(narrow);
    await open(narrow, '#api', 'HTTP API');
    const nav = await narrow.locator('.docs-nav').boundingBox();
    const main = await narrow.locator('main').boundingBox();
    assert.ok(nav.y + nav.height <= main.y + 1, 'the page list is above the page');
    assert.ok(main.width > 700, `the page takes the width (${main.width} px)`);
    assert.equal(await narrow.locator('#toc').evaluate((d) => d.open), false, 'the sections list starts folded');
    const sideways = await narrow.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    assert.ok(sideways <= 0, `the document scrolls ${sideways} px sideways`);
    await shot(narrow, '05-tablet');
    await narrow.locator('h2#access-matrix').scrollIntoViewIfNeeded();
    const wrap = narrow.locator('h2#access-matrix ~ .table-scroll').first();
    assert.ok(await wrap.evaluate((w) => w.scrollWidth >= w.clientWidth), 'a wide table scrolls inside its box');
    await shot(narrow, '06-tablet-matrix');
    await context.close();
  });

  it('shows no console errors and no failed requests', () => {
    assert.deepEqual(pageErrors, []);
  });
});
