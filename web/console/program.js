// Program tab: the session's program, live, in the page (WHEP: the switched
// or composed picture and the full sound mix), while the session is live.
// The call runs only while the tab is open: leaving the tab (or the
// session) ends it.

import { register, t, getLang } from '../common/i18n.js';
import { h, fill } from '../common/ui.js';
import { RtcPlayer } from '../common/rtc-player.js';

register({
  vi: {
    'tab.program': 'Truyền hình',
    'prog.title': 'Chương trình truyền hình của phiên họp',
    'prog.not_live': 'Chương trình chỉ có khi phiên họp đang diễn ra',
    'prog.not_live_hint': 'Khi phiên họp bắt đầu, bấm “Xem” để nhận hình và tiếng của chương trình.',
    'prog.hint': 'Hình là điểm cầu đang được phát (hoặc bố cục ghép nhiều điểm), tiếng là toàn bộ âm thanh của hội nghị.',
  },
  en: {
    'tab.program': 'Live video',
    'prog.title': 'The session’s program',
    'prog.not_live': 'The program exists only while the session is live',
    'prog.not_live_hint': 'Once the session starts, press “Watch” to receive the program’s picture and sound.',
    'prog.hint': 'The picture is the site on air (or the composed layout), the sound is the whole conference’s mix.',
  },
});

export class ProgramTab {
  constructor(page) {
    this.page = page;
    this.player = null;
    this.lang = null;
  }

  render(el) {
    const s = this.page.meeting.session;
    if (!s || s.status !== 'live') {
      this.leave();
      fill(el, h('div', { class: 'card' }, h('div', { class: 'empty', dataset: { testid: 'program-not-live' } },
        h('strong', null, t('prog.not_live')), h('p', null, t('prog.not_live_hint')))));
      return;
    }
    // Drawn again in another language: a new player, still running if it was.
    if (this.player && this.lang !== getLang()) {
      const running = !!this.player.link;
      this.leave();
      this.make(running);
    }
    if (!this.player) this.make(false);
    fill(el, h('div', { class: 'program-tab' }, this.player.el, h('p', { class: 'muted small program-hint' }, t('prog.hint'))));
  }

  make(autoStart) {
    this.lang = getLang();
    this.player = new RtcPlayer({ url: `/api/v1/sessions/${this.page.id}/whep`, title: t('prog.title'), autoStart, testid: 'program-player' });
  }

  onData() {
    if (this.page.tab === 'program') this.render(this.page.panelEl);
  }

  /** The tab was left: no call in the background. */
  leave() {
    if (this.player) this.player.destroy();
    this.player = null;
  }

  destroy() { this.leave(); }
}
