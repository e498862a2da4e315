// The role × action matrix: the "Access matrix" table of web/docs/api.md is
// the policy.
// This test reads it, checks it names exactly the REST routes and WebSocket
// message types the code has, then tries every cell (every route and message
// type, as every role and as nobody) against the real daemon.
//
// A cell is judged by the answer:
//   ✓    not 401/403 (1100/1101): the role passed; the request may still be
//        refused for what it carries (probes use unknown ids and empty bodies
//        so that nothing is changed).
//   —    401 (1100) without a login, 403 (1101) with one.
//   own  the delegate's own session/document/turn is served; another
//        session's answers 404 or 403.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  ADMIN_PASSWORD, assertAlive, assertOk, createItem, createSession, createUser, login, request, startLocalServer,
  stopClean,
} from '../lib/integration.mjs';
import { ROLES, readCodeActions as readCode, readPolicy } from '../lib/access-policy.mjs';
import { makePdf } from '../lib/pdf.mjs';
import { WsClient, wsCode } from '../lib/ws-client.mjs';

const NOBODY = 999999; // an id that exists nowhere

describe('access matrix', () => {
  const policy = readPolicy();
  let srv;
  const tokens = { anonymous: null };
  const people = {};
  const fx = {}; // fixture ids: own (the delegate's) and foreign

  before(async () => {
    srv = await startLocalServer({ config: { media: { enabled: 'false' }, ws: { rate_per_second: 1000, rate_burst: 1000 } } });
    const base = srv.base;
    tokens.admin = await login(base, 'admin', ADMIN_PASSWORD);
    for (const role of ['secretariat', 'chair', 'delegate', 'technician']) {
      people[role] = await createUser(base, tokens.admin, `m-${role}`, role);
      tokens[role] = people[role].token;
    }
    // The delegate's session (live) and another one (live, without them).
    for (const which of ['own', 'foreign']) {
      const s = await createSession(base, tokens.admin, { title: `Phiên ${which}` });
      const item = await createItem(base, tokens.admin, s.id, { title: `Mục ${which}` });
      const doc = assertOk(await request(base, tokens.admin, 'POST',
        `/api/v1/agenda/${item.id}/documents?title=T%C3%A0i%20li%E1%BB%87u&filename=d.pdf`, makePdf({ pages: 2 }),
        { contentType: 'application/pdf' }), 201, 'upload');
      const members = which === 'own' ? [people.delegate.user.id, people.chair.user.id] : [people.chair.user.id];
      assertOk(await request(base, tokens.admin, 'PUT', `/api/v1/sessions/${s.id}/delegates`, { user_ids: members }));
      assertOk(await request(base, tokens.admin, 'POST', `/api/v1/sessions/${s.id}/start`));
      fx[which] = { session: s.id, item: item.id, document: doc.id };
      // A closed session that has ended, for the tablets' receipts.
      const closed = await createSession(base, tokens.admin, { title: `Phiên kín ${which}`, closed: true });
      assertOk(await request(base, tokens.admin, 'PUT', `/api/v1/sessions/${closed.id}/delegates`, { user_ids: members }));
      assertOk(await request(base, tokens.admin, 'POST', `/api/v1/sessions/${closed.id}/start`));
      assertOk(await request(base, tokens.admin, 'POST', `/api/v1/sessions/${closed.id}/end`));
      fx[which].closedEnded = closed.id;
    }
    const site = assertOk(await request(base, tokens.admin, 'POST', '/api/v1/sites',
      { code: 'MTX', name: 'Điểm cầu ma trận', level: 'province', parent_id: null, transport: 'rtp', address: '' }), 201);
    fx.site = site.id;
    fx.admin = (await request(base, tokens.admin, 'GET', '/api/v1/me')).json.id;
  });

  after(async () => {
    if (srv) {
      await assertAlive(srv, 'the access matrix');
      await stopClean(srv, 'the access matrix');
    }
  });

  test('web/docs/api.md lists exactly the routes and message types the code has', () => {
    const code = readCode();
    assert.ok(code.size > 60, `found ${code.size} actions in controller/api`);
    const missing = [...code].filter((a) => !policy.has(a));
    const extra = [...policy.keys()].filter((a) => !code.has(a));
    assert.deepEqual(missing, [], 'actions in the code but not in api.md');
    assert.deepEqual(extra, [], 'actions in api.md but not in the code');
  });

  // ---- REST ----

  /** The path to probe: read-only routes get real ids, the rest unknown ones. */
  function restPath(method, route, which = 'own') {
    const ids = fx[which];
    const read = method === 'GET' || route.endsWith('/whep'); // a viewer's offer: the session must be real
    return route.replace('{id}', () => {
      if (!read) return NOBODY;
      if (route.startsWith('/api/v1/sessions/')) return ids.session;
      if (route.startsWith('/api/v1/documents/')) return ids.document;
      if (route.startsWith('/api/v1/users/')) return fx.admin;
      if (route.startsWith('/api/v1/sites/')) return fx.site;
      return NOBODY;
    });
  }

  async function tryRest(method, route, role, which) {
    let token = tokens[role];
    // Logging out ends the login: use a login of its own.
    if (route === '/api/v1/logout' && token) {
      token = await login(srv.base, role === 'admin' ? 'admin' : `m-${role}`,
        role === 'admin' ? ADMIN_PASSWORD : people[role].password);
    }
    const body = ['POST', 'PUT', 'PATCH'].includes(method) && route !== '/api/v1/logout' && !route.endsWith('/documents')
      ? {} : undefined;
    return request(srv.base, token, method, restPath(method, route, which), body);
  }

  test('every REST route as every role', async () => {
    const bad = [];
    let cells = 0;
    for (const [action, cell] of policy) {
      if (action.startsWith('ws ')) continue;
      const [method, route] = action.split(' ');
      for (const role of ROLES) {
        const want = cell[role];
        const res = await tryRest(method, route, role, 'own');
        cells++;
        const denied = res.status === 401 || res.status === 403;
        if (want === '—') {
          const code = role === 'anonymous' ? 401 : 403;
          if (res.status !== code) bad.push(`${action} as ${role}: want ${code}, got ${res.status} ${res.text.slice(0, 120)}`);
        } else if (denied || (want === 'own' && res.status === 404)) {
          bad.push(`${action} as ${role}: want allowed, got ${res.status} ${res.text.slice(0, 120)}`);
        }
        if (want === 'own') {
          const other = await tryRest(method, route, role, 'foreign');
          cells++;
          if (![403, 404].includes(other.status))
            bad.push(`${action} as ${role} on another session: want 403/404, got ${other.status}`);
        }
      }
    }
    assert.deepEqual(bad, [], `${bad.length} of ${cells} REST cells disagree with api.md`);
    const rest = [...policy].filter(([a]) => !a.startsWith('ws '));
    assert.equal(cells, rest.length * ROLES.length + rest.filter(([, c]) => c.delegate === 'own').length, 'cells tried');
  });

  // ---- WebSocket ----

  /** Bodies for the delegate's own / another session; {} probes the role only. */
  function wsBody(type, which) {
    const ids = fx[which];
    switch (type) {
      case 'subscribe': case 'unsubscribe': case 'checkin': case 'checkout':
      case 'speak.request': case 'speak.withdraw': case 'speak.end':
        return { session_id: ids.session };
      case 'vote.cast': return { vote_id: ids.vote, option: 0, ballot_key: `key-${which}-${Date.now()}` };
      case 'note.save': return { document_id: ids.document, page: 1, text: 'ghi chú' };
      case 'notes.list': return { document_id: ids.document };
      case 'documents.recovered':
        return { session_id: ids.closedEnded, device: `matrix-${which}-${Date.now()}`, documents: 0, notes: 0 };
      default: return {};
    }
  }

  test('every WebSocket message type as every role', async () => {
    // Open a vote in both sessions, and check the delegate in to theirs.
    const chairWs = await WsClient.connect(srv.port, { token: tokens.admin });
    for (const which of ['own', 'foreign']) {
      const ack = await chairWs.request('vote.open', { session_id: fx[which].session, question: `Biểu quyết ${which}?` });
      fx[which].vote = ack.vote.id;
    }
    const prepare = async (type) => {
      await chairWs.request('checkin', { session_id: fx.own.session, user_id: people.delegate.user.id });
      if (type === 'speak.withdraw' || type === 'speak.end') {
        const d = await WsClient.connect(srv.port, { token: tokens.delegate });
        await d.request('speak.request', { session_id: fx.own.session }).catch(() => {});
        d.close();
        if (type === 'speak.end')
          await chairWs.request('speak.grant', { session_id: fx.own.session, user_id: people.delegate.user.id });
      }
    };
    const bad = [];
    let cells = 0;
    for (const [action, cell] of policy) {
      if (!action.startsWith('ws ')) continue;
      const type = action.slice(3);
      for (const role of ROLES) {
        const want = cell[role];
        cells++;
        if (want === 'own') {
          await prepare(type);
          const mine = await wsCode(srv.port, tokens[role], type, wsBody(type, 'own'));
          if (mine !== 0) bad.push(`${type} as ${role} on their session: want an ack, got ${mine}`);
          const other = await wsCode(srv.port, tokens[role], type, wsBody(type, 'foreign'));
          cells++;
          if (![1101, 1200].includes(other)) bad.push(`${type} as ${role} on another session: want 1101/1200, got ${other}`);
          continue;
        }
        const code = await wsCode(srv.port, tokens[role], type, {});
        if (want === '—') {
          const expect = role === 'anonymous' ? 1100 : 1101;
          if (code !== expect) bad.push(`${type} as ${role}: want ${expect}, got ${code}`);
        } else if (code === 1100 || code === 1101) {
          bad.push(`${type} as ${role}: want allowed, got ${code}`);
        }
      }
    }
    chairWs.close();
    assert.deepEqual(bad, [], `${bad.length} of ${cells} WebSocket cells disagree with api.md`);
    const ws = [...policy].filter(([a]) => a.startsWith('ws '));
    assert.equal(cells, ws.length * ROLES.length + ws.filter(([, c]) => c.delegate === 'own').length, 'cells tried');
  });
});
