// One meeting session: header (title, status, time, actions start/end/edit/
// delete) and the tabs — agenda & documents, delegates, sites, attendance,
// recordings, records, and the live program (program.js). The session's state is a Meeting (common/meeting.js,
// the tablet's model too): filled from REST, the WebSocket's snapshot and
// events, and the replies to our own changes; this page and its tabs draw
// from it when it says what changed, so what is shown follows the server
// without reloading.

import { t, formatRange, formatDateTime } from '../common/i18n.js';
import { api } from '../common/api.js';
import { h, clear, fill, button, icon, statusBadge, toast, showError, confirmDialog } from '../common/ui.js';
import { openSessionForm, deleteSession, closedBadge } from './sessions.js';
import { closedBanner } from '../common/closed-banner.js';
import { getLang } from '../common/i18n.js';
import { AgendaTab, countAgenda } from './agenda.js';
import { DelegatesTab } from './delegates.js';
import { SitesTab } from './sites.js';
import { AttendanceTab } from './attendance.js';
import { RecordsTab } from './records.js';
import { RecordingsTab } from './recordings.js';
import { ProgramTab } from './program.js';
import { ownAgendaRefresher } from '../common/agenda-view.js';
import { downloadSessionIcs } from './calendar.js';
import { Meeting } from '../common/meeting.js';
import { loadOrganisations, sessionAccess, invitedBadge } from './organisations.js';

const TABS = ['agenda', 'delegates', 'sites', 'attendance', 'program', 'recordings', 'records'];

export class SessionPage {
  constructor(ctx, main, id, tab) {
    this.ctx = ctx;
    this.main = main;
    this.id = id;
    this.meeting = new Meeting(id, ctx.me);
    this.drawnStatus = null;   // the status the panel was last drawn for
    this.quiet = false;        // applying our own change: a new status needs no announcement
    this.alive = true;
    this.access = null;        // 'scope' | 'invited' | 'member', once the session and the tree are known
    this.ownAgenda = ownAgendaRefresher(id, (agenda) => { if (this.alive) this.apply('agenda.updated', { agenda }); });
    this.tab = TABS.includes(tab) ? tab : 'agenda';
    this.tabs = {
      agenda: new AgendaTab(this),
      delegates: new DelegatesTab(this),
      sites: new SitesTab(this),
      attendance: new AttendanceTab(this),
      records: new RecordsTab(this),
      recordings: new RecordingsTab(this),
      program: new ProgramTab(this),
    };
    this.offs = [this.meeting.onChange((d) => { if (this.alive) this.onMeeting(d); })];
    this.renderSkeleton();
    this.load();
    this.listen();
  }

  /** Editors and chairs change and run only their own units' sessions;
   *  another unit's that invites theirs they read (and until that is
   *  known, nothing is offered). */
  get canEdit() { return this.ctx.canEdit && this.access === 'scope'; }
  get canRun() { return this.ctx.canRun && this.access === 'scope'; }
  get status() { return this.meeting.session ? this.meeting.session.status : null; }

  destroy() {
    this.alive = false;
    for (const off of this.offs) off();
    if (this.ctx.ws) this.ctx.ws.unsubscribe(this.id);
    for (const tab of Object.values(this.tabs)) if (tab.destroy) tab.destroy();
  }

  /** Language changed: draw everything again from the state in memory. */
  relabel() {
    this.renderSkeleton();
    if (this.meeting.session) { this.renderHead(); this.renderPanel(); }
  }

  // ---------- data ----------

  async load() {
    try {
      const [detail, orgs] = await Promise.all([api.get(`/api/v1/sessions/${this.id}`), loadOrganisations(this.ctx)]);
      if (!this.alive) return;
      this.access = sessionAccess(orgs, detail);
      document.title = `roomctl · ${detail.title}`;
      this.meeting.applySession(detail);
      if (this.access !== 'invited') this.subscribe();
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
      if (this.alive) this.meeting.applyAttendance(att);
    } catch (err) {
      if (this.alive && this.tab === 'attendance') showError(err, t('attendance.load_failed'));
    }
  }

  listen() {
    const ws = this.ctx.ws;
    if (!ws) return;
    const mine = (fn) => (msg) => { if (this.alive && msg.session_id === this.id) fn(msg); };
    this.offs.push(
      ws.on('snapshot', mine((m) => this.meeting.applySnapshot(m.body || {}))),
      ws.on('*', mine((m) => {
        if (m.type === 'snapshot' || m.type === 'subscribed') return;
        this.meeting.applyEvent(m);
        if (m.type === 'agenda.updated') this.ownAgenda(m.body && m.body.agenda);
      })),
    );
  }

