// One meeting session on the tablet: the session bar (title, who speaks,
// the open vote, check-in), the panes (agenda, speakers, votes) and the
// document viewer with notes; following the chair's page, and in chair
// mode presenting it.
//
// An optional program pane (off by default, a switch in the session bar,
// remembered on the device) plays the session's program live (WHEP) above
// the panes, for delegates following a remote speaker.
//
// Layout: on a wide screen (landscape tablet, laptop) the panes sit left of
// the document; on a narrow one (portrait) one thing shows at a time, chosen
// by the tab bar, and the document comes forward when the chair presents.
//
// A closed session (phiên họp kín) shows a banner the whole time. When it
// ends while this view shows it (the end event, or the snapshot after a
// reconnect), the view hands over to onClosedEnded at once, before it
// renders anything more: the tablet purges the session's documents and
// notes (recovery.js). An ended closed session opened later is shown with
// its documents read from the server each time, never kept.

import { h, clear, button, icon, showError, toast, confirmDialog, statusBadge } from '../common/ui.js';
import { t, formatRange, formatTime, formatNumber } from '../common/i18n.js';
import { Meeting } from '../common/meeting.js';
import { AgendaPane } from './agenda.js';
import { SpeakersPane, FloorClock, speakerStrip } from './speakers.js';
import { Votes, VotesPane } from './votes.js';
import { DocViewer } from './viewer.js';
import { NotesPanel } from './notes.js';
import { ownAgendaRefresher } from '../common/agenda-view.js';
import { RtcPlayer } from '../common/rtc-player.js';

const WIDE = '(min-width: 1000px)';
const CHAIR_ROLES = ['chair', 'admin', 'secretariat'];
const PROGRAM_KEY = 'roomctl.tablet.program';

function lockIcon() {
  const ns = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(ns, 'svg');
  svg.setAttribute('viewBox', '0 0 24 24');
  svg.setAttribute('class', 'ico');
  svg.setAttribute('aria-hidden', 'true');
  const p = document.createElementNS(ns, 'path');
  p.setAttribute('d', 'M12 2a5 5 0 0 1 5 5v3h2v12H5V10h2V7a5 5 0 0 1 5-5zm0 2a3 3 0 0 0-3 3v3h6V7a3 3 0 0 0-3-3zm0 9a2 2 0 0 0-1 3.7V19h2v-2.3A2 2 0 0 0 12 13z');
  svg.append(p);
  return svg;
}

export class SessionView {
  constructor(main, { me, ws, sessionId, serverClock, onLeave, onClosedEnded }) {
    this.main = main;
    this.me = me;
    this.ws = ws;
    this.id = sessionId;
    this.serverClock = serverClock;
    this.onLeave = onLeave;
    this.onClosedEnded = onClosedEnded || (() => {});
    this.chairMode = CHAIR_ROLES.includes(me.role);
    this.meeting = new Meeting(sessionId, me);
    this.clock = new FloorClock();
    this.tab = 'agenda';
    this.docFocus = false;
    this.presenting = false;
    this.followKey = `roomctl.follow.${sessionId}`;
    // Delegates follow the chair unless they chose not to; in chair mode the
    // tablet leads, so it follows only when asked.
    const kept = sessionStorage.getItem(this.followKey);
    this.following = kept ? kept === '1' : !this.chairMode;
    this.checkinState = 'idle';       // idle | sending | waiting
    this.programOn = readProgramPref();
    this.alive = true;
    this.wide = window.matchMedia(WIDE);
    this.onWide = () => this.applyLayout();
    this.wide.addEventListener('change', this.onWide);

    this.votes = new Votes({
      meeting: this.meeting, ws, chairMode: this.chairMode, serverClock,
      onChange: () => this.alive && this.renderVoteBits(),
    });
    this.offMeeting = this.meeting.onChange((d) => this.onMeeting(d));
    const mine = (fn) => (msg) => { if (this.alive && msg.session_id === this.id) fn(msg); };
    // Events up to replayUntil were missed while offline and are replayed
    // after a reconnect: their remaining times are stale.
    this.replayUntil = 0;
    const ownAgenda = ownAgendaRefresher(sessionId, (agenda) => {
      if (this.alive) this.meeting.applyEvent({ type: 'agenda.updated', session_id: sessionId, body: { agenda } });
    });
    this.ownAgenda = ownAgenda;
    this.replayed = [];
    this.offWs = [
      ws.on('subscribed', mine((msg) => { this.replayUntil = msg.body.replay ? msg.body.seq : 0; this.replayed = []; })),
      ws.on('snapshot', mine((msg) => this.meeting.applySnapshot(msg.body || {}))),
      ws.on('*', mine((msg) => {
        if (msg.type === 'snapshot' || msg.type === 'subscribed') return;
        if (this.heldBack(msg)) return;
        this.applyEvent(msg, ownAgenda);
      })),
    ];
    this.showLoading();
    ws.subscribe(sessionId).catch((err) => {
      if (!this.alive) return;
      if (err.code === 1200 || err.code === 1101) { toast(t('tb.session.gone'), { kind: 'error' }); this.onLeave(); return; }
      showError(err, t('tb.session.subscribe_failed'));
    });
  }

