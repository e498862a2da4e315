// Votes on the tablet: the ballot card that pops up when a vote opens, the
// ballot's journey (sending → recorded, or not sent — will retry), the
// results when it closes, the votes pane, and the chair's controls (open a
// vote, watch ballots come in, close it).
//
// A ballot is written to localStorage *before* it is sent, with a random
// ballot_key, and removed once the server has it on disk. After a reload
// or a reconnect every ballot still there is sent again with the same key;
// the server acknowledges a repeat as a duplicate and counts it once.
// A secret ballot is acknowledged twice: "received" at once, then "sealed"
// (the ballot.sealed event) when the server has written it with its group
// of at least k ballots, or at the close. Until sealed it stays in storage
// and is sent again after every reconnect: a controller that restarts in
// between has lost it. The choice of a secret ballot is not kept on the
// tablet once sealed.

import { h, clear, button, icon, showError, toast, confirmDialog, uid } from '../common/ui.js';
import { t, has, formatNumber, formatTime } from '../common/i18n.js';
import { formatClock } from './speakers.js';

const NETWORK_ERRORS = new Set(['network', 'timeout', 'closed']);

/** An option as shown: the server's default options follow the UI language. */
export function optionLabel(label) {
  return has(`tb.vote.opt.${label}`) ? t(`tb.vote.opt.${label}`) : label;
}

function newBallotKey() {
  const b = new Uint8Array(16);
  crypto.getRandomValues(b);
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
}

export class Votes {
  constructor({ meeting, ws, chairMode, serverClock, onChange }) {
    this.meeting = meeting;
    this.ws = ws;
    this.chairMode = chairMode;
    this.serverClock = serverClock;
    this.onChange = onChange || (() => {});
    this.storageKey = `roomctl.ballots.${meeting.me.id}`;
    this.ballots = new Map();      // vote id -> {vote_id, option, ballot_key, state, reason}
    this.deadlines = new Map();    // vote id -> local ms
    this.dismissed = new Set();    // vote ids whose card the user hid
    this.dialog = null;
    this.dialogVote = null;
    this.timer = setInterval(() => this.tick(), 500);
    for (const b of Object.values(this.readStore())) {
      this.ballots.set(b.vote_id, { ...b, state: 'unsent' });
    }
  }

  destroy() {
    clearInterval(this.timer);
    this.closeDialog();
  }

  // ---------- storage ----------

  readStore() {
    try { return JSON.parse(localStorage.getItem(this.storageKey) || '{}') || {}; } catch { return {}; }
  }

  writeStore(all) {
    try {
      if (Object.keys(all).length) localStorage.setItem(this.storageKey, JSON.stringify(all));
      else localStorage.removeItem(this.storageKey);
    } catch { /* storage full or disabled: the ballot still goes out now */ }
  }

  keep(b) {
    const all = this.readStore();
    all[b.vote_id] = { vote_id: b.vote_id, option: b.option, ballot_key: b.ballot_key, session_id: this.meeting.id, at: Date.now() };
    this.writeStore(all);
  }

  forget(voteId) {
    const all = this.readStore();
    if (voteId in all) { delete all[voteId]; this.writeStore(all); }
  }

  // ---------- ballots ----------

  ballot(voteId) { return this.ballots.get(voteId) || null; }

  /** What the tablet knows of my ballot in an open vote: a state name. */
  myState(vote) {
    const b = this.ballots.get(vote.id);
    if (b) return b.state;
    if (vote.my_ballot && vote.my_ballot.voted) return vote.my_ballot.state === 'received' ? 'received' : 'recorded';
    return 'none';
  }

  async cast(vote, option) {
    const b = { vote_id: vote.id, option, ballot_key: newBallotKey(), state: 'sending' };
    this.ballots.set(vote.id, b);
    this.keep(b);
    await this.send(b);
  }

