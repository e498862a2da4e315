// The document viewer: a PDF rendered by pdf.js on a canvas, with page
// turning (buttons, keys, swipe), zoom (fit width, fit page, steps),
// page thumbnails and search in the text (matches highlighted on the page).
//
// Documents come from doc-cache.js (fetched once per content, kept in
// IndexedDB); an opened pdf.js document stays in memory for the app's life,
// so turning a page or coming back to a document costs no network at all.
//
//   const v = new DocViewer(host, {resolve: (id) => meeting.document(id)});
//   v.addEventListener('pagechange', (e) => e.detail)  // {docId, page, pages, user}
//   await v.open(docId, page, {user})                   // user: the reader did it
//   v.goTo(page, {user});  v.modeSlot (follow/present controls), v.sideSlot (notes)

import { h, clear, fill, icon, button, fold } from '../common/ui.js';
import { t, formatNumber } from '../common/i18n.js';
import { loadDocumentBytes } from './doc-cache.js';

const PDFJS_URL = new URL('../vendor/pdfjs/pdf.min.mjs', import.meta.url).href;
const WORKER_URL = new URL('../vendor/pdfjs/pdf.worker.min.mjs', import.meta.url).href;
const ZOOM_STEPS = [0.5, 0.67, 0.8, 1, 1.25, 1.5, 2, 2.5, 3];
const THUMB_WIDTH = 112;

let pdfjsPromise = null;
function pdfjs() {
  if (!pdfjsPromise) {
    pdfjsPromise = import(PDFJS_URL).then((lib) => {
      lib.GlobalWorkerOptions.workerSrc = WORKER_URL;
      return lib;
    });
  }
  return pdfjsPromise;
}

const loaded = new Map();   // sha256 (or "id:N") -> Promise<{pdf, texts: Map}>

/** Closes every document held in memory (at logout). */
export function forgetDocuments() {
  for (const p of loaded.values()) p.then((e) => e.pdf.destroy()).catch(() => {});
  loaded.clear();
}

async function loadPdf(doc, onProgress) {
  const key = doc.sha256 || `id:${doc.id}`;
  if (!loaded.has(key)) {
    const p = (async () => {
      const lib = await pdfjs();
      const data = await loadDocumentBytes(doc, { onProgress });
      const pdf = await lib.getDocument({ data, isEvalSupported: false, enableXfa: false }).promise;
      return { pdf, texts: new Map(), lib };
    })();
    loaded.set(key, p);
    p.catch(() => loaded.delete(key));   // a failed load may be tried again
  }
  return loaded.get(key);
}

export class DocViewer extends EventTarget {
  constructor(host, { resolve }) {
    super();
    this.resolve = resolve;
    this.docId = null;
    this.doc = null;
    this.page = 1;
    this.pages = 0;
    this.entry = null;          // {pdf, texts}
    this.zoom = 'width';        // 'width' | 'page' | number (1 = 100 % of the page size)
    this.fitScale = 1;
    this.renderTask = null;
    this.renderSeq = 0;
    this.openSeq = 0;
    this.query = '';
    this.hits = [];
    this.showThumbs = false;
    this.showSearch = false;
    this.build(host);
    this.resizeObs = new ResizeObserver(() => this.onResize());
    this.resizeObs.observe(this.stage);
  }

