// Client side of the roomctl API v1 (see web/docs/api.md and
// web/docs/websocket.md): a fetch wrapper for REST, an XHR upload with
// progress, blob downloads, and RoomSocket, the WebSocket client for /ws
// (auth, request/ack by id, session subscriptions, events, reconnect with
// last seq + epoch).
//
// The bearer token lives in sessionStorage (one login per tab). Every failure
// — HTTP error object, WS error reply, network failure — becomes an ApiError
// so the UI has one thing to show.

import { t } from './i18n.js';

const TOKEN_KEY = 'roomctl.token';
const USER_KEY = 'roomctl.user';
export const API = '/api/v1';

export class ApiError extends Error {
  constructor({ status = 0, code = 0, name = 'network', reason = '', field = null } = {}) {
    super(reason || name);
    this.status = status;
    this.code = code;
    this.name = 'ApiError';
    this.errorName = name;
    this.reason = reason;
    this.field = field;
  }

  get isAuth() { return this.code === 1100 || this.code === 1102; }
}

// ---------- login token (per tab) ----------

export const auth = {
  get token() { return sessionStorage.getItem(TOKEN_KEY); },
  get user() {
    try { return JSON.parse(sessionStorage.getItem(USER_KEY) || 'null'); } catch { return null; }
  },
  save(token, user) {
    if (token) sessionStorage.setItem(TOKEN_KEY, token);
    if (user) sessionStorage.setItem(USER_KEY, JSON.stringify(user));
  },
  clear() {
    sessionStorage.removeItem(TOKEN_KEY);
    sessionStorage.removeItem(USER_KEY);
  },
};

let unauthorizedHandler = null;
/** fn(err) is called once per failing request whose token is missing/expired. */
export function onUnauthorized(fn) { unauthorizedHandler = fn; }

/** The Authorization header (when logged in) merged into extra. */
export function authHeaders(extra = {}) {
  const h = { ...extra };
  const tok = auth.token;
  if (tok) h.Authorization = `Bearer ${tok}`;
  return h;
}

export function buildUrl(path, query) {
  const url = path.startsWith('/') ? path : `${API}/${path}`;
  if (!query) return url;
  const qs = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) {
    if (v !== undefined && v !== null && v !== '') qs.set(k, v);
  }
  const s = qs.toString();
  return s ? `${url}${url.includes('?') ? '&' : '?'}${s}` : url;
}

/** Turns a non-2xx response (or its already-read text) into an ApiError. */
export function errorFromBody(status, text) {
  let body = null;
  try { body = text ? JSON.parse(text) : null; } catch { /* not JSON */ }
  const e = body && body.error;
  if (e && typeof e === 'object') {
    return new ApiError({ status, code: e.code || 0, name: e.name || 'error', reason: e.reason || '', field: e.field || null });
  }
  return new ApiError({ status, code: 0, name: `http_${status}`, reason: t('err.http', { status }) });
}

function notifyUnauthorized(err) {
  if (err.isAuth && unauthorizedHandler) unauthorizedHandler(err);
}

/**
 * request('GET', '/api/v1/sessions', {query, body, headers, raw})
 * JSON in, JSON out. 204 -> null. raw: true returns the Response (checked ok).
 */
export async function request(method, path, { body, query, headers, raw = false, signal } = {}) {
  const init = { method, headers: authHeaders(headers), signal, credentials: 'same-origin' };
  if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  let res;
  try {
    res = await fetch(buildUrl(path, query), init);
  } catch (err) {
    if (err && err.name === 'AbortError') throw err;
    throw new ApiError({ name: 'network', reason: t('err.network') });
  }
  if (!res.ok) {
    const err = errorFromBody(res.status, await res.text().catch(() => ''));
    notifyUnauthorized(err);
    throw err;
  }
  if (raw) return res;
  if (res.status === 204) return null;
  const text = await res.text();
  if (!text) return null;
  try {
    return JSON.parse(text);
  } catch {
    throw new ApiError({ status: res.status, name: 'bad_json', reason: t('err.bad_response') });
  }
}

