// roomctl technicians' dashboard: entry point. Owns the login, the header,
// the WebSocket, the page navigation and the live feed of the session being
// watched (feed.js), which outlives the page changes so the five-minute
// history keeps filling whichever page is open.
//
// Routes:  #/monitor/12      the sites of session 12 at a glance, alarms, detail
//          #/program/12      the program: floor, layout, recording, room audio
//          #/check[/13]      the pre-session check of a scheduled session
//          #/attendance/12   the sites' call records, CSV

import { register, t, onLangChange, formatDateTime, getLang } from '../common/i18n.js';
import { closedBanner } from '../common/closed-banner.js';
import { api, auth, RoomSocket } from '../common/api.js';
import { h, fill, mountHeader, showError, clearToasts, button, icon, toast } from '../common/ui.js';
import { showLoginForm } from '../common/login.js';
import { appShell } from '../common/app-shell.js';
import { applyPrefs } from '../common/prefs.js';
import { displayButtons } from '../common/display.js';
import { TECH_MESSAGES } from './messages.js';
import { SessionFeed } from './feed.js';
import { MonitorView } from './monitor.js';
import { ProgramView } from './program.js';
import { CheckView } from './check.js';
import { AttendanceView } from './attendance.js';

register(TECH_MESSAGES);
applyPrefs();

const main = document.getElementById('main');
const ROLES = ['admin', 'secretariat', 'technician', 'chair'];
const VIEWS = ['monitor', 'program', 'check', 'attendance'];
const VIEW_ICON = { monitor: 'grid', program: 'present', check: 'checklist', attendance: 'users' };

let sitesPromise = null;

const ctx = {
  me: null,
  ws: null,
  feedObj: null,
  selectedSite: null,
  sessions: [],
  get canAck() { return !!this.me && ['admin', 'secretariat', 'technician'].includes(this.me.role); },
  get canCheck() { return !!this.me && ['admin', 'secretariat', 'technician'].includes(this.me.role); },
  get canRunProgram() { return !!this.me && ROLES.includes(this.me.role); },
  /** One site's own stream (WHEP ?site=) is for technicians and admins. */
  get canWatchSite() { return !!this.me && ['admin', 'technician'].includes(this.me.role); },
  /** Every site (names and the tree), fetched once per login. */
  allSites() {
    if (!sitesPromise) {
      sitesPromise = api.get('/api/v1/sites').then((r) => r.sites).catch((err) => { sitesPromise = null; throw err; });
    }
    return sitesPromise;
  },
  /** The live feed of a session (one at a time), ready. */
  async feed(sessionId) {
    if (this.feedObj && this.feedObj.id !== sessionId) { this.feedObj.destroy(); this.feedObj = null; this.selectedSite = null; }
    if (!this.feedObj) {
      this.feedObj = new SessionFeed(this, sessionId);
      this.feedObj.on('error', (err) => showError(err, t('tech.subscribe_failed')));
      this.feedObj.on('alarm', () => this.setAlarmBadge());
      this.feedObj.on('session', () => refreshSessions());
    }
    try {
      await this.feedObj.ready;
    } catch (err) {
      this.feedObj?.destroy();
      this.feedObj = null;
      throw err;
    }
    return this.feedObj;
  },
  /** Unacknowledged active alarms in the tab title and on the nav. */
  setAlarmBadge() {
    let n = 0;
    if (this.feedObj) for (const a of this.feedObj.alarms.values()) if (!a.cleared_at && !a.acked_at) n++;
    document.title = `${n ? `(${n}) ` : ''}roomctl · ${t('tech.section')}`;
    const badge = document.querySelector('[data-view="monitor"] .count');
    if (badge) { badge.textContent = String(n); badge.hidden = !n; }
  },
  async giveFloor(feed, siteId) {
    try {
      const media = await this.ws.request('floor.site', { session_id: feed.id, site_id: siteId });
      feed.setMedia(media);
      const name = siteId == null ? t('tech.program.chair') : (feed.store.site(siteId)?.name || `#${siteId}`);
      toast(siteId == null ? t('tech.program.floor_back') : t('tech.program.floor_given', { name }), { kind: 'success' });
      return media;
    } catch (err) { showError(err, t('tech.program.floor_failed')); return null; }
  },
  async setLayout(feed, mode, tiles) {
    try {
      const media = await this.ws.request('media.layout', { session_id: feed.id, mode, tiles });
      feed.setMedia(media);
      return media;
    } catch (err) { showError(err, t('tech.program.layout_failed')); return null; }
  },
  async addTile(feed, siteId) {
    const m = feed.media;
    const cur = m && m.mode === 'compose' ? (m.tiles || []).slice() : [];
    if (cur.includes(siteId)) { toast(t('tech.program.already_tile'), { kind: 'info' }); return; }
    if (cur.length >= 8) { toast(t('tech.program.max_tiles'), { kind: 'warn' }); return; }
    cur.push(siteId);
    if (await this.setLayout(feed, 'compose', cur)) toast(t('tech.program.tile_added', { n: cur.length }), { kind: 'success' });
  },
  navigate(hash) {
    if (location.hash === hash) route(); else location.hash = hash;
  },
};
window.__tech = ctx;   // diagnostics (browser console, tests)