  /** The live feed, for those who run the session or sit in it: an invited
   *  unit reads the session over REST (the server refuses it the feed). */
  subscribe() {
    const ws = this.ctx.ws;
    if (!ws || this.subscribed) return;
    this.subscribed = true;
    ws.subscribe(this.id).catch((err) => { if (this.alive) showError(err, t('session.live_failed')); });
  }

  /** A REST reply that carries what the event @type would: applied as that
   *  event (the event itself follows and changes nothing more). */
  apply(type, body) {
    this.meeting.applyEvent({ type, session_id: this.id, body });
  }

  /** Our own change of the session (edit, start, end): no announcement. */
  applyOwnSession(s) {
    this.quiet = true;
    try { this.apply('session.updated', s); } finally { this.quiet = false; }
  }

  /** TRUE when the status differs from the one the panel was drawn for. */
  statusChanged() {
    const before = this.drawnStatus;
    this.drawnStatus = this.status;
    return before !== this.drawnStatus;
  }

  /** The meeting changed (d.topic says what): draw what shows it. */
  onMeeting(d) {
    const m = this.meeting;
    if (d.topic === 'session' && m.deleted) {
      toast(t('session.deleted_remote'), { kind: 'warn' });
      this.ctx.navigate('#/sessions');
      return;
    }
    if (!m.session) return;
    switch (d.topic) {
      case 'detail':   // our REST read (and now whether the session is ours to run)
        this.statusChanged();
        this.renderTabs();
        this.renderHead();
        this.renderPanel();
        break;
      case 'reset': {  // a snapshot: the session and its attendance
        const changed = this.statusChanged();
        this.renderHead();
        if (changed) this.renderPanel();
        else this.currentTab().onData?.('snapshot');
        this.renderCounts();
        if (this.tab === 'attendance') this.tabs.attendance.render(this.panelEl);
        break;
      }
      case 'session':
        this.renderHead();
        if (this.statusChanged()) {
          if (!this.quiet && this.status !== this.pendingStatus) toast(t('session.now_status', { status: t(`status.${this.status}`) }), { kind: 'info' });
          this.renderPanel();
        }
        break;
      case 'agenda':
        this.renderCounts();
        this.tabs.agenda.onData?.('agenda');
        break;
      case 'delegates':
        this.renderCounts();
        this.tabs.delegates.onData?.('delegates');
        this.loadAttendance();   // the expected list changed
        break;
      case 'sites':
        this.renderCounts();
        this.tabs.sites.onData?.('sites');
        break;
      case 'site_floor':
        this.tabs.program.onData?.('site_floor');
        break;
      case 'attendance':
        if (!d.entry) {   // the whole list
          this.renderCounts();
          if (this.tab === 'attendance') this.tabs.attendance.render(this.panelEl);
        } else if (!m.attendanceKnown) {
          this.loadAttendance();
        } else {
          this.renderCounts();
          this.tabs.attendance.onEntry(d.entry);
        }
        break;
      default:
        break;
    }
  }

  // ---------- actions ----------

  async start() {
    const ok = await confirmDialog({
      title: t('session.start.title'),
      message: t('session.start.message', { title: this.meeting.session.title }),
      detail: t('session.start.detail'),
      confirmLabel: t('session.start'),
    });
    if (!ok) return;
    this.pendingStatus = 'live';   // our own change: the event need not announce it
    try {
      const s = await api.post(`/api/v1/sessions/${this.id}/start`);
      this.applyOwnSession(s);
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
      message: t('session.end.message', { title: this.meeting.session.title }),
      detail: t('session.end.detail'),
      confirmLabel: t('session.end'),
      danger: true,
    });
    if (!ok) return;
    this.pendingStatus = 'ended';   // our own change: the event need not announce it
    try {
      const s = await api.post(`/api/v1/sessions/${this.id}/end`);
      this.applyOwnSession(s);
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
    if (next !== this.tab) this.currentTab().leave?.();
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
    const m = this.meeting;
    const d = m.session;
    const att = m.attendanceKnown ? m.attendance : null;
    const count = {
      agenda: d ? countAgenda(m.agenda).items : null,
      delegates: d ? m.delegates.size : null,
      sites: d ? m.sites.length : null,
      attendance: att ? `${att.present}/${att.expected}` : null,
    };
    const icons = { agenda: 'checklist', delegates: 'users', sites: 'site', attendance: 'check', program: 'present', recordings: 'play', records: 'file' };
    fill(this.tabsEl, ...TABS
      .filter((k) => !['attendance', 'recordings'].includes(k) || this.ctx.canSeeAttendance)
      .filter((k) => k !== 'records' || this.canRun)
      .map((k) => h('a', {
        class: 'tab', href: `#/sessions/${this.id}/${k}`, 'aria-current': k === this.tab ? 'page' : null, dataset: { tab: k },
      }, icon(icons[k]), t(`tab.${k}`), count[k] != null ? h('span', { class: 'count', dataset: { count: k } }, String(count[k])) : null)));
  }

