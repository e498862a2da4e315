// The live feed of one session for the technicians: its sites (store.js,
// with the five-minute history), its alarms, the program's state and the
// session's status, kept up to date over the WebSocket for as long as the
// dashboard looks at that session, whichever page is open. Pages attach
// with on(event, fn): 'ready', 'snapshot', 'tick', 'alarm', 'media',
// 'session', 'sites', 'sip' (a SIP call changed: its record, or null when
// they were all read again), 'site_floor' (the sites asking for the floor).
//
// The tick handler only writes numbers into the store; pages draw on the
// next animation frame. Its duration is measured (performance.measure
// "tech-tick"; the last 600 in window.__techPerf.tick, the pages' frames in
// window.__techPerf.frame).

import { api } from '../common/api.js';
import { SiteStore } from './store.js';

const PERF_KEEP = 600;

/** Durations (ms) of the last ticks and frames, for measurement. */
export const perf = {
  tick: new Float64Array(PERF_KEEP), tickN: 0,
  frame: new Float64Array(PERF_KEEP), frameN: 0,
  record(kind, start, end) {
    const n = this[`${kind}N`];
    this[kind][n % PERF_KEEP] = end - start;
    this[`${kind}N`] = n + 1;
    performance.measure(`tech-${kind}`, { start, end });
    if ((n + 1) % PERF_KEEP === 0) performance.clearMeasures(`tech-${kind}`);
  },
  values(kind) {
    const n = Math.min(this[`${kind}N`], PERF_KEEP);
    return Array.from(this[kind].subarray(0, n));
  },
  reset() { this.tickN = 0; this.frameN = 0; },
};
window.__techPerf = perf;

export class SessionFeed {
  constructor(ctx, sessionId) {
    this.ctx = ctx;
    this.id = sessionId;
    this.session = null;
    this.store = null;
    this.alarms = new Map();
    this.media = null;
    this.sipCalls = new Map();   // site id → its latest SIP call record
    this.siteFloor = [];         // the sites asking for the floor, first asked first
    this._snapshots = 0;
    this.lastTickAt = 0;
    this.listeners = new Map();
    this.offs = [];
    this.alive = true;
    this.ready = this._load();
  }

  on(type, fn) {
    if (!this.listeners.has(type)) this.listeners.set(type, new Set());
    this.listeners.get(type).add(fn);
    return () => this.listeners.get(type)?.delete(fn);
  }

  _emit(type, arg) {
    for (const fn of this.listeners.get(type) || []) {
      try { fn(arg); } catch (err) { console.error('roomctl tech', type, err); }
    }
  }

  async _load() {
    const [session, allSites] = await Promise.all([api.get(`/api/v1/sessions/${this.id}`), this.ctx.allSites()]);
    if (!this.alive) return this;
    this.session = session;
    this.allSites = allSites;
    this.store = new SiteStore(allSites, session.sites || []);
    this._listen();
    this._loadAlarmHistory();
    this._loadSipCalls();
    this._loadSiteFloor();
    return this;
  }

  async _loadSiteFloor() {
    try {
      const { sites } = await api.get(`/api/v1/sessions/${this.id}/site-floor`);
      if (this.alive) this._onSiteFloor(sites);
    } catch (err) { this._emit('error', err); }
  }

  _onSiteFloor(sites) {
    this.siteFloor = sites || [];
    this._emit('site_floor', this.siteFloor);
  }

  _listen() {
    const { ws } = this.ctx;
    const mine = (fn) => (msg) => { if (msg.session_id === -this.id) fn(msg); };
    const session = (fn) => (msg) => { if (msg.session_id === this.id) fn(msg); };
    this.offs.push(
      ws.on('health.snapshot', (msg) => { if (msg.session_id === this.id) this._onSnapshot(msg.body); }),
      ws.on('health.tick', mine((msg) => this._onTick(msg.body))),
      ws.on('alarm.raised', mine((msg) => this._onAlarm(msg.body.alarm, 'raised'))),
      ws.on('alarm.cleared', mine((msg) => this._onAlarm(msg.body.alarm, 'cleared'))),
      ws.on('alarm.acked', mine((msg) => this._onAlarm(msg.body.alarm, 'acked'))),
      ws.on('media.updated', session((msg) => this.setMedia(msg.body))),
      ws.on('session.updated', session((msg) => this._onSession(msg.body))),
      ws.on('snapshot', session((msg) => {
        if (msg.body?.session) this._onSession(msg.body.session);
        if (msg.body?.live?.site_floor) this._onSiteFloor(msg.body.live.site_floor.sites);
      })),
      // on both topics (the session's and its technicians'): the same list
      ws.on('floor.sites.updated', (msg) => { if (Math.abs(msg.session_id) === this.id) this._onSiteFloor(msg.body.sites); }),
      ws.on('sites.updated', session(() => this._reloadSites())),
      ws.on('sip.call', mine((msg) => this._onSipCall(msg.body.call, true))),
    );
    ws.subscribeHealth(this.id).catch((err) => this._emit('error', err));
    ws.subscribe(this.id).catch(() => { /* only media and session changes come there */ });
  }

