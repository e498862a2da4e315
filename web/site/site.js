// roomctl site app (/site/): the commune PC that joins a session by WebRTC.
// Owns the site's sign-in (the site key, kept in sessionStorage, checked by
// GET /api/v1/site/me, which is polled every 2 s for the live session and
// the floor), its request to speak ("Xin phát biểu" / "Rút": POST and
// DELETE /api/v1/site/floor), the camera and microphone (pickers, a live preview), the call
// (WHIP publish of camera + microphone, WHEP view of the program with the
// same key as bearer; both reconnect by themselves, common/webrtc.js) and
// the figures of both directions.
//
// Browsers give the camera only to secure pages (https://, or
// http://localhost): opened over plain http from another machine, the page
// explains that and where to go instead of failing.

import { register, t, onLangChange, applyI18n, formatNumber, getLang } from '../common/i18n.js';
import { closedBanner } from '../common/closed-banner.js';
import { errorFromBody, ApiError } from '../common/api.js';
import { h, fill, mountHeader, button, icon, field, toast, statusBadge, clearToasts, showError } from '../common/ui.js';
import { applyPrefs } from '../common/prefs.js';
import { displayButtons } from '../common/display.js';
import { loadProvince } from '../common/province.js';
import { WebRtcLink, webrtcSupported } from '../common/webrtc.js';
import { refusalText, stateText } from '../common/rtc-player.js';
import { SITE_MESSAGES } from './messages.js';

register(SITE_MESSAGES);
applyPrefs();

const SECRET_KEY = 'roomctl.site.secret';
const DEVICE_KEY = 'roomctl.site.devices';
const POLL_MS = 2000;
const STATS_MS = 1000;

const main = document.getElementById('main');

const st = {
  secret: null,
  me: null,            // GET /api/v1/site/me
  pollOk: true,
  stream: null,        // camera + microphone
  deviceError: null,
  devices: { videoinput: [], audioinput: [] },
  chosen: readChosen(),
  publish: null,       // WebRtcLink (WHIP)
  view: null,          // WebRtcLink (WHEP)
  joinedSession: null,
  askBusy: false,      // a request to speak (or its withdrawal) on its way
  pollTimer: 0,
  statsTimer: 0,
  figs: { out: null, in: null },
};
window.__site = st;   // diagnostics (browser console, tests)

// The two videos outlive the page's re-drawing (a language change).
const preview = h('video', { class: 'site-preview-video', muted: true, playsinline: true, autoplay: true });
preview.muted = true;
const program = h('video', { class: 'rtc-video', playsinline: true, autoplay: true });

function readChosen() {
  try { return JSON.parse(localStorage.getItem(DEVICE_KEY) || '{}') || {}; } catch { return {}; }
}

function saveChosen() {
  try { localStorage.setItem(DEVICE_KEY, JSON.stringify(st.chosen)); } catch { /* storage disabled */ }
}

// ---------- header ----------

const header = mountHeader(document.getElementById('header'), {
  sectionKey: 'site.section',
  homeHref: './',
  onLogout: () => signOut(t('site.login.logged_out')),
  tools: () => displayButtons(),
});

/** The header names the site as the "user": its name, "Điểm cầu · code". */
function siteUser(me) {
  if (!me) return null;
  return {
    full_name: me.site.name, username: me.site.code, role: 'site',
    organisation: me.organisation || null, province: me.province || null,
  };
}

// ---------- the server ----------

/** GET /api/v1/site/me with the site key; throws ApiError. */
async function fetchMe(secret) {
  let res;
  try {
    res = await fetch('/api/v1/site/me', { headers: { Authorization: `Bearer ${secret}`, Accept: 'application/json' } });
  } catch {
    throw new ApiError({ name: 'network', reason: t('err.network') });
  }
  const text = await res.text().catch(() => '');
  if (!res.ok) throw errorFromBody(res.status, text);
  try { return JSON.parse(text); } catch { throw new ApiError({ status: res.status, name: 'bad_json', reason: t('err.bad_response') }); }
}

