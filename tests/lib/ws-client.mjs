// A small promise-based client for roomctl's /ws (subprotocol roomctl.v1),
// used by the integration tests. Replies (ack/error) are matched to requests
// by id; everything else (events, snapshots, and replies nobody waits for,
// such as an error with id null) goes to a queue read with waitFor().
//
//   const ws = await WsClient.connect(srv.port);
//   await ws.request('auth', { token });
//   await ws.request('subscribe', { session_id: 1 });
//   const snap = await ws.waitFor((m) => m.type === 'snapshot');
//   ws.close();
//
// Every wait is bounded; a timeout rejects with the messages seen so far.

import WebSocket from 'ws';
import { SLOW } from './server.mjs';

const DEFAULT_TIMEOUT_MS = 5000 * SLOW; // waits stretch under sanitizers (ROOMCTL_SLOW)

/** A rejected request: .body is the error body ({code, name, reason, field?}). */
export class WsError extends Error {
  constructor(type, body) {
    super(`${type} -> error ${body && body.code} ${body && body.name}: ${body && body.reason}`);
    this.body = body;
    this.code = body && body.code;
  }
}

export class WsClient {
  /** port: number, or a ws:// or wss:// URL. opts: protocol, timeoutMs, token (auth right away), ca (for wss://). */
  static async connect(port, opts = {}) {
    const url = typeof port === 'number' ? `ws://127.0.0.1:${port}/ws` : port;
    const sock = new WebSocket(url, opts.protocol ?? 'roomctl.v1', { handshakeTimeout: opts.timeoutMs ?? DEFAULT_TIMEOUT_MS, ca: opts.ca });
    const client = new WsClient(sock);
    await new Promise((resolve, reject) => {
      sock.once('open', resolve);
      sock.once('error', reject);
      sock.once('unexpected-response', (_req, res) => reject(new Error(`ws upgrade refused: HTTP ${res.statusCode}`)));
    });
    if (opts.token) client.user = (await client.request('auth', { token: opts.token })).user;
    return client;
  }

  constructor(sock) {
    this.sock = sock;
    this.nextId = 1;
    this.pending = new Map();  // id -> {resolve, reject, timer, type}
    this.queue = [];           // unclaimed messages, oldest first
    this.waiters = [];         // {predicate, resolve, reject, timer}
    this.log = [];             // every message received, for failure reports
    this.closed = false;
    this.closeInfo = null;
    sock.on('message', (data, isBinary) => this.onMessage(data, isBinary));
    sock.on('close', (code, reason) => {
      this.closed = true;
      this.closeInfo = { code, reason: String(reason) };
      const err = new Error(`ws closed (${code} ${reason})`);
      for (const p of this.pending.values()) { clearTimeout(p.timer); p.reject(err); }
      this.pending.clear();
      for (const w of this.waiters) { clearTimeout(w.timer); w.reject(err); }
      this.waiters = [];
    });
    sock.on('error', () => { /* reported through close */ });
  }

  onMessage(data, isBinary) {
    let msg;
    try {
      msg = JSON.parse(String(data));
    } catch {
      msg = { type: '__unparsable', isBinary, raw: String(data) };
    }
    this.log.push(msg);
    if ((msg.type === 'ack' || msg.type === 'error') && typeof msg.id === 'number' && this.pending.has(msg.id)) {
      const p = this.pending.get(msg.id);
      this.pending.delete(msg.id);
      clearTimeout(p.timer);
      if (msg.type === 'ack') p.resolve(msg.body);
      else p.reject(new WsError(p.type, msg.body));
      return;
    }
    const i = this.waiters.findIndex((w) => w.predicate(msg));
    if (i >= 0) {
      const [w] = this.waiters.splice(i, 1);
      clearTimeout(w.timer);
      w.resolve(msg);
      return;
    }
    this.queue.push(msg);
  }

  /** Sends {type, id, body}; resolves with the ack body, rejects with a WsError. */
  request(type, body = {}, opts = {}) {
    return this.send({ type, id: this.nextId++, body }, opts);
  }

