// The alarm list of a session: active alarms first (unacknowledged before
// acknowledged, newest first), then the cleared ones; each with its kind,
// the site, the reason, when it was raised and cleared, and who acknowledged
// it when — or the button to acknowledge it. Fed by the health snapshot, the
// REST history and the alarm.raised / alarm.cleared / alarm.acked events;
// redrawn at most once per animation frame however many alarms arrive.

import { t, has, formatTime, formatDateTime } from '../common/i18n.js';
import { h, button, icon } from '../common/ui.js';

const MAX_CLEARED = 100;   // cleared alarms kept on screen

/** The server's reason in the UI language, when it is a known one. */
export function reasonText(reason) {
  const key = `tech.reason.${String(reason || '').replace(/\s+/g, '_')}`;
  return has(key) ? t(key) : (reason || '');
}

export class AlarmList {
  /** el: container; alarms: Map id -> alarm (owned by the feed);
   *  opts: {onSelectSite(siteId), onAck(alarm) → Promise, canAck, onChange()} */
  constructor(el, alarms, opts = {}) {
    this.el = el;
    this.alarms = alarms;
    this.opts = opts;
    this.showCleared = true;
    this.raf = 0;
    this.busy = new Set();
  }

  /** Active = not cleared yet. */
  static isActive(a) { return !a.cleared_at; }

  get activeCount() { let n = 0; for (const a of this.alarms.values()) if (!a.cleared_at) n++; return n; }

  get unackedCount() { let n = 0; for (const a of this.alarms.values()) if (!a.acked_at && !a.cleared_at) n++; return n; }

  /** Sites with an active alarm nobody has acknowledged yet. */
  alarmedSites() {
    const ids = new Set();
    for (const a of this.alarms.values()) if (!a.cleared_at && !a.acked_at) ids.add(a.site_id);
    return ids;
  }

  /** Active alarms of one site. */
  forSite(siteId) { return [...this.alarms.values()].filter((a) => a.site_id === siteId && !a.cleared_at); }

  sorted() {
    const list = [...this.alarms.values()];
    const rank = (a) => (a.cleared_at ? 2 : a.acked_at ? 1 : 0);
    list.sort((a, b) => rank(a) - rank(b) || String(b.raised_at).localeCompare(String(a.raised_at)) || b.id - a.id);
    return list;
  }

  schedule() {
    if (this.raf) return;
    this.raf = requestAnimationFrame(() => { this.raf = 0; this.render(); });
  }

  render() {
    const all = this.sorted();
    const active = all.filter((a) => !a.cleared_at);
    const cleared = all.filter((a) => a.cleared_at);
    const items = [];
    if (!all.length) {
      items.push(h('li', { class: 'alarm-empty' }, icon('check'), t('tech.alarms.none')));
    }
    for (const a of active) items.push(this._item(a));
    if (cleared.length && this.showCleared) {
      items.push(h('li', { class: 'alarm-sep' }, t('tech.alarms.cleared_head', { n: cleared.length })));
      for (const a of cleared.slice(0, MAX_CLEARED)) items.push(this._item(a));
    }
    this.el.replaceChildren(...items);
    this.opts.onChange?.();
  }

  _item(a) {
    const acked = !!a.acked_at;
    const cleared = !!a.cleared_at;
    const kind = has(`tech.alarm.kind.${a.kind}`) ? t(`tech.alarm.kind.${a.kind}`) : a.kind;
    let ackPart;
    if (acked) {
      ackPart = h('div', { class: 'alarm-acked', dataset: { testid: 'acked' } }, icon('check'),
        t('tech.alarms.acked_by', { who: a.acked_by_name || t('tech.alarms.someone'), at: formatTime(a.acked_at, { withSeconds: true }) }));
    } else if (this.opts.canAck && a.id > 0) { // a negative id: not stored yet (a full disk), nothing to acknowledge
      const btn = button(t('tech.alarms.ack'), { kind: cleared ? '' : 'primary', size: 'sm', ic: 'check', onClick: () => this._ack(a, btn) });
      btn.disabled = this.busy.has(a.id);
      ackPart = btn;
    } else {
      ackPart = h('span', { class: 'muted small' }, t('tech.alarms.unacked'));
    }
    return h('li', {
      class: `alarm k-${a.kind}${cleared ? ' cleared' : ''}${acked ? ' acked' : ''}`,
      dataset: { id: a.id, site: a.site_id, kind: a.kind },
    },
    h('div', { class: 'alarm-top' },
      h('span', { class: `alarm-kind k-${a.kind}` }, kind),
      a.reason ? h('span', { class: 'alarm-reason' }, reasonText(a.reason)) : null,
      h('time', { class: 'alarm-time num', datetime: a.raised_at, title: formatDateTime(a.raised_at, { withSeconds: true }) }, formatTime(a.raised_at, { withSeconds: true }))),
    h('div', { class: 'alarm-site' },
      a.site_id == null // the server's own alarms (disk, recording) have no site
        ? h('span', { class: 'alarm-server' }, t('tech.alarm.server'))
        : h('button', { type: 'button', class: 'link-btn', onclick: () => this.opts.onSelectSite?.(a.site_id) }, a.site_name || a.site_code || `#${a.site_id}`),
      a.site_code ? h('span', { class: 'alarm-code' }, a.site_code) : null,
      acked ? null : h('span', { class: 'alarm-action' }, ackPart)),
    acked || cleared ? h('div', { class: 'alarm-foot' },
      cleared ? h('span', { class: 'alarm-status' }, t('tech.alarms.cleared_at', { at: formatTime(a.cleared_at, { withSeconds: true }) })) : null,
      acked ? ackPart : null) : null);
  }

  async _ack(a, btn) {
    if (this.busy.has(a.id)) return;
    this.busy.add(a.id);
    btn.disabled = true;
    try {
      await this.opts.onAck(a);
    } finally {
      this.busy.delete(a.id);
      this.schedule();
    }
  }

  destroy() { if (this.raf) cancelAnimationFrame(this.raf); this.raf = 0; }
}
