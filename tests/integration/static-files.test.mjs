// The static files: only what the site is made of is served — the app
// directories tablet/ console/ tech/ docs/, common/, vendor/ and the start
// page /index.html — each byte for byte, with HEAD and Range; everything
// else under web/ (package.json, package-lock.json, node_modules/, a
// README, notes, a Makefile, a source directory, a symlink from an app
// directory to one of those) is 404, even though the file is there.
// tests/browser/web-assets.test.mjs checks that the apps find every file
// they load.

import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { REPO_ROOT } from '../lib/server.mjs';
import { assertAlive, assertWireError, rawExchange, request, startLocalServer, stopClean } from '../lib/integration.mjs';

const WEB = path.join(REPO_ROOT, 'web');
const PUBLISHED = ['tablet', 'console', 'tech', 'site', 'docs', 'common', 'vendor'];

/** Every regular file below @dir, as paths relative to @root ("/a/b.js"), dotfiles left out. */
async function filesBelow(root, dir) {
  const out = [];
  for (const e of await fs.readdir(path.join(root, dir), { withFileTypes: true })) {
    if (e.name.startsWith('.')) continue;
    const rel = `${dir}/${e.name}`;
    if (e.isDirectory()) out.push(...await filesBelow(root, rel));
    else if (e.isFile()) out.push(rel);
  }
  return out;
}

describe('static files: the published part of web/ only', () => {
  let srv;

  before(async () => {
    srv = await startLocalServer({ config: { media: { enabled: 'false' } } });
  });
  after(async () => {
    if (srv) {
      await assertAlive(srv, 'the static file tests');
      await stopClean(srv, 'the static file tests');
    }
  });

  test('package.json and package-lock.json of web/ -> 404, their text never sent', async () => {
    for (const name of ['package.json', 'package-lock.json']) {
      const text = await fs.readFile(path.join(WEB, name), 'utf8');
      const res = await request(srv.base, null, 'GET', `/${name}`);
      assertWireError(res, 1200, undefined, `/${name}`);
      assert.ok(!res.text.includes(text.slice(0, 40)), `/${name} leaked its text`);
      const head = await request(srv.base, null, 'HEAD', `/${name}`);
      assert.equal(head.status, 404, `HEAD /${name}`);
    }
  });

  test('node_modules (400, 1005 as before) and whatever else sits at the root of web/ -> not served', async () => {
    const nm = await request(srv.base, null, 'GET', '/node_modules/pdfjs-dist/package.json');
    assertWireError(nm, 1005);
    const top = (await fs.readdir(WEB)).filter((n) => !PUBLISHED.includes(n) && n !== 'index.html' && !n.startsWith('.'));
    assert.ok(top.includes('package.json') && top.includes('node_modules'), `web/ has ${top.join(', ')}`);
    for (const name of top) {
      const res = await request(srv.base, null, 'GET', `/${name}`);
      assert.ok([400, 404].includes(res.status), `/${name} -> ${res.status}`);
    }
  });

  test('every file of the app directories, common/, vendor/ and /index.html: 200, the same bytes', async () => {
    const files = ['/index.html'];
    for (const dir of PUBLISHED) files.push(...await filesBelow(WEB, `/${dir}`));
    assert.ok(files.some((f) => f.startsWith('/vendor/pdfjs/')), 'web/vendor is built (make)');
    for (const f of files) {
      const res = await request(srv.base, null, 'GET', f);
      assert.equal(res.status, 200, `${f} -> ${res.status} ${res.text.slice(0, 200)}`);
      assert.ok(res.bytes.equals(await fs.readFile(path.join(WEB, f))), `${f}: the bytes on disk`);
      assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
    }
    const page = await request(srv.base, null, 'GET', '/console/');
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-type'), /^text\/html/);
  });

  test('HEAD: the headers of the file, no body; Range on a static file: 206', async () => {
    const disk = await fs.readFile(path.join(WEB, 'common', 'style.css'));
    const head = await rawExchange(srv.port, 'HEAD /common/style.css HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
      { wholeConnection: true });
    assert.match(head.text, /^HTTP\/1\.1 200 /);
    assert.match(head.text, new RegExp(`\r\ncontent-length: ${disk.length}\r\n`, 'i'));
    assert.ok(head.text.endsWith('\r\n\r\n'), `no body after the headers: ${JSON.stringify(head.text.slice(-80))}`);
    const part = await request(srv.base, null, 'GET', '/common/style.css', null, { headers: { Range: 'bytes=10-19' } });
    assert.equal(part.status, 206);
    assert.equal(part.headers.get('content-range'), `bytes 10-19/${disk.length}`);
    assert.ok(part.bytes.equals(disk.subarray(10, 20)));
  });

  test('directories: /console -> /console/; an unpublished directory is 404, not a redirect', async () => {
    const dir = await request(srv.base, null, 'GET', '/console');
    assert.equal(dir.status, 302);
    assert.equal(dir.headers.get('location'), '/console/');
    assertWireError(await request(srv.base, null, 'GET', '/node_modules'), 1005);
  });
});

describe('static files: a web root with more in it than the site', () => {
  let root;
  let srv;
  const secret = 'NOT-FOR-THE-WEB-7f3a';

  before(async () => {
    root = await fs.mkdtemp(path.join(os.tmpdir(), 'roomctl-web-'));
    await fs.mkdir(path.join(root, 'console'));
    await fs.mkdir(path.join(root, 'docs'));
    await fs.mkdir(path.join(root, 'src'));
    await fs.writeFile(path.join(root, 'console', 'index.html'), '<!doctype html><title>ok</title>');
    await fs.writeFile(path.join(root, 'docs', 'api.md'), '# API\n');
    await fs.writeFile(path.join(root, 'index.html'), '<!doctype html><title>start</title>');
    for (const name of ['package.json', 'package-lock.json', 'README.md', 'notes.txt', 'Makefile', 'src/app.ts', 'console.bak'])
      await fs.writeFile(path.join(root, name), `${secret} ${name}\n`);
    await fs.symlink('../package.json', path.join(root, 'console', 'package.json'));
    await fs.symlink('../src', path.join(root, 'console', 'src'));
    srv = await startLocalServer({ config: { server: { web_root: root }, media: { enabled: 'false' } } });
  });
  after(async () => {
    if (srv) await stopClean(srv, 'the second web root');
    if (root) await fs.rm(root, { recursive: true, force: true });
  });

  test('files outside the published directories -> 404, the file never sent', async () => {
    for (const p of ['/package.json', '/package-lock.json', '/README.md', '/notes.txt', '/Makefile', '/src/app.ts',
      '/src/', '/console.bak', '/console/package.json', '/console/src/app.ts']) {
      const res = await request(srv.base, null, 'GET', p);
      assertWireError(res, 1200, undefined, p);
      assert.ok(!res.text.includes(secret), `${p} leaked`);
    }
  });

  test('the published ones are served', async () => {
    for (const [p, text] of [['/console/', '<title>ok</title>'], ['/docs/api.md', '# API'], ['/index.html', '<title>start</title>']]) {
      const res = await request(srv.base, null, 'GET', p);
      assert.equal(res.status, 200, p);
      assert.ok(res.text.includes(text), p);
    }
    await assertAlive(srv, 'the second web root');
  });
});