  build(host) {
    this.titleEl = h('h2', { class: 'viewer-title', id: 'viewer-title', dataset: { testid: 'doc-title' } });
    this.itemEl = h('div', { class: 'viewer-item' });
    this.modeSlot = h('div', { class: 'viewer-mode' });
    this.pageLabel = h('span', { class: 'viewer-page-label num', dataset: { testid: 'page-indicator' }, 'aria-live': 'polite' });
    this.prevBtn = button(t('tb.viewer.prev'), { ic: 'prev', iconOnly: true, kind: 'tool', onClick: () => this.goTo(this.page - 1, { user: true }) });
    this.nextBtn = button(t('tb.viewer.next'), { ic: 'chevron', iconOnly: true, kind: 'tool', onClick: () => this.goTo(this.page + 1, { user: true }) });
    this.zoomLabel = h('span', { class: 'viewer-zoom-label num', 'aria-live': 'polite' });
    this.zoomOutBtn = button(t('tb.viewer.zoom_out'), { ic: 'zoomOut', iconOnly: true, kind: 'tool', onClick: () => this.stepZoom(-1) });
    this.zoomInBtn = button(t('tb.viewer.zoom_in'), { ic: 'zoomIn', iconOnly: true, kind: 'tool', onClick: () => this.stepZoom(1) });
    this.fitBtn = button(t('tb.viewer.fit_width'), { ic: 'fit', iconOnly: true, kind: 'tool', onClick: () => this.toggleFit() });
    this.thumbsBtn = button(t('tb.viewer.thumbs'), { ic: 'grid', iconOnly: true, kind: 'tool', onClick: () => this.toggleThumbs(), attrs: { 'aria-pressed': 'false' } });
    this.searchBtn = button(t('tb.viewer.search'), { ic: 'search', iconOnly: true, kind: 'tool', onClick: () => this.toggleSearch(), attrs: { 'aria-pressed': 'false' } });
    this.toolSlot = h('div', { class: 'viewer-tool-slot' });

    this.searchInput = h('input', {
      type: 'search', class: 'search-input', 'aria-label': t('tb.viewer.search_label'), placeholder: t('tb.viewer.search_placeholder'),
      enterkeyhint: 'search', onkeydown: (e) => { if (e.key === 'Enter') { e.preventDefault(); this.search(this.searchInput.value); } },
    });
    this.searchInfo = h('span', { class: 'viewer-search-info', role: 'status' });
    this.searchList = h('ol', { class: 'viewer-hits' });
    this.searchBox = h('div', { class: 'viewer-search', hidden: true },
      h('form', { class: 'viewer-search-row', role: 'search', onsubmit: (e) => { e.preventDefault(); this.search(this.searchInput.value); } },
        this.searchInput,
        button(t('tb.viewer.search_go'), { kind: 'primary', type: 'submit' }),
        button(t('app.close'), { ic: 'close', iconOnly: true, kind: 'tool', onClick: () => this.toggleSearch(false) })),
      this.searchInfo, this.searchList);

    this.thumbs = h('nav', { class: 'viewer-thumbs', hidden: true, 'aria-label': t('tb.viewer.thumbs') });
    this.canvas = h('canvas', { class: 'viewer-canvas', dataset: { testid: 'page-canvas' }, role: 'img', 'aria-label': t('tb.viewer.region') });
    this.hl = h('div', { class: 'viewer-hl', 'aria-hidden': 'true' });
    this.pageBox = h('div', { class: 'viewer-page' }, this.canvas, this.hl);
    this.message = h('div', { class: 'viewer-message' });
    this.stage = h('div', { class: 'viewer-stage', tabindex: '0', 'aria-labelledby': 'viewer-title' }, this.message, this.pageBox);
    this.sideSlot = h('div', { class: 'viewer-side' });

    this.el = h('section', { class: 'viewer', 'aria-label': t('tb.viewer.region') },
      h('div', { class: 'viewer-bar' },
        h('div', { class: 'viewer-head' }, h('div', { class: 'viewer-heading' }, this.titleEl, this.itemEl), this.modeSlot),
        h('div', { class: 'viewer-tools', role: 'toolbar', 'aria-label': t('tb.viewer.tools') },
          h('div', { class: 'tool-group' }, this.prevBtn, this.pageLabel, this.nextBtn),
          h('div', { class: 'tool-group' }, this.zoomOutBtn, this.zoomLabel, this.zoomInBtn, this.fitBtn),
          h('div', { class: 'tool-group' }, this.thumbsBtn, this.searchBtn, this.toolSlot))),
      this.searchBox,
      h('div', { class: 'viewer-body' }, this.thumbs, this.stage, this.sideSlot));
    host.append(this.el);

    this.stage.addEventListener('keydown', (e) => {
      if (e.target !== this.stage) return;
      if (e.key === 'ArrowRight' || e.key === 'PageDown') { e.preventDefault(); this.goTo(this.page + 1, { user: true }); }
      if (e.key === 'ArrowLeft' || e.key === 'PageUp') { e.preventDefault(); this.goTo(this.page - 1, { user: true }); }
    });
    this.setupSwipe();
    this.renderChrome();
  }

