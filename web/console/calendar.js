// Calendar: a session's .ics download, and the dialog that makes (or
// revokes) the user's secret calendar-feed link for calendar apps, which
// subscribe without logging in: the link itself is the key, shown once.

import { register, t, formatDateTime } from '../common/i18n.js';
import { api, fetchBlob, saveBlob } from '../common/api.js';
import { h, button, openModal, showError, toast } from '../common/ui.js';

register({
  vi: {
    'cal.button': 'Lịch (iCal)',
    'cal.session_ics': 'Tải tệp lịch (.ics) của phiên họp',
    'cal.title': 'Đăng ký lịch họp vào ứng dụng lịch',
    'cal.intro': 'Ứng dụng lịch (Outlook, Google Calendar, Lịch trên điện thoại) đăng ký bằng một đường liên kết bí mật của riêng bạn. Ai có liên kết đều xem được lịch họp của bạn: đừng chia sẻ.',
    'cal.active': 'Đang có liên kết, tạo lúc {time}.',
    'cal.inactive': 'Chưa có liên kết nào.',
    'cal.new': 'Tạo liên kết mới',
    'cal.new_hint': 'Tạo liên kết mới sẽ vô hiệu hóa liên kết cũ.',
    'cal.revoke': 'Thu hồi liên kết',
    'cal.revoked': 'Đã thu hồi liên kết lịch',
    'cal.url': 'Liên kết đăng ký (chỉ hiện một lần)',
    'cal.copy': 'Sao chép',
    'cal.copied': 'Đã sao chép liên kết',
    'cal.failed': 'Không thực hiện được',
  },
  en: {
    'cal.button': 'Calendar (iCal)',
    'cal.session_ics': "Download the session's calendar file (.ics)",
    'cal.title': 'Subscribe to the meetings in a calendar app',
    'cal.intro': 'Calendar apps (Outlook, Google Calendar, phone calendars) subscribe with a secret link of your own. Anyone with the link sees your meetings: do not share it.',
    'cal.active': 'A link is active, made {time}.',
    'cal.inactive': 'No link yet.',
    'cal.new': 'Make a new link',
    'cal.new_hint': 'A new link disables the previous one.',
    'cal.revoke': 'Revoke the link',
    'cal.revoked': 'Calendar link revoked',
    'cal.url': 'Subscription link (shown once)',
    'cal.copy': 'Copy',
    'cal.copied': 'Link copied',
    'cal.failed': 'That did not work',
  },
});

export async function downloadSessionIcs(id) {
  try {
    const { blob, filename } = await fetchBlob(`/api/v1/sessions/${id}/calendar.ics`);
    saveBlob(blob, filename || `phien-hop-${id}.ics`);
  } catch (err) {
    showError(err, t('cal.failed'));
  }
}

export async function openCalendarDialog() {
  let status;
  try { status = await api.get('/api/v1/me/calendar'); } catch (err) { showError(err, t('cal.failed')); return; }
  const state = h('p', { class: 'muted', dataset: { calState: '' } });
  const out = h('div');
  const paint = () => {
    state.textContent = status.active ? t('cal.active', { time: formatDateTime(status.created_at) }) : t('cal.inactive');
    revoke.hidden = !status.active;
  };
  const make = async () => {
    try {
      const made = await api.post('/api/v1/me/calendar');
      status = { active: true, created_at: made.created_at };
      const url = `${location.origin}${made.path}`;
      const input = h('input', { type: 'text', readonly: true, value: url, class: 'cal-url', 'aria-label': t('cal.url'), onfocus: (e) => e.target.select() });
      out.replaceChildren(h('label', { class: 'field-label' }, t('cal.url')),
        h('div', { class: 'row-nowrap' }, input, button(t('cal.copy'), { size: 'sm', onClick: async () => {
          try { await navigator.clipboard.writeText(url); toast(t('cal.copied'), { kind: 'success' }); } catch { input.select(); }
        } })),
        h('p', { class: 'muted small' }, h('a', { href: url.replace(/^https?:/, 'webcal:') }, 'webcal://…')));
      paint();
    } catch (err) { showError(err, t('cal.failed')); }
  };
  const revoke = button(t('cal.revoke'), { kind: 'danger-outline', onClick: async () => {
    try {
      await api.del('/api/v1/me/calendar');
      status = { active: false };
      out.replaceChildren();
      paint();
      toast(t('cal.revoked'), { kind: 'success' });
    } catch (err) { showError(err, t('cal.failed')); }
  } });
  paint();
  openModal({
    title: t('cal.title'),
    body: h('div', null, h('p', null, t('cal.intro')), state,
      h('div', { class: 'row' }, button(t('cal.new'), { kind: 'primary', ic: 'calendar', onClick: make }), revoke),
      h('p', { class: 'muted small' }, t('cal.new_hint')), out),
  });
}
