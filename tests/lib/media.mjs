// Helpers for media tests: free UDP port pairs, GStreamer sites and
// receivers started with gst-launch-1.0, site SSRCs, and raw UDP senders.

import { spawn } from 'node:child_process';
import dgram from 'node:dgram';
import { SLOW } from './server.mjs';

/** FNV-1a 32-bit of the site code: video SSRC even, audio odd (web/docs/media.md, "Ports and identity"). */
export function siteSsrc(code, audio = false) {
  let h = 2166136261;
  for (const b of Buffer.from(code, 'utf8')) {
    h ^= b;
    h = Math.imul(h, 16777619) >>> 0;
  }
  return audio ? (h | 1) >>> 0 : (h & ~1) >>> 0;
}

function udpFree(port) {
  return new Promise((resolve) => {
    const s = dgram.createSocket('udp4');
    s.once('error', () => resolve(false));
    s.bind(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

/** An even port P with P, P+1 (and P+2, P+3 when @count is 4) free on UDP.
 *  @belowEphemeral: under 32768, where the kernel never hands out a port to
 *  a socket bound to port 0 (a load generator opening thousands of them
 *  cannot take it before the controller binds it). */
export async function freeUdpPorts(count = 2, { belowEphemeral = false } = {}) {
  for (let tries = 0; tries < 200; tries++) {
    const p = 20000 + 2 * Math.floor(Math.random() * (belowEphemeral ? 6000 : 20000));
    let ok = true;
    for (let i = 0; i < count && ok; i++) ok = await udpFree(p + i);
    if (ok) return p;
  }
  throw new Error('no free UDP ports');
}

/** Spawns gst-launch-1.0 with @args (an array, no shell); collects output. */
export function gst(args, { verbose = false } = {}) {
  return watched(spawn('gst-launch-1.0', [...(verbose ? ['-v'] : ['-q']), ...args], { stdio: ['ignore', 'pipe', 'pipe'] }));
}

/** A child whose output is collected (the last 2-4 MB) in .text; .stop()
 *  ends it (SIGINT, then SIGKILL after 3 s) and resolves once it is gone. */
export function watched(proc) {
  const out = { text: '', proc };
  proc.stdout.on('data', (d) => { out.text += d; if (out.text.length > 4e6) out.text = out.text.slice(-2e6); });
  proc.stderr.on('data', (d) => { out.text += d; });
  out.stop = () => new Promise((resolve) => {
    if (proc.exitCode !== null || proc.signalCode) return resolve();
    proc.once('exit', resolve);
    proc.kill('SIGINT');
    setTimeout(() => proc.kill('SIGKILL'), 3000).unref();
  });
  return out;
}

/** A site sending H.264 (@width x @height, 25 fps) and Opus with its SSRCs;
 *  @dropVideo: share of video packets dropped before sending (0..1). */
export function gstSite(code, ports, { width = 320, height = 240, dropVideo = 0, pattern = 'ball' } = {}) {
  const v = siteSsrc(code), a = siteSsrc(code, true);
  return gst([
    // 4:2:0 8-bit, as a room system or a camera sends (unsaid, x264enc takes 4:4:4 10-bit from videotestsrc).
    'videotestsrc', 'is-live=true', `pattern=${pattern}`, '!', `video/x-raw,format=I420,width=${width},height=${height},framerate=25/1`, '!',
    'x264enc', 'tune=zerolatency', 'speed-preset=ultrafast', 'bitrate=300', 'key-int-max=50', '!',
    'rtph264pay', 'pt=96', `ssrc=${v}`, 'config-interval=-1', 'mtu=1200', '!',
    'identity', `drop-probability=${dropVideo}`, '!',
    'udpsink', 'host=127.0.0.1', `port=${ports.video}`,
    'audiotestsrc', 'is-live=true', '!', 'audioconvert', '!', 'opusenc', '!', 'rtpopuspay', 'pt=111', `ssrc=${a}`, '!',
    'udpsink', 'host=127.0.0.1', `port=${ports.audio}`,
  ]);
}

/** Receives the program video on @port, decodes it, prints every frame. */
export function gstVideoReceiver(port) {
  return gst([
    'udpsrc', `port=${port}`, 'address=127.0.0.1', 'caps=application/x-rtp,media=video,encoding-name=H264,payload=96,clock-rate=90000', '!',
    'rtpjitterbuffer', 'latency=100', '!', 'rtph264depay', '!', 'h264parse', '!', 'avdec_h264', '!', 'videoconvert', '!',
    'fakesink', 'silent=false',
  ], { verbose: true });
}

/** Frames decoded so far by a gstVideoReceiver, and the last width seen. */
export function framesOf(receiver) {
  const frames = (receiver.text.match(/last-message = chain/g) || []).length;
  const widths = [...receiver.text.matchAll(/video\/x-raw[^\n]*?width=\(int\)(\d+)/g)].map((m) => Number(m[1]));
  return { frames, width: widths.length ? widths[widths.length - 1] : 0 };
}

/** Sends @packets (Buffers) to 127.0.0.1:@port as fast as it can (or paced
 *  to @mbps), for at most @ms. */
export async function blast(port, makePacket, { ms = 1000, mbps = 0 } = {}) {
  const s = dgram.createSocket('udp4');
  const end = Date.now() + ms;
  let sent = 0, bytes = 0;
  const t0 = Date.now();
  while (Date.now() < end) {
    const p = makePacket(sent);
    await new Promise((r) => s.send(p, port, '127.0.0.1', () => r()));
    sent++;
    bytes += p.length;
    if (mbps && (bytes * 8) / 1e6 > (mbps * (Date.now() - t0 + 1)) / 1000) await new Promise((r) => setTimeout(r, 1));
  }
  s.close();
  return { sent, bytes };
}

/** A minimal RTP packet. */
export function rtp({ ssrc, seq = 0, ts = 0, pt = 96, payload = Buffer.from([0x41, 0x9a]) }) {
  const h = Buffer.alloc(12);
  h[0] = 0x80;
  h[1] = pt & 0x7f;
  h.writeUInt16BE(seq & 0xffff, 2);
  h.writeUInt32BE(ts >>> 0, 4);
  h.writeUInt32BE(ssrc >>> 0, 8);
  return Buffer.concat([h, payload]);
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Polls @fn until it returns a truthy value or @ms pass; returns the value
 *  or throws, with what @show() returns (if given) in the message. */
export async function until(fn, ms, what, show = null) {
  ms *= SLOW; // a wait, not a speed target: it stretches under sanitizers
  const end = Date.now() + ms;
  let last;
  while (Date.now() < end) {
    last = await fn();
    if (last) return last;
    await sleep(100);
  }
  const seen = show ? `; seen: ${JSON.stringify(show())}` : '';
  throw new Error(`timed out after ${ms} ms waiting for ${what}; last: ${JSON.stringify(last)}${seen}`);
}
