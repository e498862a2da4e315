// The pre-session check of a scheduled session: the controller listens to
// the session's sites for a while (POST /sessions/{id}/check) and says which
// are ready, degraded or absent. Progress and the result come over the
// session's health topic (check.progress, check.finished); earlier checks
// are listed (GET /sessions/{id}/checks) and can be opened again.

import { t, formatDateTime } from '../common/i18n.js';
import { api } from '../common/api.js';
import { h, button, icon, fill, showError } from '../common/ui.js';
import { formatDuration, fmtMs, formatPercent } from './format.js';

const VERDICTS = ['ready', 'degraded', 'absent'];
const STATES = ['online', 'degraded', 'held', 'offline', 'unknown'];

export class CheckView {
  constructor(ctx, el, sessionId) {
    this.ctx = ctx;
    this.el = el;
    this.id = sessionId;
    this.offs = [];
    this.alive = true;
    this.running = null;   // {check_id, elapsed_s, total_s, counts}
    this.load();
  }

  async load() {
    fill(this.el, h('div', { class: 'loading' }, h('span', { class: 'spinner' }), ' ', t('app.loading')));
    const scheduled = this.ctx.sessions.filter((s) => s.status === 'scheduled');
    if (this.id == null || !scheduled.some((s) => s.id === this.id)) {
      this.renderChooser(scheduled);
      return;
    }
    try {
      const [{ sites }, { checks }] = await Promise.all([
        api.get(`/api/v1/sessions/${this.id}/sites`),
        api.get(`/api/v1/sessions/${this.id}/checks`),
      ]);
      if (!this.alive) return;
      this.session = scheduled.find((s) => s.id === this.id);
      this.sites = sites;
      this.checks = checks;
      this.listen();
      this.render();
    } catch (err) {
      if (!this.alive) return;
      showError(err, t('tech.load_failed'));
      fill(this.el, h('div', { class: 'page' }, h('div', { class: 'card' }, h('div', { class: 'empty' },
        h('strong', null, t('tech.load_failed')), h('p', null, err.reason || ''),
        button(t('app.retry'), { kind: 'primary', onClick: () => this.load() })))));
    }
  }

  renderChooser(scheduled) {
    fill(this.el, h('div', { class: 'page' },
      h('div', { class: 'page-head' }, h('h1', null, t('tech.check.title'))),
      scheduled.length
        ? h('div', { class: 'card' }, h('div', { class: 'card-body stack' },
          h('p', null, t('tech.check.choose')),
          h('ul', { class: 'plain-list' }, scheduled.map((s) => h('li', null,
            h('a', { href: `#/check/${s.id}` }, s.title), ' ', h('span', { class: 'muted' }, formatDateTime(s.starts_at)))))))
        : h('div', { class: 'card' }, h('div', { class: 'empty' }, h('strong', null, t('tech.check.none'))))));
  }

  listen() {
    const { ws } = this.ctx;
    const mine = (fn) => (msg) => { if (msg.session_id === -this.id) fn(msg.body); };
    this.offs.push(
      ws.on('health.tick', mine((b) => this.onTick(b))),
      ws.on('check.progress', mine((b) => this.onProgress(b))),
      ws.on('check.finished', mine((b) => this.onFinished(b))),
    );
    // the feed of the live session may use the same topic: only add ours
    this.ownTopic = !(this.ctx.feedObj && this.ctx.feedObj.id === this.id);
    ws.subscribeHealth(this.id).catch((err) => { if (this.alive) showError(err, t('tech.subscribe_failed')); });
  }

