// The program of the live session: what is on it now (mode, the site on
// air, the chair's site, the floor, the composed tiles, the recording, the
// RTSP address), giving the floor to a site or back to the chair, switching
// between one site full screen and a composed layout of up to 8 tiles, and
// the hall's microphone and speaker levels when the controller has room
// audio, and how long the program's packets spend inside the controller
// (both read from /api/v1/media/stats every 2 s while this page is open),
// and the recent senders of an SSRC no site has (/api/v1/media/unknown-senders,
// as often, for the roles that may read it), and the program itself, live,
// in the browser (WHEP, common/rtc-player.js), and the sites asking for the
// floor with "Trao lời" (common/site-floor.js).

import { t, formatTime } from '../common/i18n.js';
import { api } from '../common/api.js';
import { h, button, icon, fill, fold, toast } from '../common/ui.js';
import { RtcPlayer } from '../common/rtc-player.js';
import { siteFloorCard } from '../common/site-floor.js';

const MAX_TILES = 8;
const STATS_POLL_MS = 2000;

/**
 * An input that finds a session site by name or code, without diacritics;
 * calls onPick(siteId). Returns the element.
 */
export function sitePicker(store, { onPick, label, id }) {
  const listId = `${id}-list`;
  const input = h('input', {
    type: 'search', id, class: 'search-input', placeholder: label, autocomplete: 'off',
    role: 'combobox', 'aria-expanded': 'false', 'aria-controls': listId, 'aria-autocomplete': 'list',
  });
  const list = h('ul', { class: 'picker-list', id: listId, role: 'listbox', hidden: true });
  let matches = [];
  let active = -1;
  const close = () => { list.hidden = true; input.setAttribute('aria-expanded', 'false'); active = -1; };
  const pick = (s) => { input.value = ''; close(); onPick(s.id); };
  const draw = () => {
    list.replaceChildren(...matches.map((s, k) => h('li', {
      role: 'option', id: `${listId}-${k}`, class: `picker-item s-${store.stateName(s.idx)}`, 'aria-selected': String(k === active),
      onmousedown: (e) => { e.preventDefault(); pick(s); },
    }, h('span', { class: 'dot', 'aria-hidden': 'true' }), h('span', { class: 'picker-name' }, s.name), h('span', { class: 'picker-code' }, s.code))));
    list.hidden = !matches.length;
    input.setAttribute('aria-expanded', String(!list.hidden));
    if (active >= 0) input.setAttribute('aria-activedescendant', `${listId}-${active}`); else input.removeAttribute('aria-activedescendant');
  };
  input.addEventListener('input', () => {
    const q = fold(input.value).trim();
    matches = q ? store.sites.filter((s) => s.folded.includes(q)).slice(0, 12) : [];
    active = matches.length ? 0 : -1;
    draw();
  });
  input.addEventListener('keydown', (e) => {
    if (e.key === 'ArrowDown' && matches.length) { active = (active + 1) % matches.length; draw(); e.preventDefault(); }
    else if (e.key === 'ArrowUp' && matches.length) { active = (active - 1 + matches.length) % matches.length; draw(); e.preventDefault(); }
    else if (e.key === 'Enter' && active >= 0) { pick(matches[active]); e.preventDefault(); }
    else if (e.key === 'Escape') close();
  });
  input.addEventListener('blur', () => setTimeout(close, 100));
  return h('div', { class: 'picker' }, input, list);
}

/** -60..0 dB as a share of the meter. */
function meterShare(db) {
  if (db == null || !Number.isFinite(db)) return 0;
  return Math.max(0, Math.min(1, (db + 60) / 60));
}

function fmtDb(db) {
  return db == null || !Number.isFinite(db) || db < -90 ? '−∞ dB' : `${db.toFixed(1).replace('-', '−')} dB`;
}

export class ProgramView {
  constructor(ctx, el, feed) {
    this.ctx = ctx;
    this.el = el;
    this.feed = feed;
    this.offs = [];
    this.draft = null;     // the layout being edited: {mode, tiles}
    // One player for the page's life: a new session event redraws the page, not the call.
    this.player = new RtcPlayer({ url: `/api/v1/sessions/${feed.id}/whep`, title: t('tech.program.live'), testid: 'program-player' });
    this.player.el.classList.add('program-player');
    this.build();
    this.offs.push(
      feed.on('media', () => this.renderStatus()),
      feed.on('session', () => this.build()),
      feed.on('sites', () => this.build()),
      feed.on('site_floor', () => this.renderSiteFloor()),
    );
  }

