// roomctl secretariat console: entry point. Owns the login state, the header,
// the WebSocket connection and the hash router; the pages live in their own
// modules (sessions.js, session-page.js and its tabs).
//
// Routes:  #/sessions            list of sessions
//          #/sessions/12[/tab]   one session; tab = agenda|delegates|sites|attendance|recordings
//          #/import              bulk import from CSV (import.js)

import { register, t, onLangChange } from '../common/i18n.js';
import { auth, RoomSocket } from '../common/api.js';
import { mountHeader, showError, clearToasts } from '../common/ui.js';
import { showLoginForm } from '../common/login.js';
import { appShell } from '../common/app-shell.js';
import { applyPrefs } from '../common/prefs.js';
import { displayButtons } from '../common/display.js';
import { CONSOLE_MESSAGES } from './messages.js';
import { renderSessionList } from './sessions.js';
import { SessionPage } from './session-page.js';
import { renderImportPage } from './import.js';

register(CONSOLE_MESSAGES);
applyPrefs();

const main = document.getElementById('main');
const EDIT_ROLES = ['admin', 'secretariat'];

/** Shared state and capabilities handed to every page. */
const ctx = {
  me: null,
  ws: null,
  get canEdit() { return !!this.me && EDIT_ROLES.includes(this.me.role); },
  get canRun() { return !!this.me && ['admin', 'secretariat', 'chair'].includes(this.me.role); },
  get canSeeAttendance() { return !!this.me && ['admin', 'secretariat', 'chair', 'technician'].includes(this.me.role); },
  get canListUsers() { return !!this.me && EDIT_ROLES.includes(this.me.role); },
  get canListSites() { return !!this.me && ['admin', 'secretariat', 'chair', 'technician'].includes(this.me.role); },
  get isStaff() { return !!this.me && this.me.role !== 'delegate'; },
  navigate(hash) {
    if (location.hash === hash) route();
    else location.hash = hash;
  },
};

const header = mountHeader(document.getElementById('header'), {
  sectionKey: 'console.section',
  homeHref: '#/sessions',
  onLogout: () => shell.logout(),
  tools: () => displayButtons(),
});

let page = null;   // the current page object (has destroy()), if any

// ---------- login / logout ----------

function showLogin(notice) {
  destroyPage();
  header.setUser(null);
  header.setConn(null);
  document.title = `roomctl · ${t('login.title')}`;
  showLoginForm(main, { subtitle: t('login.subtitle'), notice, onLoggedIn: startApp, toastErrors: true });
}

function endApp() {
  destroyPage();
  clearToasts();   // nothing of the previous user's work stays on screen
  if (ctx.ws) ctx.ws.stop();
  ctx.ws = null;
  ctx.me = null;
  auth.clear();
}

function startApp(user) {
  ctx.me = user;
  header.setUser(user);
  ctx.ws = new RoomSocket({
    onStatus: (s) => header.setConn(s),
    onAuthFailed: () => shell.expired(),
  });
  ctx.ws.on('error', (msg) => showError({ errorName: msg.body?.name, reason: msg.body?.reason }, t('console.ws_error')));
  ctx.ws.start();
  if (!location.hash || location.hash === '#' || location.hash === '#/') location.hash = '#/sessions';
  else route();
}

// ---------- router ----------

function destroyPage() {
  if (page && page.destroy) page.destroy();
  page = null;
}

function parseHash() {
  const parts = location.hash.replace(/^#\/?/, '').split('/').filter(Boolean);
  if (parts[0] === 'sessions' && parts[1] && /^\d+$/.test(parts[1])) {
    return { name: 'session', id: Number(parts[1]), tab: parts[2] || null };
  }
  if (parts[0] === 'import') return { name: 'import' };
  return { name: 'sessions' };
}

function route() {
  if (!ctx.me) return;
  const r = parseHash();
  if (r.name === 'session') {
    if (page instanceof SessionPage && page.id === r.id) {
      page.showTab(r.tab);
      return;
    }
    destroyPage();
    page = new SessionPage(ctx, main, r.id, r.tab);
    return;
  }
  destroyPage();
  if (r.name === 'import' && ctx.canEdit) {
    document.title = `roomctl · ${t('nav.import')}`;
    page = renderImportPage(ctx, main);
    return;
  }
  document.title = `roomctl · ${t('nav.sessions')}`;
  page = renderSessionList(ctx, main);
}

window.addEventListener('hashchange', route);

onLangChange(() => {
  clearToasts();   // they were written in the other language
  header.refresh();
  if (!ctx.me) { showLogin(); return; }
  if (page && page.relabel) page.relabel();
  else route();
});

// ---------- boot ----------

const shell = appShell({
  main, isLoggedIn: () => !!ctx.me, startApp, endApp, showLogin, bootFailedKey: 'console.boot_failed',
});
shell.boot();