// ---------- plain http from another machine ----------

/** The HTTPS port to send the user to: the page's meta tag, else /about's
 *  tls_port, else none. */
async function tlsPortHint() {
  const meta = document.querySelector('meta[name="roomctl-tls-port"]')?.content?.trim();
  if (meta && /^\d+$/.test(meta)) return Number(meta);
  try {
    const about = await (await fetch('/api/v1/about')).json();
    if (about && Number.isInteger(about.tls_port) && about.tls_port > 0) return about.tls_port;
  } catch { /* no hint */ }
  return null;
}

async function showInsecure() {
  const port = await tlsPortHint();
  const url = port ? `https://${location.hostname}${port === 443 ? '' : `:${port}`}${location.pathname}` : null;
  fill(main, h('div', { class: 'page site-insecure' }, h('section', { class: 'card', dataset: { testid: 'insecure' } },
    h('header', { class: 'card-header' }, h('h1', null, icon('warn'), t('site.insecure.title'))),
    h('div', { class: 'card-body stack' },
      h('p', null, t('site.insecure.why')),
      h('p', null, h('code', { class: 'site-url bad' }, location.href)),
      url ? [
        h('p', null, t('site.insecure.go')),
        h('p', null, h('code', { class: 'site-url', dataset: { testid: 'https-url' } }, url)),
        h('p', null, h('a', { class: 'btn btn-primary btn-lg', href: url }, t('site.insecure.go_button'))),
        h('p', { class: 'muted small' }, t('site.insecure.cert')),
      ] : h('div', { class: 'callout callout-warn', dataset: { testid: 'ask-technician' } }, t('site.insecure.ask'))))));
}

// ---------- sign-in ----------

function showLogin(notice = null) {
  header.setUser(null);
  document.title = `roomctl · ${t('site.login.title')}`;
  const key = h('input', {
    type: 'password', name: 'site-key', autocomplete: 'off', spellcheck: 'false', autocapitalize: 'none', maxlength: 200,
    dataset: { testid: 'site-key' },
  });
  const errBox = h('div', { class: 'callout callout-danger', role: 'alert', hidden: true });
  const submit = button(t('site.login.submit'), { kind: 'primary', size: 'lg', type: 'submit' });
  submit.classList.add('btn-block');
  const form = h('form', { class: 'card login-card site-login', novalidate: true, 'aria-labelledby': 'login-title' },
    h('div', { class: 'card-body' },
      h('h1', { id: 'login-title' }, t('site.login.title')),
      h('p', { class: 'sub' }, t('site.login.subtitle')),
      notice ? h('div', { class: 'callout', role: 'status', style: { marginBottom: '1rem' } }, notice) : null,
      field(t('site.login.key'), key, { required: true, hint: t('site.login.key_hint') }),
      errBox,
      h('div', { style: { marginTop: '1rem' } }, submit)));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    errBox.hidden = true;
    const secret = key.value.trim();
    if (!secret) { errBox.textContent = t('form.required'); errBox.hidden = false; key.focus(); return; }
    submit.disabled = true;
    try {
      const me = await fetchMe(secret);
      sessionStorage.setItem(SECRET_KEY, secret);
      startApp(secret, me);
    } catch (err) {
      errBox.textContent = err.status === 401 || err.status === 403 ? t('site.login.bad_key') : (err.reason || t('err.generic'));
      errBox.hidden = false;
      key.select();
      key.focus();
    } finally {
      submit.disabled = false;
    }
  });
  fill(main, h('div', { class: 'login-wrap' }, form));
  key.focus();
}

function signOut(notice) {
  leave();
  stopPolling();
  stopDevices();
  st.secret = null;
  st.me = null;
  sessionStorage.removeItem(SECRET_KEY);
  clearToasts();
  showLogin(notice);
}

// ---------- the app ----------

