// The live state of one meeting session as a tablet or the secretariat's
// console knows it: built from the snapshot (or the console's REST reads of
// the session and its attendance), then changed by each event (live or
// replayed after a reconnect) and by the replies to the client's own changes,
// applied as the event they stand for. Pure data, no DOM: the views listen to
// 'change' events whose detail.topic says what changed ('reset' after a
// snapshot: everything; 'detail' after applySession: the session, its agenda,
// delegates and sites).

export class Meeting extends EventTarget {
  constructor(sessionId, me) {
    super();
    this.id = sessionId;
    this.me = me;
    this.loaded = false;
    this.session = null;
    this.agenda = [];
    this.delegates = new Map();      // user id -> user, in the server's order
    this.sites = [];                 // participating sites (a tablet's snapshot has none)
    this.attendance = { present: 0, expected: 0, byUser: new Map() };
    this.attendanceKnown = false;    // a snapshot or applyAttendance brought the whole list
    this.presentation = { current_item_id: null, document_id: null, page: 1 };
    this.speakers = { queue: [], speaker: null };
    this.siteFloor = [];             // the sites asking for the floor, first asked first
    this.votes = new Map();          // vote id -> vote (newest last)
    this.progress = new Map();       // vote id -> {cast, present, members}
    this.deleted = false;
    this.replaying = false;          // true while an event replayed after a reconnect is applied
  }

  _emit(topic, extra = {}) {
    this.dispatchEvent(new CustomEvent('change', { detail: { topic, ...extra } }));
  }

  /** Subscribes fn(detail) to changes; returns an unsubscribe function. */
  onChange(fn) {
    const handler = (e) => fn(e.detail);
    this.addEventListener('change', handler);
    return () => this.removeEventListener('change', handler);
  }

  applySnapshot(body) {
    const s = body.session || {};
    this._setSession(s);
    this._setAttendance(body.attendance);
    const live = body.live || {};
    this.presentation = live.presentation || {
      current_item_id: s.current_item_id ?? null, document_id: s.presented_document_id ?? null, page: s.presented_page || 1,
    };
    this.speakers = live.speakers || { queue: [], speaker: null };
    this.siteFloor = live.site_floor?.sites || [];
    this.votes = new Map();
    this.progress = new Map();
    for (const v of live.votes || []) {
      this.votes.set(v.id, v);
      if (v.status === 'open') this.progress.set(v.id, { cast: v.cast ?? 0, present: v.present ?? 0, members: v.members ?? 0 });
    }
    this.loaded = true;
    this._emit('reset', { fresh: true });
  }

  /** The session's detail as GET /api/v1/sessions/{id} answers it (the
   *  snapshot's session part): session, agenda, delegates and sites are
   *  replaced; the attendance and the live state are left as they are. */
  applySession(detail) {
    this._setSession(detail || {});
    this._emit('detail');
  }

  /** The whole attendance as GET /api/v1/sessions/{id}/attendance answers
   *  it (the snapshot's attendance part). */
  applyAttendance(att) {
    this._setAttendance(att);
    this._emit('attendance');
  }

  _setSession(s) {
    this.session = s;
    this.agenda = s.agenda || [];
    this.delegates = new Map((s.delegates || []).map((d) => [d.id, d]));
    this.sites = s.sites || [];
  }

  _setAttendance(att) {
    const byUser = new Map();
    for (const d of (att && att.delegates) || []) byUser.set(d.user_id, d);
    this.attendance = { present: att ? att.present : 0, expected: att ? att.expected : 0, byUser };
    this.attendanceKnown = !!att;
  }

  /** One delegate's entry changed: merged into what is known of them (an
   *  event's entry may carry fewer fields than the list's). Without the
   *  server's count (a check-in's reply) the present are counted here. */
  _setAttendanceEntry(entry, present, expected) {
    const byUser = this.attendance.byUser;
    byUser.set(entry.user_id, { ...byUser.get(entry.user_id), ...entry });
    this.attendance.present = typeof present === 'number'
      ? present : [...byUser.values()].filter((e) => e.status === 'present').length;
    if (typeof expected === 'number') this.attendance.expected = expected;
  }

