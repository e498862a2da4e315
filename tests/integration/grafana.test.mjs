// configs/grafana-roomctl.json against the controller's real /metrics: the
// file is valid JSON with a sane panel layout, and every PromQL expression
// (panels and variables) names metrics that roomctl exports, with labels
// those metrics carry. The metrics come from a demo controller with a live
// session and one site sending a little RTP, so the per-site families have
// samples and labels to compare with.

import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { api, login, startLocalServer } from '../lib/integration.mjs';
import { REPO_ROOT, freePort } from '../lib/server.mjs';
import { blast, freeUdpPorts, rtp, siteSsrc, until } from '../lib/media.mjs';

const FILE = path.join(REPO_ROOT, 'configs', 'grafana-roomctl.json');
const METRIC_RE = /\b((?:roomctl|process)_[a-z0-9_]+)\b/g;

/** Every PromQL expression in the dashboard, with where it is. */
function expressions(dash) {
  const out = [];
  const walk = (panels) => {
    for (const p of panels || []) {
      for (const t of p.targets || []) if (t.expr) out.push({ where: `panel "${p.title}" ${t.refId}`, expr: t.expr, legend: t.legendFormat || '' });
      walk(p.panels);
    }
  };
  walk(dash.panels);
  for (const v of dash.templating?.list || []) {
    const q = typeof v.query === 'string' ? v.query : v.query?.query;
    if (v.type === 'query' && q) out.push({ where: `variable ${v.name}`, expr: q, legend: '' });
  }
  return out;
}

/** {name -> {type, labels:Set}} from the Prometheus text format. */
function parseMetrics(text) {
  const families = new Map();
  for (const line of text.split('\n')) {
    let m = /^# TYPE (\S+) (\S+)/.exec(line);
    if (m) {
      families.set(m[1], { type: m[2], labels: new Set() });
      // a histogram's series: cumulative buckets (with le), sum and count, all counters
      if (m[2] === 'histogram') for (const s of ['_bucket', '_sum', '_count']) families.set(m[1] + s, { type: 'counter', labels: new Set() });
      continue;
    }
    m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? /.exec(line);
    if (!m || line.startsWith('#')) continue;
    const fam = families.get(m[1]);
    if (!fam) continue;
    for (const lm of (m[2] || '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="/g)) fam.labels.add(lm[1]);
  }
  return families;
}

describe('grafana dashboard', () => {
  let srv, families, dash;

  before(async () => {
    dash = JSON.parse(await fs.readFile(FILE, 'utf8'));
    const base = await freeUdpPorts(4);
    srv = await startLocalServer({
      args: ['--demo'],
      config: { media: { video_port: base, audio_port: base + 2, rtsp_port: await freePort(), rtsp_host: '127.0.0.1', record: 'false' } },
    });
    const admin = await login(srv.base, 'admin', 'admin123');
    await api(srv.base, admin, 'POST', '/api/v1/sessions/1/start');
    // One site sends a little video and audio, so its families have samples.
    await Promise.all([
      blast(base, (i) => rtp({ ssrc: siteSsrc('TINH'), seq: i, ts: i * 3600 }), { ms: 1500, mbps: 0.3 }),
      blast(base + 2, (i) => rtp({ ssrc: siteSsrc('TINH', true), seq: i, ts: i * 960, pt: 111 }), { ms: 1500, mbps: 0.1 }),
    ]);
    const text = await until(async () => {
      const res = await fetch(`${srv.base}/metrics`);
      const body = await res.text();
      return /roomctl_site_receive_bytes_per_second\{site="TINH"/.test(body) && body;
    }, 10000, 'per-site samples in /metrics');
    families = parseMetrics(text);
  });

  after(async () => { if (srv) await srv.stop(); });

  test('the file is a dashboard with panels on a 24-column grid', () => {
    assert.equal(typeof dash.title, 'string');
    assert.equal(typeof dash.uid, 'string');
    assert.ok(Array.isArray(dash.panels) && dash.panels.length >= 10, 'panels');
    const ids = new Set();
    for (const p of dash.panels) {
      assert.ok(!ids.has(p.id), `panel id ${p.id} unique`);
      ids.add(p.id);
      const g = p.gridPos;
      assert.ok(g && g.x >= 0 && g.w > 0 && g.x + g.w <= 24 && g.h > 0 && g.y >= 0, `gridPos of "${p.title}"`);
      if (p.type !== 'row') assert.ok(p.targets?.length, `"${p.title}" has queries`);
    }
  });

  test('every expression names exported metrics with their labels', () => {
    const exprs = expressions(dash);
    assert.ok(exprs.length >= 15, `${exprs.length} expressions`);
    const used = new Set();
    for (const { where, expr, legend } of exprs) {
      const names = [...expr.matchAll(METRIC_RE)].map((m) => m[1]);
      assert.ok(names.length, `${where}: no roomctl metric in ${expr}`);
      for (const n of names) {
        assert.ok(families.has(n), `${where}: ${n} is not exported by /metrics`);
        used.add(n);
      }
      // labels in selectors {label=...}, in by (...) and in the legend exist on the metric
      const labels = new Set(names.flatMap((n) => [...families.get(n).labels]));
      const wanted = [
        ...[...expr.matchAll(/\{([^}]*)\}/g)].flatMap((m) => [...m[1].matchAll(/([a-zA-Z_]\w*)\s*(?:=~|!=|!~|=)/g)].map((x) => x[1])),
        ...[...expr.matchAll(/\bby\s*\(([^)]*)\)/g)].flatMap((m) => m[1].split(',').map((x) => x.trim()).filter(Boolean)),
        ...[...legend.matchAll(/\{\{\s*(\w+)\s*\}\}/g)].map((m) => m[1]),
        ...[...expr.matchAll(/label_values\(\s*\w+\s*,\s*(\w+)\s*\)/g)].map((m) => m[1]),
      ];
      for (const l of wanted) assert.ok(labels.has(l), `${where}: label "${l}" is not on ${names.join(', ')} (has ${[...labels].join(', ') || 'none'})`);
      // rate() only over counters
      for (const m of expr.matchAll(/\brate\(\s*((?:roomctl|process)_[a-z0-9_]+)/g)) {
        assert.equal(families.get(m[1]).type, 'counter', `${where}: rate() of ${m[1]}, a ${families.get(m[1]).type}`);
      }
    }
    // the dashboard covers the families that matter to a technician
    for (const n of ['roomctl_site_up', 'roomctl_site_state', 'roomctl_site_loss_ratio', 'roomctl_site_jitter_seconds',
      'roomctl_site_receive_bytes_per_second', 'roomctl_alarms_active', 'roomctl_sessions_live', 'process_cpu_seconds_total',
      'process_resident_memory_bytes', 'roomctl_ingest_dropped_packets_total', 'roomctl_program_forward_delay_seconds_bucket']) {
      assert.ok(used.has(n), `no panel shows ${n}`);
    }
  });
});
