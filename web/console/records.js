// Records tab: the minutes draft of the session (PDF, or ODT to finish in a
// word processor) made on the server as a job — a progress bar follows it
// (polling the job) and the file downloads when it is done — and the
// reports (attendance, votes, speaking time) of this session or of a range
// of days, as CSV or PDF. For admin, secretariat and chair.

import { t, register } from '../common/i18n.js';
import { api, fetchBlob, saveBlob } from '../common/api.js';
import { zoned } from '../common/province.js';
import { h, fill, button, icon, toast, showError } from '../common/ui.js';

register({
  vi: {
    'tab.records': 'Biên bản & báo cáo',
    'records.not_yet': 'Biên bản và báo cáo có sau khi phiên họp bắt đầu.',
    'records.live_note': 'Phiên họp đang diễn ra: biên bản lập lúc này chỉ có những gì đã diễn ra.',
    'records.minutes': 'Biên bản phiên họp (dự thảo)',
    'records.minutes_hint': 'Thành phần tham dự và giờ điểm danh, điểm cầu, từng nội dung với thời gian, tài liệu, người phát biểu và kết quả biểu quyết (biểu quyết công khai có danh sách; biểu quyết kín không ghi tên).',
    'records.minutes_pdf': 'Biên bản PDF',
    'records.minutes_odt': 'Biên bản ODT (sửa được)',
    'records.making': 'Đang lập biên bản {format}…',
    'records.made': 'Đã lập biên bản {format} ({size}, {ms} ms)',
    'records.failed': 'Không lập được biên bản',
    'records.download_again': 'Tải lại',
    'records.session_reports': 'Báo cáo của phiên họp',
    'records.range_reports': 'Báo cáo theo khoảng thời gian',
    'records.range_hint': 'Gồm mọi phiên họp đã diễn ra từ ngày đến ngày đã chọn (tối đa 366 ngày).',
    'records.from': 'Từ ngày',
    'records.to': 'Đến ngày',
    'records.report.attendance': 'Điểm danh (đại biểu và điểm cầu)',
    'records.report.votes': 'Kết quả biểu quyết',
    'records.report.speaking': 'Thời gian phát biểu theo đại biểu',
    'records.report_done': 'Đã tải báo cáo',
    'records.report_failed': 'Không tải được báo cáo',
  },
  en: {
    'tab.records': 'Minutes & reports',
    'records.not_yet': 'Minutes and reports are available once the session has started.',
    'records.live_note': 'The session is live: minutes made now hold only what has happened so far.',
    'records.minutes': 'Session minutes (draft)',
    'records.minutes_hint': 'Attendance with check-in times, sites, each agenda item with its times, documents, speakers and vote results (open votes list who chose what; secret votes name nobody).',
    'records.minutes_pdf': 'Minutes PDF',
    'records.minutes_odt': 'Minutes ODT (editable)',
    'records.making': 'Making the {format} minutes…',
    'records.made': 'The {format} minutes are ready ({size}, {ms} ms)',
    'records.failed': 'Could not make the minutes',
    'records.download_again': 'Download again',
    'records.session_reports': 'Reports of this session',
    'records.range_reports': 'Reports over a range of days',
    'records.range_hint': 'Every session held from the first day to the last (at most 366 days).',
    'records.from': 'From',
    'records.to': 'To',
    'records.report.attendance': 'Attendance (delegates and sites)',
    'records.report.votes': 'Vote results',
    'records.report.speaking': 'Speaking time per delegate',
    'records.report_done': 'Report downloaded',
    'records.report_failed': 'Could not download the report',
  },
});

const REPORTS = ['attendance', 'votes', 'speaking'];
const POLL_MS = 200;
const JOB_TIMEOUT_MS = 120_000;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** YYYY-MM-DD of an ISO time in the province's zone (the days the server's report range means). */
function day(iso) {
  const z = zoned(iso ? new Date(iso) : new Date());
  return `${z.year}-${String(z.month).padStart(2, '0')}-${String(z.day).padStart(2, '0')}`;
}

function kib(n) { return n >= 1024 * 1024 ? `${(n / 1048576).toFixed(1)} MB` : `${Math.max(1, Math.round(n / 1024))} KB`; }

export class RecordsTab {
  constructor(page) {
    this.page = page;
    this.container = null;
    this.jobs = {};   // format -> {status, progress, job}
    this.from = null;
    this.to = null;
  }

  get active() { return this.page.tab === 'records'; }
  get ready() { return this.page.status && this.page.status !== 'scheduled'; }

  onData() { if (this.active && this.container) this.render(this.container); }

  render(container) {
    this.container = container;
    const d = this.page.meeting.session;
    const startDay = day(d.started_at || d.starts_at);
    this.from = this.from || startDay;
    this.to = this.to || startDay;
    const disabled = !this.ready;
    this.minutesEl = h('div', { class: 'records-jobs' });
    fill(container,
      !this.ready ? h('div', { class: 'card' }, h('div', { class: 'empty' }, h('strong', null, t('records.not_yet')))) : null,
      h('div', { class: 'card records-card', dataset: { records: 'minutes' } },
        h('div', { class: 'card-header' }, h('h2', null, icon('file'), ' ', t('records.minutes'))),
        h('div', { class: 'card-body' },
          h('p', { class: 'muted small', style: { marginTop: 0 } }, t('records.minutes_hint')),
          this.page.status === 'live' ? h('p', { class: 'muted small live-note' }, t('records.live_note')) : null,
          h('div', { class: 'row records-actions' },
            button(t('records.minutes_pdf'), { kind: 'primary', ic: 'file', disabled, onClick: () => this.makeMinutes('pdf'), attrs: { 'data-records': 'minutes-pdf' } }),
            button(t('records.minutes_odt'), { ic: 'edit', disabled, onClick: () => this.makeMinutes('odt'), attrs: { 'data-records': 'minutes-odt' } })),
          this.minutesEl)),
      h('div', { class: 'card records-card', style: { marginTop: '1rem' }, dataset: { records: 'session-reports' } },
        h('div', { class: 'card-header' }, h('h2', null, t('records.session_reports'))),
        h('div', { class: 'card-body records-list' },
          REPORTS.map((k) => this.reportRow(k, `/api/v1/sessions/${this.page.id}/reports/${k}`, null, disabled)))),
      this.rangeCard());
    for (const format of Object.keys(this.jobs)) this.drawJob(format);
  }

