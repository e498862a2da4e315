// One meeting session: header (title, status, time, actions start/end/edit/
// delete) and four tabs — agenda & documents, delegates, sites, attendance.
// Keeps the session detail and attendance in memory, subscribes to the
// session over the WebSocket and applies its events (snapshot, session.*,
// agenda.updated, delegates.updated, sites.updated, attendance.updated) so
// what is shown follows the server without reloading.

import { t, formatRange, formatDateTime } from '../common/i18n.js';
import { api } from '../common/api.js';
import { h, clear, fill, button, icon, statusBadge, toast, showError, confirmDialog } from '../common/ui.js';
import { openSessionForm, deleteSession } from './sessions.js';
import { AgendaTab, countAgenda } from './agenda.js';
import { DelegatesTab } from './delegates.js';
import { SitesTab } from './sites.js';
import { AttendanceTab } from './attendance.js';
import { RecordsTab } from './records.js';
import { RecordingsTab } from './recordings.js';
import { ownAgendaRefresher } from '../common/agenda-view.js';
import { downloadSessionIcs } from './calendar.js';

const TABS = ['agenda', 'delegates', 'sites', 'attendance', 'recordings', 'records'];

export class SessionPage {
  constructor(ctx, main, id, tab) {
    this.ctx = ctx;
    this.main = main;
    this.id = id;
    this.detail = null;
    this.attendance = null;
    this.alive = true;
    this.ownAgenda = ownAgendaRefresher(id, (agenda) => { if (this.alive) this.onAgenda(agenda); });
    this.tab = TABS.includes(tab) ? tab : 'agenda';
    this.tabs = {
      agenda: new AgendaTab(this),
      delegates: new DelegatesTab(this),
      sites: new SitesTab(this),
      attendance: new AttendanceTab(this),
      records: new RecordsTab(this),
      recordings: new RecordingsTab(this),
    };
    this.offs = [];
    this.renderSkeleton();
    this.load();
    this.listen();
  }

  get canEdit() { return this.ctx.canEdit; }
  get status() { return this.detail ? this.detail.status : null; }

  destroy() {
    this.alive = false;
    for (const off of this.offs) off();
    if (this.ctx.ws) this.ctx.ws.unsubscribe(this.id);
    for (const tab of Object.values(this.tabs)) if (tab.destroy) tab.destroy();
  }

  /** Language changed: draw everything again from the state in memory. */
  relabel() {
    this.renderSkeleton();
    if (this.detail) { this.renderHead(); this.renderPanel(); }
  }

  // ---------- data ----------

  async load() {
    try {
      const detail = await api.get(`/api/v1/sessions/${this.id}`);
      if (!this.alive) return;
      this.detail = detail;
      document.title = `roomctl · ${detail.title}`;
      this.renderHead();
      this.renderPanel();
    } catch (err) {
      if (!this.alive) return;
      showError(err, t('session.load_failed'));
      fill(this.headEl, h('div', { class: 'card' }, h('div', { class: 'empty' },
        h('strong', null, t('session.load_failed')), h('p', null, err.reason || ''),
        h('a', { class: 'btn', href: '#/sessions' }, t('session.back')))));
      clear(this.panelEl);
      this.tabsEl.hidden = true;
      return;
    }
    this.loadAttendance();
  }

  async loadAttendance() {
    if (!this.ctx.canSeeAttendance) return;
    try {
      const att = await api.get(`/api/v1/sessions/${this.id}/attendance`);
      if (!this.alive) return;
      this.attendance = att;
      this.renderCounts();
      if (this.tab === 'attendance') this.tabs.attendance.render(this.panelEl);
    } catch (err) {
      if (this.alive && this.tab === 'attendance') showError(err, t('attendance.load_failed'));
    }
  }

  listen() {
    const ws = this.ctx.ws;
    if (!ws) return;
    const mine = (fn) => (msg) => { if (this.alive && msg.session_id === this.id) fn(msg); };
    this.offs.push(
      ws.on('snapshot', mine((m) => this.onSnapshot(m.body || {}))),
      ws.on('session.updated', mine((m) => this.onSessionUpdated(m.body))),
      ws.on('session.deleted', mine(() => this.onDeleted())),
      ws.on('agenda.updated', mine((m) => { this.onAgenda(m.body.agenda); this.ownAgenda(m.body.agenda); })),
      ws.on('delegates.updated', mine((m) => this.onDelegates(m.body.delegates))),
      ws.on('sites.updated', mine((m) => this.onSites(m.body.sites))),
      ws.on('attendance.updated', mine((m) => this.onAttendance(m.body))),
    );
    ws.subscribe(this.id).catch((err) => { if (this.alive) showError(err, t('session.live_failed')); });
  }

