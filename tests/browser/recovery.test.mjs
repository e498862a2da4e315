// Browser test: a closed session's documents come back from the tablets
// (thu hồi tài liệu, issue 18). The demo session is made closed and one of
// its documents confidential for db01. db01's tablet shows the closed
// banner, reads a document (kept in IndexedDB, tagged with the session) and
// the confidential one (never kept); db02's tablet reads a document and then
// loses its connection. The secretariat ends the session: db01's tablet
// purges at once, leaves nothing of the session in IndexedDB or the Cache
// API, and its receipt is listed. db02's tablet comes back: from that moment
// the viewer never draws the document again (a MutationObserver watches the
// page), it purges, and its receipt is listed too. db03's tablet, closed
// while the session was live, purges at its next start before it shows the
// session. The console's "Thu hồi tài liệu" card lists all of it.
//
// Run: node --test tests/browser/recovery.test.mjs   (needs build/roomctl: make)

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { launchChromium, SHOTS } from '../lib/browser.mjs';
import { startServer, login, api } from '../lib/server.mjs';
import { WsClient } from '../lib/ws-client.mjs';

const WAIT = 15_000;
const SESSION = 1;
const CONFIDENTIAL = 3;
const NOTE = 'Ghi chú riêng của phiên họp kín — gõ khi mất kết nối.';

let srv;
let browser;
let admin;
const ids = {};
const docs = [];

/** Everything the page keeps in IndexedDB (every database, every store) and the Cache API. */
async function storage(page) {
  return page.evaluate(async () => {
    const out = { idb: {}, caches: [], local: Object.keys(localStorage) };
    const list = indexedDB.databases ? await indexedDB.databases() : [{ name: 'roomctl-tablet' }];
    for (const { name } of list) {
      const db = await new Promise((resolve, reject) => {
        const req = indexedDB.open(name);
        req.onsuccess = () => resolve(req.result);
        req.onerror = () => reject(req.error);
      });
      for (const store of db.objectStoreNames) {
        out.idb[`${name}/${store}`] = await new Promise((resolve) => {
          const all = db.transaction(store, 'readonly').objectStore(store).getAll();
          all.onsuccess = () => resolve(all.result.map((r) => ({ document_id: r.document_id, sessions: r.sessions, size: r.size })));
          all.onerror = () => resolve(['unreadable']);
        });
      }
      db.close();
    }
    if (globalThis.caches) {
      for (const name of await caches.keys()) {
        const c = await caches.open(name);
        out.caches.push({ name, urls: (await c.keys()).map((r) => r.url) });
      }
    }
    return out;
  });
}

async function openTablet(username, { context } = {}) {
  const ctx = context || await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'vi-VN', timezoneId: 'Asia/Ho_Chi_Minh' });
  const page = await ctx.newPage();
  page.setDefaultTimeout(WAIT);
  const t = { context: ctx, page, errors: [] };
  page.on('pageerror', (e) => t.errors.push(`pageerror: ${e.message}`));
  await page.goto(`${srv.base}/tablet/`);
  await page.getByLabel('Tên đăng nhập').fill(username);
  await page.getByLabel('Mật khẩu', { exact: true }).fill('123456');
  await page.locator('form.tb-login button[type=submit].btn').click();
  await page.locator('h1.tb-title').waitFor();
  await page.locator('.conn[data-state=online]').waitFor();
  t.token = await page.evaluate(() => sessionStorage.getItem('roomctl.token'));
  return t;
}

async function readDocument(page, id) {
  await page.locator(`.doc-button[data-doc-id="${id}"]`).click();
  await page.locator(`[data-testid=page-canvas][data-doc-id="${id}"][data-rendered-page="1"]`).waitFor();
}

const documentsOf = (st) => Object.entries(st.idb).filter(([k]) => k.endsWith('/documents')).flatMap(([, v]) => v);

async function recoveries() {
  return api(srv.base, admin, 'GET', `/api/v1/sessions/${SESSION}/recoveries`);
}
const tabletOf = (list, username) => list.delegates.find((d) => d.username === username);

