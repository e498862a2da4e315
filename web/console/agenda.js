// Agenda tab: the agenda tree (numbered 1, 1.1, 2 …) with its documents.
// Editors can add items and sub-items, edit, delete, reorder and nest them
// (buttons up/down/indent/outdent — keyboard friendly — or drag and drop),
// upload PDFs with a progress bar, open and delete documents.

import { t, formatBytes, formatDateTime } from '../common/i18n.js';
import { api, upload, fetchBlob, saveBlob } from '../common/api.js';
import { h, fill, button, icon, toast, showError, openModal, confirmDialog, field } from '../common/ui.js';
import { documentBadges } from '../common/doc-badges.js';

export function countAgenda(tree) {
  let items = 0;
  let documents = 0;
  let minutes = 0;
  const walk = (list) => {
    for (const it of list) {
      items += 1;
      documents += (it.documents || []).length;
      minutes += it.planned_minutes || 0;
      walk(it.children || []);
    }
  };
  walk(tree);
  return { items, documents, minutes };
}

function sortedKids(list) {
  return (list || []).slice().sort((a, b) => (a.position ?? 0) - (b.position ?? 0));
}

/** Index of the tree: id -> {item, parent (item|null), siblings, index, number}. */
function indexTree(tree) {
  const map = new Map();
  const walk = (list, parent, prefix) => {
    const kids = sortedKids(list);
    kids.forEach((item, i) => {
      const number = prefix ? `${prefix}.${i + 1}` : String(i + 1);
      map.set(item.id, { item, parent, siblings: kids, index: i, number });
      walk(item.children, item, number);
    });
  };
  walk(tree, null, '');
  return map;
}

function isDescendant(idx, id, ofId) {
  for (let cur = idx.get(id); cur; cur = cur.parent ? idx.get(cur.parent.id) : null) {
    if (cur.parent && cur.parent.id === ofId) return true;
  }
  return false;
}

function minutesText(m) {
  if (!m) return '';
  const hrs = Math.floor(m / 60);
  const min = m % 60;
  if (!hrs) return t('agenda.minutes', { n: min });
  return min ? t('agenda.hours_minutes', { h: hrs, m: min }) : t('agenda.hours', { h: hrs });
}

export class AgendaTab {
  constructor(page) {
    this.page = page;
    this.container = null;
    this.focusAfter = null;   // {id, action} to refocus after a re-render
    this.drag = null;
  }

  get active() { return this.page.tab === 'agenda'; }
  get editable() { return this.page.canEdit; }
  get tree() { return this.page.meeting.agenda; }

  onData() { if (this.active && this.container) this.render(this.container); }

  render(container) {
    this.container = container;
    const tree = this.tree;
    this.idx = indexTree(tree);
    const totals = countAgenda(tree);
    const list = h('ol', { class: 'tree agenda-tree', 'aria-label': t('tab.agenda') });
    for (const item of sortedKids(tree)) list.append(this.itemNode(item));
    fill(container, h('div', { class: 'card' },
      h('div', { class: 'card-header' },
        h('h2', null, t('agenda.title')),
        totals.items ? h('span', { class: 'muted small' }, t('agenda.totals', { items: totals.items, docs: totals.documents }),
          totals.minutes ? ` · ${t('agenda.planned_total', { time: minutesText(totals.minutes) })}` : '') : null,
        h('span', { class: 'spacer' }),
        this.editable ? button(t('agenda.add'), { kind: 'primary', ic: 'plus', onClick: () => this.openItemForm(null, null) }) : null),
      h('div', { class: 'card-body' },
        tree.length ? list : h('div', { class: 'empty' },
          h('strong', null, t('agenda.empty')),
          this.editable ? t('agenda.empty_hint') : null),
        this.editable && tree.length ? h('p', { class: 'muted small agenda-help' }, t('agenda.help')) : null)));
    this.restoreFocus();
  }

