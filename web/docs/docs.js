// The documentation viewer at /docs/: a list of the reference pages (the
// Markdown files in this directory) and the selected one rendered with
// marked. The URL's hash names the page and, after a slash, a heading:
// #api, #api/errors. Links between pages are written as plain relative
// Markdown links (api.md#errors, ./websocket.md) so that they also work in
// the git tree; here they are rewritten to #page/anchor. Heading ids follow
// GitHub's rule (lower case, punctuation dropped, spaces to dashes), so an
// anchor means the same heading in both places.

import { marked } from '../vendor/marked/marked.esm.js';
import { applyPrefs } from '../common/prefs.js';
import { displayButtons } from '../common/display.js';

/** Every page, in the order of the list. id = file name without .md. */
export const PAGES = [
  { id: 'api', title: 'HTTP API', blurb: 'Routes and who may call them, the access matrix, objects, limits, errors, the audit log, confidential and signed documents, records, bulk import, the calendar feed.' },
  { id: 'websocket', title: 'WebSocket protocol', blurb: '/ws (roomctl.v1): messages and their acks, events, resync, ballots, access, rate and pings.' },
  { id: 'media', title: 'Media', blurb: 'Ports and SSRCs, joining as a site with GStreamer or ffmpeg, the program, recording, room audio, the site simulator.' },
  { id: 'operations', title: 'Operations', blurb: 'Running in production, TLS, the technicians: site health, alarms, the pre-session check, Prometheus metrics.' },
  { id: 'apps', title: 'The web apps', blurb: 'The secretariat console, the delegates\u2019 tablet app and the technicians\u2019 dashboard.' },
  { id: 'tests', title: 'Tests', blurb: 'The tests/ tree, every suite of make test, running one suite or one file, fuzzing.' },
  { id: 'benchmarks', title: 'Benchmarks', blurb: 'The log of benchmark runs, newest first: tablets, document downloads, sites, crashes.' },
  { id: 'design', title: 'Design notes', blurb: 'The rules the code keeps everywhere, and the threads roomctl runs.' },
];

const DIR = 'web/docs/';             // where the pages live in the source tree
const main = document.getElementById('main');

// Large text and high contrast, as in the apps (the same device setting).
const DISPLAY_LABELS = { 'prefs.group': 'Display', 'prefs.large': 'Large text', 'prefs.contrast': 'High contrast' };
applyPrefs();
document.querySelector('.app-header .spacer')?.after(displayButtons({ label: (key) => DISPLAY_LABELS[key], onChange: () => focusScrollers() }));
const pagesEl = document.getElementById('pages');
const toc = document.getElementById('toc');
const tocList = document.getElementById('toc-list');
const wide = window.matchMedia('(min-width: 900px)');

let shown = null;                    // id of the page on screen ('' = the contents)
let loading = 0;                     // ignores answers to superseded fetches

// ---------- the URL ----------