function startApp(secret, me) {
  st.secret = secret;
  st.me = me;
  st.pollOk = true;
  header.setUser(siteUser(me));
  build();
  openDevices();
  startPolling();
}

function startPolling() {
  stopPolling();
  st.pollTimer = setInterval(poll, POLL_MS);
}

function stopPolling() { clearInterval(st.pollTimer); st.pollTimer = 0; }

async function poll() {
  if (!st.secret) return;
  let me;
  try {
    me = await fetchMe(st.secret);
  } catch (err) {
    if (!st.secret) return;
    if (err.status === 401) { signOut(t('site.login.revoked')); return; }
    st.pollOk = false;
    renderStatus();
    return;
  }
  if (!st.secret) return;
  const before = JSON.stringify([st.me?.site, st.me?.organisation, st.me?.province]);
  st.me = me;
  st.pollOk = true;
  if (before !== JSON.stringify([me.site, me.organisation, me.province])) header.setUser(siteUser(me));
  const live = me.session && me.session.status === 'live' ? me.session.id : null;
  if (st.joinedSession != null && live !== st.joinedSession) {
    leave();
    toast(t('site.joined_other'), { kind: 'warn' });
  }
  renderStatus();
}

const els = {};

/** Draws the page (again after a language change); the videos and the call stay. */
function build() {
  document.title = `roomctl · ${st.me.site.name}`;
  preview.setAttribute('aria-label', t('site.preview'));
  program.setAttribute('aria-label', t('site.program'));
  els.status = h('div', { class: 'site-status' });
  els.floor = h('div', { class: 'site-floor', role: 'status', dataset: { testid: 'floor-banner' }, hidden: true },
    h('span', { class: 'site-floor-dot', 'aria-hidden': 'true' }),
    h('div', null, h('strong', null, t('site.floor')), h('span', null, t('site.floor_hint'))));
  els.programOverlay = h('div', { class: 'rtc-overlay' }, t('site.program_idle'));
  els.programState = h('span', { class: 'rtc-state', dataset: { state: 'idle' } }, t('rtc.state.idle'));
  els.publishState = h('span', { class: 'rtc-state', dataset: { state: 'idle' } }, t('rtc.state.idle'));
  els.ask = button(t('site.ask'), { kind: 'primary', ic: 'mic', onClick: () => askFloor(!st.me.asking), attrs: { 'data-testid': 'ask-floor' } });
  els.asking = h('span', { class: 'site-asking', role: 'status', dataset: { testid: 'asking' } });
  els.join = button(t('site.join'), { kind: 'success', size: 'lg', ic: 'play', onClick: () => (st.publish || st.view ? leave() : join()), attrs: { 'data-testid': 'join' } });
  els.join.classList.add('btn-block');
  els.cam = h('select', { dataset: { testid: 'camera' }, onchange: (e) => chooseDevice('videoinput', e.target.value) });
  els.mic = h('select', { dataset: { testid: 'microphone' }, onchange: (e) => chooseDevice('audioinput', e.target.value) });
  els.deviceMsg = h('div', { class: 'callout callout-danger', role: 'alert', hidden: true });
  els.meter = h('div', { class: 'meter site-mic-meter', role: 'meter', 'aria-label': t('site.microphone'), 'aria-valuemin': '0', 'aria-valuemax': '100' },
    h('div', { class: 'meter-rms' }));
  els.sendFigs = h('dl', { class: 'site-figs', dataset: { testid: 'send-figs' } });
  els.publishNote = h('div', { class: 'callout callout-danger small site-link-note', role: 'alert', hidden: true });
  els.recvFigs = h('dl', { class: 'site-figs', dataset: { testid: 'recv-figs' } });

  fill(main, h('div', { class: 'page site-page', dataset: { testid: 'site-page' } },
    els.status,
    els.floor,
    h('div', { class: 'site-ask' }, els.ask, els.asking),
    h('div', { class: 'site-grid' },
      h('section', { class: 'card site-program', 'aria-labelledby': 'program-title' },
        h('header', { class: 'card-header' }, h('h2', { id: 'program-title' }, icon('present'), t('site.program')), els.programState),
        h('div', { class: 'card-body' }, h('div', { class: 'rtc-stage' }, program, els.programOverlay))),
      h('aside', { class: 'site-side' },
        h('section', { class: 'card', 'aria-labelledby': 'devices-title' },
          h('header', { class: 'card-header' }, h('h2', { id: 'devices-title' }, icon('mic'), t('site.devices'))),
          h('div', { class: 'card-body' },
            h('div', { class: 'site-preview' }, preview),
            field(t('site.camera'), els.cam),
            field(t('site.microphone'), els.mic),
            els.meter,
            els.deviceMsg,
            h('div', { class: 'site-join' }, els.join))),
        h('section', { class: 'card site-quality', 'aria-labelledby': 'quality-title' },
          h('header', { class: 'card-header' }, h('h2', { id: 'quality-title' }, icon('grid'), t('site.sending')), els.publishState),
          h('div', { class: 'card-body' }, els.publishNote, els.sendFigs,
            h('h3', { class: 'site-figs-head' }, t('site.receiving')), els.recvFigs))))));
  renderStatus();
  renderDevices();
  renderLinkState('publish');
  renderLinkState('view');
  renderFigs();
}

