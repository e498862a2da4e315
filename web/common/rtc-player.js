// A WHEP player: the program of a session (or one site's own stream) in a
// <video>, with its sound, a start/stop button, a mute button, the state of
// the call and its figures (frames, fps, bitrate, audio packets). Used by
// the console's "Program" tab, the technicians' program page and site
// detail, and the tablet's optional program pane. The viewer is the
// logged-in user (their bearer token, as api.js sends it).
//
//   const player = new RtcPlayer({ url: `/api/v1/sessions/${id}/whep`, title: t('rtc.program') });
//   parent.append(player.el);  …  player.destroy();
//
// The figures are also on the element for tests and diagnostics:
// data-state, data-frames-decoded, data-audio-packets.

import { t, register, formatNumber } from './i18n.js';
import { auth } from './api.js';
import { h, button, icon } from './ui.js';
import { WebRtcLink, webrtcSupported } from './webrtc.js';

register({
  vi: {
    'rtc.program': 'Chương trình',
    'rtc.watch': 'Xem',
    'rtc.stop': 'Dừng xem',
    'rtc.mute': 'Tắt tiếng',
    'rtc.unmute': 'Bật tiếng',
    'rtc.state.idle': 'Chưa xem',
    'rtc.state.connecting': 'Đang kết nối…',
    'rtc.state.connected': 'Đang nhận',
    'rtc.state.reconnecting': 'Mất kết nối, thử lại sau {s} giây…',
    'rtc.state.stopped': 'Đã dừng',
    'rtc.state.refused': 'Máy chủ từ chối',
    'rtc.idle_hint': 'Bấm “Xem” để nhận hình và tiếng của chương trình qua trình duyệt.',
    'rtc.waiting_picture': 'Đang chờ hình…',
    'rtc.click_to_play': 'Bấm để phát hình và tiếng',
    'rtc.refused.401': 'Phiên đăng nhập không còn hiệu lực. Hãy đăng nhập lại.',
    'rtc.refused.403': 'Tài khoản này không được xem luồng này.',
    'rtc.refused.404': 'Không tìm thấy phiên họp hoặc điểm cầu.',
    'rtc.refused.409': 'Phiên họp chưa diễn ra hoặc đã kết thúc.',
    'rtc.refused.other': 'Không mở được luồng (HTTP {status}).',
    'rtc.unsupported': 'Trình duyệt này không hỗ trợ WebRTC.',
    'rtc.fig.video': 'Hình',
    'rtc.fig.audio': 'Tiếng',
    'rtc.fig.fps': '{n} khung/s',
    'rtc.fig.kbps': '{n} kb/s',
    'rtc.fig.frames': '{n} khung đã giải mã',
    'rtc.fig.packets': '{n} gói',
    'rtc.fig.none': 'chưa có',
  },
  en: {
    'rtc.program': 'Program',
    'rtc.watch': 'Watch',
    'rtc.stop': 'Stop',
    'rtc.mute': 'Mute',
    'rtc.unmute': 'Unmute',
    'rtc.state.idle': 'Not watching',
    'rtc.state.connecting': 'Connecting…',
    'rtc.state.connected': 'Receiving',
    'rtc.state.reconnecting': 'Connection lost, retrying in {s} s…',
    'rtc.state.stopped': 'Stopped',
    'rtc.state.refused': 'Refused by the server',
    'rtc.idle_hint': 'Press “Watch” to receive the program’s picture and sound in the browser.',
    'rtc.waiting_picture': 'Waiting for the picture…',
    'rtc.click_to_play': 'Click to play picture and sound',
    'rtc.refused.401': 'Your login is no longer valid. Please log in again.',
    'rtc.refused.403': 'This account may not watch this stream.',
    'rtc.refused.404': 'The session or the site was not found.',
    'rtc.refused.409': 'The session is not live (not started yet, or ended).',
    'rtc.refused.other': 'The stream could not be opened (HTTP {status}).',
    'rtc.unsupported': 'This browser does not support WebRTC.',
    'rtc.fig.video': 'Video',
    'rtc.fig.audio': 'Audio',
    'rtc.fig.fps': '{n} fps',
    'rtc.fig.kbps': '{n} kb/s',
    'rtc.fig.frames': '{n} frames decoded',
    'rtc.fig.packets': '{n} packets',
    'rtc.fig.none': 'none yet',
  },
});