  get store() { return this.feed.store; }

  siteName(id) {
    if (!id) return t('tech.program.none');
    const s = this.store.site(id) || this.feed.allSites?.find((x) => x.id === id);
    return s ? `${s.name} (${s.code})` : `#${id}`;
  }

  build() {
    clearInterval(this.statsTimer);
    const live = this.feed.session.status === 'live';
    const can = this.ctx.canRunProgram && live;
    this.statusEl = h('dl', { class: 'program-status' });
    this.tilesEl = h('ol', { class: 'tile-chips' });
    this.modeSeg = h('div', { class: 'seg', role: 'group', 'aria-label': t('tech.program.mode') },
      ['switch', 'compose'].map((m) => h('button', { type: 'button', dataset: { mode: m }, onclick: () => this.setDraftMode(m) }, t(`tech.program.mode.${m}`))));
    this.applyBtn = button(t('tech.program.apply'), { kind: 'primary', ic: 'check', onClick: () => this.applyLayout() });
    this.audioEl = h('div', { class: 'room-audio' }, h('p', { class: 'muted' }, t('app.loading')));
    this.delay = null; // forward_delay of the last stats read
    this.delayEl = h('dd', { class: 'num', dataset: { testid: 'forward-delay' } }, '…');
    if (!live) this.player.stop();
    this.player.toggleBtn.disabled = !live;
    fill(this.el, h('div', { class: 'page program-page' },
      h('div', { class: 'page-head' }, h('div', null,
        h('h1', null, t('tech.program.title')),
        h('div', { class: 'sub' }, h('strong', null, this.feed.session.title), ' · ', t(`status.${this.feed.session.status}`)))),
      live ? null : h('div', { class: 'callout callout-warn', style: { marginBottom: '1rem' } }, t('tech.program.not_live')),
      h('div', { class: 'program-grid' },
        this.player.el,
        h('section', { class: 'card' },
          h('header', { class: 'card-header' }, h('h2', null, icon('present'), t('tech.program.now'))),
          h('div', { class: 'card-body' }, this.statusEl)),
        h('section', { class: 'card' },
          h('header', { class: 'card-header' }, h('h2', null, icon('mic'), t('tech.program.floor'))),
          h('div', { class: 'card-body stack' },
            h('p', { class: 'text-2' }, t('tech.program.floor_hint')),
            can ? sitePicker(this.store, { id: 'floor-pick', label: t('tech.program.pick_site'), onPick: (id) => this.ctx.giveFloor(this.feed, id) }) : null,
            can ? button(t('tech.program.floor_back'), { ic: 'back', onClick: () => this.ctx.giveFloor(this.feed, null) }) : null)),
        this.siteFloorEl = h('div', { class: 'program-site-floor' }),
        h('section', { class: 'card program-layout' },
          h('header', { class: 'card-header' }, h('h2', null, icon('grid'), t('tech.program.layout'))),
          h('div', { class: 'card-body stack' },
            h('div', { class: 'row' }, h('span', { class: 'label' }, t('tech.program.mode')), this.modeSeg),
            h('div', { class: 'layout-tiles' },
              h('div', { class: 'label' }, t('tech.program.tiles', { max: MAX_TILES })),
              this.tilesEl,
              can ? sitePicker(this.store, { id: 'tile-pick', label: t('tech.program.add_tile'), onPick: (id) => this.addDraftTile(id) }) : null),
            can ? h('div', { class: 'row' }, this.applyBtn, button(t('tech.program.reset'), { kind: 'ghost', onClick: () => { this.draft = null; this.renderStatus(); } })) : null)),
        h('section', { class: 'card' },
          h('header', { class: 'card-header' }, h('h2', null, icon('mic'), t('tech.program.room_audio'))),
          h('div', { class: 'card-body' }, this.audioEl)),
        this.ctx.canAck ? this.unknownCard() : null)));
    this.can = can;
    this.renderSiteFloor();
    this.renderStatus();
    this.pollStats();
    this.pollUnknown();
    this.statsTimer = setInterval(() => { this.pollStats(); this.pollUnknown(); }, STATS_POLL_MS);
  }

