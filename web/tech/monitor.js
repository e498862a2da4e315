// The monitoring page of one session: the counts per state (which are also
// the state filter), search / district / sort / grouping / density, the wall
// of site tiles (grid.js), and beside it the selected site's detail
// (detail.js) over the alarm list (alarms.js); with SIP sites, the bar of
// their calls (sip.js). The data come from the session's feed (feed.js);
// this page only draws, on animation frames.

import { t, formatTime } from '../common/i18n.js';
import { h, icon, showError, toast, fill } from '../common/ui.js';
import { STATES } from './store.js';
import { SiteGrid } from './grid.js';
import { SiteDetail } from './detail.js';
import { AlarmList } from './alarms.js';
import { SipBar } from './sip.js';
import { perf } from './feed.js';

const STALE_MS = 4000;
const STATE_GLYPH = { online: '●', degraded: '▲', held: '⏸', offline: '✕', unknown: '?' };
const UI_KEY = 'roomctl.tech.monitor';

function loadUi() {
  try { return JSON.parse(localStorage.getItem(UI_KEY) || '{}') || {}; } catch { return {}; }
}

export class MonitorView {
  /** ctx: the app; el: where to draw; feed: the session's SessionFeed (ready). */
  constructor(ctx, el, feed) {
    this.ctx = ctx;
    this.el = el;
    this.feed = feed;
    this.offs = [];
    this.ui = { density: 'detail', sort: 'name', grouped: true, ...loadUi() };
    this.build();
    this.offs.push(
      feed.on('tick', () => { this.tickPending = true; this.grid.schedule(); }),
      feed.on('snapshot', () => { this.tickPending = true; this.grid.schedule(); }),
      feed.on('alarm', (ev) => this.onAlarm(ev)),
      feed.on('media', (m) => this.grid.setProgram(m)),
      feed.on('session', (s) => this.onSession(s)),
      feed.on('sites', () => { this.destroyParts(); this.build(); }),
      feed.on('sip', (call) => this.onSip(call)),
    );
  }

  get store() { return this.feed.store; }

  saveUi() {
    try { localStorage.setItem(UI_KEY, JSON.stringify(this.ui)); } catch { /* ignore */ }
  }

