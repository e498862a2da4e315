// The technicians' model of one session's sites: the site tree (province →
// district → commune, with the departments under the province), each site's
// current figures, and five minutes of history per site (one column a
// second) in compact ring buffers, fed by health.tick (twice a second).
//
// Everything per site lives in typed arrays indexed by the site's position
// (idx) in this.sites, allocated once: a tick writes numbers into them and
// marks the sites whose shown figures changed (dirty), it allocates nothing
// per site. The grid (grid.js) drains the dirty list on the next animation
// frame; the detail charts (detail.js) read the history of one site.

import { fold } from '../common/ui.js';

export const STATES = ['unknown', 'online', 'degraded', 'offline', 'held']; /* model/health.h's order */
const STATE_CODE = { unknown: 0, online: 1, degraded: 2, offline: 3, held: 4 };

/** Seconds of history kept per site (one column per second). */
export const HISTORY = 300;
/** A tick this long after the current column began starts a new one (ticks
 *  come every 500 ms or every second, with some jitter). */
const COLUMN_MS = 900;

/** Series kept in the history, in this order. */
export const SERIES = ['loss', 'jitter', 'kbps', 'audio_kbps', 'rr_loss'];

const LEVEL_ORDER = { province: 0, department: 1, district: 2, commune: 3 };
const collator = new Intl.Collator('vi', { sensitivity: 'base', numeric: true });

/** A group of tiles on the dashboard: the province level, a district, or the rest. */
export class SiteGroup {
  constructor(key, site, label) {
    this.key = key;          // 'province' | 'd<districtId>' | 'other' | 'all'
    this.site = site;        // the district's site (or the province's), or null
    this.label = label;      // used when site is null
    this.members = [];       // site indices, in display order
    this.counts = new Int32Array(STATES.length);
  }
}

export class SiteStore {
  /**
   * allSites: every site (GET /api/v1/sites), for names and the tree;
   * sessionSites: the session's sites (GET /api/v1/sessions/{id}/sites).
   */
  constructor(allSites, sessionSites) {
    const byIdAll = new Map(allSites.map((s) => [s.id, s]));
    for (const s of sessionSites) if (!byIdAll.has(s.id)) byIdAll.set(s.id, s);
    this.allById = byIdAll;
    const list = sessionSites.map((s) => byIdAll.get(s.id) || s);
    list.sort((a, b) => (LEVEL_ORDER[a.level] ?? 9) - (LEVEL_ORDER[b.level] ?? 9) || collator.compare(a.code, b.code));
    const n = list.length;
    this.n = n;
    let maxId = 0;
    for (const s of list) maxId = Math.max(maxId, s.id);
    this.idxOf = new Int32Array(maxId + 1).fill(-1);
    this.sites = list.map((s, idx) => {
      this.idxOf[s.id] = idx;
      const district = this._districtOf(s);
      return {
        idx, id: s.id, code: s.code, name: s.name, level: s.level, parent_id: s.parent_id,
        transport: s.transport || 'rtp',            // what it can send and receive (detail.js)
        media_from: s.media_from || '', address: s.address || '', // where a plain site's media are taken from
        district,                                    // the district site object, or null
        folded: fold(`${s.name} ${s.code}`),
      };
    });

    // current figures
    this.state = new Uint8Array(n);
    this.flags = new Uint8Array(n);          // bit 0 video problem, bit 1 audio problem
    this.loss = new Float32Array(n);
    this.jitter = new Float32Array(n);
    this.kbps = new Float32Array(n);
    this.audioKbps = new Float32Array(n);
    this.rrLoss = new Float32Array(n).fill(NaN);
    this.idle = new Float32Array(n).fill(-1);
    this.since = new Float64Array(n);        // ms (client clock) when the state began
    this.seen = new Uint8Array(n);           // appeared in a tick at least once
    // what the tiles show, quantised: a change here makes the tile dirty
    this.shown = new Int32Array(n * 3).fill(-1);

    // history: one column per tick, HISTORY columns, ring
    this.times = new Float64Array(HISTORY);   // seconds (unix, client clock)
    this.head = 0;                            // next column to write
    this.len = 0;                             // columns filled
    this.colStartMs = 0;                      // when the newest column began
    this.hist = {};
    for (const k of SERIES) this.hist[k] = new Float32Array(n * HISTORY).fill(NaN);

    this.dirty = new Uint8Array(n);
    this.dirtyList = new Int32Array(n);
    this.dirtyCount = 0;
    this.counts = new Int32Array(STATES.length);
    this.counts[0] = n;
    this.ticks = 0;
    this.lastTickAt = 0;
    this.ingest = null;
  }