  /** The sites asking for the floor, each with "Trao lời" (floor.site). */
  renderSiteFloor() {
    if (!this.siteFloorEl) return;
    fill(this.siteFloorEl, siteFloorCard(this.feed.siteFloor, this.can ? (s) => this.ctx.giveFloor(this.feed, s.site_id) : null));
  }

  unknownCard() {
    this.unknownEl = h('div', { class: 'unknown-senders', dataset: { testid: 'unknown-senders' } }, h('p', { class: 'muted' }, t('app.loading')));
    return h('section', { class: 'card program-unknown', 'aria-labelledby': 'unknown-title' },
      h('header', { class: 'card-header' }, h('h2', { id: 'unknown-title' }, icon('warn'), t('tech.unknown.title'))),
      h('div', { class: 'card-body stack' }, h('p', { class: 'text-2 small' }, t('tech.unknown.hint')), this.unknownEl));
  }

  async pollUnknown() {
    if (!this.unknownEl) return;
    let list;
    try {
      list = (await api.get('/api/v1/media/unknown-senders')).senders;
    } catch (err) {
      if (this.el.isConnected) fill(this.unknownEl, h('p', { class: 'muted' }, err.reason || t('err.network')));
      return;
    }
    if (!this.el.isConnected) return;
    if (!list.length) {
      fill(this.unknownEl, h('p', { class: 'muted' }, t('tech.unknown.none')));
      return;
    }
    const cols = ['address', 'medium', 'ssrc', 'pt', 'packets', 'last_seen'];
    fill(this.unknownEl, h('div', { class: 'table-wrap' }, h('table', { class: 'table' },
      h('thead', null, h('tr', null, cols.map((c) => h('th', { scope: 'col', class: ['pt', 'packets'].includes(c) ? 'num' : null }, t(`tech.unknown.${c}`))))),
      h('tbody', null, list.map((u) => h('tr', { dataset: { ssrc: u.ssrc_hex, medium: u.medium } },
        h('td', null, h('code', null, u.address || '—')),
        h('td', null, t(`tech.unknown.medium.${u.medium}`)),
        h('td', null, h('code', { title: String(u.ssrc) }, u.ssrc_hex)),
        h('td', { class: 'num' }, String(u.payload_type)),
        h('td', { class: 'num' }, String(u.packets)),
        h('td', null, h('time', { datetime: u.last_seen, title: u.last_seen }, formatTime(u.last_seen, { withSeconds: true })))))))));
  }

  renderStatus() {
    const m = this.feed.media;
    const row = (key, value, testid) => [h('dt', null, t(`tech.program.${key}`)), h('dd', { dataset: { testid } }, value)];
    if (!m) {
      fill(this.statusEl, h('p', { class: 'muted' }, t('tech.program.no_media')));
    } else {
      const rec = m.recording;
      fill(this.statusEl,
        row('mode', t(`tech.program.mode.${m.mode}`), 'mode'),
        row('source', this.siteName(m.source_site_id), 'source'),
        row('chair', this.siteName(m.chair_site_id), 'chair'),
        row('floor_site', m.floor_site_id ? this.siteName(m.floor_site_id) : t('tech.program.floor_chair'), 'floor'),
        m.mode === 'compose' ? row('tiles_now', (m.tiles || []).map((id) => this.siteName(id)).join(', ') || t('tech.program.none'), 'tiles') : null,
        row('recording', rec ? t('tech.program.recording_on', { n: rec.segments ?? 0 }) : t('tech.program.recording_off'), 'recording'),
        row('rtsp', m.rtsp_url ? h('code', null, m.rtsp_url) : t('tech.program.none'), 'rtsp'),
        h('dt', null, t('tech.program.delay')), this.delayEl);
      this.renderDelay();
    }
    // the layout editor shows the draft, or what is on the program
    const d = this.draft || { mode: m?.mode || 'switch', tiles: (m?.tiles || []).slice() };
    for (const b of this.modeSeg.querySelectorAll('button')) {
      b.setAttribute('aria-pressed', String(b.dataset.mode === d.mode));
      b.disabled = !this.can;
    }
    this.tilesEl.replaceChildren(...(d.tiles.length ? d.tiles.map((id, k) => h('li', { class: 'chip' },
      h('span', null, `${k + 1}. ${this.siteName(id)}`),
      this.can ? h('button', { type: 'button', class: 'chip-x', 'aria-label': t('tech.program.remove_tile'), onclick: () => this.removeDraftTile(id) }, '×') : null))
      : [h('li', { class: 'muted small' }, t('tech.program.no_tiles'))]));
    this.applyBtn.disabled = !this.draft;
  }

