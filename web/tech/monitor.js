// The monitoring page of one session: the counts per state (which are also
// the state filter), search / district / sort / grouping / density, the wall
// of site tiles (grid.js), and beside it the selected site's detail
// (detail.js) over the alarm list (alarms.js). Live over the WebSocket: the
// technicians' health topic (snapshot, health.tick, alarms) and the
// session's own topic (media.updated, session.updated, sites.updated).
//
// A tick is handled in two halves: the message handler only writes numbers
// into the store (no DOM); the DOM follows on the next animation frame.
// Both halves are timed (performance.measure "tech-tick" / "tech-frame");
// the last 600 durations of each are in window.__techPerf.

import { t, onLangChange, formatTime } from '../common/i18n.js';
import { api } from '../common/api.js';
import { h, button, icon, showError, toast, fill } from '../common/ui.js';
import { SiteStore, STATES } from './store.js';
import { SiteGrid } from './grid.js';
import { SiteDetail } from './detail.js';
import { AlarmList } from './alarms.js';

const PERF_KEEP = 600;
const STALE_MS = 4000;

/** Durations (ms) of the last ticks and frames, for measurement. */
export const perf = {
  tick: new Float64Array(PERF_KEEP), tickN: 0,
  frame: new Float64Array(PERF_KEEP), frameN: 0,
  record(kind, ms) {
    const arr = this[kind];
    arr[this[`${kind}N`] % PERF_KEEP] = ms;
    this[`${kind}N`]++;
  },
  values(kind) {
    const n = Math.min(this[`${kind}N`], PERF_KEEP);
    return Array.from(this[kind].subarray(0, n));
  },
  reset() { this.tickN = 0; this.frameN = 0; },
};
window.__techPerf = perf;

const STATE_GLYPH = { online: '●', degraded: '▲', offline: '✕', unknown: '?' };

export class MonitorView {
  constructor(ctx, el, sessionId) {
    this.ctx = ctx;
    this.el = el;
    this.id = sessionId;
    this.alive = true;
    this.offs = [];
    this.media = null;
    this.lastTickAt = 0;
    this.density = localStorage.getItem('roomctl.tech.density') || 'detail';
    this.load();
  }

  async load() {
    fill(this.el, h('div', { class: 'loading' }, h('span', { class: 'spinner' }), ' ', t('app.loading')));
    try {
      const [session, allSites] = await Promise.all([
        api.get(`/api/v1/sessions/${this.id}`),
        this.ctx.allSites(),
      ]);
      if (!this.alive) return;
      this.session = session;
      this.build(allSites, session.sites || []);
      this.listen();
      this.loadAlarmHistory();
    } catch (err) {
      if (!this.alive) return;
      showError(err, t('tech.load_failed'));
      fill(this.el, h('div', { class: 'page' }, h('div', { class: 'card' }, h('div', { class: 'empty' },
        h('strong', null, t('tech.load_failed')), h('p', null, err.reason || ''),
        button(t('app.retry'), { kind: 'primary', onClick: () => this.load() })))));
    }
  }

