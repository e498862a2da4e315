// Builds small, valid PDF files for tests by hand: catalog, page tree, N
// A4 pages with one line of Helvetica text each, a correct xref table.
// ASCII text only (the standard 14 fonts have no Vietnamese glyphs).

/** Returns a Buffer holding a PDF with `pages` pages. padBytes adds an
 *  unreferenced stream of that many bytes (to make uploads take a while). */
export function makePdf({ pages = 1, title = 'roomctl test document', padBytes = 0 } = {}) {
  const objects = [];   // bodies of objects 1..n, in order
  const add = (body) => { objects.push(body); return objects.length; };
  const esc = (s) => s.replace(/[\\()]/g, (c) => `\\${c}`).replace(/[^\x20-\x7e]/g, '?');

  const catalog = add(null);   // filled in below, once the page tree id is known
  const pagesId = add(null);
  const font = add('<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>');
  const kids = [];
  for (let i = 1; i <= pages; i++) {
    const text = `BT /F1 24 Tf 72 760 Td (${esc(title)}) Tj 0 -36 Td (Page ${i} of ${pages}) Tj ET`;
    const content = add(`<< /Length ${Buffer.byteLength(text, 'latin1')} >>\nstream\n${text}\nendstream`);
    kids.push(add(`<< /Type /Page /Parent ${pagesId} 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 ${font} 0 R >> >> /Contents ${content} 0 R >>`));
  }
  objects[catalog - 1] = `<< /Type /Catalog /Pages ${pagesId} 0 R >>`;
  objects[pagesId - 1] = `<< /Type /Pages /Kids [${kids.map((k) => `${k} 0 R`).join(' ')}] /Count ${kids.length} >>`;
  if (padBytes > 0) add(`<< /Length ${padBytes} >>\nstream\n${'0123456789abcdef\n'.repeat(Math.ceil(padBytes / 17)).slice(0, padBytes)}\nendstream`);
  const info = add(`<< /Title (${esc(title)}) /Producer (roomctl tests) >>`);

  let out = '%PDF-1.4\n%\xe2\xe3\xcf\xd3\n';
  const offsets = [];
  objects.forEach((body, i) => {
    offsets.push(Buffer.byteLength(out, 'latin1'));
    out += `${i + 1} 0 obj\n${body}\nendobj\n`;
  });
  const xref = Buffer.byteLength(out, 'latin1');
  out += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`;
  for (const off of offsets) out += `${String(off).padStart(10, '0')} 00000 n \n`;
  out += `trailer\n<< /Size ${objects.length + 1} /Root ${catalog} 0 R /Info ${info} 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(out, 'latin1');
}