/** '#api/errors' → {page: 'api', anchor: 'errors'}; '' → {page: ''}. */
function parseHash(hash = location.hash) {
  const h = decodeURIComponent(hash.replace(/^#/, ''));
  const slash = h.indexOf('/');
  return slash < 0 ? { page: h, anchor: '' } : { page: h.slice(0, slash), anchor: h.slice(slash + 1) };
}

const href = (page, anchor = '') => `#${page}${anchor ? `/${anchor}` : ''}`;
const pageOf = (id) => PAGES.find((p) => p.id === id);

// ---------- rendering ----------

/** GitHub's heading ids: lower case, punctuation dropped, spaces → '-'. */
function slug(text) {
  return text.trim().toLowerCase().replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '').replace(/ /g, '-');
}

function el(tag, props = {}, ...children) {
  const e = document.createElement(tag);
  Object.assign(e, props);
  e.append(...children);
  return e;
}

function headingIds(root) {
  const seen = new Map();
  for (const h of root.querySelectorAll('h1, h2, h3, h4, h5, h6')) {
    const base = slug(h.textContent);
    const n = seen.get(base) || 0;
    seen.set(base, n + 1);
    h.id = n ? `${base}-${n}` : base;
  }
}

/** Relative .md links → #page/anchor; '#x' → #page/x; links out of web/
 *  (the README, sources) are only in the git tree: shown as text. */
function rewriteLinks(root, page) {
  for (const a of root.querySelectorAll('a[href]')) {
    const raw = a.getAttribute('href');
    if (/^[a-z][a-z0-9+.-]*:/i.test(raw) || raw.startsWith('//') || raw.startsWith('/')) continue;
    if (raw.startsWith('#')) {
      a.setAttribute('href', href(page, raw.slice(1)));
      continue;
    }
    const u = new URL(raw, `http://tree/${DIR}`);
    const file = u.pathname.startsWith(`/${DIR}`) ? u.pathname.slice(DIR.length + 1) : null;
    const target = file && file.endsWith('.md') ? pageOf(file.slice(0, -3)) : null;
    if (target) {
      a.setAttribute('href', href(target.id, decodeURIComponent(u.hash.slice(1))));
    } else if (u.pathname.startsWith('/web/')) {
      a.setAttribute('href', u.pathname.slice(4) + u.search + u.hash);   // served by roomctl too
    } else {
      const where = u.pathname.slice(1) + u.hash;
      const span = el('span', { className: 'tree-ref', title: `In the source tree: ${where}` }, ...a.childNodes);
      a.replaceWith(span);
    }
  }
}

/** Tables scroll sideways on their own on a narrow screen; the access
 *  matrix's ✓ / — / own cells are centred and coloured. */
function dressTables(root) {
  for (const t of root.querySelectorAll('table')) {
    const wrap = el('div', { className: 'table-scroll' });
    t.replaceWith(wrap);
    wrap.append(t);
    for (const td of t.querySelectorAll('td')) {
      const v = td.textContent.trim();
      if (v === '✓') td.className = 'cell-yes';
      else if (v === '—') td.className = 'cell-no';
      else if (v === 'own') td.className = 'cell-own';
    }
  }
}

/** A code block or table that scrolls sideways gets a tab stop, so that the
 *  keyboard can scroll it too; one that fits gets none. Again when the
 *  width or the text size changes. */
function focusScrollers(root = main) {
  for (const box of root.querySelectorAll('pre, .table-scroll')) {
    if (box.scrollWidth > box.clientWidth + 1) box.tabIndex = 0;
    else box.removeAttribute('tabindex');
  }
}
let scrollersTimer = 0;
window.addEventListener('resize', () => { clearTimeout(scrollersTimer); scrollersTimer = setTimeout(() => focusScrollers(), 150); });

function fillToc(page) {
  tocList.replaceChildren();
  for (const h of main.querySelectorAll('h2, h3')) {
    const item = el('li', {}, el('a', { href: href(page, h.id), textContent: h.textContent.trim() }));
    if (h.tagName === 'H3') item.className = 'toc-sub';
    tocList.append(item);
  }
  toc.hidden = !tocList.children.length;
  toc.open = wide.matches;
}

function markCurrent(page) {
  for (const a of pagesEl.querySelectorAll('a')) {
    if (a.dataset.page === page) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
}

function renderContents() {
  const cards = PAGES.map((p) => el('li', {},
    el('a', { className: 'card docs-card', href: href(p.id) },
      el('strong', { textContent: p.title }),
      el('span', { className: 'docs-card-file', textContent: `${DIR}${p.id}.md` }),
      el('span', { className: 'docs-card-blurb', textContent: p.blurb }))));
  main.replaceChildren(
    el('h1', { textContent: 'roomctl documentation' }),
    el('p', { className: 'lead', textContent: 'The reference of roomctl, served by roomctl itself. Each page is a Markdown file in web/docs/ of the source tree; the README at the top of the tree has the two commands, the configuration and the layout.' }),
    el('ul', { className: 'docs-cards' }, ...cards));
  tocList.replaceChildren();
  toc.hidden = true;
  document.title = 'roomctl · Documentation';
}

function renderMissing(id) {
  main.replaceChildren(
    el('h1', { textContent: 'No such page' }),
    el('p', {}, `There is no page “${id}”. `, el('a', { href: '#', textContent: 'All pages' }), '.'));
  toc.hidden = true;
}

async function show(page, anchor, { focus = false } = {}) {
  if (page !== shown) {
    const ticket = ++loading;
    markCurrent(page);
    if (!page) {
      renderContents();
    } else if (!pageOf(page)) {
      renderMissing(page);
    } else {
      main.setAttribute('aria-busy', 'true');
      let md;
      try {
        const res = await fetch(`${page}.md`, { cache: 'no-cache' });
        if (!res.ok) throw new Error(`${res.status} ${res.statusText}`);
        md = await res.text();
      } catch (e) {
        if (ticket !== loading) return;
        main.removeAttribute('aria-busy');
        main.replaceChildren(el('h1', { textContent: pageOf(page).title }),
          el('p', { className: 'docs-error', textContent: `The page could not be loaded (${e.message}).` }));
        shown = null;
        return;
      }
      if (ticket !== loading) return;
      const article = el('article');
      article.innerHTML = marked.parse(md, { gfm: true });
      headingIds(article);
      rewriteLinks(article, page);
      dressTables(article);
      main.replaceChildren(article);
      focusScrollers(article);
      main.removeAttribute('aria-busy');
      fillToc(page);
      document.title = `${pageOf(page).title} · roomctl documentation`;
    }
    shown = page;
    if (focus) main.focus({ preventScroll: true });
  }
  const target = anchor && document.getElementById(anchor);
  if (target) target.scrollIntoView();
  else window.scrollTo(0, 0);
}

// ---------- start ----------

pagesEl.append(el('li', {}, el('a', { href: '#', textContent: 'Contents', className: 'docs-home' })),
  ...PAGES.map((p) => {
    const a = el('a', { href: href(p.id), textContent: p.title });
    a.dataset.page = p.id;
    return el('li', {}, a);
  }));
pagesEl.querySelector('.docs-home').dataset.page = '';

document.getElementById('skip').addEventListener('click', () => main.focus());
wide.addEventListener('change', () => { toc.open = wide.matches; });
window.addEventListener('hashchange', () => {
  const { page, anchor } = parseHash();
  show(page, anchor, { focus: page !== shown });
});
// A link to where the URL already is fires no hashchange: scroll anyway.
document.addEventListener('click', (e) => {
  const a = e.target.closest('a[href^="#"]');
  if (!a) return;
  if (tocList.contains(a) && !wide.matches) toc.open = false;   // the small-screen contents closes again
  if (a.getAttribute('href') === location.hash) {
    e.preventDefault();
    const { page, anchor } = parseHash();
    show(page, anchor);
  }
});

const first = parseHash();
show(first.page, first.anchor);
