// Private notes, one per document page: a side panel next to the document
// with a text box saved as you type (debounced note.save), the list of pages
// that have a note, and the export of all one's notes as a Markdown file.
//
// A note that cannot be saved (no connection) is kept on the tablet
// (localStorage) and saved when the connection is back, also after a reload.

import { h, clear, button, icon, showError, toast } from '../common/ui.js';
import { t, formatTime } from '../common/i18n.js';
import { fetchBlob, saveBlob } from '../common/api.js';

const SAVE_DELAY_MS = 800;

export class NotesPanel {
  constructor(host, { ws, me, onGoToPage, onNotesChanged }) {
    this.ws = ws;
    this.me = me;
    this.onGoToPage = onGoToPage;
    this.onNotesChanged = onNotesChanged || (() => {});
    this.docId = null;
    this.page = 1;
    this.notes = new Map();       // page -> {text, updated_at}  (of this.docId)
    this.loadedDoc = null;
    this.timer = null;
    this.pendingKey = `roomctl.notes.pending.${me.id}`;
    this.state = 'idle';          // idle | dirty | saving | saved | unsent
    this.build(host);
  }

  build(host) {
    this.heading = h('h3', { class: 'notes-heading', id: 'notes-heading' });
    this.text = h('textarea', {
      class: 'notes-text', 'aria-labelledby': 'notes-heading', maxlength: 10000, rows: 8,
      placeholder: t('tb.notes.placeholder'), dataset: { testid: 'note-text' },
      oninput: () => this.onInput(), onblur: () => this.flush(),
    });
    this.status = h('div', { class: 'notes-status', role: 'status', dataset: { testid: 'note-status' } });
    this.list = h('ul', { class: 'notes-list' });
    this.exportBtn = button(t('tb.notes.export'), { ic: 'download', kind: 'secondary', onClick: () => this.export() });
    this.el = h('aside', { class: 'notes', hidden: true, 'aria-label': t('tb.notes.title') },
      h('div', { class: 'notes-head' },
        h('span', { class: 'notes-title' }, icon('note'), t('tb.notes.title')),
        h('span', { class: 'notes-private' }, t('tb.notes.private'))),
      this.heading, this.text, this.status,
      h('h4', { class: 'notes-list-title' }, t('tb.notes.pages_with_notes')),
      this.list,
      h('div', { class: 'notes-foot' }, this.exportBtn));
    host.append(this.el);
    this.render();
  }

  get visible() { return !this.el.hidden; }
  set visible(v) { this.el.hidden = !v; }

  // ---------- pending notes kept on the tablet ----------

  readPending() {
    try { return JSON.parse(localStorage.getItem(this.pendingKey) || '{}') || {}; } catch { return {}; }
  }

  writePending(p) {
    try {
      if (Object.keys(p).length) localStorage.setItem(this.pendingKey, JSON.stringify(p));
      else localStorage.removeItem(this.pendingKey);
    } catch { /* storage full or disabled */ }
  }

  keepPending(docId, page, text) {
    const p = this.readPending();
    p[`${docId}:${page}`] = { document_id: docId, page, text };
    this.writePending(p);
  }

  dropPending(docId, page, text) {
    const p = this.readPending();
    const k = `${docId}:${page}`;
    if (p[k] && p[k].text === text) { delete p[k]; this.writePending(p); }
  }

  /** Saves every note kept while offline (called when the connection is back). */
  async resendPending() {
    const p = this.readPending();
    for (const n of Object.values(p)) {
      try {
        await this.save(n.document_id, n.page, n.text);
      } catch { return; }   // still offline: try at the next reconnect
    }
  }

  // ---------- document and page ----------

  async setDocument(docId, page) {
    if (docId !== this.docId) {
      this.flush();
      this.docId = docId;
      this.page = page || 1;
      this.notes = new Map();
      this.loadedDoc = null;
      this.showPage();
      if (docId != null) await this.load(docId);
    } else {
      this.setPage(page);
    }
  }

  setPage(page) {
    if (page === this.page) return;
    this.flush();
    this.page = page;
    this.showPage();
  }

