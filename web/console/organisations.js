// The province's units as the console shows them: the organisations tree
// (fetched once per login, cached on ctx), a session's relation to the user
// (its own unit's, or another's that invites it), the organisation and room
// fields of the session form, and the checklist of invited organisations.

import { t } from '../common/i18n.js';
import { api } from '../common/api.js';
import { h, fill, field, fold } from '../common/ui.js';

/** Resolves with GET /api/v1/organisations' list, fetched once per login
 *  ([] for a delegate, who may not list them, or when it fails). */
export function loadOrganisations(ctx) {
  if (!ctx.isStaff) return Promise.resolve([]);
  if (!ctx.organisations) {
    ctx.organisations = api.get('/api/v1/organisations')
      .then((r) => r.organisations || [])
      .catch((err) => { ctx.organisations = null; console.warn('roomctl: organisations', err); return []; });
  }
  return ctx.organisations;
}

/** The organisation @id's name in @orgs ('' when unknown). */
export function organisationName(orgs, id) {
  const o = orgs.find((x) => x.id === id);
  return o ? o.name : '';
}

/**
 * How the user stands to the session @detail (organisation_id, invited):
 * 'scope' (their unit's: they run it), 'invited' (another unit's that
 * invites theirs: read only), 'member' (a delegate of it: read only).
 * 'scope' when the tree is unknown: the server decides then.
 */
export function sessionAccess(orgs, detail) {
  if (detail && detail.access) return detail.access; // the server's word (GET /api/v1/sessions/{id})
  if (!orgs.length || !detail) return 'scope';
  const inScope = (id) => orgs.some((o) => o.id === id && o.in_scope);
  if (inScope(detail.organisation_id)) return 'scope';
  return (detail.invited || []).some((o) => inScope(o.id)) ? 'invited' : 'member';
}

/** The "Invited" badge of a session another unit holds. */
export function invitedBadge() {
  return h('span', { class: 'badge badge-invited', dataset: { testid: 'invited' }, title: t('org.invited_hint') }, t('org.invited'));
}

/** An option's label indented by the organisation's depth under the province. */
function treeLabel(o, base = 0) {
  return `${'\u2003'.repeat(Math.max(0, (o.depth || 0) - base))}${o.name}`;
}

/**
 * The organisation and room fields of the session form, for a new session
 * (@s null) or @s. @orgs: the tree; @rooms: GET /api/v1/rooms' list. The
 * organisation choice (units in the user's scope) shows only when there is
 * more than one; the room is one of the chosen unit's rooms, none, or
 * typed ("another room"). Returns {nodes, values(), onOrganisation(fn)}.
 */
export function roomFields(ctx, s, orgs, rooms) {
  const own = orgs.filter((o) => o.in_scope);
  const base = own.length ? Math.min(...own.map((o) => o.depth || 0)) : 0;
  const defOrg = s ? s.organisation_id : (ctx.me.organisation_id ?? ctx.me.organisation?.id ?? own[0]?.id);
  const org = h('select', { name: 'organisation_id' },
    own.map((o) => h('option', { value: String(o.id), selected: o.id === defOrg }, treeLabel(o, base))));
  const roomSel = h('select', { name: 'room_id', dataset: { testid: 'room-select' } });
  const typed = h('input', { type: 'text', name: 'room', maxlength: 100, value: s ? s.room || '' : '', placeholder: t('org.room_typed_hint') });
  const orgField = field(t('org.field.organisation'), org);
  const selField = field(t('session.field.room'), roomSel);
  const typedField = field(t('org.field.room_typed'), typed);
  const typedLabel = typedField.querySelector('label');
  // A unit without rooms: the typed room alone, labelled as the room (the
  // form as it was before rooms); with rooms, the choice and, for "another
  // room", its name.
  const place = h('div', { class: 'room-fields' });
  orgField.hidden = own.length <= 1;
  const listeners = [];

  let hasRooms = false;
  const currentOrg = () => (own.length ? Number(org.value) : defOrg);
  function fillRooms(keep) {
    const mine = rooms.filter((r) => r.organisation_id === currentOrg());
    let pick = '';
    if (keep && s && s.room_id && mine.some((r) => r.id === s.room_id)) pick = String(s.room_id);
    else if (keep && s && s.room) pick = 'other';
    else if (!s && mine.length) pick = String(mine[0].id);
    fill(roomSel,
      h('option', { value: '' }, t('org.room_none')),
      mine.map((r) => h('option', { value: String(r.id) }, r.name + (r.site_name ? ` · ${r.site_name}` : ''))),
      h('option', { value: 'other' }, t('org.room_other')));
    roomSel.value = pick;
    hasRooms = mine.length > 0;
    typedLabel.textContent = hasRooms ? t('org.field.room_typed') : t('session.field.room');
    fill(place, hasRooms ? selField : null, typedField);
    showTyped();
  }
  function showTyped() { typedField.hidden = hasRooms && roomSel.value !== 'other'; }

  org.addEventListener('change', () => { fillRooms(false); for (const fn of listeners) fn(currentOrg()); });
  roomSel.addEventListener('change', showTyped);
  fillRooms(true);

  return {
    nodes: [orgField, place],
    /** {organisation_id, room_id, room}: a chosen room's name is the server's to set. */
    values() {
      const out = { organisation_id: currentOrg() };
      const picked = hasRooms && /^\d+$/.test(roomSel.value) ? Number(roomSel.value) : null;
      out.room_id = picked;
      if (picked == null) out.room = typedField.hidden ? '' : typed.value.trim();
      if (out.organisation_id == null) delete out.organisation_id;
      return out;
    },
    onOrganisation(fn) { listeners.push(fn); },
  };
}

/**
 * The checklist of the organisations a session invites: every unit but
 * the session's own (@ownId), those in @invited (ids) ticked. A filter
 * shows when the tree is long. Returns {node, ids(), setOwn(id)}.
 */
export function invitedChecklist(orgs, ownId, invited) {
  const picked = new Set(invited);
  const rows = orgs.map((o) => {
    const box = h('input', { type: 'checkbox', name: 'invited', value: String(o.id), checked: picked.has(o.id) });
    const line = h('label', { class: 'check-line org-line', style: { paddingLeft: `${(o.depth || 0) * 1.1}rem` } },
      box, ` ${o.name}`, o.code ? h('span', { class: 'muted small' }, ` (${o.code})`) : null);
    line.dataset.search = fold(`${o.name} ${o.code || ''}`);
    return { o, box, line };
  });
  const list = h('div', { class: 'reader-list org-list', role: 'group', 'aria-label': t('org.field.invited') }, rows.map((r) => r.line));
  const filter = orgs.length > 12 ? h('input', {
    type: 'search', class: 'search-input', placeholder: t('org.invited_filter'), 'aria-label': t('org.invited_filter'),
    oninput: () => { const q = fold(filter.value.trim()); for (const r of rows) r.line.hidden = r.hidden || (!!q && !r.line.dataset.search.includes(q)); },
  }) : null;
  function setOwn(id) {
    for (const r of rows) {
      r.hidden = r.o.id === id;
      r.line.hidden = r.hidden;
      if (r.hidden) r.box.checked = false;
    }
  }
  setOwn(ownId);
  const node = h('div', { class: 'field', dataset: { testid: 'invited-field' } },
    h('span', { class: 'label' }, t('org.field.invited')),
    h('div', { class: 'hint' }, t('org.invited_field_hint')),
    filter, list);
  return {
    node,
    ids: () => rows.filter((r) => !r.hidden && r.box.checked).map((r) => r.o.id),
    setOwn,
  };
}
