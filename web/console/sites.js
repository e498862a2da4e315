// Sites tab: choose which of the province's ~600 videoconference sites take
// part. Sites are grouped province level (the hall, departments) → district →
// its communes; each district group has a select-all checkbox (tri-state) and
// the whole list is searchable without diacritics ("tan an" finds "Tân An").
// Read-only roles see the assigned sites. A WebRTC site's row says whether
// it has an access key, and admins, secretariats and technicians make and
// revoke keys there (site-keys.js).

import { t } from '../common/i18n.js';
import { api } from '../common/api.js';
import { h, fill, button, icon, toast, showError, fold } from '../common/ui.js';
import { canManageKeys, siteKeyLine } from './site-keys.js';

const LEVEL_ORDER = { province: 0, department: 1, district: 2, commune: 3 };

/** Groups: [{key, title, head (district site|null), sites: [site…]}] */
export function groupSites(all) {
  const byId = new Map(all.map((s) => [s.id, s]));
  const districtOf = (s) => {
    const seen = new Set();
    for (let cur = s; cur && !seen.has(cur.id); cur = byId.get(cur.parent_id)) {
      seen.add(cur.id);
      if (cur.level === 'district') return cur;
    }
    return null;
  };
  const top = { key: 'top', title: null, head: null, sites: [] };
  const groups = new Map();
  for (const s of all) {
    const d = districtOf(s);
    if (!d) { top.sites.push(s); continue; }
    if (!groups.has(d.id)) groups.set(d.id, { key: `d${d.id}`, title: d.name, head: d, sites: [] });
    groups.get(d.id).sites.push(s);
  }
  const byName = (a, b) => (LEVEL_ORDER[a.level] ?? 9) - (LEVEL_ORDER[b.level] ?? 9) || a.name.localeCompare(b.name, 'vi');
  top.sites.sort(byName);
  const districts = [...groups.values()].sort((a, b) => a.title.localeCompare(b.title, 'vi'));
  for (const g of districts) g.sites.sort(byName);
  return top.sites.length ? [top, ...districts] : districts;
}

export class SitesTab {
  constructor(page) {
    this.page = page;
    this.sites = null;
    this.selected = null;
    this.query = '';
    this.open = new Set();   // keys of expanded district groups
    this.container = null;
    this.saving = false;
  }

  get active() { return this.page.tab === 'sites'; }
  get manageKeys() { return canManageKeys(this.page.ctx); }
  get editable() { return this.page.canEdit && this.page.ctx.canListSites; }
  get assigned() { return this.page.meeting.sites; }
  get dirty() {
    if (!this.selected) return false;
    const a = new Set(this.assigned.map((s) => s.id));
    return a.size !== this.selected.size || [...a].some((id) => !this.selected.has(id));
  }

  onData() {
    if (!this.dirty) this.selected = null;
    if (this.active && this.container) this.render(this.container);
  }

  render(container) {
    this.container = container;
    if (!this.editable) { this.renderReadOnly(container); return; }
    if (!this.sites) {
      fill(container, h('div', { class: 'card' }, h('div', { class: 'loading' }, h('span', { class: 'spinner' }), ' ', t('app.loading'))));
      this.loadSites();
      return;
    }
    if (!this.selected) this.selected = new Set(this.assigned.map((s) => s.id));
    this.groups = groupSites(this.sites);

    const search = h('input', {
      type: 'search', class: 'search-input', value: this.query, placeholder: t('sites.search'), 'aria-label': t('sites.search'),
      oninput: () => { this.query = search.value; this.applyFilter(); },
    });
    this.groupEls = [];
    const tree = h('div', { class: 'site-groups' });
    for (const g of this.groups) tree.append(this.groupNode(g));
    this.counter = h('span', { class: 'counter', role: 'status' });
    this.dirtyNote = h('span', { class: 'dirty-note' }, t('common.unsaved'));
    this.saveBtn = button(t('sites.save'), { kind: 'primary', ic: 'check', onClick: () => this.save() });
    this.revertBtn = button(t('common.revert'), { onClick: () => { this.selected = null; this.render(container); } });
    this.emptyEl = h('div', { class: 'empty', hidden: true }, h('strong', null, t('sites.none_match')));

    fill(container, h('div', { class: 'card card-checklist' },
      h('div', { class: 'card-header' },
        h('h2', null, t('sites.title')),
        this.counter,
        h('span', { class: 'spacer' }),
        button(t('sites.expand_all'), { size: 'sm', kind: 'ghost', onClick: () => this.expandAll(true) }),
        button(t('sites.collapse_all'), { size: 'sm', kind: 'ghost', onClick: () => this.expandAll(false) })),
      h('div', { class: 'card-body toolbar' }, search,
        button(t('sites.select_shown'), { size: 'sm', onClick: () => this.toggleShown(true) }),
        button(t('sites.clear_shown'), { size: 'sm', onClick: () => this.toggleShown(false) })),
      h('div', { class: 'card-body site-tree-wrap' }, tree, this.emptyEl),
      h('div', { class: 'card-footer sticky-footer' }, this.dirtyNote, h('span', { class: 'spacer' }), this.revertBtn, this.saveBtn)));
    this.applyFilter();
  }