  /** Horizontal swipe turns the page when the page is not wider than the screen. */
  setupSwipe() {
    let start = null;
    this.stage.addEventListener('pointerdown', (e) => {
      if (e.pointerType === 'mouse') return;
      start = { x: e.clientX, y: e.clientY, t: performance.now() };
    });
    this.stage.addEventListener('pointerup', (e) => {
      if (!start) return;
      const dx = e.clientX - start.x;
      const dy = e.clientY - start.y;
      const quick = performance.now() - start.t < 700;
      start = null;
      const scrollable = this.stage.scrollWidth > this.stage.clientWidth + 4;
      if (quick && !scrollable && Math.abs(dx) > 70 && Math.abs(dy) < 60) this.goTo(this.page + (dx < 0 ? 1 : -1), { user: true });
    });
    this.stage.addEventListener('pointercancel', () => { start = null; });
  }

  // ---------- opening ----------

  /** Stops observing and drawing (the view is being rebuilt or left). */
  destroy() {
    this.openSeq++;
    this.renderSeq++;
    if (this.renderTask) this.renderTask.cancel();
    this.resizeObs.disconnect();
    if (this.thumbObs) this.thumbObs.disconnect();
    clearTimeout(this.resizeTimer);
  }

  /** Opens document id at page; resolves when the page is drawn (or failed). */
  async open(docId, page = 1, { user = false } = {}) {
    const found = this.resolve(docId);
    if (!found) {
      this.showMessage(t('tb.viewer.not_found'), 'error');
      return false;
    }
    if (this.docId === docId && this.entry) return this.goTo(page, { user });
    const seq = ++this.openSeq;
    this.docId = docId;
    this.doc = found.doc;
    this.item = found.item;
    this.itemNumber = found.number;
    this.entry = null;
    this.pages = found.doc.pages || 0;
    this.page = Math.max(1, Math.min(page, this.pages || page));
    this.hits = [];
    this.query = '';
    this.searchInput.value = '';
    clear(this.searchList);
    this.searchInfo.textContent = '';
    clear(this.hl);
    this.canvas.removeAttribute('data-rendered-page');
    this.pageBox.hidden = true;
    this.showMessage(t('tb.viewer.loading'), 'loading');
    this.renderChrome();
    this.emitPage(user);
    let entry;
    try {
      entry = await loadPdf(found.doc, ({ loaded: n, total }) => {
        if (seq !== this.openSeq) return;
        this.showMessage(total ? t('tb.viewer.loading_pct', { pct: Math.round((n / total) * 100) }) : t('tb.viewer.loading'), 'loading');
      });
    } catch (err) {
      if (seq !== this.openSeq) return false;
      this.showMessage(`${t('tb.viewer.load_failed')} ${err.reason || err.message || ''}`, 'error', () => { this.docId = null; this.open(docId, this.page, { user }); });
      return false;
    }
    if (seq !== this.openSeq) return false;
    this.entry = entry;
    this.pages = entry.pdf.numPages;
    this.page = Math.max(1, Math.min(this.page, this.pages));
    this.hideMessage();
    this.pageBox.hidden = false;
    this.buildThumbs();
    this.renderChrome();
    await this.render();
    return true;
  }

  close() {
    this.openSeq++;
    this.docId = null;
    this.doc = null;
    this.entry = null;
    this.pages = 0;
    this.pageBox.hidden = true;
    clear(this.thumbs);
    this.showMessage(t('tb.viewer.empty'), 'empty');
    this.renderChrome();
  }

  showMessage(text, kind, retry) {
    this.message.hidden = false;
    this.message.dataset.kind = kind;
    fill(this.message,
      kind === 'loading' ? h('span', { class: 'spinner', 'aria-hidden': 'true' }) : null,
      kind === 'empty' ? icon('file', 'viewer-empty-ico') : null,
      h('p', { role: kind === 'error' ? 'alert' : 'status' }, text),
      retry ? button(t('app.retry'), { kind: 'primary', onClick: retry }) : null);
  }

  hideMessage() { this.message.hidden = true; }

  // ---------- pages ----------

