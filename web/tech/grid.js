// The wall of site tiles: every site of the session as one small tile,
// grouped province → district → commune (or one flat list), coloured by its
// state, with video/audio problem badges; filtered by state, district and
// a search without diacritics; sorted by name, state, loss, jitter or bitrate.
//
// The DOM is built once. A tick only marks sites dirty (store.js); on the
// next animation frame flush() touches just those tiles: their class when
// the state or a flag changed, one text node when the shown figure changed.
// Live sort keys re-sort at most every few seconds, and only the groups whose
// order really changed have their tiles moved.

import { t } from '../common/i18n.js';
import { h, fold } from '../common/ui.js';
import { STATES } from './store.js';
import { formatTileKbps, formatPercent } from './format.js';

const RESORT_MS = 3000;
const collator = new Intl.Collator('vi', { sensitivity: 'base', numeric: true });
const SEVERITY = [1, 0, 2, 3, 1]; // by state code: unknown, online, degraded, offline, held
const LEVEL_RANK = { province: 0, district: 1, department: 2, commune: 3 };

export class SiteGrid {
  /**
   * store: SiteStore; el: the scroll container; onSelect(siteId).
   */
  constructor(store, el, { onSelect, grouped = true, sort = 'name', onFilter = null } = {}) {
    this.store = store;
    this.el = el;
    this.onSelect = onSelect || (() => {});
    this.filter = { states: new Set(), district: '', query: '' };
    this.sort = sort;
    this.grouped = grouped;
    this.onFilter = onFilter;
    this.selected = -1;
    this.alarmed = new Uint8Array(store.n);     // active, unacknowledged alarm
    this.program = new Uint8Array(store.n);     // bit 0 program source, 1 floor, 2 chair, 3 in the composed layout
    this.tiles = new Array(store.n);
    this.figText = new Array(store.n);           // the text node of each tile's figure
    this.cls = new Array(store.n).fill('');
    this.tileState = new Uint8Array(store.n);    // state the tile's group counts were made with
    this.visible = new Uint8Array(store.n);
    this.groupOf = new Int32Array(store.n);
    this.rank = new Int32Array(store.n);         // name order
    this.lastSort = 0;
    this.raf = 0;
    this.onFlush = null;                         // called after each flush (counts, detail…)
    this._buildTiles();
    this.rebuild();
    el.addEventListener('click', (e) => {
      const tile = e.target.closest('.tile');
      if (tile) { this._rove(tile); this.onSelect(Number(tile.dataset.id)); }
    });
    el.addEventListener('keydown', (e) => this._onKey(e));
  }

  // One tab stop for the whole wall (not 600): the arrow keys move between
  // the visible tiles, Home/End to the first/last, Enter opens the detail.
  _rove(tile) {
    if (this.tabTile && this.tabTile !== tile) this.tabTile.tabIndex = -1;
    this.tabTile = tile;
    tile.tabIndex = 0;
  }

  _visibleTiles() {
    const out = [];
    for (const g of this.groups) if (!g.el.hidden) for (const i of g.members) if (this.visible[i]) out.push(this.tiles[i]);
    return out;
  }

  _onKey(e) {
    const tile = e.target.closest?.('.tile');
    if (!tile || !['ArrowRight', 'ArrowLeft', 'ArrowDown', 'ArrowUp', 'Home', 'End'].includes(e.key)) return;
    const list = this._visibleTiles();
    const k = list.indexOf(tile);
    if (k < 0) return;
    let next = null;
    if (e.key === 'ArrowRight') next = list[k + 1];
    else if (e.key === 'ArrowLeft') next = list[k - 1];
    else if (e.key === 'Home') next = list[0];
    else if (e.key === 'End') next = list[list.length - 1];
    else {
      // the tile of the next row down (up) nearest in x
      const r = tile.getBoundingClientRect();
      const step = e.key === 'ArrowDown' ? 1 : -1;
      let rowTop = null;
      let bestDx = Infinity;
      for (let j = k + step; j >= 0 && j < list.length; j += step) {
        const q = list[j].getBoundingClientRect();
        if (rowTop === null) {
          if (step > 0 ? q.top <= r.top + 2 : q.top >= r.top - 2) continue;   // still the same row
          rowTop = q.top;
        } else if (Math.abs(q.top - rowTop) > 2) break;                       // past that row
        const dx = Math.abs(q.left - r.left);
        if (dx < bestDx) { bestDx = dx; next = list[j]; }
      }
    }
    if (!next) return;
    e.preventDefault();
    this._rove(next);
    next.focus();
  }

