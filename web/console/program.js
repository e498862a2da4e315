// Program tab: the session's program, live, in the page (WHEP: the switched
// or composed picture and the full sound mix), while the session is live,
// and the sites asking for the floor with "Trao lời" (common/site-floor.js).
// The call runs only while the tab is open: leaving the tab (or the
// session) ends it.

import { register, t, getLang } from '../common/i18n.js';
import { h, fill, toast, showError } from '../common/ui.js';
import { RtcPlayer } from '../common/rtc-player.js';
import { siteFloorCard } from '../common/site-floor.js';

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
    this.floorEl = h('div', { class: 'program-floor' });
    fill(el, h('div', { class: 'program-tab' }, this.player.el, h('p', { class: 'muted small program-hint' }, t('prog.hint')),
      this.floorEl));
    this.renderFloor();
  }

  /** The sites asking for the floor; "Trao lời" for those who run the session. */
  renderFloor() {
    if (!this.floorEl) return;
    fill(this.floorEl, siteFloorCard(this.page.meeting.siteFloor, this.page.canRun ? (s) => this.give(s) : null));
  }

  async give(site) {
    try {
      await this.page.ctx.ws.request('floor.site', { session_id: this.page.id, site_id: site.site_id });
      toast(t('sitefloor.given', { name: site.name }), { kind: 'success' });
    } catch (err) { showError(err, t('sitefloor.give_failed')); }
  }

  make(autoStart) {
    this.lang = getLang();
    this.player = new RtcPlayer({ url: `/api/v1/sessions/${this.page.id}/whep`, title: t('prog.title'), autoStart, testid: 'program-player' });
  }

  onData(what) {
    if (this.page.tab !== 'program') return;
    if (what === 'site_floor' && this.floorEl?.isConnected) this.renderFloor();
    else this.render(this.page.panelEl);
  }

  /** The tab was left: no call in the background. */
  leave() {
    if (this.player) this.player.destroy();
    this.player = null;
  }

  destroy() { this.leave(); }
}
