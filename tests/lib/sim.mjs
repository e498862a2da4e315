// Starts build/roomctl-sim against a controller and talks to its control
// port (one JSON object per line): faults and figures.

import { spawn } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { REPO_ROOT } from './server.mjs';

export const SIM = path.join(REPO_ROOT, 'build', 'roomctl-sim');
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** @ports: {video, audio} of the controller (RTCP on +1). @sites: {count} or
 *  {codes: [..]}. Resolves once the simulator sends; the first start of many
 *  sites encodes their clips (about 70 s for 600), later ones load them. */
export async function startSim(ports, sites, extra = [], { nice = 0 } = {}) {
  return spawnSim(['--controller', '127.0.0.1', '--video-port', String(ports.video), '--audio-port',
    String(ports.audio), '--rtcp-video-port', String(ports.video + 1), '--rtcp-audio-port', String(ports.audio + 1)],
  sites, extra, nice);
}

/** roomctl-sim in SIP mode: @sites answer the controller's calls to
 *  sip:<code>@127.0.0.1:@sipPort; the first @g722 of them answer G.722. */
export async function startSipSim(sipPort, sites, { g722 = 0, extra = [], nice = 0 } = {}) {
  return spawnSim(['--sip', String(sipPort), '--sip-g722', String(g722)], sites, extra, nice);
}

async function spawnSim(mode, sites, extra, nice) {
  const which = sites.codes ? ['--codes', sites.codes.join(',')] : ['--count', String(sites.count)];
  // @nice: a lower CPU priority, so that a benchmark's load generator does
  // not take the cores from the process it measures.
  const [cmd0, ...pre] = nice ? ['nice', '-n', String(nice), SIM] : [SIM];
  const proc = spawn(cmd0, [...pre, ...mode, ...which, '-q', ...extra], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout.on('data', (d) => { out += d; });
  proc.stderr.on('data', (d) => { out += d; });
  const deadline = Date.now() + 300_000;
  const ready = /ready control=127\.0\.0\.1:(\d+)/;
  while (!ready.test(out)) {
    if (proc.exitCode !== null || Date.now() > deadline) throw new Error(`roomctl-sim did not start: ${out}`);
    await sleep(100);
  }
  const sock = net.connect(Number(out.match(ready)[1]), '127.0.0.1');
  await new Promise((r) => sock.once('connect', r));
  let buf = '';
  const waiting = [];
  sock.on('data', (d) => {
    buf += d;
    let i;
    while ((i = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      const w = waiting.shift();
      if (w) w(JSON.parse(line));
    }
  });
  const cmd = (o) => new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`roomctl-sim did not answer ${JSON.stringify(o)}`)), 10000);
    waiting.push((v) => { clearTimeout(timer); resolve(v); });
    sock.write(`${JSON.stringify(o)}\n`);
  });
  const stop = () => new Promise((resolve) => {
    sock.destroy();
    if (proc.exitCode !== null) return resolve();
    proc.once('exit', resolve);
    proc.kill('SIGTERM');
    setTimeout(() => proc.kill('SIGKILL'), 3000).unref();
  });
  return { proc, pid: proc.pid, cmd, stop, output: () => out };
}
