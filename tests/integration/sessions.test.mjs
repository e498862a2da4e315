// Sessions over REST: create/list/get/patch/delete, the scheduled -> live ->
// ended life, body validation, and the agenda tree (nesting, moves,
// deletes, contiguous positions).

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  ADMIN_PASSWORD, assertAlive, stopClean, assertContiguous, assertOk, assertWireError, createItem, createSession,
  itemBody, login, request, sessionBody, siteBody, startLocalServer, walkAgenda,
} from '../lib/integration.mjs';

describe('sessions', () => {
  let srv;
  let base;
  let admin;

  before(async () => {
    srv = await startLocalServer();
    base = srv.base;
    admin = await login(base, 'admin', ADMIN_PASSWORD);
  });
  after(async () => {
    if (srv) {
      await assertAlive(srv, 'the session tests');
      await stopClean(srv, 'the session tests');
    }
  });

  const get = async (id) => assertOk(await request(base, admin, 'GET', `/api/v1/sessions/${id}`), 200, `GET session ${id}`);

  test('create: 201, times in +07:00 normalized to Z, defaults filled', async () => {
    const res = await request(base, admin, 'POST', '/api/v1/sessions', sessionBody({
      title: 'Kỳ họp thứ 12 HĐND tỉnh',
      description: 'Dòng 1\nDòng 2',
      starts_at: '2026-11-25T08:00:00+07:00',
      ends_at: '2026-11-25T17:30:00+07:00',
    }));
    const s = assertOk(res, 201);
    assert.ok(Number.isInteger(s.id) && s.id > 0);
    assert.equal(s.title, 'Kỳ họp thứ 12 HĐND tỉnh');
    assert.equal(s.description, 'Dòng 1\nDòng 2');
    assert.equal(s.room, 'Hội trường A');
    assert.equal(s.starts_at, '2026-11-25T01:00:00Z');
    assert.equal(s.ends_at, '2026-11-25T10:30:00Z');
    assert.equal(s.status, 'scheduled');
    assert.match(s.created_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    assert.match(s.updated_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    const again = await get(s.id);
    assert.equal(again.starts_at, '2026-11-25T01:00:00Z');
    assert.deepEqual(again.agenda, []);
    assert.deepEqual(again.delegates, []);
    assert.deepEqual(again.sites, []);
  });

  test('list, filter by status, get, patch, delete', async () => {
    const a = await createSession(base, admin, { title: 'Phiên A' });
    const b = await createSession(base, admin, { title: 'Phiên B' });
    const list = assertOk(await request(base, admin, 'GET', '/api/v1/sessions')).sessions;
    const ids = list.map((s) => s.id);
    assert.ok(ids.includes(a.id) && ids.includes(b.id));
    const listed = list.find((s) => s.id === a.id);
    assert.equal(listed.title, 'Phiên A');
    assert.equal(listed.agenda, undefined, 'the list carries sessions, not details');

    assertOk(await request(base, admin, 'POST', `/api/v1/sessions/${b.id}/start`));
    const live = assertOk(await request(base, admin, 'GET', '/api/v1/sessions?status=live')).sessions;
    assert.ok(live.some((s) => s.id === b.id));
    assert.ok(live.every((s) => s.status === 'live'));
    const scheduled = assertOk(await request(base, admin, 'GET', '/api/v1/sessions?status=scheduled')).sessions;
    assert.ok(scheduled.some((s) => s.id === a.id));
    assert.ok(!scheduled.some((s) => s.id === b.id));
    assertWireError(await request(base, admin, 'GET', '/api/v1/sessions?status=paused'), 1001, 'status');

    const patched = assertOk(await request(base, admin, 'PATCH', `/api/v1/sessions/${a.id}`, {
      title: 'Phiên A (sửa)', room: 'Phòng họp số 2', ends_at: '2026-11-25T12:00:00+07:00',
    }));
    assert.equal(patched.title, 'Phiên A (sửa)');
    assert.equal(patched.room, 'Phòng họp số 2');
    assert.equal(patched.ends_at, '2026-11-25T05:00:00Z');
    assert.equal(patched.starts_at, a.starts_at, 'fields not sent are unchanged');
    const got = await get(a.id);
    assert.equal(got.title, 'Phiên A (sửa)');

    const del = await request(base, admin, 'DELETE', `/api/v1/sessions/${a.id}`);
    assert.equal(del.status, 204);
    assertWireError(await request(base, admin, 'GET', `/api/v1/sessions/${a.id}`), 1200);
    assertWireError(await request(base, admin, 'PATCH', `/api/v1/sessions/${a.id}`, { title: 'x' }), 1200);
    assertWireError(await request(base, admin, 'DELETE', `/api/v1/sessions/${a.id}`), 1200);
    assertWireError(await request(base, admin, 'POST', `/api/v1/sessions/${a.id}/start`), 1200);
    assertWireError(await request(base, admin, 'GET', '/api/v1/sessions/999999'), 1200);
  });

  test('life: scheduled -> live -> ended, and what each state refuses', async () => {
    const s = await createSession(base, admin, { title: 'Phiên vòng đời' });
    const item = await createItem(base, admin, s.id, { title: 'Mục một' });

    const live = assertOk(await request(base, admin, 'POST', `/api/v1/sessions/${s.id}/start`));
    assert.equal(live.status, 'live');
    assertWireError(await request(base, admin, 'POST', `/api/v1/sessions/${s.id}/start`), 1202, undefined, 'start twice');
    assertWireError(await request(base, admin, 'DELETE', `/api/v1/sessions/${s.id}`), 1202, undefined, 'delete live');
    assert.equal((await get(s.id)).status, 'live', 'still there after the refused delete');
    // A live session can still be edited.
    assertOk(await request(base, admin, 'PATCH', `/api/v1/sessions/${s.id}`, { description: 'Đang họp' }));

    const ended = assertOk(await request(base, admin, 'POST', `/api/v1/sessions/${s.id}/end`));
    assert.equal(ended.status, 'ended');
    assertWireError(await request(base, admin, 'POST', `/api/v1/sessions/${s.id}/end`), 1202, undefined, 'end twice');
    assertWireError(await request(base, admin, 'POST', `/api/v1/sessions/${s.id}/start`), 1202, undefined, 'restart ended');

    const before = await get(s.id);
    assertWireError(await request(base, admin, 'PATCH', `/api/v1/sessions/${s.id}`, { title: 'Sửa sau khi kết thúc' }), 1202);
    assertWireError(await request(base, admin, 'POST', `/api/v1/sessions/${s.id}/agenda`, itemBody({ title: 'Mục mới' })), 1202);
    assertWireError(await request(base, admin, 'PATCH', `/api/v1/agenda/${item.id}`, { title: 'Sửa mục' }), 1202);
    assertWireError(await request(base, admin, 'POST', `/api/v1/agenda/${item.id}/move`, { parent_id: null, position: 0 }), 1202);
    assertWireError(await request(base, admin, 'DELETE', `/api/v1/agenda/${item.id}`), 1202);
    assertWireError(await request(base, admin, 'PUT', `/api/v1/sessions/${s.id}/delegates`, { user_ids: [] }), 1202);
    assert.deepEqual(await get(s.id), before, 'an ended session did not change');

    // A scheduled session cannot be ended.
    const t = await createSession(base, admin, { title: 'Chưa bắt đầu' });
    assertWireError(await request(base, admin, 'POST', `/api/v1/sessions/${t.id}/end`), 1202);
    // Ended sessions may be deleted.
    assert.equal((await request(base, admin, 'DELETE', `/api/v1/sessions/${s.id}`)).status, 204);
  });

  test('times: ends_at not after starts_at -> 1001 ends_at, on create and on patch', async () => {
    assertWireError(await request(base, admin, 'POST', '/api/v1/sessions', sessionBody({
      starts_at: '2026-11-25T10:00:00+07:00', ends_at: '2026-11-25T09:00:00+07:00',
    })), 1001, 'ends_at');
    // Equal after normalization (different zones, same instant).
    assertWireError(await request(base, admin, 'POST', '/api/v1/sessions', sessionBody({
      starts_at: '2026-11-25T08:00:00+07:00', ends_at: '2026-11-25T01:00:00Z',
    })), 1001, 'ends_at');
    const s = await createSession(base, admin, { title: 'Phiên giờ giấc' });
    assertWireError(await request(base, admin, 'PATCH', `/api/v1/sessions/${s.id}`, { ends_at: '2026-11-24T08:00:00Z' }), 1001, 'ends_at');
    assertWireError(await request(base, admin, 'PATCH', `/api/v1/sessions/${s.id}`, { starts_at: '2026-11-26T08:00:00Z' }), 1001, 'ends_at');
    const got = await get(s.id);
    assert.equal(got.starts_at, s.starts_at);
    assert.equal(got.ends_at, s.ends_at);
    assert.equal(got.updated_at, s.updated_at);
  });

  test('body validation: missing, unknown, too long, wrong type, bad time, bad JSON', async () => {
    const count = async () => assertOk(await request(base, admin, 'GET', '/api/v1/sessions')).sessions.length;
    const n = await count();
    const post = (body) => request(base, admin, 'POST', '/api/v1/sessions', body);
    const { title: _t, ...noTitle } = sessionBody();
    assertWireError(await post(noTitle), 1001, 'title');
    const { starts_at: _s, ...noStart } = sessionBody();
    assertWireError(await post(noStart), 1001, 'starts_at');
    assertWireError(await post(sessionBody({ location: 'x' })), 1001, 'location');
    assertWireError(await post(sessionBody({ title: 'ư'.repeat(201) })), 1001, 'title');
    assertWireError(await post(sessionBody({ title: '' })), 1001, 'title');
    assertWireError(await post(sessionBody({ room: 'p'.repeat(101) })), 1001, 'room');
    assertWireError(await post(sessionBody({ description: 'd'.repeat(2001) })), 1001, 'description');
    assertWireError(await post(sessionBody({ title: 42 })), 1001, 'title');
    // JSON allows \u0000; the server may refuse it as bad JSON or as a bad field.
    const nul = await post(sessionBody({ title: 'a\u0000b' }));
    assert.equal(nul.status, 400, nul.text);
    assert.ok([1000, 1001].includes(nul.json.error.code), nul.text);
    assertWireError(await post(sessionBody({ title: 'hai\ndòng' })), 1001, 'title');
    assertWireError(await post(sessionBody({ starts_at: '25/11/2026 08:00' })), 1001, 'starts_at');
    assertWireError(await post(sessionBody({ starts_at: '2026-11-25T08:00:00' })), 1001, 'starts_at');
    assertWireError(await post(sessionBody({ starts_at: 1764043200 })), 1001, 'starts_at');
    assertWireError(await post([sessionBody()]), 1001);
    assertWireError(await request(base, admin, 'POST', '/api/v1/sessions', '{"title":"x",}', { contentType: 'application/json' }), 1000);
    assertWireError(await request(base, admin, 'POST', '/api/v1/sessions', '', { contentType: 'application/json' }), 1000);
    assertWireError(await request(base, admin, 'POST', '/api/v1/sessions',
      '{"title":"a","title":"b","starts_at":"2026-11-25T08:00:00Z","ends_at":"2026-11-25T09:00:00Z"}',
      { contentType: 'application/json' }), 1000);
    // 200 characters of Vietnamese is within the limit (characters, not bytes).
    const ok = await createSession(base, admin, { title: 'Ữ'.repeat(200), room: 'ạ'.repeat(100) });
    assert.equal(ok.title, 'Ữ'.repeat(200));
    assert.equal(await count(), n + 1, 'only the valid session was stored');
  });

  test('a JSON body over 64 KiB -> 1003, nothing stored', async () => {
    const before = assertOk(await request(base, admin, 'GET', '/api/v1/sessions')).sessions.length;
    const res = await request(base, admin, 'POST', '/api/v1/sessions', sessionBody({ description: 'x'.repeat(70 * 1024) }));
    assertWireError(res, 1003);
    const afterList = assertOk(await request(base, admin, 'GET', '/api/v1/sessions')).sessions.length;
    assert.equal(afterList, before);
  });

  describe('agenda tree', () => {
    let s;
    const tree = async () => assertOk(await request(base, admin, 'GET', `/api/v1/sessions/${s.id}/agenda`)).agenda;
    const titles = (items) => items.map((i) => i.title);

    before(async () => {
      s = await createSession(base, admin, { title: 'Phiên có chương trình' });
    });

    test('items are added at the end, or at a position; positions stay contiguous', async () => {
      const a = await createItem(base, admin, s.id, { title: 'A', presenter: 'Chủ tọa', planned_minutes: 15 });
      assert.equal(a.session_id, s.id);
      assert.equal(a.parent_id, null);
      assert.equal(a.position, 0);
      assert.equal(a.presenter, 'Chủ tọa');
      assert.equal(a.planned_minutes, 15);
      const b = await createItem(base, admin, s.id, { title: 'B' });
      assert.equal(b.position, 1);
      await createItem(base, admin, s.id, { title: 'C' });
      await createItem(base, admin, s.id, { title: 'Z', position: 0 });
      await createItem(base, admin, s.id, { title: 'Y', position: 9999 });
      const t = await tree();
      assert.deepEqual(titles(t), ['Z', 'A', 'B', 'C', 'Y']);
      assertContiguous(t);
      // The session detail carries the same tree.
      assert.deepEqual((await get(s.id)).agenda, t);
    });

    test('nested items (parent_id) appear as children in order', async () => {
      const t = await tree();
      const a = t.find((i) => i.title === 'A');
      const a1 = await createItem(base, admin, s.id, { title: 'A1', parent_id: a.id });
      assert.equal(a1.parent_id, a.id);
      assert.equal(a1.position, 0);
      await createItem(base, admin, s.id, { title: 'A2', parent_id: a.id });
      const a0 = await createItem(base, admin, s.id, { title: 'A0', parent_id: a.id, position: 0 });
      const a01 = await createItem(base, admin, s.id, { title: 'A0.1', parent_id: a0.id });
      const t2 = await tree();
      const a2 = t2.find((i) => i.title === 'A');
      assert.deepEqual(titles(a2.children), ['A0', 'A1', 'A2']);
      assert.deepEqual(titles(a2.children[0].children), ['A0.1']);
      assert.equal(a2.children[0].children[0].id, a01.id);
      assert.deepEqual(titles(t2), ['Z', 'A', 'B', 'C', 'Y'], 'roots unchanged');
      assertContiguous(t2);
      for (const item of t2) assert.ok(Array.isArray(item.documents) && Array.isArray(item.children));
    });

    test('a parent in another session, or unknown -> 1001 parent_id', async () => {
      const other = await createSession(base, admin, { title: 'Phiên khác' });
      const foreign = await createItem(base, admin, other.id, { title: 'Ngoại' });
      const before = await tree();
      assertWireError(await request(base, admin, 'POST', `/api/v1/sessions/${s.id}/agenda`, itemBody({ parent_id: foreign.id })), 1001, 'parent_id');
      assertWireError(await request(base, admin, 'POST', `/api/v1/sessions/${s.id}/agenda`, itemBody({ parent_id: 987654 })), 1001, 'parent_id');
      assertWireError(await request(base, admin, 'POST', `/api/v1/sessions/${s.id}/agenda`, itemBody({ planned_minutes: 601 })), 1001, 'planned_minutes');
      assertWireError(await request(base, admin, 'POST', `/api/v1/sessions/${s.id}/agenda`, itemBody({ presenter: 'p'.repeat(101) })), 1001, 'presenter');
      assertWireError(await request(base, admin, 'POST', `/api/v1/sessions/${s.id}/agenda`, itemBody({ position: -1 })), 1001, 'position');
      assertWireError(await request(base, admin, 'POST', '/api/v1/sessions/987654/agenda', itemBody()), 1200);
      assert.deepEqual(await tree(), before);
    });

    test('patch an item', async () => {
      const b = (await tree()).find((i) => i.title === 'B');
      const got = assertOk(await request(base, admin, 'PATCH', `/api/v1/agenda/${b.id}`, { title: 'B (sửa)', planned_minutes: 45 }));
      assert.equal(got.title, 'B (sửa)');
      assert.equal(got.planned_minutes, 45);
      assert.equal(got.position, b.position);
      assertWireError(await request(base, admin, 'PATCH', `/api/v1/agenda/${b.id}`, { parent_id: null }), 1001, 'parent_id');
      assertWireError(await request(base, admin, 'PATCH', '/api/v1/agenda/987654', { title: 'x' }), 1200);
      const back = assertOk(await request(base, admin, 'PATCH', `/api/v1/agenda/${b.id}`, { title: 'B' }));
      assert.equal(back.title, 'B');
    });

    test('move: reorder among siblings', async () => {
      const t = await tree();
      const c = t.find((i) => i.title === 'C');
      const res = assertOk(await request(base, admin, 'POST', `/api/v1/agenda/${c.id}/move`, { parent_id: null, position: 0 }));
      assert.deepEqual(titles(res.agenda), ['C', 'Z', 'A', 'B', 'Y']);
      assertContiguous(res.agenda);
      const z = res.agenda.find((i) => i.title === 'Z');
      const res2 = assertOk(await request(base, admin, 'POST', `/api/v1/agenda/${z.id}/move`, { parent_id: null, position: 4 }));
      assert.deepEqual(titles(res2.agenda), ['C', 'A', 'B', 'Y', 'Z']);
      assertContiguous(res2.agenda);
      assert.deepEqual(await tree(), res2.agenda);
    });

    test('move: re-parent, both sibling lists stay contiguous', async () => {
      let t = await tree();
      const a = t.find((i) => i.title === 'A');
      const b = t.find((i) => i.title === 'B');
      // B goes under A at position 1 (between A0 and A1).
      let res = assertOk(await request(base, admin, 'POST', `/api/v1/agenda/${b.id}/move`, { parent_id: a.id, position: 1 }));
      t = res.agenda;
      assert.deepEqual(titles(t), ['C', 'A', 'Y', 'Z']);
      const a2 = t.find((i) => i.title === 'A');
      assert.deepEqual(titles(a2.children), ['A0', 'B', 'A1', 'A2']);
      assert.equal(a2.children[1].parent_id, a.id);
      assertContiguous(t);
      // A1 goes back up to the root, at the end.
      const a1 = a2.children.find((i) => i.title === 'A1');
      res = assertOk(await request(base, admin, 'POST', `/api/v1/agenda/${a1.id}/move`, { parent_id: null, position: 100 }));
      t = res.agenda;
      assert.deepEqual(titles(t), ['C', 'A', 'Y', 'Z', 'A1']);
      assert.equal(t[4].parent_id, null);
      assert.deepEqual(titles(t[1].children), ['A0', 'B', 'A2']);
      assertContiguous(t);
    });

    test('move under itself or its own descendant -> 1001, tree unchanged', async () => {
      const before = await tree();
      const a = before.find((i) => i.title === 'A');
      const a0 = a.children.find((i) => i.title === 'A0');
      const a01 = a0.children[0];
      const move = (id, body) => request(base, admin, 'POST', `/api/v1/agenda/${id}/move`, body);
      assertWireError(await move(a.id, { parent_id: a.id, position: 0 }), 1001, 'parent_id');
      assertWireError(await move(a.id, { parent_id: a0.id, position: 0 }), 1001, 'parent_id');
      assertWireError(await move(a.id, { parent_id: a01.id, position: 0 }), 1001, 'parent_id');
      assertWireError(await move(a.id, { parent_id: 987654, position: 0 }), 1001, 'parent_id');
      assertWireError(await move(a.id, { position: 0 }), 1001, 'parent_id');
      assertWireError(await move(a.id, { parent_id: null }), 1001, 'position');
      assertWireError(await move(987654, { parent_id: null, position: 0 }), 1200);
      assert.deepEqual(await tree(), before);
    });

    test('delete removes the item with its children; siblings close the gap', async () => {
      const before = await tree();
      const a = before.find((i) => i.title === 'A');
      const descendants = [];
      walkAgenda(a.children, (it) => descendants.push(it.id));
      assert.equal(descendants.length, 4, 'A0, A0.1, B, A2');
      const res = await request(base, admin, 'DELETE', `/api/v1/agenda/${a.id}`);
      assert.equal(res.status, 204);
      const t = await tree();
      assert.deepEqual(titles(t), ['C', 'Y', 'Z', 'A1']);
      assertContiguous(t);
      const left = [];
      walkAgenda(t, (it) => left.push(it.id));
      for (const id of [a.id, ...descendants]) {
        assert.ok(!left.includes(id), `item ${id} is gone`);
        assertWireError(await request(base, admin, 'PATCH', `/api/v1/agenda/${id}`, { title: 'x' }), 1200, undefined, `patch deleted ${id}`);
      }
      assertWireError(await request(base, admin, 'DELETE', `/api/v1/agenda/${a.id}`), 1200);
    });
  });
});

// Optional fields may be left out (spec: room?, description?, presenter?,
// planned_minutes?, parent_id?, transport?, address?). Each case gets its own
// daemon, so a crash in one does not hide the others.
describe('optional fields may be omitted', () => {
  const servers = [];
  after(async () => { for (const s of servers) await s.stop(); });

  const fresh = async () => {
    const srv = await startLocalServer();
    servers.push(srv);
    return { srv, token: await login(srv.base, 'admin', ADMIN_PASSWORD) };
  };

  test('POST /sessions with only title, starts_at, ends_at', async () => {
    const { srv, token } = await fresh();
    const res = await request(srv.base, token, 'POST', '/api/v1/sessions', {
      title: 'Chỉ trường bắt buộc', starts_at: '2026-11-25T08:00:00Z', ends_at: '2026-11-25T09:00:00Z',
    }).catch((e) => ({ status: 0, text: String(e.cause || e), json: null }));
    await assertAlive(srv, 'POST /api/v1/sessions without room and description');
    const s = assertOk(res, 201);
    assert.equal(s.room, '');
    assert.equal(s.description, '');
  });

  test('POST /sessions/{id}/agenda with only a title', async () => {
    const { srv, token } = await fresh();
    const s = await createSession(srv.base, token);
    const res = await request(srv.base, token, 'POST', `/api/v1/sessions/${s.id}/agenda`, { title: 'Chỉ có tiêu đề' })
      .catch((e) => ({ status: 0, text: String(e.cause || e), json: null }));
    await assertAlive(srv, 'POST agenda item without presenter and planned_minutes');
    const item = assertOk(res, 201);
    assert.equal(item.presenter, '');
    assert.equal(item.planned_minutes, 0);
    assert.equal(item.parent_id, null);
  });

  test('POST /sites with only code, name, level', async () => {
    const { srv, token } = await fresh();
    const { code, name, level } = siteBody({ code: 'TINH', name: 'Hội trường UBND tỉnh', level: 'province' });
    const res = await request(srv.base, token, 'POST', '/api/v1/sites', { code, name, level })
      .catch((e) => ({ status: 0, text: String(e.cause || e), json: null }));
    await assertAlive(srv, 'POST /api/v1/sites without parent_id, transport, address');
    const site = assertOk(res, 201);
    assert.equal(site.transport, 'rtp');
    assert.equal(site.address, '');
    assert.equal(site.parent_id, null);
  });
});