  groupNode(g) {
    const rows = h('ul', { class: 'site-list' }, g.sites.map((s) => this.siteRow(s, g)));
    if (!g.head) {   // province level: always open, no group checkbox
      const el = h('section', { class: 'site-group site-group-top', dataset: { group: g.key } },
        h('h3', { class: 'site-group-title' }, t('sites.province_level')), rows);
      this.groupEls.push({ g, el, rows, all: null, count: null });
      return el;
    }
    const allId = `site-group-${g.key}`;
    const listId = `site-list-${g.key}`;
    rows.id = listId;
    const all = h('input', { type: 'checkbox', id: allId, dataset: { group: g.key }, onchange: () => this.toggleGroup(g, all.checked) });
    const count = h('span', { class: 'group-count num' });
    const toggle = h('button', {
      type: 'button', class: 'group-toggle', 'aria-expanded': 'false', 'aria-controls': listId,
      onclick: () => this.setOpen(ge, toggle.getAttribute('aria-expanded') !== 'true', true),
    },
    icon('chevron', 'chev'),
    h('span', { class: 'group-name' }, g.title),
    h('span', { class: 'muted small' }, t('sites.group_size', { n: g.sites.length })));
    const el = h('section', { class: 'site-group', dataset: { group: g.key } },
      h('div', { class: 'site-group-head' },
        all, h('label', { for: allId, class: 'sr-only' }, t('sites.select_district', { name: g.title })),
        toggle, h('span', { class: 'spacer' }), count),
      rows);
    const ge = { g, el, rows, all, count, toggle };
    this.groupEls.push(ge);
    this.setOpen(ge, this.open.has(g.key), false);
    return el;
  }

  setOpen(ge, open, remember) {
    ge.toggle.setAttribute('aria-expanded', String(open));
    ge.rows.hidden = !open;
    ge.el.classList.toggle('is-open', open);
    if (remember) { if (open) this.open.add(ge.g.key); else this.open.delete(ge.g.key); }
  }

  siteRow(s, g) {
    const id = `site-${s.id}`;
    const cb = h('input', {
      type: 'checkbox', id, checked: this.selected.has(s.id), dataset: { siteId: s.id },
      onchange: () => { if (cb.checked) this.selected.add(s.id); else this.selected.delete(s.id); this.updateState(); },
    });
    const isHead = g.head && g.head.id === s.id;
    return h('li', { class: `site-row level-${s.level}${isHead ? ' is-head' : ''}`, dataset: { siteId: s.id, search: fold(`${s.name} ${s.code} ${g.title || ''}`) } },
      cb,
      h('label', { for: id }, s.name),
      h('span', { class: 'site-code mono' }, s.code),
      h('span', { class: 'site-level' }, t(`level.${s.level}`)),
      this.keyLine(s));
  }

  /** The row's access-key line (WebRTC sites), from the full list when it is loaded. */
  keyLine(s) {
    const full = (this.sites && this.sites.find((x) => x.id === s.id)) || s;
    return siteKeyLine(full, { manage: this.manageKeys, changed: (credential) => {
      if (credential && 'srtp_key' in credential) full.srtp_key = credential.srtp_key; // a plain-RTP site's SRTP key
      else full.credential = credential;
      if (this.active && this.container) this.render(this.container);
    } });
  }