  renderCounts() {
    this.renderTabs();
    this.renderHeadStats();
  }

  renderHead() {
    const d = this.meeting.session;
    const ctx = this.ctx;
    this.statsEl = h('div', { class: 'session-stats' });
    const actions = h('div', { class: 'session-actions' },
      button('.ics', { ic: 'calendar', attrs: { title: t('cal.session_ics'), 'data-ics': '' }, onClick: () => downloadSessionIcs(d.id) }),
      this.canEdit && d.status !== 'ended' ? button(t('session.edit'), { ic: 'edit', onClick: () => openSessionForm(ctx, d, (s) => this.applyOwnSession(s)) }) : null,
      this.canEdit && d.status !== 'live' ? button(t('app.delete'), { kind: 'danger-outline', ic: 'trash', onClick: () => deleteSession(ctx, d, () => ctx.navigate('#/sessions')) }) : null,
      this.canRun && d.status === 'scheduled' ? button(t('session.start'), { kind: 'success', ic: 'play', onClick: () => this.start() }) : null,
      this.canRun && d.status === 'live' ? button(t('session.end'), { kind: 'danger', ic: 'stop', onClick: () => this.end() }) : null);
    const guests = (d.invited || []).map((o) => o.name);
    const readonly = this.access && this.access !== 'scope'
      ? t('org.readonly', { organisation: d.organisation || '' })
      : !ctx.canEdit ? t('console.readonly') : null;
    fill(this.headEl, closedBanner(d.closed, { lang: getLang(), detail: t('session.closed.banner') }),
      h('div', { class: `card session-card status-${d.status}` },
      h('div', { class: 'card-body' },
        h('div', { class: 'session-title-row' },
          h('div', { class: 'session-title-block' },
            h('div', { class: 'row' }, statusBadge(d.status), d.closed ? closedBadge() : null,
              this.access === 'invited' ? invitedBadge() : null,
              h('span', { class: 'muted small' }, t('session.number', { id: d.id }))),
            h('h1', { class: 'session-title' }, d.title),
            h('div', { class: 'session-meta' },
              h('span', null, icon('calendar'), formatRange(d.starts_at, d.ends_at)),
              d.room ? h('span', null, icon('room'), d.room) : null,
              d.organisation ? h('span', { dataset: { testid: 'session-organisation' } }, icon('grid'), d.organisation) : null),
            guests.length ? h('p', { class: 'session-guests', dataset: { testid: 'session-invited' } },
              h('strong', null, t('org.field.invited')), `: ${guests.join(', ')}`) : null,
            d.description ? h('p', { class: 'session-desc' }, d.description) : null),
          actions),
        this.statsEl),
      readonly ? h('div', { class: 'card-footer' }, h('span', { class: 'muted small', dataset: { testid: 'session-readonly' } }, readonly)) : null));
    this.renderHeadStats();
  }

  renderHeadStats() {
    const m = this.meeting;
    const d = m.session;
    if (!this.statsEl || !d) return;
    const agenda = countAgenda(m.agenda);
    const att = m.attendanceKnown ? m.attendance : null;
    const stat = (label, value, key) => h('div', { class: 'mini-stat', dataset: { stat: key } }, h('span', { class: 'mini-stat-value num' }, value), h('span', { class: 'mini-stat-label' }, label));
    fill(this.statsEl,
      stat(t('session.stat.items'), String(agenda.items), 'items'),
      stat(t('session.stat.documents'), String(agenda.documents), 'documents'),
      stat(t('session.stat.delegates'), String(m.delegates.size), 'delegates'),
      stat(t('session.stat.sites'), String(m.sites.length), 'sites'),
      att ? stat(t('session.stat.present'), `${att.present}/${att.expected}`, 'present') : null,
      d.updated_at ? h('div', { class: 'mini-stat-note muted small' }, t('session.updated_at', { time: formatDateTime(d.updated_at) })) : null);
  }

  renderPanel() {
    if (!this.meeting.session) return;
    this.panelEl.dataset.tab = this.tab;
    this.currentTab().render(this.panelEl);
  }
}
