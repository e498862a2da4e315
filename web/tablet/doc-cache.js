// Documents kept on the tablet: the PDF bytes in IndexedDB keyed by their
// SHA-256 (the server's ETag), so a document crosses the network once.
// IndexedDB rather than the Cache API because the Cache API only exists in
// secure contexts, and tablets on the meeting-room LAN reach the controller
// over plain http://.
//
//   const bytes = await loadDocumentBytes(doc, {onProgress})
//
// With a stored copy the tablet still asks once per app start with
// If-None-Match: "<sha256>" — the server answers 304 (no body) and the copy
// is used, or 403/404 when the delegate may no longer read it (the copy is
// then dropped). Offline, the stored copy is used as is.
//
// Each copy lists the sessions it was read in (`sessions`), so the copies of
// a closed session can be purged at its end (recovery.js): a document shared
// with another session goes too (it is fetched again there). A document of a
// closed session that has ended (doc.keep === false) or that this tablet
// withholds (withholdSession: it is waiting to be purged) is never served
// from, nor put into, the store.

import { authHeaders, errorFromBody, ApiError } from '../common/api.js';
import { t } from '../common/i18n.js';

const DB_NAME = 'roomctl-tablet';
const STORE = 'documents';
const REVALIDATE_TIMEOUT_MS = 4000;
const KEEP_MS = 60 * 24 * 3600 * 1000;   // a copy unused for 60 days is dropped

let dbPromise = null;
const checked = new Set();   // sha256 revalidated since the app started
const withheld = new Set();  // session ids whose copies must not be used (to be purged)

/** Copies read in session @sid are no longer used (until purged). */
export function withholdSession(sid) { withheld.add(Number(sid)); }

const isWithheld = (entry) => (entry.sessions || []).some((sid) => withheld.has(sid));

function openDb() {
  if (dbPromise) return dbPromise;
  dbPromise = new Promise((resolve) => {
    if (!('indexedDB' in window)) { resolve(null); return; }
    const req = indexedDB.open(DB_NAME, 1);
    req.onupgradeneeded = () => {
      const db = req.result;
      if (!db.objectStoreNames.contains(STORE)) db.createObjectStore(STORE, { keyPath: 'sha256' });
    };
    req.onsuccess = () => { resolve(req.result); prune(req.result); };
    req.onerror = () => resolve(null);      // private mode etc.: work without a cache
    req.onblocked = () => resolve(null);
  });
  return dbPromise;
}

function tx(db, mode, fn) {
  return new Promise((resolve, reject) => {
    const transaction = db.transaction(STORE, mode);
    const store = transaction.objectStore(STORE);
    let result;
    const req = fn(store);
    if (req) req.onsuccess = () => { result = req.result; };
    transaction.oncomplete = () => resolve(result);
    transaction.onerror = () => reject(transaction.error);
    transaction.onabort = () => reject(transaction.error);
  });
}

/** Drops the copies not used for KEEP_MS (documents never change, so a later use fetches again). */
function prune(db) {
  try {
    const store = db.transaction(STORE, 'readwrite').objectStore(STORE);
    store.openCursor().onsuccess = (e) => {
      const cur = e.target.result;
      if (!cur) return;
      if (Date.now() - (cur.value.used_at || cur.value.stored_at || 0) > KEEP_MS) cur.delete();
      cur.continue();
    };
  } catch { /* not worth an error */ }
}

/** Forgets every kept document (at logout: nothing of one reader stays for the next). */
export async function clearDocuments() {
  const db = await openDb();
  checked.clear();
  if (!db) return;
  try { await tx(db, 'readwrite', (s) => s.clear()); } catch { /* gone anyway */ }
}

const withSession = (list, sid) => (sid == null || (list || []).includes(sid) ? (list || []) : [...(list || []), sid]);

async function touch(entry, sessionId) {
  const db = await openDb();
  if (!db) return;
  const sessions = withSession(entry.sessions, sessionId);
  try { await tx(db, 'readwrite', (s) => s.put({ ...entry, sessions, used_at: Date.now() })); } catch { /* best effort */ }
}

/** Every stored copy: [{sha256, document_id, sessions}] (no bytes). */
export async function storedCopies() {
  const db = await openDb();
  if (!db) return [];
  const out = [];
  try {
    await tx(db, 'readonly', (s) => {
      s.openCursor().onsuccess = (e) => {
        const cur = e.target.result;
        if (!cur) return;
        out.push({ sha256: cur.value.sha256, document_id: cur.value.document_id, sessions: cur.value.sessions || [] });
        cur.continue();
      };
    });
  } catch { /* nothing readable: nothing held */ }
  return out;
}

/** Deletes every copy read in session @sid; resolves with how many went. */
export async function purgeSessionDocuments(sid) {
  const db = await openDb();
  if (!db) return 0;
  let count = 0;
  await tx(db, 'readwrite', (s) => {
    s.openCursor().onsuccess = (e) => {
      const cur = e.target.result;
      if (!cur) return;
      if ((cur.value.sessions || []).includes(sid)) {
        checked.delete(cur.value.sha256);
        cur.delete();
        count += 1;
      }
      cur.continue();
    };
  });
  return count;
}

