// Attendance tab: present/absent counts with a progress bar, the delegates'
// rows (status, first in, last out, method), manual check-in/out for
// admin/secretariat, CSV export. Drawn from the page's Meeting; rows change
// in place when an entry changes (an attendance.updated event, or our own
// check-in's reply). A closed session adds the tablets' recovery list
// below (recoveries.js).

import { t, formatTime, formatDateTime, formatNumber } from '../common/i18n.js';
import { api, fetchBlob, saveBlob } from '../common/api.js';
import { zoned } from '../common/province.js';
import { h, fill, button, statusBadge, toast, showError, fold, compareNames } from '../common/ui.js';
import { RecoveryCard } from './recoveries.js';

export class AttendanceTab {
  constructor(page) {
    this.page = page;
    this.container = null;
    this.query = '';
    this.show = 'all';   // all | present | absent
    this.rows = new Map();   // user_id -> tr
    this.busy = new Set();
    this.recovery = null;
  }

  destroy() { if (this.recovery) this.recovery.destroy(); }

  get active() { return this.page.tab === 'attendance'; }
  /** The meeting's attendance ({present, expected, byUser}), or null until the list is known. */
  get att() { return this.page.meeting.attendanceKnown ? this.page.meeting.attendance : null; }
  get canCheck() { return this.page.canEdit && this.page.status !== 'ended'; }

  onData() { if (this.active && this.container) this.render(this.container); }

  render(container) {
    this.container = container;
    if (!this.page.ctx.canSeeAttendance) {
      fill(container, h('div', { class: 'card' }, h('div', { class: 'empty' }, h('strong', null, t('attendance.not_allowed')))));
      return;
    }
    if (!this.att) {
      fill(container, h('div', { class: 'card' }, h('div', { class: 'loading' }, h('span', { class: 'spinner' }), ' ', t('app.loading'))));
      return;
    }
    this.statsEl = h('div', { class: 'stats' });
    this.barEl = h('div', { class: 'progress-bar' });
    this.progEl = h('div', { class: 'progress progress-lg', role: 'progressbar', 'aria-valuemin': 0, 'aria-valuemax': 100, 'aria-label': t('attendance.rate') }, this.barEl);
    this.tbody = h('tbody');
    this.rows.clear();
    const search = h('input', {
      type: 'search', class: 'search-input', value: this.query, placeholder: t('attendance.search'), 'aria-label': t('attendance.search'),
      oninput: () => { this.query = search.value; this.applyFilter(); },
    });
    const seg = h('div', { class: 'seg', role: 'group', 'aria-label': t('attendance.filter') },
      ['all', 'present', 'absent'].map((k) => h('button', {
        type: 'button', 'aria-pressed': String(this.show === k), dataset: { show: k },
        onclick: () => { this.show = k; for (const b of seg.children) b.setAttribute('aria-pressed', String(b.dataset.show === k)); this.applyFilter(); },
      }, t(`attendance.show.${k}`))));
    const entries = [...this.att.byUser.values()].sort(compareNames);
    entries.forEach((e, i) => { const tr = this.row(e, i + 1); this.rows.set(e.user_id, tr); this.tbody.append(tr); });
    this.emptyEl = h('div', { class: 'empty', hidden: true }, h('strong', null, entries.length ? t('attendance.none_match') : t('attendance.none')),
      !entries.length && this.page.canEdit ? h('span', null, t('attendance.none_hint')) : null);

    const status = this.page.status;
    fill(container,
      h('div', { class: 'attendance-summary' },
        this.statsEl,
        h('div', { class: 'card attendance-rate' }, h('div', { class: 'card-body' },
          h('div', { class: 'row' }, h('strong', null, t('attendance.rate')), h('span', { class: 'spacer' }), this.rateText = h('span', { class: 'num' })),
          this.progEl,
          status === 'scheduled' ? h('p', { class: 'muted small', style: { margin: '.5rem 0 0' } }, t('attendance.not_started')) : null,
          status === 'live' ? h('p', { class: 'muted small live-note', style: { margin: '.5rem 0 0' } }, t('attendance.live_note')) : null,
          status === 'ended' ? h('p', { class: 'muted small', style: { margin: '.5rem 0 0' } }, t('attendance.final')) : null))),
      h('div', { class: 'card card-flush', style: { marginTop: '1rem' } },
        h('div', { class: 'card-header' },
          h('h2', null, t('attendance.title')),
          h('span', { class: 'spacer' }),
          button(t('attendance.refresh'), { size: 'sm', kind: 'ghost', ic: 'refresh', onClick: () => this.page.loadAttendance() }),
          button(t('attendance.csv'), { size: 'sm', ic: 'download', onClick: () => this.downloadCsv() })),
        h('div', { class: 'card-body toolbar' }, search, seg),
        h('div', { class: 'table-wrap' },
          h('table', { class: 'table attendance-table', 'aria-label': t('attendance.title') },
            h('thead', null, h('tr', null,
              h('th', { scope: 'col', class: 'num' }, t('attendance.col.no')),
              h('th', { scope: 'col' }, t('people.name')),
              h('th', { scope: 'col' }, t('people.unit')),
              h('th', { scope: 'col' }, t('attendance.col.status')),
              h('th', { scope: 'col' }, t('attendance.col.first_in')),
              h('th', { scope: 'col' }, t('attendance.col.last_out')),
              h('th', { scope: 'col' }, t('attendance.col.method')),
              this.canCheck ? h('th', { scope: 'col', class: 'col-actions' }, h('span', { class: 'sr-only' }, t('attendance.col.action'))) : null)),
            this.tbody),
          this.emptyEl)));
    if (this.page.meeting.session && this.page.meeting.session.closed) {
      if (!this.recovery) this.recovery = new RecoveryCard(this.page);
      const host = h('div', { style: { marginTop: '1rem' } });
      container.append(host);
      this.recovery.render(host);
    }
    this.updateStats();
    this.applyFilter();
  }