export const api = {
  get: (path, query) => request('GET', path, { query }),
  post: (path, body, query) => request('POST', path, { body, query }),
  patch: (path, body) => request('PATCH', path, { body }),
  put: (path, body) => request('PUT', path, { body }),
  del: (path) => request('DELETE', path),
};

/**
 * Uploads a Blob/File as the raw request body with upload progress.
 * onProgress({loaded, total}) is called as bytes leave the browser.
 * Returns {promise, abort}; promise resolves with the parsed JSON reply.
 */
export function upload(path, file, { query, contentType = 'application/pdf', onProgress } = {}) {
  const xhr = new XMLHttpRequest();
  const promise = new Promise((resolve, reject) => {
    xhr.open('POST', buildUrl(path, query));
    for (const [k, v] of Object.entries(authHeaders({ 'Content-Type': contentType }))) xhr.setRequestHeader(k, v);
    xhr.responseType = 'text';
    xhr.upload.onprogress = (ev) => {
      if (onProgress) onProgress({ loaded: ev.loaded, total: ev.lengthComputable ? ev.total : file.size });
    };
    xhr.onload = () => {
      if (xhr.status >= 200 && xhr.status < 300) {
        if (onProgress) onProgress({ loaded: file.size, total: file.size });
        try { resolve(xhr.responseText ? JSON.parse(xhr.responseText) : null); } catch {
          reject(new ApiError({ status: xhr.status, name: 'bad_json', reason: t('err.bad_response') }));
        }
      } else {
        const err = errorFromBody(xhr.status, xhr.responseText);
        notifyUnauthorized(err);
        reject(err);
      }
    };
    xhr.onerror = () => reject(new ApiError({ name: 'network', reason: t('err.network') }));
    xhr.onabort = () => reject(new ApiError({ name: 'aborted', reason: t('err.aborted') }));
    xhr.send(file);
  });
  return { promise, abort: () => xhr.abort() };
}

/** GETs a binary resource with the token; returns {blob, filename}. */
export async function fetchBlob(path, query) {
  const res = await request('GET', path, { query, raw: true });
  const blob = await res.blob();
  let filename = null;
  const cd = res.headers.get('Content-Disposition') || '';
  const star = /filename\*\s*=\s*UTF-8''([^;]+)/i.exec(cd);
  const plain = /filename\s*=\s*"?([^";]+)"?/i.exec(cd);
  if (star) filename = decodeURIComponent(star[1]);
  else if (plain) filename = plain[1];
  return { blob, filename };
}