  itemNode(item) {
    const info = this.idx.get(item.id);
    const docs = item.documents || [];
    const kids = sortedKids(item.children);
    const row = h('div', {
      class: 'agenda-row', dataset: { itemId: item.id }, draggable: this.editable ? 'true' : null,
    },
      this.editable ? h('span', { class: 'drag-handle', 'aria-hidden': 'true', title: t('agenda.drag') }, '⋮⋮') : null,
      h('span', { class: 'agenda-num num' }, `${info.number}.`),
      h('div', { class: 'agenda-main' },
        h('div', { class: 'agenda-title', id: `agenda-title-${item.id}` }, item.title),
        h('div', { class: 'agenda-sub' },
          item.presenter ? h('span', null, t('agenda.presenter_label'), ': ', h('strong', null, item.presenter)) : null,
          item.planned_minutes ? h('span', null, icon('clock'), minutesText(item.planned_minutes)) : null,
          docs.length ? h('span', null, icon('file'), t('agenda.doc_count', { n: docs.length })) : null)),
      this.editable ? this.itemTools(item, info) : null);
    if (this.editable) this.wireDrag(row, item);
    return h('li', { class: 'agenda-item', dataset: { itemId: item.id, number: info.number }, 'aria-labelledby': `agenda-title-${item.id}` },
      row,
      docs.length ? h('ul', { class: 'doc-list', 'aria-label': t('agenda.documents_of', { title: item.title }) }, docs.map((d) => this.docNode(d))) : null,
      kids.length ? h('ol', { class: 'tree' }, kids.map((k) => this.itemNode(k))) : null);
  }

  itemTools(item, info) {
    const first = info.index === 0;
    const last = info.index === info.siblings.length - 1;
    const mk = (action, label, ic, disabled, fn) => {
      const b = button(label, { size: 'sm', kind: 'ghost', ic, iconOnly: true, disabled, onClick: fn });
      b.dataset.action = action;
      return b;
    };
    return h('div', { class: 'agenda-tools' },
      h('div', { class: 'btn-group move-group', role: 'group', 'aria-label': t('agenda.move_group') },
        mk('up', t('agenda.move_up'), 'up', first, () => this.moveStep(item, 'up')),
        mk('down', t('agenda.move_down'), 'down', last, () => this.moveStep(item, 'down')),
        mk('outdent', t('agenda.outdent'), 'outdent', !info.parent, () => this.moveStep(item, 'outdent')),
        mk('indent', t('agenda.indent'), 'indent', first, () => this.moveStep(item, 'indent'))),
      h('div', { class: 'btn-group' },
        button(t('agenda.upload'), { size: 'sm', ic: 'upload', onClick: () => this.openUpload(item), attrs: { 'data-action': 'upload' } }),
        button(t('agenda.add_child'), { size: 'sm', kind: 'ghost', ic: 'plus', onClick: () => this.openItemForm(null, item), attrs: { 'data-action': 'add-child' } }),
        mk('edit', t('app.edit'), 'edit', false, () => this.openItemForm(item, null)),
        mk('delete', t('app.delete'), 'trash', false, () => this.deleteItem(item, info))));
  }

  docNode(d) {
    const pages = d.pages != null ? t('agenda.pages', { n: d.pages }) : '';
    return h('li', { class: 'doc', dataset: { documentId: d.id } },
      h('span', { class: 'doc-icon', 'aria-hidden': 'true' }, 'PDF'),
      h('div', { class: 'doc-main' },
        h('a', { href: d.url, class: 'doc-title', onclick: (e) => { e.preventDefault(); openDocument(d); } }, d.title || d.filename),
        h('div', { class: 'doc-meta' },
          h('span', null, d.filename),
          pages ? h('span', { class: 'doc-pages' }, pages) : null,
          h('span', { class: 'doc-size' }, formatBytes(d.size)),
          d.uploaded_at ? h('span', null, t('agenda.uploaded_at', { time: formatDateTime(d.uploaded_at) })) : null,
          ...documentBadges(d))),
      h('div', { class: 'btn-group' },
        button(t('agenda.open_doc'), { size: 'sm', ic: 'open', onClick: () => openDocument(d), attrs: { 'data-action': 'open-doc' } }),
        this.editable ? button(t('agenda.readers'), { size: 'sm', kind: 'ghost', onClick: () => this.openReaders(d), attrs: { 'data-action': 'readers' } }) : null,
        this.editable ? button(t('agenda.delete_doc'), { size: 'sm', kind: 'ghost', ic: 'trash', iconOnly: true, onClick: () => this.deleteDocument(d) }) : null));
  }

