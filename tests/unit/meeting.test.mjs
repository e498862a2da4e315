// Unit test of the web apps' session model, web/common/meeting.js (the
// tablet's and the console's Meeting): a snapshot, the console's REST reads
// (applySession, applyAttendance), each event it applies, the replies applied
// as the event they stand for, and the questions the views ask. No server,
// no browser: the model is pure data.
//
// Run: node --test tests/unit/meeting.test.mjs   (tests/run js-unit)

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Meeting } from '../../web/common/meeting.js';

// The model announces its changes as a CustomEvent, which every browser has
// and Node has as a global only from 19 on. Debian 12's Node is 18: there
// the test gives it the browser's class (an Event with a detail).
if (typeof globalThis.CustomEvent !== 'function') {
  globalThis.CustomEvent = class CustomEvent extends Event {
    constructor(type, init = {}) {
      super(type, init);
      this.detail = init.detail ?? null;
    }
  };
}

const AN = { id: 11, username: 'dbieu01', full_name: 'Nguyễn Văn An', title: 'Đại biểu', unit: 'Tổ 1' };
const BINH = { id: 12, username: 'dbieu02', full_name: 'Trần Thị Bình', title: 'Đại biểu', unit: 'Tổ 2' };
const SITES = [{ id: 1, code: 'TINH', name: 'Hội trường tỉnh', level: 'province' }, { id: 2, code: 'H01', name: 'Huyện Đức Hòa', level: 'district' }];

/** What GET /api/v1/sessions/{id} answers (and the snapshot's session part). */
function detail(over = {}) {
  return {
    id: 7, title: 'Kỳ họp thứ 12', status: 'scheduled', room: 'Hội trường B',
    agenda: [
      { id: 2, position: 2, title: 'Thảo luận', documents: [], children: [] },
      { id: 1, position: 1, title: 'Khai mạc', documents: [{ id: 30, title: 'Báo cáo' }],
        children: [{ id: 3, position: 1, title: 'Báo cáo thẩm tra', documents: [], children: [] }] },
    ],
    delegates: [BINH, AN],
    sites: SITES,
    ...over,
  };
}

/** What GET /api/v1/sessions/{id}/attendance answers (and the snapshot's attendance part). */
function attendance() {
  return {
    present: 1, expected: 2,
    delegates: [
      { user_id: 11, full_name: AN.full_name, username: AN.username, unit: AN.unit, status: 'present', first_in: '2026-11-25T01:00:00Z', method: 'tablet' },
      { user_id: 12, full_name: BINH.full_name, username: BINH.username, unit: BINH.unit, status: 'absent' },
    ],
  };
}

/** A Meeting and the list of change details it emitted. */
function meeting(me = { id: 11 }) {
  const m = new Meeting(7, me);
  const changes = [];
  m.onChange((d) => changes.push(d));
  return { m, changes };
}

const event = (type, body) => ({ type, session_id: 7, body });

describe('Meeting: the snapshot', () => {
  it('takes the session, its agenda, delegates, sites, attendance and live state', () => {
    const { m, changes } = meeting();
    m.applySnapshot({
      session: detail({ status: 'live' }), attendance: attendance(),
      live: { speakers: { queue: [{ user_id: 12 }], speaker: null }, votes: [{ id: 4, status: 'open', cast: 1, present: 1, members: 2 }] },
    });
    assert.equal(m.loaded, true);
    assert.equal(m.isLive, true);
    assert.deepEqual(m.delegateList().map((d) => d.id), [12, 11], 'delegates in the server order');
    assert.deepEqual(m.sites, SITES);
    assert.equal(m.attendanceKnown, true);
    assert.equal(m.attendance.present, 1);
    assert.equal(m.attendance.expected, 2);
    assert.equal(m.amPresent, true);
    assert.equal(m.queuePosition(12), 1);
    assert.deepEqual(m.progress.get(4), { cast: 1, present: 1, members: 2 });
    assert.deepEqual(changes, [{ topic: 'reset', fresh: true }]);
  });

  it('has no sites when the snapshot has none (a tablet\'s)', () => {
    const { m } = meeting();
    const s = detail();
    delete s.sites;
    m.applySnapshot({ session: s, attendance: attendance() });
    assert.deepEqual(m.sites, []);
  });

  it('numbers the agenda in display order', () => {
    const { m } = meeting();
    m.applySnapshot({ session: detail(), attendance: attendance() });
    assert.deepEqual(m.flatItems().map((e) => `${e.number} ${e.item.title} ${e.depth}`),
      ['1 Khai mạc 0', '1.1 Báo cáo thẩm tra 1', '2 Thảo luận 0']);
    assert.equal(m.document(30).number, '1');
    assert.equal(m.document(99), null);
  });
});

