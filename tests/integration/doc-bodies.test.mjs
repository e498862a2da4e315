// File bodies as controller/net/net-file.c sends them, over plain HTTP
// (sendfile on the socket) and over TLS (read and written through lws), a
// bounded piece per callback: a 10 MB document whole (sha256 of every byte)
// to one reader and to 12 at once; one byte range (206 with its ETag, a
// suffix, 416 past the end, If-Range with our ETag or another, several
// ranges = the whole file); 304 on If-None-Match; a reader that stops
// reading mid-body holds up nobody else and gets every byte once it reads
// again; readers that hang up mid-body leave no open file behind (the
// daemon's descriptors come back to where they were) and crash nothing; a
// confidential document, stamped in memory for its reader, comes whole.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { after, before, describe, test } from 'node:test';
import { ADMIN_PASSWORD, itemBody, sessionBody, sha256, startLocalServer, stopClean } from '../lib/integration.mjs';
import { makePdf } from '../lib/pdf.mjs';
import { makeCert } from '../lib/tls.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** One request on a new connection; the body kept (or only hashed, with hash). */
function call(base, ca, method, urlPath, { token, body, headers = {}, contentType, hash = false } = {}) {
  const mod = base.startsWith('https:') ? https : http;
  const h = { ...headers };
  if (token) h.Authorization = `Bearer ${token}`;
  let payload = null;
  if (body) {
    payload = Buffer.isBuffer(body) ? body : Buffer.from(JSON.stringify(body));
    h['Content-Type'] = contentType || 'application/json';
    h['Content-Length'] = payload.length;
  }
  return new Promise((resolve, reject) => {
    const req = mod.request(base + urlPath, { method, headers: h, ca, agent: false, timeout: 60_000 }, (res) => {
      const chunks = [];
      const sum = crypto.createHash('sha256');
      let length = 0;
      res.on('data', (d) => { length += d.length; if (hash) sum.update(d); else chunks.push(d); });
      res.on('end', () => {
        const bytes = hash ? null : Buffer.concat(chunks);
        let json = null;
        if (bytes && /json/.test(res.headers['content-type'] || '')) try { json = JSON.parse(bytes); } catch { /* not JSON */ }
        resolve({ status: res.statusCode, headers: res.headers, bytes, length, sha256: hash ? sum.digest('hex') : sha256(bytes), json });
      });
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`${method} ${urlPath}: timeout`)));
    req.on('error', reject);
    if (payload) req.write(payload);
    req.end();
  });
}

/** The daemon's open file descriptors. */
const fdCount = (pid) => fs.readdirSync(`/proc/${pid}/fd`).length;

