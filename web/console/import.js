// Bulk import page (#/import): choose what to import (users, delegates,
// sites), pick a CSV file (UTF-8), see the server's preview — every row,
// the cells in error highlighted with the reason — and "Nhập dữ liệu"
// (import), enabled only when the preview has no error. The server writes
// every row or none.

import { register, t, formatNumber } from '../common/i18n.js';
import { upload } from '../common/api.js';
import { h, fill, button, toast, showError } from '../common/ui.js';

register({
  vi: {
    'nav.import': 'Nhập từ CSV',
    'imp.title': 'Nhập dữ liệu từ tệp CSV',
    'imp.sub': 'Nhập hàng loạt người dùng, đại biểu hoặc điểm cầu. Xem trước rồi mới ghi; có lỗi thì không ghi dòng nào.',
    'imp.kind': 'Loại dữ liệu',
    'imp.kind.delegates': 'Đại biểu',
    'imp.kind.users': 'Người dùng',
    'imp.kind.sites': 'Điểm cầu',
    'imp.columns': 'Các cột: {cols}. Tệp CSV mã hóa UTF-8 (trong Excel: “CSV UTF-8”), dòng đầu là tên cột.',
    'imp.file': 'Chọn tệp CSV',
    'imp.checking': 'Đang kiểm tra tệp…',
    'imp.summary': '{n} dòng, {e} lỗi',
    'imp.clean': 'Tệp hợp lệ: {n} dòng sẵn sàng để nhập.',
    'imp.has_errors': 'Tệp có {e} lỗi. Sửa tệp rồi chọn lại; chưa có dòng nào được ghi.',
    'imp.file_error': 'Không đọc được tệp',
    'imp.go': 'Nhập dữ liệu',
    'imp.going': 'Đang nhập… (mật khẩu được mã hóa, có thể mất một lúc)',
    'imp.done': 'Đã nhập {n} dòng',
    'imp.failed': 'Không nhập được',
    'imp.col.row': 'Dòng',
    'imp.col.errors': 'Lỗi',
    'imp.password_set': '••••••',
    'imp.not_allowed': 'Chỉ Quản trị hệ thống được nhập người dùng và đại biểu.',
  },
  en: {
    'nav.import': 'Import CSV',
    'imp.title': 'Import from a CSV file',
    'imp.sub': 'Bulk import of users, delegates or sites. Preview first; with any error nothing is written.',
    'imp.kind': 'What to import',
    'imp.kind.delegates': 'Delegates',
    'imp.kind.users': 'Users',
    'imp.kind.sites': 'Sites',
    'imp.columns': 'Columns: {cols}. A UTF-8 CSV file (in Excel: “CSV UTF-8”), the first line names the columns.',
    'imp.file': 'Choose a CSV file',
    'imp.checking': 'Checking the file…',
    'imp.summary': '{n} rows, {e} errors',
    'imp.clean': 'The file is clean: {n} rows ready to import.',
    'imp.has_errors': 'The file has {e} errors. Fix it and choose it again; nothing has been written.',
    'imp.file_error': 'The file cannot be read',
    'imp.go': 'Import',
    'imp.going': 'Importing… (passwords are hashed, this can take a while)',
    'imp.done': '{n} rows imported',
    'imp.failed': 'Import failed',
    'imp.col.row': 'Row',
    'imp.col.errors': 'Errors',
    'imp.password_set': '••••••',
    'imp.not_allowed': 'Only administrators import users and delegates.',
  },
});

const KINDS = {
  delegates: ['username*', 'full_name*', 'password*', 'role', 'title', 'unit', 'site_code'],
  users: ['username*', 'full_name*', 'role*', 'password*', 'title', 'unit', 'site_code'],
  sites: ['code*', 'name*', 'level*', 'parent_code', 'transport', 'address', 'media_from', 'h264_payload_type', 'opus_payload_type', 'video_cap_kbps', 'audio_cap_kbps'],
};