  build(allSites, sessionSites) {
    this.allSites = allSites;
    this.store = new SiteStore(allSites, sessionSites);
    const store = this.store;

    // counts / state filter
    this.countBtns = {};
    const countBar = h('div', { class: 'counts', role: 'group', 'aria-label': t('tech.filter.states') });
    this.totalEl = h('span', { class: 'count-total' });
    countBar.append(this.totalEl);
    for (const s of ['online', 'degraded', 'offline', 'unknown']) {
      const val = h('span', { class: 'count-val num' }, '0');
      const b = h('button', {
        type: 'button', class: `count-btn s-${s}`, 'aria-pressed': 'false', dataset: { state: s },
        title: t('tech.filter.state_hint'),
        onclick: () => this.toggleState(s),
      }, h('span', { class: 'count-glyph', 'aria-hidden': 'true' }, STATE_GLYPH[s]), h('span', { class: 'count-label' }, t(`tech.state.${s}`)), val);
      this.countBtns[s] = { btn: b, val };
      countBar.append(b);
    }

    // filters
    this.search = h('input', { type: 'search', class: 'search-input', placeholder: t('tech.filter.search'), 'aria-label': t('tech.filter.search'), oninput: () => this.grid.setFilter({ query: this.search.value }) });
    this.districtSel = h('select', { 'aria-label': t('tech.filter.district'), onchange: () => this.grid.setFilter({ district: this.districtSel.value }) },
      h('option', { value: '' }, t('tech.filter.all_districts')),
      h('option', { value: 'province' }, t('tech.group.province')),
      store.districts().map((d) => h('option', { value: String(d.id) }, `${d.name} (${d.code})`)));
    this.sortSel = h('select', { 'aria-label': t('tech.sort.label'), onchange: () => this.grid.setSort(this.sortSel.value) },
      ['name', 'state', 'loss', 'jitter', 'bitrate'].map((k) => h('option', { value: k }, t(`tech.sort.${k}`))));
    const groupChk = h('input', { type: 'checkbox', checked: true, onchange: () => this.grid.setGrouped(groupChk.checked) });
    this.densityBtns = h('div', { class: 'seg', role: 'group', 'aria-label': t('tech.density.label') },
      ['detail', 'compact'].map((d) => h('button', { type: 'button', 'aria-pressed': String(this.density === d), dataset: { density: d }, onclick: () => this.setDensity(d) }, t(`tech.density.${d}`))));
    this.shownEl = h('span', { class: 'shown-count muted' });
    this.freshEl = h('span', { class: 'fresh', role: 'status' });

    this.gridEl = h('div', { class: `grid-scroll density-${this.density}`, id: 'site-grid', tabindex: '-1' });
    this.detailEl = h('section', { class: 'card detail', hidden: true, 'aria-live': 'off' });
    this.alarmCountEl = h('span', { class: 'count' }, '0');
    this.clearedChk = h('input', { type: 'checkbox', checked: true, onchange: () => { this.alarms.showCleared = this.clearedChk.checked; this.alarms.render(); } });
    this.alarmListEl = h('ul', { class: 'alarm-list', 'aria-live': 'polite', 'aria-relevant': 'additions' });
    this.endedEl = h('div', { class: 'callout callout-warn ended-note', hidden: true }, t('tech.session_ended'));

    const statusLine = this.session.status === 'live' ? null : h('div', { class: 'callout callout-warn' },
      this.session.status === 'scheduled' ? t('tech.not_live_scheduled') : t('tech.session_ended'));

    fill(this.el,
      h('div', { class: 'monitor' },
        h('div', { class: 'monitor-bar' },
          countBar,
          h('div', { class: 'filters' },
            this.search, this.districtSel,
            h('label', { class: 'inline-label' }, h('span', null, t('tech.sort.label')), this.sortSel),
            h('label', { class: 'check' }, groupChk, t('tech.group.toggle')),
            this.densityBtns,
            h('span', { class: 'spacer' }),
            this.shownEl, this.freshEl)),
        statusLine, this.endedEl,
        h('div', { class: 'monitor-body' },
          h('div', { class: 'grid-pane', role: 'region', 'aria-label': t('tech.grid.label') }, this.gridEl),
          h('aside', { class: 'side-pane' },
            this.detailEl,
            h('section', { class: 'card alarms-card' },
              h('header', { class: 'card-header' },
                h('h2', null, icon('warn'), t('tech.alarms.title')), this.alarmCountEl,
                h('span', { class: 'spacer' }),
                h('label', { class: 'check small' }, this.clearedChk, t('tech.alarms.show_cleared'))),
              this.alarmListEl)))));

    this.grid = new SiteGrid(store, this.gridEl, { onSelect: (id) => this.select(id) });
    this.grid.onFilter = (n) => { this.shownEl.textContent = t('tech.grid.shown', { n, total: store.n }); };
    this.grid.onFilter(this.grid.shownCount);
    this.grid.onFlush = () => this.afterFlush();
    this.detail = new SiteDetail(this.detailEl, store, {
      canRunProgram: this.ctx.canRunProgram,
      levelName: (l) => t(`tech.level.${l}`),
      onClose: () => this.select(null),
      onFloor: (id) => this.giveFloor(id),
      onAddTile: (id) => this.addTile(id),
    });
    this.alarms = new AlarmList(this.alarmListEl, {
      canAck: this.ctx.canAck,
      onSelectSite: (id) => this.select(id),
      onAck: (a) => this.ack(a),
      onChange: () => this.alarmsChanged(),
    });
    this.alarms.render();
    this.updateCounts();
    this.freshTimer = setInterval(() => this.updateFresh(), 1000);
    this.updateFresh();
    if (this.ctx.selectedSite) this.select(this.ctx.selectedSite);
  }

