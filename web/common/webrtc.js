// WHIP (publish) and WHEP (view) over RTCPeerConnection, for the site app
// (/site/) and the program players of the console, the technicians'
// dashboard and the tablet.
//
//   const link = new WebRtcLink({ url: '/api/v1/whip', token: () => secret,
//     send: mediaStream,                  // WHIP: the tracks to publish
//     receive: ['video', 'audio'],        // WHEP: what to take (recvonly)
//     onTrack: (stream) => video.srcObject = stream,
//     onState: (state, detail) => …});
//   link.start();  …  await link.stats();  …  await link.stop();
//
// One offer, no trickle: the controller is ICE-lite and answers PATCH with
// 405, so the offer is POSTed once ICE gathering is complete (all host
// candidates in it). The answer's Location is kept for the DELETE at stop.
// A call that drops (connectionState failed, or disconnected for more than
// 5 s) or a POST that fails with 5xx, 429 or no network is tried again after
// 1 s, 2 s, 4 s … 15 s (so is an answered call that has not connected
// within 15 s); a POST refused with 401/403/404/409 (and the other
// 4xx: the offer itself is wrong) stops, with the server's reason.
//
// States: 'idle' → 'connecting' → 'connected'; 'reconnecting' while waiting
// to try again; 'stopped' (by stop()) or 'refused' (detail: {status, reason,
// errorName}).

import { ApiError, errorFromBody } from './api.js';

const GATHER_TIMEOUT_MS = 4000;      // host candidates on a LAN come in milliseconds
const DROP_GRACE_MS = 5000;          // 'disconnected' may mend itself: wait this long
const CONNECT_TIMEOUT_MS = 15000;    // answered, but no ICE/DTLS after this long: try again
const BACKOFF_FIRST_MS = 1000;
const BACKOFF_MAX_MS = 15000;
const FINAL_STATUSES = new Set([400, 401, 403, 404, 405, 406, 409, 410, 413, 415]);

/** Resolves once @pc has gathered its candidates (or after a bound: what is
 *  there by then goes in the offer). */
function gatheringDone(pc, ms = GATHER_TIMEOUT_MS) {
  if (pc.iceGatheringState === 'complete') return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(finish, ms);
    function finish() {
      clearTimeout(timer);
      pc.removeEventListener('icegatheringstatechange', check);
      pc.removeEventListener('icecandidate', onCandidate);
      resolve();
    }
    function check() { if (pc.iceGatheringState === 'complete') finish(); }
    function onCandidate(e) { if (!e.candidate) finish(); }
    pc.addEventListener('icegatheringstatechange', check);
    pc.addEventListener('icecandidate', onCandidate);
  });
}

export class WebRtcLink {
  /**
   * @url: the WHIP/WHEP endpoint (POST); @token(): the bearer (a site secret
   * or a login token), read at every attempt; @send: a MediaStream to publish;
   * @receive: kinds to receive ('video', 'audio'); @onTrack(stream): the
   * remote stream, once per connection; @onState(state, detail).
   */
  constructor({ url, token, send = null, receive = [], onTrack = () => {}, onState = () => {} }) {
    this.url = url;
    this.token = token;
    this.send = send;
    this.receive = receive;
    this.onTrack = onTrack;
    this.onState = onState;
    this.state = 'idle';
    this.detail = null;
    this.pc = null;
    this.location = null;
    this.attempts = 0;            // connections made (the first is 1)
    this._backoff = BACKOFF_FIRST_MS;
    this._retryTimer = 0;
    this._dropTimer = 0;
    this._gen = 0;                // bumped at every attempt and at stop: late answers are ignored
    this._prev = null;            // the previous getStats sample, for rates
  }

  _set(state, detail = null) {
    this.state = state;
    this.detail = detail;
    this.onState(state, detail);
  }

  /** Starts (or starts again after stop()). */
  start() {
    this._stopped = false;
    this._backoff = BACKOFF_FIRST_MS;
    this._connect();
  }

  /** Replaces what is published (another camera): the next connection uses it,
   *  and the senders of the current one switch tracks without a new offer. */
  async replaceStream(stream) {
    this.send = stream;
    if (!this.pc) return;
    for (const sender of this.pc.getSenders()) {
      const kind = sender.track?.kind || this._senderKinds?.get(sender);
      const track = stream.getTracks().find((t) => t.kind === kind);
      if (track) await sender.replaceTrack(track);
    }
  }