/** Saves a blob through a temporary download link. */
export function saveBlob(blob, filename) {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  a.rel = 'noopener';
  a.style.display = 'none';
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

// ---------- WebSocket ----------

const WS_SUBPROTOCOL = 'roomctl.v1';

/**
 * RoomSocket: one authenticated WebSocket to /ws.
 *
 *   const ws = new RoomSocket({onStatus, onAuthFailed});
 *   ws.on('attendance.updated', (msg) => ...);   // msg = full server frame
 *   ws.on('snapshot', ...); ws.on('*', ...);
 *   await ws.subscribe(12);
 *   await ws.request('checkin', {session_id: 12, user_id: 7});
 *
 * Status: 'connecting' | 'online' | 'offline' | 'stopped'. Requests made
 * while not yet authenticated wait for the connection. After a drop it
 * reconnects with exponential backoff (0.5 s … 30 s, jittered), authenticates
 * again and re-subscribes with the last seq and epoch seen, so the server can
 * replay what was missed or send a fresh snapshot. An event whose seq skips
 * ahead triggers the same re-subscribe. Events with a seq already seen are
 * dropped. After each subscribe ack a local 'subscribed' message
 * {session_id, body: {epoch, seq, replay}} is dispatched: with replay true,
 * the events up to that seq that follow are a replay of what was missed.
 * When the device reports it went offline the socket is dropped at once.
 *
 * The technicians' health topic of a session (subscribeHealth) is separate:
 * its frames carry session_id = minus the session id, its ack is the
 * snapshot (dispatched as 'health.snapshot' {session_id, body}, also after
 * every reconnect), and a gap in its seq asks for a fresh snapshot.
 */
export class RoomSocket {
  constructor({ url, getToken = () => auth.token, onStatus, onAuthFailed,
    requestTimeoutMs = 10_000, pingIntervalMs = 25_000, subscribeExtra = {} } = {}) {
    this.url = url || `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`;
    this.getToken = getToken;
    this.subscribeExtra = subscribeExtra;   // fields added to every subscribe (a tablet's device id)
    this.onStatus = onStatus || (() => {});
    this.onAuthFailed = onAuthFailed || (() => {});
    this.requestTimeoutMs = requestTimeoutMs;
    this.pingIntervalMs = pingIntervalMs;
    this.status = 'offline';
    this.user = null;
    this._ws = null;
    this._nextId = 1;
    this._pending = new Map();   // id -> {resolve, reject, timer}
    this._waiting = [];          // requests made before auth: {type, body, resolve, reject}
    this._subs = new Map();      // session_id -> {seq, epoch}
    this._health = new Map();    // session_id -> {seq} (technicians' topic, frames carry -session_id)
    this._handlers = new Map();  // type -> Set(fn)
    this._authed = false;
    this._stopped = true;
    this._backoff = 500;
    this._reconnectTimer = null;
    this._pingTimer = null;
    this._onOnline = () => { if (!this._stopped && !this._ws) this._connectNow(); };
    // The device says the network is gone: the socket is dead even if it has
    // not noticed yet; close it so the state shows offline and requests fail
    // fast instead of waiting for their timeout.
    this._onOffline = () => {
      const ws = this._ws;
      if (this._stopped || !ws) return;
      ws.onclose = null;
      ws.onmessage = null;
      try { ws.close(); } catch { /* already closing */ }
      this._onClose(ws);   // the close handshake cannot finish offline: do not wait for it
    };
  }

  start() {
    if (!this._stopped) return;
    this._stopped = false;
    window.addEventListener('online', this._onOnline);
    window.addEventListener('offline', this._onOffline);
    this._connectNow();
  }

  stop() {
    this._stopped = true;
    window.removeEventListener('online', this._onOnline);
    window.removeEventListener('offline', this._onOffline);
    clearTimeout(this._reconnectTimer);
    clearInterval(this._pingTimer);
    this._subs.clear();
    this._health.clear();
    const ws = this._ws;
    this._ws = null;
    if (ws) { ws.onclose = null; ws.close(1000); }
    this._failAll(new ApiError({ name: 'closed', reason: t('err.ws_closed') }));
    this._setStatus('stopped');
  }

  on(type, fn) {
    if (!this._handlers.has(type)) this._handlers.set(type, new Set());
    this._handlers.get(type).add(fn);
    return () => this._handlers.get(type)?.delete(fn);
  }

  /**
   * Sends {type, id, body}; resolves with the ack body, rejects with ApiError.
   * Made while offline, the request waits for the next connection, unless
   * opts.queue is false: then it fails at once with a 'network' ApiError
   * (for actions the caller keeps and resends itself, such as a ballot).
   */
  request(type, body = {}, { queue = true } = {}) {
    if (this._stopped) return Promise.reject(new ApiError({ name: 'closed', reason: t('err.ws_closed') }));
    if (!this._authed && !queue) return Promise.reject(new ApiError({ name: 'network', reason: t('err.ws_closed') }));
    if (!this._authed) {
      return new Promise((resolve, reject) => this._waiting.push({ type, body, resolve, reject }));
    }
    return this._send(type, body);
  }

  /** Subscribes to a meeting session's events (kept across reconnects). */
  async subscribe(sessionId) {
    if (!this._subs.has(sessionId)) this._subs.set(sessionId, { seq: null, epoch: null });
    if (!this._authed) return null;   // sent by _afterAuth()
    return this._sendSubscribe(sessionId);
  }

  /**
   * Subscribes to a session's health topic (subscribe.health; technicians,
   * chair, secretariat, admin), kept across reconnects. Resolves with the
   * snapshot {session_id, counts, sites, alarms, media}; each snapshot (the
   * first and those after a reconnect or a gap) is also dispatched as
   * 'health.snapshot' {session_id, body}. Events follow as health.tick,
   * alarm.*, check.* with session_id = -sessionId.
   */
  async subscribeHealth(sessionId) {
    if (!this._health.has(sessionId)) this._health.set(sessionId, { seq: null });
    if (!this._authed) return null;   // sent by _afterAuth()
    return this._sendSubscribeHealth(sessionId);
  }

  /** Stops dispatching a health topic's events (the server has no message
   *  to leave it: its frames are dropped here). */
  unsubscribeHealth(sessionId) {
    this._health.delete(sessionId);
  }

  async unsubscribe(sessionId) {
    if (!this._subs.delete(sessionId)) return;
    if (this._authed) {
      try { await this._send('unsubscribe', { session_id: sessionId }); } catch { /* gone anyway */ }
    }
  }

  // --- internals ---

  _setStatus(s) {
    if (this.status === s) return;
    this.status = s;
    this.onStatus(s);
  }

  _connectNow() {
    clearTimeout(this._reconnectTimer);
    const token = this.getToken();
    if (!token) { this._setStatus('offline'); return; }
    this._setStatus('connecting');
    let ws;
    try {
      ws = new WebSocket(this.url, WS_SUBPROTOCOL);
    } catch {
      this._scheduleReconnect();
      return;
    }
    this._ws = ws;
    ws.onopen = () => this._authenticate(ws, token);
    ws.onmessage = (ev) => this._onMessage(ev);
    ws.onclose = () => this._onClose(ws);
    ws.onerror = () => { /* onclose follows */ };
  }

  async _authenticate(ws, token) {
    try {
      const ack = await this._send('auth', { token });
      if (ws !== this._ws) return;
      this.user = ack && ack.user;
      this._authed = true;
      this._backoff = 500;
      this._setStatus('online');
      this._afterAuth();
    } catch (err) {
      if (ws !== this._ws) return;
      if (err.isAuth || err.code === 1103) {
        this.stop();
        this.onAuthFailed(err);
      } else {
        ws.close();
      }
    }
  }

  _afterAuth() {
    for (const sid of this._subs.keys()) {
      this._sendSubscribe(sid).catch(() => { /* reported via status */ });
    }
    for (const sid of this._health.keys()) {
      this._sendSubscribeHealth(sid).catch(() => { /* reported via status */ });
    }
    const waiting = this._waiting.splice(0);
    for (const w of waiting) this._send(w.type, w.body).then(w.resolve, w.reject);
    clearInterval(this._pingTimer);
    this._pingTimer = setInterval(() => this._ping(), this.pingIntervalMs);
  }

  async _ping() {
    if (!this._authed) return;
    const ws = this._ws;
    try { await this._send('ping', {}); } catch { if (ws === this._ws && ws) ws.close(); }
  }

  _sendSubscribe(sid) {
    const sub = this._subs.get(sid);
    const body = { session_id: sid, ...this.subscribeExtra };
    if (sub && sub.seq != null && sub.epoch) { body.last_seq = sub.seq; body.epoch = sub.epoch; }
    return this._send('subscribe', body).then((ack) => {
      const cur = this._subs.get(sid);
      // A snapshot (new epoch) or the replayed events follow the ack and set seq.
      if (cur && ack && ack.epoch && ack.epoch !== cur.epoch) { cur.epoch = ack.epoch; cur.seq = null; }
      // 'subscribed' {session_id, epoch, seq, replay}: replay true means the
      // missed events follow (no snapshot).
      this._dispatch('subscribed', { type: 'subscribed', session_id: sid, body: ack || {} });
      return ack;
    });
  }

  _sendSubscribeHealth(sid) {
    const sub = this._health.get(sid);
    if (sub) sub.seq = null;   // a fresh snapshot: the next event sets it
    return this._send('subscribe.health', { session_id: sid }).then((ack) => {
      if (this._health.has(sid)) {
        this._dispatch('health.snapshot', { type: 'health.snapshot', session_id: sid, body: ack || {} });
      }
      return ack;
    });
  }

  _send(type, body) {
    const ws = this._ws;
    if (!ws || ws.readyState !== WebSocket.OPEN) {
      return Promise.reject(new ApiError({ name: 'network', reason: t('err.ws_closed') }));
    }
    const id = this._nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this._pending.delete(id);
        reject(new ApiError({ name: 'timeout', reason: t('err.timeout') }));
      }, this.requestTimeoutMs);
      this._pending.set(id, { resolve, reject, timer });
      ws.send(JSON.stringify({ type, id, body }));
    });
  }

  _onMessage(ev) {
    let msg;
    try { msg = JSON.parse(ev.data); } catch { return; }
    if (!msg || typeof msg !== 'object') return;
    if ((msg.type === 'ack' || msg.type === 'error') && msg.id != null && this._pending.has(msg.id)) {
      const p = this._pending.get(msg.id);
      this._pending.delete(msg.id);
      clearTimeout(p.timer);
      if (msg.type === 'ack') p.resolve(msg.body || {});
      else {
        const e = msg.body || {};
        p.reject(new ApiError({ code: e.code || 0, name: e.name || 'error', reason: e.reason || '', field: e.field || null }));
      }
      return;
    }
    if (msg.type === 'error') {   // error without a pending request: report it
      this._dispatch('error', msg);
      return;
    }
    const sid = msg.session_id;
    if (typeof sid === 'number' && sid < 0) {   // a technicians' health topic
      const hs = this._health.get(-sid);
      if (!hs) return;
      if (typeof msg.seq === 'number') {
        if (hs.seq != null && msg.seq <= hs.seq) return;
        if (hs.seq != null && msg.seq > hs.seq + 1) {   // missed events: take a fresh snapshot
          if (!hs.resync) {
            hs.resync = true;
            this._sendSubscribeHealth(-sid).catch(() => {}).finally(() => { hs.resync = false; });
          }
          return;
        }
        hs.seq = msg.seq;
      }
      this._dispatch(msg.type, msg);
      return;
    }
    const sub = sid != null ? this._subs.get(sid) : null;
    if (msg.type === 'snapshot') {
      if (!sub) return;
      sub.seq = msg.seq ?? sub.seq;
      if (msg.epoch) sub.epoch = msg.epoch;
      this._dispatch('snapshot', msg);
      return;
    }
    if (sub && typeof msg.seq === 'number') {
      if (sub.seq != null && msg.seq <= sub.seq) return;          // already seen
      if (sub.seq != null && msg.seq > sub.seq + 1) {             // gap: ask for what is missing
        if (!sub.resync) {
          sub.resync = true;
          this._sendSubscribe(sid).catch(() => {}).finally(() => { sub.resync = false; });
        }
        return;
      }
      sub.seq = msg.seq;
    } else if (sid != null && !sub) {
      return;   // event for a session we left
    }
    this._dispatch(msg.type, msg);
  }

  _dispatch(type, msg) {
    for (const key of [type, '*']) {
      const set = this._handlers.get(key);
      if (!set) continue;
      for (const fn of set) {
        try { fn(msg); } catch (err) { console.error('roomctl ws handler', type, err); }
      }
    }
  }

  _onClose(ws) {
    if (ws !== this._ws) return;
    this._ws = null;
    this._authed = false;
    clearInterval(this._pingTimer);
    for (const [id, p] of this._pending) {
      clearTimeout(p.timer);
      p.reject(new ApiError({ name: 'network', reason: t('err.ws_closed') }));
      this._pending.delete(id);
    }
    if (this._stopped) return;
    this._scheduleReconnect();
  }

  _scheduleReconnect() {
    this._setStatus('offline');
    const delay = Math.min(this._backoff, 30_000) * (0.75 + Math.random() * 0.5);
    this._backoff = Math.min(this._backoff * 2, 30_000);
    clearTimeout(this._reconnectTimer);
    this._reconnectTimer = setTimeout(() => this._connectNow(), delay);
  }

  _failAll(err) {
    for (const p of this._pending.values()) { clearTimeout(p.timer); p.reject(err); }
    this._pending.clear();
    for (const w of this._waiting.splice(0)) w.reject(err);
  }
}