  // Confidential or not, and which of the session's delegates may read it.
  async openReaders(d) {
    let doc;
    try {
      doc = await api.get(`/api/v1/documents/${d.id}`);
    } catch (err) {
      showError(err, t('agenda.readers.failed'));
      return;
    }
    const readers = new Set(doc.readers || []);
    const conf = h('input', { type: 'checkbox', name: 'confidential', checked: !!doc.confidential });
    const boxes = this.page.meeting.delegateList().map((u) => {
      const box = h('input', { type: 'checkbox', name: 'reader', value: String(u.id), checked: readers.has(u.id) });
      return h('label', { class: 'check-line' }, box, ` ${u.full_name} (${u.username})`);
    });
    openModal({
      title: t('agenda.readers.title', { title: d.title || d.filename }),
      body: h('div', null,
        h('label', { class: 'check-line' }, conf, ` ${t('agenda.readers.confidential')}`),
        h('p', { class: 'muted small' }, t('agenda.readers.hint')),
        boxes.length ? h('div', { class: 'reader-list' }, boxes) : h('p', { class: 'muted' }, t('agenda.readers.none'))),
      onSubmit: async (form) => {
        const ids = [...form.querySelectorAll('input[name=reader]:checked')].map((b) => Number(b.value));
        try {
          await api.patch(`/api/v1/documents/${d.id}`, { confidential: conf.checked, readers: ids });
          toast(t('agenda.readers.saved'));
        } catch (err) {
          showError(err, t('agenda.readers.failed'));
          return false;
        }
        return true;
      },
    });
  }

  // ---------- edits ----------

  setAgenda(agenda) {
    this.page.apply('agenda.updated', { agenda });   // re-renders this tab when active, updates counts
  }

  async reload() {
    try {
      const res = await api.get(`/api/v1/sessions/${this.page.id}/agenda`);
      if (this.page.alive) this.setAgenda(res.agenda || []);
    } catch (err) {
      showError(err, t('agenda.load_failed'));
    }
  }

  openItemForm(item, parent) {
    const editing = !!item;
    const title = h('input', { type: 'text', name: 'title', maxlength: 200, value: item ? item.title : '' });
    const presenter = h('input', { type: 'text', name: 'presenter', maxlength: 100, value: item ? item.presenter || '' : '' });
    const minutes = h('input', { type: 'number', name: 'planned_minutes', min: 0, max: 600, step: 1, value: item ? String(item.planned_minutes ?? '') : '', inputmode: 'numeric' });
    const parentInfo = parent ? this.idx.get(parent.id) : null;
    openModal({
      title: editing ? t('agenda.form.edit_title') : (parent ? t('agenda.form.new_child_title') : t('agenda.form.new_title')),
      submitLabel: editing ? t('app.save') : t('agenda.form.add'),
      body: h('div', null,
        parent ? h('div', { class: 'callout', style: { marginBottom: '1rem' } }, t('agenda.form.under', { number: parentInfo.number, title: parent.title })) : null,
        field(t('agenda.field.title'), title, { required: true }),
        h('div', { class: 'grid-2' },
          field(t('agenda.field.presenter'), presenter),
          field(t('agenda.field.minutes'), minutes, { hint: t('agenda.field.minutes_hint') }))),
      onSubmit: async () => {
        const body = { title: title.value.trim(), presenter: presenter.value.trim() };
        if (minutes.value !== '') body.planned_minutes = Number(minutes.value);
        if (editing) {
          await api.patch(`/api/v1/agenda/${item.id}`, body);
          toast(t('agenda.saved'), { kind: 'success' });
        } else {
          if (parent) body.parent_id = parent.id;
          const created = await api.post(`/api/v1/sessions/${this.page.id}/agenda`, body);
          toast(t('agenda.added', { title: created.title }), { kind: 'success' });
        }
        await this.reload();
      },
    });
  }

