// Display preferences shared by the roomctl web apps: large text and high
// contrast, remembered on the device (localStorage) and applied as classes
// on <html> (rc-large-text, rc-high-contrast; see style.css).
//
//   applyPrefs()                 at start-up, before the first paint if possible
//   getPref('largeText')         -> boolean
//   setPref('highContrast', true)
//   onPrefChange(fn)             fn(name, value)

const STORAGE_KEY = 'roomctl.display';
const CLASSES = { largeText: 'rc-large-text', highContrast: 'rc-high-contrast' };
const listeners = new Set();

function read() {
  try {
    const v = JSON.parse(localStorage.getItem(STORAGE_KEY) || '{}');
    return v && typeof v === 'object' ? v : {};
  } catch { return {}; }
}

let prefs = read();

export function getPref(name) { return !!prefs[name]; }

export function applyPrefs(root = document.documentElement) {
  for (const [name, cls] of Object.entries(CLASSES)) root.classList.toggle(cls, !!prefs[name]);
}

export function setPref(name, value) {
  if (!(name in CLASSES)) return;
  prefs = { ...prefs, [name]: !!value };
  try { localStorage.setItem(STORAGE_KEY, JSON.stringify(prefs)); } catch { /* storage disabled */ }
  applyPrefs();
  for (const fn of listeners) fn(name, !!value);
}

export function togglePref(name) { setPref(name, !getPref(name)); return getPref(name); }

export function onPrefChange(fn) {
  listeners.add(fn);
  return () => listeners.delete(fn);
}
