// roomctl delegate tablet: entry point. Owns the login, the header (with the
// connection state and the display preferences), the WebSocket connection,
// the choice of the session and the session view (session-view.js).
//
// The login lasts for the browser tab (sessionStorage), so a reload keeps it;
// display preferences and the language are remembered on the device.
//
// Closed sessions (recovery.js): the documents of a closed session that has
// ended are purged before anything is shown — at the start (a purge left
// half done, then the session list: an ended closed session of which this
// tablet holds copies) and when the open session ends.

import { register, t, onLangChange, formatRange, sameDay } from '../common/i18n.js';
import { api, auth, RoomSocket } from '../common/api.js';
import { h, clear, mountHeader, toast, showError, clearToasts, button, icon, statusBadge } from '../common/ui.js';
import { applyPrefs } from '../common/prefs.js';
import { displayButtons } from '../common/display.js';
import { bindLoginForm } from '../common/login.js';
import { appShell } from '../common/app-shell.js';
import { TABLET_MESSAGES } from './messages.js';
import { SessionView } from './session-view.js';
import { forgetDocuments } from './viewer.js';
import { onDocumentUnauthorized, clearDocuments } from './doc-cache.js';
import { deviceId, heldSessions, owedSessions, purgeSession, finishDuePurges, sendReceipts } from './recovery.js';

register(TABLET_MESSAGES);
applyPrefs();

const main = document.getElementById('main');
const SESSION_KEY = 'roomctl.tablet.session';

const state = { me: null, ws: null, view: null, loginMode: 'password' };

/** The server's clock minus ours (ms), measured with ping; 0 until known. */
const serverClock = {
  offset: 0,
  skew() { return this.offset; },
  async measure(ws) {
    try {
      const t0 = Date.now();
      const ack = await ws.request('ping', {}, { queue: false });
      const t1 = Date.now();
      const server = Date.parse(ack.time);
      if (!Number.isNaN(server)) this.offset = server + 500 - (t0 + t1) / 2;   // the time has whole seconds
    } catch { /* keep the old estimate */ }
  },
};

// ---------- header ----------

const header = mountHeader(document.getElementById('header'), {
  sectionKey: 'tb.section',
  homeHref: './',
  onLogout: () => shell.logout(),
  tools: () => displayButtons({ onChange: () => state.view?.viewer?.render() }),
});

// ---------- login ----------

function showLogin(notice) {
  leaveSession();
  header.setUser(null);
  header.setConn(null);
  document.title = `roomctl · ${t('tb.login.title')}`;
  const pin = state.loginMode === 'pin';
  const user = h('input', {
    type: 'text', id: 'login-user', name: 'username', autocomplete: 'username', autocapitalize: 'none',
    spellcheck: 'false', maxlength: 32, required: true,
  });
  const pass = h('input', {
    type: 'password', id: 'login-pass', name: 'password', autocomplete: pin ? 'one-time-code' : 'current-password', maxlength: 128, required: true,
    inputmode: pin ? 'numeric' : null, pattern: pin ? '[0-9]*' : null, class: pin ? 'pin-input' : null,
  });
  const errBox = h('div', { class: 'callout callout-danger', role: 'alert', hidden: true });
  const submit = button(t('login.submit'), { kind: 'primary', size: 'xl', type: 'submit' });
  submit.classList.add('btn-block');
  const modeBtn = (mode, key) => h('button', {
    type: 'button', 'aria-pressed': String(state.loginMode === mode),
    onclick: () => { const u = user.value; state.loginMode = mode; showLogin(notice); document.getElementById('login-user').value = u; },
  }, t(key));
  const keypad = pin ? h('div', { class: 'pin-pad', role: 'group', 'aria-label': t('tb.login.keypad') },
    ['1', '2', '3', '4', '5', '6', '7', '8', '9', 'del', '0', 'ok'].map((k) => {
      if (k === 'del') return h('button', { type: 'button', class: 'pin-key fn', 'aria-label': t('tb.login.delete'), onclick: () => { pass.value = pass.value.slice(0, -1); pass.focus(); } }, '⌫');
      if (k === 'ok') return h('button', { type: 'submit', class: 'pin-key ok', 'aria-label': t('login.submit') }, icon('check'));
      return h('button', { type: 'button', class: 'pin-key', onclick: () => { pass.value += k; } }, k);
    })) : null;
  const form = h('form', { class: 'card login-card tb-login', novalidate: true, 'aria-labelledby': 'login-title' },
    h('div', { class: 'card-body' },
      h('h1', { id: 'login-title' }, t('tb.login.title')),
      h('p', { class: 'sub' }, t('tb.login.subtitle')),
      notice ? h('div', { class: 'callout', role: 'status', style: { marginBottom: '1rem' } }, notice) : null,
      h('div', { class: 'field' }, h('label', { for: 'login-user' }, t('login.username')), user),
      h('div', { class: 'seg login-mode', role: 'group', 'aria-label': t('tb.login.mode') },
        modeBtn('password', 'tb.login.mode_password'), modeBtn('pin', 'tb.login.mode_pin')),
      h('div', { class: 'field' }, h('label', { for: 'login-pass' }, t(pin ? 'tb.login.pin' : 'login.password')), pass),
      keypad,
      errBox,
      h('div', { class: 'login-submit' }, submit)));
  bindLoginForm(form, {
    user, pass, errBox, submit, onLoggedIn: startApp,
    errorText: (err) => (err.code === 1103 ? t(pin ? 'tb.login.bad_pin' : 'tb.login.bad_password') : (err.reason || t('login.failed'))),
    onFailed: () => { pass.value = ''; pass.focus(); },
  });
  clear(main).append(h('div', { class: 'login-wrap' }, form));
  user.focus();
}