  render() {
    const s = this.session;
    this.startBtn = button(t('tech.check.start'), { kind: 'primary', ic: 'play', onClick: () => this.start() });
    this.startBtn.disabled = !this.ctx.canCheck || !this.sites.length || !!this.running;
    this.progressEl = h('div', { class: 'check-progress', hidden: !this.running });
    this.resultEl = h('div', { class: 'check-result' });
    this.historyEl = h('div', { class: 'check-history' });
    fill(this.el, h('div', { class: 'page check-page' },
      h('div', { class: 'page-head' },
        h('div', null,
          h('h1', null, t('tech.check.title')),
          h('div', { class: 'sub' }, h('strong', null, s.title), ' · ', formatDateTime(s.starts_at), ' · ',
            t('tech.check.site_count', { n: this.sites.length }))),
        h('span', { class: 'spacer' }),
        this.startBtn),
      h('p', { class: 'text-2' }, t('tech.check.hint')),
      this.sites.length ? null : h('div', { class: 'callout callout-warn' }, t('tech.check.no_sites')),
      this.ctx.canCheck ? null : h('div', { class: 'callout' }, t('tech.check.role')),
      this.progressEl,
      this.resultEl,
      this.historyEl));
    this.renderProgress();
    this.renderHistory();
    const last = this.checks.find((c) => c.result);
    if (last && !this.running) this.renderResult(last.result, last);
  }

  async start() {
    this.startBtn.disabled = true;
    try {
      const res = await api.post(`/api/v1/sessions/${this.id}/check`);
      this.running = { check_id: res.check_id, elapsed_s: 0, total_s: res.seconds, counts: null };
      this.resultEl.replaceChildren();
      this.renderProgress();
    } catch (err) {
      this.startBtn.disabled = false;
      showError(err, t('tech.check.failed'));
    }
  }

  /** During a check the media runs for this session: its ticks tell each site's state. */
  onTick(b) {
    if (!this.running) return;
    this.rows = new Map((b.sites || []).map((r) => [r.site_id, r]));
    this.renderProgress();
  }

  onProgress(b) {
    this.running = { ...(this.running || {}), ...b };
    if (this.startBtn) this.startBtn.disabled = true;
    this.renderProgress();
  }

  async onFinished(b) {
    this.running = null;
    this.rows = null;
    this.renderProgress();
    if (this.startBtn) this.startBtn.disabled = !this.ctx.canCheck || !this.sites.length;
    this.renderResult(b.result, { id: b.check_id, finished_at: new Date().toISOString() });
    try {
      const { checks } = await api.get(`/api/v1/sessions/${this.id}/checks`);
      if (this.alive) { this.checks = checks; this.renderHistory(); }
    } catch { /* the result is on screen already */ }
  }

  renderProgress() {
    if (!this.progressEl) return;
    const r = this.running;
    this.progressEl.hidden = !r;
    if (!r) return;
    const total = r.total_s || 1;
    const share = Math.max(0, Math.min(1, (r.elapsed_s || 0) / total));
    // the sites' states from this session's ticks (the progress counts can
    // still hold the previous session's sites in the first second)
    const stateOf = (site) => this.rows?.get(site.id)?.state || 'unknown';
    const c = { online: 0, degraded: 0, held: 0, offline: 0, unknown: 0 };
    for (const site of this.sites) c[stateOf(site)] = (c[stateOf(site)] || 0) + 1;
    fill(this.progressEl, h('section', { class: 'card' }, h('div', { class: 'card-body stack' },
      h('div', { class: 'row' }, h('span', { class: 'spinner' }), h('strong', null, t('tech.check.running'))),
      h('div', { class: 'progress progress-lg', role: 'progressbar', 'aria-valuemin': '0', 'aria-valuemax': String(Math.round(total)), 'aria-valuenow': String(Math.round(r.elapsed_s || 0)), 'aria-label': t('tech.check.running') },
        h('div', { class: 'progress-bar', style: { width: `${(share * 100).toFixed(1)}%` } })),
      h('div', { class: 'progress-label' },
        h('span', null, t('tech.check.elapsed', { a: Math.round(r.elapsed_s || 0), b: Math.round(total) })),
        h('span', { class: 'check-counts' }, STATES.map((k) => h('span', { class: `gc gc-${k}` }, `${t(`tech.state.${k}`)}: ${c[k]}`)))),
      h('ul', { class: 'check-sites', 'aria-label': t('tech.check.sites_now') }, this.sites.map((site) => h('li', {
        class: `check-site s-${stateOf(site)}`, title: `${site.name} (${site.code}): ${t(`tech.state.${stateOf(site)}`)}`,
      }, site.name))))));
  }

