// Number formats of the dashboard in the UI language (decimal comma in
// Vietnamese). Cheap: called for hundreds of tiles per tick, no Intl.

import { getLang } from '../common/i18n.js';

/** "1,0 Mb/s" / "850 kb/s" in the UI language (fast: no Intl per call). */
export function formatKbps(kbps) {
  const comma = getLang() === 'vi';
  if (!(kbps > 0)) return '0';
  const s = kbps >= 1000 ? `${(kbps / 1000).toFixed(1)} Mb/s` : `${Math.round(kbps)} kb/s`;
  return comma ? s.replace('.', ',') : s;
}

/** A tile's coarse figure: 100 kb/s steps ("1,2 Mb/s"), so it changes
 *  only when the bitrate really moves (grid.js marks tiles dirty on the same step). */
export function formatTileKbps(kbps) {
  if (!(kbps > 0)) return '0';
  if (kbps < 50) return `${Math.round(kbps)} kb/s`;
  const s = `${(Math.round(kbps / 100) / 10).toFixed(1)} Mb/s`;
  return getLang() === 'vi' ? s.replace('.', ',') : s;
}

export function formatPercent(v, digits = 1) {
  if (v == null || Number.isNaN(v)) return '–';
  const s = `${v.toFixed(digits)} %`;
  return getLang() === 'vi' ? s.replace('.', ',') : s;
}

/** "3 phút 20 giây" / "3 min 20 s"; "2 giờ 05 phút" for longer. */
export function formatDuration(sec) {
  if (sec == null || !Number.isFinite(sec) || sec < 0) return '–';
  const s = Math.floor(sec);
  const hh = Math.floor(s / 3600), mm = Math.floor((s % 3600) / 60), ss = s % 60;
  const vi = getLang() === 'vi';
  if (hh) return vi ? `${hh} giờ ${String(mm).padStart(2, '0')} phút` : `${hh} h ${String(mm).padStart(2, '0')} min`;
  if (mm) return vi ? `${mm} phút ${ss} giây` : `${mm} min ${ss} s`;
  return vi ? `${ss} giây` : `${ss} s`;
}

export function fmtMs(v) {
  if (v == null || Number.isNaN(v)) return '–';
  const s = `${v.toFixed(1)} ms`;
  return getLang() === 'vi' ? s.replace('.', ',') : s;
}