  async send(b) {
    if (this.ws.status !== 'online') {
      b.state = 'unsent';
      this.changed();
      return;
    }
    b.state = 'sending';
    this.changed();
    try {
      const ack = await this.ws.request('vote.cast', { vote_id: b.vote_id, option: b.option, ballot_key: b.ballot_key }, { queue: false });
      if (this.ballots.get(b.vote_id) !== b) return;   // replaced meanwhile
      b.duplicate = !!ack.duplicate;
      const v = this.meeting.votes.get(b.vote_id);
      if (ack.state === 'received') {
        // Secret: in the server's memory, not yet on disk. Kept, and sent
        // again after a reconnect, until ballot.sealed arrives.
        if (b.state !== 'recorded') b.state = 'received';
        if (v) v.my_ballot = { voted: true, state: 'received' };
      } else {
        this.sealed(b);
      }
    } catch (err) {
      if (this.ballots.get(b.vote_id) !== b) return;
      if (NETWORK_ERRORS.has(err.errorName)) {
        b.state = 'unsent';         // kept in storage, sent again on reconnect
      } else if (err.code === 1201) {
        b.state = 'recorded';       // this delegate's ballot is already in
        b.already = true;
        this.forget(b.vote_id);
      } else {
        b.state = 'refused';
        b.reason = err.reason || err.message;
        this.forget(b.vote_id);
      }
    }
    this.changed();
  }

  /** The ballot is on disk: nothing of it stays on the tablet. */
  sealed(b) {
    b.state = 'recorded';
    this.forget(b.vote_id);
    const v = this.meeting.votes.get(b.vote_id);
    if (v) v.my_ballot = { voted: true, option: v.secret ? undefined : b.option, state: v.secret ? 'sealed' : undefined };
  }

  /** Sends every ballot not yet on disk (after a reconnect or a reload). */
  resendAll() {
    for (const b of this.ballots.values()) {
      if (b.state === 'unsent' || b.state === 'sending' || b.state === 'received') this.send(b);
    }
  }

  // ---------- meeting events ----------

  /** Called for every meeting change. */
  onMeeting(detail) {
    const m = this.meeting;
    if (detail.topic === 'reset') {
      for (const v of m.votes.values()) {
        if (v.status === 'open' && v.closes_at && !this.deadlines.has(v.id)) {
          this.deadlines.set(v.id, Date.parse(v.closes_at) - this.serverClock.skew());
        }
      }
      // Stored ballots of votes that are over can no longer count; a secret
      // ballot the snapshot says is sealed is done with.
      for (const b of [...this.ballots.values()]) {
        const v = m.votes.get(b.vote_id);
        if (b.state !== 'recorded' && v && v.status === 'open' && v.my_ballot && v.my_ballot.state === 'sealed') this.sealed(b);
        else if (b.state !== 'recorded' && v && v.status !== 'open') this.lost(b);
      }
      // After a reload or a reconnect the card comes back only if the delegate still has to act.
      const open = m.openVote;
      if (open && this.shouldPopUp(open) && m.isMember && ['none', 'unsent', 'refused'].includes(this.myState(open))) this.showVote(open.id);
      else if (this.dialogVote != null) this.renderDialog();
    }
    if (detail.topic === 'votes') {
      if (detail.sealed != null) {
        const b = this.ballots.get(detail.sealed);
        if (b && b.state !== 'refused') this.sealed(b);
        const v = m.votes.get(detail.sealed);
        if (!b && v) v.my_ballot = { voted: true, state: 'sealed' };
      }
      if (detail.opened != null) {
        const v = m.votes.get(detail.opened);
        if (v && v.closes_at) {
          // Live: the time limit counts from now; replayed after a reconnect: from the server's clock.
          this.deadlines.set(v.id, m.replaying
            ? Date.parse(v.closes_at) - this.serverClock.skew()
            : Date.now() + (Date.parse(v.closes_at) - Date.parse(v.opened_at)));
        }
        if (v && this.shouldPopUp(v)) this.showVote(v.id);
      }
      if (detail.closed != null) {
        const b = this.ballots.get(detail.closed);
        if (b && b.state !== 'recorded') this.lost(b);
        this.dismissed.delete(detail.closed);
        this.showVote(detail.closed);   // results for everyone
      }
      if (this.dialogVote != null) this.renderDialog();
    }
    if (detail.topic === 'attendance' && this.dialogVote != null) this.renderDialog();
    this.onChange();
  }

  lost(b) {
    b.state = 'refused';
    b.reason = t('tb.vote.closed_before');
    this.forget(b.vote_id);
  }

  shouldPopUp(v) {
    return v.status === 'open' && !this.dismissed.has(v.id) && (this.meeting.isMember || this.chairMode);
  }

  changed() {
    if (this.dialogVote != null) this.renderDialog();
    this.onChange();
  }

