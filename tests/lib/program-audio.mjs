// The program audio a site receives, captured and judged (tests/integration/
// floor-audio.test.mjs and tests/bench/floor.mjs): talkers sending Opus
// tones, a capture of every program packet at a site's port with its
// arrival time, the stream's continuity (sequence, timestamps, pauses, how
// late each packet came), and an offline decode.

import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import fs from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { gst, siteSsrc, until } from './media.mjs';
import { RATE } from './tone.mjs';

export const PROGRAM_AUDIO_SSRC = 0x50524f41; // controller/media/media-private.h
export const FRAME = 960;                     // the mixer's Opus frames: 20 ms at 48 kHz
export const TONES = { TINH: 440, H01: 700, H02: 1000, H03: 1300 };
export const TALKERS = Object.keys(TONES);
// Ten grants over three sites and back to nobody (null), each held 500-800
// ms: at each arrival and departure of a talker the mixer swaps an input.
export const GRANTS = [['H01', 500], ['H02', 650], ['H03', 800], [null, 500], ['H02', 650],
  ['H01', 800], ['H03', 500], ['H01', 650], [null, 800], ['H02', 650]];

/** A site that talks: an Opus tone from its audio SSRC to the controller. */
export function talker(code, port) {
  return gst(['audiotestsrc', 'is-live=true', `freq=${TONES[code]}`, 'volume=0.3', '!', 'audioconvert', '!', 'opusenc', '!',
    'rtpopuspay', 'pt=111', `ssrc=${siteSsrc(code, true)}`, '!', 'udpsink', 'host=127.0.0.1', `port=${port}`]);
}

/** Every datagram from the controller's audio port @from that arrives at
 *  127.0.0.1:@port: its arrival time and RTP header. Others are counted
 *  apart: another test's daemon on this machine may send its program (the
 *  same SSRC) to a port that looked free to freeUdpPorts. */
export async function capture(port, from) {
  const sock = dgram.createSocket('udp4');
  const packets = [];
  const foreign = [];
  sock.on('message', (buf, rinfo) => {
    const at = performance.now();
    if (rinfo.port !== from || rinfo.address !== '127.0.0.1') return foreign.push(`${rinfo.address}:${rinfo.port}`);
    if (buf.length < 12 || buf[0] >> 6 !== 2) return packets.push({ at, buf, bad: true });
    packets.push({ at, buf, pt: buf[1] & 0x7f, seq: buf.readUInt16BE(2), ts: buf.readUInt32BE(4), ssrc: buf.readUInt32BE(8) });
  });
  await new Promise((resolve, reject) => { sock.once('error', reject); sock.bind(port, '127.0.0.1', resolve); });
  return { packets, foreign, close: () => new Promise((r) => sock.close(r)) };
}

/** The continuity of @packets (in arrival order): sequence numbers unwrapped
 *  (RFC 3550 A.1); what is missing, doubled or out of order; each timestamp
 *  step between consecutive sequence numbers that is not one frame; the
 *  longest pause between arrivals; and how late each packet came against
 *  its timestamp, over the earliest ("spread": the jitter buffer a receiver
 *  needs to play it without running dry). @packets[i].ext is set. */
export function continuity(packets) {
  packets[0].ext = packets[0].seq;
  for (let i = 1; i < packets.length; i++)
    packets[i].ext = packets[i - 1].ext + (((packets[i].seq - packets[i - 1].seq + 0x8000) & 0xffff) - 0x8000);
  const bySeq = new Map();
  let dups = 0, reordered = 0;
  packets.forEach((p, i) => {
    if (bySeq.has(p.ext)) dups++;
    else bySeq.set(p.ext, p);
    if (i && p.ext < packets[i - 1].ext) reordered++;
  });
  const first = Math.min(...bySeq.keys()), last = Math.max(...bySeq.keys());
  const missing = [], badSteps = [];
  for (let s = first; s <= last; s++) {
    const p = bySeq.get(s), prev = bySeq.get(s - 1);
    if (!p) missing.push(s & 0xffff);
    else if (prev && ((p.ts - prev.ts) >>> 0) !== FRAME) badSteps.push({ seq: s & 0xffff, step: (p.ts - prev.ts) >>> 0 });
  }
  const rel = (p) => Number(((p.at - packets[0].at) / 1000).toFixed(3));
  let gap = { ms: 0, atS: 0 };
  for (let i = 1; i < packets.length; i++)
    if (packets[i].at - packets[i - 1].at > gap.ms) gap = { ms: Math.round(packets[i].at - packets[i - 1].at), atS: rel(packets[i]) };
  const late = packets.map((p) => p.at - ((((p.ts - packets[0].ts) | 0) / RATE) * 1000));
  const earliest = Math.min(...late);
  const latest = late.indexOf(Math.max(...late));
  return {
    packets: packets.length, expected: last - first + 1, missing: missing.length, missingFirst: missing.slice(0, 10),
    dups, reordered, badSteps: badSteps.length, badStepsFirst: badSteps.slice(0, 10),
    ssrcs: [...new Set(packets.map((p) => p.ssrc.toString(16)))], pts: [...new Set(packets.map((p) => p.pt))],
    maxGap: gap, spread: { ms: Math.round(late[latest] - earliest), atS: rel(packets[latest]) },
    tsSpanS: Number(((((packets.at(-1).ts - packets[0].ts) >>> 0)) / RATE).toFixed(3)), wallSpanS: rel(packets.at(-1)),
  };
}

/** Decodes @packets (in sequence order) with opusdec into raw S16LE mono:
 *  RFC 4571 framing into rtpstreamdepay, so no jitter buffer and no clock. */
export async function decode(packets, dir) {
  const framed = Buffer.concat(packets.flatMap((p) => { const n = Buffer.alloc(2); n.writeUInt16BE(p.buf.length); return [n, p.buf]; }));
  const rtpFile = path.join(dir, 'program.rtp'), rawFile = path.join(dir, 'program.raw');
  fs.writeFileSync(rtpFile, framed);
  const dec = gst(['filesrc', `location=${rtpFile}`, '!',
    'application/x-rtp-stream,media=audio,clock-rate=48000,encoding-name=OPUS,payload=111', '!', 'rtpstreamdepay', '!',
    'rtpopusdepay', '!', 'opusdec', '!', 'audio/x-raw,format=S16LE,rate=48000,channels=1', '!', 'filesink', `location=${rawFile}`]);
  await until(() => dec.proc.exitCode !== null, 30000, 'the offline Opus decode', () => dec.text.slice(-500));
  assert.equal(dec.proc.exitCode, 0, `opusdec: ${dec.text.slice(-1000)}`);
  return fs.readFileSync(rawFile);
}