  applyEvent(msg, ownAgenda) {
    this.meeting.replaying = typeof msg.seq === 'number' && msg.seq <= this.replayUntil;
    this.meeting.applyEvent(msg);
    this.meeting.replaying = false;
    if (msg.type === 'agenda.updated') ownAgenda(msg.body && msg.body.agenda);
  }

  /**
   * What a closed session missed while this tablet was away is held back
   * until the last replayed event: if the session ended meanwhile, none of
   * it is drawn (a presented page would open a document) and the tablet
   * purges instead. TRUE when @msg was held back or dropped.
   */
  heldBack(msg) {
    if (!this.replayUntil || typeof msg.seq !== 'number' || msg.seq > this.replayUntil) return false;
    if (!(this.meeting.session && this.meeting.session.closed)) return false;
    this.replayed.push(msg);
    if (msg.seq < this.replayUntil) return true;
    const held = this.replayed;
    this.replayed = [];
    if (held.some((e) => e.type === 'session.updated' && e.body && e.body.status === 'ended')) {
      this.meeting.session = { ...this.meeting.session, status: 'ended' };
      this.alive = false;
      this.onClosedEnded(this);
      return true;
    }
    for (const e of held) this.applyEvent(e, this.ownAgenda);
    return true;
  }

  destroy() {
    this.alive = false;
    this.offMeeting();
    for (const off of this.offWs) off();
    this.wide.removeEventListener('change', this.onWide);
    this.teardown();
    this.votes.destroy();
    this.clock.stop();
    this.ws.unsubscribe(this.id);
  }

  teardown() {
    if (this.notes) this.notes.flush();
    if (this.speakersPane) this.speakersPane.destroy();
    if (this.strip) this.strip.destroy();
    if (this.viewer) this.viewer.destroy();
    this.stopProgram();
    clearTimeout(this.presentTimer);
    this.built = false;
  }

  showLoading() {
    clear(this.main).append(h('div', { class: 'loading' }, h('span', { class: 'spinner' }), ' ', t('tb.session.loading')));
  }

  /** The connection changed: 'online' | 'connecting' | 'offline' | 'stopped'. */
  onConnection(state) {
    if (!this.alive) return;
    if (this.offlineBanner) this.offlineBanner.hidden = state === 'online' || !this.built;
    if (state === 'online') {
      this.votes.resendAll();
      if (this.notes) this.notes.resendPending();
    }
    if (this.built) this.renderBar();
  }

  // ---------- meeting changes ----------

