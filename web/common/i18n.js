// Tiny i18n for the roomctl web apps: Vietnamese by default, English
// switchable, the choice remembered in localStorage.
//
//   register({vi: {...}, en: {...}})   add an app's messages (merged)
//   t('key', {n: 3})                   look up, "{n}" placeholders filled in;
//                                      a message may also be a function(params)
//   applyI18n(root)                    fill data-i18n, data-i18n-placeholder,
//                                      data-i18n-title, data-i18n-aria-label
//   setLang('en'), getLang(), onLangChange(fn)
//
// Lookup falls back to Vietnamese, then to the key itself, so a missing
// translation shows up as a readable key instead of an empty label.

import { COMMON_MESSAGES } from './messages.js';
import { zoned, timeZone } from './province.js';

const STORAGE_KEY = 'roomctl.lang';
export const LANGS = [
  { code: 'vi', label: 'Tiếng Việt', locale: 'vi-VN' },
  { code: 'en', label: 'English', locale: 'en-GB' },
];
const DEFAULT_LANG = 'vi';

const dicts = { vi: {}, en: {} };
const listeners = new Set();
let lang = readStoredLang();

function readStoredLang() {
  try {
    const v = localStorage.getItem(STORAGE_KEY);
    if (LANGS.some((l) => l.code === v)) return v;
  } catch { /* storage disabled: keep the default */ }
  return DEFAULT_LANG;
}

export function register(messages) {
  for (const [code, dict] of Object.entries(messages)) {
    dicts[code] = Object.assign(dicts[code] || {}, dict);
  }
}

export function getLang() { return lang; }

export function locale() {
  return (LANGS.find((l) => l.code === lang) || LANGS[0]).locale;
}

export function setLang(code) {
  if (!LANGS.some((l) => l.code === code) || code === lang) return;
  lang = code;
  try { localStorage.setItem(STORAGE_KEY, code); } catch { /* ignore */ }
  document.documentElement.lang = code;
  applyI18n(document);
  for (const fn of listeners) fn(code);
}

/** Calls fn(lang) after every language change; returns an unsubscribe function. */
export function onLangChange(fn) {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

export function has(key) {
  return key in (dicts[lang] || {}) || key in dicts[DEFAULT_LANG];
}

export function t(key, params = {}) {
  let msg = dicts[lang]?.[key];
  if (msg === undefined) msg = dicts[DEFAULT_LANG][key];
  if (msg === undefined) return key;
  if (typeof msg === 'function') return msg(params);
  return msg.replace(/\{(\w+)\}/g, (m, name) => (name in params ? String(params[name]) : m));
}

const ATTRS = [
  ['i18nPlaceholder', 'placeholder'],
  ['i18nTitle', 'title'],
  ['i18nAriaLabel', 'aria-label'],
];

export function applyI18n(root = document) {
  const scope = root.querySelectorAll ? root : document;
  const nodes = scope.querySelectorAll('[data-i18n], [data-i18n-placeholder], [data-i18n-title], [data-i18n-aria-label]');
  for (const el of nodes) {
    if (el.dataset.i18n) el.textContent = t(el.dataset.i18n);
    for (const [ds, attr] of ATTRS) {
      if (el.dataset[ds]) el.setAttribute(attr, t(el.dataset[ds]));
    }
  }
}

// ---------- formatting in the current language ----------

const pad = (n) => String(n).padStart(2, '0');

/** "25/11/2026 08:00" (vi) or "25 Nov 2026, 08:00" (en), in the province's zone. */
export function formatDateTime(iso, { withSeconds = false } = {}) {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return String(iso);
  return `${formatDate(d)}${lang === 'vi' ? '' : ','} ${clock(zoned(d), withSeconds)}`;
}

const clock = (z, withSeconds) => `${pad(z.hour)}:${pad(z.minute)}${withSeconds ? ':' + pad(z.second) : ''}`;
const monthFormats = new Map();

/** The day of @value in the province's zone: "25/11/2026" (vi) or "25 Nov 2026". */
export function formatDate(value) {
  const d = value instanceof Date ? value : new Date(value);
  const z = zoned(d);
  if (lang === 'vi') return `${pad(z.day)}/${pad(z.month)}/${z.year}`;
  const key = `${locale()} ${timeZone()}`;
  if (!monthFormats.has(key)) {
    monthFormats.set(key, new Intl.DateTimeFormat(locale(), { day: '2-digit', month: 'short', year: 'numeric', timeZone: timeZone() }));
  }
  return monthFormats.get(key).format(d);
}

/** "08:00" (or "08:00:05") in the province's zone. */
export function formatTime(iso, { withSeconds = false } = {}) {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return String(iso);
  return clock(zoned(d), withSeconds);
}

/** Whether two instants fall on the same day in the province's zone. */
export function sameDay(a, b) {
  const x = zoned(new Date(a));
  const y = zoned(new Date(b));
  return x.year === y.year && x.month === y.month && x.day === y.day;
}

/** "25/11/2026 08:00 – 11:30", or both full dates when the range spans days. */
export function formatRange(startIso, endIso) {
  if (!startIso) return '';
  if (!endIso) return formatDateTime(startIso);
  if (sameDay(startIso, endIso)) return `${formatDateTime(startIso)} – ${formatTime(endIso)}`;
  return `${formatDateTime(startIso)} – ${formatDateTime(endIso)}`;
}

export function formatNumber(n, opts) {
  return new Intl.NumberFormat(locale(), opts).format(n);
}

export function formatBytes(n) {
  if (n == null || Number.isNaN(n)) return '';
  const units = ['B', 'KB', 'MB', 'GB'];
  let i = 0;
  let v = n;
  while (v >= 1024 && i < units.length - 1) { v /= 1024; i++; }
  const digits = i === 0 || v >= 100 ? 0 : 1;
  return `${formatNumber(Number(v.toFixed(digits)), { maximumFractionDigits: digits })} ${units[i]}`;
}

register(COMMON_MESSAGES);
document.documentElement.lang = lang;
