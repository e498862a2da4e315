// Access keys of WebRTC sites: a site signs in at /site/ with a secret the
// console makes (POST /api/v1/sites/{id}/credential), shown once in a
// dialog to copy and send; only the day it was made is shown again. A new
// key replaces the old one; revoking (DELETE) also ends the site's call.

import { t, formatDate, formatDateTime } from '../common/i18n.js';
import { api } from '../common/api.js';
import { h, button, openModal, confirmDialog, showError, toast, uid } from '../common/ui.js';

const KEY_ROLES = ['admin', 'secretariat', 'technician'];

/** Whether the logged-in user may make and revoke keys (the server still checks the site's organisation). */
export function canManageKeys(ctx) { return !!ctx.me && KEY_ROLES.includes(ctx.me.role); }

/**
 * The key line of site @s's row (null unless its transport is webrtc): "có
 * mã từ <day>" / "chưa có mã" and, when @manage, the buttons. @changed(credential
 * | null) runs after a key is made or revoked.
 */
export function siteKeyLine(s, { manage, changed }) {
  if (s.transport !== 'webrtc') return null;
  const cred = s.credential;
  const line = h('div', { class: 'site-key', dataset: { siteKey: s.id } },
    h('span', { class: 'site-key-kind' }, 'WebRTC'),
    h('span', {
      class: `site-key-state${cred ? ' has-key' : ''}`,
      title: cred ? t('sites.key.has_title', { time: formatDateTime(cred.created_at) }) : null,
    }, cred ? t('sites.key.has', { date: formatDate(cred.created_at) }) : t('sites.key.none')));
  if (manage) {
    line.append(button(t('sites.key.create'), { size: 'sm', attrs: { 'data-key-create': '' }, onClick: () => createKey(s, changed) }));
    if (cred) {
      line.append(button(t('sites.key.revoke'), {
        size: 'sm', kind: 'danger-outline', attrs: { 'data-key-revoke': '' }, onClick: () => revokeKey(s, changed),
      }));
    }
  }
  return line;
}

async function createKey(s, changed) {
  if (s.credential) {
    const ok = await confirmDialog({
      title: t('sites.key.replace_title'),
      message: t('sites.key.replace_message', { name: s.name, time: formatDateTime(s.credential.created_at) }),
      confirmLabel: t('sites.key.replace_confirm'),
      danger: true,
    });
    if (!ok) return;
  }
  let made;
  try {
    made = await api.post(`/api/v1/sites/${s.id}/credential`);
  } catch (err) {
    showError(err, t('sites.key.failed'));
    return;
  }
  showKey(s, made);
  changed({ created_at: made.created_at });
}

/** The one time the secret is shown: copy it, and how the site uses it. */
function showKey(s, made) {
  const url = `${location.origin}/site/`;
  const input = h('input', {
    type: 'text', id: uid('site-key'), readonly: true, value: made.secret, class: 'site-key-secret', spellcheck: false,
    'aria-label': t('sites.key.label'), dataset: { secret: '' }, onfocus: (e) => e.target.select(),
  });
  const copy = button(t('sites.key.copy'), { kind: 'primary', ic: 'check', onClick: async () => {
    try {
      await navigator.clipboard.writeText(made.secret);
      toast(t('sites.key.copied'), { kind: 'success' });
    } catch {
      input.focus();
      input.select();
    }
  } });
  const [before, after] = t('sites.key.how', { url: '\u0001' }).split('\u0001');
  openModal({
    title: t('sites.key.dialog_title', { name: s.name }),
    wide: true, // the whole secret in view: 43 characters
    body: h('div', { class: 'site-key-dialog' },
      h('div', { class: 'callout callout-warn' }, t('sites.key.once')),
      h('label', { class: 'field-label', for: input.id }, t('sites.key.label')),
      h('div', { class: 'row-nowrap' }, input, copy),
      h('p', null, before, h('code', null, url), after ?? ''),
      h('p', { class: 'muted small' }, t('sites.key.secret_note'))),
  });
}

async function revokeKey(s, changed) {
  const ok = await confirmDialog({
    title: t('sites.key.revoke_title'),
    message: t('sites.key.revoke_message', { name: s.name }),
    confirmLabel: t('sites.key.revoke'),
    danger: true,
  });
  if (!ok) return;
  try {
    await api.del(`/api/v1/sites/${s.id}/credential`);
  } catch (err) {
    showError(err, t('sites.key.failed'));
    return;
  }
  toast(t('sites.key.revoked', { name: s.name }), { kind: 'success' });
  changed(null);
}
