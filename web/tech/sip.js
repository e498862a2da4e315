// The SIP calls of a session on the technicians' dashboard: the bar above
// the site wall (how many SIP sites are connected, "Gọi tất cả" / "Ngắt
// tất cả") and the part of a SIP site's detail that shows its call (state,
// since when, who hung up and the SIP cause) with "Gọi lại" / "Ngắt". The
// calls and the requests are the feed's (feed.js: sip.call events); this
// file only draws and asks. A button is disabled while its request is in
// flight; a refusal is shown as an error toast with the server's reason.

import { t, formatTime } from '../common/i18n.js';
import { h, button, showError, toast, confirmDialog } from '../common/ui.js';

/** States of a call that is up or being made. */
const LIVE = new Set(['calling', 'ringing', 'connected']);

export const callIsLive = (call) => !!call && LIVE.has(call.state);

/** The time the call's state began. */
function stateSince(call) {
  if (call.state === 'connected') return call.connected_at;
  if (call.state === 'ended' || call.state === 'refused') return call.ended_at;
  if (call.state === 'ringing') return call.ringing_at || call.started_at;
  return call.started_at;
}

/** Who ended it and the SIP cause: "điểm cầu ngắt · 200 BYE", "486 Busy Here"
 *  (the controller's own hang-up says no more than who). Also the site
 *  attendance's (attendance.js: a row's sip). */
export function endText(call) {
  const parts = [];
  if (call.ended_by) parts.push(t(`tech.sip.ended_by.${call.ended_by}`));
  const own = call.ended_by === 'controller' && call.cause?.status === 200;
  if (call.cause && !own) parts.push(`${call.cause.status} ${call.cause.phrase || ''}`.trim());
  return parts.join(' · ');
}

/** A pill with the call's state (data-state: the state's name, "none" without a call). */
export function callPill(call) {
  const state = call ? call.state : 'none';
  return h('span', { class: `call-pill c-${state}`, dataset: { testid: 'sip-call-state', state } }, t(`tech.sip.state.${state}`));
}

/** Runs @fn with @buttons disabled; an error is shown with @context. */
async function inFlight(buttons, fn, context) {
  for (const b of buttons) { b.disabled = true; b.setAttribute('aria-busy', 'true'); }
  try {
    return await fn();
  } catch (err) {
    showError(err, context);
    return null;
  } finally {
    for (const b of buttons) b.removeAttribute('aria-busy');
  }
}

/** The session's SIP bar: counts by call state, call all, hang up all. */
export class SipBar {
  /** feed: SessionFeed; canCall: the user may dial and hang up. */
  constructor(feed, { canCall }) {
    this.feed = feed;
    this.canCall = canCall;
    this.busy = false;
    this.countsEl = h('span', { class: 'sip-counts', dataset: { testid: 'sip-counts' } });
    this.dialBtn = button(t('tech.sip.dial_all'), { kind: 'primary', size: 'sm', ic: 'phone', attrs: { 'data-testid': 'sip-dial-all' }, onClick: () => this.dialAll() });
    this.hangupBtn = button(t('tech.sip.hangup_all'), { kind: 'danger', size: 'sm', ic: 'hangup', attrs: { 'data-testid': 'sip-hangup-all' }, onClick: () => this.hangupAll() });
    this.el = h('div', { class: 'sip-bar', role: 'group', 'aria-label': t('tech.sip.title'), dataset: { testid: 'sip-bar' } },
      h('strong', { class: 'sip-title' }, t('tech.sip.title')),
      this.countsEl,
      canCall ? h('span', { class: 'sip-actions' }, this.dialBtn, this.hangupBtn) : null);
    this.update();
  }

  /** The SIP sites of the session. */
  sites() { return this.feed.store.sites.filter((s) => s.transport === 'sip'); }

  update() {
    const sites = this.sites();
    this.el.hidden = !sites.length;
    let connected = 0; let pending = 0; let down = 0;
    for (const s of sites) {
      const c = this.feed.sipCalls.get(s.id);
      if (c?.state === 'connected') connected++;
      else if (callIsLive(c)) pending++;
      else if (c) down++;
    }
    const chip = (key, n, cls) => h('span', { class: `sip-count ${cls}`, dataset: { count: key } }, t(`tech.sip.count.${key}`, { n }));
    const chips = [chip('connected', `${connected}/${sites.length}`, 'c-connected')];
    if (pending) chips.push(chip('pending', pending, 'c-calling'));
    if (down) chips.push(chip('down', down, 'c-ended'));
    this.countsEl.replaceChildren(...chips);
    const live = this.feed.session?.status === 'live';
    const anyLive = sites.some((s) => callIsLive(this.feed.sipCalls.get(s.id)));
    if (!this.busy) {
      this.dialBtn.disabled = !live;
      this.hangupBtn.disabled = !anyLive;
    }
    this.dialBtn.title = live ? t('tech.sip.dial_all_hint') : t('tech.sip.not_live');
  }

