// Browser test: a confidential document on the tablet. The demo's document 3
// is made confidential for db01 only; db01's tablet shows the badge, loads
// the copy stamped for db01 (no If-None-Match, never cached by hash) and
// draws it; db02's tablet shows the badge too but is refused (403), and the
// refusal is in the audit log.
//
// Run: node --test tests/browser/confidential.test.mjs   (needs build/roomctl: make)

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { launchChromium, SHOTS } from '../lib/browser.mjs';
import { startServer, login, api } from '../lib/server.mjs';

const WAIT = 15_000;
const SESSION = 1;
const DOC = 3;

let srv;
let browser;
let admin;
const ids = {};

async function openTablet(username) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'vi-VN', timezoneId: 'Asia/Ho_Chi_Minh' });
  const page = await context.newPage();
  page.setDefaultTimeout(WAIT);
  const t = { context, page, errors: [], docRequests: [] };
  page.on('pageerror', (e) => t.errors.push(`pageerror: ${e.message}`));
  page.on('response', (res) => {
    if (res.url().includes(`/api/v1/documents/${DOC}/content`)) {
      t.docRequests.push({ status: res.status(), ifNoneMatch: res.request().headers()['if-none-match'] || null });
    }
  });
  await page.goto(`${srv.base}/tablet/`);
  await page.getByLabel('Tên đăng nhập').fill(username);
  await page.getByLabel('Mật khẩu', { exact: true }).fill('123456');
  await page.locator('form.tb-login button[type=submit].btn').click();
  await page.locator('h1.tb-title').waitFor();
  await page.locator('.conn[data-state=online]').waitFor();
  return t;
}

describe('confidential document on the tablet', { timeout: 120_000 }, () => {
  before(async () => {
    await fs.mkdir(SHOTS, { recursive: true });
    srv = await startServer({ args: ['--demo'] });
    admin = await login(srv.base, 'admin', 'admin123');
    const detail = await api(srv.base, admin, 'GET', `/api/v1/sessions/${SESSION}`);
    for (const d of detail.delegates) ids[d.username] = d.id;
    const doc = await api(srv.base, admin, 'PATCH', `/api/v1/documents/${DOC}`, { confidential: true, readers: [ids.db01] });
    assert.deepEqual(doc.readers, [ids.db01]);
    await api(srv.base, admin, 'POST', `/api/v1/sessions/${SESSION}/start`);
    browser = await launchChromium();
  });
  after(async () => {
    if (browser) await browser.close();
    if (srv) await srv.stop();
  });

  it('the listed delegate sees the badge and opens the stamped copy', async () => {
    const t = await openTablet('db01');
    const p = t.page;
    const btn = p.locator(`.doc-button[data-doc-id="${DOC}"]`);
    await btn.locator('.badge-confidential').waitFor();
    await btn.click();
    await p.locator(`[data-testid=page-canvas][data-doc-id="${DOC}"][data-rendered-page="1"]`).waitFor();
    const inked = await p.locator('[data-testid=page-canvas]').evaluate((c) => {
      const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
      let red = 0;
      for (let i = 0; i < d.length; i += 4 * 5) if (d[i] > 120 && d[i + 1] < 90 && d[i + 2] < 90) red++;
      return red;
    });
    assert.ok(inked > 20, `the red stamp is drawn on the page (red pixels: ${inked})`);
    assert.deepEqual(t.docRequests, [{ status: 200, ifNoneMatch: null }]);
    await p.screenshot({ path: path.join(SHOTS, 'tablet-confidential.png') });
    const stored = await p.evaluate(() => new Promise((resolve) => {
      const req = indexedDB.open('roomctl-tablet');
      req.onsuccess = () => {
        const db = req.result;
        if (!db.objectStoreNames.length) { resolve(0); return; }
        const tx = db.transaction(db.objectStoreNames[0], 'readonly');
        const all = tx.objectStore(db.objectStoreNames[0]).getAll();
        all.onsuccess = () => resolve(all.result.filter((r) => r.document_id === 3).length);
        all.onerror = () => resolve(-1);
      };
      req.onerror = () => resolve(0);
    }));
    assert.equal(stored, 0, 'the stamped copy is not kept on the tablet');
    assert.deepEqual(t.errors, []);
    await t.context.close();
  });

  it('the secretariat keeps its full view of it after an agenda.updated (one frame for all, without its metadata)', async () => {
    const context = await browser.newContext({ viewport: { width: 1366, height: 900 }, locale: 'vi-VN', timezoneId: 'Asia/Ho_Chi_Minh' });
    const p = await context.newPage();
    p.setDefaultTimeout(WAIT);
    const errors = [];
    p.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
    const events = [];
    p.on('websocket', (ws) => ws.on('framereceived', (f) => {
      if (typeof f.payload === 'string' && f.payload.includes('"agenda.updated"')) events.push(JSON.parse(f.payload));
    }));
    try {
      await p.goto(`${srv.base}/console/#/sessions/${SESSION}/agenda`);
      await p.getByLabel('Tên đăng nhập').fill('thuky');
      await p.getByLabel('Mật khẩu').fill('thuky123');
      await p.locator('form button[type=submit]').first().click();
      const row = p.locator(`.doc[data-document-id="${DOC}"]`);
      await row.locator('.doc-size').waitFor();
      const before = (await row.locator('.doc-meta').innerText()).trim();
      const size = (await row.locator('.doc-size').innerText()).trim();
      assert.ok(size, `the size is shown: ${before}`);
      const { agenda } = await api(srv.base, admin, 'GET', `/api/v1/sessions/${SESSION}/agenda`);
      const owner = agenda.find((it) => it.documents.some((d) => d.id === DOC)) ||
        agenda.flatMap((it) => it.children).find((it) => it.documents.some((d) => d.id === DOC));
      await api(srv.base, admin, 'PATCH', `/api/v1/agenda/${owner.id}`, { title: `${owner.title} (sửa)` });
      await p.getByText(`${owner.title} (sửa)`).first().waitFor();
      const ev = events.at(-1);
      const listed = [];
      const walk = (items) => items.forEach((it) => { listed.push(...it.documents); walk(it.children || []); });
      walk(ev.body.agenda);
      assert.equal(listed.find((d) => d.id === DOC).size, null, 'the event itself withholds the size');
      await p.waitForFunction(([id, want]) => document.querySelector(`.doc[data-document-id="${id}"] .doc-size`)?.textContent.trim() === want,
        [DOC, size]);
      assert.equal((await row.locator('.doc-meta').innerText()).trim(), before, 'the console shows what it showed before');
      assert.deepEqual(errors, []);
    } finally {
      await context.close();
    }
  });

  it('another delegate sees the badge but is refused, and the refusal is audited', async () => {
    const t = await openTablet('db02');
    const p = t.page;
    const btn = p.locator(`.doc-button[data-doc-id="${DOC}"]`);
    await btn.locator('.badge-confidential').waitFor();
    await btn.click();
    const end = Date.now() + WAIT;
    while (!t.docRequests.length && Date.now() < end) await new Promise((r) => setTimeout(r, 100));
    assert.equal(t.docRequests[0]?.status, 403);
    const { audit } = await api(srv.base, admin, 'GET', '/api/v1/audit?limit=500');
    assert.ok(audit.some((r) => r.action === 'document.refused' && r.target === `document:${DOC}` && r.user_id === ids.db02));
    await t.context.close();
  });
});