describe('Meeting: the console\'s REST reads', () => {
  it('knows no attendance before one is read', () => {
    const { m } = meeting(null);
    assert.equal(m.session, null);
    assert.equal(m.attendanceKnown, false);
    assert.deepEqual(m.sites, []);
    assert.deepEqual(m.delegateList(), []);
  });

  it('applySession replaces the session, agenda, delegates and sites, and nothing live', () => {
    const { m, changes } = meeting(null);
    m.applySnapshot({ session: detail({ status: 'live' }), attendance: attendance(), live: { speakers: { queue: [], speaker: { user_id: 12 } } } });
    changes.length = 0;
    m.applySession(detail({ status: 'live', title: 'Kỳ họp thứ 13', delegates: [AN], sites: [SITES[0]], agenda: [] }));
    assert.equal(m.session.title, 'Kỳ họp thứ 13');
    assert.deepEqual(m.delegateList(), [AN]);
    assert.deepEqual(m.sites, [SITES[0]]);
    assert.deepEqual(m.agenda, []);
    assert.equal(m.speakers.speaker.user_id, 12, 'the live state stays');
    assert.equal(m.attendanceKnown, true, 'the attendance stays');
    assert.equal(m.attendance.byUser.size, 2);
    assert.deepEqual(changes, [{ topic: 'detail' }]);
  });

  it('applySession before any snapshot leaves the attendance unknown', () => {
    const { m } = meeting(null);
    m.applySession(detail());
    assert.equal(m.session.id, 7);
    assert.equal(m.attendanceKnown, false);
  });

  it('applyAttendance takes the whole list and says so without an entry', () => {
    const { m, changes } = meeting(null);
    m.applySession(detail());
    changes.length = 0;
    m.applyAttendance(attendance());
    assert.equal(m.attendanceKnown, true);
    assert.equal(m.attendance.present, 1);
    assert.equal(m.attendance.expected, 2);
    assert.equal(m.attendanceOf(12).status, 'absent');
    assert.deepEqual(changes, [{ topic: 'attendance' }]);
  });
});

