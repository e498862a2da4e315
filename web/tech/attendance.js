// The sites' attendance of a session: each call of each site (joined, left,
// how long, why it ended, packets, loss, jitter, bitrate, freezes; a SIP
// site's SIP call under its reason: who called, who hung up, the SIP
// cause), which sites never joined, and the CSV the controller makes of it.

import { t, formatDateTime, formatTime, formatNumber } from '../common/i18n.js';
import { api, fetchBlob, saveBlob } from '../common/api.js';
import { h, button, fill, fold, showError, toast } from '../common/ui.js';
import { formatDuration } from './format.js';
import { reasonText } from './alarms.js';
import { endText } from './sip.js';

/** A row's SIP call, compact: "SIP · Điểm cầu gọi đến · điểm cầu ngắt · 200 BYE". */
const sipText = (sip) => ['SIP', t(`tech.sip.direction.${sip.direction}`), endText(sip)].filter(Boolean).join(' · ');

const REFRESH_MS = 15_000;

export class AttendanceView {
  constructor(ctx, el, sessionId) {
    this.ctx = ctx;
    this.el = el;
    this.id = sessionId;
    this.alive = true;
    this.query = '';
    this.load();
  }

  async load(quiet = false) {
    if (!quiet) fill(this.el, h('div', { class: 'loading' }, h('span', { class: 'spinner' }), ' ', t('app.loading')));
    try {
      const [res, { sites }] = await Promise.all([
        api.get(`/api/v1/sessions/${this.id}/site-attendance`),
        api.get(`/api/v1/sessions/${this.id}/sites`),
      ]);
      if (!this.alive) return;
      this.calls = res.calls || [];
      this.sites = sites;
      this.session = this.ctx.sessions.find((s) => s.id === this.id);
      if (quiet && this.tbody) this.renderRows(); else this.render();
    } catch (err) {
      if (!this.alive) return;
      if (quiet) return;
      showError(err, t('tech.load_failed'));
      fill(this.el, h('div', { class: 'page' }, h('div', { class: 'card' }, h('div', { class: 'empty' },
        h('strong', null, t('tech.load_failed')), h('p', null, err.reason || ''),
        button(t('app.retry'), { kind: 'primary', onClick: () => this.load() })))));
    }
    clearTimeout(this.timer);
    if (this.alive && this.session?.status === 'live') this.timer = setTimeout(() => this.load(true), REFRESH_MS);
  }

  render() {
    const s = this.session;
    this.summaryEl = h('div', { class: 'stats att-stats' });
    this.tbody = h('tbody');
    this.search = h('input', {
      type: 'search', class: 'search-input', placeholder: t('tech.filter.search'), 'aria-label': t('tech.filter.search'),
      value: this.query, oninput: () => { this.query = this.search.value; this.renderRows(); },
    });
    const cols = ['code', 'name', 'joined', 'left', 'duration', 'reason', 'packets', 'lost', 'jitter', 'kbps', 'freezes'];
    const numeric = new Set(['duration', 'packets', 'lost', 'jitter', 'kbps', 'freezes']);
    fill(this.el, h('div', { class: 'page att-page' },
      h('div', { class: 'page-head' },
        h('div', null,
          h('h1', null, t('tech.att.title')),
          s ? h('div', { class: 'sub' }, h('strong', null, s.title), ' · ', t(`status.${s.status}`)) : null),
        h('span', { class: 'spacer' }),
        button(t('tech.att.refresh'), { ic: 'refresh', onClick: () => this.load(true) }),
        button(t('tech.att.csv'), { kind: 'primary', ic: 'download', onClick: () => this.download() })),
      this.summaryEl,
      h('section', { class: 'card card-flush' },
        h('div', { class: 'toolbar card-body' }, this.search, h('span', { class: 'muted small', dataset: { testid: 'att-shown' } })),
        h('div', { class: 'table-wrap att-wrap', tabindex: '0', role: 'region', 'aria-label': t('tech.att.title') }, h('table', { class: 'table att-table' },
          h('thead', null, h('tr', null, cols.map((c) => h('th', { class: numeric.has(c) ? 'right' : null, scope: 'col' }, t(`tech.att.col.${c}`))))),
          this.tbody)))));
    this.renderRows();
  }

