// --demo seeds the fictional province (configs/demo): its units (council,
// committee, two departments, 27 districts) with their rooms, its sites,
// people and sessions — the council's, whose PDFs download intact, and one
// per department, seen by that department's secretariat alone; a second
// start does not seed again.

import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { REPO_ROOT } from '../lib/server.mjs';
import { assertAlive, assertOk, stopClean, login, request, sha256, startLocalServer, walkAgenda } from '../lib/integration.mjs';

const DEMO = {
  args: ['--demo'],
  config: { demo: { dir: path.join(REPO_ROOT, 'configs', 'demo'), pdf_dir: path.join(REPO_ROOT, 'build', 'demo') } },
};

describe('demo data', () => {
  let srv;
  let base;
  let admin;
  let dataDir;

  before(async () => {
    dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'roomctl-demo-'));
    srv = await startLocalServer({ ...DEMO, dataDir });
    base = srv.base;
    admin = await login(base, 'admin', 'admin123');
  });
  after(async () => {
    if (srv) await stopClean(srv, 'the demo tests');
    if (dataDir) await fs.rm(dataDir, { recursive: true, force: true });
  });

  test('602 sites: 1 province, 27 districts, 560 communes, 14 departments', async () => {
    const sites = assertOk(await request(base, admin, 'GET', '/api/v1/sites')).sites;
    assert.equal(sites.length, 602);
    const byLevel = {};
    for (const s of sites) byLevel[s.level] = (byLevel[s.level] || 0) + 1;
    assert.deepEqual(byLevel, { province: 1, district: 27, commune: 560, department: 14 });
    const ids = new Set(sites.map((s) => s.id));
    for (const s of sites) if (s.level !== 'province') assert.ok(ids.has(s.parent_id), `site ${s.code} has a parent`);
    const districts = assertOk(await request(base, admin, 'GET', '/api/v1/sites?level=district')).sites;
    assert.equal(districts.length, 27);
  });

  test('104 users, and the demo logins work with their roles', async () => {
    const users = assertOk(await request(base, admin, 'GET', '/api/v1/users')).users;
    assert.equal(users.length, 104);
    const delegates = assertOk(await request(base, admin, 'GET', '/api/v1/users?role=delegate')).users;
    assert.equal(delegates.length, 94);
    for (const [name, password, role] of [['thuky', 'thuky123', 'secretariat'], ['chutoa', 'chutoa123', 'chair'],
      ['kythuat', 'kythuat123', 'technician'], ['db01', '123456', 'delegate'], ['db90', '123456', 'delegate'],
      ['thuky.stnmt', 'thuky123', 'secretariat'], ['sgtvt01', '123456', 'chair']]) {
      const token = await login(base, name, password);
      const me = assertOk(await request(base, token, 'GET', '/api/v1/me'));
      assert.equal(me.role, role, name);
    }
    const db01 = users.find((u) => u.username === 'db01');
    assert.equal(db01.full_name, 'Lý Quốc Kiên');
  });

  test('session 1: agenda of 15 items (6 top level), 6 documents that download as PDFs', async () => {
    const s = assertOk(await request(base, admin, 'GET', '/api/v1/sessions/1'));
    assert.equal(s.title, 'Kỳ họp thứ Mười hai, Hội đồng nhân dân tỉnh khóa XVII');
    assert.equal(s.status, 'scheduled');
    assert.equal(s.agenda.length, 6);
    let items = 0;
    const docs = [];
    walkAgenda(s.agenda, (it) => { items++; docs.push(...it.documents); });
    assert.equal(items, 15);
    assert.equal(docs.length, 6);
    for (const d of docs) {
      const res = await request(base, admin, 'GET', d.url);
      assert.equal(res.status, 200, d.url);
      assert.equal(res.headers.get('content-type'), 'application/pdf');
      assert.equal(res.bytes.subarray(0, 5).toString('latin1'), '%PDF-', `${d.filename} starts with %PDF-`);
      assert.equal(res.bytes.length, d.size, d.filename);
      assert.equal(sha256(res.bytes), d.sha256, d.filename);
      assert.equal(res.headers.get('etag'), `"${d.sha256}"`);
      assert.ok(d.pages >= 2 && d.pages <= 7, `${d.filename}: ${d.pages} pages`);
    }
    assert.ok(s.delegates.length >= 90, `delegates assigned: ${s.delegates.length}`);
    assert.equal(s.sites.length, 602);
  });

  test('the units: the council, the committee, 2 departments and 27 districts; the council owns session 1 and invites the districts', async () => {
    const orgs = assertOk(await request(base, admin, 'GET', '/api/v1/organisations')).organisations;
    const byKind = {};
    for (const o of orgs) byKind[o.kind] = (byKind[o.kind] || 0) + 1;
    assert.deepEqual(byKind, { province: 1, council: 1, committee: 1, department: 2, district: 27 });
    const byCode = Object.fromEntries(orgs.map((o) => [o.code, o]));
    for (const code of ['HDND', 'UBND', 'STNMT', 'SGTVT', 'H01', 'H27']) assert.ok(byCode[code], code);
    const s = assertOk(await request(base, admin, 'GET', '/api/v1/sessions/1'));
    assert.equal(s.organisation_id, byCode.HDND.id);
    const invited = assertOk(await request(base, admin, 'GET', '/api/v1/sessions/1/organisations'));
    const invitedCodes = (invited.organisations || invited).map((o) => o.code);
    for (let i = 1; i <= 27; i++) assert.ok(invitedCodes.includes(`H${String(i).padStart(2, '0')}`), `invites H${i}`);
    const sites = assertOk(await request(base, admin, 'GET', '/api/v1/sites')).sites;
    const site = Object.fromEntries(sites.map((x) => [x.code, x]));
    assert.equal(site.H05.organisation_id, byCode.H05.id, 'a district owns its site');
    assert.equal(site['H05-X01'].organisation_id, byCode.H05.id, 'and its communes');
    assert.equal(site.TINH.organisation_id, byCode.HDND.id);
    const users = assertOk(await request(base, admin, 'GET', '/api/v1/users')).users;
    const kythuat = users.find((u) => u.username === 'kythuat');
    assert.equal(kythuat.organisation_id, 1);
    assert.ok(kythuat.include_children, 'the province technician acts on every unit');
    const tech = await login(base, 'kythuat', 'kythuat123');
    assert.equal(assertOk(await request(base, tech, 'GET', '/api/v1/sites')).sites.length, 602);
    assert.equal(assertOk(await request(base, tech, 'GET', '/api/v1/sessions')).sessions.length, 3);
  });

  test('each department has a room and a session; its secretariat sees only its own', async () => {
    const orgs = assertOk(await request(base, admin, 'GET', '/api/v1/organisations')).organisations;
    const byCode = Object.fromEntries(orgs.map((o) => [o.code, o]));
    const rooms = assertOk(await request(base, admin, 'GET', '/api/v1/rooms')).rooms;
    const sessions = assertOk(await request(base, admin, 'GET', '/api/v1/sessions')).sessions;
    assert.equal(sessions.length, 3);
    for (const [code, secretary] of [['STNMT', 'thuky.stnmt'], ['SGTVT', 'thuky.sgtvt']]) {
      const org = byCode[code];
      const room = rooms.find((r) => r.organisation_id === org.id);
      assert.ok(room, `${code} has a room`);
      assert.equal(room.site_code, code === 'STNMT' ? 'S-TNMT' : 'S-GTVT');
      const own = sessions.filter((x) => x.organisation_id === org.id);
      assert.equal(own.length, 1, `${code} has a session`);
      const s = assertOk(await request(base, admin, 'GET', `/api/v1/sessions/${own[0].id}`));
      assert.equal(s.room_id, room.id);
      assert.ok(s.agenda.length >= 2, `${code}: agenda`);
      assert.equal(s.delegates.length, 3, `${code}: its chair and two delegates`);
      assert.deepEqual(s.sites.map((x) => x.code), [room.site_code]);
      const token = await login(base, secretary, 'thuky123');
      const seen = assertOk(await request(base, token, 'GET', '/api/v1/sessions')).sessions;
      assert.deepEqual(seen.map((x) => x.id), [own[0].id], `${secretary} sees only its department's session`);
      assert.equal((await request(base, token, 'GET', '/api/v1/sessions/1')).status, 404);
    }
    assert.ok(rooms.find((r) => r.organisation_id === byCode.UBND.id), 'the committee has a room');
    const hall = rooms.find((r) => r.organisation_id === byCode.HDND.id);
    assert.equal(hall.name, 'Hội trường HĐND tỉnh');
    assert.equal(hall.site_code, 'TINH');
  });

  test('a demo delegate sees session 1 and reads its documents', async () => {
    const token = await login(base, 'db01', '123456');
    const list = assertOk(await request(base, token, 'GET', '/api/v1/sessions')).sessions;
    assert.deepEqual(list.map((x) => x.id), [1]);
    const s = assertOk(await request(base, token, 'GET', '/api/v1/sessions/1'));
    const docs = [];
    walkAgenda(s.agenda, (it) => docs.push(...it.documents));
    const res = await request(base, token, 'GET', docs[0].url);
    assert.equal(res.status, 200);
    assert.equal(res.bytes.subarray(0, 5).toString('latin1'), '%PDF-');
  });

  test('a second start with --demo on the same data does not seed again', async () => {
    await srv.stop();
    srv = await startLocalServer({ ...DEMO, dataDir });
    base = srv.base;
    admin = await login(base, 'admin', 'admin123');
    assert.equal(assertOk(await request(base, admin, 'GET', '/api/v1/users')).users.length, 104);
    assert.equal(assertOk(await request(base, admin, 'GET', '/api/v1/sites')).sites.length, 602);
    assert.equal(assertOk(await request(base, admin, 'GET', '/api/v1/sessions')).sessions.length, 3);
    assert.equal(assertOk(await request(base, admin, 'GET', '/api/v1/organisations')).organisations.length, 32);
    await assertAlive(srv, 'the demo restart');
  });
});

