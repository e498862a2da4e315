// Digitally signed PDFs for tests, made at run time with Debian's tools: a
// self-signed certificate (openssl) in an NSS database (certutil, pk12util
// from libnss3-tools), pdfsig -add-signature (poppler-utils) to sign, and
// an incremental update appended by hand to change a signed document.

import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';

function run(file, args, timeout = 30_000) {
  return new Promise((resolve, reject) => {
    execFile(file, args, { timeout }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${file} ${args.join(' ')}: ${stderr || err.message}`));
      else resolve(stdout);
    });
  });
}

/** Makes @dir/nss holding a key and self-signed certificate for @commonName
 *  under the nickname "signer". Returns the NSS directory ("sql:…"). */
export async function makeSigner(dir, commonName) {
  const nss = path.join(dir, 'nss');
  await fs.mkdir(nss, { recursive: true });
  const key = path.join(dir, 'key.pem');
  const cert = path.join(dir, 'cert.pem');
  const p12 = path.join(dir, 'signer.p12');
  await run('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '30',
    '-utf8', '-subj', `/CN=${commonName}/O=roomctl tests`]);
  await run('openssl', ['pkcs12', '-export', '-inkey', key, '-in', cert, '-out', p12, '-passout', 'pass:pw', '-name', 'signer']);
  await run('certutil', ['-N', '-d', `sql:${nss}`, '--empty-password']);
  await run('pk12util', ['-i', p12, '-d', `sql:${nss}`, '-W', 'pw']);
  return `sql:${nss}`;
}

/** Signs the PDF @input into @output with the "signer" of @nssDir. */
export async function signPdf(nssDir, input, output, reason = 'Phê duyệt') {
  await run('pdfsig', ['-nssdir', nssDir, '-add-signature', '-nick', 'signer', '-reason', reason, input, output]);
}

/**
 * Appends an incremental update to @pdf (a Buffer) that replaces object
 * @objNum with a content stream showing @text: the document changes, the
 * signed bytes before it do not.
 */
export function appendUpdate(pdf, objNum, text) {
  const src = pdf.toString('latin1');
  const prev = Number([...src.matchAll(/startxref\s+(\d+)/g)].pop()[1]);
  const size = Number([...src.matchAll(/\/Size\s+(\d+)/g)].pop()[1]);
  const root = [...src.matchAll(/\/Root\s+(\d+\s+\d+\s+R)/g)].pop()[1];
  const stream = `BT /F1 24 Tf 72 700 Td (${text}) Tj ET`;
  let out = src.endsWith('\n') ? '' : '\n';
  const offset = pdf.length + out.length;
  out += `${objNum} 0 obj\n<< /Length ${stream.length} >>\nstream\n${stream}\nendstream\nendobj\n`;
  const xref = pdf.length + Buffer.byteLength(out, 'latin1');
  out += `xref\n0 1\n0000000000 65535 f \n${objNum} 1\n${String(offset).padStart(10, '0')} 00000 n \n`;
  out += `trailer\n<< /Size ${size} /Root ${root} /Prev ${prev} >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.concat([pdf, Buffer.from(out, 'latin1')]);
}