  async _loadAlarmHistory() {
    try {
      const { alarms } = await api.get('/api/v1/alarms', { session_id: this.id });
      if (this.alive) this.mergeAlarms(alarms);
    } catch (err) { this._emit('error', err); }
  }

  /** Merges alarms, keeping the more advanced version of each. */
  mergeAlarms(list) {
    for (const a of list || []) {
      const cur = this.alarms.get(a.id);
      if (!cur || (!cur.cleared_at && a.cleared_at) || (!cur.acked_at && a.acked_at)) this.alarms.set(a.id, a);
    }
    this._emit('alarm', null);
  }

  async refreshAlarms() { return this._loadAlarmHistory(); }

  /** Whether the session has sites of transport sip. */
  get hasSip() { return !!this.store?.sites.some((s) => s.transport === 'sip'); }

  /** The SIP calls as they stand (sip.call is transient: after a reconnect
   *  or a change of sites, the list is read again). */
  async _loadSipCalls() {
    if (!this.hasSip) return;
    try {
      const { calls } = await api.get(`/api/v1/sessions/${this.id}/sip/calls`);
      if (!this.alive) return;
      this.sipCalls.clear();
      for (const c of calls || []) this._onSipCall(c, false);
      this._emit('sip', null);
    } catch (err) { this._emit('error', err); }
  }

  _onSipCall(call, tell) {
    if (!call) return;
    const cur = this.sipCalls.get(call.site_id);
    if (cur && cur.id > call.id) return;   // an older call's end, after the next began
    this.sipCalls.set(call.site_id, call);
    if (tell) this._emit('sip', call);
  }

  /** Calls one SIP site (siteId) or every one of the session (null). */
  sipDial(siteId) {
    return api.post(`/api/v1/sessions/${this.id}/sip/dial`, siteId == null ? {} : { site_id: siteId });
  }

  /** Hangs up one SIP site's call (siteId) or every call of the session (null). */
  sipHangup(siteId) {
    return api.post(`/api/v1/sessions/${this.id}/sip/hangup`, siteId == null ? {} : { site_id: siteId });
  }

  async _reloadSites() {
    try {
      const { sites } = await api.get(`/api/v1/sessions/${this.id}/sites`);
      if (!this.alive) return;
      this.session = { ...this.session, sites };
      this.store = new SiteStore(this.allSites, sites);
      this._emit('sites', this.store);
      this.ctx.ws.subscribeHealth(this.id);   // a fresh snapshot for the new set
      this._loadSipCalls();
    } catch (err) { this._emit('error', err); }
  }

  _onSnapshot(body) {
    if (!this.store) return;
    this.store.applySnapshot(body);
    this.mergeAlarms(body.alarms || []);
    if (body.media) this.setMedia(body.media);
    if (this._snapshots++) this._loadSipCalls();   // after a reconnect: what was missed
    this._emit('snapshot', body);
  }

  _onTick(body) {
    if (!this.store) return;
    const t0 = performance.now();
    this.store.applyTick(body, Date.now());
    this.lastTickAt = Date.now();
    this._emit('tick', body);
    perf.record('tick', t0, performance.now());
  }

  _onAlarm(alarm, what) {
    if (!alarm) return;
    this.alarms.set(alarm.id, alarm);
    this._emit('alarm', { alarm, what });
  }

  setMedia(media) {
    this.media = media;
    this._emit('media', media);
  }

  _onSession(s) {
    if (!s || s.id !== this.id) return;
    this.session = { ...this.session, ...s };
    if (s.status === 'ended') this.setMedia(null);
    this._emit('session', this.session);
  }

  /** Acknowledges an alarm; resolves with the updated alarm. */
  async ack(alarmId) {
    const res = await this.ctx.ws.request('alarm.ack', { alarm_id: alarmId });
    if (res && res.alarm) this._onAlarm(res.alarm, 'acked');
    return res && res.alarm;
  }

  destroy() {
    this.alive = false;
    for (const off of this.offs) off();
    this.offs = [];
    this.listeners.clear();
    this.ctx.ws.unsubscribeHealth(this.id);
    this.ctx.ws.unsubscribe(this.id);
  }
}