function renderStatus() {
  if (!els.status || !st.me) return;
  const s = st.me.session;
  const live = s && s.status === 'live';
  fill(els.status,
    closedBanner(!!st.me.closed, { lang: getLang(), detail: t('site.closed') }),
    s ? h('div', { class: 'site-session' },
      h('span', { class: 'site-session-label' }, t('site.session')),
      statusBadge(s.status),
      h('strong', { class: 'site-session-title', dataset: { testid: 'session-title' } }, s.title))
      : h('div', { class: 'callout', dataset: { testid: 'no-session' } },
        h('strong', null, t('site.no_session')), h('div', { class: 'small' }, t('site.no_session_hint'))),
    st.pollOk ? null : h('div', { class: 'callout callout-warn small' }, t('site.poll_failed')));
  els.floor.hidden = !(st.me.floor && live);
  document.body.classList.toggle('site-on-floor', !els.floor.hidden);
  // Asking for the floor: "Xin phát biểu", and "Rút" while the request stands.
  const asking = !!(live && st.me.asking);
  els.ask.hidden = !live || (!!st.me.floor && !asking);
  els.ask.disabled = st.askBusy;
  els.ask.className = `btn ${asking ? 'btn-ghost' : 'btn-primary'}`;
  els.ask.replaceChildren(icon(asking ? 'stop' : 'mic'), h('span', null, t(asking ? 'site.withdraw' : 'site.ask')));
  els.asking.textContent = asking ? t('site.asking') : '';
  const joined = !!(st.publish || st.view);
  els.join.disabled = !joined && (!live || !webrtcSupported());
  els.join.className = `btn btn-lg btn-block ${joined ? 'btn-danger' : 'btn-success'}`;
  els.join.replaceChildren(icon(joined ? 'stop' : 'play'), h('span', null, t(joined ? 'site.leave' : 'site.join')));
}

/** Asks for the floor (@ask) or withdraws: POST/DELETE /api/v1/site/floor with the site key. */
async function askFloor(ask) {
  if (!st.secret || st.askBusy) return;
  st.askBusy = true;
  renderStatus();
  try {
    const res = await fetch('/api/v1/site/floor', {
      method: ask ? 'POST' : 'DELETE', headers: { Authorization: `Bearer ${st.secret}`, Accept: 'application/json' },
    });
    const text = await res.text().catch(() => '');
    if (!res.ok && !(res.status === 404 && !ask)) throw errorFromBody(res.status, text);
    st.me = { ...st.me, asking: ask };
    toast(t(ask ? 'site.asked' : 'site.withdrawn'), { kind: 'success' });
  } catch (err) {
    showError(err, t(ask ? 'site.ask_failed' : 'site.withdraw_failed'));
  } finally {
    st.askBusy = false;
    renderStatus();
  }
}

