// Delegates tab: editors get a searchable checklist of every active user with
// role delegate or chair (~90) and save the selection with one PUT; other
// roles see the assigned delegates read-only. The selection being edited is
// kept here across re-renders (language switch, server events) until saved
// or reverted.

import { t } from '../common/i18n.js';
import { api } from '../common/api.js';
import { h, fill, button, toast, showError, fold, roleLabel, compareNames } from '../common/ui.js';

export class DelegatesTab {
  constructor(page) {
    this.page = page;
    this.users = null;      // candidate users (delegate/chair), loaded once
    this.selected = null;   // Set of user ids being edited, null = follow the server
    this.query = '';
    this.show = 'all';      // all | selected | unselected
    this.container = null;
    this.saving = false;
  }

  get active() { return this.page.tab === 'delegates'; }
  get editable() { return this.page.canEdit && this.page.ctx.canListUsers; }
  get assigned() { return this.page.meeting.delegateList(); }
  get dirty() {
    if (!this.selected) return false;
    const a = new Set(this.assigned.map((u) => u.id));
    return a.size !== this.selected.size || [...a].some((id) => !this.selected.has(id));
  }

  onData() {
    // Someone else saved: follow the server unless the user has unsaved edits.
    if (!this.dirty) this.selected = null;
    if (this.active && this.container) this.render(this.container);
  }

  render(container) {
    this.container = container;
    if (!this.editable) { this.renderReadOnly(container); return; }
    if (!this.users) {
      fill(container, h('div', { class: 'card' }, h('div', { class: 'loading' }, h('span', { class: 'spinner' }), ' ', t('app.loading'))));
      this.loadUsers();
      return;
    }
    if (!this.selected) this.selected = new Set(this.assigned.map((u) => u.id));

    const search = h('input', {
      type: 'search', class: 'search-input', value: this.query, placeholder: t('delegates.search'), 'aria-label': t('delegates.search'),
      oninput: () => { this.query = search.value; this.applyFilter(); },
    });
    const seg = h('div', { class: 'seg', role: 'group', 'aria-label': t('delegates.show') },
      ['all', 'selected', 'unselected'].map((k) => h('button', {
        type: 'button', 'aria-pressed': String(this.show === k), dataset: { show: k },
        onclick: () => { this.show = k; for (const b of seg.children) b.setAttribute('aria-pressed', String(b.dataset.show === k)); this.applyFilter(); },
      }, t(`delegates.show.${k}`))));
    this.tbody = h('tbody');
    for (const u of this.candidates()) this.tbody.append(this.userRow(u));
    this.counter = h('span', { class: 'counter', role: 'status' });
    this.dirtyNote = h('span', { class: 'dirty-note' }, t('common.unsaved'));
    this.saveBtn = button(t('delegates.save'), { kind: 'primary', ic: 'check', onClick: () => this.save() });
    this.revertBtn = button(t('common.revert'), { onClick: () => { this.selected = null; this.render(container); } });
    this.selAll = h('input', { type: 'checkbox', 'aria-label': t('delegates.select_shown'), onchange: () => this.toggleShown(this.selAll.checked) });

    fill(container, h('div', { class: 'card card-checklist' },
      h('div', { class: 'card-header' },
        h('h2', null, t('delegates.title')),
        this.counter,
        h('span', { class: 'spacer' }),
        button(t('delegates.select_shown'), { size: 'sm', onClick: () => this.toggleShown(true) }),
        button(t('delegates.clear_shown'), { size: 'sm', onClick: () => this.toggleShown(false) })),
      h('div', { class: 'card-body toolbar' }, search, seg),
      h('div', { class: 'table-wrap checklist-wrap' },
        h('table', { class: 'table checklist', 'aria-label': t('delegates.title') },
          h('thead', null, h('tr', null,
            h('th', { scope: 'col', class: 'col-check' }, this.selAll),
            h('th', { scope: 'col' }, t('people.name')),
            h('th', { scope: 'col' }, t('people.title')),
            h('th', { scope: 'col' }, t('people.unit')),
            h('th', { scope: 'col' }, t('people.role')))),
          this.tbody),
        this.emptyRow = h('div', { class: 'empty', hidden: true }, h('strong', null, t('delegates.none_match')))),
      h('div', { class: 'card-footer sticky-footer' }, this.dirtyNote, h('span', { class: 'spacer' }), this.revertBtn, this.saveBtn)));
    this.applyFilter();
  }

  candidates() {
    const byId = new Map();
    for (const u of this.users) if ((u.role === 'delegate' || u.role === 'chair') && u.active !== false) byId.set(u.id, u);
    for (const u of this.assigned) if (!byId.has(u.id)) byId.set(u.id, u);   // keep assigned even if changed since
    return [...byId.values()].sort((a, b) =>
      (a.role === 'chair' ? 0 : 1) - (b.role === 'chair' ? 0 : 1) ||
      compareNames(a, b));
  }