  async deleteItem(item, info) {
    const n = countAgenda(item.children || []);
    const docs = (item.documents || []).length + n.documents;
    const ok = await confirmDialog({
      title: t('agenda.delete.title'),
      message: t('agenda.delete.message', { number: info.number, title: item.title }),
      detail: n.items || docs ? t('agenda.delete.detail', { items: n.items, docs }) : null,
      confirmLabel: t('app.delete'),
      danger: true,
    });
    if (!ok) return;
    try {
      await api.del(`/api/v1/agenda/${item.id}`);
      toast(t('agenda.deleted'), { kind: 'success' });
      await this.reload();
    } catch (err) {
      showError(err, t('agenda.delete.failed'));
    }
  }

  /** Keyboard-friendly moves: up, down, indent (under the previous sibling), outdent. */
  moveStep(item, action) {
    const info = this.idx.get(item.id);
    const parentId = info.parent ? info.parent.id : null;
    let target;
    if (action === 'up' && info.index > 0) target = { parent_id: parentId, position: info.index - 1 };
    else if (action === 'down' && info.index < info.siblings.length - 1) target = { parent_id: parentId, position: info.index + 1 };
    else if (action === 'indent' && info.index > 0) {
      const prev = info.siblings[info.index - 1];
      target = { parent_id: prev.id, position: (prev.children || []).length };
    } else if (action === 'outdent' && info.parent) {
      const pInfo = this.idx.get(info.parent.id);
      target = { parent_id: pInfo.parent ? pInfo.parent.id : null, position: pInfo.index + 1 };
    }
    if (!target) return;
    this.focusAfter = { id: item.id, action };
    this.move(item, target);
  }

  async move(item, target) {
    try {
      const res = await api.post(`/api/v1/agenda/${item.id}/move`, target);
      if (res && res.agenda) this.setAgenda(res.agenda);
      else await this.reload();
    } catch (err) {
      this.focusAfter = null;
      showError(err, t('agenda.move_failed'));
    }
  }

  restoreFocus() {
    const f = this.focusAfter;
    this.focusAfter = null;
    if (!f || !this.container) return;
    const row = this.container.querySelector(`.agenda-row[data-item-id="${f.id}"]`);
    if (!row) return;
    const btn = row.querySelector(`[data-action="${f.action}"]:not(:disabled)`) || row.querySelector('button:not(:disabled)');
    if (btn) btn.focus();
    row.classList.add('moved');
    setTimeout(() => row.classList.remove('moved'), 1200);
  }

  // ---------- drag and drop ----------

  wireDrag(row, item) {
    row.addEventListener('dragstart', (e) => {
      this.drag = item.id;
      e.dataTransfer.effectAllowed = 'move';
      e.dataTransfer.setData('text/plain', String(item.id));
      row.classList.add('dragging');
    });
    row.addEventListener('dragend', () => {
      this.drag = null;
      row.classList.remove('dragging');
      for (const el of this.container.querySelectorAll('.drop-before, .drop-after, .drop-inside')) {
        el.classList.remove('drop-before', 'drop-after', 'drop-inside');
      }
    });
    row.addEventListener('dragover', (e) => {
      const zone = this.dropZone(e, row, item);
      if (!zone) return;
      e.preventDefault();
      e.dataTransfer.dropEffect = 'move';
      row.classList.toggle('drop-before', zone === 'before');
      row.classList.toggle('drop-after', zone === 'after');
      row.classList.toggle('drop-inside', zone === 'inside');
    });
    row.addEventListener('dragleave', () => row.classList.remove('drop-before', 'drop-after', 'drop-inside'));
    row.addEventListener('drop', (e) => {
      const zone = this.dropZone(e, row, item);
      row.classList.remove('drop-before', 'drop-after', 'drop-inside');
      if (!zone) return;
      e.preventDefault();
      const srcId = this.drag;
      this.drag = null;
      const src = this.idx.get(srcId);
      const dst = this.idx.get(item.id);
      let target;
      if (zone === 'inside') {
        target = { parent_id: item.id, position: (item.children || []).length };
      } else {
        const parentId = dst.parent ? dst.parent.id : null;
        const sameParent = (src.parent ? src.parent.id : null) === parentId;
        let pos = dst.index + (zone === 'after' ? 1 : 0);
        if (sameParent && src.index < dst.index) pos -= 1;   // the list shrinks once src leaves it
        target = { parent_id: parentId, position: pos };
      }
      this.focusAfter = { id: srcId, action: 'up' };
      this.move(src.item, target);
    });
  }