  build() {
    const { store } = this;
    const { ctx } = this;

    // counts, which are also the state filter
    this.countBtns = {};
    this.totalEl = h('span', { class: 'count-total' });
    const countBar = h('div', { class: 'counts', role: 'group', 'aria-label': t('tech.filter.states') }, this.totalEl);
    for (const s of ['online', 'degraded', 'held', 'offline', 'unknown']) {
      const val = h('span', { class: 'count-val num' }, '0');
      const b = h('button', {
        type: 'button', class: `count-btn s-${s}`, 'aria-pressed': 'false', dataset: { state: s },
        title: t('tech.filter.state_hint'), onclick: () => this.toggleState(s),
      }, h('span', { class: 'count-glyph', 'aria-hidden': 'true' }, STATE_GLYPH[s]), h('span', { class: 'count-label' }, t(`tech.state.${s}`)), val);
      this.countBtns[s] = { btn: b, val };
      countBar.append(b);
    }

    // filters, sort, grouping, density
    this.search = h('input', {
      type: 'search', class: 'search-input', placeholder: t('tech.filter.search'), 'aria-label': t('tech.filter.search'),
      oninput: () => this.grid.setFilter({ query: this.search.value }),
    });
    this.districtSel = h('select', { 'aria-label': t('tech.filter.district'), onchange: () => this.grid.setFilter({ district: this.districtSel.value }) },
      h('option', { value: '' }, t('tech.filter.all_districts')),
      h('option', { value: 'province' }, t('tech.group.province')),
      store.districts().map((d) => h('option', { value: String(d.id) }, `${d.name} (${d.code})`)));
    this.sortSel = h('select', { id: 'tech-sort', onchange: () => { this.ui.sort = this.sortSel.value; this.saveUi(); this.grid.setSort(this.ui.sort); } },
      ['name', 'state', 'loss', 'jitter', 'bitrate'].map((k) => h('option', { value: k, selected: this.ui.sort === k }, t(`tech.sort.${k}`))));
    const groupChk = h('input', { type: 'checkbox', checked: this.ui.grouped, onchange: () => { this.ui.grouped = groupChk.checked; this.saveUi(); this.grid.setGrouped(groupChk.checked); } });
    this.densityBtns = h('div', { class: 'seg', role: 'group', 'aria-label': t('tech.density.label') },
      ['detail', 'compact'].map((d) => h('button', { type: 'button', 'aria-pressed': String(this.ui.density === d), dataset: { density: d }, onclick: () => this.setDensity(d) }, t(`tech.density.${d}`))));
    this.shownEl = h('span', { class: 'shown-count muted' });
    this.freshEl = h('span', { class: 'fresh', role: 'status' });

    this.gridEl = h('div', { class: `grid-scroll density-${this.ui.density}`, id: 'site-grid' });
    this.detailEl = h('section', { class: 'detail', id: 'side-detail', role: 'tabpanel', 'aria-labelledby': 'side-tab-detail', hidden: true });
    this.alarmCountEl = h('span', { class: 'count', dataset: { testid: 'alarm-count' } }, '0');
    this.clearedChk = h('input', { type: 'checkbox', checked: true, onchange: () => { this.alarmList.showCleared = this.clearedChk.checked; this.alarmList.render(); } });
    this.alarmListEl = h('ul', { class: 'alarm-list' });
    this.alarmsEl = h('section', { class: 'alarms', id: 'side-alarms', role: 'tabpanel', 'aria-labelledby': 'side-tab-alarms' },
      h('div', { class: 'alarms-tools' }, h('label', { class: 'check small' }, this.clearedChk, t('tech.alarms.show_cleared'))),
      this.alarmListEl);
    this.sideTabs = {
      alarms: h('button', { type: 'button', role: 'tab', class: 'side-tab', id: 'side-tab-alarms', 'aria-controls': 'side-alarms', onclick: () => this.showSide('alarms') },
        icon('warn'), h('span', null, t('tech.alarms.title')), this.alarmCountEl),
      detail: h('button', { type: 'button', role: 'tab', class: 'side-tab', id: 'side-tab-detail', 'aria-controls': 'side-detail', hidden: true, onclick: () => this.showSide('detail') },
        icon('site'), h('span', { class: 'side-tab-name' }, t('tech.side.detail'))),
    };
    this.statusEl = h('div', { class: 'callout callout-warn session-note', hidden: true });
    this.sipBar = new SipBar(this.feed, { canCall: ctx.canAck });

    fill(this.el,
      h('div', { class: 'monitor' },
        h('div', { class: 'monitor-bar' },
          countBar,
          h('div', { class: 'filters' },
            this.search, this.districtSel,
            h('label', { class: 'inline-label', for: 'tech-sort' }, t('tech.sort.label')), this.sortSel,
            h('label', { class: 'check' }, groupChk, t('tech.group.toggle')),
            this.densityBtns,
            h('span', { class: 'spacer' }),
            this.shownEl, this.freshEl),
          this.sipBar.el),
        this.statusEl,
        h('div', { class: 'monitor-body' },
          h('div', { class: 'grid-pane', role: 'region', 'aria-label': t('tech.grid.label') }, this.gridEl),
          h('aside', { class: 'side-pane', 'aria-label': t('tech.side.label') },
            h('div', { class: 'side-tabs', role: 'tablist' }, this.sideTabs.alarms, this.sideTabs.detail),
            h('div', { class: 'side-body' }, this.alarmsEl, this.detailEl)))));

    this.grid = new SiteGrid(store, this.gridEl, {
      onSelect: (id) => this.select(id), grouped: this.ui.grouped, sort: this.ui.sort,
      onFilter: (n) => { this.shownEl.textContent = t('tech.grid.shown', { n, total: store.n }); },
    });
    this.grid.onFlush = (touched, t0) => this.afterFlush(t0);
    this.grid.setProgram(this.feed.media);
    this.detail = new SiteDetail(this.detailEl, store, {
      canRunProgram: ctx.canRunProgram && this.feed.session.status === 'live',
      canWatchSite: ctx.canWatchSite && this.feed.session.status === 'live',
      sessionId: this.feed.id,
      feed: this.feed,
      canCall: ctx.canAck,
      levelName: (l) => t(`tech.level.${l}`),
      onClose: () => this.select(null),
      onFloor: (id) => ctx.giveFloor(this.feed, id),
      onAddTile: (id) => ctx.addTile(this.feed, id),
    });
    this.alarmList = new AlarmList(this.alarmListEl, this.feed.alarms, {
      canAck: ctx.canAck,
      onSelectSite: (id) => this.select(id),
      onAck: (a) => this.ack(a),
      onChange: () => this.alarmsChanged(),
    });
    this.alarmList.render();
    this.showSide('alarms');
    this.onSession(this.feed.session);
    this.onSip(null);
    this.updateCounts();
    this.freshTimer = setInterval(() => this.updateFresh(), 1000);
    this.updateFresh();
    if (ctx.selectedSite && store.indexOf(ctx.selectedSite) >= 0) this.select(ctx.selectedSite);
  }

