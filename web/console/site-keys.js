// Access keys of WebRTC sites: a site signs in at /site/ with a secret the
// console makes (POST /api/v1/sites/{id}/credential), shown once in a
// dialog to copy and send; only the day it was made is shown again. A new
// key replaces the old one; revoking (DELETE) also ends the site's call.
// Plain-RTP sites get an SRTP key the same way (POST /api/v1/sites/{id}/srtp-key),
// of the suite chosen in the dialog (AES-CM + HMAC-SHA1, which ffmpeg and
// GStreamer take, or AES-GCM, GStreamer's and lighter for the server),
// shown once with the stock tools' lines for the site.

import { t, formatDate, formatDateTime } from '../common/i18n.js';
import { api } from '../common/api.js';
import { h, button, openModal, confirmDialog, showError, toast, uid, field } from '../common/ui.js';

const KEY_ROLES = ['admin', 'secretariat', 'technician'];

/** Whether the logged-in user may make and revoke keys (the server still checks the site's organisation). */
export function canManageKeys(ctx) { return !!ctx.me && KEY_ROLES.includes(ctx.me.role); }

/**
 * The key line of site @s's row (null unless its transport is webrtc): "có
 * mã từ <day>" / "chưa có mã" and, when @manage, the buttons. @changed(credential
 * | null) runs after a key is made or revoked.
 */
export function siteKeyLine(s, { manage, changed }) {
  if (!s.transport || s.transport === 'rtp') return srtpKeyLine(s, { manage, changed });
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

/** A plain-RTP site's SRTP line: "SRTP từ <day>" / "RTP không mã hóa" and, when @manage, the buttons. */
function srtpKeyLine(s, { manage, changed }) {
  const key = s.srtp_key;
  const line = h('div', { class: 'site-srtp', dataset: { siteSrtp: s.id } },
    h('span', { class: 'site-key-kind' }, 'RTP'),
    h('span', {
      class: `site-srtp-state${key ? ' has-key' : ''}`,
      title: key ? t('sites.srtp.has_title', { time: formatDateTime(key.created_at), suite: key.suite || '' }) : null,
    }, key ? t('sites.srtp.has', { date: formatDate(key.created_at) }) : t('sites.srtp.none')));
  if (manage) {
    line.append(button(t('sites.srtp.create'), { size: 'sm', attrs: { 'data-srtp-create': '' }, onClick: () => createSrtp(s, changed) }));
    if (key) {
      line.append(button(t('sites.srtp.revoke'), {
        size: 'sm', kind: 'danger-outline', attrs: { 'data-srtp-revoke': '' }, onClick: () => revokeSrtp(s, changed),
      }));
    }
  }
  return line;
}

/** The suites a key may have (the server's list), the default first. */
const SUITES = ['AES_CM_128_HMAC_SHA1_80', 'AEAD_AES_128_GCM'];

/** Asks which suite (and, when the site has a key, says it is replaced), then makes the key. */
function createSrtp(s, changed) {
  const select = h('select', { dataset: { srtpSuite: '' } },
    ...SUITES.map((suite) => h('option', { value: suite }, t(`sites.srtp.suite.${suite}`))));
  const hint = h('span');
  const explain = () => { hint.textContent = t(`sites.srtp.suite_hint.${select.value}`); };
  select.addEventListener('change', explain);
  explain();
  const suiteField = field(t('sites.srtp.suite'), select);
  suiteField.querySelector('select').after(h('div', { class: 'hint' }, hint));
  openModal({
    title: s.srtp_key ? t('sites.srtp.replace_title') : t('sites.srtp.create_title', { name: s.name }),
    body: h('div', { dataset: { srtpCreate: '' } },
      s.srtp_key ? h('div', { class: 'callout callout-danger' },
        t('sites.srtp.replace_message', { name: s.name, time: formatDateTime(s.srtp_key.created_at) })) : null,
      suiteField),
    submitLabel: s.srtp_key ? t('sites.key.replace_confirm') : t('sites.srtp.create'),
    submitKind: s.srtp_key ? 'danger' : 'primary',
    onSubmit: async () => {
      let made;
      try {
        made = await api.post(`/api/v1/sites/${s.id}/srtp-key`, { suite: select.value });
      } catch (err) {
        showError(err, t('sites.key.failed'));
        return false;
      }
      // After this dialog has gone: the key's own dialog.
      setTimeout(() => showSrtp(s, made), 0);
      changed({ srtp_key: { created_at: made.created_at, suite: made.suite } });
      return true;
    },
  });
}

/** The one time the key and its lines are shown. */
function showSrtp(s, made) {
  const field = (label, value, rows = 1) => {
    const id = uid('site-srtp');
    const input = rows > 1
      ? h('textarea', { id, readonly: true, rows, class: 'mono site-key-secret', spellcheck: false, onfocus: (e) => e.target.select() }, value)
      : h('input', { type: 'text', id, readonly: true, value, class: 'site-key-secret', spellcheck: false, onfocus: (e) => e.target.select() });
    const copy = button(t('sites.key.copy'), { ic: 'check', onClick: async () => {
      try { await navigator.clipboard.writeText(value); toast(t('sites.key.copied'), { kind: 'success' }); } catch { input.focus(); input.select(); }
    } });
    return [h('label', { class: 'field-label', for: id }, label), h('div', { class: 'row-nowrap' }, input, copy)];
  };
  openModal({
    title: t('sites.srtp.dialog_title', { name: s.name }),
    wide: true,
    body: h('div', { class: 'site-key-dialog', dataset: { srtpKey: '' } },
      h('div', { class: 'callout callout-warn' }, t('sites.srtp.once')),
      ...field(made.lines.ffmpeg_send ? t('sites.srtp.key') : t('sites.srtp.key_sdp'), made.key),
      ...field(t('sites.srtp.key_hex'), made.key_hex),
      h('p', { class: 'muted small' }, `${made.suite} · ${t('sites.srtp.lines')}`),
      ...field('gst-launch (gửi / send)', made.lines.gst_send, 4),
      ...field('gst-launch (nhận / receive)', made.lines.gst_receive, 4),
      ...(made.lines.ffmpeg_send
        ? [...field('ffmpeg (gửi / send)', made.lines.ffmpeg_send, 4), ...field('ffmpeg (nhận / receive)', made.lines.ffmpeg_receive, 4)]
        : [h('p', { class: 'muted small', dataset: { noFfmpeg: '' } }, t('sites.srtp.no_ffmpeg'))])),
  });
}

async function revokeSrtp(s, changed) {
  const ok = await confirmDialog({
    title: t('sites.srtp.revoke_title'),
    message: t('sites.srtp.revoke_message', { name: s.name }),
    confirmLabel: t('sites.srtp.revoke'),
    danger: true,
  });
  if (!ok) return;
  try {
    await api.del(`/api/v1/sites/${s.id}/srtp-key`);
  } catch (err) {
    showError(err, t('sites.key.failed'));
    return;
  }
  toast(t('sites.srtp.revoked', { name: s.name }), { kind: 'success' });
  changed({ srtp_key: null });
}
