// Sessions as iCalendar: one session's .ics and the feed of all sessions a
// user may see, checked line by line (CRLF, folding at 75 octets, escaping)
// and parsed by a real parser (python3-icalendar). The feed authenticates
// with a per-user secret token in its URL, which the user can replace and
// revoke.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import {
  ADMIN_PASSWORD, assertOk, assertWireError, createItem, createSession, createUser, login, request, startLocalServer, stopClean,
} from '../lib/integration.mjs';

/** Strict RFC 5545 line checks; returns the unfolded content lines. */
function strictLines(bytes) {
  const text = bytes.toString('utf8');
  assert.ok(text.endsWith('\r\n'), 'ends with CRLF');
  assert.ok(!/[^\r]\n/.test(text) && !/\r[^\n]/.test(text), 'every line break is CRLF');
  const physical = text.slice(0, -2).split('\r\n');
  for (const l of physical) assert.ok(Buffer.byteLength(l, 'utf8') <= 75, `line over 75 octets: ${l}`);
  const logical = [];
  for (const l of physical) {
    if (l.startsWith(' ')) logical[logical.length - 1] += l.slice(1);
    else logical.push(l);
  }
  return logical;
}

/** RFC 5545 TEXT unescaping, strict: a backslash only before \ ; , n N. */
function unescapeText(v) {
  return v.replace(/\\(.)/g, (m, c) => {
    if (c === 'n' || c === 'N') return '\n';
    assert.ok('\\;,'.includes(c), `bad escape \\${c} in ${v}`);
    return c;
  });
}

/** Parses with Debian's python3-icalendar (/usr/bin/python3, not a python3 from PATH): [{uid, summary, location, description, start, end, stamp}]. */
function pythonParse(bytes) {
  const script = `
import sys, json
from icalendar import Calendar
cal = Calendar.from_ical(sys.stdin.buffer.read())
out = {"calname": str(cal.get("X-WR-CALNAME", "")), "version": str(cal.get("VERSION")), "events": []}
for e in cal.walk("VEVENT"):
    out["events"].append({k: (e.get(k).dt.isoformat() if hasattr(e.get(k), "dt") else str(e.get(k)))
                          for k in ("UID", "SUMMARY", "LOCATION", "DESCRIPTION", "DTSTART", "DTEND", "DTSTAMP", "URL")
                          if e.get(k) is not None})
print(json.dumps(out, ensure_ascii=False))
`;
  return JSON.parse(execFileSync('/usr/bin/python3', ['-c', script], { input: bytes, encoding: 'utf8' }));
}