describe('Meeting: events', () => {
  it('the sites asking for the floor: from the snapshot, replaced by floor.sites.updated', () => {
    const { m, changes } = meeting();
    const H01 = { site_id: 2, code: 'H01', name: 'Huyện Đức Hòa', via: 'keypad', requested_at: '2026-11-25T01:05:00Z' };
    m.applySnapshot({ session: detail({ status: 'live' }), attendance: attendance(), live: { site_floor: { session_id: 7, sites: [H01] } } });
    assert.deepEqual(m.siteFloor, [H01]);
    changes.length = 0;
    assert.equal(m.applyEvent(event('floor.sites.updated', { session_id: 7, sites: [] })), true);
    assert.deepEqual(m.siteFloor, []);
    assert.deepEqual(changes, [{ topic: 'site_floor' }]);
    m.applySnapshot({ session: detail({ status: 'live' }), attendance: attendance() });
    assert.deepEqual(m.siteFloor, [], 'a snapshot without it: none');
  });

  it('sites.updated replaces the sites, and session.updated keeps them', () => {
    const { m, changes } = meeting(null);
    m.applySession(detail());
    changes.length = 0;
    assert.equal(m.applyEvent(event('sites.updated', { sites: [SITES[1]] })), true);
    assert.deepEqual(m.sites, [SITES[1]]);
    assert.deepEqual(m.session.sites, [SITES[1]]);
    m.applyEvent(event('session.updated', { id: 7, title: 'Kỳ họp thứ 12', status: 'live' }));
    assert.equal(m.status, 'live');
    assert.deepEqual(m.session.sites, [SITES[1]]);
    assert.equal(m.session.agenda.length, 2, 'the agenda stays too');
    assert.deepEqual(changes.map((d) => d.topic), ['sites', 'session']);
  });

  it('sites.updated without a list leaves none', () => {
    const { m } = meeting(null);
    m.applySession(detail());
    m.applyEvent(event('sites.updated', {}));
    assert.deepEqual(m.sites, []);
  });

  it('delegates.updated replaces the delegates in the server order', () => {
    const { m, changes } = meeting(null);
    m.applySession(detail());
    changes.length = 0;
    m.applyEvent(event('delegates.updated', { delegates: [AN, BINH] }));
    assert.deepEqual(m.delegateList().map((d) => d.id), [11, 12]);
    assert.deepEqual(changes, [{ topic: 'delegates' }]);
  });

  it('attendance.updated merges the entry into what is known and takes the server\'s counts', () => {
    const { m, changes } = meeting(null);
    m.applySnapshot({ session: detail({ status: 'live' }), attendance: attendance() });
    changes.length = 0;
    const entry = { user_id: 12, status: 'present', first_in: '2026-11-25T01:05:00Z', method: 'console' };
    m.applyEvent(event('attendance.updated', { entry, present: 2, expected: 2 }));
    assert.deepEqual(m.attendanceOf(12), { user_id: 12, full_name: BINH.full_name, username: BINH.username, unit: BINH.unit, ...entry },
      'the name and unit the entry does not carry stay');
    assert.equal(m.attendance.present, 2);
    assert.equal(m.attendance.expected, 2);
    assert.deepEqual(changes, [{ topic: 'attendance', entry }]);
  });

  it('an entry without the server\'s count (a check-in reply) counts the present here', () => {
    const { m } = meeting(null);
    m.applySnapshot({ session: detail({ status: 'live' }), attendance: attendance() });
    m.applyEvent(event('attendance.updated', { entry: { user_id: 11, status: 'left', last_out: '2026-11-25T02:00:00Z' } }));
    assert.equal(m.attendance.present, 0);
    assert.equal(m.attendance.expected, 2, 'expected stays');
    m.applyEvent(event('attendance.updated', { entry: { user_id: 12, status: 'present' } }));
    m.applyEvent(event('attendance.updated', { entry: { user_id: 11, status: 'present' } }));
    assert.equal(m.attendance.present, 2);
  });

  it('an entry of someone not yet listed is added', () => {
    const { m } = meeting(null);
    m.applySnapshot({ session: detail({ status: 'live' }), attendance: attendance() });
    m.applyEvent(event('attendance.updated', { entry: { user_id: 13, full_name: 'Lê Văn Cường', status: 'present' }, present: 2, expected: 3 }));
    assert.equal(m.attendance.byUser.size, 3);
    assert.equal(m.name(13), 'Lê Văn Cường');
    assert.equal(m.attendance.expected, 3);
  });

  it('counts without an entry change only the counts', () => {
    const { m } = meeting(null);
    m.applySnapshot({ session: detail({ status: 'live' }), attendance: attendance() });
    m.applyEvent(event('attendance.updated', { present: 0, expected: 5 }));
    assert.equal(m.attendance.present, 0);
    assert.equal(m.attendance.expected, 5);
    assert.equal(m.attendance.byUser.size, 2);
  });

  it('a vote\'s present follows only the server\'s count', () => {
    const { m } = meeting();
    m.applySnapshot({ session: detail({ status: 'live' }), attendance: attendance() });
    m.applyEvent(event('vote.opened', { vote: { id: 4, status: 'open', cast: 0, present: 1, members: 2 } }));
    m.applyEvent(event('attendance.updated', { entry: { user_id: 12, status: 'present' } }));
    assert.equal(m.progress.get(4).present, 1, 'a check-in reply does not move the vote');
    m.applyEvent(event('attendance.updated', { entry: { user_id: 12, status: 'present' }, present: 2, expected: 2 }));
    assert.equal(m.progress.get(4).present, 2);
  });

  it('a closed vote keeps this tablet\'s ballot and leaves the open ones', () => {
    const { m } = meeting();
    m.applySnapshot({ session: detail({ status: 'live' }), attendance: attendance() });
    m.applyEvent(event('vote.opened', { vote: { id: 4, status: 'open' } }));
    m.votes.get(4).my_ballot = { option: 'yes' };
    assert.equal(m.openVote.id, 4);
    m.applyEvent(event('vote.closed', { vote: { id: 4, status: 'closed', results: { yes: 1 } } }));
    assert.equal(m.openVote, null);
    assert.deepEqual(m.votes.get(4).my_ballot, { option: 'yes' });
    assert.equal(m.progress.has(4), false);
  });

  it('session.deleted marks the meeting deleted', () => {
    const { m, changes } = meeting(null);
    m.applySession(detail());
    changes.length = 0;
    m.applyEvent(event('session.deleted', {}));
    assert.equal(m.deleted, true);
    assert.deepEqual(changes, [{ topic: 'session' }]);
  });

  it('an event that is not the model\'s is left alone', () => {
    const { m, changes } = meeting(null);
    assert.equal(m.applyEvent(event('alarm.raised', {})), false);
    assert.deepEqual(changes, []);
  });
});