  userRow(u) {
    const id = `dlg-user-${u.id}`;
    const cb = h('input', {
      type: 'checkbox', id, checked: this.selected.has(u.id), dataset: { userId: u.id },
      onchange: () => { if (cb.checked) this.selected.add(u.id); else this.selected.delete(u.id); this.updateState(); tr.classList.toggle('is-selected', cb.checked); },
    });
    const tr = h('tr', { dataset: { userId: u.id, search: fold(`${u.full_name} ${u.username} ${u.title} ${u.unit}`) }, class: this.selected.has(u.id) ? 'is-selected' : '' },
      h('td', { class: 'col-check' }, cb),
      h('td', null, h('label', { for: id, class: 'cell-title' }, u.full_name || u.username), h('div', { class: 'cell-sub' }, u.username)),
      h('td', null, u.title || ''),
      h('td', null, u.unit || ''),
      h('td', null, u.role === 'chair' ? h('span', { class: 'badge badge-role' }, roleLabel(u.role)) : h('span', { class: 'muted' }, roleLabel(u.role))));
    return tr;
  }

  applyFilter() {
    const q = fold(this.query.trim());
    let shown = 0;
    for (const tr of this.tbody.rows) {
      const id = Number(tr.dataset.userId);
      const sel = this.selected.has(id);
      const ok = (!q || tr.dataset.search.includes(q)) &&
        (this.show === 'all' || (this.show === 'selected' ? sel : !sel));
      tr.hidden = !ok;
      if (ok) shown += 1;
    }
    this.emptyRow.hidden = shown > 0;
    this.updateState();
  }

  shownRows() { return [...this.tbody.rows].filter((tr) => !tr.hidden); }

  toggleShown(on) {
    for (const tr of this.shownRows()) {
      const id = Number(tr.dataset.userId);
      if (on) this.selected.add(id); else this.selected.delete(id);
      tr.querySelector('input[type=checkbox]').checked = on;
      tr.classList.toggle('is-selected', on);
    }
    this.updateState();
  }

  updateState() {
    const total = this.tbody.rows.length;
    this.counter.textContent = t('delegates.counter', { n: this.selected.size, total });
    const shown = this.shownRows();
    const nSel = shown.filter((tr) => this.selected.has(Number(tr.dataset.userId))).length;
    this.selAll.checked = shown.length > 0 && nSel === shown.length;
    this.selAll.indeterminate = nSel > 0 && nSel < shown.length;
    const dirty = this.dirty;
    this.dirtyNote.hidden = !dirty;
    this.saveBtn.disabled = !dirty || this.saving;
    this.revertBtn.disabled = !dirty || this.saving;
  }

  async loadUsers() {
    try {
      const res = await api.get('/api/v1/users');
      this.users = res.users || [];
    } catch (err) {
      showError(err, t('delegates.load_failed'));
      this.users = [];
    }
    if (this.active && this.container) this.render(this.container);
  }

  async save() {
    this.saving = true;
    this.updateState();
    try {
      const ids = [...this.selected].sort((a, b) => a - b);
      const res = await api.put(`/api/v1/sessions/${this.page.id}/delegates`, { user_ids: ids });
      this.selected = null;
      toast(t('delegates.saved', { n: (res.delegates || []).length }), { kind: 'success' });
      this.saving = false;
      this.page.apply('delegates.updated', { delegates: res.delegates || [] });
    } catch (err) {
      this.saving = false;
      this.updateState();
      showError(err, t('delegates.save_failed'));
    }
  }

  renderReadOnly(container) {
    const list = this.assigned.slice().sort(compareNames);
    fill(container, h('div', { class: 'card card-flush' },
      h('div', { class: 'card-header' }, h('h2', null, t('delegates.assigned')), h('span', { class: 'muted' }, t('delegates.count', { n: list.length }))),
      list.length ? h('div', { class: 'table-wrap' }, h('table', { class: 'table' },
        h('thead', null, h('tr', null,
          h('th', { scope: 'col' }, '#'), h('th', { scope: 'col' }, t('people.name')), h('th', { scope: 'col' }, t('people.title')),
          h('th', { scope: 'col' }, t('people.unit')), h('th', { scope: 'col' }, t('people.role')))),
        h('tbody', null, list.map((u, i) => h('tr', null,
          h('td', { class: 'num muted' }, String(i + 1)), h('td', { class: 'cell-title' }, u.full_name || u.username),
          h('td', null, u.title || ''), h('td', null, u.unit || ''), h('td', null, roleLabel(u.role)))))))
        : h('div', { class: 'empty' }, h('strong', null, t('delegates.none')))));
  }
}
