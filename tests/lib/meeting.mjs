// A province's data as the backup and upgrade tests need it: sessions
// scheduled, live and ended, an agenda tree, documents (one confidential),
// delegates checked in and out, speakers, an open vote with ballots, a
// closed one, and a secret vote still open with ballots sealed and pending;
// then every GET answer about it, to compare two daemons, and the
// roomctl command line.

import { execFile } from 'node:child_process';
import { assertOk, createItem, createSession, createUser, request, sha256 } from './integration.mjs';
import { makePdf } from './pdf.mjs';
import { DEFAULT_BINARY } from './server.mjs';
import { WsClient } from './ws-client.mjs';

const PDF = { contentType: 'application/pdf' };

async function upload(base, token, itemId, title, pages) {
  const q = `?title=${encodeURIComponent(title)}&filename=${encodeURIComponent(`${title}.pdf`)}`;
  return assertOk(await request(base, token, 'POST', `/api/v1/agenda/${itemId}/documents${q}`, makePdf({ title, pages }), PDF), 201, `upload ${title}`);
}

/** Builds the province on the daemon @srv as @admin. opts.secretVoters: how
 *  many delegates cast a ballot in the open secret vote (none: no secret
 *  vote left open). Returns {delegates, sessions: [ids], secretVoteId,
 *  secretBallots: [{id, token, option, key}], sockets}. */
export async function populate(srv, admin, { secretVoters = 7 } = {}) {
  const { base, port } = srv;
  const delegates = [];
  for (let i = 0; i < 8; i++) {
    const { user, token } = await createUser(base, admin, `dbk${i}`, 'delegate', { full_name: `Đại biểu ${i}` });
    delegates.push({ id: user.id, token });
  }
  const chairUser = await createUser(base, admin, 'chairk', 'chair', { full_name: 'Chủ tọa' });
  const ids = delegates.map((d) => d.id);
  const sockets = [];
  const ws = async (token) => { const c = await WsClient.connect(port, { token }); sockets.push(c); return c; };

  // 1: ended, with a closed open vote and a finished turn.
  const s1 = await createSession(base, admin, { title: 'Kỳ họp thứ 9 (đã kết thúc)' });
  const i1 = await createItem(base, admin, s1.id, { title: 'Báo cáo kinh tế - xã hội' });
  await createItem(base, admin, s1.id, { title: 'Chất vấn', parent_id: i1.id });
  await upload(base, admin, i1.id, 'bao-cao-kt-xh', 3);
  // 2: live, a closed open vote, an open secret vote with ballots.
  const s2 = await createSession(base, admin, { title: 'Kỳ họp thứ 10 (đang họp)' });
  const i2 = await createItem(base, admin, s2.id, { title: 'Dự toán ngân sách 2027' });
  const i2b = await createItem(base, admin, s2.id, { title: 'Nhân sự' });
  await upload(base, admin, i2.id, 'du-toan-2027', 2);
  const conf = await upload(base, admin, i2b.id, 'nhan-su-mat', 1);
  // 3: scheduled only.
  const s3 = await createSession(base, admin, { title: 'Kỳ họp thứ 11 (dự kiến)' });
  await createItem(base, admin, s3.id, { title: 'Khai mạc' });

  for (const s of [s1, s2]) {
    assertOk(await request(base, admin, 'PUT', `/api/v1/sessions/${s.id}/delegates`, { user_ids: [...ids, chairUser.user.id] }));
    assertOk(await request(base, admin, 'POST', `/api/v1/sessions/${s.id}/start`));
    for (const d of delegates) assertOk(await request(base, admin, 'POST', `/api/v1/sessions/${s.id}/attendance`, { user_id: d.id, action: 'in' }));
  }
  assertOk(await request(base, admin, 'PATCH', `/api/v1/documents/${conf.id}`, { confidential: true, readers: ids.slice(0, 3) }));
  assertOk(await request(base, admin, 'POST', `/api/v1/sessions/${s2.id}/attendance`, { user_id: ids[7], action: 'out' }));

  const chair = await ws(chairUser.token);
  const d0 = await ws(delegates[0].token);
  await d0.request('speak.request', { session_id: s1.id });
  await chair.request('speak.grant', { session_id: s1.id, user_id: ids[0] });
  await d0.request('speak.end', { session_id: s1.id });
  for (const s of [s1, s2]) {
    const { vote } = await chair.request('vote.open', { session_id: s.id, question: `Thông qua nghị quyết phiên ${s.id}?` });
    for (const [n, d] of delegates.slice(0, 6).entries()) {
      const c = await ws(d.token);
      await c.request('vote.cast', { vote_id: vote.id, option: n % 3, ballot_key: `open-${s.id}-${d.id}` });
    }
    await chair.request('vote.close', { vote_id: vote.id });
  }
  assertOk(await request(base, admin, 'POST', `/api/v1/sessions/${s1.id}/end`));
  await chair.request('agenda.current', { session_id: s2.id, item_id: i2.id });

  let secretVoteId = null;
  const secretBallots = [];
  if (secretVoters > 0) {
    secretVoteId = (await chair.request('vote.open', { session_id: s2.id, question: 'Bầu phó chủ tịch (bỏ phiếu kín)?', secret: true })).vote.id;
    for (const [n, d] of delegates.slice(0, secretVoters).entries()) {
      const c = await ws(d.token);
      const b = { id: d.id, token: d.token, option: [0, 1, 0, 2, 1, 0, 0][n % 7], key: `secret-${d.id}` };
      b.ack = await c.request('vote.cast', { vote_id: secretVoteId, option: b.option, ballot_key: b.key });
      b.socket = c;
      secretBallots.push(b);
    }
  }
  return { delegates, chair: chairUser, sessions: [s1.id, s2.id, s3.id], secretVoteId, secretBallots, sockets };
}

