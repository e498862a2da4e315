// Program tab: the session's program, live, in the page (WHEP: the switched
// or composed picture and the full sound mix), while the session is live,
// and the sites asking for the floor with "Trao lời" (common/site-floor.js).
// The call runs only while the tab is open: leaving the tab (or the
// session) ends it.

import { register, t, getLang } from '../common/i18n.js';
import { h, fill, toast, showError, button, icon } from '../common/ui.js';
import { api } from '../common/api.js';
import { RtcPlayer } from '../common/rtc-player.js';
import { siteFloorCard } from '../common/site-floor.js';

register({
  vi: {
    'tab.program': 'Truyền hình',
    'prog.title': 'Chương trình truyền hình của phiên họp',
    'prog.not_live': 'Chương trình chỉ có khi phiên họp đang diễn ra',
    'prog.not_live_hint': 'Khi phiên họp bắt đầu, bấm “Xem” để nhận hình và tiếng của chương trình.',
    'prog.hint': 'Hình là điểm cầu đang được phát (hoặc bố cục ghép nhiều điểm), tiếng là toàn bộ âm thanh của hội nghị.',
    'prog.uplink.title': 'Cấp trên',
    'prog.uplink.hint': 'Điểm cầu chủ tọa của phiên này là cuộc gọi lên {name}: xin phát biểu thì cấp trên thấy đơn vị mình trong danh sách xin phát biểu.',
    'prog.uplink.ask': 'Xin phát biểu lên cấp trên',
    'prog.uplink.withdraw': 'Rút lời xin',
    'prog.uplink.asked': 'Đã xin phát biểu lên cấp trên',
    'prog.uplink.withdrawn': 'Đã rút lời xin phát biểu với cấp trên',
    'prog.uplink.failed': 'Không gửi được lên cấp trên',
  },
  en: {
    'tab.program': 'Live video',
    'prog.title': 'The session’s program',
    'prog.not_live': 'The program exists only while the session is live',
    'prog.not_live_hint': 'Once the session starts, press “Watch” to receive the program’s picture and sound.',
    'prog.hint': 'The picture is the site on air (or the composed layout), the sound is the whole conference’s mix.',
    'prog.uplink.title': 'Upper level',
    'prog.uplink.hint': 'This session’s chair site is a call up to {name}: asking for the floor puts this unit in its list of sites asking.',
    'prog.uplink.ask': 'Ask the upper level for the floor',
    'prog.uplink.withdraw': 'Withdraw the request',
    'prog.uplink.asked': 'Asked the upper level for the floor',
    'prog.uplink.withdrawn': 'The request to the upper level was withdrawn',
    'prog.uplink.failed': 'Could not reach the upper level',
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
    this.uplinkEl = h('div', { class: 'program-uplink' });
    fill(el, h('div', { class: 'program-tab' }, this.player.el, h('p', { class: 'muted small program-hint' }, t('prog.hint')),
      this.uplinkEl, this.floorEl));
    this.renderFloor();
    this.loadUplink();
  }

  /** Up the cascade: when the session's chair site (the media's) is a SIP
   *  call, the district asks it for the floor (floor.uplink.*). */
  async loadUplink() {
    if (!this.page.canRun) return;
    let media;
    try { media = await api.get('/api/v1/media', { session_id: this.page.id }); } catch { return; }
    const chair = (this.page.meeting.sites || []).find((s) => s.id === media?.chair_site_id);
    if (!chair || chair.transport !== 'sip' || !this.uplinkEl?.isConnected) return;
    const send = async (ask) => {
      try {
        await this.page.ctx.ws.request(ask ? 'floor.uplink.request' : 'floor.uplink.withdraw', { session_id: this.page.id });
        toast(t(ask ? 'prog.uplink.asked' : 'prog.uplink.withdrawn'), { kind: 'success' });
      } catch (err) { showError(err, t('prog.uplink.failed')); }
    };
    fill(this.uplinkEl, h('section', { class: 'card site-floor-card', 'aria-labelledby': 'uplink-title', dataset: { testid: 'uplink' } },
      h('header', { class: 'card-header' }, h('h2', { id: 'uplink-title' }, icon('mic'), t('prog.uplink.title'))),
      h('div', { class: 'card-body stack' },
        h('p', { class: 'text-2' }, t('prog.uplink.hint', { name: chair.name })),
        h('div', { class: 'row' },
          button(t('prog.uplink.ask'), { kind: 'primary', ic: 'mic', onClick: () => send(true), attrs: { 'data-testid': 'uplink-ask' } }),
          button(t('prog.uplink.withdraw'), { kind: 'ghost', onClick: () => send(false), attrs: { 'data-testid': 'uplink-withdraw' } })))));
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
