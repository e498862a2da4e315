// Crash durability at length: CRASH_ROUNDS (default 50) SIGKILL rounds while
// 100 delegates check in and vote (tests/lib/crash.mjs); any lost
// acknowledged fact fails the run. `make crash` or `tests/bench/run crash`.

import { crashRounds } from '../lib/crash.mjs';
import { fmt, percentile, printTable, verdict } from './common.mjs';

const ROUNDS = Number(process.env.CRASH_ROUNDS || 50);
const seed = Number(process.env.CRASH_SEED || Date.now() % 1e9);
console.log(`crash: ${ROUNDS} rounds, 100 delegates, seed ${seed} (CRASH_SEED=${seed} reruns it)`);
let rows = [];
let failure = null;
try {
  rows = await crashRounds({ rounds: ROUNDS, clients: 100, seed,
    log: (r) => process.stdout.write(`  round ${r.round}: ${r.checkins} check-ins, ${r.ballots} ballots acknowledged, killed at ${r.killedAfterMs} ms\n`) });
} catch (e) {
  failure = e;
}
const sum = (k) => rows.reduce((a, r) => a + r[k], 0);
const restart = rows.map((r) => r.restartMs);
printTable(`crash: SIGKILL at a random moment while 100 delegates check in and vote`, [
  ['rounds completed', `${rows.length}/${ROUNDS}`, `${ROUNDS}`, verdict(rows.length === ROUNDS && !failure)],
  ['acknowledged check-ins checked', sum('checkins'), '', ''],
  ['acknowledged ballots checked (open / secret)',
    `${rows.filter((r) => !r.secret).reduce((a, r) => a + r.ballots, 0)} / ${rows.filter((r) => r.secret).reduce((a, r) => a + r.ballots, 0)}`, '', ''],
  ['acknowledged facts lost', failure ? 'see error' : 0, '0', verdict(!failure)],
  ['restart to /healthz, p50 / max (ms)', `${fmt(percentile(restart, 50), 0)} / ${fmt(Math.max(...restart, 0), 0)}`, '', ''],
]);
if (failure) {
  console.error(failure);
  process.exit(1);
}