  /** Shows page (clamped); user: the reader turned it (not the chair). */
  async goTo(page, { user = false } = {}) {
    if (this.docId == null) return false;
    const max = this.pages || 1;
    const p = Math.max(1, Math.min(page, max));
    if (p === this.page && this.canvas.dataset.renderedPage === String(p)) return true;
    const changed = p !== this.page;
    this.page = p;
    this.renderChrome();
    if (changed) this.emitPage(user);
    if (!this.entry) return false;   // still loading: drawn when it arrives
    this.stage.scrollTop = 0;
    await this.render();
    return true;
  }

  emitPage(user) {
    this.dispatchEvent(new CustomEvent('pagechange', { detail: { docId: this.docId, page: this.page, pages: this.pages, user } }));
  }

  renderChrome() {
    const open = this.docId != null;
    this.titleEl.textContent = open ? (this.doc.title || this.doc.filename || '') : t('tb.viewer.no_doc');
    this.itemEl.textContent = open && this.item ? `${this.itemNumber}. ${this.item.title}` : '';
    this.pageLabel.textContent = open ? t('tb.viewer.page_of', { page: this.page, pages: this.pages || '…' }) : '';
    this.prevBtn.disabled = !open || this.page <= 1;
    this.nextBtn.disabled = !open || !this.pages || this.page >= this.pages;
    for (const b of [this.zoomInBtn, this.zoomOutBtn, this.fitBtn, this.thumbsBtn, this.searchBtn]) b.disabled = !open;
    const pct = typeof this.zoom === 'number' ? Math.round(this.zoom * 100) : null;
    this.zoomLabel.textContent = pct ? `${formatNumber(pct)} %` : t(this.zoom === 'page' ? 'tb.viewer.fit_page_short' : 'tb.viewer.fit_width_short');
    const fitLabel = this.zoom === 'width' ? t('tb.viewer.fit_page') : t('tb.viewer.fit_width');
    this.fitBtn.title = fitLabel;
    this.fitBtn.querySelector('.sr-only').textContent = fitLabel;
    for (const th of this.thumbs.querySelectorAll('.thumb')) {
      const cur = Number(th.dataset.page) === this.page;
      th.classList.toggle('current', cur);
      if (cur) th.setAttribute('aria-current', 'page'); else th.removeAttribute('aria-current');
    }
    const cur = this.thumbs.querySelector('.thumb.current');
    if (cur && this.showThumbs) cur.scrollIntoView({ block: 'nearest' });
  }

  scaleFor(viewport1) {
    const w = Math.max(this.stage.clientWidth - 32, 100);
    const hgt = Math.max(this.stage.clientHeight - 32, 100);
    const width = w / viewport1.width;
    const whole = Math.min(width, hgt / viewport1.height);
    if (this.zoom === 'width') return width;
    if (this.zoom === 'page') return whole;
    return this.zoom * (96 / 72);   // a number: share of the printed size
  }

  async render() {
    if (!this.entry) return;
    if (this.stage.clientWidth === 0) { this.pendingRender = true; return; }   // hidden: drawn when shown
    this.pendingRender = false;
    const seq = ++this.renderSeq;
    const pageNo = this.page;
    if (this.renderTask) { this.renderTask.cancel(); this.renderTask = null; }
    let page;
    try { page = await this.entry.pdf.getPage(pageNo); } catch (err) {
      this.showMessage(`${t('tb.viewer.load_failed')} ${err.message || ''}`, 'error');
      return;
    }
    if (seq !== this.renderSeq) return;
    const v1 = page.getViewport({ scale: 1 });
    const scale = this.scaleFor(v1);
    const viewport = page.getViewport({ scale });
    const dpr = Math.min(window.devicePixelRatio || 1, 3);
    // Draw off-screen, then swap: the old page stays visible until the new one is ready.
    const canvas = document.createElement('canvas');
    canvas.width = Math.floor(viewport.width * dpr);
    canvas.height = Math.floor(viewport.height * dpr);
    const task = page.render({ canvas, viewport, transform: dpr !== 1 ? [dpr, 0, 0, dpr, 0, 0] : null });
    this.renderTask = task;
    try {
      await task.promise;
    } catch (err) {
      if (err && err.name === 'RenderingCancelledException') return;
      if (seq === this.renderSeq) this.showMessage(`${t('tb.viewer.render_failed')} ${err.message || ''}`, 'error');
      return;
    }
    if (seq !== this.renderSeq) return;
    this.renderTask = null;
    const ctx = this.canvas.getContext('2d');
    this.canvas.width = canvas.width;
    this.canvas.height = canvas.height;
    ctx.drawImage(canvas, 0, 0);
    this.canvas.style.width = `${Math.floor(viewport.width)}px`;
    this.canvas.style.height = `${Math.floor(viewport.height)}px`;
    this.pageBox.style.width = `${Math.floor(viewport.width)}px`;
    this.pageBox.style.height = `${Math.floor(viewport.height)}px`;
    this.canvas.setAttribute('aria-label', t('tb.viewer.page_alt', { page: pageNo, pages: this.pages, title: this.doc.title || '' }));
    this.canvas.dataset.docId = String(this.docId);
    this.canvas.dataset.renderedPage = String(pageNo);
    this.viewport = viewport;
    this.fitScale = scale;
    await this.drawHighlights(page, viewport, seq);
    this.dispatchEvent(new CustomEvent('rendered', { detail: { docId: this.docId, page: pageNo } }));
  }

