// Many SIP sites from one sipp run, each with its own digest user: sipp
// (Debian sip-tester 3.6.1) reads "user;password;expected" a line from an
// injection file (-inf) and puts the line's credentials into its
// [authentication] keyword (FIELD_AUTH, tests/lib/sipp.mjs). 20 sites
// register and show registered in the API; the one line with a wrong
// password is refused 403 while the others pass; then the 20 call the
// session's conference with digest and SDES-SRTP, are all connected at
// once, and hang up. The small version of `make bench sip`'s storm and
// dial-ins, without timing targets.

import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { api, login, startLocalServer, stopClean } from '../lib/integration.mjs';
import { SLOW } from '../lib/server.mjs';
import { freeUdpPorts, until } from '../lib/media.mjs';
import { FIELD_AUTH, SCENARIOS, freeSipPort, runSipp } from '../lib/sipp.mjs';

const N = 20;
const WRONG = 6; // the line (0-based) whose password is wrong

describe('sip: 20 sites with their own digest users from one sipp run', () => {
  let srv, admin, sipPort, work, sites;
  const running = [];
  const user = (i) => `many${String(i).padStart(2, '0')}`;
  const password = (i) => `many-secret-${i}`;
  const ok = (r, what) => assert.equal(r.code, 0, `${what}: sipp failed\n${r.errors}\n${r.out}\n--- roomctl ---\n${srv.stderr.slice(-3000)}`);
  const metric = async (re) => re.exec(await (await fetch(`${srv.base}/metrics`)).text())?.[1];
  /** sipp calling the controller, one call a line of @lines (an injection
   *  file of SEQUENTIAL lines). runSipp finds its media ports apart. */
  async function caller(name, xml, lines, opts = {}) {
    const inf = path.join(work, `${name}.csv`);
    await fs.writeFile(inf, `SEQUENTIAL\n${lines.join('\n')}\n`);
    const run = await runSipp(work, name, xml, {
      target: `127.0.0.1:${sipPort}`, port: await freeUdpPorts(2), calls: lines.length, timeoutS: 60,
      extra: ['-inf', inf, '-r', String(N), '-l', String(N)], ...opts,
    });
    running.push(run.proc);
    return run;
  }

  before(async () => {
    work = await fs.mkdtemp(path.join(os.tmpdir(), 'roomctl-sip-many-'));
    sipPort = await freeSipPort();
    srv = await startLocalServer({
      args: ['--demo'],
      config: { media: { enabled: 'false', rtsp_port: 0 }, sip: { port: sipPort, dial_out: 'false' } },
    });
    admin = await login(srv.base, 'admin', 'admin123');
    sites = (await api(srv.base, admin, 'GET', '/api/v1/sites')).sites.slice(0, N);
    assert.equal(sites.length, N);
    for (const [i, s] of sites.entries()) {
      await api(srv.base, admin, 'PATCH', `/api/v1/sites/${s.id}`,
        { transport: 'sip', sip_user: user(i), sip_password: password(i), srtp: 'required' });
    }
    await api(srv.base, admin, 'PUT', '/api/v1/sessions/1/sites', { site_ids: sites.map((s) => s.id) });
    await api(srv.base, admin, 'POST', '/api/v1/sessions/1/start');
  });
  after(async () => {
    for (const p of running) if (p.exitCode === null) p.kill('SIGKILL');
    if (srv) await stopClean(srv, 'sip-many');
    if (work) await fs.rm(work, { recursive: true, force: true });
  });

  test('20 register with their own digest; the line with a wrong password is refused 403, the others pass', async () => {
    const lines = sites.map((_, i) => (i === WRONG ? `${user(i)};not-the-password;403` : `${user(i)};${password(i)};200`));
    ok(await (await caller('register', SCENARIOS.registerEach(), lines)).done, 'the REGISTERs (each line\'s expected answer)');
    const regs = (await api(srv.base, admin, 'GET', '/api/v1/sip/registrations')).registrations;
    for (const [i, s] of sites.entries()) {
      const r = regs.find((x) => x.site_id === s.id);
      assert.equal(r?.sip_user, user(i));
      assert.equal(r.registered, i !== WRONG, `${s.code} ${JSON.stringify(r)}`);
      if (i !== WRONG) assert.match(r.contact, new RegExp(`^<?sip:${user(i)}@127\\.0\\.0\\.1:`), r.contact);
    }
    assert.equal(await metric(/^roomctl_sip_registered (\d+)$/m), String(N - 1));
    assert.equal(await metric(/^roomctl_sip_auth_total\{result="refused"\} (\d+)$/m), '1');
    assert.equal(await metric(/^roomctl_sip_rate_limited_total (\d+)$/m), '0');
  });

  test('a line expecting 200 whose password is wrong fails the sipp run (the check can fail)', async () => {
    const r = await (await caller('register-wrong', SCENARIOS.registerEach(), [`${user(1)};wrong;200`])).done;
    assert.notEqual(r.code, 0, r.out);
    assert.match(`${r.errors}${r.out}`, /strcmp got:"403" and want:"200"/);
  });

  test('20 dial in with their own digest and SDES-SRTP: all connected at once, then each hangs up', async () => {
    // From 127.0.0.2: a registered site calling from its registered address
    // is let in without a challenge, and these calls are to show the digest.
    // Each holds its call 8 s (stretched under sanitizers) so all 20 are up at once.
    const lines = sites.map((_, i) => `${user(i)};${password(i)}`);
    const run = await caller('dial-in', SCENARIOS.call('phien-1', '[field0]', true, 8000 * SLOW, { authKeyword: FIELD_AUTH }), lines, { ip: '127.0.0.2' });
    const calls = async () => (await api(srv.base, admin, 'GET', '/api/v1/sessions/1/sip/calls')).calls;
    const live = await until(async () => {
      const c = (await calls()).filter((x) => x.state === 'connected');
      return c.length === N && c;
    }, 20000, `${N} calls connected`, () => srv.stderr.slice(-1500));
    assert.deepEqual(new Set(live.map((c) => c.site_id)), new Set(sites.map((s) => s.id)));
    for (const c of live) {
      assert.equal(c.direction, 'in');
      assert.equal(c.caller, 'digest');
      assert.equal(c.media.audio.srtp, true);
      assert.equal(c.media.video.srtp, true);
    }
    ok(await run.done, 'the calls');
    await until(async () => (await calls()).filter((c) => c.state === 'ended' && c.ended_by === 'site').length === N,
      10000, `${N} calls ended by the sites`);
  });
});