export async function cachedDocument(sha256) {
  const db = await openDb();
  if (!db || !sha256) return null;
  try { return (await tx(db, 'readonly', (s) => s.get(sha256))) || null; } catch { return null; }
}

async function storeDocument(sha256, bytes, meta) {
  const db = await openDb();
  if (!db || !sha256) return;
  try {
    await tx(db, 'readwrite', (s) => s.put({ sha256, bytes, size: bytes.byteLength, stored_at: Date.now(), ...meta }));
  } catch (err) {
    console.warn('roomctl: cannot keep the document on this tablet', err);
  }
}

async function dropDocument(sha256) {
  const db = await openDb();
  if (!db || !sha256) return;
  try { await tx(db, 'readwrite', (s) => s.delete(sha256)); } catch { /* gone anyway */ }
}

/** Reads a response body with progress callbacks. */
async function readBody(res, onProgress) {
  const total = Number(res.headers.get('Content-Length')) || 0;
  if (!res.body || !onProgress) return new Uint8Array(await res.arrayBuffer());
  const reader = res.body.getReader();
  const chunks = [];
  let loaded = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    loaded += value.byteLength;
    onProgress({ loaded, total });
  }
  const out = new Uint8Array(loaded);
  let off = 0;
  for (const c of chunks) { out.set(c, off); off += c.byteLength; }
  return out;
}

/**
 * The bytes of doc ({id, sha256, url}) as a fresh Uint8Array (the caller may
 * hand it to pdf.js, which takes ownership).
 */
export async function loadDocumentBytes(doc, { onProgress } = {}) {
  const url = doc.url || `/api/v1/documents/${doc.id}/content`;
  // A confidential document comes stamped for this reader and this moment:
  // fetched each time, never kept on the tablet.
  if (doc.confidential) return loadStamped(doc, url, onProgress);
  const sessionId = doc.session_id == null ? null : Number(doc.session_id);
  // An ended closed session's documents were given back: read from the
  // server each time, kept nowhere.
  if (doc.keep === false || withheld.has(sessionId)) return loadStamped(doc, url, onProgress);
  let cached = await cachedDocument(doc.sha256);
  if (cached && isWithheld(cached)) cached = null;
  if (cached && checked.has(doc.sha256)) {
    if (sessionId != null && !(cached.sessions || []).includes(sessionId)) touch(cached, sessionId);
    return new Uint8Array(cached.bytes.slice(0));
  }

  const headers = authHeaders();
  if (cached) headers['If-None-Match'] = `"${doc.sha256}"`;
  let res;
  const ctrl = new AbortController();
  const timer = cached ? setTimeout(() => ctrl.abort(), REVALIDATE_TIMEOUT_MS) : null;
  try {
    res = await fetch(url, { headers, cache: 'no-store', credentials: 'same-origin', signal: ctrl.signal });
  } catch (err) {
    clearTimeout(timer);
    if (cached) return new Uint8Array(cached.bytes.slice(0));   // offline: the copy we have
    throw new ApiError({ name: 'network', reason: t('err.network') });
  }
  clearTimeout(timer);
  if (res.status === 304 && cached) {
    checked.add(doc.sha256);
    touch(cached, sessionId);
    return new Uint8Array(cached.bytes.slice(0));
  }
  if (!res.ok) {
    const err = errorFromBody(res.status, await res.text().catch(() => ''));
    if (cached && (res.status === 403 || res.status === 404)) await dropDocument(doc.sha256);
    if (err.isAuth) onUnauthorizedProxy(err);
    throw err;
  }
  const bytes = await readBody(res, onProgress);
  const etag = (res.headers.get('ETag') || '').replace(/"/g, '');
  const key = etag || doc.sha256;
  checked.add(key);
  const before = await cachedDocument(key);
  await storeDocument(key, bytes.slice(0).buffer, {
    document_id: doc.id, title: doc.title || '', sessions: withSession(((before && before.sessions) || []).filter((x) => !withheld.has(x)), sessionId),
  });
  return bytes;
}

async function loadStamped(doc, url, onProgress) {
  let res;
  try {
    res = await fetch(url, { headers: authHeaders(), cache: 'no-store', credentials: 'same-origin' });
  } catch {
    throw new ApiError({ name: 'network', reason: t('err.network') });
  }
  if (!res.ok) {
    const err = errorFromBody(res.status, await res.text().catch(() => ''));
    if (err.isAuth) onUnauthorizedProxy(err);
    throw err;
  }
  return readBody(res, onProgress);
}

// A refused token while fetching a document is reported to the handler the
// app installs here (it shows the login again).
let unauthorized = null;
export function onDocumentUnauthorized(fn) { unauthorized = fn; }
function onUnauthorizedProxy(err) { if (unauthorized) unauthorized(err); }
