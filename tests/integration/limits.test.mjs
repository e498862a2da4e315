// Limits that keep one client from taking the server: connections per
// address, header size, slow and idle clients (slowloris, a WebSocket that
// stops answering pings), WebSocket message size and rate, upload size.
// The real roomctl runs with small limits; each test proves the limit is
// enforced, that others are not hurt, and that a flood of violations makes
// ONE log line (the server's stderr), not one per packet.

import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, test } from 'node:test';
import WebSocket from 'ws';
import {
  ADMIN_PASSWORD, assertAlive, createItem, createSession, login, request, startLocalServer, stopClean,
} from '../lib/integration.mjs';
import { makePdf } from '../lib/pdf.mjs';
import { WsClient } from '../lib/ws-client.mjs';

const LIMITS = {
  http: {
    max_connections_per_address: 4, max_header_kb: 4, header_timeout_seconds: 2, idle_seconds: 2,
    max_upload_mb: 1, max_body_kb: 1,
  },
  ws: { max_message_kb: 1, rate_per_second: 5, rate_burst: 5, ping_seconds: 1, pong_timeout_seconds: 1 },
};

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const get = (p, extra = '', close = true) =>
  `GET ${p} HTTP/1.1\r\nHost: 127.0.0.1\r\n${extra}${close ? 'Connection: close\r\n' : ''}\r\n`;

/**
 * A raw TCP connection to the server from @localAddress (any 127/8 address
 * is local on Linux). Records what arrives and when it closes.
 */
function rawConn(port, localAddress = '127.0.0.1') {
  const c = { data: Buffer.alloc(0), closed: false, closedAt: null, openedAt: Date.now(), error: null };
  c.sock = net.connect({ port, host: '127.0.0.1', localAddress });
  c.connected = new Promise((resolve) => c.sock.once('connect', resolve));
  c.ended = new Promise((resolve) => {
    const done = () => { if (!c.closed) { c.closed = true; c.closedAt = Date.now(); } resolve(); };
    c.sock.on('end', done);
    c.sock.on('close', done);
  });
  c.sock.on('data', (d) => { c.data = Buffer.concat([c.data, d]); });
  c.sock.on('error', (e) => { c.error = e.code; });
  c.text = () => c.data.toString('latin1');
  c.status = () => { const m = /^HTTP\/1\.[01] (\d{3})/.exec(c.text()); return m ? Number(m[1]) : null; };
  /** Resolves true when closed within @ms, else false. */
  c.closedWithin = (ms) => Promise.race([c.ended.then(() => true), sleep(ms).then(() => false)]);
  c.destroy = () => c.sock.destroy();
  return c;
}

/** One request on a fresh connection from @localAddress; {status, text, closed}. */
async function exchange(port, data, localAddress = '127.0.0.1', ms = 3000) {
  const c = rawConn(port, localAddress);
  await Promise.race([c.connected, c.ended]);
  if (!c.closed) c.sock.write(data);
  await c.closedWithin(ms);
  c.destroy();
  return { status: c.status(), text: c.text(), closed: c.closed };
}