  _buildTiles() {
    const { store } = this;
    const order = store.sites.slice().sort((a, b) => (LEVEL_RANK[a.level] ?? 9) - (LEVEL_RANK[b.level] ?? 9)
      || collator.compare(a.name, b.name) || collator.compare(a.code, b.code));
    order.forEach((s, r) => { this.rank[s.idx] = r; });
    for (const s of store.sites) {
      const fig = document.createTextNode('');
      const tile = h('button', { type: 'button', class: 'tile s-unknown', tabindex: '-1', dataset: { id: s.id, code: s.code }, title: `${s.name} (${s.code})` },
        h('span', { class: 'tile-name' }, s.name),
        h('span', { class: 'tile-sub' },
          h('span', { class: 'tile-code' }, s.code),
          h('span', { class: 'tile-fig' }, fig),
          h('i', { class: 'bdg bdg-v', title: t('tech.problem.video') }, 'V'),
          h('i', { class: 'bdg bdg-a', title: t('tech.problem.audio') }, 'A')));
      this.tiles[s.idx] = tile;
      this.figText[s.idx] = fig;
    }
  }

  /** (Re)builds the groups and places the tiles: after a change of grouping,
   *  filter or sort, and once at the start. */
  rebuild() {
    const { store } = this;
    this.groups = this.grouped ? store.groups() : this._flatGroup();
    this.groups.forEach((g, gi) => { for (const i of g.members) this.groupOf[i] = gi; });
    for (let i = 0; i < store.n; i++) this.tileState[i] = store.state[i];
    this._sortMembers();
    const frag = document.createDocumentFragment();
    for (const g of this.groups) {
      g.countEl = h('span', { class: 'group-counts' });
      g.body = h('div', { class: 'group-tiles' });
      g.el = h('section', { class: 'group', dataset: { group: g.key }, 'aria-label': this._groupName(g) },
        h('header', { class: 'group-head' },
          h('h3', { class: 'group-title' }, this._groupName(g),
            g.site && g.site.level === 'district' ? h('span', { class: 'group-code' }, g.site.code) : null),
          g.countEl),
        g.body);
      for (const i of g.members) g.body.append(this.tiles[i]);
      frag.append(g.el);
    }
    this.el.replaceChildren(frag);
    this.applyFilter();
    this.store.markAllDirty();
    this.flush();
  }

  _flatGroup() {
    const g = { key: 'all', site: null, label: t('tech.group.all'), members: this.store.sites.map((s) => s.idx), counts: new Int32Array(4) };
    for (const i of g.members) g.counts[this.store.state[i]]++;
    return [g];
  }

  _groupName(g) {
    if (g.key === 'province') return t('tech.group.province');
    if (g.key === 'other') return t('tech.group.other');
    if (g.key === 'all') return t('tech.group.all');
    return g.site ? g.site.name : g.label;
  }

  _key(i) {
    const s = this.store;
    switch (this.sort) {
      case 'state': return -SEVERITY[s.state[i]] * 2 - (s.flags[i] ? 1 : 0);   // offline first, online last
      case 'loss': return -Math.round(s.loss[i] * 10);
      case 'jitter': return -Math.round(s.jitter[i]);
      case 'bitrate': return s.state[i] === 0 ? 1e9 : Math.round(s.kbps[i] / 10);   // lowest first, silent sites last
      default: return 0;
    }
  }

