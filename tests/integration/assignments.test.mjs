// Who is in a session: assigned delegates and sites (PUT replaces the list,
// all or nothing), what a delegate may see, and attendance as JSON and CSV.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  ADMIN_PASSWORD, assertAlive, stopClean, assertOk, assertWireError, createSession, createUser, login, request,
  siteBody, startLocalServer,
} from '../lib/integration.mjs';

describe('assignments and attendance', () => {
  let srv;
  let base;
  let admin;
  let secretariat;
  let session;
  let other;
  const u = {};
  const sites = {};

  before(async () => {
    srv = await startLocalServer();
    base = srv.base;
    admin = await login(base, 'admin', ADMIN_PASSWORD);
    secretariat = (await createUser(base, admin, 'thuky', 'secretariat')).token;
    u.an = await createUser(base, admin, 'db01', 'delegate', {
      full_name: 'Nguyễn Thị Ánh Tuyết', title: 'Đại biểu HĐND tỉnh', unit: 'Tổ đại biểu huyện Lạc Thủy, "Khu 3"',
    });
    u.formula = await createUser(base, admin, 'db02', 'delegate', { full_name: "=HYPERLINK(\"http://x\",\"y\")", title: '+1', unit: '@SUM(A1)' });
    u.dash = await createUser(base, admin, 'db03', 'delegate', { full_name: '-2+3' });
    u.outsider = await createUser(base, admin, 'db04', 'delegate', { full_name: 'Lê Văn Ngoài' });
    u.chair = await createUser(base, admin, 'chutoa', 'chair', { full_name: 'Xa Đình Cường' });
    u.tech = await createUser(base, admin, 'kythuat', 'technician');
    sites.tinh = assertOk(await request(base, admin, 'POST', '/api/v1/sites', siteBody({ code: 'TINH', name: 'Hội trường UBND tỉnh', level: 'province' })), 201);
    sites.huyen = assertOk(await request(base, admin, 'POST', '/api/v1/sites',
      siteBody({ code: 'H_LACTHUY', name: 'Huyện Lạc Thủy', level: 'district', parent_id: sites.tinh.id })), 201);
    sites.xa = assertOk(await request(base, admin, 'POST', '/api/v1/sites',
      siteBody({ code: 'X_THANHHA', name: 'Xã Thanh Hà', level: 'commune', parent_id: sites.huyen.id, transport: 'srt' })), 201);
    session = await createSession(base, admin, { title: 'Kỳ họp thứ 12' });
    other = await createSession(base, admin, { title: 'Phiên không có db01' });
  });
  after(async () => {
    if (srv) {
      await assertAlive(srv, 'the assignment tests');
      await stopClean(srv, 'the assignment tests');
    }
  });

  const delegatesOf = async (id) => assertOk(await request(base, admin, 'GET', `/api/v1/sessions/${id}/delegates`)).delegates;
  const sitesOf = async (id) => assertOk(await request(base, admin, 'GET', `/api/v1/sessions/${id}/sites`)).sites;
  const putDelegates = (id, ids, token = secretariat) => request(base, token, 'PUT', `/api/v1/sessions/${id}/delegates`, { user_ids: ids });

  test('PUT delegates replaces the list; delegates and chairs may be assigned', async () => {
    const ids = [u.an.user.id, u.formula.user.id, u.dash.user.id, u.chair.user.id];
    const res = assertOk(await putDelegates(session.id, ids));
    assert.deepEqual(res.delegates.map((d) => d.id).sort(), [...ids].sort());
    const an = res.delegates.find((d) => d.id === u.an.user.id);
    assert.equal(an.full_name, 'Nguyễn Thị Ánh Tuyết');
    assert.equal(an.role, 'delegate');
    assert.equal(an.password_hash, undefined);
    assert.deepEqual(await delegatesOf(session.id), res.delegates);
    const detail = assertOk(await request(base, admin, 'GET', `/api/v1/sessions/${session.id}`));
    assert.deepEqual(detail.delegates, res.delegates);
    // The other session gets only the outsider.
    assertOk(await putDelegates(other.id, [u.outsider.user.id]));
  });

  test('PUT delegates with a technician, an admin, an unknown id or a duplicate -> 1001, old list unchanged', async () => {
    const before = await delegatesOf(session.id);
    const cases = [
      ['a technician', [u.an.user.id, u.tech.user.id]],
      ['an admin', [1]],
      ['an unknown id', [u.an.user.id, 987654]],
      ['a duplicate', [u.an.user.id, u.an.user.id]],
      ['zero', [0]],
      ['a string', ['7']],
    ];
    for (const [what, ids] of cases) {
      assertWireError(await putDelegates(session.id, ids), 1001, undefined, what);
      assert.deepEqual(await delegatesOf(session.id), before, `list unchanged after ${what}`);
    }
    assertWireError(await request(base, secretariat, 'PUT', `/api/v1/sessions/${session.id}/delegates`, { user_ids: 5 }), 1001, 'user_ids');
    assertWireError(await request(base, secretariat, 'PUT', `/api/v1/sessions/${session.id}/delegates`, {}), 1001, 'user_ids');
    assertWireError(await putDelegates(987654, []), 1200);
    assert.deepEqual(await delegatesOf(session.id), before);
  });

  test('PUT sites replaces the list; an unknown id -> 1001, old list unchanged', async () => {
    const res = assertOk(await request(base, secretariat, 'PUT', `/api/v1/sessions/${session.id}/sites`,
      { site_ids: [sites.tinh.id, sites.xa.id] }));
    assert.deepEqual(res.sites.map((s) => s.id).sort(), [sites.tinh.id, sites.xa.id].sort());
    const xa = res.sites.find((s) => s.id === sites.xa.id);
    assert.equal(xa.name, 'Xã Thanh Hà');
    assert.equal(xa.transport, 'srt');
    assert.equal(xa.parent_id, sites.huyen.id);
    const before = await sitesOf(session.id);
    assert.deepEqual(before, res.sites);
    assertWireError(await request(base, secretariat, 'PUT', `/api/v1/sessions/${session.id}/sites`, { site_ids: [sites.huyen.id, 987654] }),
      1001);
    assert.deepEqual(await sitesOf(session.id), before);
    assertWireError(await request(base, secretariat, 'PUT', `/api/v1/sessions/${session.id}/sites`, { site_ids: [sites.xa.id, sites.xa.id] }),
      1001, 'site_ids');
    assert.deepEqual(await sitesOf(session.id), before);
    const detail = assertOk(await request(base, admin, 'GET', `/api/v1/sessions/${session.id}`));
    assert.deepEqual(detail.sites, before);
    // An empty list clears; then put it back.
    assert.deepEqual(assertOk(await request(base, secretariat, 'PUT', `/api/v1/sessions/${other.id}/sites`, { site_ids: [] })).sites, []);
  });

  test('the 1001 for an id that cannot be assigned names the field', async () => {
    assertWireError(await putDelegates(session.id, [u.tech.user.id]), 1001, 'user_ids', 'a technician');
    assertWireError(await putDelegates(session.id, [987654]), 1001, 'user_ids', 'an unknown user');
    assertWireError(await request(base, secretariat, 'PUT', `/api/v1/sessions/${session.id}/sites`, { site_ids: [987654] }),
      1001, 'site_ids', 'an unknown site');
  });

  test('a delegate sees only their sessions; others are 404', async () => {
    const list = assertOk(await request(base, u.an.token, 'GET', '/api/v1/sessions')).sessions;
    assert.deepEqual(list.map((s) => s.id), [session.id]);
    const detail = assertOk(await request(base, u.an.token, 'GET', `/api/v1/sessions/${session.id}`));
    assert.equal(detail.title, 'Kỳ họp thứ 12');
    assertOk(await request(base, u.an.token, 'GET', `/api/v1/sessions/${session.id}/agenda`));
    assertWireError(await request(base, u.an.token, 'GET', `/api/v1/sessions/${other.id}`), 1200);
    assertWireError(await request(base, u.an.token, 'GET', `/api/v1/sessions/${other.id}/agenda`), 1200);
    // Not assigned and non-existent look the same.
    const missing = await request(base, u.an.token, 'GET', '/api/v1/sessions/987654');
    const hidden = await request(base, u.an.token, 'GET', `/api/v1/sessions/${other.id}`);
    assert.equal(missing.status, hidden.status);
    assert.deepEqual(missing.json.error.code, hidden.json.error.code);

    const theirs = assertOk(await request(base, u.outsider.token, 'GET', '/api/v1/sessions')).sessions;
    assert.deepEqual(theirs.map((s) => s.id), [other.id]);
    // A chair is staff: sees every session.
    const chairs = assertOk(await request(base, u.chair.token, 'GET', '/api/v1/sessions')).sessions.map((s) => s.id);
    assert.ok(chairs.includes(session.id) && chairs.includes(other.id));
    // Delegates cannot list a session's delegates, sites or attendance (staff only).
    assertWireError(await request(base, u.an.token, 'GET', `/api/v1/sessions/${session.id}/delegates`), 1101);
    assertWireError(await request(base, u.an.token, 'GET', `/api/v1/sessions/${session.id}/sites`), 1101);
    assertWireError(await request(base, u.an.token, 'GET', `/api/v1/sessions/${session.id}/attendance`), 1101);
  });

  test('unassigning takes the session away from the delegate', async () => {
    const s = await createSession(base, admin, { title: 'Phiên tạm' });
    assertOk(await putDelegates(s.id, [u.outsider.user.id]));
    assertOk(await request(base, u.outsider.token, 'GET', `/api/v1/sessions/${s.id}`));
    assertOk(await putDelegates(s.id, []));
    assertWireError(await request(base, u.outsider.token, 'GET', `/api/v1/sessions/${s.id}`), 1200);
    assert.deepEqual(await delegatesOf(s.id), []);
  });

  test('attendance JSON: everyone absent, then check-ins by the secretariat', async () => {
    const att = assertOk(await request(base, admin, 'GET', `/api/v1/sessions/${session.id}/attendance`));
    assert.equal(att.session_id, session.id);
    assert.equal(att.expected, 4);
    assert.equal(att.present, 0);
    assert.equal(att.delegates.length, 4);
    for (const e of att.delegates) {
      assert.equal(e.status, 'absent');
      assert.equal(e.first_in, null);
      assert.equal(e.last_out, null);
      assert.equal(e.method, null);
    }
    const an = att.delegates.find((e) => e.user_id === u.an.user.id);
    assert.equal(an.username, 'db01');
    assert.equal(an.full_name, 'Nguyễn Thị Ánh Tuyết');
    assert.equal(an.title, 'Đại biểu HĐND tỉnh');

    assertOk(await request(base, admin, 'POST', `/api/v1/sessions/${session.id}/start`));
    const entry = assertOk(await request(base, secretariat, 'POST', `/api/v1/sessions/${session.id}/attendance`,
      { user_id: u.an.user.id, action: 'in' }));
    assert.equal(entry.user_id, u.an.user.id);
    assert.equal(entry.status, 'present');
    assert.equal(entry.method, 'console');
    assert.match(entry.first_in, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    assert.equal(entry.last_out, null);
    // Checking in twice changes nothing.
    assert.deepEqual(assertOk(await request(base, secretariat, 'POST', `/api/v1/sessions/${session.id}/attendance`,
      { user_id: u.an.user.id, action: 'in' })), entry);
    assertOk(await request(base, secretariat, 'POST', `/api/v1/sessions/${session.id}/attendance`, { user_id: u.formula.user.id, action: 'in' }));
    const left = assertOk(await request(base, secretariat, 'POST', `/api/v1/sessions/${session.id}/attendance`,
      { user_id: u.formula.user.id, action: 'out' }));
    assert.equal(left.status, 'left');
    assert.match(left.last_out, /Z$/);
    const now = assertOk(await request(base, u.tech.token, 'GET', `/api/v1/sessions/${session.id}/attendance`));
    assert.equal(now.present, 1);
    assert.equal(now.expected, 4);
    assert.equal(now.delegates.find((e) => e.user_id === u.formula.user.id).status, 'left');
  });

  test('attendance POST refuses unassigned users and bad bodies, and changes nothing', async () => {
    const before = assertOk(await request(base, admin, 'GET', `/api/v1/sessions/${session.id}/attendance`));
    const post = (body) => request(base, secretariat, 'POST', `/api/v1/sessions/${session.id}/attendance`, body);
    const r = await post({ user_id: u.outsider.user.id, action: 'in' });
    assert.ok(r.status >= 400 && r.status < 500, `an unassigned delegate: ${r.status} ${r.text}`);
    assertWireError(await post({ user_id: u.an.user.id, action: 'maybe' }), 1001, 'action');
    assertWireError(await post({ user_id: u.an.user.id }), 1001, 'action');
    assertWireError(await post({ user_id: -3, action: 'in' }), 1001, 'user_id');
    assertWireError(await post({ user_id: u.an.user.id, action: 'in', at: '2026-01-01T00:00:00Z' }), 1001, 'at');
    const afterwards = assertOk(await request(base, admin, 'GET', `/api/v1/sessions/${session.id}/attendance`));
    assert.deepEqual(afterwards, before);
  });

  test('attendance CSV: BOM, header, Vietnamese intact, formulas defused', async () => {
    const res = await request(base, admin, 'GET', `/api/v1/sessions/${session.id}/attendance?format=csv`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type'), /^text\/csv/);
    assert.match(res.headers.get('content-type'), /charset=utf-8/i);
    assert.match(res.headers.get('content-disposition') || '', /attachment/);
    assert.deepEqual([...res.bytes.subarray(0, 3)], [0xef, 0xbb, 0xbf], 'UTF-8 byte order mark');
    const text = res.bytes.subarray(3).toString('utf8');
    const lines = text.split(/\r?\n/).filter((l) => l !== '');
    assert.equal(lines[0], 'user_id,username,full_name,title,unit,status,first_in,last_out,method');
    assert.equal(lines.length, 1 + 4, 'a line per assigned delegate');
    const an = lines.find((l) => l.includes('"db01"'));
    assert.ok(an, text);
    assert.ok(an.includes('"Nguyễn Thị Ánh Tuyết"'), an);
    assert.ok(an.includes('"Tổ đại biểu huyện Lạc Thủy, ""Khu 3"""'), `quotes doubled, comma kept inside quotes: ${an}`);
    assert.ok(an.includes('"present"'), an);
    assert.ok(an.includes('"console"'), an);
    const f = lines.find((l) => l.includes('"db02"'));
    // Every cell that starts with = + - @ must not start with it any more.
    const cells = f.match(/"(?:[^"]|"")*"/g).map((c) => c.slice(1, -1).replace(/""/g, '"'));
    assert.equal(cells.length, 9, f);
    for (const c of cells) assert.ok(!/^[=+\-@]/.test(c), `cell ${JSON.stringify(c)} would run as a formula: ${f}`);
    assert.ok(cells.some((c) => c.includes('HYPERLINK')), 'the name is still there, defused');
    const d = lines.find((l) => l.includes('"db03"'));
    assert.ok(!/,"-2\+3"/.test(d), `"-2+3" defused: ${d}`);
    // JSON keeps the names verbatim.
    const json = assertOk(await request(base, admin, 'GET', `/api/v1/sessions/${session.id}/attendance`));
    assert.equal(json.delegates.find((e) => e.user_id === u.formula.user.id).full_name, '=HYPERLINK("http://x","y")');
  });

  test('after the session ends: attendance closed (1202), assignments frozen (1202)', async () => {
    assertOk(await request(base, admin, 'POST', `/api/v1/sessions/${session.id}/end`));
    const before = assertOk(await request(base, admin, 'GET', `/api/v1/sessions/${session.id}/attendance`));
    assertWireError(await request(base, secretariat, 'POST', `/api/v1/sessions/${session.id}/attendance`,
      { user_id: u.dash.user.id, action: 'in' }), 1202);
    assertWireError(await putDelegates(session.id, [u.an.user.id]), 1202);
    assertWireError(await request(base, secretariat, 'PUT', `/api/v1/sessions/${session.id}/sites`, { site_ids: [] }), 1202);
    assert.deepEqual(assertOk(await request(base, admin, 'GET', `/api/v1/sessions/${session.id}/attendance`)), before);
    // The CSV is still available after the session.
    assert.equal((await request(base, admin, 'GET', `/api/v1/sessions/${session.id}/attendance?format=csv`)).status, 200);
  });
});
