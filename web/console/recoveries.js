// "Thu hồi tài liệu" — for a closed session, under its attendance: each
// delegate with each tablet that opened the session, "đã thu hồi" with the
// time (the province's zone) and what it purged, or "chưa thu hồi"; a
// delegate whose tablet never opened it is shown as such. Read from
// GET /sessions/{id}/recoveries, read again when a tablet's receipt arrives
// (the documents.recovered event).

import { t, formatDateTime, formatNumber } from '../common/i18n.js';
import { api } from '../common/api.js';
import { h, fill, button, showError, compareNames } from '../common/ui.js';

export class RecoveryCard {
  constructor(page) {
    this.page = page;
    this.host = null;
    this.list = null;
    const ws = page.ctx.ws;
    this.off = ws ? ws.on('documents.recovered', (msg) => {
      if (msg.session_id === page.id && this.host && this.host.isConnected) this.load();
    }) : () => {};
  }

  destroy() { this.off(); }

  render(host) {
    this.host = host;
    if (this.list) this.draw(); else fill(host, h('div', { class: 'card' }, h('div', { class: 'loading' }, h('span', { class: 'spinner' }), ' ', t('app.loading'))));
    this.load();
  }

  async load() {
    try {
      this.list = await api.get(`/api/v1/sessions/${this.page.id}/recoveries`);
      if (this.host && this.host.isConnected) this.draw();
    } catch (err) {
      showError(err, t('recovery.load_failed'));
    }
  }

  draw() {
    // What still needs the secretariat's attention first: tablets not
    // recovered, then those recovered, then delegates without a tablet.
    const rank = (d) => (!d.tablets.length ? 2 : d.tablets.some((x) => !x.recovered) ? 0 : 1);
    const delegates = [...this.list.delegates].sort((a, b) => rank(a) - rank(b) || compareNames(a, b));
    const tablets = delegates.flatMap((d) => d.tablets);
    const done = tablets.filter((x) => x.recovered).length;
    const ended = this.list.status === 'ended';
    const rows = [];
    delegates.forEach((d, i) => {
      const name = h('div', { class: 'cell-title' }, d.full_name || d.username);
      const sub = h('div', { class: 'cell-sub' }, d.username);
      if (!d.tablets.length) {
        rows.push(h('tr', { dataset: { userId: d.user_id, state: 'never' } },
          h('td', { class: 'num muted' }, String(i + 1)), h('td', null, name, sub),
          h('td', { class: 'muted' }, '—'),
          h('td', { colspan: 2 }, h('span', { class: 'badge badge-absent' }, t('recovery.never')))));
        return;
      }
      d.tablets.forEach((tab, j) => rows.push(h('tr', { dataset: { userId: d.user_id, state: tab.recovered ? 'recovered' : 'pending' } },
        h('td', { class: 'num muted' }, j ? '' : String(i + 1)),
        h('td', null, j ? null : name, j ? null : sub),
        h('td', { title: tab.device }, h('span', { class: 'mono' }, t('recovery.tablet', { id: tab.device.slice(0, 8) })),
          h('div', { class: 'cell-sub' }, t('recovery.first_seen', { at: formatDateTime(tab.first_seen_at) }))),
        h('td', null, tab.recovered
          ? h('span', { class: 'badge badge-present' }, t('recovery.done'))
          : h('span', { class: `badge ${ended ? 'badge-left' : 'badge-absent'}` }, t('recovery.pending'))),
        h('td', { class: 'nowrap' }, tab.recovered
          ? h('span', null, formatDateTime(tab.recovered_at, { withSeconds: true }),
            h('div', { class: 'cell-sub' }, t('recovery.counts', { documents: formatNumber(tab.documents), notes: formatNumber(tab.notes) })))
          : h('span', { class: 'muted' }, '—')))));
    });
    fill(this.host, h('div', { class: 'card card-flush recovery-card', dataset: { testid: 'recoveries' } },
      h('div', { class: 'card-header' },
        h('h2', null, t('recovery.title')),
        h('span', { class: 'badge badge-closed-session' }, t('recovery.closed')),
        h('span', { class: 'spacer' }),
        h('span', { class: 'muted small', dataset: { testid: 'recovery-summary' } },
          t('recovery.summary', { done: formatNumber(done), tablets: formatNumber(tablets.length) })),
        button(t('attendance.refresh'), { size: 'sm', kind: 'ghost', ic: 'refresh', onClick: () => this.load() })),
      h('p', { class: 'card-body muted small', style: { margin: 0 } }, ended ? t('recovery.hint_ended') : t('recovery.hint_live')),
      h('div', { class: 'table-wrap' },
        h('table', { class: 'table recovery-table', 'aria-label': t('recovery.title') },
          h('thead', null, h('tr', null,
            h('th', { scope: 'col', class: 'num' }, t('attendance.col.no')),
            h('th', { scope: 'col' }, t('people.name')),
            h('th', { scope: 'col' }, t('recovery.col.tablet')),
            h('th', { scope: 'col' }, t('recovery.col.state')),
            h('th', { scope: 'col' }, t('recovery.col.at')))),
          h('tbody', null, rows)))));
  }
}