for (const transport of ['http', 'https']) {
  describe(`document bodies over ${transport}`, { timeout: 240_000 }, () => {
    let dir;
    let ca;
    let srv;
    let admin;
    let doc;        // the 10 MB document
    let pdf;
    let item;
    const get = (urlPath, opts = {}) => call(srv.base, ca, 'GET', urlPath, { token: admin, ...opts });

    /** A raw connection (plain or TLS) to the daemon. */
    const connect = () => new Promise((resolve, reject) => {
      const sock = transport === 'https'
        ? tls.connect({ host: '127.0.0.1', port: srv.port, ca }, () => resolve(sock))
        : net.connect(srv.port, '127.0.0.1', () => resolve(sock));
      sock.on('error', reject);
    });
    const rawGet = (urlPath) =>
      `GET ${urlPath} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${admin}\r\nConnection: close\r\n\r\n`;

    before(async () => {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'roomctl-bodies-'));
      let tlsOpt;
      if (transport === 'https') {
        const cert = await makeCert(dir, 'bodies');
        ca = cert.pem;
        tlsOpt = { cert: cert.cert, key: cert.key, ca };
      }
      srv = await startLocalServer({ tls: tlsOpt, config: { http: { max_upload_mb: 32 }, media: { enabled: 'false' } } });
      admin = (await call(srv.base, ca, 'POST', '/api/v1/login', { body: { username: 'admin', password: ADMIN_PASSWORD } })).json.token;
      const session = (await call(srv.base, ca, 'POST', '/api/v1/sessions', { token: admin, body: sessionBody() })).json;
      item = (await call(srv.base, ca, 'POST', `/api/v1/sessions/${session.id}/agenda`, { token: admin, body: itemBody() })).json;
      pdf = makePdf({ pages: 3, title: 'Chuong trinh ky hop', padBytes: 10 * 2 ** 20 });
      const up = await call(srv.base, ca, 'POST', `/api/v1/agenda/${item.id}/documents?title=agenda&filename=agenda.pdf`,
        { token: admin, body: pdf, contentType: 'application/pdf' });
      assert.equal(up.status, 201, up.bytes.toString().slice(0, 300));
      doc = up.json;
    });
    after(async () => {
      if (srv) {
        assert.equal(srv.proc.exitCode, null, `roomctl exited ${srv.stderr.slice(-2000)}`);
        assert.equal((await call(srv.base, ca, 'GET', '/healthz')).status, 200);
        await stopClean(srv, `the ${transport} body tests`);
      }
      if (dir) fs.rmSync(dir, { recursive: true, force: true });
    });

    test('a 10 MB document whole: every byte, its length, its ETag', async () => {
      const res = await get(doc.url, { hash: true });
      assert.equal(res.status, 200);
      assert.equal(res.length, pdf.length);
      assert.equal(Number(res.headers['content-length']), pdf.length);
      assert.equal(res.sha256, sha256(pdf));
      assert.equal(res.headers.etag, `"${sha256(pdf)}"`);
      assert.equal(res.headers['content-type'], 'application/pdf');
      assert.equal(res.headers['accept-ranges'], 'bytes');
      assert.equal(res.headers['cache-control'], 'private, no-cache');
      assert.match(res.headers['content-disposition'], /agenda\.pdf/);
    });

    test('12 readers at once each get every byte', async () => {
      const all = await Promise.all(Array.from({ length: 12 }, () => get(doc.url, { hash: true })));
      for (const r of all) {
        assert.equal(r.status, 200);
        assert.equal(r.sha256, sha256(pdf));
      }
    });

    test('304 on If-None-Match, no body', async () => {
      const res = await get(doc.url, { headers: { 'If-None-Match': `"${sha256(pdf)}"` } });
      assert.equal(res.status, 304);
      assert.equal(res.length, 0);
    });

    test('Range: one range 206 with its ETag, a suffix, 416 past the end, If-Range, several ranges', async () => {
      const size = pdf.length;
      const mid = await get(doc.url, { headers: { Range: 'bytes=5000000-5999999' } });
      assert.equal(mid.status, 206);
      assert.equal(mid.headers['content-range'], `bytes 5000000-5999999/${size}`);
      assert.equal(mid.headers.etag, `"${sha256(pdf)}"`);
      assert.ok(mid.bytes.equals(pdf.subarray(5_000_000, 6_000_000)));
      const open = await get(doc.url, { headers: { Range: `bytes=${size - 100}-` } });
      assert.equal(open.status, 206);
      assert.ok(open.bytes.equals(pdf.subarray(size - 100)));
      const suffix = await get(doc.url, { headers: { Range: 'bytes=-500' } });
      assert.equal(suffix.status, 206);
      assert.ok(suffix.bytes.equals(pdf.subarray(size - 500)));
      const past = await get(doc.url, { headers: { Range: `bytes=${size}-` } });
      assert.equal(past.status, 416);
      assert.equal(past.headers['content-range'], `bytes */${size}`);
      assert.equal(past.length, 0);
      const same = await get(doc.url, { headers: { Range: 'bytes=0-99', 'If-Range': `"${sha256(pdf)}"` } });
      assert.equal(same.status, 206);
      assert.ok(same.bytes.equals(pdf.subarray(0, 100)));
      const changed = await get(doc.url, { headers: { Range: 'bytes=0-99', 'If-Range': `"${'0'.repeat(64)}"` } });
      assert.equal(changed.status, 200, 'another version: the whole file');
      assert.ok(changed.bytes.equals(pdf));
      const several = await get(doc.url, { headers: { Range: 'bytes=0-1,5-9' } });
      assert.equal(several.status, 200);
      assert.ok(several.bytes.equals(pdf));
    });

    test('a reader that stops mid-body holds up nobody; once it reads again it gets every byte', async () => {
      const sock = await connect();
      const chunks = [];
      let got = 0;
      let stopped = false;
      const ended = new Promise((resolve) => sock.on('end', resolve));
      const firstBytes = new Promise((resolve) => sock.on('data', (d) => {
        chunks.push(d);
        got += d.length;
        if (got >= 256 * 1024 && !stopped) { stopped = true; sock.pause(); resolve(); }
      }));
      sock.write(rawGet(doc.url));
      await firstBytes;
      // While it reads nothing, others are served, whole.
      const others = await Promise.all([get(doc.url, { hash: true }), get(doc.url, { hash: true }),
        call(srv.base, ca, 'GET', '/healthz')]);
      assert.equal(others[0].sha256, sha256(pdf));
      assert.equal(others[1].sha256, sha256(pdf));
      assert.equal(others[2].status, 200);
      assert.ok(got < pdf.length, 'the stopped reader has not had it all');
      await sleep(500);
      sock.resume();
      await ended;
      sock.destroy();
      const all = Buffer.concat(chunks);
      const head = all.indexOf('\r\n\r\n');
      assert.match(all.subarray(0, head).toString('latin1'), /^HTTP\/1\.1 200 /);
      assert.equal(sha256(all.subarray(head + 4)), sha256(pdf));
    });

    test('readers that hang up mid-body: no file left open, nothing crashes, the next reader is served', async () => {
      await get(doc.url, { hash: true });
      await sleep(300);
      const baseline = fdCount(srv.proc.pid);
      for (let i = 1; i <= 20; i++) {
        const sock = await connect();
        await new Promise((resolve) => {
          let got = 0;
          sock.on('data', (d) => {
            got += d.length;
            if (got >= i * 300 * 1024) { sock.destroy(); resolve(); }
          });
          sock.on('close', resolve);
          sock.on('error', resolve);
          sock.write(rawGet(doc.url));
        });
      }
      let now = fdCount(srv.proc.pid);
      for (let i = 0; i < 100 && now > baseline; i++) {
        await sleep(100);
        now = fdCount(srv.proc.pid);
      }
      assert.ok(now <= baseline, `open descriptors: ${baseline} before, ${now} after 20 readers hung up`);
      assert.equal(srv.proc.exitCode, null);
      const res = await get(doc.url, { hash: true });
      assert.equal(res.sha256, sha256(pdf));
    });

    test('a confidential document, stamped in memory for its reader, comes whole', async () => {
      const secret = makePdf({ pages: 20, title: 'Phuong an nhan su' });
      const up = await call(srv.base, ca, 'POST',
        `/api/v1/agenda/${item.id}/documents?title=mat&filename=mat.pdf&confidential=true`,
        { token: admin, body: secret, contentType: 'application/pdf' });
      assert.equal(up.status, 201, up.bytes.toString().slice(0, 300));
      const res = await get(up.json.url);
      assert.equal(res.status, 200, res.bytes.toString().slice(0, 300));
      assert.equal(res.headers.etag, undefined, 'a stamped copy has no ETag');
      assert.equal(Number(res.headers['content-length']), res.length);
      assert.notEqual(res.sha256, sha256(secret));
      // More than one 16 KiB piece of an in-memory body (net-http.c).
      assert.ok(res.length > 3 * 16384, `${res.length} bytes`);
      assert.match(execFileSync('pdfinfo', ['-'], { input: res.bytes }).toString(), /^Pages:\s+20$/m);
      const text = execFileSync('pdftotext', ['-', '-'], { input: res.bytes }).toString();
      assert.match(text, /admin/, 'stamped with the reader');
      assert.match(text, /Page 20 of 20/, 'the last page is there');
    });
  });
}
