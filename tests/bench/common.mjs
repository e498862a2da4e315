// Shared by the benchmarks: percentiles, controller CPU and memory from
// /proc, and a plain-text table.

import fs from 'node:fs';

/** The first @n plain-RTP sites of the demo CSV, in file order: what a
 *  benchmark gives roomctl-sim (--codes) and puts in its session. The demo's
 *  WebRTC site is left out: its SSRC sent as plain RTP is a spoof, dropped
 *  (web/docs/media.md, "Ports and identity"). */
export function plainCodes(n) {
  const lines = fs.readFileSync(new URL('../../configs/demo/sites.csv', import.meta.url), 'utf8').trim().split('\n').slice(1);
  return lines.filter((l) => !l.includes(',webrtc,')).slice(0, n).map((l) => l.split(',')[0]);
}

export function percentile(values, p) {
  if (!values.length) return NaN;
  const sorted = Float64Array.from(values).sort();
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

const TICKS = 100; // USER_HZ on Linux

/** CPU seconds (user + system) used so far by @pid. */
export function cpuSeconds(pid) {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / TICKS;
}

/** {rssMiB, hwmMiB, threads} of @pid. */
export function memory(pid) {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (key) => Number((status.match(new RegExp(`^${key}:\\s+(\\d+)`, 'm')) || [0, 0])[1]);
  return { rssMiB: kb('VmRSS') / 1024, hwmMiB: kb('VmHWM') / 1024, threads: kb('Threads') };
}

/** Busy and steal CPU seconds of the whole host so far (/proc/stat, USER_HZ 100). */
export function hostCpu() {
  const f = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  const idle = f[3] + f[4];
  return { busy: (f.reduce((a, b) => a + b, 0) - idle - f[7]) / TICKS, steal: f[7] / TICKS };
}

/** Measures CPU cores used by @pid (cores) and by the whole host (host)
 *  while @fn runs, and how long it ran (seconds). */
export async function cpuDuring(pid, fn) {
  const c0 = cpuSeconds(pid), h0 = hostCpu().busy;
  const t0 = performance.now();
  const result = await fn();
  const seconds = (performance.now() - t0) / 1000;
  return { result, seconds, cores: (cpuSeconds(pid) - c0) / seconds, host: (hostCpu().busy - h0) / seconds };
}

/** Prints rows [[metric, value, target, verdict]] as an aligned table. */
export function printTable(title, rows) {
  const head = ['metric', 'measured', 'target', ''];
  const all = [head, ...rows.map((r) => r.map((c) => String(c ?? '')))];
  const widths = head.map((_, i) => Math.max(...all.map((r) => r[i].length)));
  const line = (r) => `| ${r.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
  console.log(`\n${title}`);
  console.log(line(head));
  console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  for (const r of all.slice(1)) console.log(line(r));
}

export const fmt = (x, digits = 1) => (Number.isFinite(x) ? x.toFixed(digits) : 'n/a');
export const verdict = (ok) => (ok ? 'ok' : 'MISSED');
export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Sums and percentiles of what the simulated sites received, between two roomctl-sim stats. */
export function programFigures(before, after) {
  const b = new Map(before.sites.map((s) => [s.code, s]));
  let packets = 0, lost = 0;
  const p50 = [], p99 = [];
  for (const s of after.sites) {
    const o = b.get(s.code) || { recv_packets: 0, recv_lost: 0 };
    packets += s.recv_packets - o.recv_packets;
    lost += Math.max(0, s.recv_lost - o.recv_lost);
    if (s.latency_p50_ms >= 0) p50.push(s.latency_p50_ms);
    if (s.latency_p99_ms >= 0) p99.push(s.latency_p99_ms);
  }
  return { packets, lost, latencyP50: percentile(p50, 50), latencyP99: percentile(p99, 99) };
}
