// Bulk import of users, delegates, sites, organisations and rooms from CSV: the preview lists
// every row with its errors (row number as a spreadsheet shows it, and the
// column); the commit writes every row in one transaction or nothing. Bad
// input: a file in Windows-1258/Latin-1, a missing column, duplicate
// usernames (in the file and against the server), an empty file, a file
// with only a header, a 100 MB file (413 before it is read), a BOM; an
// organisation's parent later in the file, a bad kind, an unknown parent;
// users landing in the organisation they name; a department's secretariat
// refused a site (or a room) in another department; rooms unique within
// their organisation.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, describe, test } from 'node:test';
import {
  ADMIN_PASSWORD, assertAlive, assertOk, assertWireError, createUser, login, rawExchange, request, startLocalServer, stopClean,
} from '../lib/integration.mjs';

const BOM = '\uFEFF';
const csv = (lines) => lines.join('\r\n') + '\r\n';
const HEADER = 'username,full_name,role,password,title,unit';

describe('bulk import', () => {
  let srv, base, admin;
  const post = (kind, body, { dry = false, token = admin, contentType = 'text/csv; charset=utf-8' } = {}) =>
    request(base, token, 'POST', `/api/v1/import/${kind}${dry ? '?dry_run=1' : ''}`,
      typeof body === 'string' ? Buffer.from(body, 'utf8') : body, { contentType, timeoutMs: 60_000 });
  const usernames = async () => assertOk(await request(base, admin, 'GET', '/api/v1/users')).users.map((u) => u.username).sort();
  const siteCodes = async () => assertOk(await request(base, admin, 'GET', '/api/v1/sites')).sites.map((s) => s.code).sort();

  before(async () => {
    srv = await startLocalServer({ config: { http: { max_import_kb: 1024 } } });
    base = srv.base;
    admin = await login(base, 'admin', ADMIN_PASSWORD);
  });
  after(async () => {
    if (srv) {
      await assertAlive(srv, 'the import tests');
      await stopClean(srv, 'the import tests');
    }
  });

  test('preview (dry run) of a clean file with a BOM: every row, no errors, nothing written', async () => {
    const before = await usernames();
    const file = BOM + csv([HEADER,
      'dbx01,Nguyễn Thị Ánh Tuyết,delegate,matkhau1,"Đại biểu, Tổ 1",Huyện Đồng Văn',
      'dbx02,Trần Đức Lượng,chair,matkhau2,Chủ tọa,Văn phòng HĐND']);
    const plan = assertOk(await post('users', file, { dry: true }), 200, 'preview');
    assert.equal(plan.valid, true);
    assert.equal(plan.total, 2);
    assert.equal(plan.error_count, 0);
    assert.deepEqual(plan.columns, ['username', 'full_name', 'role', 'password', 'title', 'unit'], 'the BOM is not part of the first column');
    assert.deepEqual(plan.rows.map((r) => r.row), [2, 3], 'rows numbered as a spreadsheet shows them (header = 1)');
    assert.equal(plan.rows[0].values.full_name, 'Nguyễn Thị Ánh Tuyết');
    assert.equal(plan.rows[0].values.title, 'Đại biểu, Tổ 1');
    assert.equal(plan.rows[0].values.password, undefined, 'passwords are never echoed');
    assert.equal(plan.rows[0].values.password_set, true);
    assert.deepEqual(await usernames(), before, 'a dry run writes nothing');
  });

  test('commit: all rows written; an imported user logs in; Vietnamese text kept', async () => {
    const file = csv([HEADER,
      'dbx01,Nguyễn Thị Ánh Tuyết,delegate,matkhau1,"Đại biểu, Tổ 1",Huyện Đồng Văn',
      'dbx02,Trần Đức Lượng,chair,matkhau2,Chủ tọa,Văn phòng HĐND']);
    const res = assertOk(await post('users', file), 201, 'commit');
    assert.equal(res.imported, 2);
    const users = assertOk(await request(base, admin, 'GET', '/api/v1/users')).users;
    const u = users.find((x) => x.username === 'dbx01');
    assert.equal(u.full_name, 'Nguyễn Thị Ánh Tuyết');
    assert.equal(u.unit, 'Huyện Đồng Văn');
    assert.equal(users.find((x) => x.username === 'dbx02').role, 'chair');
    const token = await login(base, 'dbx02', 'matkhau2');
    assert.equal(assertOk(await request(base, token, 'GET', '/api/v1/me')).username, 'dbx02');
  });

  test('Windows-1258 / Latin-1 bytes: refused, naming the line and the byte; nothing written', async () => {
    const before = await usernames();
    const head = Buffer.from(csv([HEADER, 'enc01,Ok Name,delegate,123456,,']) + 'enc02,Tr', 'utf8');
    // "Trần" in Windows-1258: "Tr" + 0xE2 (â) + 0xCC (combining grave) + "n"
    const file = Buffer.concat([head, Buffer.from([0xE2, 0xCC]), Buffer.from('n,delegate,123456,,\r\n')]);
    const res = await post('users', file, { dry: true });
    assertWireError(res, 1001, undefined, 'latin1 file');
    assert.match(res.json.error.reason, /line 3, byte \d+/);
    assert.match(res.json.error.reason, new RegExp(`byte ${head.length} `));
    assert.match(res.json.error.reason, /0xE2/);
    assert.match(res.json.error.reason, /UTF-8/);
    assertWireError(await post('users', file), 1001, undefined, 'latin1 commit');
    assert.deepEqual(await usernames(), before);
  });

  test('a missing column: the error names it', async () => {
    const res = await post('users', csv(['username,role,password', 'mc01,delegate,123456']), { dry: true });
    assertWireError(res, 1001, 'full_name', 'missing column');
    assert.match(res.json.error.reason, /missing/);
    const unknown = await post('users', csv(['username,full_name,role,password,phone', 'mc01,A,delegate,123456,0912']), { dry: true });
    assertWireError(unknown, 1001, 'phone', 'unknown column');
  });

  test('duplicate usernames, in the file and on the server: row and column named; nothing half-imported', async () => {
    const before = await usernames();
    const file = csv([HEADER,
      'dup01,Lê Văn A,delegate,123456,,',       // row 2: fine on its own
      'dbx01,Phạm Thị B,delegate,123456,,',     // row 3: exists on the server
      'dup02,Võ Văn C,delegate,123456,,',       // row 4: fine
      'dup01,Đặng Văn D,delegate,123456,,',     // row 5: repeats row 2
      'Bad Name,Hồ E,delegate,12,,']);          // row 6: two bad cells
    const plan = assertOk(await post('users', file, { dry: true }), 200);
    assert.equal(plan.valid, false);
    const errs = plan.errors.map((e) => `${e.row}:${e.column}`);
    assert.deepEqual(errs, ['3:username', '5:username', '6:username', '6:password']);
    assert.match(plan.errors[0].reason, /already exists/);
    assert.match(plan.errors[1].reason, /row 2/);
    assert.equal(plan.rows.find((r) => r.row === 2).errors.length, 0);
    const res = await post('users', file);
    assertWireError(res, 1001, undefined, 'commit with errors');
    assert.equal(res.json.error.error_count, 4);
    assert.deepEqual(res.json.error.errors.map((e) => `${e.row}:${e.column}`), errs);
    assert.deepEqual(await usernames(), before, 'not even the clean rows were written');
  });

  test('an empty file, a BOM alone, a header alone: clear errors', async () => {
    const empty = await post('users', Buffer.alloc(0), { dry: true });
    assertWireError(empty, 1001, undefined, 'empty');
    assert.match(empty.json.error.reason, /empty/);
    const bom = await post('users', BOM + '\r\n', { dry: true });
    assertWireError(bom, 1001, undefined, 'BOM only');
    assert.match(bom.json.error.reason, /empty/);
    const header = await post('users', csv([HEADER]), { dry: true });
    assertWireError(header, 1001, undefined, 'header only');
    assert.match(header.json.error.reason, /no rows/);
  });

  test('a 100 MB file is refused with 413 before it is read; the daemon stays up and small', async () => {
    const hwm = () => Number(/VmHWM:\s+(\d+)/.exec(fs.readFileSync(`/proc/${srv.proc.pid}/status`, 'utf8'))[1]);
    const before = hwm();
    const head = `POST /api/v1/import/users HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${admin}\r\n` +
      `Content-Type: text/csv\r\nContent-Length: ${100 * 1024 * 1024}\r\n\r\n`;
    const res = await rawExchange(srv.port, Buffer.concat([Buffer.from(head), Buffer.alloc(256 * 1024, 0x41)]), { timeoutMs: 5000 });
    assert.equal(res.status, 413, `raw answer: ${res.text.slice(0, 300)} (${res.error})`);
    assert.match(res.text, /"code":1003/);
    // The same through fetch, sending all 100 MB: the answer is 413 or, if
    // the server closed while the client still pushed, a reset - never a 2xx.
    const big = Buffer.alloc(100 * 1024 * 1024, 0x41);
    let outcome;
    try { outcome = (await post('users', big, { dry: true })).status; } catch (e) { outcome = (e.cause && e.cause.code) || e.name; }
    assert.ok(outcome === 413 || ['EPIPE', 'ECONNRESET', 'UND_ERR_SOCKET'].includes(outcome), `fetch outcome ${outcome}`);
    await assertAlive(srv, 'a 100 MB import');
    const grew = hwm() - before;
    assert.ok(grew < 20 * 1024, `peak RSS grew by ${grew} KiB`);
    // Just over the configured limit (1 MiB here): read, dropped, 413.
    assertWireError(await post('users', Buffer.alloc(1024 * 1024 + 10, 0x41), { dry: true }), 1003, undefined, 'over the limit');
  });

  test('sites: parents may come later in the file; wrong levels and unknown parents named; then committed', async () => {
    const before = await siteCodes();
    const bad = csv(['code,name,level,parent_code,transport,address,media_from',
      'X01,Xã Tân Hòa,commune,HX1,,,10.12.3.0/24',
      'HX1,Huyện Xanh,district,TX,rtp,,',
      'TX,Tỉnh Xanh,province,,,,',
      'X02,Xã Lạc,commune,TX,,,',
      'X03,Xã Mới,commune,NOPE,,,10.12.3.7/24']);
    const plan = assertOk(await post('sites', bad, { dry: true }), 200);
    assert.deepEqual(plan.errors.map((e) => `${e.row}:${e.column}`), ['5:parent_code', '6:media_from', '6:parent_code']);
    assert.match(plan.errors[0].reason, /must be a district/);
    assert.match(plan.errors[1].reason, /host bits under its \/24: the subnet is 10\.12\.3\.0\/24/);
    assert.match(plan.errors[2].reason, /no site 'NOPE'/);
    assertWireError(await post('sites', bad), 1001, undefined, 'sites with errors');
    assert.deepEqual(await siteCodes(), before);
    const good = csv(['code,name,level,parent_code,media_from', 'X01,Xã Tân Hòa,commune,HX1,10.12.3.0/24', 'HX1,Huyện Xanh,district,TX,',
      'TX,Tỉnh Xanh,province,,']);
    assert.equal(assertOk(await post('sites', good), 201).imported, 3);
    const sites = assertOk(await request(base, admin, 'GET', '/api/v1/sites')).sites;
    const byCode = Object.fromEntries(sites.map((s) => [s.code, s]));
    assert.equal(byCode.X01.parent_id, byCode.HX1.id);
    assert.equal(byCode.HX1.parent_id, byCode.TX.id);
    assert.equal(byCode.X01.name, 'Xã Tân Hòa');
    assert.deepEqual([byCode.X01.media_from, byCode.HX1.media_from], ['10.12.3.0/24', '']);
  });

  test('delegates: role defaults to delegate, home site by code; only the admin may import users', async () => {
    const file = csv(['username,full_name,password,site_code', 'dlg01,Bùi Thị Hạnh,123456,HX1']);
    const secretary = (await createUser(base, admin, 'thuky.imp', 'secretariat')).token;
    assertWireError(await post('delegates', file, { token: secretary }), 1101, undefined, 'secretariat');
    assert.equal(assertOk(await post('delegates', file), 201).imported, 1);
    const u = assertOk(await request(base, admin, 'GET', '/api/v1/users')).users.find((x) => x.username === 'dlg01');
    assert.equal(u.role, 'delegate');
    const hx1 = assertOk(await request(base, admin, 'GET', '/api/v1/sites')).sites.find((s) => s.code === 'HX1');
    assert.equal(u.site_id, hx1.id);
    const wrong = await post('delegates', csv(['username,full_name,password,role,site_code', 'dlg02,A,123456,admin,ZZZ']), { dry: true });
    assert.deepEqual(assertOk(wrong).errors.map((e) => e.column), ['role', 'site_code']);
  });

  const orgs = async () => assertOk(await request(base, admin, 'GET', '/api/v1/organisations')).organisations;

  test('organisations: a parent after its child; a bad kind and an unknown parent named per row, nothing imported', async () => {
    const before = (await orgs()).map((o) => o.code).sort();
    const bad = csv(['code,name,kind,parent_code',
      'PHONG-A,Phòng Kế hoạch Sở A,board,SO-A',
      'SO-A,Sở A,department,UB',
      'UB,Ủy ban nhân dân tỉnh,committee,',
      'SO-X,Sở X,ministry,',
      'SO-Y,Sở Y,department,NOPE']);
    const plan = assertOk(await post('organisations', bad, { dry: true }), 200);
    assert.deepEqual(plan.errors.map((e) => `${e.row}:${e.column}`), ['5:kind', '6:parent_code']);
    assert.match(plan.errors[1].reason, /no organisation 'NOPE'/);
    const refused = await post('organisations', bad);
    assertWireError(refused, 1001, undefined, 'organisations with errors');
    assert.equal(JSON.parse(refused.text).error.error_count, 2);
    assert.deepEqual((await orgs()).map((o) => o.code).sort(), before, 'nothing imported');
    const good = csv(['code,name,kind,parent_code',
      'PHONG-A,Phòng Kế hoạch Sở A,board,SO-A',
      'SO-A,Sở A,department,UB',
      'SO-B,Sở B,department,UB',
      'UB,Ủy ban nhân dân tỉnh,committee,']);
    assert.equal(assertOk(await post('organisations', good), 201).imported, 4);
    const byCode = Object.fromEntries((await orgs()).map((o) => [o.code, o]));
    assert.equal(byCode.UB.parent_id, 1, 'empty parent_code = the province');
    assert.equal(byCode['SO-A'].parent_id, byCode.UB.id);
    assert.equal(byCode['PHONG-A'].parent_id, byCode['SO-A'].id, 'the child written after its parent');
    assert.equal(byCode['PHONG-A'].kind, 'board');
    const secretary = (await createUser(base, admin, 'thuky.org', 'secretariat')).token;
    assertWireError(await post('organisations', good, { token: secretary }), 1101, undefined, 'secretariat');
  });

  test('users land in the organisation they name; a department secretariat cannot put a site in another department', async () => {
    const byCode = Object.fromEntries((await orgs()).map((o) => [o.code, o]));
    const bad = await post('users', csv(['username,full_name,role,password,organisation,include_children',
      'tk.soz,Thư ký Z,secretariat,matkhau1,SO-Z,ba']), { dry: true });
    assert.deepEqual(assertOk(bad).errors.map((e) => e.column).sort(), ['include_children', 'organisation']);
    const file = csv(['username,full_name,role,password,organisation,include_children',
      'tk.soa,Lê Thị Sở A,secretariat,matkhau1,SO-A,0',
      'ld.ub,Phạm Văn Ủy,secretariat,matkhau2,UB,có',
      'db.soa,Hà Văn Đại,delegate,matkhau3,SO-A,']);
    assert.equal(assertOk(await post('users', file), 201).imported, 3);
    const users = Object.fromEntries(assertOk(await request(base, admin, 'GET', '/api/v1/users')).users.map((u) => [u.username, u]));
    assert.equal(users['tk.soa'].organisation_id, byCode['SO-A'].id);
    assert.equal(users['db.soa'].organisation_id, byCode['SO-A'].id);
    assert.equal(users['ld.ub'].organisation_id, byCode.UB.id);
    assert.ok(users['ld.ub'].include_children, 'có = include_children');
    assert.ok(!users['tk.soa'].include_children);

    const tk = await login(base, 'tk.soa', 'matkhau1');
    const header = 'code,name,level,parent_code,organisation';
    const other = csv([header, 'SB1,Điểm cầu Sở B,department,TX,SO-B']);
    const preview = assertOk(await post('sites', other, { dry: true, token: tk }));
    assert.deepEqual(preview.errors.map((e) => `${e.row}:${e.column}`), ['2:organisation']);
    assert.match(preview.errors[0].reason, /not an organisation you act for/);
    assertWireError(await post('sites', other, { token: tk }), 1001, undefined, 'a site in another department');
    assert.ok(!(await siteCodes()).includes('SB1'), 'nothing imported');
    const own = csv([header, 'SA1,Điểm cầu Sở A,department,TX,SO-A', 'SA2,Phòng họp 2 Sở A,department,TX,']);
    assert.equal(assertOk(await post('sites', own, { token: tk }), 201).imported, 2);
    const sites = Object.fromEntries(assertOk(await request(base, admin, 'GET', '/api/v1/sites')).sites.map((x) => [x.code, x]));
    assert.equal(sites.SA1.organisation_id, byCode['SO-A'].id);
    assert.equal(sites.SA2.organisation_id, byCode['SO-A'].id, 'no organisation column: the importer\'s own');
    // The admin may put a site anywhere.
    assert.equal(assertOk(await post('sites', other), 201).imported, 1);
  });

  test('rooms: a clean file imports, a dry run writes nothing, a bad row imports nothing; a department secretariat keeps to its own', async () => {
    const department = async (code, name) => assertOk(await request(base, admin, 'POST', '/api/v1/organisations',
      { code, name, kind: 'department', parent_id: 1 }), 201, `create ${code}`);
    const soP = await department('SO-P', 'Sở P'), soQ = await department('SO-Q', 'Sở Q');
    const rooms = async () => assertOk(await request(base, admin, 'GET', '/api/v1/rooms')).rooms;
    const header = 'organisation,name,site_code';
    const before = await rooms();
    const good = csv([header, 'SO-P,Phòng họp Sở P,TX', 'SO-Q,"Phòng họp, Sở Q",', ',Phòng họp trực tuyến tỉnh,']);
    const plan = assertOk(await post('rooms', good, { dry: true }), 200, 'preview');
    assert.equal(plan.kind, 'rooms');
    assert.equal(plan.valid, true);
    assert.equal(plan.total, 3);
    assert.deepEqual(plan.columns, ['organisation', 'name', 'site_code']);
    assert.deepEqual(plan.rows[0].values, { organisation: 'SO-P', name: 'Phòng họp Sở P', site_code: 'TX' });
    assert.deepEqual(await rooms(), before, 'a dry run writes nothing');
    const res = assertOk(await post('rooms', good), 201, 'commit');
    assert.deepEqual([res.kind, res.imported], ['rooms', 3]);
    const byName = Object.fromEntries((await rooms()).map((r) => [r.name, r]));
    assert.equal(byName['Phòng họp Sở P'].organisation_id, soP.id);
    assert.equal(byName['Phòng họp Sở P'].site_code, 'TX');
    assert.equal(byName['Phòng họp, Sở Q'].organisation_id, soQ.id);
    assert.equal(byName['Phòng họp, Sở Q'].site_id, null);
    assert.equal(byName['Phòng họp trực tuyến tỉnh'].organisation_id, 1, 'no organisation: the admin\'s own, the province');
    const audit = assertOk(await request(base, admin, 'GET', '/api/v1/audit?limit=20')).audit;
    assert.ok(audit.some((a) => a.action === 'import.commit' && a.target === 'rooms:3'), 'the import is audited');

    const after = await rooms();
    const bad = csv([header,
      'SO-P,Phòng họp 2 Sở P,',  // row 2: fine on its own
      'SO-P,Phòng họp Sở P,',    // row 3: SO-P has it already
      'NOPE,Phòng X,',           // row 4: no such organisation
      'SO-Q,Phòng họp 2 Sở Q,ZZZ', // row 5: no such site
      'SO-P,,',                  // row 6: no name
      'SO-Q,Phòng họp 2 Sở P,']); // row 7: fine: the name is SO-P's in the file, not SO-Q's
    const badPlan = assertOk(await post('rooms', bad, { dry: true }), 200);
    assert.deepEqual(badPlan.errors.map((e) => `${e.row}:${e.column}`), ['3:name', '4:organisation', '5:site_code', '6:name']);
    assert.match(badPlan.errors[0].reason, /already exists on the server/);
    assert.match(badPlan.errors[1].reason, /no organisation 'NOPE'/);
    assert.match(badPlan.errors[2].reason, /no site 'ZZZ'/);
    const refused = await post('rooms', bad);
    assertWireError(refused, 1001, undefined, 'rooms with errors');
    assert.equal(refused.json.error.error_count, 4);
    assert.deepEqual(refused.json.error.errors.map((e) => `${e.row}:${e.column}`), ['3:name', '4:organisation', '5:site_code', '6:name']);
    assert.deepEqual(await rooms(), after, 'not even the clean rows were written');

    const tk = (await createUser(base, admin, 'tk.sop', 'secretariat', { fields: { organisation_id: soP.id } })).token;
    const other = csv([header, 'SO-Q,Phòng họp 3 Sở Q,']);
    const preview = assertOk(await post('rooms', other, { dry: true, token: tk }));
    assert.deepEqual(preview.errors.map((e) => `${e.row}:${e.column}`), ['2:organisation']);
    assert.match(preview.errors[0].reason, /not an organisation you act for/);
    assertWireError(await post('rooms', other, { token: tk }), 1001, undefined, 'a room in another department');
    assert.deepEqual(await rooms(), after, 'nothing imported');
    assert.equal(assertOk(await post('rooms', csv(['name', 'Phòng họp 3 Sở P']), { token: tk }), 201).imported, 1);
    const mine = (await rooms()).find((r) => r.name === 'Phòng họp 3 Sở P');
    assert.equal(mine.organisation_id, soP.id, 'no organisation column: the importer\'s own');
  });

  test('600 delegates in one commit', async () => {
    const rows = [HEADER];
    for (let i = 1; i <= 600; i++) rows.push(`bulk${String(i).padStart(3, '0')},Đại biểu số ${i},delegate,pw-${i % 7}-secret,,Tổ ${i % 27}`);
    const t0 = Date.now();
    const preview = assertOk(await post('users', csv(rows), { dry: true }));
    const previewMs = Date.now() - t0;
    assert.equal(preview.valid, true);
    const t1 = Date.now();
    const res = assertOk(await post('users', csv(rows)), 201);
    const commitMs = Date.now() - t1;
    assert.equal(res.imported, 600);
    console.log(`# import of 600 rows: preview ${previewMs} ms, commit ${commitMs} ms (pwhash_cost=min, 7 distinct passwords)`);
    assert.equal((await usernames()).filter((u) => u.startsWith('bulk')).length, 600);
    await login(base, 'bulk600', 'pw-5-secret');
  });
});