  _sortMembers() {
    const live = this.sort !== 'name';
    for (const g of this.groups) {
      if (!live) {
        g.members.sort((a, b) => {
          const sa = this.store.sites[a], sb = this.store.sites[b];
          // the district's own site leads its group
          const la = g.site && sa.id === g.site.id ? -1 : 0, lb = g.site && sb.id === g.site.id ? -1 : 0;
          return la - lb || this.rank[a] - this.rank[b];
        });
      } else {
        g.members.sort((a, b) => this._key(a) - this._key(b) || this.rank[a] - this.rank[b]);
      }
    }
    this.lastSort = performance.now();
  }

  /** Re-sorts by a live key; moves tiles only in the groups whose order changed. */
  _resort() {
    let moved = 0;
    for (const g of this.groups) {
      const before = g.members.slice();
      g.members.sort((a, b) => this._key(a) - this._key(b) || this.rank[a] - this.rank[b]);
      let same = true;
      for (let k = 0; k < before.length; k++) if (before[k] !== g.members[k]) { same = false; break; }
      if (same) continue;
      g.body.append(...g.members.map((i) => this.tiles[i]));
      moved++;
    }
    this.lastSort = performance.now();
    return moved;
  }

  setSort(sort) {
    this.sort = sort;
    this._sortMembers();
    for (const g of this.groups) g.body.append(...g.members.map((i) => this.tiles[i]));
  }

  setGrouped(on) {
    if (this.grouped === on) return;
    this.grouped = on;
    this.rebuild();
  }

  setFilter(f) {
    Object.assign(this.filter, f);
    this.applyFilter();
  }

  _matches(i) {
    const f = this.filter;
    if (f.states.size && !f.states.has(STATES[this.store.state[i]])) return false;
    const s = this.store.sites[i];
    if (f.district) {
      if (f.district === 'province') { if (s.level !== 'province' && s.level !== 'department') return false; } else if (!s.district || String(s.district.id) !== f.district) return false;
    }
    if (f.query && !s.folded.includes(f.query)) return false;
    return true;
  }

  /** Shows the tiles that pass the filter; hides empty groups. */
  applyFilter() {
    this.filter.query = fold(this.filter.query || '').trim();
    let shown = 0;
    for (const g of this.groups) {
      let n = 0;
      for (const i of g.members) {
        const v = this._matches(i) ? 1 : 0;
        if (v !== this.visible[i]) { this.visible[i] = v; this.tiles[i].hidden = !v; }
        n += v;
      }
      g.shown = n;
      g.el.hidden = n === 0;
      shown += n;
    }
    this.shown = shown;
    if (!this.tabTile || this.tabTile.hidden || this.tabTile.closest('.group')?.hidden) {
      const first = this._visibleTiles()[0];
      if (first) this._rove(first);
    }
    if (this.onFilter) this.onFilter(shown);
  }

  /** Visible tile count. */
  get shownCount() { return this.shown; }

  setSelected(id) {
    const old = this.selected;
    this.selected = this.store.indexOf(id);
    if (this.selected >= 0) this._rove(this.tiles[this.selected]);
    if (old >= 0) this._dirty(old);
    if (this.selected >= 0) this._dirty(this.selected);
    this.schedule();
  }

  /** Site ids with an active, unacknowledged alarm. */
  setAlarmed(ids) {
    const next = new Uint8Array(this.store.n);
    for (const id of ids) { const i = this.store.indexOf(id); if (i >= 0) next[i] = 1; }
    for (let i = 0; i < this.store.n; i++) if (next[i] !== this.alarmed[i]) this._dirty(i);
    this.alarmed = next;
    this.schedule();
  }