  timeLeft(v) {
    const d = this.deadlines.get(v.id);
    return d == null ? null : d - Date.now();
  }

  tick() {
    if (!this.dialog) return;
    const v = this.meeting.votes.get(this.dialogVote);
    const el = this.dialog.querySelector('.ballot-time');
    if (v && el && v.status === 'open') {
      const left = this.timeLeft(v);
      if (left != null) el.textContent = t('tb.vote.time_left', { time: formatClock(Math.max(0, left)) });
    }
  }

  // ---------- the dialog ----------

  showVote(voteId) {
    this.dialogVote = voteId;
    if (!this.dialog) {
      this.dialog = h('dialog', { class: 'modal ballot-dialog', 'aria-labelledby': 'ballot-q', dataset: { testid: 'ballot' } });
      this.dialog.addEventListener('cancel', (e) => { e.preventDefault(); this.hide(); });
      document.body.append(this.dialog);
    }
    this.renderDialog();
    if (!this.dialog.open) this.dialog.showModal();
    const toasts = document.getElementById('toasts');
    if (toasts && toasts.matches?.(':popover-open')) { toasts.hidePopover(); toasts.showPopover(); }
  }

  hide() {
    const v = this.meeting.votes.get(this.dialogVote);
    if (v && v.status === 'open') this.dismissed.add(v.id);
    this.closeDialog();
    this.onChange();
  }

  closeDialog() {
    if (this.dialog) {
      if (this.dialog.open) this.dialog.close();
      this.dialog.remove();
    }
    this.dialog = null;
    this.dialogVote = null;
  }

  renderDialog() {
    const v = this.meeting.votes.get(this.dialogVote);
    if (!this.dialog) return;
    if (!v) { this.closeDialog(); return; }
    const focused = document.activeElement && this.dialog.contains(document.activeElement) ? document.activeElement.dataset.focusKey : null;
    clear(this.dialog);
    this.dialog.dataset.status = v.status;
    this.dialog.append(v.status === 'open' ? this.ballotCard(v) : this.resultCard(v));
    const again = focused && this.dialog.querySelector(`[data-focus-key="${focused}"]`);
    if (again) again.focus();
    this.tick();
  }

  header(v, kindKey) {
    const m = this.meeting;
    const item = v.agenda_item_id ? m.item(v.agenda_item_id) : null;
    return h('div', { class: 'ballot-head' },
      h('div', { class: 'ballot-kind' },
        icon('ballot'),
        h('span', null, t(kindKey)),
        h('span', { class: `badge ${v.secret ? 'badge-secret' : 'badge-open-vote'}`, dataset: { testid: 'ballot-secrecy' } },
          v.secret ? t('tb.vote.secret') : t('tb.vote.open_ballot')),
        h('span', { class: 'spacer' }),
        h('button', { type: 'button', class: 'modal-close', 'aria-label': t('tb.vote.hide'), onclick: () => this.hide(), dataset: { focusKey: 'x' } }, icon('close'))),
      item ? h('div', { class: 'ballot-item' }, `${item.number}. ${item.item.title}`) : null,
      h('h2', { id: 'ballot-q', class: 'ballot-question' }, v.question));
  }