// ---------- camera and microphone ----------

function stopDevices() {
  if (st.stream) for (const tr of st.stream.getTracks()) tr.stop();
  st.stream = null;
  preview.srcObject = null;
  stopMeter();
}

async function openDevices() {
  st.deviceError = null;
  const want = (kind) => {
    const id = st.chosen[kind];
    return id ? { deviceId: { exact: id } } : {};
  };
  let stream;
  try {
    stream = await navigator.mediaDevices.getUserMedia({
      video: { width: { ideal: 1280 }, height: { ideal: 720 }, frameRate: { ideal: 25, max: 30 }, ...want('videoinput') },
      audio: { echoCancellation: true, noiseSuppression: true, autoGainControl: true, ...want('audioinput') },
    });
  } catch (err) {
    if (err && err.name === 'OverconstrainedError' && (st.chosen.videoinput || st.chosen.audioinput)) {
      st.chosen = {};   // the saved device is gone: the default ones
      saveChosen();
      return openDevices();
    }
    st.deviceError = err && err.name === 'NotAllowedError' ? t('site.devices_denied')
      : err && err.name === 'NotFoundError' ? t('site.devices_none')
        : `${t('site.devices_failed')}${err && err.message ? ` (${err.message})` : ''}`;
    await listDevices();
    renderDevices();
    return;
  }
  stopDevices();
  st.stream = stream;
  preview.srcObject = stream;
  preview.play().catch(() => {});
  startMeter(stream);
  for (const tr of stream.getTracks()) {
    const id = tr.getSettings().deviceId;
    if (id) st.chosen[tr.kind === 'video' ? 'videoinput' : 'audioinput'] = id;
  }
  await listDevices();
  renderDevices();
  if (st.publish) await st.publish.replaceStream(stream);
}

async function listDevices() {
  try {
    const all = await navigator.mediaDevices.enumerateDevices();
    st.devices.videoinput = all.filter((d) => d.kind === 'videoinput');
    st.devices.audioinput = all.filter((d) => d.kind === 'audioinput');
  } catch { /* keep the last list */ }
}

function renderDevices() {
  if (!els.cam) return;
  const options = (kind, sel) => {
    const list = st.devices[kind];
    const label = kind === 'videoinput' ? t('site.camera') : t('site.microphone');
    sel.replaceChildren(...(list.length ? list : [{ deviceId: '', label: '' }]).map((d, i) => h('option', {
      value: d.deviceId, selected: d.deviceId === st.chosen[kind],
    }, d.label || (d.deviceId ? t('site.device_n', { kind: label, n: i + 1 }) : t('site.device_default')))));
    sel.disabled = list.length < 2 && !st.deviceError;
  };
  options('videoinput', els.cam);
  options('audioinput', els.mic);
  els.deviceMsg.hidden = !st.deviceError;
  if (st.deviceError) {
    fill(els.deviceMsg, h('div', null, st.deviceError),
      button(t('site.devices_retry'), { size: 'sm', ic: 'refresh', onClick: () => openDevices() }));
  }
}

function chooseDevice(kind, id) {
  st.chosen[kind] = id;
  saveChosen();
  openDevices();
}

