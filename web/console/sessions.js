// The list of meeting sessions (filter by status, search) and the
// create/edit session dialog, which the session page reuses.

import { t, formatRange } from '../common/i18n.js';
import { api } from '../common/api.js';
import { zoned, fromZoned, timeZone, zoneOffsetLabel } from '../common/province.js';
import {
  h, clear, fill, button, icon, statusBadge, toast, showError, openModal, confirmDialog, field,
  fold, isoToLocalInput, localInputToIso,
} from '../common/ui.js';
import { openCalendarDialog } from './calendar.js';
import { loadOrganisations, organisationName, invitedBadge, roomFields, invitedChecklist } from './organisations.js';

const FILTERS = ['all', 'scheduled', 'live', 'ended'];
const STATUS_ORDER = { live: 0, scheduled: 1, ended: 2 };

/** Live first, then upcoming (soonest first), then ended (latest first). */
function sortSessions(list) {
  return list.slice().sort((a, b) => {
    const s = (STATUS_ORDER[a.status] ?? 3) - (STATUS_ORDER[b.status] ?? 3);
    if (s) return s;
    const d = new Date(a.starts_at) - new Date(b.starts_at);
    return a.status === 'ended' ? -d : d;
  });
}

export function renderSessionList(ctx, main) {
  const state = { sessions: null, orgs: [], filter: 'all', query: '' };
  let alive = true;

  const tbody = h('tbody');
  const counts = {};
  const seg = h('div', { class: 'seg', role: 'group', 'aria-label': t('sessions.filter') },
    FILTERS.map((f) => {
      counts[f] = h('span', { class: 'muted' });
      return h('button', {
        type: 'button', 'aria-pressed': String(f === state.filter), dataset: { filter: f },
        onclick: () => { state.filter = f; for (const b of seg.children) b.setAttribute('aria-pressed', String(b.dataset.filter === f)); paint(); },
      }, t(`sessions.filter.${f}`), ' ', counts[f]);
    }));
  const search = h('input', {
    type: 'search', class: 'search-input', placeholder: t('sessions.search'), 'aria-label': t('sessions.search'),
    style: { maxWidth: '280px' }, oninput: () => { state.query = fold(search.value.trim()); paint(); },
  });

  const root = h('div', { class: 'page' },
    h('div', { class: 'page-head' },
      h('div', null,
        h('h1', null, t('nav.sessions')),
        h('div', { class: 'sub' }, t('sessions.subtitle'))),
      h('span', { class: 'spacer' }),
      button(t('cal.button'), { ic: 'calendar', attrs: { 'data-calendar': '' }, onClick: () => openCalendarDialog() }),
      ctx.canEdit ? h('a', { class: 'btn', href: '#/import', dataset: { nav: 'import' } }, t('nav.import')) : null,
      ctx.canEdit ? button(t('sessions.new'), { kind: 'primary', ic: 'plus', onClick: () => openSessionForm(ctx, null, (s) => ctx.navigate(`#/sessions/${s.id}/agenda`)) }) : null),
    ctx.canEdit ? null : h('div', { class: 'callout', style: { marginBottom: '1rem' } }, t('console.readonly')),
    h('div', { class: 'card card-flush' },
      h('div', { class: 'card-header' }, seg, h('span', { class: 'spacer' }), search,
        button(t('sessions.refresh'), { size: 'sm', ic: 'refresh', iconOnly: true, onClick: () => load() })),
      h('div', { class: 'table-wrap' },
        h('table', { class: 'table', 'aria-label': t('nav.sessions') },
          h('thead', null, h('tr', null,
            h('th', { scope: 'col' }, t('sessions.col.title')),
            h('th', { scope: 'col' }, t('sessions.col.time')),
            h('th', { scope: 'col' }, t('sessions.col.organisation')),
            h('th', { scope: 'col' }, t('sessions.col.room')),
            h('th', { scope: 'col' }, t('sessions.col.status')),
            h('th', { scope: 'col', class: 'col-actions' }, h('span', { class: 'sr-only' }, t('sessions.col.actions'))))),
          tbody))));
  fill(main, root);

  function paint() {
    clear(tbody);
    if (!state.sessions) {
      tbody.append(h('tr', null, h('td', { colspan: 6, class: 'loading' }, h('span', { class: 'spinner' }), ' ', t('app.loading'))));
      return;
    }
    for (const f of FILTERS) {
      const n = f === 'all' ? state.sessions.length : state.sessions.filter((s) => s.status === f).length;
      counts[f].textContent = `(${n})`;
    }
    const rows = sortSessions(state.sessions).filter((s) =>
      (state.filter === 'all' || s.status === state.filter) &&
      (!state.query || fold(`${s.title} ${s.room} ${s.description} ${organisationName(state.orgs, s.organisation_id)}`).includes(state.query)));
    if (!rows.length) {
      tbody.append(h('tr', null, h('td', { colspan: 6 }, h('div', { class: 'empty' },
        h('strong', null, state.sessions.length ? t('sessions.none_match') : t('sessions.none')),
        ctx.canEdit && !state.sessions.length ? t('sessions.none_hint') : null))));
      return;
    }
    for (const s of rows) tbody.append(sessionRow(s));
  }

  function sessionRow(s) {
    const href = `#/sessions/${s.id}`;
    // Another unit's session that invites ours: read only (the server says 403 to any change).
    const own = !s.access || s.access === 'scope';
    const canEdit = ctx.canEdit && own;
    const org = organisationName(state.orgs, s.organisation_id);
    return h('tr', { class: 'clickable', dataset: { sessionId: s.id, access: s.access || null }, onclick: (e) => { if (!e.target.closest('a,button')) ctx.navigate(href); } },
      h('td', null,
        h('div', { class: 'cell-title-row' },
          h('a', { href, class: 'cell-title' }, s.title),
          s.closed ? closedBadge() : null,
          s.access === 'invited' ? invitedBadge() : null),
        s.description ? h('div', { class: 'cell-sub' }, s.description.length > 110 ? `${s.description.slice(0, 110)}…` : s.description) : null),
      h('td', { class: 'nowrap' }, formatRange(s.starts_at, s.ends_at)),
      h('td', { class: 'cell-org', dataset: { testid: 'session-organisation' } }, org || h('span', { class: 'muted' }, '—')),
      h('td', null, s.room || h('span', { class: 'muted' }, '—')),
      h('td', null, statusBadge(s.status)),
      h('td', { class: 'col-actions' },
        h('div', { class: 'btn-group' },
          canEdit && s.status !== 'ended' ? button(t('app.edit'), { size: 'sm', kind: 'ghost', ic: 'edit', iconOnly: true, onClick: () => openSessionForm(ctx, s, () => load()) }) : null,
          canEdit && s.status !== 'live' ? button(t('app.delete'), { size: 'sm', kind: 'ghost', ic: 'trash', iconOnly: true, onClick: () => deleteSession(ctx, s, () => load()) }) : null,
          h('a', { class: 'btn btn-sm', href }, t('sessions.open')))));
  }

  async function load() {
    try {
      const [res, orgs] = await Promise.all([api.get('/api/v1/sessions'), loadOrganisations(ctx)]);
      if (!alive) return;
      state.sessions = res.sessions || [];
      state.orgs = orgs;
      paint();
    } catch (err) {
      if (!alive) return;
      showError(err, t('sessions.load_failed'));
      state.sessions = state.sessions || [];
      paint();
    }
  }

  paint();
  load();
  return { destroy() { alive = false; } };
}