  listen() {
    const { ws } = this.ctx;
    const mine = (fn) => (msg) => { if (msg.session_id === -this.id) fn(msg); };
    const session = (fn) => (msg) => { if (msg.session_id === this.id) fn(msg); };
    this.offs.push(
      ws.on('health.snapshot', (msg) => { if (msg.session_id === this.id) this.onSnapshot(msg.body); }),
      ws.on('health.tick', mine((msg) => this.onTick(msg.body))),
      ws.on('alarm.raised', mine((msg) => this.onAlarm(msg.body.alarm, 'raised'))),
      ws.on('alarm.cleared', mine((msg) => this.onAlarm(msg.body.alarm, 'cleared'))),
      ws.on('alarm.acked', mine((msg) => this.onAlarm(msg.body.alarm, 'acked'))),
      ws.on('media.updated', session((msg) => this.onMedia(msg.body))),
      ws.on('session.updated', session((msg) => this.onSession(msg.body))),
      ws.on('snapshot', session((msg) => { if (msg.body?.session) this.onSession(msg.body.session); })),
      ws.on('sites.updated', session(() => this.reloadSites())),
    );
    ws.subscribeHealth(this.id).catch((err) => { if (this.alive) showError(err, t('tech.subscribe_failed')); });
    ws.subscribe(this.id).catch(() => { /* media and session changes only; the health topic is what matters */ });
  }

  async loadAlarmHistory() {
    try {
      const { alarms } = await api.get('/api/v1/alarms', { session_id: this.id });
      if (this.alive) this.alarms.merge(alarms);
    } catch (err) { if (this.alive) showError(err, t('tech.alarms.load_failed')); }
  }

  async reloadSites() {
    try {
      const { sites } = await api.get(`/api/v1/sessions/${this.id}/sites`);
      if (!this.alive) return;
      this.teardownView();
      this.build(this.allSites, sites);
      this.ctx.ws.subscribeHealth(this.id);   // a fresh snapshot for the new set
    } catch (err) { showError(err); }
  }

  onSnapshot(body) {
    this.store.applySnapshot(body);
    this.alarms.merge(body.alarms || []);
    if (body.media) this.onMedia(body.media);
    this.grid.schedule();
    if (this.detail.idx >= 0) this.detail.update();
  }

  onTick(body) {
    const t0 = performance.now();
    this.store.applyTick(body, Date.now());
    this.lastTickAt = Date.now();
    this.tickPending = true;
    this.grid.schedule();
    const t1 = performance.now();
    perf.record('tick', t1 - t0);
    performance.measure('tech-tick', { start: t0, end: t1 });
  }

  /** After the grid's frame: counts, the detail panel, the timing. */
  afterFlush() {
    const t0 = performance.now();
    this.updateCounts();
    if (this.tickPending && this.detail.idx >= 0) this.detail.update();
    if (this.tickPending) this.updateFresh();
    this.tickPending = false;
  }

  updateCounts() {
    const c = this.store.counts;
    this.totalEl.textContent = t('tech.count.total', { n: this.store.n });
    STATES.forEach((s, k) => {
      const el = this.countBtns[s].val;
      const v = String(c[k]);
      if (el.textContent !== v) el.textContent = v;
    });
  }

  updateFresh() {
    if (!this.freshEl) return;
    const live = this.session?.status === 'live';
    const age = this.lastTickAt ? Date.now() - this.lastTickAt : Infinity;
    let text = '';
    let stale = false;
    if (this.lastTickAt) {
      text = t('tech.fresh.at', { time: formatTime(new Date(this.lastTickAt).toISOString(), { withSeconds: true }) });
      stale = live && age > STALE_MS;
      if (stale) text = t('tech.fresh.stale', { s: Math.round(age / 1000) });
    } else if (live) {
      text = t('tech.fresh.waiting');
    }
    if (this.freshEl.textContent !== text) this.freshEl.textContent = text;
    this.freshEl.classList.toggle('stale', stale);
  }

  toggleState(s) {
    const set = this.grid.filter.states;
    if (set.has(s)) set.delete(s); else set.add(s);
    for (const [k, { btn }] of Object.entries(this.countBtns)) btn.setAttribute('aria-pressed', String(set.has(k)));
    this.grid.applyFilter();
  }

  setDensity(d) {
    this.density = d;
    try { localStorage.setItem('roomctl.tech.density', d); } catch { /* ignore */ }
    this.gridEl.className = `grid-scroll density-${d}`;
    for (const b of this.densityBtns.querySelectorAll('button')) b.setAttribute('aria-pressed', String(b.dataset.density === d));
  }

  select(siteId) {
    this.ctx.selectedSite = siteId;
    this.grid.setSelected(siteId ?? -1);
    if (siteId == null) { this.detail.close(); return; }
    this.detail.show(siteId);
    this.detailEl.scrollIntoView?.({ block: 'nearest' });
  }

  onAlarm(alarm, what) {
    this.alarms.upsert(alarm);
    if (what === 'raised' && this.alive) {
      const kind = t(`tech.alarm.kind.${alarm.kind}`);
      toast(`${kind}: ${alarm.site_name || alarm.site_code}`, { kind: alarm.kind === 'offline' ? 'error' : 'warn', timeout: 4000 });
    }
  }