  ballotCard(v) {
    const m = this.meeting;
    const b = this.ballots.get(v.id);
    const state = this.myState(v);
    const card = h('div', { class: 'ballot' }, this.header(v, 'tb.vote.title'));
    const left = this.timeLeft(v);
    card.append(h('div', { class: 'ballot-meta' },
      left != null ? h('span', { class: 'ballot-time num' }) : h('span', { class: 'muted' }, t('tb.vote.no_limit')),
      v.secret ? h('span', { class: 'muted' }, t('tb.vote.secret_hint')) : (v.allow_change ? h('span', { class: 'muted' }, t('tb.vote.can_change')) : null)));

    if (m.isMember) {
      const canVote = m.amPresent;
      const chosen = b ? b.option : (v.my_ballot && v.my_ballot.voted ? v.my_ballot.option : null);
      const locked = state === 'sending' || ((state === 'recorded' || state === 'unsent' || state === 'received') && !v.allow_change);
      const selected = this.selection?.vote === v.id ? this.selection.option : null;
      const group = h('div', { class: 'ballot-options', role: 'radiogroup', 'aria-labelledby': 'ballot-q' });
      (v.options || []).forEach((label, i) => {
        const isChosen = (selected != null ? selected === i : chosen === i);
        group.append(h('button', {
          type: 'button', role: 'radio', class: `ballot-option opt-${i}${isChosen ? ' chosen' : ''}`,
          'aria-checked': String(isChosen), disabled: !canVote || locked, dataset: { option: String(i), focusKey: `o${i}` },
          onclick: () => { this.selection = { vote: v.id, option: i }; this.renderDialog(); },
        }, h('span', { class: 'ballot-radio', 'aria-hidden': 'true' }), h('span', null, optionLabel(label))));
      });
      card.append(group);
      if (!canVote) {
        card.append(h('div', { class: 'callout callout-warn ballot-note' }, t('tb.vote.checkin_first')));
      } else if (!locked && state !== 'recorded' && state !== 'received') {
        const pick = selected;
        card.append(button(t('tb.vote.send'), {
          kind: 'primary', size: 'xl', disabled: pick == null, attrs: { 'data-focus-key': 'send', 'data-testid': 'ballot-send' },
          onClick: () => { this.selection = null; this.cast(v, pick); },
        }));
        if (pick == null) card.append(h('p', { class: 'hint ballot-hint' }, t('tb.vote.choose')));
      } else if (state === 'recorded' && v.allow_change && selected != null && selected !== chosen) {
        card.append(button(t('tb.vote.change'), {
          kind: 'primary', size: 'xl', attrs: { 'data-focus-key': 'send' },
          onClick: () => { this.selection = null; this.cast(v, selected); },
        }));
      }
      card.append(this.stateLine(v, state, b));
    } else {
      card.append(h('p', { class: 'muted' }, t('tb.vote.not_member')));
    }

    if (this.chairMode) card.append(this.chairBlock(v));
    card.append(h('div', { class: 'ballot-foot' },
      button(t('tb.vote.hide'), { kind: 'ghost', onClick: () => this.hide(), attrs: { 'data-focus-key': 'hide' } })));
    return card;
  }

  stateLine(v, state, b) {
    const opt = b ? optionLabel(v.options[b.option]) : null;
    const lines = {
      none: [null, ''],
      sending: ['sending', t('tb.vote.sending')],
      recorded: ['recorded', b && b.already ? t('tb.vote.recorded_before')
        : (v.secret ? t('tb.vote.sealed') : (opt ? t('tb.vote.recorded_option', { option: opt }) : t('tb.vote.recorded')))],
      received: ['received', t('tb.vote.received', { k: v.seal_group ?? 5 })],
      unsent: ['unsent', t('tb.vote.unsent')],
      refused: ['refused', t('tb.vote.refused', { reason: (b && b.reason) || '' })],
    };
    const [cls, text] = lines[state] || lines.none;
    const ic = { recorded: 'check', received: 'check', unsent: 'warn', refused: 'warn' }[state];
    return h('div', { class: `ballot-state ${cls ? `state-${cls}` : ''}`, role: 'status', dataset: { testid: 'ballot-state', state } },
      state === 'sending' ? h('span', { class: 'spinner', 'aria-hidden': 'true' }) : (ic ? icon(ic) : null),
      h('span', null, text));
  }

  chairBlock(v) {
    const p = this.meeting.progress.get(v.id) || { cast: v.cast ?? 0, present: v.present ?? 0, members: v.members ?? 0 };
    return h('div', { class: 'chair-vote' },
      h('div', { class: 'chair-vote-count' },
        h('span', { class: 'big num', dataset: { testid: 'vote-cast' } }, formatNumber(p.cast)),
        h('span', null, t('tb.vote.cast_of', { present: formatNumber(p.present), members: formatNumber(p.members) }))),
      h('div', { class: 'progress' }, h('div', { class: 'progress-bar', style: { width: `${p.present ? Math.min(100, (p.cast / p.present) * 100) : 0}%` } })),
      button(t('tb.vote.close'), {
        kind: 'danger', size: 'lg', ic: 'stop', attrs: { 'data-testid': 'vote-close', 'data-focus-key': 'close-vote' },
        onClick: () => this.closeVote(v),
      }));
  }

