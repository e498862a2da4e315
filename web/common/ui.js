// Small UI toolkit shared by the roomctl web apps: a DOM builder (h), icons,
// the header bar, toasts, modal and confirmation dialogs, and error display.
// Everything server-provided goes in through textContent, never innerHTML.

import { t, LANGS, getLang, setLang, has } from './i18n.js';
import { organisation, loadProvince, zoned, fromZoned } from './province.js';

// ---------- DOM ----------

/**
 * h('button', {class: 'btn', onclick: fn, 'aria-label': 'x'}, 'text', child…)
 * props: class, text, dataset {}, style {}, on<event> functions, booleans
 * (true sets the attribute, false/null omits it), anything else as attribute.
 * Children: strings, nodes, arrays, null/false (skipped).
 */
export function h(tag, props, ...children) {
  const el = document.createElement(tag);
  if (props) {
    for (const [k, v] of Object.entries(props)) {
      if (v === null || v === undefined || v === false) continue;
      if (k === 'class') el.className = v;
      else if (k === 'text') el.textContent = v;
      else if (k === 'dataset') Object.assign(el.dataset, v);
      else if (k === 'style' && typeof v === 'object') Object.assign(el.style, v);
      else if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
      else if (k === 'value' || k === 'checked' || k === 'indeterminate' || k === 'selected') el[k] = v;
      else if (v === true) el.setAttribute(k, '');
      else el.setAttribute(k, String(v));
    }
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else el.append(c instanceof Node ? c : String(c));
  }
}

export function clear(el) { el.replaceChildren(); return el; }

