// Badges a document carries in the console and on tablets: confidential
// (the reader gets a copy stamped with their name), and what its digital
// signature says (signed by whom and when, or changed after signing).

import { h } from './ui.js';
import { register, t, formatDateTime } from './i18n.js';

register({
  vi: {
    'doc.confidential': 'Mật',
    'doc.confidential_hint': 'Tài liệu mật: chỉ người được chỉ định đọc; mỗi bản có đóng dấu tên người đọc và thời gian',
    'doc.signed': 'Đã ký số',
    'doc.signed_by': 'Ký số bởi {name}, lúc {time}',
    'doc.signed_changed': 'Bị sửa sau khi ký',
    'doc.signed_changed_hint': 'Tài liệu đã bị thay đổi sau khi ký số ({name})',
    'doc.unknown_signer': 'không rõ',
  },
  en: {
    'doc.confidential': 'Confidential',
    'doc.confidential_hint': 'Confidential: only the listed readers; each copy is stamped with the reader\'s name and the time',
    'doc.signed': 'Digitally signed',
    'doc.signed_by': 'Signed by {name} at {time}',
    'doc.signed_changed': 'Changed after signing',
    'doc.signed_changed_hint': 'The document was changed after it was signed ({name})',
    'doc.unknown_signer': 'unknown',
  },
});

/** The badges of document d (possibly none), as elements. */
export function documentBadges(d) {
  const out = [];
  if (d.confidential) {
    out.push(h('span', { class: 'badge badge-confidential', title: t('doc.confidential_hint'), dataset: { badge: 'confidential' } },
      t('doc.confidential')));
  }
  const sig = d.signature;
  if (sig && sig.signed) {
    const first = (sig.signers && sig.signers[0]) || {};
    const name = sig.signers && sig.signers.length
      ? sig.signers.map((s) => s.name || t('doc.unknown_signer')).join(', ') : t('doc.unknown_signer');
    if (sig.changed_after_signing) {
      out.push(h('span', { class: 'badge badge-sig-changed', title: t('doc.signed_changed_hint', { name }), dataset: { badge: 'signature-changed' } },
        t('doc.signed_changed')));
    } else {
      const time = first.signed_at ? formatDateTime(first.signed_at) : '';
      out.push(h('span', { class: 'badge badge-signed', title: t('doc.signed_by', { name, time }), dataset: { badge: 'signed' } },
        `${t('doc.signed')}: ${name}`));
    }
  }
  return out;
}