  reportRow(kind, path, query, disabled) {
    const get = (format) => () => this.download(path, { ...(query ? query() : {}), format });
    return h('div', { class: 'records-row', dataset: { report: kind } },
      h('span', { class: 'records-name' }, t(`records.report.${kind}`)),
      h('span', { class: 'spacer' }),
      button('CSV', { size: 'sm', ic: 'download', disabled, onClick: get('csv'), attrs: { 'data-format': 'csv', 'aria-label': `${t(`records.report.${kind}`)} — CSV` } }),
      button('PDF', { size: 'sm', ic: 'download', disabled, onClick: get('pdf'), attrs: { 'data-format': 'pdf', 'aria-label': `${t(`records.report.${kind}`)} — PDF` } }));
  }

  rangeCard() {
    const input = (key) => h('input', {
      type: 'date', value: this[key], 'aria-label': t(`records.${key}`), dataset: { range: key },
      onchange: (e) => { this[key] = e.target.value; },
    });
    const range = () => ({ from: this.from, to: this.to });
    return h('div', { class: 'card records-card', style: { marginTop: '1rem' }, dataset: { records: 'range-reports' } },
      h('div', { class: 'card-header' }, h('h2', null, icon('calendar'), ' ', t('records.range_reports'))),
      h('div', { class: 'card-body' },
        h('p', { class: 'muted small', style: { marginTop: 0 } }, t('records.range_hint')),
        h('div', { class: 'row records-range' },
          h('label', null, h('span', { class: 'small muted' }, t('records.from')), ' ', input('from')),
          h('label', null, h('span', { class: 'small muted' }, t('records.to')), ' ', input('to'))),
        h('div', { class: 'records-list' }, REPORTS.map((k) => this.reportRow(k, `/api/v1/reports/${k}`, range, false)))));
  }

  async download(path, query) {
    try {
      const { blob, filename } = await fetchBlob(path, query);
      saveBlob(blob, filename || `report.${query.format}`);
      toast(t('records.report_done'), { kind: 'success', timeout: 2500 });
    } catch (err) {
      showError(err, t('records.report_failed'));
    }
  }

  // ---------- minutes jobs ----------

  drawJob(format) {
    const s = this.jobs[format];
    if (!s || !this.minutesEl) return;
    let el = this.minutesEl.querySelector(`[data-job="${format}"]`);
    if (!el) {
      el = h('div', { class: 'records-job', dataset: { job: format } });
      this.minutesEl.append(el);
    }
    const pct = s.status === 'done' ? 100 : s.progress || 0;
    const label = s.status === 'done'
      ? t('records.made', { format: format.toUpperCase(), size: kib(s.job.size), ms: s.job.render_ms })
      : s.status === 'failed' ? `${t('records.failed')}: ${s.error || ''}`
        : t('records.making', { format: format.toUpperCase() });
    fill(el,
      h('div', { class: `progress progress-lg ${s.status === 'done' ? 'done' : s.status === 'failed' ? 'error' : ''}`, role: 'progressbar',
        'aria-valuemin': 0, 'aria-valuemax': 100, 'aria-valuenow': pct, 'aria-label': label, dataset: { status: s.status } },
      h('div', { class: 'progress-bar', style: { width: `${pct}%` } })),
      h('div', { class: 'progress-label' }, h('span', null, label), h('span', { class: 'num' }, `${pct}%`)),
      s.status === 'done' ? button(t('records.download_again'), { size: 'sm', kind: 'ghost', ic: 'download', onClick: () => this.save(s.job) }) : null);
  }

  async makeMinutes(format) {
    if (this.jobs[format] && this.jobs[format].status === 'running') return;
    this.jobs[format] = { status: 'running', progress: 0 };
    this.drawJob(format);
    try {
      let job = await api.post(`/api/v1/sessions/${this.page.id}/minutes`, { format });
      const deadline = Date.now() + JOB_TIMEOUT_MS;
      while (job.status === 'running') {
        this.jobs[format] = { status: 'running', progress: job.progress, job };
        this.drawJob(format);
        if (Date.now() > deadline) throw new Error('timeout');
        await sleep(POLL_MS);
        job = await api.get(`/api/v1/records/jobs/${job.id}`);
      }
      if (job.status !== 'done') throw Object.assign(new Error(job.error || 'failed'), { reason: job.error });
      this.jobs[format] = { status: 'done', progress: 100, job };
      this.drawJob(format);
      await this.save(job);
    } catch (err) {
      this.jobs[format] = { status: 'failed', progress: 0, error: err.reason || err.message };
      this.drawJob(format);
      showError(err, t('records.failed'));
    }
  }

  async save(job) {
    try {
      const { blob, filename } = await fetchBlob(job.url);
      saveBlob(blob, filename || job.filename);
    } catch (err) {
      showError(err, t('records.failed'));
    }
  }
}
