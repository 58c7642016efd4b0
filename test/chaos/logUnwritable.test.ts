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
import { prepareUnwritableDisk, type UnwritableDisk } from './unwritableDisk.ts';

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

interface Observed {
  how: string;
  alert: string | undefined;
  ordersDuringOutage: string[];
  flagRecorded: boolean;
  ordersAfterMendBeforeResume: string[] | undefined;
}

/**
 * The scenario both tests run: a position opened (trading), a decision
 * written while the host is stopped, the disk filled, the host let go; then
 * the disk freed, another decision, and finally a person's resume.
 */
async function scenario(hostEnv: Record<string, string> = {}): Promise<{ desk: FailClosedDesk; observed: Observed }> {
  temp = makeTempDir('phoenix-fail-closed');
  disk = prepareUnwritableDisk(temp.dir);
  const home = disk.home;
  desk = await openFailClosedDesk({ home, readLog: async () => new SqliteEventLog(defaultLogPath(home), { readonly: true }), hostEnv });
  const d = desk;
  await d.waitForBead('IBKR_SESSION', (b) => b.data.event === 'CONNECT', 'the host connected', 30_000);
  await d.bot.waitForLivePolling();

  // Trading: a bracket working at the broker.
  await d.readyIntent('fc-a');
  expect((await d.approve('fc-a')).code).toBe(0);
  await d.waitForBead('POSITION', (b) => b.data.position_id === 'fc-a' && b.data.state === 'MANAGED', 'fc-a MANAGED', 30_000);

  // A decision reaches the log; before the host acts on it, the disk fills.
  await d.readyIntent('fc-b');
  d.host.child.kill('SIGSTOP');
  let how: string;
  try {
    expect((await d.approve('fc-b')).code).toBe(0);
    how = disk.break();
  } finally {
    d.host.child.kill('SIGCONT');
  }
  const alert = await d.waitForMessage(/Event log unavailable/, 'the CRITICAL alert on Telegram', 20_000).catch(() => undefined);
  // The host saw the decision and turned it down: its own words in its log (positive evidence it acted).
  await d.host.waitForOutput(/fc-b/, 20_000).catch(() => undefined);
  const ordersDuringOutage = await d.simOrders('fc-b');
  expect(d.host.child.exitCode).toBeNull();

  disk.mend();
  const recorded = await d
    .waitForBead('KILL_FLAG', (b) => b.data.state === 'SET', 'the kill flag recorded once the disk is freed', 20_000)
    .then(() => true)
    .catch(() => false);
  let ordersAfterMendBeforeResume: string[] | undefined;
  if (recorded) {
    await d.readyIntent('fc-c');
    expect((await d.approve('fc-c')).code).toBe(0);
    await d.host.waitForOutput(/fc-c[^\n]*(kill flag|KILL_FLAG)|(kill flag|KILL_FLAG)[^\n]*fc-c/, 20_000);
    ordersAfterMendBeforeResume = await d.simOrders('fc-c');
  }
  const observed = { how, alert: alert?.text, ordersDuringOutage, flagRecorded: recorded, ordersAfterMendBeforeResume };
  return { desk: d, observed };
}

/** What a person at the desk must see; the second test shows these fail without the guard. */
function expectFailedClosed(o: Observed): void {
  expect(o.alert, `no Telegram alert (log made unwritable: ${o.how})`).toMatch(/CRITICAL[\s\S]*Event log unavailable[\s\S]*kill flag is SET in memory/);
  expect(o.alert).toMatch(/RB-013/);
  expect(o.ordersDuringOutage).toEqual([]);
  expect(o.flagRecorded).toBe(true);
  expect(o.ordersAfterMendBeforeResume).toEqual([]);
}

describe('the log becomes unwritable under a trading host (S2 fail closed)', () => {
  it('kill flag SET in memory, no order sent, the operator told on Telegram; once writable the flag holds until a person resumes', async () => {
    const { desk: d, observed } = await scenario();
    expectFailedClosed(observed);
    // A person resumes; only then does a decision reach the broker.
    expect((await d.cli(['resume', '--reason', 'disk freed, log writable again', '--as', 'alice'])).code).toBe(0);
    await d.waitForBead('KILL_FLAG', (b) => b.data.state === 'CLEARED', 'the kill flag cleared by a person');
    await d.readyIntent('fc-d');
    expect((await d.approve('fc-d')).code).toBe(0);
    await d.waitForBead('POSITION', (b) => b.data.position_id === 'fc-d' && b.data.state === 'MANAGED', 'fc-d MANAGED after the resume', 30_000);
    expect(await d.simOrders('fc-d')).toHaveLength(3);
  }, 240_000);

  it('the guard removed (a preload in this test makes log refusals unrecognisable): the first test\'s checks fail', async () => {
    const { observed } = await scenario({ NODE_OPTIONS: `--import=${UNGUARDED}` });
    expect(() => expectFailedClosed(observed)).toThrow();
    // Not for want of an outage: the disk really was full.
    expect(observed.how).toMatch(/ENOSPC|immutable/);
  }, 240_000);
});