  renderRows() {
    const q = fold(this.query).trim();
    const joined = new Set(this.calls.map((c) => c.site_id));
    const open = this.calls.filter((c) => !c.left_at).length;
    const never = this.sites.filter((s) => !joined.has(s.id));
    const total = this.calls.reduce((n, c) => n + (c.seconds || 0), 0);
    const stat = (label, value, cls = '') => h('div', { class: `stat ${cls}` }, h('div', { class: 'stat-label' }, label), h('div', { class: 'stat-value' }, value));
    fill(this.summaryEl,
      stat(t('tech.att.joined'), h('span', null, String(joined.size), h('small', null, ` / ${this.sites.length}`)), 'ok'),
      stat(t('tech.att.in_call'), String(open)),
      stat(t('tech.att.never'), String(never.length), never.length ? 'bad' : ''),
      stat(t('tech.att.calls'), String(this.calls.length)),
      stat(t('tech.att.total_time'), h('span', { class: 'small-val' }, formatDuration(total))));
    const rows = this.calls.filter((c) => !q || fold(`${c.name} ${c.code}`).includes(q))
      .sort((a, b) => String(a.code).localeCompare(String(b.code), 'vi', { numeric: true }) || String(a.joined_at).localeCompare(String(b.joined_at)));
    const num = (v, digits = 0) => (v == null ? '–' : formatNumber(v, { maximumFractionDigits: digits, minimumFractionDigits: digits }));
    this.tbody.replaceChildren(...(rows.length ? rows.map((c) => h('tr', { dataset: { site: c.site_id } },
      h('td', { class: 'mono' }, c.code),
      h('td', { class: 'cell-title' }, c.name),
      h('td', { class: 'nowrap num' }, formatDateTime(c.joined_at, { withSeconds: true })),
      h('td', { class: 'nowrap num' }, c.left_at ? formatTime(c.left_at, { withSeconds: true }) : h('span', { class: 'badge badge-present' }, t('tech.att.still'))),
      h('td', { class: 'right nowrap' }, formatDuration(c.seconds)),
      h('td', { class: 'small' }, c.left_reason ? reasonText(c.left_reason) : '',
        c.sip ? h('div', { class: 'muted', dataset: { testid: 'att-sip' } }, sipText(c.sip)) : null),
      h('td', { class: 'right num' }, c.left_at ? num(c.packets) : '–'),
      h('td', { class: 'right num' }, c.left_at ? num(c.lost) : '–'),
      h('td', { class: 'right num' }, c.left_at ? num(c.jitter_ms, 1) : '–'),
      h('td', { class: 'right num' }, c.left_at ? num(c.kbps) : '–'),
      h('td', { class: 'right num' }, c.left_at ? num(c.freezes) : '–')))
      : [h('tr', null, h('td', { colspan: 11, class: 'empty' }, this.calls.length ? t('tech.att.no_match') : t('tech.att.none')))]));
    const shown = this.el.querySelector('[data-testid="att-shown"]');
    if (shown) shown.textContent = t('tech.att.shown', { n: rows.length, total: this.calls.length });
  }

  async download() {
    try {
      const { blob, filename } = await fetchBlob(`/api/v1/sessions/${this.id}/site-attendance`, { format: 'csv' });
      saveBlob(blob, filename || `site-attendance-session-${this.id}.csv`);
      toast(t('tech.att.downloaded'), { kind: 'success' });
    } catch (err) { showError(err, t('tech.att.csv_failed')); }
  }

  destroy() {
    this.alive = false;
    clearTimeout(this.timer);
  }
}
