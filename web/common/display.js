// The display switches in an app's header: large text and high contrast
// (common/prefs.js keeps them on the device and puts the classes on <html>).
// Every app uses these (the tablet re-draws its page on a change); the docs viewer
// passes its own (English) labels.
//
//   mountHeader(el, { tools: () => displayButtons() })
//   displayButtons({ onChange: () => viewer.render(), label: (key) => EN[key] })

import { h, icon } from './ui.js';
import { t } from './i18n.js';
import { getPref, togglePref } from './prefs.js';

const SWITCHES = [
  { pref: 'largeText', ic: 'textSize', key: 'prefs.large' },
  { pref: 'highContrast', ic: 'contrast', key: 'prefs.contrast' },
];

function displayButton({ pref, ic, key }, label, onChange) {
  const on = getPref(pref);
  return h('button', {
    type: 'button', class: `btn btn-header btn-icon pref-btn${on ? ' on' : ''}`, 'aria-pressed': String(on),
    title: label(key), dataset: { pref },
    onclick: (e) => {
      const v = togglePref(pref);
      e.currentTarget.setAttribute('aria-pressed', String(v));
      e.currentTarget.classList.toggle('on', v);
      if (onChange) onChange(pref, v);
    },
  }, icon(ic), h('span', { class: 'sr-only' }, label(key)));
}

/** The group of switches, labelled for screen readers. */
export function displayButtons({ onChange = null, label = t } = {}) {
  return h('div', { class: 'pref-group', role: 'group', 'aria-label': label('prefs.group') },
    SWITCHES.map((s) => displayButton(s, label, onChange)));
}