  dropZone(e, row, item) {
    const srcId = this.drag;
    if (srcId == null || srcId === item.id || isDescendant(this.idx, item.id, srcId)) return null;
    const r = row.getBoundingClientRect();
    const y = (e.clientY - r.top) / r.height;
    if (y < 0.3) return 'before';
    if (y > 0.7) return 'after';
    return 'inside';
  }

  // ---------- documents ----------

  async deleteDocument(d) {
    const ok = await confirmDialog({
      title: t('agenda.delete_doc.title'),
      message: t('agenda.delete_doc.message', { title: d.title || d.filename }),
      confirmLabel: t('app.delete'),
      danger: true,
    });
    if (!ok) return;
    try {
      await api.del(`/api/v1/documents/${d.id}`);
      toast(t('agenda.doc_deleted'), { kind: 'success' });
      await this.reload();
    } catch (err) {
      showError(err, t('agenda.delete_doc.failed'));
    }
  }

  openUpload(item) {
    const info = this.idx.get(item.id);
    const queue = [];   // {file, titleInput, bar, label, row, done}
    let current = null;
    const list = h('ul', { class: 'upload-list' });
    const fileInput = h('input', { type: 'file', name: 'file', class: 'dropzone-input', accept: '.pdf,application/pdf', multiple: true, dataset: { testid: 'upload-file' } });
    const addFiles = (files) => {
      for (const file of files) queue.push(makeRow(file));
      paintList();
    };
    fileInput.addEventListener('change', () => {
      addFiles(fileInput.files);
      fileInput.value = '';
    });
    const dropzone = h('div', { class: 'dropzone' },
      fileInput,
      h('label', { for: fileInput.id = `up-file-${item.id}`, class: 'dropzone-label' },
        icon('upload', 'dropzone-icon'),
        h('span', { class: 'dropzone-text' }, h('strong', null, t('agenda.upload.choose')), ' ', t('agenda.upload.or_drop')),
        h('span', { class: 'muted small' }, t('agenda.upload.hint'))));
    dropzone.addEventListener('dragover', (e) => { e.preventDefault(); dropzone.classList.add('over'); });
    dropzone.addEventListener('dragleave', () => dropzone.classList.remove('over'));
    dropzone.addEventListener('drop', (e) => {
      e.preventDefault();
      dropzone.classList.remove('over');
      addFiles([...e.dataTransfer.files].filter((f) => /\.pdf$/i.test(f.name) || f.type === 'application/pdf'));
    });
    const paintList = () => {
      fill(list, ...queue.map((q) => q.row));
      dlg.submitBtn.disabled = !queue.some((q) => !q.done);
    };
    const makeRow = (file) => {
      const titleInput = h('input', { type: 'text', maxlength: 200, value: file.name.replace(/\.pdf$/i, ''), 'aria-label': t('agenda.upload.doc_title_for', { name: file.name }) });
      const bar = h('div', { class: 'progress-bar' });
      const prog = h('div', { class: 'progress', role: 'progressbar', 'aria-valuemin': 0, 'aria-valuemax': 100, 'aria-valuenow': 0, 'aria-label': t('agenda.upload.progress_for', { name: file.name }) }, bar);
      const label = h('div', { class: 'progress-label' }, h('span', { class: 'up-status' }, t('agenda.upload.waiting')), h('span', { class: 'up-bytes' }, formatBytes(file.size)));
      const q = { file, titleInput, bar, prog, label, done: false };
      q.row = h('li', { class: 'upload-row' },
        h('div', { class: 'upload-head' },
          h('span', { class: 'doc-icon', 'aria-hidden': 'true' }, 'PDF'),
          h('div', { class: 'upload-name' },
            h('label', { class: 'label', for: titleInput.id = `up-${Math.random().toString(36).slice(2)}` }, t('agenda.upload.doc_title')),
            titleInput,
            h('div', { class: 'muted small' }, file.name)),
          button(t('agenda.upload.remove'), { size: 'sm', kind: 'ghost', ic: 'trash', iconOnly: true, onClick: () => {
            if (current === q) return;
            queue.splice(queue.indexOf(q), 1);
            paintList();
          } })),
        prog, label);
      return q;
    };
    const setProgress = (q, loaded, total, status) => {
      const pct = total ? Math.min(100, Math.round((loaded / total) * 100)) : 0;
      q.bar.style.width = `${pct}%`;
      q.prog.setAttribute('aria-valuenow', String(pct));
      q.label.querySelector('.up-status').textContent = status || `${pct}%`;
      q.label.querySelector('.up-bytes').textContent = `${formatBytes(loaded)} / ${formatBytes(total)}`;
    };

    const dlg = openModal({
      title: t('agenda.upload.title'),
      wide: true,
      submitLabel: t('agenda.upload.start'),
      body: h('div', null,
        h('div', { class: 'callout', style: { marginBottom: '1rem' } }, t('agenda.upload.for_item', { number: info.number, title: item.title })),
        dropzone,
        list),
      onClose: () => { if (current && current.xfer) current.xfer.abort(); },
      onSubmit: async () => {
        let okCount = 0;
        let failed = 0;
        for (const q of queue) {
          if (q.done) continue;
          current = q;
          q.prog.classList.remove('error', 'done');
          try {
            const head = await q.file.slice(0, 5).text();
            if (head !== '%PDF-') throw Object.assign(new Error(t('agenda.upload.not_pdf')), { errorName: 'unsupported_media', reason: t('agenda.upload.not_pdf') });
            setProgress(q, 0, q.file.size, t('agenda.upload.sending'));
            q.xfer = upload(`/api/v1/agenda/${item.id}/documents`, q.file, {
              query: { title: q.titleInput.value.trim() || q.file.name, filename: q.file.name },
              onProgress: ({ loaded, total }) => setProgress(q, loaded, total, loaded >= total ? t('agenda.upload.processing') : null),
            });
            const doc = await q.xfer.promise;
            q.done = true;
            okCount += 1;
            q.prog.classList.add('done');
            setProgress(q, q.file.size, q.file.size, doc && doc.pages != null ? t('agenda.upload.done_pages', { n: doc.pages }) : t('agenda.upload.done'));
          } catch (err) {
            failed += 1;
            q.prog.classList.add('error');
            q.label.querySelector('.up-status').textContent = err.reason || err.message;
            if (err.errorName === 'aborted') break;
            showError(err, t('agenda.upload.failed', { name: q.file.name }));
          } finally {
            current = null;
          }
        }
        if (okCount) {
          toast(t('agenda.upload.success', { n: okCount }), { kind: 'success' });
          await this.reload();
        }
        if (failed || !okCount) { paintList(); return false; }
        return true;
      },
    });
    dlg.submitBtn.disabled = true;
  }
}

/** Opens a PDF in a new tab. The content URL needs the bearer token, so the
 *  file is fetched here and handed to the tab as a blob URL. */
export async function openDocument(d) {
  const win = window.open('', '_blank');
  try {
    const { blob } = await fetchBlob(d.url);
    const pdf = blob.type === 'application/pdf' ? blob : new Blob([blob], { type: 'application/pdf' });
    const url = URL.createObjectURL(pdf);
    if (win && !win.closed) {
      win.location.href = url;
    } else {
      saveBlob(pdf, d.filename || `document-${d.id}.pdf`);
    }
    setTimeout(() => URL.revokeObjectURL(url), 10 * 60_000);
  } catch (err) {
    if (win && !win.closed) win.close();
    showError(err, t('agenda.open_failed'));
  }
}
