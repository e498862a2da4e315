// Closed sessions on this tablet (phiên họp kín, thu hồi tài liệu): at the
// end of a closed session the tablet deletes the session's documents (the
// copies doc-cache.js keeps, the PDFs pdf.js holds in memory) and the notes
// it kept for it (unsent notes are sent first when it can; the delegate's
// notes on the server stay theirs), then tells the server what it purged
// (documents.recovered, with this tablet's own random device id).
//
// What survives a reload or a lost connection, in localStorage:
//   roomctl.tablet.device   this tablet's id (made once, random)
//   roomctl.tablet.purges   {session_id: {documents, notes, user} | {pending: true}}
//                            a purge that is due ({pending}) or done and not
//                            yet acknowledged by the server
// A session listed there is withheld at once (doc-cache.js never serves its
// copies), so a tablet that was told of the end and then lost power or the
// network never shows the documents again, even offline; the purge finishes
// and the receipt goes at the next start.
//
// A tablet that missed the end (offline) learns it from the session list at
// its next start (chooseSession in tablet.js: a closed session that has
// ended, of which it holds copies), or from the snapshot when it
// reconnects, and purges before it shows anything of that session.

import { storedCopies, purgeSessionDocuments, withholdSession } from './doc-cache.js';
import { forgetDocuments } from './viewer.js';

const DEVICE_KEY = 'roomctl.tablet.device';
const PURGES_KEY = 'roomctl.tablet.purges';
const NOTES_PREFIX = 'roomctl.notes.pending.';

function read(key, fallback) {
  try { return JSON.parse(localStorage.getItem(key) || 'null') ?? fallback; } catch { return fallback; }
}
function write(key, value) {
  try {
    if (value && Object.keys(value).length) localStorage.setItem(key, JSON.stringify(value));
    else localStorage.removeItem(key);
  } catch { /* storage disabled: the server's list still tells at the next start */ }
}

/** This tablet's own id: 32 random hex digits, made on first use. */
export function deviceId() {
  let id = null;
  try { id = localStorage.getItem(DEVICE_KEY); } catch { /* disabled */ }
  if (id && /^[0-9a-f]{32}$/.test(id)) return id;
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  id = Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
  try { localStorage.setItem(DEVICE_KEY, id); } catch { /* an id for this tab only */ }
  return id;
}

const purges = () => read(PURGES_KEY, {});

// Withheld from the first moment the module runs: before anything renders.
for (const sid of Object.keys(purges())) withholdSession(Number(sid));

/** The sessions whose purge is due or whose receipt is not acknowledged yet. */
export function owedSessions() {
  return Object.keys(purges()).map(Number);
}

/** Records that @sid must be purged (before the purge starts). */
export function markDue(sid) {
  withholdSession(sid);
  const all = purges();
  if (!all[sid]) { all[sid] = { pending: true }; write(PURGES_KEY, all); }
}

/** Session ids of which this tablet holds document copies. */
export async function heldSessions() {
  const held = new Set();
  for (const c of await storedCopies()) for (const sid of c.sessions) held.add(sid);
  return held;
}

/** Saves (if it can, within a few seconds) then drops the unsent notes of
 *  documents @docIds kept for user @userId; resolves with how many went. */
async function purgeNotes(userId, docIds, ws) {
  const key = `${NOTES_PREFIX}${userId}`;
  const pending = read(key, {});
  const mine = Object.entries(pending).filter(([, n]) => docIds.has(n.document_id));
  if (!mine.length) return 0;
  if (ws && ws.status === 'online') {
    const saves = mine.map(([, n]) => ws.request('note.save', { document_id: n.document_id, page: n.page, text: n.text }, { queue: false }).catch(() => {}));
    await Promise.race([Promise.all(saves), new Promise((r) => setTimeout(r, 3000))]);
  }
  const left = read(key, {});
  for (const [k] of mine) delete left[k];
  write(key, left);
  return mine.length;
}

/**
 * Purges session @sid: its document copies, the PDFs in memory, the unsent
 * notes of its documents (@docIds: the session's document ids known to the
 * caller, added to those of the copies), plus @notesHeld notes the caller's
 * open panel dropped. Resolves with {documents, notes}. The receipt is owed
 * until sendReceipts() gets it acknowledged.
 */
export async function purgeSession(sid, { userId, docIds = [], notesHeld = 0, ws = null } = {}) {
  markDue(sid);
  forgetDocuments();
  const ids = new Set(docIds);
  for (const c of await storedCopies()) if (c.sessions.includes(sid) && c.document_id != null) ids.add(c.document_id);
  const documents = await purgeSessionDocuments(sid);
  const notes = notesHeld + await purgeNotes(userId, ids, ws);
  const all = purges();
  const before = all[sid] && !all[sid].pending ? all[sid] : { documents: 0, notes: 0 };
  // The receipt is the delegate's who was logged in: another one on the same
  // tablet later does not send it (the server would refuse it as not theirs).
  all[sid] = { documents: before.documents + documents, notes: before.notes + notes, user: userId };
  write(PURGES_KEY, all);
  return all[sid];
}

/** Finishes the purges recorded as due (a reload in the middle of one). */
export async function finishDuePurges(userId) {
  for (const [sid, p] of Object.entries(purges())) if (p.pending) await purgeSession(Number(sid), { userId });
}

/**
 * Sends the receipt of every done purge (queued until the connection is
 * up); a receipt the server acknowledges, or refuses for good (the session
 * gone, not closed), is forgotten, so a tablet does not repeat it forever.
 */
export async function sendReceipts(ws, userId) {
  const device = deviceId();
  for (const [sid, p] of Object.entries(purges())) {
    if (p.pending || (p.user != null && p.user !== userId)) continue;
    try {
      await ws.request('documents.recovered', { session_id: Number(sid), device, documents: p.documents, notes: p.notes });
    } catch (err) {
      if (!err || !err.code || err.isAuth || err.code === 1400 || err.code >= 1500) continue;   // try again later
    }
    const all = purges();
    delete all[sid];
    write(PURGES_KEY, all);
  }
}