  onMeeting(d) {
    const m = this.meeting;
    // Ended while shown here (or while this tablet was away): nothing more of
    // it is drawn; the tablet purges it.
    if (this.built && m.session && m.session.closed && m.isEnded) {
      this.alive = false;
      this.onClosedEnded(this);
      return;
    }
    if (d.topic === 'reset') {
      this.clock.update(m.speakers.speaker, { fresh: true });
      if (!this.built) this.build();
      else this.renderAll();
      this.votes.onMeeting(d);
      this.followChair();
      return;
    }
    if (!this.built) return;
    if (m.deleted) {
      toast(t('tb.session.deleted'), { kind: 'error' });
      this.onLeave();
      return;
    }
    switch (d.topic) {
      case 'session':
        this.renderBar();
        this.renderPanes();
        this.renderProgram();
        break;
      case 'agenda':
      case 'delegates':
        this.renderPanes();
        this.renderBar();
        // The open document may have been removed, or the presented one just arrived.
        if (this.viewer.docId != null && !m.document(this.viewer.docId)) this.viewer.close();
        this.followChair();
        break;
      case 'attendance':
        if (d.entry && d.entry.user_id === this.me.id) this.checkinState = 'idle';
        this.renderBar();
        this.speakersPane.render();
        break;
      case 'presentation':
        // The chair moved to another agenda item: nothing is presented any more.
        if (this.presenting && m.presentation.document_id == null) this.presenting = false;
        this.agendaPane.render();
        this.renderMode();
        this.followChair();
        break;
      case 'speakers':
        this.clock.update(m.speakers.speaker, { replayed: m.replaying, skew: this.serverClock.skew() });
        this.speakersPane.render();
        this.renderTabs();
        break;
      default:
        break;
    }
    this.votes.onMeeting(d);
    if (d.topic === 'votes' || d.topic === 'attendance') this.votesPane.render();
  }

  // ---------- building ----------

  build() {
    const m = this.meeting;
    document.title = `${m.session.title} · roomctl`;
    this.barEl = h('section', { class: 'tb-bar', 'aria-label': t('tb.session.bar') });
    this.offlineBanner = h('div', { class: 'tb-offline', role: 'alert', hidden: this.ws.status === 'online' },
      icon('warn'), h('span', null, t('tb.conn.offline_banner')));
    this.checkinBanner = h('div', { class: 'tb-checkin' });
    this.closedBanner = h('div', { class: 'tb-closed', role: 'note', dataset: { testid: 'closed-banner' }, hidden: true },
      lockIcon(), h('div', { class: 'tb-closed-text' },
        h('strong', null, t('tb.closed.banner')), h('span', null, t('tb.closed.hint'))));
    this.tabsEl = h('div', { class: 'tb-tabs', role: 'tablist', 'aria-label': t('tb.tabs') });
    this.panes = {
      agenda: h('section', { class: 'pane', id: 'pane-agenda', role: 'tabpanel', 'aria-labelledby': 'tab-agenda' }),
      speakers: h('section', { class: 'pane', id: 'pane-speakers', role: 'tabpanel', 'aria-labelledby': 'tab-speakers' }),
      votes: h('section', { class: 'pane', id: 'pane-votes', role: 'tabpanel', 'aria-labelledby': 'tab-votes' }),
    };
    this.programHost = h('div', { class: 'tb-program', dataset: { testid: 'program-pane' }, hidden: true });
    this.side = h('div', { class: 'tb-side' }, this.programHost, Object.values(this.panes));
    this.docHost = h('div', { class: 'tb-doc', id: 'pane-doc', role: 'tabpanel', 'aria-labelledby': 'tab-doc' });
    this.shell = h('div', { class: `tb${this.chairMode ? ' chair-mode' : ''}` },
      this.barEl, this.closedBanner, this.offlineBanner, this.checkinBanner,
      h('div', { class: 'tb-body' }, this.tabsEl, this.side, this.docHost));
    clear(this.main).append(this.shell);

    this.strip = speakerStrip(m, this.clock);
    this.agendaPane = new AgendaPane(this.panes.agenda, {
      meeting: m, ws: this.ws, chairMode: this.chairMode,
      onOpenDocument: (id) => this.openDocument(id), openDocId: () => this.viewer?.docId,
    });
    this.speakersPane = new SpeakersPane(this.panes.speakers, { meeting: m, ws: this.ws, clock: this.clock, chairMode: this.chairMode });
    this.votesPane = new VotesPane(this.panes.votes, { meeting: m, ws: this.ws, votes: this.votes, chairMode: this.chairMode });

    const lastDoc = this.viewer ? { id: this.viewer.docId, page: this.viewer.page, zoom: this.viewer.zoom } : null;
    this.viewer = new DocViewer(this.docHost, { resolve: (id) => this.documentFor(id) });
    this.notes = new NotesPanel(this.viewer.sideSlot, {
      ws: this.ws, me: this.me,
      onGoToPage: (p) => this.viewer.goTo(p, { user: true }),
      onNotesChanged: (pages) => this.viewer.markNotes(pages),
    });
    this.notesBtn = button(t('tb.notes.title'), {
      ic: 'note', kind: 'tool', attrs: { 'aria-pressed': 'false', 'data-testid': 'notes-toggle' },
      onClick: () => this.toggleNotes(),
    });
    this.viewer.toolSlot.append(this.notesBtn);
    this.viewer.addEventListener('pagechange', (e) => this.onPageChange(e.detail));
    this.viewer.close();
    this.built = true;
    this.renderAll();
    if (lastDoc && lastDoc.id != null) {
      this.viewer.zoom = lastDoc.zoom;
      this.viewer.open(lastDoc.id, lastDoc.page);
    }
  }

