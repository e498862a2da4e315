// Recordings tab: the program recordings of the session cut by agenda item.
// Each item lists the parts of the files that cover it; "Xem" plays the
// part in the page's <video> (the file URL with a #t=start,end media
// fragment: the browser fetches only what it needs with Range requests and
// stops at the item's end); each file can be downloaded whole. A file that
// was deleted on the server is shown as missing. Staff only.

import { register, t, formatDateTime, formatBytes } from '../common/i18n.js';
import { api } from '../common/api.js';
import { h, fill, button, showError } from '../common/ui.js';

register({
  vi: {
    'tab.recordings': 'Bản ghi hình',
    'rec.title': 'Bản ghi hình theo nội dung chương trình',
    'rec.none': 'Phiên họp này chưa được ghi hình',
    'rec.none_hint': 'Bản ghi có sau khi phiên họp bắt đầu (cấu hình [media] record=true).',
    'rec.load_failed': 'Không tải được danh sách bản ghi',
    'rec.col.item': 'Nội dung',
    'rec.col.parts': 'Đoạn ghi',
    'rec.play': 'Xem',
    'rec.download': 'Tải tệp',
    'rec.missing': 'Tệp đã bị xóa',
    'rec.files': 'Tệp ghi hình',
    'rec.col.file': 'Tệp',
    'rec.col.start': 'Bắt đầu',
    'rec.col.length': 'Thời lượng',
    'rec.col.size': 'Dung lượng',
    'rec.running': 'đang ghi',
    'rec.refresh': 'Làm mới',
    'rec.player': 'Trình phát bản ghi',
    'rec.now_playing': 'Đang xem: {title}',
    'rec.pick': 'Chọn “Xem” ở một nội dung để phát đoạn ghi tương ứng.',
  },
  en: {
    'tab.recordings': 'Recordings',
    'rec.title': 'Recordings by agenda item',
    'rec.none': 'This session has not been recorded',
    'rec.none_hint': 'Recordings appear once the session is live ([media] record=true).',
    'rec.load_failed': 'Could not load the recordings',
    'rec.col.item': 'Agenda item',
    'rec.col.parts': 'Parts',
    'rec.play': 'Play',
    'rec.download': 'Download file',
    'rec.missing': 'File deleted',
    'rec.files': 'Recording files',
    'rec.col.file': 'File',
    'rec.col.start': 'Starts',
    'rec.col.length': 'Length',
    'rec.col.size': 'Size',
    'rec.running': 'recording',
    'rec.refresh': 'Refresh',
    'rec.player': 'Recording player',
    'rec.now_playing': 'Playing: {title}',
    'rec.pick': 'Choose “Play” on an item to play its part of the recording.',
  },
});

/** 75.4 → "1:15" */
function clock(s) {
  if (s == null) return '…';
  const v = Math.max(0, Math.round(s));
  const m = Math.floor(v / 60), sec = v % 60;
  return m >= 60 ? `${Math.floor(m / 60)}:${String(m % 60).padStart(2, '0')}:${String(sec).padStart(2, '0')}` : `${m}:${String(sec).padStart(2, '0')}`;
}

export class RecordingsTab {
  constructor(page) {
    this.page = page;
    this.data = null;
    this.container = null;
    this.loading = false;
  }

  get active() { return this.page.tab === 'recordings'; }

  onData() { /* the recordings do not follow session events; "Làm mới" reloads */ }

  async load() {
    if (this.loading) return;
    this.loading = true;
    try {
      this.data = await api.get(`/api/v1/sessions/${this.page.id}/recordings`);
    } catch (err) {
      showError(err, t('rec.load_failed'));
      this.data = { recorded: false, files: [], items: [], failed: true };
    } finally {
      this.loading = false;
    }
    if (this.active && this.container) this.render(this.container);
  }

