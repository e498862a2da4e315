// The banner every screen of a closed session (phiên họp kín) shows: the
// console's session page, /tech/ and /site/ (the tablet has its own). One
// look, one wording, so that nobody in the room or at a site can miss it.

import { h, icon } from './ui.js';

const TEXT = {
  vi: { title: 'Phiên họp kín', rules: 'Chỉ nhận hình và tiếng mã hóa · không ghi hình, không phát RTSP · tài liệu được thu hồi khi kết thúc' },
  en: { title: 'Closed session', rules: 'Encrypted media only · no recording, no RTSP output · documents recovered at the end' },
};

/** The banner, or null when @closed is false. @lang: 'vi' (default) or 'en';
 *  @detail: a line of its own for this screen (replaces the rules), or null. */
export function closedBanner(closed, { lang = 'vi', detail = null, compact = false } = {}) {
  if (!closed) return null;
  const tx = TEXT[lang] || TEXT.vi;
  return h('div', { class: `closed-banner${compact ? ' closed-banner-compact' : ''}`, role: 'status', dataset: { testid: 'closed-banner' } },
    icon('lock', 'ico closed-banner-ico'),
    h('strong', { class: 'closed-banner-title' }, tx.title),
    h('span', { class: 'closed-banner-rules' }, detail || tx.rules));
}