  /** A document with what doc-cache.js needs: its session, and whether a copy may be kept. */
  documentFor(id) {
    const m = this.meeting;
    const found = m.document(id);
    if (!found) return null;
    const keep = !(m.session && m.session.closed && m.isEnded);
    return { ...found, doc: { ...found.doc, session_id: this.id, keep } };
  }

  /** The ids of the session's documents (for the purge of their notes). */
  documentIds() {
    const ids = [];
    for (const e of this.meeting.flatItems()) for (const d of e.item.documents || []) ids.push(d.id);
    return ids;
  }

  /** Rebuilds every label (language change), keeping the open document and page. */
  rebuild() {
    if (!this.built) return;
    this.teardown();
    this.build();
    this.followChair();
    if (this.votes.dialogVote != null) this.votes.renderDialog();
  }

  renderAll() {
    this.renderProgram();
    this.renderBar();
    this.renderTabs();
    this.renderPanes();
    this.renderMode();
    this.applyLayout();
  }

  renderPanes() {
    this.agendaPane.render();
    this.speakersPane.render();
    this.votesPane.render();
  }

  applyLayout() {
    if (!this.built) return;
    const wide = this.wide.matches;
    this.shell.dataset.layout = wide ? 'wide' : 'narrow';
    this.shell.dataset.focus = !wide && this.docFocus ? 'doc' : 'side';
    for (const [name, el] of Object.entries(this.panes)) el.hidden = name !== this.tab;
    this.renderTabs();
  }

  select(tab) {
    if (tab === 'doc') this.docFocus = true;
    else {
      if (tab !== this.tab) this.side.scrollTop = 0;
      this.tab = tab;
      this.docFocus = false;
    }
    this.applyLayout();
    if (tab === 'doc' && this.viewer) this.viewer.render();
  }

  renderTabs() {
    if (!this.built) return;
    const m = this.meeting;
    const wide = this.wide.matches;
    const selected = !wide && this.docFocus ? 'doc' : this.tab;
    const open = m.openVote;
    // "!" asks for a ballot: gone once this tablet has voted (a refused
    // ballot asks again; one waiting for the network is sent by itself).
    const needVote = open && m.isMember && ['none', 'refused'].includes(this.votes.myState(open));
    const tabs = [
      ['agenda', 'tb.tab.agenda', 'checklist', null],
      wide ? null : ['doc', 'tb.tab.doc', 'file', null],
      ['speakers', 'tb.tab.speakers', 'mic', m.speakers.queue.length || null],
      ['votes', 'tb.tab.votes', 'ballot', needVote ? '!' : null],
    ].filter(Boolean);
    clear(this.tabsEl);
    for (const [name, key, ic, count] of tabs) {
      this.tabsEl.append(h('button', {
        type: 'button', role: 'tab', class: 'tb-tab', id: `tab-${name}`, 'aria-controls': `pane-${name}`,
        'aria-selected': String(name === selected), tabindex: name === selected ? '0' : '-1',
        onclick: () => this.select(name),
        onkeydown: (e) => this.tabKeys(e, tabs.map((x) => x[0]), name),
      }, icon(ic), h('span', null, t(key)),
      count != null ? h('span', { class: `count${name === 'votes' && needVote ? ' alert' : ''}` }, String(count)) : null));
    }
  }