/** Replaces el's children; like h(), skips null/false children (DOM append would print "null"). */
export function fill(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

let idSeq = 0;
export function uid(prefix = 'rc') { idSeq += 1; return `${prefix}-${idSeq}`; }

/** Lower-case, diacritics removed (đ -> d): "Đắk Lắk" matches "dak lak". */
export function fold(s) {
  return String(s || '').normalize('NFD').replace(/[\u0300-\u036f]/g, '')
    .replace(/đ/g, 'd').replace(/Đ/g, 'D').toLowerCase();
}

const collator = new Intl.Collator('vi', { sensitivity: 'base', numeric: true });

/** Vietnamese order for people: by given name (the last word), then the full
 *  name — "Trần Thị Bình" sorts under B. Takes user-like objects. */
export function compareNames(a, b) {
  const name = (u) => (u.full_name || u.username || '').trim();
  const given = (n) => n.split(/\s+/).pop();
  const na = name(a);
  const nb = name(b);
  return collator.compare(given(na), given(nb)) || collator.compare(na, nb);
}

// ---------- icons (24×24 outlines drawn for roomctl) ----------

const ICONS = {
  plus: 'M11 5h2v6h6v2h-6v6h-2v-6H5v-2h6z',
  edit: 'M4 17.2V20h2.8l9.9-9.9-2.8-2.8L4 17.2zm14.7-9.1a1 1 0 0 0 0-1.4l-1.4-1.4a1 1 0 0 0-1.4 0l-1.2 1.2 2.8 2.8 1.2-1.2z',
  trash: 'M9 3h6l1 2h4v2H4V5h4l1-2zm-3 6h12l-1 12H7L6 9zm4 2v8h1.5v-8H10zm3.5 0v8H15v-8h-1.5z',
  up: 'M12 5l6 6-1.4 1.4L13 8.8V19h-2V8.8l-3.6 3.6L6 11z',
  down: 'M12 19l-6-6 1.4-1.4 3.6 3.6V5h2v10.2l3.6-3.6L18 13z',
  indent: 'M4 5h16v2H4zm8 4h8v2h-8zm0 4h8v2h-8zM4 17h16v2H4zM4 9l4 3-4 3z',
  outdent: 'M4 5h16v2H4zm8 4h8v2h-8zm0 4h8v2h-8zM4 17h16v2H4zM8 9v6l-4-3z',
  file: 'M6 2h8l6 6v14H6V2zm7 1.5V9h5.5L13 3.5zM8.5 13h7v1.5h-7zm0 3h7v1.5h-7z',
  upload: 'M12 3l5 5-1.4 1.4L13 6.8V16h-2V6.8L8.4 9.4 7 8zm-8 14h2v2h12v-2h2v4H4z',
  download: 'M11 3h2v9.2l2.6-2.6L17 11l-5 5-5-5 1.4-1.4 2.6 2.6zM4 17h2v2h12v-2h2v4H4z',
  play: 'M8 5v14l11-7z',
  stop: 'M6 6h12v12H6z',
  refresh: 'M17.7 6.3A8 8 0 1 0 20 12h-2a6 6 0 1 1-1.8-4.2L13 11h7V4z',
  calendar: 'M7 2h2v2h6V2h2v2h3v17H4V4h3zm-1 7v10h12V9zm2 2h3v3H8z',
  chevron: 'M9.4 5.6L16 12l-6.6 6.4L8 17l5.2-5L8 7z',
  clock: 'M12 2a10 10 0 1 1 0 20 10 10 0 0 1 0-20zm0 2a8 8 0 1 0 0 16 8 8 0 0 0 0-16zm-1 3h2v5.6l3.7 2.2-1 1.7L11 13.7z',
  room: 'M4 21V3h11v1h5v17h-2V6h-3v15zm4-9v2h2v-2z',
  users: 'M9 12a4 4 0 1 1 0-8 4 4 0 0 1 0 8zm-7 8c0-3.3 3.1-6 7-6s7 2.7 7 6zm15-8.5a3 3 0 1 0 0-6v6zm1.5 2.6c2.1.7 3.5 2.4 3.5 4.9h-3.3c0-1.9-.1-3.5-.2-4.9z',
  site: 'M12 2a7 7 0 0 1 7 7c0 5-7 13-7 13S5 14 5 9a7 7 0 0 1 7-7zm0 4.5a2.5 2.5 0 1 0 0 5 2.5 2.5 0 0 0 0-5z',
  check: 'M9 16.2l-4.2-4.2L3.4 13.4 9 19 21 7l-1.4-1.4z',
  checklist: 'M3 5h2v2H3zm4 0h14v2H7zm-4 6h2v2H3zm4 0h14v2H7zm-4 6h2v2H3zm4 0h14v2H7z',
  logout: 'M10 17l1.4 1.4L17.8 12l-6.4-6.4L10 7l4 4H3v2h11zM19 3h-7v2h7v14h-7v2h7a2 2 0 0 0 2-2V5a2 2 0 0 0-2-2z',
  back: 'M20 11H7.8l5.6-5.6L12 4l-8 8 8 8 1.4-1.4L7.8 13H20z',
  open: 'M14 3h7v7h-2V6.4l-9.3 9.3-1.4-1.4L17.6 5H14zM5 5h6v2H6v11h11v-5h2v7H4V5z',
  star: 'M12 2.5l2.9 6.6 7.1.6-5.4 4.7 1.6 7-6.2-3.8-6.2 3.8 1.6-7L2 9.7l7.1-.6z',
  mic: 'M12 14a3 3 0 0 0 3-3V5a3 3 0 0 0-6 0v6a3 3 0 0 0 3 3zm5-3a5 5 0 0 1-10 0H5a7 7 0 0 0 6 6.9V21h2v-3.1a7 7 0 0 0 6-6.9z',
  ballot: 'M4 4h16v16H4zm2 2v12h12V6zm1.8 6.2l1.4-1.4 1.8 1.8 4.8-4.8 1.4 1.4-6.2 6.2z',
  note: 'M5 3h14v12l-6 6H5zm2 2v14h5v-5h5V5zm2 3h6v1.5H9zm0 3h6v1.5H9z',
  search: 'M10 2a8 8 0 0 1 6.32 12.9l5.39 5.4-1.41 1.41-5.4-5.39A8 8 0 1 1 10 2zm0 2a6 6 0 1 0 0 12 6 6 0 0 0 0-12z',
  grid: 'M4 4h7v7H4zm9 0h7v7h-7zM4 13h7v7H4zm9 0h7v7h-7z',
  zoomIn: 'M10 2a8 8 0 0 1 6.32 12.9l5.39 5.4-1.41 1.41-5.4-5.39A8 8 0 1 1 10 2zm0 2a6 6 0 1 0 0 12 6 6 0 0 0 0-12zM9 6.5h2V9h2.5v2H11v2.5H9V11H6.5V9H9z',
  zoomOut: 'M10 2a8 8 0 0 1 6.32 12.9l5.39 5.4-1.41 1.41-5.4-5.39A8 8 0 1 1 10 2zm0 2a6 6 0 1 0 0 12 6 6 0 0 0 0-12zM6.5 9h7v2h-7z',
  fit: 'M2 4h2v16H2zm18 0h2v16h-2zM6 12l4-4v3h4V8l4 4-4 4v-3h-4v3z',
  prev: 'M14.6 5.6L8 12l6.6 6.4L16 17l-5.2-5L16 7z',
  follow: 'M12 2a10 10 0 1 1 0 20 10 10 0 0 1 0-20zm0 2a8 8 0 1 0 0 16 8 8 0 0 0 0-16zm0 3a5 5 0 1 1 0 10 5 5 0 0 1 0-10zm0 3a2 2 0 1 0 0 4 2 2 0 0 0 0-4z',
  present: 'M3 4h18v12h-8v2h3v2H8v-2h3v-2H3zm2 2v8h14V6z',
  textSize: 'M3 6h10v2.5H9.3V19H6.7V8.5H3zm11 5h7v2h-2.5v6h-2v-6H14z',
  contrast: 'M12 2a10 10 0 1 1 0 20 10 10 0 0 1 0-20zm0 2v16a8 8 0 0 0 0-16z',
  close: 'M6.4 5L12 10.6 17.6 5 19 6.4 13.4 12 19 17.6 17.6 19 12 13.4 6.4 19 5 17.6 10.6 12 5 6.4z',
  warn: 'M12 2l10 18H2zm-1 7v5h2V9zm0 7v2h2v-2z',
  lock: 'M12 2a5 5 0 0 1 5 5v3h1.5A1.5 1.5 0 0 1 20 11.5v9a1.5 1.5 0 0 1-1.5 1.5h-13A1.5 1.5 0 0 1 4 20.5v-9A1.5 1.5 0 0 1 5.5 10H7V7a5 5 0 0 1 5-5zm0 2a3 3 0 0 0-3 3v3h6V7a3 3 0 0 0-3-3zm0 9a2 2 0 0 0-1 3.73V19h2v-2.27A2 2 0 0 0 12 13z',
  phone: 'M6.6 10.8a15.1 15.1 0 0 0 6.6 6.6l2.2-2.2a1 1 0 0 1 1-.25c1.1.37 2.3.57 3.6.57a1 1 0 0 1 1 1V20a1 1 0 0 1-1 1A17 17 0 0 1 3 4a1 1 0 0 1 1-1h3.5a1 1 0 0 1 1 1c0 1.25.2 2.45.57 3.57a1 1 0 0 1-.25 1z',
  hangup: 'M12 9c-1.6 0-3.15.25-4.6.72v3.1c0 .4-.23.74-.56.9-.98.5-1.87 1.12-2.66 1.85a1 1 0 0 1-1.4 0L.3 13.08a1 1 0 0 1 0-1.4A16.9 16.9 0 0 1 12 7c4.54 0 8.66 1.78 11.7 4.67a1 1 0 0 1 0 1.4l-2.47 2.49a1 1 0 0 1-1.4 0 11.3 11.3 0 0 0-2.67-1.85 1 1 0 0 1-.56-.9v-3.1A15 15 0 0 0 12 9z',
};

export function icon(name, cls = 'ico') {
  const ns = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(ns, 'svg');
  svg.setAttribute('viewBox', '0 0 24 24');
  svg.setAttribute('class', cls);
  svg.setAttribute('aria-hidden', 'true');
  svg.setAttribute('focusable', 'false');
  const p = document.createElementNS(ns, 'path');
  p.setAttribute('d', ICONS[name] || ICONS.file);
  svg.append(p);
  return svg;
}

/** A button; label is always present for screen readers (visually hidden with iconOnly). */
export function button(label, { kind = '', size = '', ic = null, iconOnly = false, onClick, type = 'button', disabled = false, attrs = {} } = {}) {
  const cls = ['btn', kind && `btn-${kind}`, size && `btn-${size}`, iconOnly && 'btn-icon'].filter(Boolean).join(' ');
  return h('button', { class: cls, type, onclick: onClick, disabled, title: iconOnly ? label : null, ...attrs },
    ic ? icon(ic) : null,
    iconOnly ? h('span', { class: 'sr-only' }, label) : h('span', null, label));
}

// ---------- badges ----------

export function statusBadge(status) {
  return h('span', { class: `badge badge-${status}`, dataset: { status } }, t(`status.${status}`));
}

export function roleLabel(role) { return has(`role.${role}`) ? t(`role.${role}`) : role; }

// ---------- header ----------

/** The province's name: /me's once logged in, else the configured
 *  organisation ([meeting] organisation, from /about) — the same in every
 *  app and language. */
function provinceName(user) {
  return (user && user.province) || organisation();
}

/** The unit the user acts for, when it is not the province itself ('' otherwise). */
function unitName(user) {
  const name = user && user.organisation && user.organisation.name;
  return name && name !== provinceName(user) ? name : '';
}

/** The line under "roomctl · section": the user's unit and the province, or the province alone. */
function unitLine(user) {
  const unit = unitName(user);
  const province = provinceName(user);
  return h('span', { class: 'app-unit', title: unit ? `${unit} · ${province}` : province },
    unit ? h('span', { class: 'app-org', dataset: { testid: 'user-organisation' } }, unit) : null,
    unit ? h('span', { class: 'app-unit-sep', 'aria-hidden': 'true' }, '·') : null,
    h('span', { class: 'app-province' }, province));
}

/**
 * Renders the header bar into el. Returns {setUser(user|null), setConn(state|null), refresh()}.
 * opts: sectionKey (i18n key of the app's name, e.g. "console.section"), homeHref, onLogout,
 * tools: () => Node|Node[] — the app's own controls, put before the language
 * choice (called again on every render, so their labels follow the language).
 */
export function mountHeader(el, { sectionKey, homeHref = './', onLogout, tools } = {}) {
  let user = null;
  let conn = null;
  const render = () => {
    const langId = uid('lang');
    clear(el);
    el.className = 'app-header';
    el.append(
      h('a', { class: 'app-brand', href: homeHref },
        h('span', { class: 'app-logo' }, icon('star')),
        h('span', { class: 'app-titles' },
          h('span', { class: 'app-name' }, 'roomctl', sectionKey ? h('span', { class: 'app-section' }, ` · ${t(sectionKey)}`) : null),
          unitLine(user))),
      h('span', { class: 'spacer' }),
      h('div', { class: 'app-header-tools' },
        conn ? h('span', { class: 'conn', dataset: { state: conn }, role: 'status', title: t('conn.title') }, t(`conn.${conn}`)) : null,
        tools ? tools() : null,
        h('label', { class: 'sr-only', for: langId }, t('app.language')),
        h('select', { id: langId, class: 'lang-select', onchange: (e) => setLang(e.target.value) },
          LANGS.map((l) => h('option', { value: l.code, selected: l.code === getLang() }, l.code.toUpperCase() + ' · ' + l.label))),
        user ? h('div', { class: 'app-user' },
          h('span', { class: 'app-user-name', dataset: { testid: 'user-name' } }, user.full_name || user.username),
          h('span', { class: 'app-user-sub' },
            h('span', { dataset: { testid: 'user-role' } }, roleLabel(user.role)),
            user.full_name ? h('span', { class: 'app-user-login' }, ` · ${user.username}`) : null)) : null,
        user && onLogout ? button(t('app.logout'), { kind: 'header', size: 'sm', ic: 'logout', onClick: onLogout }) : null));
  };
  render();
  loadProvince().then(() => { if (el.querySelector('.app-province')?.textContent !== provinceName(user)) render(); });
  return {
    setUser(u) { user = u; render(); },
    setConn(s) {
      conn = s;
      const pill = el.querySelector('.conn');
      if (pill && s) { pill.dataset.state = s; pill.textContent = t(`conn.${s}`); } else render();
    },
    refresh: render,
  };
}

// ---------- toasts ----------

function toastHost() {
  let host = document.getElementById('toasts');
  if (!host) {
    host = h('div', { id: 'toasts', class: 'toasts', 'aria-live': 'polite', 'aria-relevant': 'additions' });
    document.body.append(host);
  }
  return host;
}

/** Toasts must show above an open modal <dialog> (top layer): the host is a
 *  manual popover, re-shown so it lands on top of whatever opened since. */
function raiseToasts(host) {
  if (typeof host.showPopover !== 'function') return;
  if (!host.hasAttribute('popover')) host.setAttribute('popover', 'manual');
  if (host.matches(':popover-open')) host.hidePopover();
  if (host.childElementCount) host.showPopover();
}

/** toast('Đã lưu', {kind: 'success'|'error'|'warn'|'info', detail, timeout}) */
const MAX_TOASTS = 3;

export function toast(title, { kind = 'info', detail = '', timeout } = {}) {
  const ms = timeout ?? (kind === 'error' ? 9000 : 3000);
  const host = toastHost();
  // The same message again replaces the old one; only the newest few stay.
  for (const old of host.querySelectorAll('.toast')) {
    if (old.querySelector('.toast-title')?.textContent === title) old.remove();
  }
  while (host.childElementCount >= MAX_TOASTS) host.firstElementChild.remove();
  const el = h('div', { class: `toast toast-${kind}`, role: kind === 'error' ? 'alert' : 'status' },
    h('div', { class: 'toast-body' },
      h('div', { class: 'toast-title' }, title),
      detail ? h('div', { class: 'toast-detail' }, detail) : null),
    h('button', { class: 'toast-close', type: 'button', 'aria-label': t('app.close') }, '×'));
  host.append(el);
  raiseToasts(host);
  const remove = () => { el.remove(); if (!host.childElementCount && host.matches?.(':popover-open')) host.hidePopover(); };
  el.querySelector('.toast-close').onclick = remove;
  if (ms > 0) setTimeout(remove, ms);
  return el;
}

export function clearToasts() {
  const host = document.getElementById('toasts');
  if (!host) return;
  host.replaceChildren();
  if (host.matches(':popover-open')) host.hidePopover();
}

/** Human text for an ApiError (or any Error): the server's reason, with a title in the UI language. */
export function describeError(err) {
  const name = err && (err.errorName || err.name);
  const title = name && has(`errname.${name}`) ? t(`errname.${name}`) : t('err.generic');
  let detail = (err && (err.reason || err.message)) || '';
  if (err && err.field) detail = detail ? `${detail} (${t('err.field')}: ${err.field})` : `${t('err.field')}: ${err.field}`;
  return { title, detail };
}

/** Shows err as an error toast; context is what the user was doing ("Không lưu được phiên họp"). */
export function showError(err, context) {
  if (err && err.name === 'AbortError') return;
  console.warn('roomctl:', context || '', err);
  const { title, detail } = describeError(err);
  toast(context || title, { kind: 'error', detail: context ? [title, detail].filter(Boolean).join(' — ') : detail });
}

// ---------- dialogs ----------

/**
 * openModal({title, body, submitLabel, submitKind, cancelLabel, wide, onSubmit, onClose})
 * body: a Node (typically form fields). onSubmit(form) may return a promise; the
 * dialog closes when it resolves (unless it resolves to false) and stays open
 * when it throws (the error is shown as a toast and, with err.field, next to
 * the input whose name matches). Returns {dialog, form, close}.
 */
export function openModal({ title, body, submitLabel, submitKind = 'primary', cancelLabel, wide = false, onSubmit, onClose, extraButtons = [] }) {
  const titleId = uid('dlg');
  const submitBtn = onSubmit ? button(submitLabel || t('app.save'), { kind: submitKind, type: 'submit' }) : null;
  const form = h('form', { method: 'dialog', novalidate: true },
    h('div', { class: 'modal-header' },
      h('h2', { id: titleId }, title),
      h('button', { type: 'button', class: 'modal-close', 'aria-label': t('app.close'), onclick: () => close() }, '×')),
    h('div', { class: 'modal-body' }, body),
    h('div', { class: 'modal-footer' },
      extraButtons,
      button(cancelLabel || (onSubmit ? t('app.cancel') : t('app.close')), { onClick: () => close() }),
      submitBtn));
  const dialog = h('dialog', { class: `modal${wide ? ' modal-wide' : ''}`, 'aria-labelledby': titleId }, form);
  let closed = false;
  const close = () => {
    if (closed) return;
    closed = true;
    if (dialog.open) dialog.close();
    dialog.remove();
    if (onClose) onClose();
  };
  dialog.addEventListener('cancel', (e) => { e.preventDefault(); close(); });
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    if (!onSubmit || submitBtn.disabled) return;
    clearFieldErrors(form);
    if (!validateForm(form)) return;
    submitBtn.disabled = true;
    try {
      const res = await onSubmit(form);
      if (res !== false) close();
    } catch (err) {
      markFieldError(form, err);
      showError(err);
    } finally {
      submitBtn.disabled = false;
    }
  });
  document.body.append(dialog);
  dialog.showModal();
  raiseToasts(toastHost());
  const first = form.querySelector('.modal-body input:not([type=hidden]):not([disabled]), .modal-body select, .modal-body textarea');
  if (first) first.focus();
  return { dialog, form, close, submitBtn };
}