/** What the form needs besides the session: the organisations, their
 *  rooms and (editing) whom the session invites. A part that fails to load
 *  leaves its fields out, as before organisations: the free-text room. */
async function formData(ctx, s) {
  const [orgs, rooms, invited] = await Promise.all([
    loadOrganisations(ctx),
    api.get('/api/v1/rooms').then((r) => r.rooms || []).catch(() => []),
    !s ? [] : s.invited ? s.invited
      : api.get(`/api/v1/sessions/${s.id}/organisations`).then((r) => r.organisations || []).catch(() => null),
  ]);
  return { orgs, rooms, invited };
}

/** Create (session = null) or edit dialog. onSaved(session) after success. */
export async function openSessionForm(ctx, s, onSaved) {
  const editing = !!s;
  const { orgs, rooms, invited } = await formData(ctx, s);
  // Tomorrow 08:00 on the province's clock, whatever the browser's zone.
  const today = zoned(new Date());
  const defStart = fromZoned(today.year, today.month, today.day + 1, 8, 0);
  const defEnd = new Date(defStart.getTime() + 3.5 * 3600 * 1000);
  const title = h('input', { type: 'text', name: 'title', maxlength: 200, value: s ? s.title : '' });
  const place = roomFields(ctx, s, orgs, rooms);
  const starts = h('input', { type: 'datetime-local', name: 'starts_at', value: isoToLocalInput(s ? s.starts_at : defStart.toISOString()) });
  const ends = h('input', { type: 'datetime-local', name: 'ends_at', value: isoToLocalInput(s ? s.ends_at : defEnd.toISOString()) });
  const desc = h('textarea', { name: 'description', maxlength: 2000, rows: 3 });
  desc.value = s ? s.description || '' : '';
  ends._check = () => (starts.value && ends.value && localInputToIso(ends.value) <= localInputToIso(starts.value) ? t('session.form.end_before_start') : '');
  const tz = `${timeZone()}, ${zoneOffsetLabel()}`;
  // Whom it invites: when editing, and the list is known.
  const wasInvited = invited ? invited.map((o) => o.id) : null;
  const guests = editing && wasInvited && orgs.length > 1 ? invitedChecklist(orgs, s.organisation_id, wasInvited) : null;
  if (guests) place.onOrganisation((id) => guests.setOwn(id));
  const outputs = closedFields(s);

  openModal({
    title: editing ? t('session.form.edit_title') : t('session.form.new_title'),
    submitLabel: editing ? t('app.save') : t('session.form.create'),
    wide: !!guests,
    body: h('div', null,
      field(t('session.field.title'), title, { required: true }),
      place.nodes,
      h('div', { class: 'grid-2' },
        field(t('session.field.starts_at'), starts, { required: true, hint: t('session.form.tz', { tz }) }),
        field(t('session.field.ends_at'), ends, { required: true })),
      field(t('session.field.description'), desc),
      outputs.node,
      guests ? guests.node : null),
    onSubmit: async () => {
      const body = {
        title: title.value.trim(),
        ...place.values(),
        starts_at: localInputToIso(starts.value),
        ends_at: localInputToIso(ends.value),
        description: desc.value.trim(),
        ...outputs.values(),
      };
      let saved;
      if (editing) {
        const patch = {};
        for (const [k, v] of Object.entries(body)) if (v !== (s[k] ?? (k === 'room_id' ? null : ''))) patch[k] = v;
        // Closing turns recording and RTSP off (the server's rule); opening again leaves them as they were.
        if (patch.closed) { delete patch.record; delete patch.rtsp_out; }
        // Another organisation: the room is chosen again (none is a choice too).
        if ('organisation_id' in patch) patch.room_id = body.room_id;
        if (patch.room_id != null) delete patch.room;
        saved = Object.keys(patch).length ? await api.patch(`/api/v1/sessions/${s.id}`, patch) : s;
        const ids = guests ? guests.ids() : null;
        if (ids && !sameIds(ids, wasInvited)) {
          await api.put(`/api/v1/sessions/${s.id}/organisations`, { organisation_ids: ids });
          saved = { ...saved, invited: orgs.filter((o) => ids.includes(o.id)).map(({ id, code, name, kind }) => ({ id, code, name, kind })) };
        }
      } else {
        saved = await api.post('/api/v1/sessions', body);
      }
      if (saved.organisation_id != null && orgs.length) saved = { ...saved, organisation: organisationName(orgs, saved.organisation_id) };
      toast(editing ? t('session.saved') : t('session.created', { title: saved.title }), { kind: 'success' });
      if (onSaved) onSaved(saved);
    },
  });
}

