// Recordings by agenda item: a real recording (one GStreamer site, two
// agenda items opened in turn), listed per item with the file parts that
// cover it; the files served with Range requests (206, 416); only staff;
// path traversal in the file name refused; a file deleted on disk is
// marked missing and its download is a clear 404, nothing crashes.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { assertAlive, assertOk, assertWireError, createUser, login, rawExchange, request } from '../lib/integration.mjs';
import { startRecordedServer } from '../lib/recording.mjs';

describe('recordings', () => {
  let rec, srv, admin, list, dir;

  before(async () => {
    rec = await startRecordedServer({ seconds: 3 });
    srv = rec.srv;
    admin = rec.admin;
    dir = path.join(srv.dataDir, 'recordings');
  });
  after(async () => { if (rec) await rec.stop(); });

  test('the list: files, and each agenda item with the parts of the files that cover it', async () => {
    list = assertOk(await request(srv.base, admin, 'GET', '/api/v1/sessions/1/recordings'));
    assert.equal(list.recorded, true);
    assert.ok(list.ended_at);
    assert.ok(list.files.length >= 1);
    for (const f of list.files) {
      assert.equal(f.missing, false);
      assert.equal(f.size, fs.statSync(path.join(dir, f.file)).size);
      assert.ok(f.duration_s > 4 && f.duration_s < 15, `duration ${f.duration_s}`);
      assert.equal(f.url, `/api/v1/recordings/${f.file}`);
    }
    assert.deepEqual(list.items.map((i) => i.item_id), rec.items.map((i) => i.id));
    const [a, b] = list.items;
    assert.equal(a.title, rec.items[0].title);
    assert.ok(b.start_s - a.start_s > 2.5 && b.start_s - a.start_s < 5, `items ${a.start_s} → ${b.start_s}`);
    const sa = a.segments[0], sb = b.segments[b.segments.length - 1];
    assert.ok(sa.end_s > sa.start_s && Math.abs(sa.end_s - sa.start_s - 3) < 1, `first item lasts ~3 s: ${JSON.stringify(sa)}`);
    assert.ok(sb.end_s > sb.start_s);
    assert.match(sa.url, new RegExp(`^/api/v1/recordings/${sa.file}#t=\\d+\\.\\d+,\\d+\\.\\d+$`));
    // An item with no recording before it: the list of another session is empty, not an error.
    const other = assertOk(await request(srv.base, admin, 'POST', '/api/v1/sessions',
      { title: 'Chưa ghi', starts_at: '2026-12-01T08:00:00Z', ends_at: '2026-12-01T09:00:00Z' }), 201);
    assert.deepEqual(assertOk(await request(srv.base, admin, 'GET', `/api/v1/sessions/${other.id}/recordings`)),
      { session_id: other.id, recorded: false, files: [], items: [] });
    assertWireError(await request(srv.base, admin, 'GET', '/api/v1/sessions/999/recordings'), 1200);
  });

  test('the file: whole (200) and in byte ranges (206, 416), the same bytes as on disk; it decodes', async () => {
    const f = list.files[0];
    const disk = fs.readFileSync(path.join(dir, f.file));
    const whole = await request(srv.base, admin, 'GET', f.url);
    assert.equal(whole.status, 200);
    assert.equal(whole.headers.get('content-type'), 'video/mp4');
    assert.equal(whole.headers.get('accept-ranges'), 'bytes');
    assert.ok(whole.bytes.equals(disk), 'the whole file');
    const r = await request(srv.base, admin, 'GET', f.url, null, { headers: { Range: 'bytes=100-1099' } });
    assert.equal(r.status, 206);
    assert.equal(r.headers.get('content-range'), `bytes 100-1099/${disk.length}`);
    assert.ok(r.bytes.equals(disk.subarray(100, 1100)));
    const open = await request(srv.base, admin, 'GET', f.url, null, { headers: { Range: `bytes=${disk.length - 10}-` } });
    assert.equal(open.status, 206);
    assert.ok(open.bytes.equals(disk.subarray(disk.length - 10)));
    const suffix = await request(srv.base, admin, 'GET', f.url, null, { headers: { Range: 'bytes=-500' } });
    assert.equal(suffix.status, 206);
    assert.ok(suffix.bytes.equals(disk.subarray(disk.length - 500)));
    const past = await request(srv.base, admin, 'GET', f.url, null, { headers: { Range: `bytes=${disk.length}-` } });
    assert.equal(past.status, 416);
    assert.equal(past.headers.get('content-range'), `bytes */${disk.length}`);
    const several = await request(srv.base, admin, 'GET', f.url, null, { headers: { Range: 'bytes=0-1,5-9' } });
    assert.equal(several.status, 200, 'several ranges: the whole file');
    const dl = await request(srv.base, admin, 'GET', `${f.url}?download=1`);
    assert.match(dl.headers.get('content-disposition'), /^attachment; filename="session-1-\d{3}\.mp4"/);
    // What was served decodes: H.264 frames and Opus.
    const tmp = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'rec-')), 'dl.mp4');
    fs.writeFileSync(tmp, whole.bytes);
    const out = execFileSync('ffprobe', ['-v', 'error', '-show_entries', 'stream=codec_name', '-of', 'csv=p=0', tmp], { encoding: 'utf8' });
    assert.deepEqual(out.trim().split('\n').sort(), ['h264', 'opus']);
    fs.rmSync(path.dirname(tmp), { recursive: true });
  });

  test('only staff; a delegate gets 403', async () => {
    const d = await login(srv.base, 'db01', '123456');
    assertWireError(await request(srv.base, d, 'GET', '/api/v1/sessions/1/recordings'), 1101);
    assertWireError(await request(srv.base, d, 'GET', list.files[0].url), 1101);
    assertWireError(await request(srv.base, null, 'GET', list.files[0].url), 1100);
    // A technician of the province who looks after every unit's rooms (the demo's session is the council's).
    const tech = (await createUser(srv.base, admin, 'kt.rec', 'technician', { fields: { include_children: true } })).token;
    assert.equal((await request(srv.base, tech, 'GET', list.files[0].url, null, { headers: { Range: 'bytes=0-9' } })).status, 206);
  });

  test('path traversal and other names in the file name are refused', async () => {
    fs.writeFileSync(path.join(dir, 'session-1-999.mp4'), 'not listed in the index');
    const names = ['..%2F..%2Froomctl.db', '..%2Froomctl.db', '%2Fetc%2Fpasswd', 'session-1.json', '..', '.',
      'session-1-000.mp4%00.txt', 'session-1-999.mp4', 'session-1-000.MP4', 'session-01-000.mp4x', '%2e%2e%2froomctl.db'];
    for (const n of names) {
      let res;
      try {
        res = await request(srv.base, admin, 'GET', `/api/v1/recordings/${n}`);
      } catch (e) {
        continue; // lws dropped the connection (e.g. on %00): refused too
      }
      assert.ok([400, 404].includes(res.status), `${n} -> ${res.status}`);
      assert.ok(!res.text.includes('SQLite format 3') && !res.text.includes('root:x:0:0') && !res.text.includes('not listed'), n);
    }
    assertWireError(await request(srv.base, admin, 'GET', '/api/v1/recordings/session-1.json'), 1005); // a name, not a recording
    assertWireError(await request(srv.base, admin, 'GET', '/api/v1/recordings/session-1-999.mp4'), 1200); // on disk, not in the index
    for (const raw of ['/api/v1/recordings/../../roomctl.db', '/api/v1/recordings/../../../../etc/passwd', '/api/v1/recordings/%2e%2e/roomctl.db']) {
      const res = await rawExchange(srv.port, `GET ${raw} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${admin}\r\nConnection: close\r\n\r\n`);
      assert.ok(res.status === null || res.status >= 400, `${raw} -> ${res.status}`);
      assert.ok(!res.text.includes('SQLite format 3') && !res.text.includes('root:x:0:0'), raw);
    }
    await assertAlive(srv, 'traversal attempts');
  });

  test('a recording file deleted on disk: listed as missing, its download a clear 404, nothing crashes', async () => {
    const f = list.files[0];
    fs.rmSync(path.join(dir, f.file));
    const now = assertOk(await request(srv.base, admin, 'GET', '/api/v1/sessions/1/recordings'));
    const gone = now.files.find((x) => x.file === f.file);
    assert.equal(gone.missing, true);
    assert.equal(gone.size, 0);
    assert.ok(now.items.every((i) => i.segments.filter((s) => s.file === f.file).every((s) => s.missing === true)));
    const res = await request(srv.base, admin, 'GET', f.url, null, { headers: { Range: 'bytes=0-99' } });
    assertWireError(res, 1200, undefined, 'deleted file');
    assert.match(res.json.error.reason, /deleted/);
    await assertAlive(srv, 'a deleted recording');
  });
});