  /** The program: {source_site_id, floor_site_id, chair_site_id, tiles, mode}. */
  setProgram(media) {
    const next = new Uint8Array(this.store.n);
    const mark = (id, bit) => { const i = id ? this.store.indexOf(id) : -1; if (i >= 0) next[i] |= bit; };
    if (media) {
      mark(media.source_site_id, 1);
      mark(media.floor_site_id, 2);
      mark(media.chair_site_id, 4);
      if (media.mode === 'compose') for (const id of media.tiles || []) mark(id, 8);
    }
    for (let i = 0; i < this.store.n; i++) if (next[i] !== this.program[i]) this._dirty(i);
    this.program = next;
    this.schedule();
  }

  _dirty(i) { this.store._markDirty(i); }

  /** Asks for a flush on the next animation frame (at most one pending). */
  schedule() {
    if (this.raf) return;
    this.raf = requestAnimationFrame(() => { this.raf = 0; this.flush(); });
  }

  /** Applies every pending change to the DOM. Returns the tiles touched. */
  flush() {
    const t0 = performance.now();
    const { store } = this;
    let stateChanged = false;
    const filterByState = this.filter.states.size > 0;
    const touched = store.drainDirty((i) => {
      const st = store.state[i];
      if (st !== this.tileState[i]) {
        const g = this.groups[this.groupOf[i]];
        g.counts[this.tileState[i]]--;
        g.counts[st]++;
        g.countsDirty = true;
        this.tileState[i] = st;
        stateChanged = true;
      }
      const f = store.flags[i];
      const p = this.program[i];
      let cls = `tile s-${STATES[st]}`;
      if (f & 1) cls += ' vp';
      if (f & 2) cls += ' ap';
      if (this.alarmed[i]) cls += ' alarm';
      if (p & 1) cls += ' pgm';
      if (p & 2) cls += ' floor';
      if (p & 4) cls += ' chair';
      if (p & 8) cls += ' layout';
      if (i === this.selected) cls += ' sel';
      if (cls !== this.cls[i]) { this.cls[i] = cls; this.tiles[i].className = cls; }
      const text = this._figure(i, st);
      const node = this.figText[i];
      if (node.data !== text) node.data = text;
    });
    if (stateChanged && filterByState) this.applyFilter();
    for (const g of this.groups) {
      if (g.countsDirty || !g.countEl.firstChild) { this._renderCounts(g); g.countsDirty = false; }
    }
    if (this.sort !== 'name' && performance.now() - this.lastSort > RESORT_MS) this._resort();
    if (this.onFlush) this.onFlush(touched, t0);
    return touched;
  }

  _figure(i, st) {
    const s = this.store;
    if (st === 0) return '–';
    if (st === 3) return t('tech.tile.offline');
    let text = formatTileKbps(s.kbps[i]);
    if (s.loss[i] >= 0.05) text += ` · ${formatPercent(s.loss[i])}`;
    return text;
  }

  _renderCounts(g) {
    const c = g.counts;
    const total = g.members.length;
    const parts = [h('span', { class: 'gc-total' }, t('tech.group.sites', { n: total }))];
    if (c[1]) parts.push(h('span', { class: 'gc gc-online', title: t('tech.state.online') }, String(c[1])));
    if (c[2]) parts.push(h('span', { class: 'gc gc-degraded', title: t('tech.state.degraded') }, String(c[2])));
    if (c[3]) parts.push(h('span', { class: 'gc gc-offline', title: t('tech.state.offline') }, String(c[3])));
    if (c[0]) parts.push(h('span', { class: 'gc gc-unknown', title: t('tech.state.unknown') }, String(c[0])));
    g.countEl.replaceChildren(...parts);
  }

  /** Relabels after a language change. */
  relabel() {
    for (const g of this.groups) {
      const title = g.el.querySelector('.group-title');
      if (title && title.firstChild) title.firstChild.data = this._groupName(g);
      g.el.setAttribute('aria-label', this._groupName(g));
      this._renderCounts(g);
    }
    this.store.markAllDirty();
    this.flush();
  }

  destroy() {
    if (this.raf) cancelAnimationFrame(this.raf);
    this.raf = 0;
  }
}