  applyFilter() {
    const q = fold(this.query.trim());
    let any = false;
    for (const ge of this.groupEls) {
      let shown = 0;
      for (const li of ge.rows.children) {
        const ok = !q || li.dataset.search.includes(q);
        li.hidden = !ok;
        if (ok) shown += 1;
      }
      ge.el.hidden = shown === 0;
      if (shown) any = true;
      if (ge.all) this.setOpen(ge, q ? shown > 0 : this.open.has(ge.g.key), false);
    }
    this.emptyEl.hidden = any;
    this.updateState();
  }

  toggleGroup(g, on) {
    for (const s of g.sites) { if (on) this.selected.add(s.id); else this.selected.delete(s.id); }
    const ge = this.groupEls.find((x) => x.g === g);
    for (const cb of ge.rows.querySelectorAll('input[type=checkbox]')) cb.checked = on;
    this.updateState();
  }

  toggleShown(on) {
    for (const ge of this.groupEls) {
      if (ge.el.hidden) continue;
      for (const li of ge.rows.children) {
        if (li.hidden) continue;
        const id = Number(li.dataset.siteId);
        if (on) this.selected.add(id); else this.selected.delete(id);
        li.querySelector('input').checked = on;
      }
    }
    this.updateState();
  }

  expandAll(open) {
    for (const ge of this.groupEls) {
      if (ge.all) this.setOpen(ge, open, true);
    }
  }

  updateState() {
    for (const ge of this.groupEls) {
      if (!ge.all) continue;
      const n = ge.g.sites.filter((s) => this.selected.has(s.id)).length;
      ge.all.checked = n === ge.g.sites.length;
      ge.all.indeterminate = n > 0 && n < ge.g.sites.length;
      ge.count.textContent = t('sites.group_selected', { n, total: ge.g.sites.length });
      ge.count.classList.toggle('has-selection', n > 0);
    }
    this.counter.textContent = t('sites.counter', { n: this.selected.size, total: this.sites.length });
    const dirty = this.dirty;
    this.dirtyNote.hidden = !dirty;
    this.saveBtn.disabled = !dirty || this.saving;
    this.revertBtn.disabled = !dirty || this.saving;
  }

  async loadSites() {
    try {
      const res = await api.get('/api/v1/sites');
      this.sites = res.sites || [];
    } catch (err) {
      showError(err, t('sites.load_failed'));
      this.sites = [];
    }
    if (this.active && this.container) this.render(this.container);
  }

  async save() {
    this.saving = true;
    this.updateState();
    try {
      const ids = [...this.selected].sort((a, b) => a - b);
      const res = await api.put(`/api/v1/sessions/${this.page.id}/sites`, { site_ids: ids });
      this.selected = null;
      this.saving = false;
      toast(t('sites.saved', { n: (res.sites || []).length }), { kind: 'success' });
      this.page.apply('sites.updated', { sites: res.sites || [] });
    } catch (err) {
      this.saving = false;
      this.updateState();
      showError(err, t('sites.save_failed'));
    }
  }

  renderReadOnly(container) {
    // Technicians make access keys here: the full list has each site's key.
    if (this.manageKeys && !this.sites && !this.loading) { this.loading = true; this.loadSites(); }
    const groups = groupSites(this.assigned);
    fill(container, h('div', { class: 'card' },
      h('div', { class: 'card-header' }, h('h2', null, t('sites.assigned')), h('span', { class: 'muted' }, t('sites.count', { n: this.assigned.length }))),
      h('div', { class: 'card-body' }, this.assigned.length
        ? groups.map((g) => h('section', { class: 'site-group-ro' },
          h('h3', { class: 'site-group-title' }, g.head ? g.title : t('sites.province_level')),
          h('ul', { class: 'site-list' }, g.sites.map((s) => h('li', { class: `site-row level-${s.level}` },
            h('span', null, s.name), h('span', { class: 'site-code mono' }, s.code), h('span', { class: 'site-level' }, t(`level.${s.level}`)),
            this.keyLine(s))))))
        : h('div', { class: 'empty' }, h('strong', null, t('sites.none'))))));
  }
}