  /** Applies one server event; returns true when it was one of ours. */
  applyEvent(msg) {
    const b = msg.body || {};
    switch (msg.type) {
      case 'session.updated': {
        const keep = { agenda: this.session?.agenda, delegates: this.session?.delegates, sites: this.session?.sites };
        this.session = { ...this.session, ...b, ...Object.fromEntries(Object.entries(keep).filter(([, v]) => v !== undefined)) };
        this._emit('session');
        return true;
      }
      case 'session.deleted':
        this.deleted = true;
        this._emit('session');
        return true;
      case 'agenda.updated':
        this.agenda = b.agenda || [];
        if (this.session) this.session.agenda = this.agenda;
        this._emit('agenda');
        return true;
      case 'delegates.updated':
        this.delegates = new Map((b.delegates || []).map((d) => [d.id, d]));
        this._emit('delegates');
        return true;
      case 'sites.updated':
        this.sites = b.sites || [];
        if (this.session) this.session.sites = this.sites;
        this._emit('sites');
        return true;
      case 'attendance.updated': {
        if (b.entry) this._setAttendanceEntry(b.entry, b.present, b.expected);
        else {
          if (typeof b.present === 'number') this.attendance.present = b.present;
          if (typeof b.expected === 'number') this.attendance.expected = b.expected;
        }
        for (const p of this.progress.values()) if (typeof b.present === 'number') p.present = b.present;
        this._emit('attendance', { entry: b.entry });
        return true;
      }
      case 'presentation.updated':
        this.presentation = { current_item_id: b.current_item_id ?? null, document_id: b.document_id ?? null, page: b.page || 1 };
        this._emit('presentation');
        return true;
      case 'speakers.updated':
        this.speakers = { queue: b.queue || [], speaker: b.speaker || null };
        this._emit('speakers');
        return true;
      case 'floor.sites.updated':
        this.siteFloor = b.sites || [];
        this._emit('site_floor');
        return true;
      case 'vote.opened':
        if (b.vote) {
          this.votes.set(b.vote.id, b.vote);
          this.progress.set(b.vote.id, { cast: b.vote.cast ?? 0, present: b.vote.present ?? 0, members: b.vote.members ?? 0 });
          this._emit('votes', { opened: b.vote.id });
        }
        return true;
      case 'vote.progress': {
        this.progress.set(b.vote_id, { cast: b.cast, present: b.present, members: b.members });
        const v = this.votes.get(b.vote_id);
        if (v) Object.assign(v, { cast: b.cast, present: b.present, members: b.members });
        this._emit('votes', { progress: b.vote_id });
        return true;
      }
      case 'ballot.sealed':   // to this delegate only: their secret ballot is on disk
        this._emit('votes', { sealed: b.vote_id });
        return true;
      case 'vote.closed':
        if (b.vote) {
          const old = this.votes.get(b.vote.id);
          this.votes.set(b.vote.id, { ...b.vote, my_ballot: old?.my_ballot });
          this.progress.delete(b.vote.id);
          this._emit('votes', { closed: b.vote.id });
        }
        return true;
      default:
        return false;
    }
  }

  // ---------- questions the views ask ----------

  get status() { return this.session?.status || 'scheduled'; }
  get isLive() { return this.status === 'live'; }
  get isEnded() { return this.status === 'ended'; }

  /** The session's delegates in the server's order. */
  delegateList() { return [...this.delegates.values()]; }

  /** The logged-in user is one of the session's delegates (may check in, vote, ask to speak). */
  get isMember() { return !!this.me && this.delegates.has(this.me.id); }

  attendanceOf(userId) { return this.attendance.byUser.get(userId) || null; }

  get myAttendance() { return this.me ? this.attendanceOf(this.me.id) : null; }

  get amPresent() { return this.myAttendance?.status === 'present'; }

  name(userId) {
    const d = this.delegates.get(userId) || this.attendance.byUser.get(userId);
    return d ? (d.full_name || d.username) : `#${userId}`;
  }

  person(userId) {
    return this.delegates.get(userId) || this.attendance.byUser.get(userId) || null;
  }

  /** Every agenda item in display order with its number ("2.1") and depth. */
  flatItems() {
    const out = [];
    const walk = (list, prefix, depth) => {
      [...list].sort((a, b) => (a.position ?? 0) - (b.position ?? 0)).forEach((it, i) => {
        const number = prefix ? `${prefix}.${i + 1}` : `${i + 1}`;
        out.push({ item: it, number, depth });
        walk(it.children || [], number, depth + 1);
      });
    };
    walk(this.agenda, '', 0);
    return out;
  }

  item(id) { return this.flatItems().find((e) => e.item.id === id) || null; }

  /** {doc, item, number} for a document id, or null. */
  document(id) {
    for (const e of this.flatItems()) {
      const doc = (e.item.documents || []).find((d) => d.id === id);
      if (doc) return { doc, item: e.item, number: e.number };
    }
    return null;
  }

  get openVote() {
    for (const v of this.votes.values()) if (v.status === 'open') return v;
    return null;
  }

  /** Votes newest first. */
  voteList() { return [...this.votes.values()].sort((a, b) => b.id - a.id); }

  queuePosition(userId) {
    const i = this.speakers.queue.findIndex((q) => q.user_id === userId);
    return i < 0 ? 0 : i + 1;
  }
}
