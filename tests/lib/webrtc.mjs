// Helpers for the WebRTC (WHIP/WHEP) tests: the GStreamer interop client
// (tests/lib/webrtc-client.py, run with Debian's python3), raw WHIP/WHEP
// requests, a plausible offer for negative tests, and raw STUN binding
// requests (RFC 8489/8445) to the shared WebRTC UDP port.

import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import dgram from 'node:dgram';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** CRC-32 (ISO 3309, as zlib's) of @buf: Debian 12's Node 18 has no zlib.crc32 (it came in Node 20.15). */
const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
export function crc32(buf) {
  let c = 0xffffffff;
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
import { freePort, request, reapOnExit, startServer } from './server.mjs';
import { freeUdpPorts } from './media.mjs';

const CLIENT = path.join(path.dirname(fileURLToPath(import.meta.url)), 'webrtc-client.py');
/** Debian's python3: it has gi and GStreamer's webrtcbin (a pyenv python3 on PATH does not). */
export const SYSTEM_PYTHON = '/usr/bin/python3';

/**
 * Spawns webrtc-client.py @mode ('publish' | 'view') against @url with
 * @token. opts: seconds (bound; default 120), ca, args (extra argv).
 * Returns {proc, lines (every JSON line), latest (last figures line or
 * null), final, httpError ({http_status, body} or null), output (stdout +
 * stderr text), exited (promise of {code, signal}), stop(signal)}.
 */
export function startClient(mode, url, token, opts = {}) {
  // The options first, then '--': a site secret is base64url, and one in 64
  // starts with '-', which argparse would take for an option.
  const argv = [CLIENT, '--seconds', String(opts.seconds ?? 120), ...(opts.ca ? ['--ca', opts.ca] : []),
    ...(opts.args || []), '--', mode, url, token];
  const proc = reapOnExit(spawn(SYSTEM_PYTHON, argv, { stdio: ['ignore', 'pipe', 'pipe'] }));
  const client = { proc, lines: [], latest: null, final: null, httpError: null, output: '' };
  let partial = '';
  proc.stdout.on('data', (d) => {
    client.output += d;
    partial += d;
    const lines = partial.split('\n');
    partial = lines.pop();
    for (const line of lines) {
      let m;
      try { m = JSON.parse(line); } catch { continue; }
      client.lines.push(m);
      if ('http_status' in m) client.httpError = m;
      else client.latest = m;
      if (m.final) client.final = m;
    }
  });
  proc.stderr.on('data', (d) => { client.output += d; if (client.output.length > 200_000) client.output = client.output.slice(-100_000); });
  // 'close', not 'exit': stdout is read to its end first.
  client.exited = new Promise((resolve) => proc.on('close', (code, signal) => resolve({ code, signal })));
  /** Stops the client (SIGTERM: it DELETEs its resource and prints its final line); bounded to 10 s. */
  client.stop = async (signal = 'SIGTERM') => {
    if (proc.exitCode === null && proc.signalCode === null) {
      proc.kill(signal);
      const t = setTimeout(() => proc.kill('SIGKILL'), 10_000);
      await client.exited;
      clearTimeout(t);
    }
    return client.exited;
  };
  return client;
}

/** POST @sdp to @path (default the WHIP endpoint) with @token; opts.headers,
 *  opts.contentType (default application/sdp; null: none). Never throws on a status. */
export function whipPost(base, token, sdp, { path: urlPath = '/api/v1/whip', headers = {}, contentType = 'application/sdp' } = {}) {
  return request(base, token, 'POST', urlPath, sdp, { headers, contentType: contentType ?? undefined });
}

const rand = (n) => crypto.randomBytes(n).toString('base64').replace(/[^A-Za-z0-9]/g, 'x').slice(0, n);

/**
 * A plausible WebRTC offer as a browser would send it. opts: video (codec
 * 'H264' | 'VP8' | null), audio ('opus' | 'PCMU' | null), direction
 * ('sendonly' | 'recvonly' | 'sendrecv'), ufrag, pwd, candidate ({address,
 * port}), and drop: names of parts to leave out ('fingerprint', 'ice',
 * 'mid', 'bundle', 'rtcp-mux', 'setup') for negative tests.
 * Returns {sdp, ufrag, pwd}.
 */
export function craftOffer(opts = {}) {
  const { video = 'H264', audio = 'opus', direction = 'sendonly', drop = [] } = opts;
  const ufrag = opts.ufrag || rand(8), pwd = opts.pwd || rand(24);
  const fp = crypto.randomBytes(32).toString('hex').toUpperCase().match(/../g).join(':');
  const cand = opts.candidate || { address: '127.0.0.1', port: 9 };
  const media = [];
  if (video) media.push({ kind: 'video', mid: '0', pt: 96, rtpmap: video === 'H264' ? 'H264/90000' : `${video}/90000`,
    fmtp: video === 'H264' ? 'level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f' : null, ssrc: 1111 });
  if (audio) media.push({ kind: 'audio', mid: '1', pt: audio === 'opus' ? 111 : 0,
    rtpmap: audio === 'opus' ? 'opus/48000/2' : 'PCMU/8000', fmtp: audio === 'opus' ? 'minptime=10;useinbandfec=1' : null, ssrc: 2222 });
  const has = (part) => !drop.includes(part);
  const lines = ['v=0', `o=- ${Date.now()} 2 IN IP4 127.0.0.1`, 's=-', 't=0 0'];
  if (has('bundle')) lines.push(`a=group:BUNDLE ${media.map((m) => m.mid).join(' ')}`);
  lines.push('a=msid-semantic: WMS stream');
  for (const m of media) {
    lines.push(`m=${m.kind} ${cand.port} UDP/TLS/RTP/SAVPF ${m.pt}`, `c=IN IP4 ${cand.address}`);
    if (has('ice')) lines.push(`a=ice-ufrag:${ufrag}`, `a=ice-pwd:${pwd}`);
    if (has('fingerprint')) lines.push(`a=fingerprint:sha-256 ${fp}`);
    if (has('setup')) lines.push('a=setup:actpass');
    if (has('mid')) lines.push(`a=mid:${m.mid}`);
    lines.push(`a=${direction}`);
    if (has('rtcp-mux')) lines.push('a=rtcp-mux');
    lines.push(`a=rtpmap:${m.pt} ${m.rtpmap}`);
    if (m.kind === 'video') lines.push(`a=rtcp-fb:${m.pt} nack`, `a=rtcp-fb:${m.pt} nack pli`);
    if (m.fmtp) lines.push(`a=fmtp:${m.pt} ${m.fmtp}`);
    if (direction !== 'recvonly') lines.push(`a=ssrc:${m.ssrc} cname:crafted`);
    lines.push(`a=candidate:1 1 udp 2122260223 ${cand.address} ${cand.port} typ host`);
  }
  return { sdp: `${lines.join('\r\n')}\r\n`, ufrag, pwd };
}

/** The answer's ICE credentials and its first host candidate. */
export function answerIce(sdp) {
  const get = (re) => (sdp.match(re) || [])[1];
  const cand = /a=candidate:\S+ 1 udp \d+ (\S+) (\d+) typ host/i.exec(sdp);
  return { ufrag: get(/a=ice-ufrag:(\S+)/), pwd: get(/a=ice-pwd:(\S+)/), lite: /a=ice-lite/.test(sdp),
    address: cand && cand[1], port: cand && Number(cand[2]) };
}

/**
 * A STUN Binding request (RFC 8489). opts: username (USERNAME attribute),
 * pwd (adds MESSAGE-INTEGRITY keyed with it, as an ICE check does),
 * priority, controlling (ICE-CONTROLLING with a tie-breaker), useCandidate,
 * fingerprint (default true). Returns {packet, txid}.
 */
export function stunBinding(opts = {}) {
  const txid = crypto.randomBytes(12);
  const attrs = [];
  const attr = (type, value) => {
    const pad = Buffer.alloc((4 - (value.length % 4)) % 4);
    const h = Buffer.alloc(4);
    h.writeUInt16BE(type, 0);
    h.writeUInt16BE(value.length, 2);
    attrs.push(Buffer.concat([h, value, pad]));
  };
  if (opts.username) attr(0x0006, Buffer.from(opts.username, 'utf8'));
  if (opts.priority) { const b = Buffer.alloc(4); b.writeUInt32BE(opts.priority >>> 0); attr(0x0024, b); }
  if (opts.controlling) attr(0x802a, crypto.randomBytes(8));
  if (opts.useCandidate) attr(0x0025, Buffer.alloc(0));
  const header = (extra) => {
    const h = Buffer.alloc(20);
    h.writeUInt16BE(0x0001, 0);
    h.writeUInt16BE(attrs.reduce((n, a) => n + a.length, 0) + extra, 2);
    h.writeUInt32BE(0x2112a442, 4);
    txid.copy(h, 8);
    return h;
  };
  if (opts.pwd) {
    // The length field counts MESSAGE-INTEGRITY itself (24 bytes) when it is computed.
    const mac = crypto.createHmac('sha1', opts.pwd).update(Buffer.concat([header(24), ...attrs])).digest();
    attr(0x0008, mac);
  }
  if (opts.fingerprint !== false) {
    const crc = (crc32(Buffer.concat([header(8), ...attrs])) ^ 0x5354554e) >>> 0;
    const b = Buffer.alloc(4);
    b.writeUInt32BE(crc);
    attr(0x8028, b);
  }
  return { packet: Buffer.concat([header(0), ...attrs]), txid };
}

/** Sends @packet to 127.0.0.1:@port from @socket (or a fresh one) and waits
 *  up to @ms for a datagram back. Returns the reply Buffer or null. */
export async function udpExchange(port, packet, { ms = 1000, socket = null } = {}) {
  const s = socket || dgram.createSocket('udp4');
  try {
    return await new Promise((resolve, reject) => {
      const timer = setTimeout(() => { s.off('message', onMsg); resolve(null); }, ms);
      const onMsg = (msg) => { clearTimeout(timer); s.off('message', onMsg); resolve(msg); };
      s.on('message', onMsg);
      s.send(packet, port, '127.0.0.1', (err) => { if (err) { clearTimeout(timer); reject(err); } });
    });
  } finally {
    if (!socket) s.close();
  }
}

/** The STUN message type of @buf (0x0101 = Binding success) when it is one for @txid, else null. */
export function stunReplyType(buf, txid) {
  if (!buf || buf.length < 20 || buf.readUInt32BE(4) !== 0x2112a442 || !buf.subarray(8, 20).equals(txid)) return null;
  return buf.readUInt16BE(0);
}

/** The demo province on the real daemon with WebRTC on: media, RTSP and WebRTC on free ports, no recording.
 *  The server's `media` is {video, audio, webrtc}: its ports (a gstSite takes the first two). */
export async function startWebrtcDemo() {
  const base = await freeUdpPorts(4);
  const webrtc = await freeUdpPorts(2);
  const srv = await startServer({
    args: ['--demo', '--listen', '127.0.0.1'],
    config: {
      media: {
        video_port: base, audio_port: base + 2, rtsp_port: await freePort(), rtsp_host: '127.0.0.1', record: 'false',
        webrtc_port: webrtc,
      },
    },
    timeoutMs: 30_000,
  });
  srv.media = { video: base, audio: base + 2, webrtc };
  return srv;
}