const STATS_MS = 1000;

/** The words for a refusal: the status's own, then the server's reason. */
export function refusalText(detail) {
  if (!detail) return '';
  const key = `rtc.refused.${detail.status}`;
  const own = [401, 403, 404, 409].includes(detail.status) ? t(key) : t('rtc.refused.other', { status: detail.status ?? '—' });
  return detail.reason && detail.reason !== own ? `${own} (${detail.reason})` : own;
}

/** "Đang kết nối…", "Mất kết nối, thử lại sau 4 giây…" … */
export function stateText(state, detail) {
  if (state === 'reconnecting') return t('rtc.state.reconnecting', { s: Math.round((detail?.inMs ?? 1000) / 1000) });
  return t(`rtc.state.${state}`);
}

export class RtcPlayer {
  /**
   * @url: the WHEP endpoint (string or function); @title: the card's title;
   * @autoStart: start at once (after a user's click that opened it);
   * @compact: no card chrome and no start/stop button (the tablet's pane, a
   * site's stream in the tech detail: the page's own switch starts and ends
   * the player); @testid: data-testid.
   */
  constructor({ url, title = t('rtc.program'), autoStart = false, compact = false, testid = 'rtc-player', token = () => auth.token }) {
    this.url = url;
    this.token = token;
    this.muted = false;
    this.link = null;
    this.timer = 0;
    this.video = h('video', { class: 'rtc-video', playsinline: true, autoplay: true, 'aria-label': title });
    this.overlay = h('div', { class: 'rtc-overlay' }, t('rtc.idle_hint'));
    this.stateEl = h('span', { class: 'rtc-state', dataset: { state: 'idle' }, role: 'status' }, t('rtc.state.idle'));
    this.figsEl = h('div', { class: 'rtc-figs num small', dataset: { testid: `${testid}-figs` } });
    this.toggleBtn = button(t('rtc.watch'), { kind: 'primary', size: 'sm', ic: 'play', onClick: () => (this.link ? this.stop() : this.start()) });
    this.muteBtn = button(t('rtc.mute'), { size: 'sm', ic: 'mic', onClick: () => this.setMuted(!this.muted), attrs: { 'aria-pressed': 'false' } });
    this.muteBtn.hidden = true;
    this.toggleBtn.hidden = compact;
    const stage = h('div', { class: 'rtc-stage' }, this.video, this.overlay);
    const tools = h('div', { class: 'rtc-tools' }, this.stateEl, h('span', { class: 'spacer' }), this.muteBtn, this.toggleBtn);
    this.el = compact
      ? h('div', { class: 'rtc-player compact', dataset: { testid, state: 'idle' } }, stage, tools, this.figsEl)
      : h('section', { class: 'card rtc-player', dataset: { testid, state: 'idle' } },
        h('header', { class: 'card-header' }, h('h2', null, icon('present'), title), tools),
        h('div', { class: 'card-body' }, stage, this.figsEl));
    this.renderFigs(null);
    if (!webrtcSupported()) {
      this.overlay.textContent = t('rtc.unsupported');
      this.toggleBtn.disabled = true;
    } else if (autoStart) this.start();
  }

  start() {
    if (this.link) return;
    const url = typeof this.url === 'function' ? this.url() : this.url;
    this.link = new WebRtcLink({
      url, token: this.token, receive: ['video', 'audio'],
      onTrack: (stream) => {
        if (this.video.srcObject !== stream) this.video.srcObject = stream;
        this.video.muted = this.muted;
        this.video.play().catch((err) => this.blocked(err));
      },
      onState: (state, detail) => this.onState(state, detail),
    });
    this.link.start();
    this.setButton(true);
    clearInterval(this.timer);
    this.timer = setInterval(() => this.poll(), STATS_MS);
  }

