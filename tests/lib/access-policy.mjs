// The access policy as web/docs/api.md states it: the role matrix and the
// scope (organisations) matrix, read by the tests that try every cell.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from './server.mjs';

export const ROLES = ['anonymous', 'admin', 'secretariat', 'chair', 'delegate', 'technician'];
export const SCOPES = ['own', 'child', 'other', 'invited'];

/** The rows of the table under the heading @heading: [[cell, ...], ...]. */
function tableRows(heading) {
  const doc = fs.readFileSync(path.join(REPO_ROOT, 'web', 'docs', 'api.md'), 'utf8');
  const at = doc.indexOf(`\n## ${heading}\n`);
  assert.ok(at >= 0, `web/docs/api.md has a "${heading}" section`);
  const section = doc.slice(at + 4);
  const end = section.search(/^#{1,2} /m);
  return section.slice(0, end < 0 ? undefined : end).split('\n').filter((l) => /^\| `/.test(l))
    .map((line) => line.split('|').slice(1, -1).map((c) => c.trim()));
}

/** {action → {column → cell}} of a table whose cells are one of @allowed. */
function readTable(heading, columns, allowed) {
  const policy = new Map();
  for (const cells of tableRows(heading)) {
    const action = cells[0].replace(/`/g, '');
    assert.equal(cells.length, 1 + columns.length, `api.md ${heading} row ${action} has a cell per column`);
    assert.ok(!policy.has(action), `api.md ${heading} lists ${action} once`);
    const cell = {};
    columns.forEach((r, i) => {
      assert.ok(allowed.includes(cells[i + 1]), `${heading}: ${action} / ${r}: cell '${cells[i + 1]}'`);
      cell[r] = cells[i + 1];
    });
    policy.set(action, cell);
  }
  return policy;
}

/** The role matrix: {action → {role → '✓'|'—'|'own'}}. */
export function readPolicy() {
  return readTable('Access matrix', ROLES, ['✓', '—', 'own']);
}

/** The scope matrix: {action → {scope → '✓'|'403'|'404'}}. */
export function readScopePolicy() {
  return readTable('Scope matrix (organisations)', SCOPES, ['✓', '403', '404']);
}

/** What the code has: every {"METHOD", "/path"} route and every WS message type. */
export function readCodeActions() {
  const dir = path.join(REPO_ROOT, 'controller', 'api');
  const actions = new Set();
  for (const f of fs.readdirSync(dir).filter((n) => n.endsWith('.c'))) {
    const src = fs.readFileSync(path.join(dir, f), 'utf8');
    for (const m of src.matchAll(/\{"(GET|POST|PUT|PATCH|DELETE)", "([^"]+)",/g)) actions.add(`${m[1]} ${m[2]}`);
    for (const m of src.matchAll(/^\s*\{"([a-z][a-z.]*)", [^,]+, [a-z_]+, ws_[a-z_]+\},/gm)) actions.add(`ws ${m[1]}`);
  }
  return actions;
}