// The demo session's 08:00 is on the province's clock ([meeting] timezone),
// whatever zone that is: the demo has no clock of its own.
describe('demo data: the session on the province clock', () => {
  for (const [zone, startUtcHour] of [['Asia/Ho_Chi_Minh', 1], ['Asia/Tokyo', 23]]) {
    test(`[meeting] timezone=${zone}: the session runs 08:00-12:00 there (${String(startUtcHour).padStart(2, '0')}:00Z)`, async () => {
      const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'roomctl-demo-tz-'));
      const srv = await startLocalServer({ ...DEMO, dataDir, config: { ...DEMO.config, meeting: { timezone: zone } } });
      try {
        const admin = await login(srv.base, 'admin', 'admin123');
        const s = assertOk(await request(srv.base, admin, 'GET', '/api/v1/sessions/1'));
        const fmt = new Intl.DateTimeFormat('en-GB', { timeZone: zone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
        assert.equal(fmt.format(new Date(s.starts_at)), '08:00', `starts_at ${s.starts_at} in ${zone}`);
        assert.equal(fmt.format(new Date(s.ends_at)), '12:00', `ends_at ${s.ends_at} in ${zone}`);
        assert.equal(new Date(s.starts_at).getUTCHours(), startUtcHour, s.starts_at);
        // two days from today on that clock
        const day = (d) => new Intl.DateTimeFormat('en-CA', { timeZone: zone }).format(d);
        assert.equal(day(new Date(s.starts_at)), day(new Date(Date.now() + 2 * 86400_000)), 'starts_in_days=2');
      } finally {
        await stopClean(srv, `the demo in ${zone}`);
        await fs.rm(dataDir, { recursive: true, force: true });
      }
    });
  }
});
