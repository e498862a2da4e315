// Who holds the sessions and the province's time zone, as the server is
// configured ([meeting] organisation and timezone, GET /api/v1/about). Every
// app shows that name in its header and every time in that zone, whatever
// the device's own clock zone: a tablet set to UTC still shows the 08:00
// session at 08:00, and 08:00 typed in the console is 08:00 there.
//
// Plain fetch, not api.js: i18n.js formats with this module, and api.js
// needs i18n.js.

const CACHE_KEY = 'roomctl.about';
const DEFAULT_ZONE = 'Asia/Ho_Chi_Minh';   // the server's built-in default, until it answers

let about = readCache();
let loading = null;
const parts = new Map();   // zone -> Intl.DateTimeFormat giving numeric parts

function readCache() {
  try {
    const v = JSON.parse(localStorage.getItem(CACHE_KEY) || 'null');
    if (v && typeof v.timezone === 'string' && typeof v.organisation === 'string') return v;
  } catch { /* no storage, or not ours */ }
  return { organisation: '', timezone: DEFAULT_ZONE };
}

/** Fetches the server's organisation and zone once; resolves when known (or kept from the last visit). */
export function loadProvince() {
  if (!loading) {
    loading = fetch('/api/v1/about', { headers: { Accept: 'application/json' } })
      .then((res) => (res.ok ? res.json() : null))
      .then((v) => {
        if (v && typeof v.timezone === 'string' && typeof v.organisation === 'string') {
          about = { organisation: v.organisation, timezone: v.timezone };
          try { localStorage.setItem(CACHE_KEY, JSON.stringify(about)); } catch { /* private mode */ }
        }
        return about;
      })
      .catch(() => about);
  }
  return loading;
}

/** The organisation's name, word for word as configured ('' before the first answer). */
export function organisation() { return about.organisation; }

/** The province's IANA zone name. */
export function timeZone() { return about.timezone; }

function formatter(zone) {
  let f = parts.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-GB', {
      timeZone: zone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit',
      hour: '2-digit', minute: '2-digit', second: '2-digit',
    });
    parts.set(zone, f);
  }
  return f;
}

/** {year, month (1-12), day, hour (0-23), minute, second} of @date in the province's zone. */
export function zoned(date) {
  const out = {};
  for (const p of formatter(about.timezone).formatToParts(date)) {
    if (p.type !== 'literal') out[p.type] = Number(p.value);
  }
  return { year: out.year, month: out.month, day: out.day, hour: out.hour % 24, minute: out.minute, second: out.second };
}

/**
 * The instant (a Date) at which the province's wall clock reads
 * year-month-day hour:minute. Solved by the zone's offset at that time
 * (twice, for the hour a change of offset moves).
 */
export function fromZoned(year, month, day, hour = 0, minute = 0) {
  const wall = Date.UTC(year, month - 1, day, hour, minute);
  let t = wall;
  for (let i = 0; i < 2; i++) {
    const z = zoned(new Date(t));
    const shown = Date.UTC(z.year, z.month - 1, z.day, z.hour, z.minute, z.second);
    t += wall - shown;
  }
  return new Date(t);
}

/** The province's zone as "UTC+07:00" at @date. */
export function zoneOffsetLabel(date = new Date()) {
  const z = zoned(date);
  const min = Math.round((Date.UTC(z.year, z.month - 1, z.day, z.hour, z.minute, z.second) - Math.floor(date.getTime() / 1000) * 1000) / 60000);
  const a = Math.abs(min);
  return `UTC${min >= 0 ? '+' : '−'}${String(Math.floor(a / 60)).padStart(2, '0')}:${String(a % 60).padStart(2, '0')}`;
}
