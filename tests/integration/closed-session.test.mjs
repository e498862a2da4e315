// A closed session (phiên họp kín): the flag itself. It is set by the
// secretariat when the session is made or later, stored and shown in the
// session; it may be set while the session is live, and cleared only before
// it goes live.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  ADMIN_PASSWORD, assertAlive, assertOk, assertWireError, login, request, sessionBody, startLocalServer, stopClean,
} from '../lib/integration.mjs';

describe('closed session: the flag', () => {
  let srv, admin;
  before(async () => {
    srv = await startLocalServer();
    admin = await login(srv.base, 'admin', ADMIN_PASSWORD);
  });
  after(async () => {
    if (srv) {
      await assertAlive(srv, 'the closed-session tests');
      await stopClean(srv, 'the closed-session tests');
    }
  });

  test('made closed or not, changed before the start, kept closed once live', async () => {
    const open = assertOk(await request(srv.base, admin, 'POST', '/api/v1/sessions', sessionBody()), 201);
    assert.equal(open.closed, false, 'a session is open unless made closed');
    const made = assertOk(await request(srv.base, admin, 'POST', '/api/v1/sessions', sessionBody({ closed: true })), 201);
    assert.equal(made.closed, true);
    assertWireError(await request(srv.base, admin, 'PATCH', `/api/v1/sessions/${open.id}`, { closed: 'yes' }),
      1001, 'closed', 'closed must be a boolean');

    const id = open.id;
    assert.equal(assertOk(await request(srv.base, admin, 'PATCH', `/api/v1/sessions/${id}`, { closed: true })).closed, true);
    assert.equal(assertOk(await request(srv.base, admin, 'PATCH', `/api/v1/sessions/${id}`, { closed: false })).closed, false,
      'opened again before it goes live');
    assertOk(await request(srv.base, admin, 'POST', `/api/v1/sessions/${id}/start`));
    assert.equal(assertOk(await request(srv.base, admin, 'PATCH', `/api/v1/sessions/${id}`, { closed: true })).closed, true,
      'closed while live');
    assertWireError(await request(srv.base, admin, 'PATCH', `/api/v1/sessions/${id}`, { closed: false }), 1202, undefined,
      'a live closed session is not opened');
    assert.equal(assertOk(await request(srv.base, admin, 'GET', `/api/v1/sessions/${id}`)).closed, true);
    const { audit } = assertOk(await request(srv.base, admin, 'GET', '/api/v1/audit?limit=100'));
    const rows = audit.filter((r) => r.action === 'session.closed' && r.target === `session:${id}`).map((r) => r.detail);
    assert.deepEqual(rows.sort(), ['closed -> open', 'open -> closed', 'open -> closed'], 'each change audited, the refused one not');
  });
});