describe('limits', () => {
  let srv;
  let admin;

  /** Lines of the server log matching @re. */
  const logLines = (re) => srv.stderr.split('\n').filter((l) => re.test(l));
  /** Waits (bounded) until the log has a line matching @re; returns the matching lines. */
  const waitLog = async (re, ms = 5000) => {
    const deadline = Date.now() + ms;
    while (logLines(re).length === 0 && Date.now() < deadline) await sleep(50);
    return logLines(re);
  };

  before(async () => {
    srv = await startLocalServer({ config: LIMITS });
    admin = await login(srv.base, 'admin', ADMIN_PASSWORD);
  });
  after(async () => {
    if (srv) {
      await assertAlive(srv, 'the limit tests');
      await stopClean(srv, 'the limit tests');
    }
  });

  test('connections per address: the 5th from 127.0.0.3 is closed at once, 20 refusals make one log line; other addresses are served', async () => {
    const held = [];
    for (let i = 0; i < 4; i++) {
      const c = rawConn(srv.port, '127.0.0.3');
      await c.connected;
      held.push(c);
    }
    await sleep(200); // let the server accept all four
    assert.ok(held.every((c) => !c.closed), 'the first 4 stay open');
    const refused = [];
    for (let i = 0; i < 20; i++) refused.push(rawConn(srv.port, '127.0.0.3'));
    const closedFast = await Promise.all(refused.map((c) => c.closedWithin(1500)));
    assert.deepEqual(closedFast, refused.map(() => true), 'every connection past the limit is closed within 1.5 s');
    assert.ok(refused.every((c) => c.data.length === 0), 'and gets nothing');
    // Another address is not affected, nor is 127.0.0.1 (fetch).
    const other = await exchange(srv.port, get('/healthz'), '127.0.0.4');
    assert.equal(other.status, 200, `127.0.0.4 -> ${other.text.slice(0, 100)}`);
    assert.equal((await request(srv.base, null, 'GET', '/healthz')).status, 200);
    // A freed place can be taken again.
    held.pop().destroy();
    await sleep(300);
    const again = await exchange(srv.port, get('/healthz'), '127.0.0.3');
    assert.equal(again.status, 200, 'a place freed by a close is usable');
    for (const c of held) c.destroy();
    const lines = logLines(/limit: 127\.0\.0\.3: .*max_connections_per_address/);
    assert.equal(lines.length, 1, `one log line for 20 refusals:\n${lines.join('\n')}`);
    assert.equal(logLines(/limit: 127\.0\.0\.4:/).length, 0, 'nothing logged for 127.0.0.4');
  });

  test('header size: a 64 KB header is refused (431 or closed), a 3 KB one is served; 10 of them make one log line', async () => {
    const small = await exchange(srv.port, get('/healthz', `X-Filler: ${'a'.repeat(3 * 1024)}\r\n`), '127.0.0.5');
    assert.equal(small.status, 200, '3 KB of headers under a 4 KiB limit');
    const big = await Promise.all(Array.from({ length: 10 }, () =>
      exchange(srv.port, get('/healthz', `X-Filler: ${'a'.repeat(64 * 1024)}\r\n`), '127.0.0.5')));
    for (const r of big) {
      assert.ok(r.closed, 'the connection is closed');
      assert.ok(r.status === null || r.status === 431 || r.status === 400, `-> ${r.status}`);
    }
    const lines = await waitLog(/limit: 127\.0\.0\.5: a request header over 4 KiB/);
    await sleep(200);
    assert.equal(logLines(/limit: 127\.0\.0\.5: a request header over/).length, 1, `one line:\n${lines.join('\n')}`);
  });

  test('slowloris: one header byte a second is dropped after header_timeout_seconds (2 s); 3 of them make one log line', async () => {
    const slow = Array.from({ length: 3 }, () => rawConn(srv.port, '127.0.0.6'));
    await Promise.all(slow.map((c) => c.connected));
    const req = get('/healthz', 'X-Slow: ' + 'a'.repeat(50) + '\r\n');
    let i = 0;
    const timer = setInterval(() => { for (const c of slow) if (!c.closed) c.sock.write(req[i]); i++; }, 1000);
    slow[0].sock.write(req[i++]);
    const dropped = await Promise.all(slow.map((c) => c.closedWithin(6000)));
    clearInterval(timer);
    assert.deepEqual(dropped, [true, true, true], 'each slow client is dropped');
    for (const c of slow) {
      const lived = (c.closedAt - c.openedAt) / 1000;
      assert.ok(lived >= 1.5 && lived < 5, `dropped after ${lived} s (limit 2 s)`);
      assert.equal(c.status(), null, 'no answer to a header never finished');
    }
    // A client that sends nothing at all is dropped the same way.
    const mute = rawConn(srv.port, '127.0.0.6');
    assert.ok(await mute.closedWithin(5000), 'a mute connection is dropped');
    const lines = await waitLog(/limit: 127\.0\.0\.6: no whole request header within 2 s/);
    assert.equal(lines.length, 1, `one line for 4 slow clients:\n${lines.join('\n')}`);
  });

  test('an idle kept-alive connection is closed after idle_seconds (2 s)', async () => {
    const c = rawConn(srv.port);
    await c.connected;
    c.sock.write(get('/healthz', '', false));
    const deadline = Date.now() + 3000;
    while (c.status() === null && Date.now() < deadline) await sleep(20);
    assert.equal(c.status(), 200);
    const answeredAt = Date.now();
    assert.ok(await c.closedWithin(5000), 'closed while idle');
    const idle = (c.closedAt - answeredAt) / 1000;
    assert.ok(idle >= 1 && idle < 4.5, `closed after ${idle} s idle (limit 2 s)`);
  });

  test('WebSocket: messages over max_message_kb (1 KiB) -> 1003 each, one log line for 20, the connection lives on', async () => {
    const token = await login(srv.base, 'admin', ADMIN_PASSWORD);
    const ws = await WsClient.connect(srv.port, { token });
    const big = JSON.stringify({ type: 'ping', id: 0, body: { pad: 'x'.repeat(2048) } });
    for (let i = 0; i < 20; i++) ws.sock.send(big);
    for (let i = 0; i < 20; i++) await ws.waitFor((m) => m.type === 'error' && m.body && m.body.code === 1003, 5000);
    await sleep(1200); // the rate bucket refills (5/s)
    assert.ok((await ws.request('ping', {})).time, 'the connection still answers');
    const lines = logLines(/a message over 1024 bytes \(\[ws\] max_message_kb\)/);
    assert.equal(lines.length, 1, `one line for 20 messages:\n${lines.join('\n')}`);
    await ws.close();
    const summary = await waitLog(/closed after 20 messages dropped for size/);
    assert.equal(summary.length, 1, 'the count comes with the close');
  });

  test('WebSocket: 40 messages at once at 5/s (burst 5) -> the rest refused with 1400, one log line; the connection lives on', async () => {
    const token = await login(srv.base, 'admin', ADMIN_PASSWORD);
    const ws = await WsClient.connect(srv.port, { token });
    const before = logLines(/over 5 messages\/s/).length;
    for (let i = 0; i < 40; i++) ws.sock.send(JSON.stringify({ type: 'ping', id: 1000 + i, body: {} }));
    const told = await ws.waitFor((m) => m.type === 'error' && m.body && m.body.code === 1400, 5000);
    assert.equal(told.body.name, 'rate_limited');
    await sleep(300);
    const acks = ws.log.filter((m) => m.type === 'ack' && m.id >= 1000).length;
    // The burst of 5 less the auth message, plus what refilled meanwhile.
    assert.ok(acks >= 4 && acks <= 8, `the burst is answered, the rest not: ${acks} acks`);
    assert.equal(logLines(/over 5 messages\/s/).length - before, 1, 'one log line for 35 refusals');
    await sleep(1200);
    assert.ok((await ws.request('ping', {})).time, 'after slowing down the connection is served again');
    await ws.close();
  });

  test('WebSocket: a client that stops answering pings is dropped (ping 1 s + 1 s); one that answers stays', async () => {
    const alive = await WsClient.connect(srv.port, { token: admin }); // the ws package answers pings itself
    const raw = rawConn(srv.port, '127.0.0.7');
    await raw.connected;
    raw.sock.write('GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
      'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: roomctl.v1\r\n\r\n');
    assert.ok(await raw.closedWithin(6000), 'the silent WebSocket is closed within 6 s');
    const text = raw.text();
    assert.match(text, /^HTTP\/1\.1 101 /, 'the upgrade was accepted first');
    const frames = raw.data.subarray(raw.data.indexOf('\r\n\r\n') + 4);
    assert.equal(frames[0], 0x89, 'the server pinged before giving up');
    const lived = (raw.closedAt - raw.openedAt) / 1000;
    assert.ok(lived >= 1.5 && lived < 5, `closed after ${lived} s`);
    assert.equal(logLines(/ws 127\.0\.0\.7: silent for \d+ s, no answer to a ping/).length, 1);
    assert.equal(alive.closed, false, 'a client answering pings is kept');
    assert.ok((await alive.request('ping', {})).time);
    await alive.close();
  });

  test('uploads over max_upload_mb (1 MiB): 5 of 2 MiB -> 413 each, one log line; a small one is stored', async () => {
    const session = await createSession(srv.base, admin);
    const item = await createItem(srv.base, admin, session.id);
    const big = Buffer.concat([makePdf({ title: 'big' }), Buffer.alloc(2 << 20, 0x20)]);
    for (let i = 0; i < 5; i++) {
      const res = await request(srv.base, admin, 'POST', `/api/v1/agenda/${item.id}/documents`, big,
        { contentType: 'application/pdf' });
      assert.equal(res.status, 413, `upload ${i}`);
      assert.equal(res.json.error.code, 1003);
    }
    const lines = logLines(/limit: 127\.0\.0\.1: an upload of \d+ bytes refused, over 1 MiB/);
    assert.equal(lines.length, 1, `one line for 5 uploads:\n${lines.join('\n')}`);
    const ok = await request(srv.base, admin, 'POST', `/api/v1/agenda/${item.id}/documents`, makePdf({ title: 'nhỏ' }),
      { contentType: 'application/pdf' });
    assert.equal(ok.status, 201, ok.text.slice(0, 200));
  });

  test('JSON bodies over max_body_kb (1 KiB) -> 413, one log line', async () => {
    for (let i = 0; i < 5; i++) {
      const res = await request(srv.base, admin, 'POST', '/api/v1/sessions', { title: 'x'.repeat(2000) });
      assert.equal(res.status, 413);
    }
    assert.equal(logLines(/a request body of \d+ bytes refused, over 1 KiB/).length, 1);
  });
});
