// The sites asking for the floor in a live session (a site's own app, its
// keypad, or staff for it), first asked first, each with a "Trao lời"
// button that gives it the floor (WS floor.site): one card, drawn the same
// in the console's program tab and the technicians' program page. The list
// comes from the snapshot (live.site_floor), floor.sites.updated and
// GET /api/v1/sessions/{id}/site-floor.

import { register, t, formatTime } from './i18n.js';
import { h, button, icon } from './ui.js';

register({
  vi: {
    'sitefloor.title': 'Điểm cầu xin phát biểu',
    'sitefloor.none': 'Chưa có điểm cầu nào xin phát biểu.',
    'sitefloor.give': 'Trao lời',
    'sitefloor.give_to': 'Trao lời cho {name}',
    'sitefloor.asked': 'xin lúc {time}',
    'sitefloor.via.site': 'từ máy tính',
    'sitefloor.via.keypad': 'bằng bàn phím',
    'sitefloor.via.staff': 'qua cán bộ',
    'sitefloor.given': 'Đã trao lời cho {name}',
    'sitefloor.give_failed': 'Không trao lời được',
  },
  en: {
    'sitefloor.title': 'Sites asking for the floor',
    'sitefloor.none': 'No site is asking for the floor.',
    'sitefloor.give': 'Give the floor',
    'sitefloor.give_to': 'Give the floor to {name}',
    'sitefloor.asked': 'asked at {time}',
    'sitefloor.via.site': 'from its computer',
    'sitefloor.via.keypad': 'by keypad',
    'sitefloor.via.staff': 'through staff',
    'sitefloor.given': 'The floor went to {name}',
    'sitefloor.give_failed': 'The floor could not be given',
  },
});

/**
 * The card: @sites as the server lists them ({site_id, code, name, via,
 * requested_at}); @onGive(site) when a "Trao lời" is pressed (null: no
 * buttons, the caller may not give the floor).
 */
export function siteFloorCard(sites, onGive) {
  const list = sites && sites.length
    ? h('ol', { class: 'site-floor-list', dataset: { testid: 'site-floor' } }, sites.map((s) => h('li', {
      class: 'site-floor-item', dataset: { siteId: String(s.site_id), code: s.code },
    },
    h('div', { class: 'site-floor-who' }, h('strong', null, s.name), ' ', h('span', { class: 'muted' }, `(${s.code})`)),
    h('div', { class: 'muted small' },
      t('sitefloor.asked', { time: formatTime(s.requested_at, { withSeconds: true }) }), ' · ', t(`sitefloor.via.${s.via}`)),
    onGive ? button(t('sitefloor.give'), {
      kind: 'primary', size: 'sm', ic: 'mic', onClick: () => onGive(s),
      attrs: { title: t('sitefloor.give_to', { name: s.name }), 'data-testid': `give-${s.code}` },
    }) : null)))
    : h('p', { class: 'muted', dataset: { testid: 'site-floor-none' } }, t('sitefloor.none'));
  return h('section', { class: 'card site-floor-card', 'aria-labelledby': 'site-floor-title' },
    h('header', { class: 'card-header' }, h('h2', { id: 'site-floor-title' }, icon('mic'), t('sitefloor.title'),
      sites && sites.length ? h('span', { class: 'count' }, String(sites.length)) : null)),
    h('div', { class: 'card-body' }, list));
}