  /** After the grid's frame: counts, the detail panel; the frame is timed. */
  afterFlush(t0) {
    this.updateCounts();
    if (this.tickPending) {
      if (this.detail.idx >= 0 && this.side === 'detail') this.detail.update();
      this.updateFresh();
      this.tickPending = false;
      perf.record('frame', t0, performance.now());
    }
  }

  updateCounts() {
    const c = this.store.counts;
    const total = t('tech.count.total', { n: this.store.n });
    if (this.totalEl.textContent !== total) this.totalEl.textContent = total;
    STATES.forEach((s, k) => {
      const el = this.countBtns[s].val;
      const v = String(c[k]);
      if (el.textContent !== v) el.textContent = v;
    });
  }

  updateFresh() {
    const live = this.feed.session?.status === 'live';
    const at = this.feed.lastTickAt;
    const age = at ? Date.now() - at : Infinity;
    let text = '';
    let stale = false;
    if (at) {
      stale = live && age > STALE_MS;
      text = stale ? t('tech.fresh.stale', { s: Math.round(age / 1000) })
        : t('tech.fresh.at', { time: formatTime(new Date(at).toISOString(), { withSeconds: true }) });
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
    this.ui.density = d;
    this.saveUi();
    this.gridEl.className = `grid-scroll density-${d}`;
    for (const b of this.densityBtns.querySelectorAll('button')) b.setAttribute('aria-pressed', String(b.dataset.density === d));
  }

  /** The side pane shows the alarms or the selected site. */
  showSide(which) {
    this.side = which;
    for (const [k, tab] of Object.entries(this.sideTabs)) tab.setAttribute('aria-selected', String(k === which));
    this.alarmsEl.hidden = which !== 'alarms';
    this.detailEl.hidden = which !== 'detail' || this.detail.idx < 0;
    if (which === 'detail') this.detail.update();
  }

  select(siteId) {
    if (siteId != null && this.store.indexOf(siteId) < 0) return;   // not a site of this session
    this.ctx.selectedSite = siteId;
    this.grid.setSelected(siteId ?? -1);
    if (siteId == null) {
      this.detail.close();
      this.sideTabs.detail.hidden = true;
      this.showSide('alarms');
      return;
    }
    this.detailEl.hidden = false;   // laid out before the charts measure their width
    this.detail.show(siteId);
    const site = this.store.site(siteId);
    this.sideTabs.detail.hidden = false;
    this.sideTabs.detail.querySelector('.side-tab-name').textContent = site ? site.name : t('tech.side.detail');
    this.showSide('detail');
    const tile = this.grid.tiles[this.store.indexOf(siteId)];
    if (tile && !tile.hidden) tile.scrollIntoView({ block: 'nearest' });
  }

  onAlarm(ev) {
    this.alarmList.schedule();
    if (ev && ev.what === 'raised') {
      const a = ev.alarm;
      toast(`${t(`tech.alarm.kind.${a.kind}`)}: ${a.site_name || a.site_code || a.reason}`, { kind: a.kind === 'offline' ? 'error' : 'warn', timeout: 4000 });
    }
  }

  alarmsChanged() {
    this.alarmCountEl.textContent = String(this.alarmList.activeCount);
    this.alarmCountEl.classList.toggle('hot', this.alarmList.unackedCount > 0);
    this.grid.setAlarmed(this.alarmList.alarmedSites());
    if (this.detail.idx >= 0) this.detail.update();
  }

  async ack(alarm) {
    try {
      await this.feed.ack(alarm.id);
    } catch (err) {
      if (err.code === 1202) {   // someone was quicker: show who
        toast(t('tech.alarms.already'), { kind: 'info' });
        await this.feed.refreshAlarms();
        return;
      }
      showError(err, t('tech.alarms.ack_failed'));
    }
  }

  /** A SIP call changed (null: all were read again): the bar, the tiles' marks, the detail. */
  onSip(call) {
    this.sipBar.update();
    const calls = call ? [call] : [...this.feed.sipCalls.values()];
    for (const c of calls) {
      const tile = this.grid.tiles[this.store.indexOf(c.site_id)];
      if (tile && this.feed.sipCalls.get(c.site_id) === c) tile.dataset.call = c.state;
    }
    this.detail.updateSip();
  }

  onSession(s) {
    if (!s) return;
    this.sipBar?.update();
    this.detail?.updateSip();
    const note = s.status === 'live' ? '' : s.status === 'scheduled' ? t('tech.not_live_scheduled') : t('tech.session_ended');
    this.statusEl.textContent = note;
    this.statusEl.hidden = !note;
  }

  destroyParts() {
    clearInterval(this.freshTimer);
    this.grid?.destroy();
    this.detail?.destroy();
    this.alarmList?.destroy();
  }

  destroy() {
    this.destroyParts();
    for (const off of this.offs) off();
    this.offs = [];
  }
}
