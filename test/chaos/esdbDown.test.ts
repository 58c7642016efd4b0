/**
 * S2 fail closed on EventStoreDB: a running paper host on the real
 * @eventstore/db-client, the loopback gRPC node (tools/esdb-sim) in this process,
 * stopped under the host and started again on the same port with its data.
 * While it is down: the kill flag SET in memory, no order sent, the operator
 * told on Telegram. When it is back: the host's subscriptions resume from
 * their checkpoints with no bead missed or repeated, the flag is recorded
 * and holds until a person resumes.
 *
 * The second test removes the guard under test with the same switch as
 * logUnwritable.test.ts (a preload in the test) and shows the first test's
 * checks then fail.
 */
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, } from 'vitest';
import { EventStoreDbEventLog } from '../../store/eventstoredb.ts';
import { FakeEventStore } from '../../tools/esdb-sim/fakeEventStore.ts';
import { makeTempDir } from '../support/tempDir.ts';
import { type FailClosedDesk, openFailClosedDesk, until } from './failClosedDesk.ts';
import { expectFailedClosed, failClosedScenario, type Observed, resumeAndTrade } from './failClosedScenario.ts';
import { slowIt } from '../support/slow.ts';

const UNGUARDED = fileURLToPath(new URL('./support/unrecognisedLogFailures.mjs', import.meta.url));

let temp: { dir: string; remove: () => void } | undefined;
let node: FakeEventStore | undefined;
let desk: FailClosedDesk | undefined;
afterEach(async () => {
  await desk?.close();
  await node?.stop();
  temp?.remove();
  desk = undefined;
  node = undefined;
  temp = undefined;
});

async function onEventStore(hostEnv: Record<string, string> = {}): Promise<{ desk: FailClosedDesk; observed: Observed; node: FakeEventStore }> {
  temp = makeTempDir('phoenix-esdb-down');
  const n = new FakeEventStore();
  node = n;
  await n.start();
  desk = await openFailClosedDesk({
    home: temp.dir,
    env: { EVENTSTORE_CONNECTION_STRING: n.connectionString },
    readLog: async () => new EventStoreDbEventLog({ connectionString: n.connectionString, appendTimeoutMs: 2_000, readTimeoutMs: 2_000 }),
    hostEnv,
  });
  const observed = await failClosedScenario(desk, {
    async break() {
      await n.stop();
      return 'the loopback EventStoreDB node stopped (connections refused)';
    },
    mend: () => n.start(),
  });
  return { desk, observed, node: n };
}

interface DashboardCounts {
  log_position: number | null;
  counts: { beads_total: number; corrupt: number };
}

describe('EventStoreDB goes away under a trading host (S2 fail closed)', () => {
  // test:slow only (a minute of real processes): npm test fails closed on the default log in logUnwritable.test.ts, and checks the adapter's reconnect in test/store/eventstoredb.test.ts.
  slowIt('fails closed while it is down, alerts, and on its return resubscribes with no bead missed or repeated; the flag holds until a person resumes', async () => {
    const { desk: d, observed } = await onEventStore();
    expectFailedClosed(observed);
    expect(d.host.stderr()).toMatch(/subscription dropped; resuming from its checkpoint/);

    // The host's dashboard folds every bead it is handed: exactly the beads the log holds up to where it has read.
    const reader = new EventStoreDbEventLog({ connectionString: node!.connectionString });
    try {
      const seen = await until(async () => {
        const view = (await (await fetch(`${d.dashboardUrl}api/dashboard`)).json()) as DashboardCounts;
        if (view.log_position === null) return undefined;
        let stored = 0;
        for await (const e of reader.readAll()) if (e.position <= view.log_position) stored += 1;
        return { folded: view.counts.beads_total + view.counts.corrupt, stored };
      }, 'the dashboard and the log, read up to the same position');
      expect(seen.folded).toBe(seen.stored);
    } finally {
      await reader.close();
    }
    await resumeAndTrade(d);
  }, 240_000);

  // A minute of real processes that proves the first test has teeth.
  slowIt('the guard removed (a preload in this test makes log refusals unrecognisable): the first test\'s checks fail', async () => {
    const { observed } = await onEventStore({ NODE_OPTIONS: `--import=${UNGUARDED}` });
    expect(() => expectFailedClosed(observed)).toThrow();
    // What failed: nobody was told, and no kill flag was ever set.
    expect(observed.alert).toBeUndefined();
    expect(observed.flagRecorded).toBe(false);
  }, 240_000);
});