// The microphone's level, so the commune sees that it is heard.
let meter = null;
function startMeter(stream) {
  stopMeter();
  if (!stream.getAudioTracks().length || typeof AudioContext === 'undefined') return;
  try {
    const ac = new AudioContext();
    const src = ac.createMediaStreamSource(stream);
    const an = ac.createAnalyser();
    an.fftSize = 512;
    src.connect(an);
    const buf = new Float32Array(an.fftSize);
    let shown = 0;   // falls back slowly, so a word is seen and not only a flicker
    const tick = () => {
      an.getFloatTimeDomainData(buf);
      let sum = 0;
      for (const v of buf) sum += v * v;
      const db = 10 * Math.log10(sum / buf.length + 1e-12);
      shown = Math.max(Math.max(0, Math.min(1, (db + 60) / 60)), shown * 0.85);
      const share = shown;
      const bar = els.meter?.firstElementChild;
      if (bar) bar.style.width = `${(share * 100).toFixed(0)}%`;
      els.meter?.setAttribute('aria-valuenow', String(Math.round(share * 100)));
    };
    meter = { ac, timer: setInterval(tick, 100) };
    // Without a user's gesture the context may start suspended: the Join click resumes it.
    document.addEventListener('click', () => ac.resume().catch(() => {}), { once: true });
  } catch { meter = null; }
}

function stopMeter() {
  if (!meter) return;
  clearInterval(meter.timer);
  meter.ac.close().catch(() => {});
  meter = null;
}

// ---------- the call ----------

function join() {
  const s = st.me && st.me.session;
  if (!s || s.status !== 'live' || st.publish || st.view) return;
  st.joinedSession = s.id;
  const token = () => st.secret;
  if (st.stream) {
    st.publish = new WebRtcLink({
      url: '/api/v1/whip', token, send: st.stream,
      onState: (state, detail) => onLinkState('publish', state, detail),
    });
  }
  st.view = new WebRtcLink({
    url: `/api/v1/sessions/${s.id}/whep`, token, receive: ['video', 'audio'],
    onTrack: (stream) => {
      if (program.srcObject !== stream) program.srcObject = stream;
      program.play().catch(() => {});
    },
    onState: (state, detail) => onLinkState('view', state, detail),
  });
  st.publish?.start();
  st.view.start();
  clearInterval(st.statsTimer);
  st.statsTimer = setInterval(pollStats, STATS_MS);
  meter?.ac.resume().catch(() => {});
  renderStatus();
}

function leave() {
  clearInterval(st.statsTimer);
  st.statsTimer = 0;
  const links = [st.publish, st.view].filter(Boolean);
  st.publish = null;
  st.view = null;
  st.joinedSession = null;
  for (const l of links) l.stop();
  program.srcObject = null;
  st.figs = { out: null, in: null };
  if (els.status) {
    renderStatus();
    renderLinkState('publish');
    renderLinkState('view');
    renderFigs();
  }
}

function onLinkState(which, state, detail) {
  // A refusal is shown where it happened (the program's picture, the
  // sending card), not as a toast over the floor banner.
  renderLinkState(which, detail);
}

function renderLinkState(which, detail = null) {
  const link = which === 'publish' ? st.publish : st.view;
  const el = which === 'publish' ? els.publishState : els.programState;
  if (!el) return;
  const state = link ? link.state : 'idle';
  detail = detail || link?.detail;
  el.dataset.state = state;
  el.textContent = which === 'publish' && state === 'connected' ? t('site.state.sending') : stateText(state, detail);
  el.title = state === 'refused' ? refusalText(detail) : '';
  if (which === 'publish') {
    els.publishNote.hidden = state !== 'refused';
    els.publishNote.textContent = state === 'refused' ? refusalText(detail) : '';
  }
  main.querySelector('.site-page')?.setAttribute(`data-${which}-state`, state);
  if (which === 'view') {
    const ov = els.programOverlay;
    if (!link) { ov.hidden = false; ov.textContent = t('site.program_idle'); ov.classList.remove('bad'); return; }
    ov.classList.toggle('bad', state === 'refused');
    if (state === 'connected') {
      ov.hidden = program.videoWidth > 0;
      ov.textContent = t('rtc.waiting_picture');
    } else {
      ov.hidden = false;
      ov.textContent = state === 'refused' ? refusalText(detail) : stateText(state, detail);
    }
  }
}

