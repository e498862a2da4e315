// The agenda as this user may see it. An agenda.updated event is one frame
// for every subscriber, so a confidential document in it carries only its
// title, page count and mark; its readers (and the staff who run sessions)
// get the rest from GET /api/v1/sessions/{id}/agenda, shaped for them.

import { api } from './api.js';

/** Whether any document in the agenda tree is confidential. */
export function hasConfidential(items) {
  return (items || []).some((it) => (it.documents || []).some((d) => d.confidential) || hasConfidential(it.children));
}

/**
 * Calls apply(agenda) with the caller's own view after an agenda.updated
 * event that listed a confidential document; a newer event's answer wins.
 */
export function ownAgendaRefresher(sessionId, apply) {
  let asked = 0;
  return async (eventAgenda) => {
    if (!hasConfidential(eventAgenda)) return;
    const mine = ++asked;
    try {
      const { agenda } = await api.get(`/api/v1/sessions/${sessionId}/agenda`);
      if (mine === asked) apply(agenda || []);
    } catch { /* the event's view stays; the next snapshot brings ours */ }
  };
}