  row(e, no) {
    const tr = h('tr', { dataset: { userId: e.user_id, status: e.status } });
    this.fillRow(tr, e, no);
    return tr;
  }

  fillRow(tr, e, no) {
    tr.dataset.status = e.status;
    tr.dataset.search = fold(`${e.full_name} ${e.username} ${e.title} ${e.unit}`);
    if (no != null) tr.dataset.no = no;
    const busy = this.busy.has(e.user_id);
    const inBtn = () => button(t('attendance.check_in'), { size: 'sm', kind: 'success', ic: 'check', disabled: busy, onClick: () => this.check(e, 'in'), attrs: { 'data-action': 'in', 'aria-label': t('attendance.check_in_for', { name: e.full_name || e.username }) } });
    const outBtn = () => button(t('attendance.check_out'), { size: 'sm', disabled: busy, onClick: () => this.check(e, 'out'), attrs: { 'data-action': 'out', 'aria-label': t('attendance.check_out_for', { name: e.full_name || e.username }) } });
    fill(tr,
      h('td', { class: 'num muted' }, tr.dataset.no || ''),
      h('td', null, h('div', { class: 'cell-title' }, e.full_name || e.username), h('div', { class: 'cell-sub' }, [e.title, e.username].filter(Boolean).join(' · '))),
      h('td', null, e.unit || ''),
      h('td', { class: 'att-status' }, statusBadge(e.status || 'absent')),
      h('td', { class: 'num nowrap', title: e.first_in ? formatDateTime(e.first_in, { withSeconds: true }) : null }, e.first_in ? formatTime(e.first_in) : h('span', { class: 'muted' }, '—')),
      h('td', { class: 'num nowrap', title: e.last_out ? formatDateTime(e.last_out, { withSeconds: true }) : null }, e.last_out ? formatTime(e.last_out) : h('span', { class: 'muted' }, '—')),
      h('td', null, e.method ? t(`attendance.method.${e.method}`) : h('span', { class: 'muted' }, '—')),
      this.canCheck ? h('td', { class: 'col-actions' }, e.status === 'present' ? outBtn() : inBtn()) : null);
  }