// ---------- header ----------

function fullscreenButton() {
  const on = !!document.fullscreenElement;
  return h('button', {
    type: 'button', class: 'btn btn-header btn-icon', title: t(on ? 'tech.fullscreen.off' : 'tech.fullscreen.on'),
    onclick: () => {
      if (document.fullscreenElement) document.exitFullscreen?.();
      else document.documentElement.requestFullscreen?.().catch(() => {});
    },
  }, icon('fit'), h('span', { class: 'sr-only' }, t(on ? 'tech.fullscreen.off' : 'tech.fullscreen.on')));
}

const header = mountHeader(document.getElementById('header'), {
  sectionKey: 'tech.section',
  homeHref: '#/',
  onLogout: () => shell.logout(),
  tools: () => [displayButtons(), fullscreenButton()],
});
document.addEventListener('fullscreenchange', () => header.refresh());

// ---------- login / logout ----------

function showLogin(notice) {
  endPage();
  header.setUser(null);
  header.setConn(null);
  document.title = `roomctl · ${t('tech.section')}`;
  showLoginForm(main, { subtitle: t('tech.login.subtitle'), notice, onLoggedIn: startApp });
}

function endApp() {
  watchSessions(false);
  endPage();
  if (ctx.feedObj) { ctx.feedObj.destroy(); ctx.feedObj = null; }
  clearToasts();
  if (ctx.ws) ctx.ws.stop();
  ctx.ws = null;
  ctx.me = null;
  sitesPromise = null;
  auth.clear();
}

function startApp(user) {
  ctx.me = user;
  header.setUser(user);
  if (!ROLES.includes(user.role)) {
    fill(main, h('div', { class: 'page' }, h('div', { class: 'card' }, h('div', { class: 'empty' },
      h('strong', null, t('tech.role_denied')), h('p', null, t('tech.role_denied_hint'))))));
    return;
  }
  ctx.ws = new RoomSocket({
    onStatus: (s) => header.setConn(s),
    onAuthFailed: () => shell.expired(),
  });
  ctx.ws.on('error', (msg) => showError({ errorName: msg.body?.name, reason: msg.body?.reason }, t('tech.ws_error')));
  ctx.ws.start();
  watchSessions(true);
  route();
}

// ---------- sessions and navigation ----------

async function refreshSessions() {
  try {
    const { sessions } = await api.get('/api/v1/sessions');
    const before = JSON.stringify(ctx.sessions.map((s) => [s.id, s.status, s.title, s.closed]));
    ctx.sessions = sessions;
    const sel = document.getElementById('session-select');
    // not while the list is open in front of the user
    if (before !== JSON.stringify(sessions.map((s) => [s.id, s.status, s.title, s.closed])) && document.activeElement !== sel) renderSessionSelect();
  } catch (err) { if (!err.isAuth) showError(err); }
  return ctx.sessions;
}

/** Sessions start and end elsewhere: look again now and then; a page that
 *  had no session to show picks up one that went live. */
