// The agenda pane: the items in order with their numbers, the current item
// highlighted (it follows the chair live), each item's documents as large
// buttons. In chair mode each item can be made the current one.

import { h, clear, button, icon, showError } from '../common/ui.js';
import { t, formatNumber } from '../common/i18n.js';
import { documentBadges } from '../common/doc-badges.js';

export class AgendaPane {
  constructor(host, { meeting, ws, chairMode, onOpenDocument, openDocId }) {
    this.meeting = meeting;
    this.ws = ws;
    this.chairMode = chairMode;
    this.onOpenDocument = onOpenDocument;
    this.openDocId = openDocId || (() => null);
    this.el = h('div', { class: 'pane-body agenda' });
    host.append(this.el);
    this.lastCurrent = undefined;
    this.render();
  }

  async setCurrent(itemId) {
    try {
      await this.ws.request('agenda.current', { session_id: this.meeting.id, item_id: itemId }, { queue: false });
    } catch (err) { showError(err, t('tb.agenda.current_failed')); }
  }

  render() {
    const m = this.meeting;
    const current = m.presentation.current_item_id;
    const openDoc = this.openDocId();
    clear(this.el);
    const items = m.flatItems();
    if (!items.length) {
      this.el.append(h('p', { class: 'muted empty-line' }, t('tb.agenda.empty')));
      return;
    }
    const list = h('ol', { class: 'agenda-list', 'aria-label': t('tb.agenda.title') });
    for (const { item, number, depth } of items) {
      const isCurrent = item.id === current;
      const docs = item.documents || [];
      list.append(h('li', {
        class: `agenda-entry depth-${Math.min(depth, 3)}${isCurrent ? ' current' : ''}`,
        dataset: { itemId: String(item.id), testid: 'agenda-item' },
        'aria-current': isCurrent ? 'step' : null,
      },
      h('div', { class: 'agenda-line' },
        h('span', { class: 'agenda-no num' }, number),
        h('div', { class: 'agenda-text' },
          h('div', { class: 'agenda-title' }, item.title),
          (item.presenter || item.planned_minutes) ? h('div', { class: 'agenda-sub' },
            [item.presenter, item.planned_minutes ? t('tb.agenda.minutes', { n: formatNumber(item.planned_minutes) }) : null].filter(Boolean).join(' · ')) : null,
          isCurrent ? h('span', { class: 'badge badge-current' }, t('tb.agenda.current')) : null,
          this.chairMode && !isCurrent && !m.isEnded ? button(t('tb.agenda.make_current'), {
            kind: 'ghost', size: 'sm', ic: 'play',
            attrs: { 'aria-label': t('tb.agenda.make_current_named', { title: `${number}. ${item.title}` }) },
            onClick: () => this.setCurrent(item.id),
          }) : null)),
      docs.length ? h('ul', { class: 'agenda-docs' }, docs.map((d) => h('li', null,
        h('button', {
          type: 'button', class: `doc-button${d.id === openDoc ? ' open' : ''}`, dataset: { docId: String(d.id) },
          'aria-current': d.id === openDoc ? 'true' : null,
          onclick: () => this.onOpenDocument(d.id),
        }, icon('file'), h('span', { class: 'doc-button-title' }, d.title || d.filename),
        h('span', { class: 'doc-button-pages num' }, t('tb.agenda.pages', { n: d.pages })),
        ...documentBadges(d)))) ) : null));
    }
    this.el.append(list);
    if (current !== this.lastCurrent) {
      this.lastCurrent = current;
      const cur = this.el.querySelector('.agenda-entry.current');
      if (cur) requestAnimationFrame(() => cur.scrollIntoView({ block: 'nearest', behavior: 'smooth' }));
    }
  }
}