  alarmsChanged() {
    const unacked = this.alarms.unackedCount;
    this.alarmCountEl.textContent = String(this.alarms.activeCount);
    this.alarmCountEl.classList.toggle('hot', unacked > 0);
    this.grid.setAlarmed(this.alarms.alarmedSites());
    this.ctx.setAlarmBadge?.(unacked);
  }

  async ack(alarm) {
    try {
      const res = await this.ctx.ws.request('alarm.ack', { alarm_id: alarm.id });
      return res.alarm;
    } catch (err) {
      if (err.code === 1202) {   // someone was quicker: show who
        toast(t('tech.alarms.already'), { kind: 'info' });
        try { const { alarms } = await api.get('/api/v1/alarms', { session_id: this.id }); this.alarms.merge(alarms); } catch { /* ignore */ }
        return null;
      }
      showError(err, t('tech.alarms.ack_failed'));
      return null;
    }
  }

  onMedia(media) {
    this.media = media;
    this.grid.setProgram(media);
  }

  onSession(s) {
    if (!s || s.id !== this.id) return;
    const was = this.session?.status;
    this.session = { ...this.session, ...s };
    if (s.status === 'ended' && was !== 'ended') {
      this.endedEl.hidden = false;
      this.grid.setProgram(null);
    }
    this.ctx.sessionChanged?.(this.session);
  }

  async giveFloor(siteId) {
    try {
      const media = await this.ctx.ws.request('floor.site', { session_id: this.id, site_id: siteId });
      this.onMedia(media);
      toast(t('tech.program.floor_given', { name: this.store.site(siteId)?.name || siteId }), { kind: 'success' });
    } catch (err) { showError(err, t('tech.program.floor_failed')); }
  }

  async addTile(siteId) {
    const cur = this.media && this.media.mode === 'compose' ? (this.media.tiles || []).slice() : [];
    if (cur.includes(siteId)) { toast(t('tech.program.already_tile'), { kind: 'info' }); return; }
    if (cur.length >= 8) { toast(t('tech.program.max_tiles'), { kind: 'warn' }); return; }
    cur.push(siteId);
    try {
      const media = await this.ctx.ws.request('media.layout', { session_id: this.id, mode: 'compose', tiles: cur });
      this.onMedia(media);
      toast(t('tech.program.tile_added', { n: cur.length }), { kind: 'success' });
    } catch (err) { showError(err, t('tech.program.layout_failed')); }
  }

  /** Detail charts' point count and the tick numbers (tests, diagnostics). */
  debug() {
    return { ticks: this.store.ticks, points: this.detail.points(), selected: this.detail.siteId };
  }

  relabel() {
    // simplest correct answer: rebuild the page (the store and history stay)
    const store = this.store;
    if (!store) { this.load(); return; }
    const selected = this.ctx.selectedSite;
    const filter = { query: this.search.value, district: this.districtSel.value, states: new Set(this.grid.filter.states) };
    const sort = this.sortSel.value;
    const grouped = this.grid.grouped;
    const alarms = [...this.alarms.alarms.values()];
    const media = this.media;
    this.teardownView();
    this.build(this.allSites, this.session.sites || []);
    // keep the figures and the history: swap the fresh store for the old one
    this.store = store;
    this.grid.destroy();
    this.grid = new SiteGrid(store, this.gridEl, { onSelect: (id) => this.select(id) });
    this.grid.onFilter = (n) => { this.shownEl.textContent = t('tech.grid.shown', { n, total: store.n }); };
    this.grid.onFlush = () => this.afterFlush();
    this.detail.store = store;
    this.search.value = filter.query;
    this.districtSel.value = filter.district;
    this.sortSel.value = sort;
    this.grid.filter.states = filter.states;
    for (const [k, { btn }] of Object.entries(this.countBtns)) btn.setAttribute('aria-pressed', String(filter.states.has(k)));
    this.grid.setGrouped(grouped);
    if (sort !== 'name') this.grid.setSort(sort);
    this.grid.setFilter({ query: filter.query, district: filter.district });
    this.alarms.setAll(alarms);
    if (media) this.onMedia(media);
    if (selected) this.select(selected);
    this.updateCounts();
  }

  teardownView() {
    clearInterval(this.freshTimer);
    this.grid?.destroy();
    this.detail?.destroy();
    this.alarms?.destroy();
  }

  destroy() {
    this.alive = false;
    this.teardownView();
    for (const off of this.offs) off();
    this.offs = [];
    this.ctx.ws.unsubscribeHealth(this.id);
    this.ctx.ws.unsubscribe(this.id);
  }
}