  async _connect() {
    const gen = ++this._gen;
    clearTimeout(this._retryTimer);
    clearTimeout(this._dropTimer);
    this._teardown();
    this._set('connecting', { attempt: this.attempts + 1 });
    const pc = new RTCPeerConnection({ bundlePolicy: 'max-bundle', rtcpMuxPolicy: 'require' });
    this.pc = pc;
    this._prev = null;
    this._senderKinds = new Map();
    if (this.send) {
      for (const track of this.send.getTracks()) {
        const tr = pc.addTransceiver(track, { direction: 'sendonly', streams: [this.send] });
        this._senderKinds.set(tr.sender, track.kind);
        if (track.kind === 'video') preferH264(tr, true);
      }
    }
    for (const kind of this.receive) {
      const tr = pc.addTransceiver(kind, { direction: 'recvonly' });
      if (kind === 'video') preferH264(tr);
    }
    const remote = new MediaStream();
    pc.addEventListener('track', (e) => {
      if (gen !== this._gen) return;
      remote.addTrack(e.track);
      this.onTrack(remote, e.track);
    });
    pc.addEventListener('connectionstatechange', () => this._onPcState(pc, gen));
    let res;
    try {
      await pc.setLocalDescription(await pc.createOffer());
      await gatheringDone(pc);
      if (gen !== this._gen) return;
      const headers = { 'Content-Type': 'application/sdp' };
      const tok = this.token();
      if (tok) headers.Authorization = `Bearer ${tok}`;
      res = await fetch(this.url, { method: 'POST', headers, body: pc.localDescription.sdp, credentials: 'same-origin' });
    } catch (err) {
      if (gen !== this._gen) return;
      this._retry({ reason: err && err.message, errorName: 'network' });
      return;
    }
    if (gen !== this._gen) return;
    const text = await res.text().catch(() => '');
    if (gen !== this._gen) return;
    if (res.status !== 201 && res.status !== 200) {
      const err = errorFromBody(res.status, text);
      const detail = { status: res.status, reason: err.reason, errorName: err.errorName, code: err.code };
      if (FINAL_STATUSES.has(res.status)) { this._refuse(detail); return; }
      this._retry(detail);   // 5xx, 429: later
      return;
    }
    const loc = res.headers.get('Location');
    this.location = loc ? new URL(loc, new URL(this.url, location.href)).href : null;
    try {
      await pc.setRemoteDescription({ type: 'answer', sdp: text });
    } catch (err) {
      if (gen !== this._gen) return;
      this._refuse({ status: res.status, reason: err.message, errorName: 'bad_answer' });
      return;
    }
    this.attempts++;
    this._dropTimer = setTimeout(() => {
      this._dropTimer = 0;
      if (gen === this._gen && pc.connectionState !== 'connected') this._retry({ errorName: 'ice_timeout' });
    }, CONNECT_TIMEOUT_MS);
  }

  _onPcState(pc, gen) {
    if (gen !== this._gen || this._stopped) return;
    const s = pc.connectionState;
    if (s === 'connected') {
      clearTimeout(this._dropTimer);
      this._dropTimer = 0;
      this._backoff = BACKOFF_FIRST_MS;
      this._set('connected');
    } else if (s === 'failed') {
      this._retry({ errorName: 'ice_failed' });
    } else if (s === 'disconnected' && !this._dropTimer && this.state === 'connected') {
      this._set('connecting', { attempt: this.attempts, unstable: true });
      this._dropTimer = setTimeout(() => {
        this._dropTimer = 0;
        if (gen === this._gen && pc.connectionState !== 'connected') this._retry({ errorName: 'ice_disconnected' });
      }, DROP_GRACE_MS);
    }
  }

  _retry(detail) {
    if (this._stopped) return;
    const gen = ++this._gen;
    this._teardown({ release: true });
    const delay = this._backoff;
    this._backoff = Math.min(this._backoff * 2, BACKOFF_MAX_MS);
    this._set('reconnecting', { ...detail, inMs: delay });
    this._retryTimer = setTimeout(() => { if (gen === this._gen && !this._stopped) this._connect(); }, delay);
  }

  _refuse(detail) {
    this._stopped = true;
    this._gen++;
    this._teardown({ release: true });
    this._set('refused', detail);
  }

  /** Closes the peer connection; with @release, DELETEs the resource too
   *  (without waiting: the server drops it by itself when ICE times out). */
  _teardown({ release = false } = {}) {
    clearTimeout(this._dropTimer);
    this._dropTimer = 0;
    if (release) this._delete();
    if (this.pc) { try { this.pc.close(); } catch { /* closed */ } }
    this.pc = null;
  }

  _delete() {
    const loc = this.location;
    this.location = null;
    if (!loc) return Promise.resolve();
    const headers = {};
    const tok = this.token();
    if (tok) headers.Authorization = `Bearer ${tok}`;
    return fetch(loc, { method: 'DELETE', headers, credentials: 'same-origin', keepalive: true }).catch(() => {});
  }