  /** Sends any object (or a raw string) as one text frame. If it carries a
   *  numeric id, resolves/rejects with the reply to that id; else resolves
   *  at once with undefined. */
  send(msg, opts = {}) {
    const text = typeof msg === 'string' ? msg : JSON.stringify(msg);
    const id = typeof msg === 'object' && msg && typeof msg.id === 'number' ? msg.id : null;
    if (id === null) {
      this.sock.send(text);
      return Promise.resolve(undefined);
    }
    if (id >= this.nextId) this.nextId = id + 1;
    const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`no reply to ${msg.type} id ${id} within ${timeoutMs} ms; got: ${JSON.stringify(this.log.slice(-5))}`));
      }, timeoutMs);
      this.pending.set(id, { resolve, reject, timer, type: msg.type });
      this.sock.send(text, (err) => {
        if (!err) return;
        // The server has started closing (its close frame is in): the
        // request fails with the close, whose code the caller may check,
        // when the 'close' event comes, not with ws's "not open" first.
        if (this.sock.readyState === this.sock.CLOSING && !this.closed) return;
        clearTimeout(timer); this.pending.delete(id); reject(err);
      });
    });
  }

  /** Subscribes to session @sessionId's health ticks and keeps each site's
   *  latest row in @rows (site id → row, with `at`, when it came). */
  async followHealth(sessionId, rows) {
    await this.request('subscribe.health', { session_id: sessionId });
    this.sock.on('message', (data) => {
      const m = JSON.parse(data);
      if (m.type === 'health.tick') for (const r of m.body.sites) rows.set(r.site_id, { ...r, at: Date.now() });
    });
  }

  /** Sends a text or binary frame as-is (no reply tracking). */
  sendRaw(data, opts = {}) {
    return new Promise((resolve, reject) => this.sock.send(data, { binary: !!opts.binary }, (err) => (err ? reject(err) : resolve())));
  }

  /** Resolves with (and removes) the first queued or future message that
   *  matches; rejects after timeoutMs. */
  waitFor(predicate, timeoutMs = DEFAULT_TIMEOUT_MS) {
    const i = this.queue.findIndex(predicate);
    if (i >= 0) return Promise.resolve(this.queue.splice(i, 1)[0]);
    if (this.closed) return Promise.reject(new Error(`ws closed (${this.closeInfo && this.closeInfo.code})`));
    return new Promise((resolve, reject) => {
      const w = { predicate, resolve, reject, timer: null };
      w.timer = setTimeout(() => {
        this.waiters = this.waiters.filter((x) => x !== w);
        reject(new Error(`no matching message within ${timeoutMs} ms; last messages: ${JSON.stringify(this.log.slice(-5)).slice(0, 2000)}`));
      }, timeoutMs);
      this.waiters.push(w);
    });
  }

  /** Waits for an event of @type (optionally for one session). */
  waitForEvent(type, sessionId, timeoutMs = DEFAULT_TIMEOUT_MS) {
    return this.waitFor((m) => m.type === type && (sessionId === undefined || m.session_id === sessionId), timeoutMs);
  }

  /** Takes every queued message (events not yet claimed). */
  drain() {
    const out = this.queue;
    this.queue = [];
    return out;
  }

  /** Closes the socket; resolves once closed (bounded). */
  close(timeoutMs = 2000) {
    if (this.closed) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => { this.sock.terminate(); resolve(); }, timeoutMs);
      this.sock.once('close', () => { clearTimeout(timer); resolve(); });
      this.sock.close();
    });
  }
}

/**
 * Sends one message on a connection of its own: 0 for an ack, else the
 * error's wire code (1100 unauthenticated, 1101 forbidden, 1200 not found…).
 */
export async function wsCode(port, token, type, body) {
  const ws = await WsClient.connect(port, { token: token || undefined });
  try {
    await ws.request(type, body);
    return 0;
  } catch (e) {
    if (!e.body) throw e;
    return e.body.code;
  } finally {
    ws.close();
  }
}