/** Resolves true when confirmed, false when cancelled. */
export function confirmDialog({ title, message, confirmLabel, danger = false, detail }) {
  return new Promise((resolve) => {
    let answer = false;
    openModal({
      title,
      body: h('div', null, h('p', null, message), detail ? h('div', { class: `callout ${danger ? 'callout-danger' : 'callout-warn'}` }, detail) : null),
      submitLabel: confirmLabel || t('app.confirm'),
      submitKind: danger ? 'danger' : 'primary',
      onSubmit: () => { answer = true; },
      onClose: () => resolve(answer),
    });
  });
}

/** A labelled form field. input: a Node; options: {label, hint, required, id}. */
export function field(label, input, { hint, required = false } = {}) {
  const id = input.id || uid('f');
  input.id = id;
  if (required) input.required = true;
  const hintId = hint ? `${id}-hint` : null;
  if (hintId) input.setAttribute('aria-describedby', hintId);
  return h('div', { class: 'field' },
    h('label', { for: id }, label, required ? h('span', { class: 'req', 'aria-hidden': 'true' }, ' *') : null),
    input,
    hint ? h('div', { class: 'hint', id: hintId }, hint) : null);
}

function clearFieldErrors(form) {
  for (const el of form.querySelectorAll('[aria-invalid="true"]')) el.removeAttribute('aria-invalid');
  for (const el of form.querySelectorAll('.field-error')) el.remove();
}