  /** Ends the call: the resource DELETEd, the connection closed. */
  async stop() {
    this._stopped = true;
    this._gen++;
    clearTimeout(this._retryTimer);
    const gone = this._delete();
    this._teardown();
    this._set('stopped');
    await gone;
  }

  /**
   * The call's figures from getStats:
   * {state, rttMs, out: {video: {kbps, fps, width, height, packetsSent,
   *  packetsLost, fractionLost, rttMs}, audio: {kbps, packetsSent}},
   *  in: {video: {framesDecoded, fps, kbps, packetsLost, width, height},
   *  audio: {packetsReceived, kbps, level}}}. Rates are since the previous call.
   * Null when there is no connection.
   */
  async stats() {
    const pc = this.pc;
    if (!pc) return null;
    const report = await pc.getStats();
    const now = performance.now();
    const prev = this._prev;
    const bytes = {};
    const rate = (key, total) => {
      bytes[key] = total;
      if (!prev || prev.bytes[key] == null || total == null) return null;
      const dt = (now - prev.at) / 1000;
      return dt > 0 ? Math.max(0, ((total - prev.bytes[key]) * 8) / 1000 / dt) : null;
    };
    const out = { video: null, audio: null };
    const inn = { video: null, audio: null };
    let rttMs = null;
    const remoteIn = {};
    report.forEach((r) => {
      if (r.type === 'remote-inbound-rtp') remoteIn[r.kind] = r;
    });
    report.forEach((r) => {
      const kind = r.kind || r.mediaType;
      if (r.type === 'outbound-rtp' && kind === 'video') {
        const ri = remoteIn.video;
        out.video = {
          kbps: rate('out.video', r.bytesSent), fps: r.framesPerSecond ?? null,
          width: r.frameWidth ?? null, height: r.frameHeight ?? null, packetsSent: r.packetsSent ?? 0,
          packetsLost: ri ? ri.packetsLost ?? null : null, fractionLost: ri ? ri.fractionLost ?? null : null,
          rttMs: ri && ri.roundTripTime != null ? ri.roundTripTime * 1000 : null,
        };
      } else if (r.type === 'outbound-rtp' && kind === 'audio') {
        out.audio = { kbps: rate('out.audio', r.bytesSent), packetsSent: r.packetsSent ?? 0 };
      } else if (r.type === 'inbound-rtp' && kind === 'video') {
        inn.video = {
          framesDecoded: r.framesDecoded ?? 0, fps: r.framesPerSecond ?? null, kbps: rate('in.video', r.bytesReceived),
          packetsLost: r.packetsLost ?? 0, width: r.frameWidth ?? null, height: r.frameHeight ?? null,
        };
      } else if (r.type === 'inbound-rtp' && kind === 'audio') {
        inn.audio = { packetsReceived: r.packetsReceived ?? 0, kbps: rate('in.audio', r.bytesReceived), level: r.audioLevel ?? null };
      } else if (r.type === 'candidate-pair' && r.nominated && r.state === 'succeeded' && r.currentRoundTripTime != null) {
        rttMs = r.currentRoundTripTime * 1000;
      }
    });
    if (rttMs == null && out.video && out.video.rttMs != null) rttMs = out.video.rttMs;
    this._prev = { at: now, bytes };
    return { state: this.state, connection: pc.connectionState, rttMs, out, in: inn };
  }
}

/** Puts H.264 (packetization-mode=1 first) at the head of the codecs: the
 *  controller forwards H.264 and takes nothing else. @sending: a sendonly
 *  transceiver, whose codecs must be ones this browser can encode. */
function preferH264(transceiver, sending = false) {
  if (typeof RTCRtpReceiver === 'undefined' || !RTCRtpReceiver.getCapabilities || !transceiver.setCodecPreferences) return;
  const recv = RTCRtpReceiver.getCapabilities('video')?.codecs || [];
  const sendKeys = sending && RTCRtpSender.getCapabilities
    ? new Set((RTCRtpSender.getCapabilities('video')?.codecs || []).map((c) => `${c.mimeType} ${c.sdpFmtpLine || ''}`)) : null;
  const h264 = recv.filter((c) => /h264/i.test(c.mimeType) && (!sendKeys || sendKeys.has(`${c.mimeType} ${c.sdpFmtpLine || ''}`)));
  if (!h264.length) return;
  const score = (c) => (/packetization-mode=1/.test(c.sdpFmtpLine || '') ? 0 : 2) + (/profile-level-id=42e01f/.test(c.sdpFmtpLine || '') ? 0 : 1);
  h264.sort((a, b) => score(a) - score(b));
  try { transceiver.setCodecPreferences(h264); } catch { /* keep the browser's order */ }
}

/** Whether this browser can do WebRTC at all. */
export function webrtcSupported() {
  return typeof RTCPeerConnection === 'function';
}

export { ApiError };