  onSnapshot(body) {
    if (body.session) {
      const prevStatus = this.status;
      this.detail = body.session;
      this.renderHead();
      if (prevStatus !== this.status) this.renderPanel();
      else this.currentTab().onData?.('snapshot');
    }
    if (body.attendance) {
      this.attendance = body.attendance;
      this.renderCounts();
      if (this.tab === 'attendance') this.tabs.attendance.render(this.panelEl);
    }
  }

  /** announce: say so when the status changed (it was someone else's doing). */
  onSessionUpdated(s, { announce = true } = {}) {
    if (!this.detail || !s) return;
    const prevStatus = this.detail.status;
    Object.assign(this.detail, s);
    this.renderHead();
    if (prevStatus !== s.status) {
      if (announce && s.status !== this.pendingStatus) toast(t('session.now_status', { status: t(`status.${s.status}`) }), { kind: 'info' });
      this.renderPanel();
    }
  }

  onDeleted() {
    toast(t('session.deleted_remote'), { kind: 'warn' });
    this.ctx.navigate('#/sessions');
  }

  onAgenda(agenda) {
    if (!this.detail) return;
    this.detail.agenda = agenda || [];
    this.renderCounts();
    this.tabs.agenda.onData?.('agenda');
  }

  onDelegates(delegates) {
    if (!this.detail) return;
    this.detail.delegates = delegates || [];
    this.renderCounts();
    this.tabs.delegates.onData?.('delegates');
    this.loadAttendance();   // the expected list changed
  }

  onSites(sites) {
    if (!this.detail) return;
    this.detail.sites = sites || [];
    this.renderCounts();
    this.tabs.sites.onData?.('sites');
  }

  onAttendance(body) {
    if (!this.attendance) { this.loadAttendance(); return; }
    this.applyAttendanceEntry(body.entry, body.present, body.expected);
  }

  /** Merges one entry (from an event or a check-in reply) into the attendance. */
  applyAttendanceEntry(entry, present, expected) {
    if (!this.attendance || !entry) return;
    const list = this.attendance.delegates || (this.attendance.delegates = []);
    const i = list.findIndex((e) => e.user_id === entry.user_id);
    if (i >= 0) list[i] = { ...list[i], ...entry };
    else list.push(entry);
    if (typeof present === 'number') this.attendance.present = present;
    else this.attendance.present = list.filter((e) => e.status === 'present').length;
    if (typeof expected === 'number') this.attendance.expected = expected;
    this.renderCounts();
    this.tabs.attendance.onEntry(entry);
  }

  // ---------- actions ----------

  async start() {
    const ok = await confirmDialog({
      title: t('session.start.title'),
      message: t('session.start.message', { title: this.detail.title }),
      detail: t('session.start.detail'),
      confirmLabel: t('session.start'),
    });
    if (!ok) return;
    this.pendingStatus = 'live';   // our own change: the event need not announce it
    try {
      const s = await api.post(`/api/v1/sessions/${this.id}/start`);
      this.onSessionUpdated(s, { announce: false });
      toast(t('session.started'), { kind: 'success' });
    } catch (err) {
      showError(err, t('session.start.failed'));
    } finally {
      this.pendingStatus = null;
    }
  }

  async end() {
    const ok = await confirmDialog({
      title: t('session.end.title'),
      message: t('session.end.message', { title: this.detail.title }),
      detail: t('session.end.detail'),
      confirmLabel: t('session.end'),
      danger: true,
    });
    if (!ok) return;
    this.pendingStatus = 'ended';   // our own change: the event need not announce it
    try {
      const s = await api.post(`/api/v1/sessions/${this.id}/end`);
      this.onSessionUpdated(s, { announce: false });
      toast(t('session.ended'), { kind: 'success' });
    } catch (err) {
      showError(err, t('session.end.failed'));
    } finally {
      this.pendingStatus = null;
    }
  }

  // ---------- rendering ----------

  currentTab() { return this.tabs[this.tab]; }

  showTab(tab) {
    const next = TABS.includes(tab) ? tab : 'agenda';
    if (next === this.tab && this.panelEl.childElementCount) return;
    this.tab = next;
    this.renderTabs();
    this.renderPanel();
  }

  renderSkeleton() {
    this.headEl = h('div', { class: 'session-head' }, h('div', { class: 'loading' }, h('span', { class: 'spinner' }), ' ', t('app.loading')));
    this.tabsEl = h('nav', { class: 'tabs', 'aria-label': t('session.sections') });
    this.panelEl = h('section', { class: 'tab-panel', 'aria-live': 'off' });
    fill(this.main, h('div', { class: 'page' },
      h('div', { class: 'breadcrumb' }, h('a', { href: '#/sessions' }, '‹ ', t('nav.sessions'))),
      this.headEl, this.tabsEl, this.panelEl));
    this.renderTabs();
  }

