// The technicians' dashboard's site model (web/tech/store.js) in node, no
// browser: the province → district → commune groups, the per-site ring
// buffers (one column a second however often the ticks come, five minutes,
// allocated once), and which tiles a tick marks for redrawing.

import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';

let SiteStore;
let HISTORY;

const SITES = [
  { id: 1, code: 'TINH', name: 'Hội trường tỉnh', level: 'province', parent_id: null },
  { id: 2, code: 'H01', name: 'Thành phố Hòa Xanh', level: 'district', parent_id: 1 },
  { id: 3, code: 'H01-X01', name: 'Phường Cẩm Xá', level: 'commune', parent_id: 2 },
  { id: 4, code: 'H01-X02', name: 'Phường Cao Hồng', level: 'commune', parent_id: 2 },
  { id: 5, code: 'H02', name: 'Thị xã Ngọc Lâm', level: 'district', parent_id: 1 },
  { id: 6, code: 'H02-X01', name: 'Phường Đồng Thủy', level: 'commune', parent_id: 5 },
  { id: 9, code: 'S-TC', name: 'Sở Tài chính', level: 'department', parent_id: 1 },
];

const row = (id, state, { loss = 0, kbps = 1000, rr = null } = {}) => ({
  site_id: id, state, video_problem: false, audio_problem: false, loss_percent: loss, jitter_ms: 2, since_s: 3,
  kbps, audio_kbps: 44, rr_loss_percent: rr, idle_s: 0,
});

describe('tech dashboard store', () => {
  before(async () => {
    // store.js imports the shared UI helpers, which touch these at load
    globalThis.localStorage ??= { getItem: () => null, setItem() {}, removeItem() {} };
    globalThis.document ??= { documentElement: {}, querySelectorAll: () => [] };
    ({ SiteStore, HISTORY } = await import('../../web/tech/store.js'));
  });

  it('groups the province level, then each district with its own site first', () => {
    // the session has all but H02 itself: its commune still lands in H02's group
    const s = new SiteStore(SITES, SITES.filter((x) => x.code !== 'H02'));
    const groups = s.groups().map((g) => [g.key, g.members.map((i) => s.sites[i].code)]);
    assert.deepEqual(groups, [
      ['province', ['TINH', 'S-TC']],
      ['d2', ['H01', 'H01-X01', 'H01-X02']],
      ['d5', ['H02-X01']],
    ]);
    assert.deepEqual(s.districts().map((d) => d.code), ['H01', 'H02']);
    assert.ok(s.sites.find((x) => x.code === 'H01-X01').folded.includes('phuong cam xa'), 'search text without diacritics');
  });

  it('keeps one column a second at two ticks a second: the worst loss, the latest bitrate', () => {
    const s = new SiteStore(SITES, SITES);
    let t = 1_800_000_000_000;
    for (let k = 0; k < 10; k++) {
      s.applyTick({ sites: [row(1, 'online', { loss: k === 3 ? 9 : 0, kbps: 1000 + k }), row(2, 'online', { rr: k })] }, t);
      t += 500;
    }
    assert.equal(s.len, 5);
    assert.equal(s.ticks, 10);
    const [x, loss, rr, , kbps] = s.history(s.indexOf(1));
    assert.deepEqual(loss, [0, 9, 0, 0, 0]);
    assert.deepEqual(kbps, [1001, 1003, 1005, 1007, 1009]);
    assert.deepEqual(rr, [null, null, null, null, null], 'no receiver report: gaps');
    assert.deepEqual(s.history(s.indexOf(2))[2], [1, 3, 5, 7, 9], 'the worst program loss of each second');
    assert.ok(x.every((v, k) => k === 0 || v > x[k - 1]), 'times increase');
    assert.equal(s.points(s.indexOf(3)), 0, 'a silent site has no points');
    assert.deepEqual([...s.counts], [5, 2, 0, 0, 0]); // unknown, online, degraded, offline, held
  });

  it('keeps five minutes in buffers allocated once, with gaps for missing sites', () => {
    const s = new SiteStore(SITES, SITES);
    const arrays = Object.values(s.hist);
    let t = 1_800_000_000_000;
    for (let k = 0; k < HISTORY + 100; k++) {
      const sites = [row(1, 'online', { kbps: k })];
      if (k < 150) sites.push(row(2, 'online'));   // H01 stops after 150 s
      s.applyTick({ sites }, t);
      t += 1000;
    }
    assert.equal(s.len, HISTORY);
    assert.ok(Object.values(s.hist).every((a, k) => a === arrays[k]), 'no reallocation');
    const kbps = s.history(s.indexOf(1))[4];
    assert.equal(kbps.length, HISTORY);
    assert.equal(kbps[0], 100, 'the oldest column is 300 s old');
    assert.equal(kbps.at(-1), HISTORY + 99);
    assert.equal(s.points(s.indexOf(2)), 50, 'H01: the 50 s before it stopped that are still kept');
  });

  it('marks a tile dirty only when what it shows changes', () => {
    const s = new SiteStore(SITES, SITES);
    const drained = () => { const out = []; s.drainDirty((i) => out.push(s.sites[i].code)); return out.sort(); };
    s.applyTick({ sites: [row(1, 'online', { kbps: 1000 }), row(2, 'online', { kbps: 1000 })] }, 1000);
    assert.deepEqual(drained(), ['H01', 'TINH']);
    s.applyTick({ sites: [row(1, 'online', { kbps: 1030 }), row(2, 'online', { kbps: 1000 })] }, 2000);
    assert.deepEqual(drained(), [], 'a few kb/s more: the tile (0.1 Mb/s steps) stays');
    s.applyTick({ sites: [row(1, 'online', { kbps: 1200 }), row(2, 'degraded', { kbps: 1000, loss: 6 })] }, 3000);
    assert.deepEqual(drained(), ['H01', 'TINH']);
    assert.equal(s.stateName(s.indexOf(2)), 'degraded');
    assert.deepEqual([...s.counts], [5, 1, 1, 0, 0]);
    // A SIP site on hold: its own state, counted apart (model/health.h's order).
    s.applyTick({ sites: [row(1, 'online', { kbps: 1200 }), row(2, 'held', { kbps: 0 })] }, 4000);
    assert.deepEqual(drained(), ['H01']);
    assert.equal(s.stateName(s.indexOf(2)), 'held');
    assert.deepEqual([...s.counts], [5, 1, 0, 0, 1]);
  });
});