  async closeVote(v) {
    const ok = await confirmDialog({
      title: t('tb.vote.close_title'), message: t('tb.vote.close_confirm', { question: v.question }),
      confirmLabel: t('tb.vote.close'), danger: true,
    });
    if (!ok) return;
    try {
      await this.ws.request('vote.close', { vote_id: v.id }, { queue: false });
    } catch (err) { showError(err, t('tb.vote.close_failed')); }
  }

  resultCard(v) {
    const r = v.result || { counts: [], cast: 0, present: 0, members: 0 };
    const card = h('div', { class: 'ballot result' }, this.header(v, 'tb.vote.result_title'));
    const passed = !!r.passed;
    card.append(h('div', { class: `verdict ${passed ? 'passed' : 'failed'}`, dataset: { testid: 'vote-verdict' } },
      icon(passed ? 'check' : 'close'), h('span', null, passed ? t('tb.vote.passed') : t('tb.vote.not_passed'))));
    card.append(resultTable(v));
    const b = this.ballots.get(v.id);
    if (b && b.state === 'refused') card.append(h('div', { class: 'callout callout-danger' }, t('tb.vote.refused', { reason: b.reason || '' })));
    card.append(h('div', { class: 'ballot-foot' },
      button(t('app.close'), { kind: 'primary', size: 'lg', onClick: () => this.closeDialog(), attrs: { 'data-focus-key': 'close' } })));
    return card;
  }
}

/** The counts of a closed vote with bars, turnout, quorum and the rule. */
export function resultTable(v) {
  const r = v.result || { counts: [] };
  const cast = r.cast || 0;
  const rows = (v.options || []).map((label, i) => {
    const n = (r.counts || [])[i] || 0;
    const pct = cast ? Math.round((n / cast) * 1000) / 10 : 0;
    return h('div', { class: `result-row opt-${i}`, dataset: { option: String(i) } },
      h('span', { class: 'result-label' }, optionLabel(label)),
      h('span', { class: 'result-bar', 'aria-hidden': 'true' }, h('span', { style: { width: `${pct}%` } })),
      h('span', { class: 'result-count num', dataset: { testid: `count-${i}` } }, formatNumber(n)),
      h('span', { class: 'result-pct num muted' }, `${formatNumber(pct)} %`));
  });
  const facts = [
    t('tb.vote.fact_cast', { cast: formatNumber(cast), present: formatNumber(r.present ?? 0), members: formatNumber(r.members ?? 0) }),
    r.quorum_met ? t('tb.vote.quorum_met') : t('tb.vote.quorum_not_met'),
    r.needed != null ? t('tb.vote.needed', { n: formatNumber(r.needed), base: t(r.majority === 'present' ? 'tb.vote.base_present' : 'tb.vote.base_members') }) : null,
  ].filter(Boolean);
  return h('div', { class: 'result' },
    h('div', { class: 'result-rows', dataset: { testid: 'vote-counts' } }, rows),
    h('ul', { class: 'result-facts' }, facts.map((f, i) => h('li', { class: i === 1 ? (r.quorum_met ? 'ok' : 'bad') : null, dataset: i === 1 ? { testid: 'vote-quorum' } : {} }, f))));
}

/** The votes pane: the open vote, the chair's form, the results so far. */
export class VotesPane {
  constructor(host, { meeting, ws, votes, chairMode }) {
    this.meeting = meeting;
    this.ws = ws;
    this.votes = votes;
    this.chairMode = chairMode;
    this.el = h('div', { class: 'pane-body votes-pane' });
    this.form = null;
    host.append(this.el);
    this.render();
  }

