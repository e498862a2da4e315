// One site in detail: where it is, its state and since when, its figures
// now, and live charts of the last five minutes (uPlot): packet loss towards
// the controller and the program's loss at the site (RTCP receiver reports),
// jitter, and the video and audio bitrates. Program actions for the site
// (give it the floor, add it to the composed layout) are offered when the
// user may run the program; technicians and admins may also watch the
// site's own stream as the controller receives it (WHEP ?site=). A SIP
// site shows its call, with redial and hang-up (sip.js).

import uPlot from '../vendor/uplot/uPlot.esm.js';
import { t } from '../common/i18n.js';
import { h, button, icon } from '../common/ui.js';
import { RtcPlayer } from '../common/rtc-player.js';
import { SipPanel } from './sip.js';
import { HISTORY } from './store.js';
import { zoned, timeZone } from '../common/province.js';
import { formatKbps, formatPercent, formatDuration, fmtMs } from './format.js';

const COLORS = {
  loss: '#c0392b', rr: '#7b3fb0', jitter: '#1d4f91', video: '#1e7a46', audio: '#c77d00',
};

const pad = (n) => String(n).padStart(2, '0');
/** Time axis labels in 24-hour province time (HH:MM, or HH:MM:SS when the ticks are closer). */
function hhmm(u, splits, axisIdx, space, incr) {
  return splits.map((s) => {
    const z = zoned(new Date(s * 1000));
    return incr < 60 ? `${pad(z.hour)}:${pad(z.minute)}:${pad(z.second)}` : `${pad(z.hour)}:${pad(z.minute)}`;
  });
}


/** What a site's transport sends and whether it can take the program back
 *  (README "Site transports"): a camera or a pulled SRT stream has no way
 *  back, which is what it is, not a fault. */
const RECEIVES = { rtp: true, webrtc: true, sip: true, rtsp: false, srt: false };
function transportLine(kind, site = {}) {
  const receives = RECEIVES[kind] ?? true;
  const encrypted = !!site.encrypted;
  // A plain site's media are taken only from its media_from, else its address's host (media.md "Ports and identity").
  const from = kind === 'rtp' ? (site.media_from || (/^\d+\.\d+\.\d+\.\d+:\d+$/.test(site.address || '') ? site.address.split(':')[0] : '')) : null;
  return h('p', { class: 'detail-transport', dataset: { testid: 'site-transport', transport: kind, receives: String(receives), encrypted: String(encrypted) } },
    h('strong', null, t('tech.detail.transport', { kind: kind.toUpperCase() })), ' ',
    t(`tech.transport.sends.${RECEIVES[kind] === undefined ? 'other' : kind}`), ' · ',
    t(receives ? 'tech.transport.receives' : 'tech.transport.receives_not'),
    // A keyed plain-RTP site: what comes with its SSRC unencrypted is refused (srtp_failed), and why.
    ...(encrypted && kind === 'rtp' ? [' · ', t('tech.transport.srtp_keyed')] : []),
    from === null ? null : from ? ` · ${t('tech.transport.media_from', { from })}`
      : h('span', { class: 'media-nowhere', dataset: { testid: 'media-nowhere' } }, ` · ${t('tech.transport.media_nowhere')}`));
}

export class SiteDetail {
  /**
   * el: the panel element; store: SiteStore; opts: {canRunProgram, onClose,
   * onFloor(siteId), onAddTile(siteId), levelName(level), sessionId,
   * canWatchSite (technician/admin: the site's own stream), feed (its SIP
   * calls), canCall (may dial and hang up)}.
   */
  constructor(el, store, opts = {}) {
    this.el = el;
    this.store = store;
    this.opts = opts;
    this.idx = -1;
    this.plots = [];
    this.resize = new ResizeObserver(() => this._fit());
  }

  get siteId() { return this.idx >= 0 ? this.store.sites[this.idx].id : null; }

  show(siteId) {
    const idx = this.store.indexOf(siteId);
    this._destroyPlots();
    this._stopWatching();
    this.idx = idx;
    if (idx < 0) { this.el.hidden = true; this.el.replaceChildren(); return; }
    this._build();
    this.update();
  }

  close() {
    this.sipPanel = null;
    this._destroyPlots();
    this._stopWatching();
    this.idx = -1;
    this.el.replaceChildren();
  }