describe('calendar', () => {
  let srv, base, admin, session, other, delegate;
  const title = 'Kỳ họp thứ mười bảy, HĐND tỉnh khóa XVIII; thảo luận dự toán ngân sách năm 2027 \\ phân bổ';
  const room = 'Hội trường A, tầng 2';
  const description = 'Dòng một; có dấu phẩy, và chấm phẩy\nDòng hai';

  before(async () => {
    srv = await startLocalServer({ config: { server: { public_url: 'https://hop.example.vn/' } } });
    base = srv.base;
    admin = await login(base, 'admin', ADMIN_PASSWORD);
    session = await createSession(base, admin, { title, room, description, starts_at: '2026-12-01T08:00:00+07:00', ends_at: '2026-12-01T11:30:00+07:00' });
    await createItem(base, admin, session.id, { title: 'Khai mạc', presenter: 'Chủ tọa' });
    await createItem(base, admin, session.id, { title: 'Thảo luận, biểu quyết' });
    other = await createSession(base, admin, { title: 'Phiên chuyên đề', starts_at: '2026-12-02T14:00:00+07:00', ends_at: '2026-12-02T16:00:00+07:00' });
    delegate = await createUser(base, admin, 'daibieu.lich', 'delegate');
    assertOk(await request(base, admin, 'PUT', `/api/v1/sessions/${other.id}/delegates`, { user_ids: [delegate.user.id] }));
  });
  after(async () => { if (srv) await stopClean(srv, 'the calendar tests'); });

  test("one session's .ics: CRLF, folded at 75 octets, escaped, UTC; a real parser reads back the same text", async () => {
    const res = await request(base, admin, 'GET', `/api/v1/sessions/${session.id}/calendar.ics`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type'), /^text\/calendar; charset=utf-8/);
    assert.match(res.headers.get('content-disposition'), /\.ics/);
    const lines = strictLines(res.bytes);
    assert.deepEqual(lines.slice(0, 2), ['BEGIN:VCALENDAR', 'VERSION:2.0']);
    assert.equal(lines[lines.length - 1], 'END:VCALENDAR');
    assert.ok(res.bytes.toString('utf8').split('\r\n').some((l) => l.startsWith(' ')), 'the long title is folded');
    const prop = (name) => lines.find((l) => l.startsWith(`${name}:`)).slice(name.length + 1);
    assert.equal(prop('DTSTART'), '20261201T010000Z');
    assert.equal(prop('DTEND'), '20261201T043000Z');
    assert.match(prop('DTSTAMP'), /^\d{8}T\d{6}Z$/);
    assert.equal(prop('SUMMARY'), 'Kỳ họp thứ mười bảy\\, HĐND tỉnh khóa XVIII\\; thảo luận dự toán ngân sách năm 2027 \\\\ phân bổ');
    assert.equal(unescapeText(prop('SUMMARY')), title);
    assert.equal(unescapeText(prop('LOCATION')), room);
    assert.equal(prop('UID'), `roomctl-session-${session.id}@hop.example.vn`);
    assert.equal(prop('URL'), `https://hop.example.vn/console/#/sessions/${session.id}`);
    const desc = unescapeText(prop('DESCRIPTION'));
    assert.equal(desc, `${description}\n\nChương trình:\n1. Khai mạc (Chủ tọa)\n2. Thảo luận, biểu quyết`);

    const parsed = pythonParse(res.bytes);
    assert.equal(parsed.version, '2.0');
    assert.equal(parsed.events.length, 1);
    const ev = parsed.events[0];
    assert.equal(ev.SUMMARY, title);
    assert.equal(ev.LOCATION, room);
    assert.equal(ev.DESCRIPTION, desc);
    assert.equal(ev.DTSTART, '2026-12-01T01:00:00+00:00');
    assert.equal(ev.DTEND, '2026-12-01T04:30:00+00:00');
    assert.equal(ev.UID, `roomctl-session-${session.id}@hop.example.vn`);
  });

  test('the feed needs a login or a feed token; with the token it works without any header', async () => {
    assertWireError(await request(base, null, 'GET', '/api/v1/calendar.ics'), 1100, undefined, 'no token');
    assertWireError(await request(base, null, 'GET', '/api/v1/calendar.ics?token=' + 'a'.repeat(64)), 1100, undefined, 'wrong token');
    assert.deepEqual(assertOk(await request(base, admin, 'GET', '/api/v1/me/calendar')), { active: false });
    const made = assertOk(await request(base, admin, 'POST', '/api/v1/me/calendar'), 201);
    assert.match(made.token, /^[0-9a-f]{64}$/);
    assert.equal(made.path, `/api/v1/calendar.ics?token=${made.token}`);
    assert.equal(assertOk(await request(base, admin, 'GET', '/api/v1/me/calendar')).active, true);
    const res = await request(base, null, 'GET', made.path);
    assert.equal(res.status, 200);
    strictLines(res.bytes);
    const parsed = pythonParse(res.bytes);
    assert.match(parsed.calname, /^Lịch họp/);
    assert.deepEqual(parsed.events.map((e) => e.UID).sort(),
      [session.id, other.id].map((id) => `roomctl-session-${id}@hop.example.vn`).sort());
    // UIDs are stable: the same in the feed, in the single .ics, and the next time.
    const again = pythonParse((await request(base, null, 'GET', made.path)).bytes);
    assert.deepEqual(again.events.map((e) => e.UID), parsed.events.map((e) => e.UID));
    // With the console's login instead of a token: the same feed.
    assert.equal(pythonParse((await request(base, admin, 'GET', '/api/v1/calendar.ics')).bytes).events.length, 2);
  });

  test("a delegate's feed holds only their sessions; a new token revokes the old; revoke and deactivation end it", async () => {
    const first = assertOk(await request(base, delegate.token, 'POST', '/api/v1/me/calendar'), 201);
    const feed = pythonParse((await request(base, null, 'GET', first.path)).bytes);
    assert.deepEqual(feed.events.map((e) => e.SUMMARY), ['Phiên chuyên đề']);
    assertWireError(await request(base, delegate.token, 'GET', `/api/v1/sessions/${session.id}/calendar.ics`), 1200, undefined, 'not assigned');
    const second = assertOk(await request(base, delegate.token, 'POST', '/api/v1/me/calendar'), 201);
    assertWireError(await request(base, null, 'GET', first.path), 1100, undefined, 'replaced token');
    assert.equal((await request(base, null, 'GET', second.path)).status, 200);
    assert.equal((await request(base, delegate.token, 'DELETE', '/api/v1/me/calendar')).status, 204);
    assertWireError(await request(base, null, 'GET', second.path), 1100, undefined, 'revoked token');
    assertWireError(await request(base, delegate.token, 'DELETE', '/api/v1/me/calendar'), 1200, undefined, 'nothing to revoke');
    const third = assertOk(await request(base, delegate.token, 'POST', '/api/v1/me/calendar'), 201);
    assertOk(await request(base, admin, 'PATCH', `/api/v1/users/${delegate.user.id}`, { active: false }));
    assertWireError(await request(base, null, 'GET', third.path), 1100, undefined, 'deactivated user');
  });
});
