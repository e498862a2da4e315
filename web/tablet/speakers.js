// Requests to speak: the delegate's own request (ask / withdraw), who has the
// floor with a countdown of their remaining time, and the queue. In chair
// mode the queue has names and a "give the floor" button per row, and the
// current turn can be ended.
//
// The countdown runs from remaining_ms as received (the server's clock is not
// needed); a replayed event for the same turn keeps the running deadline.

import { h, clear, button, icon, showError } from '../common/ui.js';
import { t, formatTime } from '../common/i18n.js';

/** "2:05"; negative values (over time) as "+0:12". */
export function formatClock(ms) {
  const over = ms < 0;
  const s = Math.ceil(Math.abs(ms) / 1000);
  const txt = `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
  return over ? `+${txt}` : txt;
}

/** Tracks the speaker's deadline in local time; ticks listeners 4 times a second. */
export class FloorClock {
  constructor() {
    this.turn = null;        // {user_id, granted_at, limit_seconds, deadline}
    this.listeners = new Set();
    this.timer = null;
  }

  /**
   * fresh: from a snapshot (remaining_ms is current). replayed: from the
   * events replayed after a reconnect, where remaining_ms is as old as the
   * event; the deadline then comes from granted_at + limit and skew (the
   * server's clock minus ours, ±1 s).
   */
  update(speaker, { fresh = false, replayed = false, skew = 0 } = {}) {
    if (!speaker) { this.turn = null; this.stop(); this.tick(); return; }
    const same = this.turn && this.turn.user_id === speaker.user_id && this.turn.granted_at === speaker.granted_at;
    if (!same || fresh) {
      const granted = Date.parse(speaker.granted_at);
      const deadline = replayed && !fresh && !Number.isNaN(granted)
        ? granted + speaker.limit_seconds * 1000 - skew
        : Date.now() + (speaker.remaining_ms ?? speaker.limit_seconds * 1000);
      this.turn = { ...speaker, deadline };
    }
    this.start();
    this.tick();
  }

  remainingMs() { return this.turn ? this.turn.deadline - Date.now() : 0; }

  start() {
    if (!this.timer) this.timer = setInterval(() => this.tick(), 250);
  }

  stop() { clearInterval(this.timer); this.timer = null; }

  tick() { for (const fn of this.listeners) fn(this.turn, this.remainingMs()); }

  onTick(fn) { this.listeners.add(fn); return () => this.listeners.delete(fn); }
}

export class SpeakersPane {
  constructor(host, { meeting, ws, clock, chairMode }) {
    this.meeting = meeting;
    this.ws = ws;
    this.clock = clock;
    this.chairMode = chairMode;
    this.busy = false;
    this.el = h('div', { class: 'pane-body speakers' });
    host.append(this.el);
    this.offTick = clock.onTick((turn, ms) => this.tick(turn, ms));
    this.render();
  }

  destroy() { this.offTick(); }

  async send(type, body, failKey) {
    this.busy = true;
    this.render();
    try {
      await this.ws.request(type, body, { queue: false });
    } catch (err) {
      showError(err, t(failKey));
    } finally {
      this.busy = false;
      this.render();
    }
  }

  render() {
    const m = this.meeting;
    const me = m.me;
    const sp = m.speakers.speaker;
    const sid = m.id;
    const pos = m.queuePosition(me.id);
    const iSpeak = sp && sp.user_id === me.id;
    clear(this.el);

    // Who has the floor.
    const speakerCard = h('section', { class: `floor-card${sp ? ' active' : ''}`, 'aria-labelledby': 'floor-h' },
      h('h3', { id: 'floor-h', class: 'section-label' }, t('tb.speak.now')));
    if (sp) {
      const person = m.person(sp.user_id);
      this.countdownEl = h('div', { class: 'floor-countdown num', dataset: { testid: 'floor-countdown' }, 'aria-label': t('tb.speak.remaining') });
      this.barEl = h('div', { class: 'progress-bar' });
      speakerCard.append(...[
        h('div', { class: 'floor-who' },
          h('span', { class: 'floor-mic' }, icon('mic')),
          h('div', { class: 'floor-name-block' },
            h('div', { class: 'floor-name', dataset: { testid: 'floor-name' } }, m.name(sp.user_id)),
            person && (person.title || person.unit) ? h('div', { class: 'floor-sub' }, [person.title, person.unit].filter(Boolean).join(' · ')) : null),
          this.countdownEl),
        h('div', { class: 'progress floor-progress', role: 'presentation' }, this.barEl),
        (this.chairMode || iSpeak) ? h('div', { class: 'floor-actions' },
          button(iSpeak && !this.chairMode ? t('tb.speak.end_mine') : t('tb.speak.end'), {
            kind: 'danger-outline', size: 'lg', ic: 'stop', disabled: this.busy,
            onClick: () => this.send('speak.end', { session_id: sid }, 'tb.speak.end_failed'),
          })) : null].filter(Boolean));
    } else {
      this.countdownEl = null;
      speakerCard.append(h('p', { class: 'muted floor-none' }, t('tb.speak.nobody')));
    }
    this.el.append(speakerCard);

    // My own request.
    if (m.isMember && !m.isEnded) {
      const mine = h('section', { class: 'my-request', 'aria-labelledby': 'myreq-h' },
        h('h3', { id: 'myreq-h', class: 'section-label' }, t('tb.speak.mine')));
      if (iSpeak) {
        mine.append(h('p', { class: 'my-request-state speaking' }, t('tb.speak.you_speak')));
      } else if (pos) {
        mine.append(
          h('p', { class: 'my-request-state queued', dataset: { testid: 'my-queue-position' } }, t('tb.speak.your_position', { n: pos })),
          button(t('tb.speak.withdraw'), {
            kind: 'secondary', size: 'xl', disabled: this.busy, attrs: { 'data-testid': 'speak-withdraw' },
            onClick: () => this.send('speak.withdraw', { session_id: sid }, 'tb.speak.withdraw_failed'),
          }));
      } else {
        const can = m.amPresent && m.isLive;
        mine.append(...[
          button(t('tb.speak.request'), {
            kind: 'primary', size: 'xl', ic: 'mic', disabled: this.busy || !can, attrs: { 'data-testid': 'speak-request' },
            onClick: () => this.send('speak.request', { session_id: sid }, 'tb.speak.request_failed'),
          }),
          !can ? h('p', { class: 'hint' }, m.isLive ? t('tb.speak.checkin_first') : t('tb.speak.not_live')) : null].filter(Boolean));
      }
      this.el.append(mine);
    }

    // The queue.
    const q = m.speakers.queue;
    const queue = h('section', { class: 'queue', 'aria-labelledby': 'queue-h' },
      h('h3', { id: 'queue-h', class: 'section-label' }, t('tb.speak.queue'), h('span', { class: 'count' }, String(q.length))));
    if (!q.length) queue.append(h('p', { class: 'muted' }, t('tb.speak.queue_empty')));
    else {
      const ol = h('ol', { class: 'queue-list', dataset: { testid: 'speaker-queue' } });
      q.forEach((entry, i) => {
        const person = m.person(entry.user_id);
        ol.append(h('li', { class: `queue-row${entry.user_id === me.id ? ' mine' : ''}`, dataset: { userId: String(entry.user_id) } },
          h('span', { class: 'queue-no num' }, String(i + 1)),
          h('div', { class: 'queue-who' },
            h('div', { class: 'queue-name' }, m.name(entry.user_id)),
            h('div', { class: 'queue-sub' }, [person && person.title, t('tb.speak.asked_at', { time: formatTime(entry.requested_at) })].filter(Boolean).join(' · '))),
          this.chairMode ? button(t('tb.speak.grant'), {
            kind: 'success', size: 'lg', ic: 'mic', disabled: this.busy || !m.isLive,
            attrs: { 'aria-label': t('tb.speak.grant_to', { name: m.name(entry.user_id) }) },
            onClick: () => this.send('speak.grant', { session_id: sid, user_id: entry.user_id }, 'tb.speak.grant_failed'),
          }) : null));
      });
      queue.append(ol);
    }
    this.el.append(queue);
    this.tick(this.clock.turn, this.clock.remainingMs());
  }

  tick(turn, ms) {
    if (!this.countdownEl || !turn) return;
    this.countdownEl.textContent = formatClock(ms);
    this.countdownEl.classList.toggle('low', ms < 30_000 && ms >= 0);
    this.countdownEl.classList.toggle('over', ms < 0);
    const total = (turn.limit_seconds || 1) * 1000;
    if (this.barEl) this.barEl.style.width = `${Math.max(0, Math.min(100, (ms / total) * 100))}%`;
  }
}

/** The "now speaking" strip in the session bar, on every screen. */
export function speakerStrip(meeting, clock) {
  const nameEl = h('span', { class: 'strip-name' });
  const timeEl = h('span', { class: 'strip-time num', dataset: { testid: 'speaker-countdown' } });
  const el = h('div', { class: 'speaker-strip', hidden: true, role: 'status', 'aria-live': 'off' },
    icon('mic'), h('span', { class: 'sr-only' }, t('tb.speak.now')), nameEl, timeEl);
  const update = (turn, ms) => {
    el.hidden = !turn;
    if (!turn) return;
    nameEl.textContent = meeting.name(turn.user_id);
    timeEl.textContent = formatClock(ms);
    el.classList.toggle('low', ms < 30_000 && ms >= 0);
    el.classList.toggle('over', ms < 0);
  };
  const off = clock.onTick(update);
  update(clock.turn, clock.remainingMs());
  el.destroy = off;
  return el;
}
