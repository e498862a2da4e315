// The login every app shares: logIn() (the username as the server keeps
// it, the token saved) and the username + password card of the console and
// the technicians' dashboard. (The tablet draws its own card, with a PIN
// keypad, and logs in through logIn() too.)

import { t } from './i18n.js';
import { api, auth } from './api.js';
import { h, fill, showError, field, button } from './ui.js';

/** Logs in; resolves with {token, user} once the token is saved. Usernames
 *  are lower-case (a-z, 0-9, . _ -) and the server matches them without
 *  regard to case; sent lower-case, the audit log's login rows name the
 *  user as stored, whatever a keyboard capitalised. The user is /me's, as
 *  at boot: with the organisation and the province the header names (the
 *  login's own when /me does not answer). */
export async function logIn(username, password) {
  const res = await api.post('/api/v1/login', { username: username.trim().toLowerCase(), password });
  auth.save(res.token, res.user);
  try {
    res.user = { ...res.user, ...await api.get('/api/v1/me') };
    auth.save(null, res.user);
  } catch (err) {
    if (err && err.isAuth) throw err;
  }
  return res;
}

/**
 * Wires a login @form: both fields required, the button off while the
 * request runs, the failure in @errBox (@errorText(err) words it), then
 * @onFailed(err); @onLoggedIn(user) once the token is saved. Every app's
 * login card goes through it.
 */
export function bindLoginForm(form, { user, pass, errBox, submit, onLoggedIn, onFailed,
  errorText = (err) => err.reason || t('login.failed') }) {
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    errBox.hidden = true;
    if (!user.value.trim() || !pass.value) {
      errBox.textContent = t('form.required');
      errBox.hidden = false;
      (user.value.trim() ? pass : user).focus();
      return;
    }
    submit.disabled = true;
    try {
      const res = await logIn(user.value, pass.value);
      onLoggedIn(res.user);
    } catch (err) {
      errBox.textContent = errorText(err);
      errBox.hidden = false;
      onFailed(err);
    } finally {
      submit.disabled = false;
    }
  });
}

/**
 * Shows the login card in @main. @subtitle: the line under the title;
 * @notice: an optional message above the form (e.g. "logged out");
 * @onLoggedIn(user) runs once the token is saved; @toastErrors also shows a
 * failure as a toast.
 */
export function showLoginForm(main, { subtitle, notice = null, onLoggedIn, toastErrors = false }) {
  const user = h('input', { type: 'text', name: 'username', autocomplete: 'username', autocapitalize: 'none', spellcheck: 'false', maxlength: 32 });
  const pass = h('input', { type: 'password', name: 'password', autocomplete: 'current-password', maxlength: 128 });
  const errBox = h('div', { class: 'callout callout-danger', role: 'alert', hidden: true });
  const submit = button(t('login.submit'), { kind: 'primary', size: 'lg', type: 'submit' });
  submit.classList.add('btn-block');
  const form = h('form', { class: 'card login-card', novalidate: true, 'aria-labelledby': 'login-title' },
    h('div', { class: 'card-body' },
      h('h1', { id: 'login-title' }, t('login.title')),
      h('p', { class: 'sub' }, subtitle),
      notice ? h('div', { class: 'callout', role: 'status', style: { marginBottom: '1rem' } }, notice) : null,
      field(t('login.username'), user, { required: true }),
      field(t('login.password'), pass, { required: true }),
      errBox,
      h('div', { style: { marginTop: '1rem' } }, submit)));
  bindLoginForm(form, {
    user, pass, errBox, submit, onLoggedIn,
    onFailed: (err) => {
      if (toastErrors) showError(err, t('login.failed'));
      pass.select();
      pass.focus();
    },
  });
  fill(main, h('div', { class: 'login-wrap' }, form));
  user.focus();
}