  renderResult(result, check) {
    if (!result) { this.resultEl.replaceChildren(); return; }
    const bySite = { ready: [], degraded: [], absent: [], busy: [], refused: [] };
    for (const s of result.sites || []) (bySite[s.verdict] || bySite.absent).push(s);
    // A site in another live conference is not checked: a fourth column, only when there are such sites.
    // A closed session refuses a site in clear: a column first, saying why for each.
    const verdicts = [...(bySite.refused.length ? ['refused'] : []), ...VERDICTS, ...(bySite.busy.length ? ['busy'] : [])];
    const col = (v) => h('section', { class: `card verdict verdict-${v}`, dataset: { verdict: v } },
      h('header', { class: 'card-header' },
        h('h3', null, t(`tech.check.${v}`)), h('span', { class: 'count num' }, String(result[v] ?? bySite[v].length))),
      h('ul', { class: 'verdict-list' }, bySite[v].length
        ? bySite[v].map((s) => h('li', null, h('span', { class: 'vl-name' }, s.name), h('span', { class: 'vl-code' }, s.code),
          s.health && s.verdict !== 'absent' ? h('span', { class: 'vl-fig muted small' }, this._healthText(s.health)) : null,
          s.busy ? h('span', { class: 'vl-fig muted small' }, t('tech.check.busy_in', { title: s.busy.title })) : null,
          s.reason ? h('span', { class: 'vl-fig vl-reason small', dataset: { testid: 'refused-reason' } }, s.reason) : null,
          s.why ? h('span', { class: 'vl-fig muted small', dataset: { why: '' } }, s.why) : null))
        : h('li', { class: 'muted' }, t('tech.check.empty_list'))));
    fill(this.resultEl,
      h('h2', { class: 'result-title' }, t('tech.check.result'),
        check && check.finished_at ? h('span', { class: 'muted small' }, ` · ${formatDateTime(check.finished_at, { withSeconds: true })}`) : null),
      h('div', { class: `verdicts n${verdicts.length}` }, verdicts.map(col)));
  }

  _healthText(hj) {
    const parts = [];
    if (hj.state === 'held') parts.push(t('tech.state.held'));
    if (hj.loss_percent > 0.05) parts.push(`${t('tech.fig.loss')} ${formatPercent(hj.loss_percent)}`);
    if (hj.jitter_ms) parts.push(`jitter ${fmtMs(hj.jitter_ms)}`);
    if (hj.video_problem) parts.push(t('tech.problem.video'));
    if (hj.audio_problem) parts.push(t('tech.problem.audio'));
    return parts.join(' · ');
  }

  renderHistory() {
    if (!this.historyEl) return;
    const done = this.checks.filter((c) => c.result);
    if (!done.length) { this.historyEl.replaceChildren(); return; }
    fill(this.historyEl, h('section', { class: 'card' },
      h('header', { class: 'card-header' }, h('h2', null, icon('clock'), t('tech.check.history'))),
      h('div', { class: 'table-wrap', style: { border: 0 } }, h('table', { class: 'table' },
        h('thead', null, h('tr', null,
          h('th', null, t('tech.check.when')), h('th', null, t('tech.check.duration')),
          VERDICTS.map((v) => h('th', { class: 'right' }, t(`tech.check.${v}`))), h('th', null, ''))),
        h('tbody', null, done.map((c) => h('tr', null,
          h('td', null, formatDateTime(c.started_at, { withSeconds: true })),
          h('td', null, c.finished_at ? formatDuration((Date.parse(c.finished_at) - Date.parse(c.started_at)) / 1000) : '–'),
          VERDICTS.map((v) => h('td', { class: 'right num' }, String(c.result[v] ?? 0))),
          h('td', { class: 'col-actions' }, button(t('tech.check.show'), { size: 'sm', onClick: () => this.renderResult(c.result, c) })))))))));
  }

  destroy() {
    this.alive = false;
    for (const off of this.offs) off();
    this.offs = [];
    if (this.ownTopic) this.ctx.ws.unsubscribeHealth(this.id);
  }
}