/* Before the token goes: unsaved notes out, and no document of this
 * delegate's (a confidential one above all) left on the tablet. */
async function beforeLogout() {
  if (state.view) state.view.notes?.flush();
  forgetDocuments();
  await clearDocuments();
}

function endApp() {
  leaveSession();
  clearToasts();
  if (state.ws) state.ws.stop();
  state.ws = null;
  state.me = null;
  auth.clear();
  sessionStorage.removeItem(SESSION_KEY);
}

onDocumentUnauthorized(() => shell.expired());

function startApp(user) {
  state.me = user;
  header.setUser(user);
  state.ws = new RoomSocket({
    subscribeExtra: { device: deviceId() },
    onStatus: (s) => {
      header.setConn(s);
      if (s === 'online' && state.ws) serverClock.measure(state.ws);
      if (state.view) state.view.onConnection(s);
    },
    onAuthFailed: () => shell.expired(),
  });
  state.ws.on('error', (msg) => showError({ errorName: msg.body?.name, reason: msg.body?.reason }, t('tb.ws_error')));
  state.ws.start();
  chooseSession();
}

/** Purges the closed sessions in @sessions that have ended and of which this
 *  tablet still holds something; resolves with their ids. */
async function recoverEnded(sessions) {
  const userId = state.me.id;
  await finishDuePurges(userId);
  const held = await heldSessions();
  for (const sid of owedSessions()) held.add(sid);
  const purged = [];
  for (const s of sessions) {
    if (!s.closed || s.status !== 'ended' || !held.has(s.id)) continue;
    await purgeSession(s.id, { userId, ws: state.ws });
    purged.push(s.id);
  }
  sendReceipts(state.ws, state.me.id);
  return purged;
}

/** The open closed session ended: nothing more of it on the screen, its
 *  documents and notes purged, the server told. */
async function recoverSession(view) {
  const sid = view.id;
  const docIds = view.documentIds();
  const notesHeld = view.notes ? view.notes.notes.size : 0;
  const title = view.meeting.session?.title || '';
  leaveSession();
  sessionStorage.removeItem(SESSION_KEY);
  clear(main).append(h('div', { class: 'loading', dataset: { testid: 'recovering' } }, h('span', { class: 'spinner' }), ' ', t('tb.closed.purging')));
  try {
    await purgeSession(sid, { userId: state.me.id, docIds, notesHeld, ws: state.ws });
  } catch (err) {
    console.warn('roomctl: purging the closed session failed; it is finished at the next start', err);
  }
  if (!state.me) return;   // logged out meanwhile: the receipt goes at the next login
  sendReceipts(state.ws, state.me.id);
  chooseSession({ pick: true, notice: t('tb.closed.purged', { title }) });
}

// ---------- choosing the session ----------

function leaveSession() {
  if (state.view) state.view.destroy();
  state.view = null;
}

/** Today in the province, not on the tablet's own clock zone. */
function isToday(iso) {
  return sameDay(iso, Date.now());
}