  renderTabs() {
    const d = this.detail;
    const att = this.attendance;
    const count = {
      agenda: d ? countAgenda(d.agenda || []).items : null,
      delegates: d ? (d.delegates || []).length : null,
      sites: d ? (d.sites || []).length : null,
      attendance: att ? `${att.present}/${att.expected}` : null,
    };
    const icons = { agenda: 'checklist', delegates: 'users', sites: 'site', attendance: 'check', recordings: 'play', records: 'file' };
    fill(this.tabsEl, ...TABS
      .filter((k) => !['attendance', 'recordings'].includes(k) || this.ctx.canSeeAttendance)
      .filter((k) => k !== 'records' || this.ctx.canRun)
      .map((k) => h('a', {
        class: 'tab', href: `#/sessions/${this.id}/${k}`, 'aria-current': k === this.tab ? 'page' : null, dataset: { tab: k },
      }, icon(icons[k]), t(`tab.${k}`), count[k] != null ? h('span', { class: 'count', dataset: { count: k } }, String(count[k])) : null)));
  }

  renderCounts() {
    this.renderTabs();
    this.renderHeadStats();
  }

  renderHead() {
    const d = this.detail;
    const ctx = this.ctx;
    this.statsEl = h('div', { class: 'session-stats' });
    const actions = h('div', { class: 'session-actions' },
      button('.ics', { ic: 'calendar', attrs: { title: t('cal.session_ics'), 'data-ics': '' }, onClick: () => downloadSessionIcs(d.id) }),
      ctx.canEdit && d.status !== 'ended' ? button(t('session.edit'), { ic: 'edit', onClick: () => openSessionForm(ctx, d, (s) => this.onSessionUpdated(s, { announce: false })) }) : null,
      ctx.canEdit && d.status !== 'live' ? button(t('app.delete'), { kind: 'danger-outline', ic: 'trash', onClick: () => deleteSession(ctx, d, () => ctx.navigate('#/sessions')) }) : null,
      ctx.canRun && d.status === 'scheduled' ? button(t('session.start'), { kind: 'success', ic: 'play', onClick: () => this.start() }) : null,
      ctx.canRun && d.status === 'live' ? button(t('session.end'), { kind: 'danger', ic: 'stop', onClick: () => this.end() }) : null);
    fill(this.headEl, h('div', { class: `card session-card status-${d.status}` },
      h('div', { class: 'card-body' },
        h('div', { class: 'session-title-row' },
          h('div', { class: 'session-title-block' },
            h('div', { class: 'row' }, statusBadge(d.status), h('span', { class: 'muted small' }, t('session.number', { id: d.id }))),
            h('h1', { class: 'session-title' }, d.title),
            h('div', { class: 'session-meta' },
              h('span', null, icon('calendar'), formatRange(d.starts_at, d.ends_at)),
              d.room ? h('span', null, icon('room'), d.room) : null),
            d.description ? h('p', { class: 'session-desc' }, d.description) : null),
          actions),
        this.statsEl),
      !ctx.canEdit ? h('div', { class: 'card-footer' }, h('span', { class: 'muted small' }, t('console.readonly'))) : null));
    this.renderHeadStats();
  }

  renderHeadStats() {
    if (!this.statsEl || !this.detail) return;
    const d = this.detail;
    const agenda = countAgenda(d.agenda || []);
    const att = this.attendance;
    const stat = (label, value, key) => h('div', { class: 'mini-stat', dataset: { stat: key } }, h('span', { class: 'mini-stat-value num' }, value), h('span', { class: 'mini-stat-label' }, label));
    fill(this.statsEl,
      stat(t('session.stat.items'), String(agenda.items), 'items'),
      stat(t('session.stat.documents'), String(agenda.documents), 'documents'),
      stat(t('session.stat.delegates'), String((d.delegates || []).length), 'delegates'),
      stat(t('session.stat.sites'), String((d.sites || []).length), 'sites'),
      att ? stat(t('session.stat.present'), `${att.present}/${att.expected}`, 'present') : null,
      d.updated_at ? h('div', { class: 'mini-stat-note muted small' }, t('session.updated_at', { time: formatDateTime(d.updated_at) })) : null);
  }

  renderPanel() {
    if (!this.detail) return;
    this.panelEl.dataset.tab = this.tab;
    this.currentTab().render(this.panelEl);
  }
}