  render(container) {
    this.container = container;
    if (!this.data) {
      fill(container, h('div', { class: 'card' }, h('div', { class: 'loading' }, h('span', { class: 'spinner' }), ' ', t('app.loading'))));
      this.load();
      return;
    }
    const d = this.data;
    const refresh = button(t('rec.refresh'), { size: 'sm', ic: 'refresh', onClick: () => { this.data = null; this.render(container); } });
    if (!d.recorded) {
      fill(container, h('div', { class: 'card' }, h('div', { class: 'card-header' }, h('h2', null, t('rec.title')), h('span', { class: 'spacer' }), refresh),
        h('div', { class: 'empty' }, h('strong', null, t('rec.none')), h('span', null, t('rec.none_hint')))));
      return;
    }
    this.video = h('video', { class: 'rec-video', controls: true, preload: 'metadata', playsinline: true, 'aria-label': t('rec.player') });
    this.caption = h('div', { class: 'muted small rec-caption' }, t('rec.pick'));
    const items = h('tbody', null, d.items.map((it, i) => h('tr', { dataset: { item: it.item_id } },
      h('td', { class: 'num' }, String(i + 1)),
      h('td', null, h('div', { class: 'cell-title' }, it.title || '—'), h('div', { class: 'cell-sub' }, clock(it.start_s))),
      h('td', null, h('div', { class: 'rec-parts' }, it.segments.map((s) => this.part(it, s)))))));
    const files = h('tbody', null, d.files.map((f) => h('tr', { dataset: { file: f.file }, class: f.missing ? 'rec-missing' : null },
      h('td', null, h('code', null, f.file), f.missing ? h('span', { class: 'badge badge-left', style: { marginLeft: '.5rem' } }, t('rec.missing')) : null),
      h('td', null, f.started_at ? formatDateTime(f.started_at, { withSeconds: true }) : '—'),
      h('td', { class: 'num' }, f.duration_s == null ? t('rec.running') : clock(f.duration_s)),
      h('td', { class: 'num' }, f.missing ? '—' : formatBytes(f.size)),
      h('td', { class: 'col-actions' }, f.missing ? null : h('a', { class: 'btn btn-sm', href: `${f.url}?download=1`, download: f.file, dataset: { download: f.file } }, t('rec.download'))))));
    fill(container,
      h('div', { class: 'card' },
        h('div', { class: 'card-header' }, h('h2', null, t('rec.title')), h('span', { class: 'spacer' }), refresh),
        h('div', { class: 'card-body rec-layout' },
          h('div', { class: 'rec-player' }, this.video, this.caption),
          h('div', { class: 'table-wrap' }, h('table', { class: 'table', 'aria-label': t('rec.title') },
            h('thead', null, h('tr', null, h('th', { scope: 'col' }, '#'), h('th', { scope: 'col' }, t('rec.col.item')), h('th', { scope: 'col' }, t('rec.col.parts')))),
            items)))),
      h('div', { class: 'card', style: { marginTop: '1rem' } },
        h('div', { class: 'card-header' }, h('h3', null, t('rec.files'))),
        h('div', { class: 'table-wrap' }, h('table', { class: 'table', 'aria-label': t('rec.files') },
          h('thead', null, h('tr', null, ['rec.col.file', 'rec.col.start', 'rec.col.length', 'rec.col.size'].map((k) => h('th', { scope: 'col' }, t(k))), h('th', { scope: 'col' }, ''))),
          files))));
  }

  part(item, s) {
    const range = `${clock(s.start_s)} – ${clock(s.end_s)}`;
    if (s.missing) {
      return h('div', { class: 'rec-part' }, h('span', { class: 'badge badge-left' }, t('rec.missing')), h('span', { class: 'muted small' }, `${s.file} · ${range}`));
    }
    return h('div', { class: 'rec-part' },
      button(t('rec.play'), { size: 'sm', kind: 'primary', ic: 'play', attrs: { 'data-play': s.url }, onClick: () => this.play(item, s) }),
      h('span', { class: 'muted small' }, range));
  }

  play(item, s) {
    this.video.src = s.url;   // file URL + #t=start,end
    this.caption.textContent = t('rec.now_playing', { title: item.title || '' });
    this.video.play().catch(() => { /* autoplay refused: the controls are there */ });
  }
}
