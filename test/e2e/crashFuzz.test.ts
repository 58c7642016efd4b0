import { describe, expect, it } from 'vitest';
import { runCrashFuzz } from './crashFuzz.ts';
import { SLOW } from '../support/slow.ts';

/**
 * S4.2, S3.3, S5.4 under kill -9 at random moments (see crashFuzz.ts). `npm
 * test` runs about 10 kills (a minute); `npm run test:slow` (PHOENIX_SLOW=1) at least
 * 100. The seed is printed first; replay a failing run with
 * `PHOENIX_FUZZ_SEED=<seed> npx vitest run test/e2e/crashFuzz.test.ts`
 * (PHOENIX_FUZZ_KILLS sets the number of kills; PHOENIX_FUZZ_KEEP=<dir> keeps the run's
 * log and the simulator's state there for a post-mortem).
 */

const slow = SLOW;
const kills = Number(process.env.PHOENIX_FUZZ_KILLS ?? (slow ? 100 : 10));
const seed = Number(process.env.PHOENIX_FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31));

describe('crash fuzz: SIGKILL at random moments of many round trips', () => {
  it(`${kills} kills (seed ${seed}): no double entry, no lost or double fill, MATCH, every position ended, no approval lost to a restart`, async () => {
    console.log(`crash fuzz seed ${seed} (${kills} kills); replay with PHOENIX_FUZZ_SEED=${seed}`);
    const keepIn = process.env.PHOENIX_FUZZ_KEEP;
    const verdict = await runCrashFuzz({ seed, kills, say: (line) => console.log(`[fuzz ${seed}] ${line}`), ...(keepIn ? { keepIn } : {}) });
    const why = `seed ${seed}: ${JSON.stringify(verdict, null, 1)}`;
    expect(verdict.kills, why).toBeGreaterThanOrEqual(kills);
    expect(verdict.intents, why).toBeGreaterThan(0);
    expect(verdict.doubleEntries, why).toEqual([]);
    expect(verdict.lostFills, why).toEqual([]);
    expect(verdict.extraFills, why).toEqual([]);
    expect(verdict.finalReconciliation?.result, why).toBe('MATCH');
    expect(verdict.unfinishedPositions, why).toEqual([]);
    expect(verdict.brokerPosition, why).toBe(0);
    expect(verdict.workingAtBroker, why).toEqual([]);
    expect(verdict.approvedThenRejected, why).toEqual([]);
  }, (slow ? 100 : 10) * 20_000 + 300_000);
});