  _districtOf(s) {
    if (s.level === 'district') return s;
    if (s.level === 'commune') return this.allById.get(s.parent_id) || null;
    return null;
  }

  site(id) {
    const i = id >= 0 && id < this.idxOf.length ? this.idxOf[id] : -1;
    return i >= 0 ? this.sites[i] : null;
  }

  indexOf(id) { return id >= 0 && id < this.idxOf.length ? this.idxOf[id] : -1; }

  stateName(idx) { return STATES[this.state[idx]]; }

  /** The districts present in the session, in code order. */
  districts() {
    const seen = new Map();
    for (const s of this.sites) if (s.district && !seen.has(s.district.id)) seen.set(s.district.id, s.district);
    return [...seen.values()].sort((a, b) => collator.compare(a.code, b.code));
  }

  /** Groups for the grid: province level (the hall and the departments),
   *  one per district (the district's own site first), then the rest. */
  groups() {
    const province = new SiteGroup('province', null, null);
    const byDistrict = new Map();
    const other = new SiteGroup('other', null, null);
    for (const d of this.districts()) byDistrict.set(d.id, new SiteGroup(`d${d.id}`, d, null));
    for (const s of this.sites) {
      if (s.level === 'province' || s.level === 'department') province.members.push(s.idx);
      else if (s.district && byDistrict.has(s.district.id)) byDistrict.get(s.district.id).members.push(s.idx);
      else other.members.push(s.idx);
    }
    const out = [];
    if (province.members.length) {
      province.site = this.sites[province.members[0]].level === 'province' ? this.sites[province.members[0]] : null;
      out.push(province);
    }
    out.push(...byDistrict.values());
    if (other.members.length) out.push(other);
    for (const g of out) this._countGroup(g);
    return out;
  }

  _countGroup(g) {
    g.counts.fill(0);
    for (const i of g.members) g.counts[this.state[i]]++;
  }

  _markDirty(i) {
    if (!this.dirty[i]) { this.dirty[i] = 1; this.dirtyList[this.dirtyCount++] = i; }
  }

  /** Calls fn(idx, oldState) for each dirty site and clears the list. */
  drainDirty(fn) {
    const n = this.dirtyCount;
    for (let k = 0; k < n; k++) {
      const i = this.dirtyList[k];
      this.dirty[i] = 0;
      fn(i);
    }
    this.dirtyCount = 0;
    return n;
  }

  /** Marks every site dirty (after a snapshot, a language change…). */
  markAllDirty() { for (let i = 0; i < this.n; i++) this._markDirty(i); }

  _setRow(i, r, nowMs) {
    const st = STATE_CODE[r.state] ?? 0;
    if (st !== this.state[i]) {
      this.counts[this.state[i]]--;
      this.counts[st]++;
      this.state[i] = st;
      this._markDirty(i);
    }
    // since_s is the server's age of the state (meaningless for "unknown").
    this.since[i] = st === 0 ? 0 : nowMs - (Number(r.since_s) || 0) * 1000;
    this.flags[i] = (r.video_problem ? 1 : 0) | (r.audio_problem ? 2 : 0);
    this.loss[i] = +r.loss_percent || 0;
    this.jitter[i] = +r.jitter_ms || 0;
    this.kbps[i] = +r.kbps || 0;
    this.audioKbps[i] = +r.audio_kbps || 0;
    this.rrLoss[i] = r.rr_loss_percent == null ? NaN : +r.rr_loss_percent;
    this.idle[i] = r.idle_s == null ? -1 : +r.idle_s;
    this.seen[i] = 1;
    // What a tile shows, quantised (flags, bitrate in 0.1 Mb/s, loss in 0.1 %):
    const o = i * 3;
    const a = this.flags[i];
    const b = this.kbps[i] < 50 ? -1 - Math.round(this.kbps[i]) : Math.round(this.kbps[i] / 100);
    const c = Math.round(this.loss[i] * 10);
    if (this.shown[o] !== a || this.shown[o + 1] !== b || this.shown[o + 2] !== c) {
      this.shown[o] = a; this.shown[o + 1] = b; this.shown[o + 2] = c;
      this._markDirty(i);
    }
  }