async function chooseSession({ pick = false, notice = null } = {}) {
  leaveSession();
  document.title = `roomctl · ${t('tb.section')}`;
  clear(main).append(h('div', { class: 'loading' }, h('span', { class: 'spinner' }), ' ', t('app.loading')));
  let sessions;
  try {
    sessions = (await api.get('/api/v1/sessions')).sessions || [];
  } catch (err) {
    if (err.isAuth) return;
    clear(main).append(h('div', { class: 'page' }, h('div', { class: 'card' }, h('div', { class: 'empty' },
      h('strong', null, t('tb.pick.load_failed')), h('p', null, err.reason || ''),
      button(t('app.retry'), { kind: 'primary', size: 'lg', onClick: () => chooseSession({ pick }) })))));
    return;
  }
  // Purged now: say so, and do not go into it on our own.
  const purged = await recoverEnded(sessions);
  const saved = Number(sessionStorage.getItem(SESSION_KEY));
  if (purged.length) {
    if (purged.includes(saved)) sessionStorage.removeItem(SESSION_KEY);
    const titles = sessions.filter((x) => purged.includes(x.id)).map((x) => x.title).join('”, “');
    showPicker(sessions, t('tb.closed.purged', { title: titles }));
    return;
  }
  const active = sessions.filter((s) => s.status !== 'ended');
  if (!pick) {
    const again = sessions.find((s) => s.id === saved);
    if (again) { openSession(again.id); return; }
    const live = active.filter((s) => s.status === 'live');
    if (live.length === 1) { openSession(live[0].id); return; }
    if (!live.length && active.length === 1) { openSession(active[0].id); return; }
    const today = active.filter((s) => isToday(s.starts_at));
    if (!live.length && today.length === 1) { openSession(today[0].id); return; }
  }
  showPicker(sessions, notice);
}

function showPicker(sessions, notice = null) {
  const rank = (s) => (s.status === 'live' ? 0 : isToday(s.starts_at) ? 1 : s.status === 'scheduled' ? 2 : 3);
  const list = [...sessions].sort((a, b) => rank(a) - rank(b) || (rank(a) === 3 ? b.starts_at.localeCompare(a.starts_at) : a.starts_at.localeCompare(b.starts_at)));
  const body = list.length
    ? h('ul', { class: 'pick-list' }, list.map((s) => h('li', null, h('button', {
      type: 'button', class: `pick-card card status-${s.status}`, onclick: () => openSession(s.id),
    },
    h('div', { class: 'pick-top' }, statusBadge(s.status), isToday(s.starts_at) ? h('span', { class: 'badge badge-today' }, t('tb.pick.today')) : null,
      s.closed ? h('span', { class: 'badge badge-closed' }, t('tb.closed.badge')) : null),
    h('span', { class: 'pick-title' }, s.title),
    h('span', { class: 'pick-meta' }, icon('clock'), formatRange(s.starts_at, s.ends_at)),
    s.room ? h('span', { class: 'pick-meta' }, icon('room'), s.room) : null,
    h('span', { class: 'pick-go' }, t('tb.pick.enter'), icon('chevron'))))))
    : h('div', { class: 'card' }, h('div', { class: 'empty' }, h('strong', null, t('tb.pick.none')), h('p', null, t('tb.pick.none_hint')),
      button(t('app.retry'), { kind: 'primary', size: 'lg', ic: 'refresh', onClick: () => chooseSession({ pick: true }) })));
  clear(main).append(h('div', { class: 'page pick' },
    h('h1', null, t('tb.pick.title')),
    h('p', { class: 'text-2' }, t('tb.pick.subtitle')),
    notice ? h('div', { class: 'callout tb-recovered', role: 'status', dataset: { testid: 'recovered-notice' } }, notice) : null,
    body));
}

function openSession(id) {
  leaveSession();
  sessionStorage.setItem(SESSION_KEY, String(id));
  state.view = new SessionView(main, {
    me: state.me, ws: state.ws, sessionId: id, serverClock,
    onLeave: () => { sessionStorage.removeItem(SESSION_KEY); chooseSession({ pick: true }); },
    onClosedEnded: (view) => { if (view === state.view) recoverSession(view); },
  });
  state.view.onConnection(state.ws.status);
}

// ---------- language ----------

onLangChange(() => {
  header.refresh();
  if (!state.me) { showLogin(); return; }
  if (state.view) state.view.rebuild();
  else chooseSession({ pick: true });
});

// ---------- boot ----------

const shell = appShell({
  main, isLoggedIn: () => !!state.me, startApp, endApp, showLogin, bootFailedKey: 'tb.boot_failed', retrySize: 'lg',
  beforeLogout, quietRejection: (reason) => reason && reason.name === 'RenderingCancelledException',
});
shell.boot();

export { state, toast };