  onResize() {
    if (!this.entry) return;
    if (this.pendingRender || typeof this.zoom !== 'number') {
      clearTimeout(this.resizeTimer);
      this.resizeTimer = setTimeout(() => this.render(), 120);
    }
  }

  stepZoom(dir) {
    const current = typeof this.zoom === 'number' ? this.zoom : this.fitScale / (96 / 72);
    let next;
    if (dir > 0) next = ZOOM_STEPS.find((z) => z > current + 0.01) ?? ZOOM_STEPS[ZOOM_STEPS.length - 1];
    else next = [...ZOOM_STEPS].reverse().find((z) => z < current - 0.01) ?? ZOOM_STEPS[0];
    this.zoom = next;
    this.renderChrome();
    this.render();
  }

  toggleFit() {
    this.zoom = this.zoom === 'width' ? 'page' : 'width';
    this.renderChrome();
    this.render();
  }

  // ---------- thumbnails ----------

  toggleThumbs(force) {
    this.showThumbs = force ?? !this.showThumbs;
    this.thumbs.hidden = !this.showThumbs;
    this.thumbsBtn.setAttribute('aria-pressed', String(this.showThumbs));
    if (this.showThumbs) this.renderChrome();
  }

  buildThumbs() {
    clear(this.thumbs);
    if (this.thumbObs) this.thumbObs.disconnect();
    const entry = this.entry;
    this.thumbObs = new IntersectionObserver((list) => {
      for (const e of list) {
        if (!e.isIntersecting) continue;
        this.thumbObs.unobserve(e.target);
        this.drawThumb(entry, e.target);
      }
    }, { root: this.thumbs, rootMargin: '200px' });
    for (let p = 1; p <= this.pages; p++) {
      const c = h('canvas', { class: 'thumb-canvas', 'aria-hidden': 'true' });
      const b = h('button', {
        type: 'button', class: 'thumb', dataset: { page: String(p) },
        'aria-label': t('tb.viewer.go_page', { page: p }), onclick: () => this.goTo(p, { user: true }),
      }, c, h('span', { class: 'thumb-no num' }, String(p)), h('span', { class: 'thumb-note', hidden: true, title: t('tb.notes.has_note') }, icon('note')));
      this.thumbs.append(b);
      this.thumbObs.observe(b);
    }
  }

  async drawThumb(entry, btn) {
    const c = btn.querySelector('canvas');
    try {
      const page = await entry.pdf.getPage(Number(btn.dataset.page));
      const v1 = page.getViewport({ scale: 1 });
      const dpr = Math.min(window.devicePixelRatio || 1, 2);
      const viewport = page.getViewport({ scale: (THUMB_WIDTH / v1.width) * dpr });
      c.width = Math.floor(viewport.width);
      c.height = Math.floor(viewport.height);
      c.style.width = `${THUMB_WIDTH}px`;
      await page.render({ canvas: c, viewport }).promise;
      btn.dataset.drawn = 'true';
    } catch { /* a thumbnail is not worth an error */ }
  }

  /** Marks the thumbnails of pages that have a note. */
  markNotes(pages) {
    for (const th of this.thumbs.querySelectorAll('.thumb')) {
      th.querySelector('.thumb-note').hidden = !pages.has(Number(th.dataset.page));
    }
  }

  // ---------- search ----------