  async dialAll() {
    await this._run(() => this.feed.sipDial(null), t('tech.sip.dial_failed'));
  }

  async hangupAll() {
    const n = this.sites().filter((s) => callIsLive(this.feed.sipCalls.get(s.id))).length;
    const ok = await confirmDialog({
      title: t('tech.sip.hangup_all_title'), message: t('tech.sip.hangup_all_confirm', { n }),
      confirmLabel: t('tech.sip.hangup_all'), danger: true, detail: t('tech.sip.hangup_all_detail'),
    });
    if (!ok) return;
    const res = await this._run(() => this.feed.sipHangup(null), t('tech.sip.hangup_failed'));
    if (res) toast(t('tech.sip.hanging_up', { n: res.calls }), { kind: 'info' });
  }

  async _run(fn, context) {
    this.busy = true;
    try {
      return await inFlight([this.dialBtn, this.hangupBtn], fn, context);
    } finally {
      this.busy = false;
      this.update();
    }
  }
}

/** A SIP site's call in its detail panel. */
export class SipPanel {
  /** feed: SessionFeed; site: the store's site; canCall: may dial and hang up. */
  constructor(feed, site, { canCall }) {
    this.feed = feed;
    this.site = site;
    this.canCall = canCall;
    this.busy = false;
    this.stateEl = h('span');
    this.sinceEl = h('span', { class: 'detail-since' });
    this.endEl = h('p', { class: 'sip-end', dataset: { testid: 'sip-call-end' } });
    this.dialBtn = button(t('tech.sip.redial'), { kind: 'primary', size: 'sm', ic: 'phone', attrs: { 'data-testid': 'sip-redial' }, onClick: () => this.dial() });
    this.hangupBtn = button(t('tech.sip.hangup'), { kind: 'danger', size: 'sm', ic: 'hangup', attrs: { 'data-testid': 'sip-hangup' }, onClick: () => this.hangup() });
    this.el = h('section', { class: 'sip-panel', 'aria-label': t('tech.sip.call'), dataset: { testid: 'sip-panel' } },
      h('div', { class: 'detail-state' }, h('strong', null, t('tech.sip.call')), this.stateEl, this.sinceEl),
      this.endEl,
      canCall ? h('div', { class: 'detail-actions' }, this.dialBtn, this.hangupBtn) : null);
    this.update();
  }

  get address() { return this.feed.store.allById?.get(this.site.id)?.address || ''; }

  update() {
    const call = this.feed.sipCalls.get(this.site.id) || null;
    this.stateEl.replaceChildren(callPill(call));
    const since = call && stateSince(call);
    this.sinceEl.textContent = since ? t('tech.sip.since', { time: formatTime(since, { withSeconds: true }) }) : '';
    const end = call && !callIsLive(call) ? endText(call) : '';
    const dir = call ? t(`tech.sip.direction.${call.direction}`) : '';
    const hold = call && callIsLive(call) && call.on_hold ? t('tech.sip.on_hold') : '';
    this.endEl.textContent = [dir, hold, end].filter(Boolean).join(' · ');
    this.endEl.hidden = !this.endEl.textContent;
    const live = this.feed.session?.status === 'live';
    if (!this.busy) {
      this.dialBtn.disabled = !live || !this.address || callIsLive(call);
      this.hangupBtn.disabled = !callIsLive(call);
    }
    this.dialBtn.title = !live ? t('tech.sip.not_live') : !this.address ? t('tech.sip.no_address') : '';
  }

  dial() { return this._run(() => this.feed.sipDial(this.site.id), t('tech.sip.dial_failed')); }

  hangup() { return this._run(() => this.feed.sipHangup(this.site.id), t('tech.sip.hangup_failed')); }

  async _run(fn, context) {
    this.busy = true;
    try {
      return await inFlight([this.dialBtn, this.hangupBtn], fn, context);
    } finally {
      this.busy = false;
      this.update();
    }
  }
}
