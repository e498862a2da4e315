// Crash durability, a few rounds: roomctl is killed with SIGKILL at a
// random moment while 100 delegates check in and vote; after each restart
// every acknowledged check-in and ballot is there and the counts agree.
// `make crash` runs 50 rounds (tests/bench/crash.mjs).

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { crashRounds } from '../lib/crash.mjs';

test('SIGKILL mid-vote loses no acknowledged check-in or ballot (3 rounds, 100 delegates)', { timeout: 240_000 }, async () => {
  const seed = Number(process.env.CRASH_SEED || Date.now() % 1e9);
  const rows = await crashRounds({ rounds: 3, clients: 100, seed, log: (r) => console.log(`# seed ${seed} ${JSON.stringify(r)}`) });
  assert.equal(rows.length, 3);
  // The rounds must have had something to lose: acks came before the kill.
  const ballots = rows.reduce((a, r) => a + r.ballots, 0);
  assert.ok(ballots > 0, `ballots acknowledged before the kills: ${ballots}`);
});