  /** A live change (event or our own check-in reply). */
  onEntry(entry) {
    if (!this.active || !this.container || !this.tbody) return;
    const full = this.att.byUser.get(entry.user_id) || entry;
    let tr = this.rows.get(entry.user_id);
    if (!tr) {
      tr = this.row(full, this.rows.size + 1);
      this.rows.set(entry.user_id, tr);
      this.tbody.append(tr);
    } else {
      this.fillRow(tr, full);
    }
    tr.classList.remove('flash');
    void tr.offsetWidth;   // restart the highlight animation
    tr.classList.add('flash');
    this.updateStats();
    this.applyFilter();
  }

  updateStats() {
    const a = this.att;
    const present = a.present ?? 0;
    const expected = a.expected ?? a.byUser.size;
    const left = [...a.byUser.values()].filter((e) => e.status === 'left').length;
    const absent = Math.max(0, expected - present);
    const pct = expected ? Math.round((present / expected) * 100) : 0;
    const stat = (key, label, value, cls) => h('div', { class: `stat ${cls || ''}`, dataset: { stat: key } },
      h('div', { class: 'stat-label' }, label), h('div', { class: 'stat-value' }, value));
    fill(this.statsEl,
      stat('present', t('attendance.present'), h('span', null, formatNumber(present), h('small', null, ` / ${formatNumber(expected)}`)), 'ok'),
      stat('absent', t('attendance.absent'), formatNumber(absent), absent ? 'bad' : ''),
      stat('left', t('attendance.left'), formatNumber(left)),
      stat('expected', t('attendance.expected'), formatNumber(expected)));
    this.barEl.style.width = `${pct}%`;
    this.progEl.setAttribute('aria-valuenow', String(pct));
    this.rateText.textContent = `${pct}% (${present}/${expected})`;
  }

  applyFilter() {
    const q = fold(this.query.trim());
    let shown = 0;
    for (const tr of this.tbody.rows) {
      const st = tr.dataset.status;
      const okShow = this.show === 'all' || (this.show === 'present' ? st === 'present' : st !== 'present');
      const ok = okShow && (!q || tr.dataset.search.includes(q));
      tr.hidden = !ok;
      if (ok) shown += 1;
    }
    this.emptyEl.hidden = shown > 0;
  }

  async check(e, action) {
    this.busy.add(e.user_id);
    const tr = this.rows.get(e.user_id);
    if (tr) this.fillRow(tr, e);
    try {
      const entry = await api.post(`/api/v1/sessions/${this.page.id}/attendance`, { user_id: e.user_id, action });
      this.busy.delete(e.user_id);
      this.page.apply('attendance.updated', { entry });
      toast(action === 'in' ? t('attendance.checked_in', { name: e.full_name || e.username }) : t('attendance.checked_out', { name: e.full_name || e.username }), { kind: 'success', timeout: 2500 });
      const again = this.rows.get(e.user_id)?.querySelector('button[data-action]');
      if (again) again.focus();
    } catch (err) {
      this.busy.delete(e.user_id);
      if (tr) this.fillRow(tr, e);
      showError(err, action === 'in' ? t('attendance.check_in_failed') : t('attendance.check_out_failed'));
    }
  }

  async downloadCsv() {
    try {
      const { blob, filename } = await fetchBlob(`/api/v1/sessions/${this.page.id}/attendance`, { format: 'csv' });
      const d = zoned(new Date());
      const stamp = `${d.year}${String(d.month).padStart(2, '0')}${String(d.day).padStart(2, '0')}`;
      saveBlob(blob, filename || `diem-danh-phien-${this.page.id}-${stamp}.csv`);
      toast(t('attendance.csv_done'), { kind: 'success', timeout: 2500 });
    } catch (err) {
      showError(err, t('attendance.csv_failed'));
    }
  }
}