  render() {
    const m = this.meeting;
    // Keep what the chair is typing across re-renders.
    const draft = this.form ? {
      question: this.form.querySelector('[name=question]').value,
      secret: this.form.querySelector('[name=secret]').checked,
      duration: this.form.querySelector('[name=duration]').value,
    } : null;
    const hadFocus = this.form && this.form.contains(document.activeElement) ? document.activeElement.name : null;
    clear(this.el);
    this.form = null;
    const open = m.openVote;
    if (open) {
      const state = this.votes.myState(open);
      const p = m.progress.get(open.id) || { cast: open.cast ?? 0, present: open.present ?? 0 };
      this.el.append(h('section', { class: 'vote-open-card' },
        h('div', { class: 'row' }, h('span', { class: 'badge badge-live' }, t('tb.vote.in_progress')),
          h('span', { class: `badge ${open.secret ? 'badge-secret' : 'badge-open-vote'}` }, open.secret ? t('tb.vote.secret') : t('tb.vote.open_ballot'))),
        h('h3', { class: 'vote-q' }, open.question),
        this.chairMode ? null : h('p', { class: 'muted' }, t('tb.vote.progress_line', { cast: formatNumber(p.cast), present: formatNumber(p.present) })),
        m.isMember ? h('p', { class: `vote-mine state-${state}` }, t(`tb.vote.mine_${state}`)) : null,
        button(m.isMember && state === 'none' ? t('tb.vote.go_vote') : t('tb.vote.show_card'), {
          kind: 'primary', size: 'lg', ic: 'ballot', onClick: () => { this.votes.dismissed.delete(open.id); this.votes.showVote(open.id); },
        })));
      if (this.chairMode) this.el.append(this.votes.chairBlock(open));
    } else if (this.chairMode && m.isLive) {
      this.el.append(this.openForm(draft));
      if (hadFocus) this.form.querySelector(`[name=${hadFocus}]`)?.focus();
    } else {
      this.el.append(h('p', { class: 'muted empty-line' }, m.isLive ? t('tb.vote.none_open') : t('tb.vote.not_live')));
    }
    const closed = m.voteList().filter((v) => v.status !== 'open');
    if (closed.length) {
      this.el.append(h('h3', { class: 'section-label' }, t('tb.vote.history')));
      const ul = h('ul', { class: 'vote-history' });
      for (const v of closed) {
        const r = v.result || {};
        ul.append(h('li', null, h('button', { type: 'button', class: 'vote-history-row', onclick: () => this.votes.showVote(v.id) },
          h('span', { class: 'vote-history-q' }, v.question),
          h('span', { class: 'vote-history-meta' },
            h('span', { class: `badge ${r.passed ? 'badge-present' : 'badge-left'}` }, r.passed ? t('tb.vote.passed') : t('tb.vote.not_passed')),
            h('span', { class: 'muted num' }, `${(r.counts || []).join(' / ')} · ${formatTime(v.closed_at)}`)))));
      }
      this.el.append(ul);
    }
  }

  openForm(draft) {
    const m = this.meeting;
    const cur = m.presentation.current_item_id ? m.item(m.presentation.current_item_id) : null;
    const qId = uid('vq');
    const question = h('textarea', {
      id: qId, name: 'question', rows: 3, maxlength: 500, required: true,
      value: draft ? draft.question : (cur ? t('tb.vote.default_question', { title: cur.item.title }) : ''),
    });
    const secret = h('input', { type: 'checkbox', name: 'secret', checked: draft ? draft.secret : false });
    const duration = h('select', { name: 'duration', 'aria-label': t('tb.vote.duration') },
      [0, 60, 120, 180, 300, 600].map((s) => h('option', { value: String(s), selected: draft ? draft.duration === String(s) : s === 0 },
        s ? t('tb.vote.minutes', { n: s / 60 }) : t('tb.vote.no_limit'))));
    const submit = button(t('tb.vote.open'), { kind: 'primary', size: 'lg', ic: 'ballot', type: 'submit' });
    const form = h('form', { class: 'vote-form card', novalidate: true },
      h('div', { class: 'card-body' },
        h('h3', null, t('tb.vote.new')),
        h('div', { class: 'field' }, h('label', { for: qId }, t('tb.vote.question')), question),
        h('p', { class: 'hint' }, t('tb.vote.default_options')),
        h('label', { class: 'check big-check' }, secret, h('span', null, t('tb.vote.secret_toggle'))),
        h('div', { class: 'field' }, h('label', null, t('tb.vote.duration')), duration),
        submit));
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      const q = question.value.trim();
      if (!q) { question.setAttribute('aria-invalid', 'true'); question.focus(); toast(t('form.required'), { kind: 'warn' }); return; }
      submit.disabled = true;
      const body = { session_id: m.id, question: q, secret: secret.checked };
      const d = Number(duration.value);
      if (d) body.duration_seconds = d;
      try {
        await this.ws.request('vote.open', body, { queue: false });
        this.form = null;
      } catch (err) {
        showError(err, t('tb.vote.open_failed'));
      } finally {
        submit.disabled = false;
      }
    });
    this.form = form;
    return form;
  }
}