  _draft() {
    const m = this.feed.media;
    if (!this.draft) this.draft = { mode: m?.mode || 'switch', tiles: (m?.tiles || []).slice() };
    return this.draft;
  }

  setDraftMode(mode) { this._draft().mode = mode; this.renderStatus(); }

  addDraftTile(id) {
    const d = this._draft();
    if (d.tiles.includes(id)) { toast(t('tech.program.already_tile'), { kind: 'info' }); return; }
    if (d.tiles.length >= MAX_TILES) { toast(t('tech.program.max_tiles'), { kind: 'warn' }); return; }
    d.tiles.push(id);
    d.mode = 'compose';
    this.renderStatus();
  }

  removeDraftTile(id) {
    const d = this._draft();
    d.tiles = d.tiles.filter((x) => x !== id);
    this.renderStatus();
  }

  async applyLayout() {
    const d = this.draft;
    if (!d) return;
    this.applyBtn.disabled = true;
    const media = await this.ctx.setLayout(this.feed, d.mode, d.mode === 'compose' ? d.tiles : []);
    if (media) {
      this.draft = null;
      toast(t('tech.program.layout_done'), { kind: 'success' });
    }
    this.renderStatus();
  }

  /** The forwarding delay's quantiles (bucket upper bounds, "+Inf" past the last). */
  renderDelay() {
    const d = this.delay, mode = this.feed.media?.mode;
    const ms = (q) => (q === '+Inf' ? '∞' : String(q));
    this.delayEl.textContent = mode === 'compose' ? t('tech.program.delay_compose')
      : !d ? '…'
      : d.p99_ms_10s == null ? t('tech.program.delay_none')
      : t('tech.program.delay_value', { p50: ms(d.p50_ms_10s), p99: ms(d.p99_ms_10s) });
  }

  async pollStats() {
    let ra;
    try {
      const stats = await api.get('/api/v1/media/stats');
      ra = stats ? stats.room_audio : null;
      this.delay = stats ? stats.forward_delay : null;
      this.renderDelay();
    } catch (err) {
      if (!this.el.isConnected) return;
      fill(this.audioEl, h('p', { class: 'muted' }, err.reason || t('err.network')));
      return;
    }
    if (!this.el.isConnected) return;
    if (!ra) {
      fill(this.audioEl, h('p', { class: 'muted', dataset: { testid: 'room-audio-none' } }, t('tech.audio.none')));
      return;
    }
    const meter = (label, device, running, peak, rms, extra) => h('div', { class: 'meter-row' },
      h('div', { class: 'meter-head' },
        h('strong', null, label), h('span', { class: 'muted small' }, device || t('tech.audio.no_device')),
        h('span', { class: `badge ${running ? 'badge-present' : 'badge-absent'}` }, t(running ? 'tech.audio.running' : 'tech.audio.stopped'))),
      h('div', { class: 'meter', role: 'meter', 'aria-valuemin': '-60', 'aria-valuemax': '0', 'aria-valuenow': String(Math.round(Number.isFinite(rms) ? rms : -60)), 'aria-label': label },
        h('div', { class: 'meter-rms', style: { width: `${(meterShare(rms) * 100).toFixed(1)}%` } }),
        h('div', { class: 'meter-peak', style: { left: `${(meterShare(peak) * 100).toFixed(1)}%` } })),
      h('div', { class: 'meter-figs num small' }, `${t('tech.audio.rms')} ${fmtDb(rms)} · ${t('tech.audio.peak')} ${fmtDb(peak)}`, extra ? ` · ${extra}` : ''));
    fill(this.audioEl,
      meter(t('tech.audio.mic'), ra.input_device, ra.input_running, ra.input_peak_db, ra.input_rms_db,
        ra.input_dropped_frames ? t('tech.audio.dropped', { n: ra.input_dropped_frames }) : ''),
      meter(t('tech.audio.speakers'), ra.output_device, ra.output_running, ra.output_peak_db, ra.output_rms_db,
        ra.output_underruns ? t('tech.audio.underruns', { n: ra.output_underruns }) : ''));
  }

  destroy() {
    this.player.destroy();
    clearInterval(this.statsTimer);
    for (const off of this.offs) off();
    this.offs = [];
  }
}