  tabKeys(e, names, name) {
    const i = names.indexOf(name);
    let j = null;
    if (e.key === 'ArrowRight') j = (i + 1) % names.length;
    if (e.key === 'ArrowLeft') j = (i - 1 + names.length) % names.length;
    if (j == null) return;
    e.preventDefault();
    this.select(names[j]);
    this.tabsEl.querySelector(`#tab-${names[j]}`)?.focus();
  }

  // ---------- session bar ----------

  renderBar() {
    const m = this.meeting;
    const s = m.session;
    const me = m.myAttendance;
    clear(this.barEl);
    const title = h('div', { class: 'tb-bar-main' },
      h('div', { class: 'tb-title-row' },
        h('h1', { class: 'tb-title' }, s.title),
        button(t('tb.session.switch'), { kind: 'ghost', size: 'sm', onClick: () => this.onLeave() })),
      h('div', { class: 'tb-meta' },
        statusBadge(m.status),
        this.chairMode ? h('span', { class: 'badge badge-chair' }, t('tb.session.chair_mode')) : null,
        s.room ? h('span', { class: 'tb-meta-item' }, icon('room'), s.room) : null,
        h('span', { class: 'tb-meta-item' }, icon('clock'), formatRange(s.starts_at, s.ends_at)),
        h('span', { class: 'tb-meta-item', dataset: { testid: 'present-count' } }, icon('users'),
          t('tb.session.present_count', { present: formatNumber(m.attendance.present), expected: formatNumber(m.attendance.expected) }))));
    this.votePill = h('div', { class: 'tb-vote-pill-slot' });
    const programBtn = m.status === 'live' || this.programOn ? button(t('tb.program.toggle'), {
      kind: this.programOn ? 'primary' : 'secondary', size: 'sm', ic: 'present',
      attrs: { 'aria-pressed': String(this.programOn), 'data-testid': 'program-toggle' },
      onClick: () => this.setProgram(!this.programOn),
    }) : null;
    const side = h('div', { class: 'tb-bar-side' }, this.strip, this.votePill, programBtn, this.attendanceBlock(me));
    this.barEl.append(title, side);
    this.closedBanner.hidden = !s.closed;
    this.renderVoteBits();
    this.renderCheckinBanner(me);
  }

  attendanceBlock(entry) {
    const m = this.meeting;
    if (!m.isMember) return h('span', { class: 'tb-att muted' }, t('tb.session.observer'));
    const present = entry && entry.status === 'present';
    if (present) {
      return h('div', { class: 'tb-att present', dataset: { testid: 'checkin-state' } },
        h('span', { class: 'tb-att-ok' }, icon('check'), h('span', null, t('tb.checkin.done_at', { time: formatTime(entry.first_in) }))),
        !m.isEnded ? button(t('tb.checkin.out'), { kind: 'ghost', size: 'sm', onClick: () => this.checkout() }) : null);
    }
    return h('div', { class: 'tb-att absent', dataset: { testid: 'checkin-state' } },
      h('span', { class: 'badge badge-absent' }, entry && entry.status === 'left' ? t('tb.checkin.left') : t('tb.checkin.not_yet')));
  }