/** The small "Kín" badge of a closed session in lists. */
export function closedBadge() {
  return h('span', { class: 'closed-badge', title: t('session.closed.title'), dataset: { testid: 'closed-badge' } },
    icon('lock'), t('session.closed.badge'));
}

/** The switches "Phiên họp kín", "Ghi hình" and "Phát RTSP" of the session
 *  form: a closed session is neither recorded nor served at RTSP, so those
 *  two are off and locked while it is ticked. values(): what to send
 *  (recording and RTSP only when changed: unset, they follow the config). */
function closedFields(s) {
  const closed = h('input', { type: 'checkbox', name: 'closed', checked: !!(s && s.closed) });
  const was = { record: !(s && s.record === false), rtsp_out: !(s && s.rtsp_out === false) };
  const record = h('input', { type: 'checkbox', name: 'record', checked: was.record });
  const rtsp = h('input', { type: 'checkbox', name: 'rtsp_out', checked: was.rtsp_out });
  const note = h('p', { class: 'closed-note small', dataset: { testid: 'closed-note' } }, icon('lock'), ' ', t('session.closed.outputs'));
  const sync = () => {
    for (const b of [record, rtsp]) {
      b.disabled = closed.checked;
      if (closed.checked) b.checked = false;
    }
    note.hidden = !closed.checked;
  };
  closed.addEventListener('change', sync);
  sync();
  const node = h('fieldset', { class: 'closed-fields' },
    h('label', { class: 'check-line closed-switch' }, closed, h('strong', null, ` ${t('session.field.closed')}`)),
    h('p', { class: 'muted small closed-hint' }, t('session.closed.hint')),
    h('div', { class: 'row closed-outputs' },
      h('label', { class: 'check-line' }, record, ` ${t('session.field.record')}`),
      h('label', { class: 'check-line' }, rtsp, ` ${t('session.field.rtsp_out')}`)),
    note);
  const values = () => {
    const v = { closed: closed.checked };
    if (!closed.checked && record.checked !== was.record) v.record = record.checked;
    if (!closed.checked && rtsp.checked !== was.rtsp_out) v.rtsp_out = rtsp.checked;
    return v;
  };
  return { node, values };
}

function sameIds(a, b) {
  const x = new Set(a);
  return x.size === new Set(b).size && b.every((id) => x.has(id));
}

export async function deleteSession(ctx, s, onDeleted) {
  const ok = await confirmDialog({
    title: t('session.delete.title'),
    message: t('session.delete.message', { title: s.title }),
    detail: t('session.delete.detail'),
    confirmLabel: t('app.delete'),
    danger: true,
  });
  if (!ok) return;
  try {
    await api.del(`/api/v1/sessions/${s.id}`);
    toast(t('session.deleted', { title: s.title }), { kind: 'success' });
    if (onDeleted) onDeleted();
  } catch (err) {
    showError(err, t('session.delete.failed'));
  }
}