  toggleSearch(force) {
    this.showSearch = force ?? !this.showSearch;
    this.searchBox.hidden = !this.showSearch;
    this.searchBtn.setAttribute('aria-pressed', String(this.showSearch));
    if (this.showSearch) this.searchInput.focus();
    else { this.query = ''; this.hits = []; clear(this.hl); }
  }

  /**
   * The text of page p for searching: pdf.js splits words into several items
   * (a Vietnamese letter often comes from another font), so the items are
   * joined without spaces, a space only at line ends. folded: the joined text
   * without diacritics, lower case; starts[i]: where item i begins in it.
   */
  async pageText(entry, p) {
    if (!entry.texts.has(p)) {
      entry.texts.set(p, entry.pdf.getPage(p).then((page) => page.getTextContent()).then((tc) => {
        const items = tc.items.filter((it) => typeof it.str === 'string');
        const parts = items.map((it) => fold(it.str));
        const starts = [];
        let folded = '';
        let plain = '';
        items.forEach((it, i) => {
          starts.push(folded.length);
          folded += parts[i];
          plain += it.str.length === parts[i].length ? it.str : parts[i];
          if (it.hasEOL) { folded += ' '; plain += ' '; }
        });
        return { items, parts, starts, folded, plain };
      }));
    }
    return entry.texts.get(p);
  }

  static matches(folded, q) {
    const out = [];
    for (let at = folded.indexOf(q); at >= 0; at = folded.indexOf(q, at + q.length)) out.push(at);
    return out;
  }

  async search(raw) {
    const q = fold(raw).replace(/\s+/g, ' ').trim();
    this.query = q;
    clear(this.searchList);
    this.hits = [];
    if (!q || !this.entry) { this.searchInfo.textContent = ''; clear(this.hl); return; }
    const entry = this.entry;
    this.searchInfo.textContent = t('tb.viewer.searching');
    for (let p = 1; p <= entry.pdf.numPages; p++) {
      const { folded, plain } = await this.pageText(entry, p);
      if (entry !== this.entry || q !== this.query) return;
      const found = DocViewer.matches(folded, q);
      if (!found.length) continue;
      const first = found[0];
      const a = Math.max(0, first - 40);
      this.hits.push({ page: p, count: found.length });
      this.searchList.append(h('li', null, h('button', {
        type: 'button', class: 'hit', onclick: () => (p === this.page ? this.render() : this.goTo(p, { user: true })),
      }, h('span', { class: 'hit-page' }, t('tb.viewer.page_n', { page: p })),
      h('span', { class: 'hit-text' }, `${a > 0 ? '…' : ''}${plain.slice(a, first)}`,
        h('mark', null, plain.slice(first, first + q.length)), `${plain.slice(first + q.length, first + q.length + 60)}…`))));
    }
    const total = this.hits.reduce((n, x) => n + x.count, 0);
    this.searchInfo.textContent = total
      ? t('tb.viewer.search_found', { n: total, pages: this.hits.length })
      : t('tb.viewer.search_none', { q: raw.trim() });
    if (this.hits.length && !this.hits.some((x) => x.page === this.page)) await this.goTo(this.hits[0].page, { user: true });
    else await this.render();
  }

  async drawHighlights(page, viewport, seq) {
    clear(this.hl);
    if (!this.query || !this.entry) return;
    const { items, parts, starts, folded } = await this.pageText(this.entry, page.pageNumber);
    if (seq !== this.renderSeq) return;
    const lib = this.entry.lib;
    const q = this.query;
    for (const at of DocViewer.matches(folded, q)) {
      const end = at + q.length;
      items.forEach((it, i) => {
        const len = parts[i].length;
        const from = Math.max(at, starts[i]) - starts[i];
        const to = Math.min(end, starts[i] + len) - starts[i];
        if (to <= from || !len) return;
        const tx = lib.Util.transform(viewport.transform, it.transform);
        const fontH = Math.hypot(tx[2], tx[3]);
        const w = it.width * viewport.scale;
        this.hl.append(h('span', {
          class: 'hl',
          style: { left: `${tx[4] + (w * from) / len}px`, top: `${tx[5] - fontH}px`, width: `${Math.max((w * (to - from)) / len, 3)}px`, height: `${fontH * 1.25}px` },
        }));
      });
    }
  }
}