async function pollStats() {
  const [out, inn] = await Promise.all([
    st.publish ? st.publish.stats().catch(() => null) : null,
    st.view ? st.view.stats().catch(() => null) : null,
  ]);
  st.figs = { out, in: inn };
  if (st.view && st.view.state === 'connected' && program.videoWidth > 0) els.programOverlay.hidden = true;
  renderFigs();
}

const dash = '–';
const num = (v, key) => (v == null || !Number.isFinite(v) ? dash : t(key, { n: formatNumber(Math.round(v)) }));

function renderFigs() {
  if (!els.sendFigs) return;
  const o = st.figs.out;
  const ov = o?.out?.video;
  const oa = o?.out?.audio;
  const i = st.figs.in;
  const iv = i?.in?.video;
  const ia = i?.in?.audio;
  const page = main.querySelector('.site-page');
  if (page) {
    page.dataset.framesDecoded = String(iv?.framesDecoded ?? 0);
    page.dataset.audioPackets = String(ia?.packetsReceived ?? 0);
    page.dataset.outKbps = String(Math.round((ov?.kbps ?? 0) + (oa?.kbps ?? 0)));
    page.dataset.outPackets = String(ov?.packetsSent ?? 0);
  }
  const lost = (n, frac) => (n == null ? dash : t('site.fig.lost', {
    n: formatNumber(n), p: frac == null ? '–' : `${formatNumber(frac * 100, { maximumFractionDigits: 1 })} %`,
  }));
  const row = (key, value, testid) => [h('dt', null, t(key)), h('dd', { class: 'num', dataset: { fig: testid } }, value)];
  fill(els.sendFigs,
    row('site.fig.bitrate', ov || oa ? num((ov?.kbps ?? 0) + (oa?.kbps ?? 0), 'site.fig.kbps') : dash, 'out-kbps'),
    row('site.fig.fps', num(ov?.fps, 'site.fig.fps_v'), 'out-fps'),
    // Loss is what the controller reports back (RTCP receiver reports): none yet, none shown.
    row('site.fig.loss', ov && ov.packetsLost == null ? t('site.fig.no_report') : lost(ov?.packetsLost, ov?.fractionLost), 'out-loss'),
    row('site.fig.rtt', num(o?.rttMs, 'site.fig.ms'), 'rtt'));
  fill(els.recvFigs,
    row('site.fig.bitrate', iv || ia ? num((iv?.kbps ?? 0) + (ia?.kbps ?? 0), 'site.fig.kbps') : dash, 'in-kbps'),
    row('site.fig.fps', num(iv?.fps, 'site.fig.fps_v'), 'in-fps'),
    row('site.fig.frames', iv ? formatNumber(iv.framesDecoded) : dash, 'frames'),
    row('site.fig.audio', ia ? formatNumber(ia.packetsReceived) : dash, 'audio-packets'));
}

// ---------- language, leaving the page, boot ----------

onLangChange(() => {
  clearToasts();
  header.refresh();
  if (!window.isSecureContext) { showInsecure(); return; }
  if (st.me) build(); else showLogin();
});

window.addEventListener('pagehide', () => {
  // The resources go at once (keepalive DELETEs) rather than when ICE times out.
  for (const l of [st.publish, st.view]) if (l) l.stop();
});

async function boot() {
  await loadProvince();
  applyI18n(document);
  header.refresh();
  if (!window.isSecureContext || !navigator.mediaDevices) { showInsecure(); return; }
  const secret = sessionStorage.getItem(SECRET_KEY);
  if (!secret) { showLogin(); return; }
  try {
    startApp(secret, await fetchMe(secret));
  } catch (err) {
    if (err.status === 401 || err.status === 403) { sessionStorage.removeItem(SECRET_KEY); showLogin(t('site.login.revoked')); return; }
    fill(main, h('div', { class: 'page' }, h('div', { class: 'card' }, h('div', { class: 'empty' },
      h('strong', null, t('site.boot_failed')), h('p', null, err.reason || ''),
      button(t('app.retry'), { kind: 'primary', size: 'lg', onClick: boot })))));
  }
}

boot();
