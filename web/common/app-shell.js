// The life of a logged-in app, shared by the tablet, the console and the
// technicians' dashboard: boot (the province first, then the saved token's
// user, or the login), the login that ran out (one notice however many
// requests find out at once), logout, and unexpected errors as toasts.
// Each app says what starting and ending mean for it; the shell says when.

import { t } from './i18n.js';
import { api, auth, onUnauthorized } from './api.js';
import { h, fill, showError, button } from './ui.js';
import { loadProvince } from './province.js';
import { applyI18n } from './i18n.js';

/**
 * @main: where the app draws; @isLoggedIn(): whether a user's app runs;
 * @startApp(user), @endApp(): begin and end it (endApp forgets the token);
 * @showLogin(notice): the login, with an optional notice; @bootFailedKey:
 * the message when the server cannot be reached at boot; @retrySize: the
 * retry button's size; @beforeLogout(): async work before the token goes
 * (unsaved notes, cached documents); @quietRejection(reason): errors that
 * are no error (a cancelled rendering).
 * Returns {boot, logout, expired}: expired() is for the app's own late
 * discoveries (a WebSocket refusing the token, a document fetch).
 */
export function appShell({ main, isLoggedIn, startApp, endApp, showLogin, bootFailedKey, retrySize,
  beforeLogout = null, quietRejection = () => false }) {
  let expiredShown = false;
  function expired() {
    if (!isLoggedIn() || expiredShown) return;
    expiredShown = true;
    endApp();
    showLogin(t('login.expired'));
    setTimeout(() => { expiredShown = false; }, 1000);
  }
  onUnauthorized(expired);

  async function logout() {
    if (beforeLogout) await beforeLogout();
    try { await api.post('/api/v1/logout'); } catch { /* the token is dropped anyway */ }
    endApp();
    showLogin(t('login.logged_out'));
  }

  async function boot() {
    await loadProvince();   // every time shown is in the province's zone: know it first
    applyI18n(document);
    if (!auth.token) { showLogin(); return; }
    try {
      const me = await api.get('/api/v1/me');
      auth.save(null, me);
      startApp(me);
    } catch (err) {
      if (err.isAuth) { auth.clear(); showLogin(t('login.expired')); return; }
      showError(err, t(bootFailedKey));
      fill(main, h('div', { class: 'page' }, h('div', { class: 'card' }, h('div', { class: 'empty' },
        h('strong', null, t(bootFailedKey)), h('p', null, err.reason || ''),
        button(t('app.retry'), { kind: 'primary', size: retrySize, onClick: boot })))));
    }
  }

  window.addEventListener('unhandledrejection', (e) => {
    if (quietRejection(e.reason)) return;
    showError(e.reason);
  });

  return { boot, logout, expired };
}
