// Signed documents: at upload roomctl reads the PDF's digital signatures
// (poppler) and keeps who signed, when, whether the signed bytes are intact
// and whether the document changed after signing; the document JSON shows
// it. The signed PDFs are made here with openssl, NSS and pdfsig.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  ADMIN_PASSWORD, assertAlive, assertOk, createItem, createSession, login, request, startLocalServer, stopClean,
  walkAgenda,
} from '../lib/integration.mjs';
import { makePdf } from '../lib/pdf.mjs';
import { appendUpdate, makeSigner, signPdf } from '../lib/sign.mjs';

const PDF = { contentType: 'application/pdf' };
const SIGNER = 'Nguyễn Văn Ký';

const pdftotext = (file) => new Promise((resolve, reject) => {
  execFile('pdftotext', [file, '-'], { timeout: 20_000 }, (err, out) => (err ? reject(err) : resolve(out)));
});

describe('signed documents', () => {
  let srv;
  let base;
  let admin;
  let item;
  let session;
  let tmp;
  let signed;
  let signedAt;

  before(async () => {
    tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'roomctl-sign-'));
    const nss = await makeSigner(tmp, SIGNER);
    await fs.writeFile(path.join(tmp, 'plain.pdf'), makePdf({ pages: 2, title: 'Nghi quyet ky so' }));
    signedAt = new Date();
    await signPdf(nss, path.join(tmp, 'plain.pdf'), path.join(tmp, 'signed.pdf'));
    signed = await fs.readFile(path.join(tmp, 'signed.pdf'));
    srv = await startLocalServer();
    base = srv.base;
    admin = await login(base, 'admin', ADMIN_PASSWORD);
    session = await createSession(base, admin, { title: 'Phiên có văn bản ký số' });
    item = await createItem(base, admin, session.id, { title: 'Nghị quyết' });
  });
  after(async () => {
    if (srv) {
      await assertAlive(srv, 'the signature tests');
      await stopClean(srv, 'the signature tests');
    }
    if (tmp) await fs.rm(tmp, { recursive: true, force: true });
  });

  const upload = async (bytes, title) => assertOk(await request(base, admin, 'POST',
    `/api/v1/agenda/${item.id}/documents?title=${encodeURIComponent(title)}`, bytes, PDF), 201, title);

  test('an unsigned PDF: signed false', async () => {
    const doc = await upload(makePdf({ pages: 1 }), 'unsigned');
    assert.deepEqual(doc.signature, { signed: false });
  });

  test('a signed PDF: who signed, when, intact, not changed', async () => {
    const doc = await upload(signed, 'signed');
    const sig = doc.signature;
    assert.equal(sig.signed, true, JSON.stringify(sig));
    assert.equal(sig.signers.length, 1);
    assert.equal(sig.signers[0].name, SIGNER);
    assert.equal(sig.signers[0].status, 'valid');
    assert.ok(Math.abs(new Date(sig.signers[0].signed_at) - signedAt) < 120_000, sig.signers[0].signed_at);
    assert.equal(sig.intact, true);
    assert.equal(sig.changed_after_signing, false);
    assert.deepEqual(assertOk(await request(base, admin, 'GET', `/api/v1/documents/${doc.id}`)).signature, sig);
    const { agenda } = assertOk(await request(base, admin, 'GET', `/api/v1/sessions/${session.id}/agenda`));
    const listed = [];
    walkAgenda(agenda, (it) => listed.push(...it.documents));
    assert.deepEqual(listed.find((d) => d.id === doc.id).signature, sig, 'the agenda carries it too');
  });

  test('changed after signing by an incremental update: signature still valid, change reported', async () => {
    // Object 4 is page 1's content stream in makePdf's layout.
    const changed = appendUpdate(signed, 4, 'CHANGED AFTER SIGNING');
    await fs.writeFile(path.join(tmp, 'changed.pdf'), changed);
    assert.match(await pdftotext(path.join(tmp, 'changed.pdf')), /CHANGED AFTER SIGNING/, 'the update took effect');
    const sig = (await upload(changed, 'changed')).signature;
    assert.equal(sig.signed, true);
    assert.equal(sig.signers[0].status, 'valid', 'the signed bytes themselves are untouched');
    assert.equal(sig.intact, true);
    assert.equal(sig.changed_after_signing, true);
  });

  test('signed bytes edited in place: digest mismatch', async () => {
    const text = signed.toString('latin1');
    const at = text.indexOf('(Page 1 of 2)');
    assert.ok(at > 0);
    const tampered = Buffer.from(signed);
    tampered.write('(Page 9 of 2)', at, 'latin1');
    const sig = (await upload(tampered, 'tampered')).signature;
    assert.equal(sig.signed, true);
    assert.equal(sig.signers[0].status, 'changed');
    assert.equal(sig.intact, false);
    assert.equal(sig.changed_after_signing, true);
  });
});