  async stop() {
    const link = this.link;
    this.link = null;
    clearInterval(this.timer);
    this.setButton(false);
    if (link) await link.stop();
    this.video.srcObject = null;
    this.renderFigs(null);
  }

  destroy() {
    this.stop();
  }

  setButton(running) {
    const label = running ? t('rtc.stop') : t('rtc.watch');
    this.toggleBtn.replaceChildren(icon(running ? 'stop' : 'play'), h('span', null, label));
    this.toggleBtn.className = `btn btn-sm ${running ? '' : 'btn-primary'}`.trim();
    this.muteBtn.hidden = !running;
  }

  setMuted(on) {
    this.muted = on;
    this.video.muted = on;
    this.muteBtn.setAttribute('aria-pressed', String(on));
    this.muteBtn.replaceChildren(icon('mic'), h('span', null, t(on ? 'rtc.unmute' : 'rtc.mute')));
  }

  onState(state, detail) {
    this.el.dataset.state = state;
    this.stateEl.dataset.state = state;
    this.stateEl.textContent = stateText(state, detail);
    if (state === 'refused') {
      this.overlay.hidden = false;
      this.overlay.textContent = refusalText(detail);
      this.overlay.classList.add('bad');
      clearInterval(this.timer);
      this.link = null;
      this.setButton(false);
    } else if (state === 'connected') {
      this.overlay.classList.remove('bad');
      this.overlay.hidden = this.video.videoWidth > 0;
      if (!this.overlay.hidden) this.overlay.textContent = t('rtc.waiting_picture');
    } else if (state === 'stopped') {
      this.overlay.hidden = false;
      this.overlay.classList.remove('bad');
      this.overlay.textContent = t('rtc.idle_hint');
    } else {
      this.overlay.hidden = false;
      this.overlay.classList.remove('bad');
      this.overlay.textContent = stateText(state, detail);
    }
  }

  /** The browser refused to play with sound before a click on the page:
   *  the overlay becomes the button that starts it. */
  blocked(err) {
    if (!err || err.name !== 'NotAllowedError' || !this.link) return;
    this.overlay.hidden = false;
    this.overlay.classList.remove('bad');
    this.overlay.replaceChildren(button(t('rtc.click_to_play'), {
      kind: 'primary', ic: 'play', onClick: () => { this.video.play().then(() => { this.overlay.hidden = true; }).catch(() => {}); },
    }));
  }

  async poll() {
    if (!this.link) return;
    let s = null;
    try { s = await this.link.stats(); } catch { /* closed meanwhile */ }
    if (!this.link) return;
    if (this.video.videoWidth > 0 && !this.video.paused && this.link.state === 'connected') this.overlay.hidden = true;
    this.renderFigs(s);
  }

  renderFigs(s) {
    const v = s?.in?.video;
    const a = s?.in?.audio;
    this.el.dataset.framesDecoded = String(v?.framesDecoded ?? 0);
    this.el.dataset.audioPackets = String(a?.packetsReceived ?? 0);
    const none = t('rtc.fig.none');
    const vid = v ? [
      v.fps != null ? t('rtc.fig.fps', { n: formatNumber(Math.round(v.fps)) }) : null,
      v.kbps != null ? t('rtc.fig.kbps', { n: formatNumber(Math.round(v.kbps)) }) : null,
      v.width ? `${v.width}×${v.height}` : null,
      t('rtc.fig.frames', { n: formatNumber(v.framesDecoded) }),
    ].filter(Boolean).join(' · ') : none;
    const aud = a ? [
      a.kbps != null ? t('rtc.fig.kbps', { n: formatNumber(Math.round(a.kbps)) }) : null,
      t('rtc.fig.packets', { n: formatNumber(a.packetsReceived) }),
    ].filter(Boolean).join(' · ') : none;
    this.figsEl.replaceChildren(
      h('span', { class: 'rtc-fig' }, h('strong', null, `${t('rtc.fig.video')}: `), vid),
      h('span', { class: 'rtc-fig' }, h('strong', null, `${t('rtc.fig.audio')}: `), aud));
  }
}