async function until(fn, what, ms = WAIT) {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('closed session: tablets give the documents back', { timeout: 180_000 }, () => {
  const tabs = {};
  before(async () => {
    await fs.mkdir(SHOTS, { recursive: true });
    srv = await startServer({ args: ['--demo'] });
    admin = await login(srv.base, 'admin', 'admin123');
    const detail = await api(srv.base, admin, 'GET', `/api/v1/sessions/${SESSION}`);
    for (const d of detail.delegates) ids[d.username] = d.id;
    const walk = (items) => items.forEach((it) => { docs.push(...it.documents.map((d) => d.id)); walk(it.children || []); });
    walk((await api(srv.base, admin, 'GET', `/api/v1/sessions/${SESSION}/agenda`)).agenda);
    assert.ok(docs.includes(1) && docs.includes(2) && docs.includes(CONFIDENTIAL), `demo documents: ${docs}`);
    await api(srv.base, admin, 'PATCH', `/api/v1/documents/${CONFIDENTIAL}`, { confidential: true, readers: [ids.db01] });
    assert.equal((await api(srv.base, admin, 'PATCH', `/api/v1/sessions/${SESSION}`, { closed: true })).closed, true);
    await api(srv.base, admin, 'POST', `/api/v1/sessions/${SESSION}/start`);
    browser = await launchChromium();
  });
  after(async () => {
    if (browser) await browser.close();
    if (srv) await srv.stop();
  });

  it('a tablet in a closed session shows the banner, keeps the document tagged with the session, never the confidential one', async () => {
    tabs.db01 = await openTablet('db01');
    const p = tabs.db01.page;
    const banner = p.locator('[data-testid=closed-banner]');
    await banner.waitFor();
    assert.match(await banner.innerText(), /Phiên họp kín/i);
    await readDocument(p, 1);
    await readDocument(p, CONFIDENTIAL);
    await p.screenshot({ path: path.join(SHOTS, 'tablet-closed-banner.png') });
    const st = await storage(p);
    assert.deepEqual(documentsOf(st).map((d) => [d.document_id, d.sessions]), [[1, [SESSION]]],
      `only document 1 is kept, tagged with the session; the confidential one is not: ${JSON.stringify(st)}`);
    const list = await recoveries();
    assert.equal(tabletOf(list, 'db01').tablets.length, 1, 'the tablet is noted when it opens the closed session');
    assert.equal(tabletOf(list, 'db01').tablets[0].recovered, false);
  });

  it('a tablet closed during the session, and one that loses its connection', async () => {
    // db03 reads a document, then its tablet stops listening (put to sleep) while the session is live.
    tabs.db03 = await openTablet('db03');
    await readDocument(tabs.db03.page, 2);
    assert.equal(documentsOf(await storage(tabs.db03.page)).length, 1);
    await tabs.db03.page.evaluate(async () => { (await import('/tablet/tablet.js')).state.ws.stop(); });

    tabs.db02 = await openTablet('db02');
    const p = tabs.db02.page;
    await readDocument(p, 1);
    assert.equal(documentsOf(await storage(p)).length, 1);
    await tabs.db02.context.setOffline(true);
    // The socket itself may outlive the emulated network: close it, the reconnects then fail.
    await p.evaluate(async () => { (await import('/tablet/tablet.js')).state.ws._ws?.close(); });
    await p.locator('.conn:not([data-state=online])').waitFor();
    // A note typed while offline is kept on the tablet until it can be sent.
    await p.getByTestId('notes-toggle').click();
    await p.getByTestId('note-text').fill(NOTE);
    await p.getByTestId('note-text').blur();
    await until(() => p.evaluate(() => Object.keys(localStorage).some((k) => k.startsWith('roomctl.notes.pending'))), 'the note kept on the tablet');
  });

  it('at the end, the online tablet purges at once: nothing of the session in IndexedDB or the Cache API, the receipt listed', async () => {
    // While db02 is away the chair presents document 2: replayed to a tablet
    // that follows the chair, that would open and draw it.
    const { agenda } = await api(srv.base, admin, 'GET', `/api/v1/sessions/${SESSION}/agenda`);
    const flat = [];
    const walk = (items) => items.forEach((it) => { flat.push(it); walk(it.children || []); });
    walk(agenda);
    const item = flat.find((it) => it.documents.some((d) => d.id === 2));
    const chair = await WsClient.connect(srv.port, { token: admin });
    await chair.request('agenda.current', { session_id: SESSION, item_id: item.id });
    await chair.request('present', { session_id: SESSION, document_id: 2, page: 1 });
    await chair.close();
    const p = tabs.db01.page;
    await p.locator('[data-testid=page-canvas][data-doc-id="2"][data-rendered-page="1"]').waitFor();
    const held = documentsOf(await storage(p)).map((d) => d.document_id).sort();
    assert.deepEqual(held, [1, 2], 'db01 follows the chair: it keeps document 2 too');
    await api(srv.base, admin, 'POST', `/api/v1/sessions/${SESSION}/end`);
    await p.locator('[data-testid=recovered-notice]').waitFor();
    assert.equal(await p.locator('[data-testid=page-canvas]').count(), 0, 'the viewer is gone');
    const st = await storage(p);
    assert.deepEqual(documentsOf(st), [], `no document left: ${JSON.stringify(st)}`);
    for (const [store, rows] of Object.entries(st.idb))
      assert.ok(rows.every((r) => !(r.sessions || []).includes(SESSION)), `${store} holds nothing of the session`);
    assert.deepEqual(st.caches, [], 'the Cache API holds nothing');
    assert.ok(!st.local.some((k) => k.startsWith('roomctl.notes.pending')), `no notes kept: ${st.local}`);
    const t = await until(async () => { const x = tabletOf(await recoveries(), 'db01').tablets[0]; return x.recovered && x; }, 'db01 receipt');
    assert.equal(t.documents, 2, 'two documents purged (the confidential one was never kept)');
    await p.screenshot({ path: path.join(SHOTS, 'tablet-closed-recovered.png') });
    assert.deepEqual(tabs.db01.errors, []);
  });

  it('the offline tablet purges when it comes back, before it draws anything of the session', async () => {
    const p = tabs.db02.page;
    await p.evaluate(() => {
      window.__drawn = [];
      new MutationObserver((muts) => {
        for (const m of muts) {
          if (m.type === 'attributes') window.__drawn.push(`render ${m.target.dataset.docId}:${m.target.dataset.renderedPage}`);
          for (const n of m.addedNodes) {
            if (n.nodeType === 1 && (n.matches('[data-testid=page-canvas], .tb') || n.querySelector('[data-testid=page-canvas], .tb')))
              window.__drawn.push(`added ${n.className}`);
          }
        }
      }).observe(document.body, { subtree: true, childList: true, attributes: true, attributeFilter: ['data-rendered-page'] });
    });
    await tabs.db02.context.setOffline(false);
    await p.locator('[data-testid=recovered-notice]').waitFor({ timeout: 40_000 });
    assert.deepEqual(await p.evaluate(() => window.__drawn), [], 'nothing of the session drawn after the reconnection');
    assert.equal(await p.locator('[data-testid=page-canvas]').count(), 0);
    const st = await storage(p);
    assert.deepEqual(documentsOf(st), [], `no document left: ${JSON.stringify(st)}`);
    assert.deepEqual(st.caches, []);
    assert.ok(!st.local.some((k) => k.startsWith('roomctl.notes.pending')), `no notes kept on the tablet: ${st.local}`);
    const t = await until(async () => { const x = tabletOf(await recoveries(), 'db02').tablets[0]; return x && x.recovered && x; }, 'db02 receipt');
    assert.equal(t.documents, 1);
    assert.equal(t.notes, 1, 'the note kept on the tablet was purged');
    // ... after it was saved: the delegate's notes on the server stay theirs.
    const { notes } = await api(srv.base, tabs.db02.token, 'GET', '/api/v1/notes');
    assert.ok(notes.some((n) => n.text === NOTE), `the note is on the server: ${JSON.stringify(notes)}`);
    assert.deepEqual(tabs.db02.errors, []);
  });

  it('the tablet put away during the session purges at its next start, before it shows the session', async () => {
    const { context: ctx, page } = tabs.db03;
    assert.equal(await page.locator('[data-testid=page-canvas][data-doc-id="2"]').count(), 1, 'it still shows the document');
    await ctx.addInitScript(() => {
      window.__drawn = [];
      new MutationObserver((muts) => {
        for (const m of muts) {
          if (m.type === 'attributes') window.__drawn.push('render');
          for (const n of m.addedNodes) {
            if (n.nodeType === 1 && (n.matches('[data-testid=page-canvas], .tb') || n.querySelector('[data-testid=page-canvas], .tb')))
              window.__drawn.push(`added ${n.className}`);
          }
        }
      }).observe(document, { subtree: true, childList: true, attributes: true, attributeFilter: ['data-rendered-page'] });
    });
    // The next start: the login and the open session are kept by the tab, so
    // without the purge it would go straight back into the session.
    await page.reload();
    await page.locator('[data-testid=recovered-notice]').waitFor();
    assert.deepEqual(await page.evaluate(() => window.__drawn), [], 'the session was not shown before the purge');
    assert.deepEqual(documentsOf(await storage(page)), []);
    const t = await until(async () => { const x = tabletOf(await recoveries(), 'db03').tablets[0]; return x && x.recovered && x; }, 'db03 receipt');
    assert.equal(t.documents, 1);
    assert.deepEqual(tabs.db03.errors, []);
  });

  it('the console lists each delegate\'s tablets: recovered with the local time, or never opened', async () => {
    const context = await browser.newContext({ viewport: { width: 1366, height: 900 }, locale: 'vi-VN', timezoneId: 'Asia/Ho_Chi_Minh' });
    const p = await context.newPage();
    p.setDefaultTimeout(WAIT);
    const errors = [];
    p.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
    try {
      await p.goto(`${srv.base}/console/#/sessions/${SESSION}/attendance`);
      await p.getByLabel('Tên đăng nhập').fill('thuky');
      await p.getByLabel('Mật khẩu').fill('thuky123');
      await p.locator('form button[type=submit]').first().click();
      const card = p.locator('[data-testid=recoveries]');
      await card.locator('tbody tr').first().waitFor();
      assert.match(await card.locator('h2').innerText(), /Thu hồi tài liệu/);
      assert.match(await card.locator('[data-testid=recovery-summary]').innerText(), /Đã thu hồi 3\/3 máy/);
      const list = await recoveries();
      for (const u of ['db01', 'db02', 'db03']) {
        const row = card.locator(`tr[data-user-id="${ids[u]}"]`);
        assert.equal(await row.getAttribute('data-state'), 'recovered', u);
        const at = new Date(tabletOf(list, u).tablets[0].recovered_at);
        const local = new Intl.DateTimeFormat('en-GB', { timeZone: 'Asia/Ho_Chi_Minh', hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false }).format(at);
        const text = await row.innerText();
        assert.ok(text.includes('Đã thu hồi') && text.includes(local), `${u}: recovered at ${local} (local time) in ${JSON.stringify(text)}`);
      }
      const never = card.locator(`tr[data-user-id="${ids.db04}"]`);
      assert.equal(await never.getAttribute('data-state'), 'never');
      assert.match(await never.innerText(), /Không mở phiên trên máy tính bảng/);
      const firstRows = await card.locator('tbody tr').evaluateAll((trs) => trs.slice(0, 4).map((tr) => tr.dataset.state));
      assert.deepEqual(firstRows, ['recovered', 'recovered', 'recovered', 'never'], 'the tablets first, then those never opened');
      await card.evaluate((el) => window.scrollTo(0, el.getBoundingClientRect().top + window.scrollY - 80));
      await p.screenshot({ path: path.join(SHOTS, 'console-recoveries.png') });
      assert.deepEqual(errors, []);
    } finally {
      await context.close();
    }
  });
});