function addFieldError(input, message) {
  input.setAttribute('aria-invalid', 'true');
  const msg = h('div', { class: 'field-error', id: `${input.id}-err` }, message);
  input.closest('.field')?.append(msg);
  input.setAttribute('aria-errormessage', msg.id);
}

/** Client-side checks (required, maxlength, min/max, custom data-check) before any request. */
function validateForm(form) {
  let firstBad = null;
  for (const el of form.querySelectorAll('input, select, textarea')) {
    let message = '';
    const v = el.type === 'checkbox' ? el.checked : el.value.trim();
    if (el.required && !v) message = t('form.required');
    else if (el.maxLength > 0 && el.value.length > el.maxLength) message = t('form.too_long', { n: el.maxLength });
    else if (el.type === 'number' && el.value !== '' && !el.checkValidity()) message = t('form.range', { min: el.min, max: el.max });
    else if (el._check) message = el._check(el) || '';
    if (message) {
      addFieldError(el, message);
      firstBad = firstBad || el;
    }
  }
  if (firstBad) firstBad.focus();
  return !firstBad;
}

function markFieldError(form, err) {
  if (!err || !err.field) return;
  const input = form.querySelector(`[name="${CSS.escape(err.field)}"]`);
  if (input) { addFieldError(input, err.reason || t('form.invalid')); input.focus(); }
}

// ---------- datetime-local <-> ISO UTC ----------

const pad = (n) => String(n).padStart(2, '0');

/** ISO UTC -> value for <input type="datetime-local">, on the province's clock. */
export function isoToLocalInput(iso) {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  const z = zoned(d);
  return `${z.year}-${pad(z.month)}-${pad(z.day)}T${pad(z.hour)}:${pad(z.minute)}`;
}

/** datetime-local value, read on the province's clock (not the browser's) -> "2026-11-25T01:00:00Z". */
export function localInputToIso(value) {
  const m = /^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d)(?::\d\d(?:\.\d+)?)?$/.exec(value || '');
  if (!m) return null;
  const d = fromZoned(+m[1], +m[2], +m[3], +m[4], +m[5]);
  if (Number.isNaN(d.getTime())) return null;
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}