  _build() {
    const s = this.store.sites[this.idx];
    const where = [s.code, this.opts.levelName ? this.opts.levelName(s.level) : s.level,
      s.district && s.district.id !== s.id ? s.district.name : null].filter(Boolean).join(' · ');
    this.stateEl = h('span', { class: 'state-pill' });
    this.sinceEl = h('span', { class: 'detail-since' });
    this.flagsEl = h('span', { class: 'detail-flags' });
    const fig = (key) => {
      const dd = h('dd', { class: 'num', dataset: { fig: key } }, '–');
      return [h('dt', null, t(`tech.fig.${key}`)), dd];
    };
    this.figs = h('dl', { class: 'figs' }, fig('loss'), fig('rr_loss'), fig('jitter'), fig('kbps'), fig('audio_kbps'), fig('idle'));
    const actions = this.opts.canRunProgram ? h('div', { class: 'detail-actions' },
      button(t('tech.detail.floor'), { kind: 'primary', size: 'sm', ic: 'mic', onClick: () => this.opts.onFloor?.(s.id) }),
      button(t('tech.detail.add_tile'), { size: 'sm', ic: 'grid', onClick: () => this.opts.onAddTile?.(s.id) })) : null;
    this.charts = h('div', { class: 'charts' });
    this.watchEl = h('div', { class: 'detail-watch' });
    this.sipPanel = s.transport === 'sip' && this.opts.feed ? new SipPanel(this.opts.feed, s, { canCall: !!this.opts.canCall }) : null;
    this.watchBtn = this.opts.canWatchSite && this.opts.sessionId ? button(t('tech.detail.watch'), {
      size: 'sm', ic: 'present', onClick: () => this._toggleWatch(s.id), attrs: { 'aria-pressed': 'false', 'data-testid': 'watch-site' },
    }) : null;
    this.el.replaceChildren(
      h('div', { class: 'detail-head' },
        h('div', { class: 'detail-titles' },
          h('h2', { class: 'detail-name', id: 'detail-title' }, s.name),
          h('div', { class: 'detail-where' }, where)),
        h('button', { type: 'button', class: 'modal-close', 'aria-label': t('app.close'), title: t('app.close'), onclick: () => this.opts.onClose?.() }, '×')),
      h('div', { class: 'detail-state' }, this.stateEl, this.sinceEl, this.flagsEl),
      transportLine(s.transport, s),
      ...(this.sipPanel ? [this.sipPanel.el] : []),
      this.figs,
      actions,
      this.watchBtn ? h('div', { class: 'detail-actions' }, this.watchBtn) : null,
      this.watchEl,
      h('div', { class: 'charts-head' }, icon('clock'), t('tech.detail.charts', { min: Math.round(HISTORY / 60) })),
      this.charts);
    this.el.setAttribute('aria-labelledby', 'detail-title');
    this._makePlots();
    this.resize.observe(this.charts);
  }