  async load(docId) {
    try {
      const res = await this.ws.request('notes.list', { document_id: docId });
      if (docId !== this.docId) return;
      this.notes = new Map((res.notes || []).map((n) => [n.page, { text: n.text, updated_at: n.updated_at }]));
      // Notes typed offline win over the server's older copy.
      for (const n of Object.values(this.readPending())) {
        if (n.document_id === docId) this.notes.set(n.page, { text: n.text, updated_at: null, pending: true });
      }
      this.loadedDoc = docId;
      if (this.state !== 'dirty') this.showPage();
      else this.renderList();
    } catch (err) {
      if (docId === this.docId) this.setStatus('unsent', t('tb.notes.load_failed'));
    }
  }

  showPage() {
    const n = this.notes.get(this.page);
    this.text.value = n ? n.text : '';
    this.text.disabled = this.docId == null;
    this.state = n && n.pending ? 'unsent' : 'idle';
    this.render();
  }

  render() {
    this.heading.textContent = this.docId == null ? t('tb.notes.no_doc') : t('tb.notes.for_page', { page: this.page });
    const n = this.notes.get(this.page);
    if (this.state === 'idle') {
      this.setStatus('idle', n && n.updated_at ? t('tb.notes.saved_at', { time: formatTime(n.updated_at) }) : t('tb.notes.hint'));
    } else if (this.state === 'unsent') {
      this.setStatus('unsent', t('tb.notes.unsent'));
    }
    this.renderList();
  }

  renderList() {
    clear(this.list);
    const pages = [...this.notes.entries()].filter(([, n]) => n.text).sort((a, b) => a[0] - b[0]);
    if (!pages.length) this.list.append(h('li', { class: 'muted notes-none' }, t('tb.notes.none')));
    for (const [p, n] of pages) {
      this.list.append(h('li', null, h('button', {
        type: 'button', class: `notes-link${p === this.page ? ' current' : ''}`, onclick: () => this.onGoToPage(p),
      }, h('span', { class: 'notes-link-page' }, t('tb.viewer.page_n', { page: p })),
      h('span', { class: 'notes-link-text' }, n.text.split('\n')[0].slice(0, 80)))));
    }
    this.onNotesChanged(new Set(pages.map(([p]) => p)));
  }

  setStatus(state, text) {
    this.status.dataset.state = state;
    this.status.textContent = text;
  }

  // ---------- saving ----------

  onInput() {
    if (this.docId == null) return;
    this.state = 'dirty';
    this.setStatus('dirty', t('tb.notes.typing'));
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.flush(), SAVE_DELAY_MS);
  }

  /** Saves the text box now if it changed. */
  flush() {
    clearTimeout(this.timer);
    this.timer = null;
    if (this.state !== 'dirty' || this.docId == null) return;
    const docId = this.docId;
    const page = this.page;
    const text = this.text.value;
    this.notes.set(page, { text, updated_at: null, pending: true });
    this.keepPending(docId, page, text);
    this.state = 'saving';
    this.setStatus('saving', t('tb.notes.saving'));
    this.save(docId, page, text).catch(() => {
      if (docId === this.docId && page === this.page && this.state === 'saving') {
        this.state = 'unsent';
        this.setStatus('unsent', t('tb.notes.unsent'));
      }
    });
  }

  async save(docId, page, text) {
    const ack = await this.ws.request('note.save', { document_id: docId, page, text }, { queue: false });
    this.dropPending(docId, page, text);
    if (docId === this.docId) {
      const cur = this.notes.get(page);
      if (!cur || cur.text === text) {
        if (text) this.notes.set(page, { text, updated_at: new Date().toISOString() });
        else this.notes.delete(page);
      }
      if (page === this.page && (this.state === 'saving' || this.state === 'unsent') && this.text.value === text) {
        this.state = 'saved';
        this.setStatus('saved', t('tb.notes.saved_now'));
      }
      this.renderList();
    }
    return ack;
  }

  async export() {
    this.flush();
    this.exportBtn.disabled = true;
    try {
      const { blob, filename } = await fetchBlob('/api/v1/notes/export');
      saveBlob(blob, filename || 'ghi-chu.md');
      toast(t('tb.notes.exported'), { kind: 'success' });
    } catch (err) {
      showError(err, t('tb.notes.export_failed'));
    } finally {
      this.exportBtn.disabled = false;
    }
  }
}