  renderCheckinBanner(entry) {
    const m = this.meeting;
    clear(this.checkinBanner);
    const show = m.isMember && !m.isEnded && !(entry && entry.status === 'present');
    this.checkinBanner.hidden = !show;
    if (!show) return;
    const sending = this.checkinState !== 'idle';
    this.checkinBanner.append(
      h('div', { class: 'tb-checkin-text' },
        h('strong', null, t('tb.checkin.prompt_title')),
        h('span', null, this.checkinState === 'waiting' ? t('tb.checkin.waiting') : t('tb.checkin.prompt', { name: this.me.full_name || this.me.username }))),
      button(sending ? t('tb.checkin.sending') : t('tb.checkin.button'), {
        kind: 'success', size: 'xl', ic: 'check', disabled: sending,
        attrs: { 'data-testid': 'checkin-button' }, onClick: () => this.checkin(),
      }));
  }

  async checkin() {
    // Made while offline, the check-in waits for the connection (RoomSocket queues it).
    this.checkinState = this.ws.status === 'online' ? 'sending' : 'waiting';
    this.renderCheckinBanner(this.meeting.myAttendance);
    try {
      const ack = await this.ws.request('checkin', { session_id: this.id });
      if (ack && ack.attendance) this.meeting.applyEvent({ type: 'attendance.updated', body: { entry: ack.attendance } });
    } catch (err) {
      showError(err, t('tb.checkin.failed'));
    } finally {
      this.checkinState = 'idle';
      if (this.alive && this.built) this.renderBar();
    }
  }

  async checkout() {
    const ok = await confirmDialog({ title: t('tb.checkin.out_title'), message: t('tb.checkin.out_confirm'), confirmLabel: t('tb.checkin.out') });
    if (!ok) return;
    try {
      await this.ws.request('checkout', { session_id: this.id }, { queue: false });
    } catch (err) { showError(err, t('tb.checkin.out_failed')); }
  }

  renderVoteBits() {
    if (!this.built || !this.votePill) return;
    const m = this.meeting;
    const v = m.openVote;
    clear(this.votePill);
    if (v) {
      const state = m.isMember ? this.votes.myState(v) : 'observer';
      this.votePill.append(h('button', {
        type: 'button', class: `tb-vote-pill state-${state}`, dataset: { testid: 'vote-pill' },
        onclick: () => { this.votes.dismissed.delete(v.id); this.votes.showVote(v.id); },
      }, icon('ballot'), h('span', null, t(`tb.vote.pill_${state}`))));
    }
    this.renderTabs();
    if (this.votesPane) this.votesPane.render();
  }

  // ---------- the program pane ----------

  setProgram(on) {
    this.programOn = on;
    try { localStorage.setItem(PROGRAM_KEY, on ? '1' : '0'); } catch { /* storage disabled */ }
    this.renderProgram();
    this.renderBar();
  }

  /** The pane shows (and the call runs) when switched on and the session is live. */
  renderProgram() {
    if (!this.built || !this.programHost) return;
    const show = this.programOn && this.meeting.status === 'live';
    this.programHost.hidden = !show;
    if (!show) { this.stopProgram(); return; }
    if (this.program) return;
    this.program = new RtcPlayer({
      url: `/api/v1/sessions/${this.id}/whep`, title: t('tb.program.title'), compact: true, autoStart: true, testid: 'program-player',
    });
    this.programHost.replaceChildren(h('div', { class: 'section-label' }, t('tb.program.title')), this.program.el);
  }

  stopProgram() {
    if (this.program) this.program.destroy();
    this.program = null;
    this.programHost?.replaceChildren();
  }

  // ---------- documents, following and presenting ----------

  // Opening a document or turning a page never stops following: only "Xem
  // tự do" does. A following reader who looks elsewhere is brought back by
  // the chair's next page.
  openDocument(id) {
    const p = this.meeting.presentation;
    if (!this.wide.matches) this.select('doc');
    // The document the chair shows opens at the chair's page; others at page 1.
    if (this.viewer.docId !== id) this.viewer.open(id, p.document_id === id ? p.page : 1, { user: true });
    this.agendaPane.render();
  }

  onPageChange({ docId, page }) {
    this.notes.setDocument(docId, page);
    this.agendaPane.render();
    if (this.presenting && docId != null) {
      clearTimeout(this.presentTimer);
      this.presentTimer = setTimeout(() => this.sendPresent(docId, page), 120);
    }
    this.renderMode();
  }