let sessionTimer = 0;
function watchSessions(on) {
  clearInterval(sessionTimer);
  if (!on) return;
  sessionTimer = setInterval(async () => {
    if (!ctx.me || document.hidden) return;
    await refreshSessions();
    if (currentSessionId() == null && defaultSession(parseHash().view || 'monitor') != null) route();
  }, 15_000);
}

function sessionLabel(s) {
  return `${t(`status.${s.status}`)} · ${s.title} (${formatDateTime(s.started_at || s.starts_at)})`;
}

/** The session picker: the live ones, then the scheduled, then the ended. */
function renderSessionSelect() {
  const sel = document.getElementById('session-select');
  if (!sel) return;
  const view = parseHash().view;
  const order = { live: 0, scheduled: 1, ended: 2 };
  const list = ctx.sessions.slice().sort((a, b) => order[a.status] - order[b.status]
    || (a.status === 'ended' ? String(b.ended_at).localeCompare(String(a.ended_at)) : String(a.starts_at).localeCompare(String(b.starts_at))));
  const groups = ['live', 'scheduled', 'ended'].map((st) => {
    const items = list.filter((s) => s.status === st && (view === 'check' ? st === 'scheduled' : true));
    return items.length ? h('optgroup', { label: t(`tech.sessions.${st}`) },
      items.map((s) => h('option', { value: String(s.id), selected: s.id === currentSessionId() }, sessionLabel(s)))) : null;
  }).filter(Boolean);
  const none = currentSessionId() == null ? h('option', { value: '', selected: true, disabled: true }, t('tech.sessions.choose')) : null;
  sel.replaceChildren(...[none, ...groups].filter(Boolean));
  renderLiveStrip(list.filter((s) => s.status === 'live'));
  renderClosed();
}

/** The closed-session banner above every page of a closed session. */
function renderClosed() {
  const slot = document.getElementById('closed-slot');
  if (!slot) return;
  const s = ctx.sessions.find((x) => x.id === currentSessionId());
  slot.replaceChildren(...[closedBanner(s && s.closed, { lang: getLang(), detail: t('tech.closed.rules') })].filter(Boolean));
}

/** Every live conference at a glance when there are several: one link each to its monitor. */
function renderLiveStrip(live) {
  const strip = document.getElementById('live-strip');
  if (!strip) return;
  strip.hidden = live.length < 2;
  const view = ['monitor', 'program', 'alarms'].includes(parseHash().view) ? parseHash().view : 'monitor';
  strip.replaceChildren(h('span', { class: 'live-strip-label' }, t('tech.sessions.live_count', { n: live.length })),
    ...live.map((s) => h('a', { class: 'live-chip', href: `#/${view}/${s.id}`,
      'aria-current': s.id === currentSessionId() ? 'page' : null }, h('span', { class: 'dot' }), s.closed ? icon('lock') : null, s.title)));
}