  _makePlots() {
    const width = Math.max(220, this.charts.clientWidth || 320);
    const common = (title, series, yLabel, { minMax = 1 } = {}) => ({
      title,
      width,
      height: 120,
      cursor: { drag: { x: false, y: false } },
      legend: { show: true, live: true },
      scales: {
        x: {
          time: true,
          range: (u, min, max) => {
            const end = max == null || !Number.isFinite(max) ? Date.now() / 1000 : max;
            return [end - HISTORY, end];
          },
        },
        y: { range: (u, min, max) => [0, Math.max(minMax, (Number.isFinite(max) ? max : 0) * 1.15)] },
      },
      axes: [
        { stroke: '#4f5b6b', grid: { stroke: '#e6eaf0' }, ticks: { stroke: '#d9dee6' }, size: 28, font: '11px sans-serif', values: hhmm, space: 50 },
        { stroke: '#4f5b6b', grid: { stroke: '#e6eaf0' }, ticks: { stroke: '#d9dee6' }, size: 44, font: '11px sans-serif', label: yLabel, labelSize: 14, labelFont: '11px sans-serif' },
      ],
      // Ticks on round hours and minutes of the province's clock, not the browser's.
      tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), timeZone()),
      series: [{ label: t('tech.chart.time') }, ...series],
    });
    // the legend shows the value under the cursor, or the latest one
    const latest = (arr) => { for (let k = arr.length - 1; k >= 0; k--) if (arr[k] != null) return arr[k]; return null; };
    const line = (label, stroke, fmt) => ({
      label, stroke, width: 1.5, spanGaps: false, points: { show: false },
      value: (u, v, si, idx) => { const x = idx == null ? latest(u.data[si] || []) : v; return x == null ? '–' : fmt(x); },
    });
    const empty = [[], [], []];
    const mk = (opts, data) => {
      const box = h('div', { class: 'chart', dataset: { chart: opts.key } });
      this.charts.append(box);
      const plot = new uPlot(opts, data, box);
      this.plots.push({ plot, key: opts.key });
    };
    mk({ key: 'loss', ...common(t('tech.chart.loss'), [
      line(t('tech.chart.loss_in'), COLORS.loss, (v) => formatPercent(v)),
      line(t('tech.chart.loss_rr'), COLORS.rr, (v) => formatPercent(v)),
    ], '%', { minMax: 2 }) }, empty);
    mk({ key: 'jitter', ...common(t('tech.chart.jitter'), [
      line(t('tech.chart.jitter_in'), COLORS.jitter, (v) => fmtMs(v)),
    ], 'ms', { minMax: 10 }) }, [[], []]);
    mk({ key: 'bitrate', ...common(t('tech.chart.bitrate'), [
      line(t('tech.chart.video'), COLORS.video, (v) => formatKbps(v)),
      line(t('tech.chart.audio'), COLORS.audio, (v) => formatKbps(v)),
    ], 'kb/s', { minMax: 100 }) }, empty);
  }

  /** The site's own stream in the panel, or gone again. */
  _toggleWatch(siteId) {
    if (this.player) { this._stopWatching(); return; }
    this.player = new RtcPlayer({
      url: `/api/v1/sessions/${this.opts.sessionId}/whep?site=${siteId}`, title: t('tech.detail.watch_title'),
      compact: true, autoStart: true, testid: 'site-player',
    });
    this.watchEl.replaceChildren(this.player.el);
    this.watchBtn.setAttribute('aria-pressed', 'true');
    this.watchBtn.replaceChildren(icon('stop'), h('span', null, t('tech.detail.watch_stop')));
  }

  _stopWatching() {
    if (!this.player) return;
    this.player.destroy();
    this.player = null;
    this.watchEl?.replaceChildren();
    if (this.watchBtn) {
      this.watchBtn.setAttribute('aria-pressed', 'false');
      this.watchBtn.replaceChildren(icon('present'), h('span', null, t('tech.detail.watch')));
    }
  }

  _fit() {
    const w = this.charts?.clientWidth;
    if (!w) return;
    for (const { plot } of this.plots) if (Math.abs(plot.width - w) > 2) plot.setSize({ width: w, height: 120 });
  }

  _destroyPlots() {
    this.resize.disconnect();
    for (const { plot } of this.plots) plot.destroy();
    this.plots = [];
  }

  /** Refreshes the figures and the charts (once per tick, on a frame). */
  update() {
    if (this.idx < 0) return;
    const st = this.store;
    const i = this.idx;
    const state = st.stateName(i);
    this.stateEl.className = `state-pill s-${state}`;
    this.stateEl.textContent = t(`tech.state.${state}`);
    const since = st.state[i] !== 0 && st.since[i] ? (Date.now() - st.since[i]) / 1000 : null;
    this.sinceEl.textContent = since != null ? t('tech.detail.since', { d: formatDuration(since) }) : '';
    const flags = [];
    if (st.flags[i] & 1) flags.push(h('span', { class: 'bdg-wide bdg-v' }, t('tech.problem.video')));
    if (st.flags[i] & 2) flags.push(h('span', { class: 'bdg-wide bdg-a' }, t('tech.problem.audio')));
    this.flagsEl.replaceChildren(...flags);
    const known = st.state[i] !== 0;
    const set = (key, text) => { const dd = this.figs.querySelector(`[data-fig="${key}"]`); if (dd.textContent !== text) dd.textContent = text; };
    set('loss', known ? formatPercent(st.loss[i]) : '–');
    set('rr_loss', known && !Number.isNaN(st.rrLoss[i]) ? formatPercent(st.rrLoss[i]) : '–');
    set('jitter', known ? fmtMs(st.jitter[i]) : '–');
    set('kbps', known ? formatKbps(st.kbps[i]) : '–');
    set('audio_kbps', known ? formatKbps(st.audioKbps[i]) : '–');
    set('idle', known && st.idle[i] >= 0 ? formatDuration(st.idle[i]) : '–');
    if (!this.plots.length) return;
    const [x, loss, rr, jitter, kbps, akbps] = st.history(i);
    for (const { plot, key } of this.plots) {
      if (key === 'loss') plot.setData([x, loss, rr]);
      else if (key === 'jitter') plot.setData([x, jitter]);
      else plot.setData([x, kbps, akbps]);
    }
  }

  /** Redraws the SIP call of the site shown. */
  updateSip() { if (this.idx >= 0) this.sipPanel?.update(); }

  /** Number of points with a value in the charts (for tests and the UI). */
  points() { return this.idx >= 0 ? this.store.points(this.idx) : 0; }

  relabel() { if (this.idx >= 0) this.show(this.siteId); }

  destroy() { this._destroyPlots(); this._stopWatching(); }
}
