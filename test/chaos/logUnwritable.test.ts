/**
 * S2 fail closed, for real, at host level: the SQLite log of a running paper
 * host (trading: a position open at the simulator) is made unwritable by
 * filling the disk under it (a tmpfs PHOENIX_HOME; see unwritableDisk.ts for
 * what works on which machine). The host sets its kill flag in memory, sends
 * no order, and the operator hears of it on Telegram; once the disk is freed
 * the flag is recorded and stays SET until a person resumes.
 *
 * The second test runs the same with the guard under test removed, by a
 * switch in the test (a preload that makes the log's refusals unrecognisable
 * as "log unavailable"), and shows the first test's checks then fail.
 */
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { defaultLogPath, SqliteEventLog } from '../../store/sqlite.ts';
import { makeTempDir } from '../support/tempDir.ts';
import { type FailClosedDesk, openFailClosedDesk } from './failClosedDesk.ts';
import { expectFailedClosed, failClosedScenario, type Observed, resumeAndTrade } from './failClosedScenario.ts';
import { prepareUnwritableDisk, type UnwritableDisk } from './unwritableDisk.ts';
import { slowIt } from '../support/slow.ts';

const UNGUARDED = fileURLToPath(new URL('./support/unrecognisedLogFailures.mjs', import.meta.url));

let temp: { dir: string; remove: () => void } | undefined;
let disk: UnwritableDisk | undefined;
let desk: FailClosedDesk | undefined;
afterEach(async () => {
  await desk?.close();
  disk?.release();
  temp?.remove();
  desk = undefined;
  disk = undefined;
  temp = undefined;
});

async function onFullDisk(hostEnv: Record<string, string> = {}): Promise<{ desk: FailClosedDesk; observed: Observed }> {
  temp = makeTempDir('phoenix-fail-closed');
  const d = prepareUnwritableDisk(temp.dir);
  disk = d;
  desk = await openFailClosedDesk({ home: d.home, readLog: async () => new SqliteEventLog(defaultLogPath(d.home), { readonly: true }), hostEnv });
  const observed = await failClosedScenario(desk, { break: () => d.break(), mend: () => d.mend() });
  return { desk, observed };
}

describe('the SQLite log becomes unwritable under a trading host (S2 fail closed)', () => {
  it('kill flag SET in memory, no order sent, the operator told on Telegram; once writable the flag holds until a person resumes', async () => {
    const { desk: d, observed } = await onFullDisk();
    expectFailedClosed(observed);
    await resumeAndTrade(d);
  }, 240_000);

  // A minute of real processes that proves the first test has teeth: in `npm run test:slow` (PHOENIX_SLOW=1), not in every `npm test`.
  slowIt('the guard removed (a preload in this test makes log refusals unrecognisable): the first test\'s checks fail', async () => {
    const { observed } = await onFullDisk({ NODE_OPTIONS: `--import=${UNGUARDED}` });
    expect(() => expectFailedClosed(observed)).toThrow();
    // What failed: nobody was told, and no kill flag was ever set.
    expect(observed.alert).toBeUndefined();
    expect(observed.flagRecorded).toBe(false);
    // Not for want of an outage: the disk really was full.
    expect(observed.how).toMatch(/ENOSPC|immutable/);
  }, 240_000);
});