function parseHash() {
  const parts = location.hash.replace(/^#\/?/, '').split('/').filter(Boolean);
  const view = VIEWS.includes(parts[0]) ? parts[0] : null;
  const id = parts[1] && /^\d+$/.test(parts[1]) ? Number(parts[1]) : null;
  return { view, id };
}

function currentSessionId() { return parseHash().id; }

let page = null;
let navEl = null;
let viewEl = null;

function endPage() {
  if (page && page.destroy) page.destroy();
  page = null;
}

/** Does a session suit a page (the check wants a scheduled one, the others not)? */
function fits(v, id) {
  const s = ctx.sessions.find((x) => x.id === id);
  if (!s) return false;
  return v === 'check' ? s.status === 'scheduled' : v === 'attendance' ? s.status !== 'scheduled' : true;
}

function renderNav(view, id) {
  const tabs = VIEWS.map((v) => h('a', {
    class: 'tab', href: `#/${v}${id != null && fits(v, id) ? `/${id}` : ''}`, dataset: { view: v },
    'aria-current': v === view ? 'page' : null,
  }, icon(VIEW_ICON[v]), h('span', null, t(`tech.view.${v}`)), v === 'monitor' ? h('span', { class: 'count hot', hidden: true }, '0') : null));
  const sel = h('select', {
    id: 'session-select', class: 'session-select', 'aria-label': t('tech.sessions.label'),
    onchange: (e) => ctx.navigate(`#/${parseHash().view || 'monitor'}/${e.target.value}`),
  });
  navEl = h('nav', { class: 'tech-nav', 'aria-label': t('tech.nav.label') },
    h('div', { class: 'tabs' }, tabs),
    h('span', { class: 'spacer' }),
    h('label', { class: 'session-label', for: 'session-select' }, t('tech.sessions.label')),
    sel);
  viewEl = h('div', { class: 'tech-view', id: 'tech-view' });
  const strip = h('nav', { class: 'live-strip', id: 'live-strip', hidden: true, 'aria-label': t('tech.sessions.live') });
  fill(main, navEl, strip, h('div', { class: 'closed-slot', id: 'closed-slot' }), viewEl);
  renderSessionSelect();
  ctx.setAlarmBadge();
}

/** Picks a session for a view when the address names none. */
function defaultSession(view) {
  const live = ctx.sessions.filter((s) => s.status === 'live');
  if (view === 'check') { // the next one to start: the one to check now
    const next = ctx.sessions.filter((s) => s.status === 'scheduled')
      .sort((a, b) => String(a.starts_at).localeCompare(String(b.starts_at)))[0];
    return next ? next.id : null;
  }
  if (live.length) return live[0].id;
  const ended = ctx.sessions.filter((s) => s.status === 'ended').sort((a, b) => String(b.ended_at).localeCompare(String(a.ended_at)));
  if (view === 'attendance' && ended.length) return ended[0].id;
  return null;
}

let routeSeq = 0;
async function route() {
  if (!ctx.me || !ctx.ws) return;
  const seq = ++routeSeq;
  let { view, id } = parseHash();
  if (!ctx.sessions.length) await refreshSessions();
  if (seq !== routeSeq) return;
  if (!view) {
    const live = ctx.sessions.some((s) => s.status === 'live');
    view = live ? 'monitor' : ctx.sessions.some((s) => s.status === 'scheduled') ? 'check' : 'attendance';
  }
  if (id == null) {
    id = defaultSession(view);
    if (id != null) { location.replace(`#/${view}/${id}`); return; }
  }
  endPage();
  renderNav(view, id);
  document.title = `roomctl · ${t('tech.section')}`;
  ctx.setAlarmBadge();
  if (view === 'check') { page = new CheckView(ctx, viewEl, id); return; }
  if (id == null) { page = noSession(viewEl, view); return; }
  if (view === 'attendance') { page = new AttendanceView(ctx, viewEl, id); return; }
  fill(viewEl, h('div', { class: 'loading' }, h('span', { class: 'spinner' }), ' ', t('app.loading')));
  let feed;
  try {
    feed = await ctx.feed(id);
  } catch (err) {
    if (seq !== routeSeq) return;
    showError(err, t('tech.load_failed'));
    fill(viewEl, h('div', { class: 'page' }, h('div', { class: 'card' }, h('div', { class: 'empty' },
      h('strong', null, t('tech.load_failed')), h('p', null, err.reason || ''),
      button(t('app.retry'), { kind: 'primary', onClick: () => route() })))));
    return;
  }
  if (seq !== routeSeq) return;
  page = view === 'program' ? new ProgramView(ctx, viewEl, feed) : new MonitorView(ctx, viewEl, feed);
  ctx.setAlarmBadge();
}

function noSession(el, view) {
  fill(el, h('div', { class: 'page' }, h('div', { class: 'card' }, h('div', { class: 'empty' },
    h('strong', null, t('tech.no_live')), h('p', null, t('tech.no_live_hint')),
    ctx.sessions.some((s) => s.status === 'scheduled') && view !== 'check'
      ? button(t('tech.view.check'), { kind: 'primary', ic: 'checklist', onClick: () => ctx.navigate('#/check') }) : null))));
  return null;
}

window.addEventListener('hashchange', () => route());

onLangChange(() => {
  clearToasts();
  header.refresh();
  if (!ctx.me) { showLogin(); return; }
  route();   // pages are rebuilt in the new language; the feed and its history stay
});

// ---------- boot ----------

const shell = appShell({
  main, isLoggedIn: () => !!ctx.me, startApp, endApp, showLogin, bootFailedKey: 'tech.boot_failed',
});
shell.boot();