export function renderImportPage(ctx, main) {
  const state = { kind: ctx.me.role === 'admin' ? 'delegates' : 'sites', file: null, plan: null, busy: false };
  let alive = true;
  const fileInput = h('input', { type: 'file', accept: '.csv,text/csv', id: 'import-file', class: 'sr-only', onchange: () => choose(fileInput.files[0]) });
  const fileName = h('span', { class: 'muted' });
  const hint = h('p', { class: 'muted small' });
  const result = h('div', { class: 'import-result' });
  const go = button(t('imp.go'), { kind: 'primary', ic: 'upload', disabled: true, attrs: { 'data-import': '' }, onClick: () => commit() });
  const seg = h('div', { class: 'seg', role: 'group', 'aria-label': t('imp.kind') },
    Object.keys(KINDS).map((k) => h('button', {
      type: 'button', 'aria-pressed': String(k === state.kind), dataset: { kind: k },
      disabled: k !== 'sites' && ctx.me.role !== 'admin',
      onclick: () => { state.kind = k; for (const b of seg.children) b.setAttribute('aria-pressed', String(b.dataset.kind === k)); reset(); },
    }, t(`imp.kind.${k}`))));

  fill(main, h('div', { class: 'page' },
    h('div', { class: 'breadcrumb' }, h('a', { href: '#/sessions' }, '‹ ', t('nav.sessions'))),
    h('div', { class: 'page-head' }, h('div', null, h('h1', null, t('imp.title')), h('div', { class: 'sub' }, t('imp.sub')))),
    h('div', { class: 'card' }, h('div', { class: 'card-body' },
      h('div', { class: 'row' }, h('strong', null, t('imp.kind')), seg),
      hint,
      h('div', { class: 'row' }, h('label', { class: 'btn', for: 'import-file' }, t('imp.file')), fileInput, fileName, h('span', { class: 'spacer' }), go),
      ctx.me.role !== 'admin' ? h('p', { class: 'muted small' }, t('imp.not_allowed')) : null)),
    result));
  reset();

  function reset() {
    state.plan = null;
    state.file = null;
    fileInput.value = '';
    fileName.textContent = '';
    hint.textContent = t('imp.columns', { cols: KINDS[state.kind].join(', ') });
    go.disabled = true;
    fill(result);
  }

  async function send(file, dry) {
    return upload(`/api/v1/import/${state.kind}`, file, { query: dry ? { dry_run: 1 } : null, contentType: 'text/csv; charset=utf-8' }).promise;
  }

  async function choose(file) {
    if (!file) return;
    state.file = file;
    fileName.textContent = file.name;
    state.plan = null;
    go.disabled = true;
    fill(result, h('div', { class: 'card' }, h('div', { class: 'loading' }, h('span', { class: 'spinner' }), ' ', t('imp.checking'))));
    try {
      const plan = await send(file, true);
      if (!alive || state.file !== file) return;
      state.plan = plan;
      go.disabled = !plan.valid;
      paint(plan, file.name);
    } catch (err) {
      if (!alive) return;
      fill(result, h('div', { class: 'callout callout-danger', dataset: { fileError: '' } },
        h('strong', null, t('imp.file_error'), ': '), err.reason || err.message));
    }
  }

  function paint(plan, name) {
    const cols = plan.columns.filter((c) => c !== 'password');
    if (plan.columns.includes('password')) cols.push('password');
    const rows = plan.rows.map((r) => {
      const bad = new Map(r.errors.map((e) => [e.column, e.reason]));
      const cell = (c) => {
        const v = c === 'password' ? (r.values.password_set ? t('imp.password_set') : '') : (r.values[c] ?? '');
        const why = bad.get(c);
        return h('td', { class: why ? 'cell-error' : null, title: why || null, dataset: { col: c } }, String(v));
      };
      return h('tr', { class: r.errors.length ? 'row-error' : null, dataset: { row: r.row } },
        h('td', { class: 'num' }, String(r.row)), cols.map(cell),
        h('td', { class: 'import-errors' }, r.errors.map((e) => h('div', null, e.column ? h('code', null, e.column) : null, ' ', e.reason))));
    });
    fill(result,
      h('div', { class: `callout ${plan.valid ? 'callout-success' : 'callout-danger'}`, dataset: { summary: plan.valid ? 'clean' : 'errors' } },
        plan.valid ? t('imp.clean', { n: formatNumber(plan.total) }) : t('imp.has_errors', { e: formatNumber(plan.error_count) })),
      h('div', { class: 'card card-flush', style: { marginTop: '1rem' } },
        h('div', { class: 'card-header' }, h('strong', null, name), h('span', { class: 'spacer' }),
          h('span', { class: 'muted' }, t('imp.summary', { n: formatNumber(plan.total), e: formatNumber(plan.error_count) }))),
        h('div', { class: 'table-wrap' }, h('table', { class: 'table import-table' },
          h('thead', null, h('tr', null, h('th', { scope: 'col' }, t('imp.col.row')), cols.map((c) => h('th', { scope: 'col' }, c)),
            h('th', { scope: 'col' }, t('imp.col.errors')))),
          h('tbody', null, rows)))));
  }

  async function commit() {
    if (!state.plan || !state.plan.valid || state.busy) return;
    state.busy = true;
    go.disabled = true;
    const wait = toast(t('imp.going'), { kind: 'info', timeout: 0 });
    try {
      const res = await send(state.file, false);
      toast(t('imp.done', { n: formatNumber(res.imported) }), { kind: 'success' });
      reset();
    } catch (err) {
      showError(err, t('imp.failed'));
      go.disabled = false;
    } finally {
      state.busy = false;
      if (wait) wait.remove();
    }
  }

  return { destroy() { alive = false; } };
}