  /** A snapshot (subscribe.health ack): current figures, no history column. */
  applySnapshot(body, nowMs = Date.now()) {
    this.state.fill(0);
    this.counts.fill(0);
    this.counts[0] = this.n;
    for (const r of body.sites || []) {
      const i = this.indexOf(r.site_id);
      if (i >= 0) this._setRow(i, r, nowMs);
    }
    this.markAllDirty();
  }

  /** One health.tick: current figures, and the history. The history keeps
   *  one column per second whatever the tick rate (the controller ticks
   *  twice a second): a tick within the second of the current column folds
   *  into it (the worst loss and jitter, the latest bitrates). Returns the
   *  number of sites in the tick. No allocation per site. */
  applyTick(body, nowMs = Date.now()) {
    const H = HISTORY;
    const fresh = this.len === 0 || nowMs - this.colStartMs >= COLUMN_MS;
    const col = fresh ? this.head : (this.head - 1 + H) % H;
    const { loss, jitter, kbps, audio_kbps: akbps, rr_loss: rr } = this.hist;
    if (fresh) {
      // sites missing from this second get a gap in their history
      for (let i = 0, o = col; i < this.n; i++, o += H) {
        loss[o] = NaN; jitter[o] = NaN; kbps[o] = NaN; akbps[o] = NaN; rr[o] = NaN;
      }
      this.colStartMs = nowMs;
      this.head = (col + 1) % H;
      if (this.len < H) this.len++;
    }
    const rows = body.sites || [];
    for (let k = 0; k < rows.length; k++) {
      const r = rows[k];
      const i = this.indexOf(r.site_id);
      if (i < 0) continue;
      this._setRow(i, r, nowMs);
      if (this.state[i] === 0) continue;   // nothing measured yet: leave the gap
      const o = i * H + col;
      loss[o] = fresh || !(loss[o] >= this.loss[i]) ? this.loss[i] : loss[o];
      jitter[o] = fresh || !(jitter[o] >= this.jitter[i]) ? this.jitter[i] : jitter[o];
      kbps[o] = this.kbps[i];
      akbps[o] = this.audioKbps[i];
      const v = this.rrLoss[i];
      rr[o] = fresh || Number.isNaN(rr[o]) || v > rr[o] ? v : rr[o];
    }
    this.times[col] = nowMs / 1000;
    this.ticks++;
    this.lastTickAt = nowMs;
    if (body.ingest) this.ingest = body.ingest;
    return rows.length;
  }

  /**
   * One site's history for uPlot: [times, loss, rr_loss, jitter, kbps, audio_kbps]
   * as plain arrays, oldest first, with null for gaps. Allocates (one site,
   * on demand only).
   */
  history(idx) {
    const n = this.len;
    const H = HISTORY;
    const start = (this.head - n + H) % H;
    const out = [new Array(n), new Array(n), new Array(n), new Array(n), new Array(n), new Array(n)];
    const base = idx * H;
    const keys = ['loss', 'rr_loss', 'jitter', 'kbps', 'audio_kbps'];
    for (let k = 0; k < n; k++) {
      const c = (start + k) % H;
      out[0][k] = this.times[c];
      for (let s = 0; s < keys.length; s++) {
        const v = this.hist[keys[s]][base + c];
        out[s + 1][k] = Number.isNaN(v) ? null : v;
      }
    }
    return out;
  }

  /** How many samples of the site's history hold a value. */
  points(idx) {
    let n = 0;
    const arr = this.hist.kbps;
    for (let k = 0, o = idx * HISTORY; k < HISTORY; k++, o++) if (!Number.isNaN(arr[o])) n++;
    return n;
  }
}