/** Every GET answer about the data, by path (a confidential document's
 *  content only by its status): the audit log (first: reading
 *  a confidential document adds a row to it), the lists, each session's
 *  detail, agenda, delegates, sites, attendance, votes, speakers, each
 *  document and the sha256 of its bytes. */
export async function answers(base, token, sessionIds) {
  const out = {};
  const get = async (p) => {
    const res = await request(base, token, 'GET', p);
    out[p] = { status: res.status, body: res.json ?? sha256(res.bytes) };
    return res.json;
  };
  for (const p of ['/api/v1/audit', '/api/v1/sessions', '/api/v1/users', '/api/v1/sites']) await get(p);
  for (const id of sessionIds) {
    const detail = await get(`/api/v1/sessions/${id}`);
    for (const leaf of ['agenda', 'delegates', 'sites', 'attendance', 'votes', 'speakers'])
      await get(`/api/v1/sessions/${id}/${leaf}`);
    const docs = [];
    const walk = (items) => { for (const it of items || []) { docs.push(...(it.documents || [])); walk(it.children); } };
    walk((detail && (detail.agenda || detail.session?.agenda)) || out[`/api/v1/sessions/${id}/agenda`].body.agenda);
    for (const d of docs) {
      const meta = await get(`/api/v1/documents/${d.id}`);
      const p = `/api/v1/documents/${d.id}/content`;
      await get(p);
      // A confidential copy is stamped with its reader and the reading
      // time: its bytes differ by the minute; the stored file is compared.
      if (meta.confidential) out[p].body = 'stamped';
    }
  }
  return out;
}

/** Runs build/roomctl (or ROOMCTL_BIN) with @args; {code, stdout, stderr}. */
export function roomctl(args, { binary = process.env.ROOMCTL_BIN || DEFAULT_BINARY, timeoutMs = 60_000 } = {}) {
  return new Promise((resolve) => {
    execFile(binary, args, { timeout: timeoutMs, encoding: 'utf8' }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr });
    });
  });
}