  async sendPresent(docId, page) {
    try {
      await this.ws.request('present', { session_id: this.id, document_id: docId, page }, { queue: false });
    } catch (err) { showError(err, t('tb.present.failed')); }
  }

  followChair() {
    if (!this.built || !this.following || this.presenting) return;
    const p = this.meeting.presentation;
    if (p.document_id == null) return;
    if (!this.meeting.document(p.document_id)) return;
    if (!this.wide.matches && !this.docFocus) this.select('doc');
    this.viewer.open(p.document_id, p.page || 1);
  }

  setFollowing(on, { quiet = true } = {}) {
    this.following = on;
    sessionStorage.setItem(this.followKey, on ? '1' : '0');
    if (on) this.followChair();
    else if (!quiet && !this.chairMode) {
      // The way back, in words true to the moment: nothing may be presented yet.
      const presented = this.meeting.presentation.document_id != null;
      toast(t(presented ? 'tb.follow.stopped_toast' : 'tb.follow.stopped_toast_waiting'), { kind: 'info' });
    }
    this.renderMode();
  }

  setPresenting(on) {
    this.presenting = on;
    if (on) {
      if (this.viewer.docId != null) this.sendPresent(this.viewer.docId, this.viewer.page);
      else toast(t('tb.present.open_first'), { kind: 'warn' });
    } else if (this.following) {
      this.followChair();
    }
    this.renderMode();
  }

  renderMode() {
    if (!this.built) return;
    const slot = this.viewer.modeSlot;
    const p = this.meeting.presentation;
    clear(slot);
    if (this.chairMode && !this.meeting.isEnded) {
      slot.append(button(this.presenting ? t('tb.present.on') : t('tb.present.start'), {
        kind: this.presenting ? 'success' : 'secondary', ic: 'present',
        attrs: { 'aria-pressed': String(this.presenting), 'data-testid': 'present-toggle' },
        onClick: () => this.setPresenting(!this.presenting),
      }));
      if (this.presenting) {
        const shown = p.document_id != null && p.document_id === this.viewer.docId;
        slot.append(h('span', { class: 'mode-note' }, shown
          ? t('tb.present.status', { page: p.page }) : t('tb.present.open_first')));
        return;
      }
    }
    const presented = p.document_id != null ? this.meeting.document(p.document_id) : null;
    if (this.following) {
      slot.append(h('span', { class: 'follow-state on', dataset: { testid: 'follow-state' } }, icon('follow'),
        h('span', null, presented ? t(this.chairMode ? 'tb.follow.on_chair' : 'tb.follow.on') : t('tb.follow.waiting'))));
      slot.append(button(t('tb.follow.stop'), {
        kind: 'secondary', attrs: { 'data-testid': 'follow-stop' }, onClick: () => this.setFollowing(false, { quiet: false }),
      }));
      // Following, but looking at another page for now: where the chair is.
      const away = presented && (this.viewer.docId !== p.document_id || this.viewer.page !== p.page);
      if (away) slot.append(h('span', { class: 'mode-note', dataset: { testid: 'chair-at' } }, t('tb.follow.chair_at', { page: p.page })));
    } else {
      slot.append(button(t(this.chairMode ? 'tb.follow.start_chair' : 'tb.follow.start'), {
        kind: 'primary', ic: 'follow', attrs: { 'data-testid': 'follow-start' }, onClick: () => this.setFollowing(true),
      }));
      if (presented) slot.append(h('span', { class: 'mode-note' }, t('tb.follow.chair_at', { page: p.page })));
    }
  }

  toggleNotes(force) {
    const on = force ?? !this.notes.visible;
    this.notes.visible = on;
    this.notesBtn.setAttribute('aria-pressed', String(on));
    if (on) this.notes.text.focus();
    else this.notes.flush();
  }
}

function readProgramPref() {
  try { return localStorage.getItem(PROGRAM_KEY) === '1'; } catch { return false; }
}
