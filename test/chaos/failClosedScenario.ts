import { expect } from 'vitest';
import type { FailClosedDesk } from './failClosedDesk.ts';

/**
 * What the fail-closed tests do and check, whichever way the log is taken
 * away (a full disk under SQLite, the EventStoreDB node stopped): a host
 * trading, a decision reaching the log, the log gone before the host acts on
 * it, the log back, another decision, and finally a person's resume.
 */
export interface Outage {
  /** Takes the log away now; says how, in words. */
  break(): string | Promise<string>;
  mend(): void | Promise<void>;
}

export interface Observed {
  how: string;
  /** The Telegram message that told the operator, if one did. */
  alert: string | undefined;
  ordersDuringOutage: string[];
  /** The kill flag reached the log once it was back. */
  flagRecorded: boolean;
  /** KILL_FLAG SET beads in the log by then: one, however often the host tried to write it. */
  flagBeads: number;
  /** Orders of a decision made after the log came back, before any resume. */
  ordersAfterMendBeforeResume: string[] | undefined;
}

export async function failClosedScenario(d: FailClosedDesk, outage: Outage): Promise<Observed> {
  await d.waitForBead('IBKR_SESSION', (b) => b.data.event === 'CONNECT', 'the host connected', 30_000);
  await d.bot.waitForLivePolling();

  // Trading: a bracket working at the broker.
  await d.readyIntent('fc-a');
  expect((await d.approve('fc-a')).code).toBe(0);
  await d.waitForBead('POSITION', (b) => b.data.position_id === 'fc-a' && b.data.state === 'MANAGED', 'fc-a MANAGED', 30_000);

  // A decision reaches the log; before the host acts on it, the log goes away.
  await d.readyIntent('fc-b');
  d.host.child.kill('SIGSTOP');
  let how: string;
  try {
    expect((await d.approve('fc-b')).code).toBe(0);
    how = await outage.break();
  } finally {
    d.host.child.kill('SIGCONT');
  }
  const alert = await d.waitForMessage(/Event log unavailable/, 'the CRITICAL alert on Telegram', 20_000).catch(() => undefined);
  // The host heard of the decision and could not act on it: its own words (positive evidence it tried).
  await d.host.waitForOutput(/fc-b/, 20_000).catch(() => undefined);
  const ordersDuringOutage = await d.simOrders('fc-b');
  expect(d.host.child.exitCode, 'the host stays up without its log').toBeNull();

  await outage.mend();
  const flagRecorded = await d
    .waitForBead('KILL_FLAG', (b) => b.data.state === 'SET', 'the kill flag recorded once the log is back', 30_000)
    .then(() => true)
    .catch(() => false);
  const flagBeads = (await d.beads('KILL_FLAG')).filter((b) => b.data.state === 'SET').length;
  let ordersAfterMendBeforeResume: string[] | undefined;
  if (flagRecorded) {
    await d.readyIntent('fc-c');
    expect((await d.approve('fc-c')).code).toBe(0);
    await d.host.waitForOutput(/fc-c[^\n]*KILL_FLAG/, 20_000);
    ordersAfterMendBeforeResume = await d.simOrders('fc-c');
  }
  return { how, alert: alert?.text, ordersDuringOutage, flagRecorded, flagBeads, ordersAfterMendBeforeResume };
}

/** What a person at the desk must see; each second test shows these fail without the guard. */
export function expectFailedClosed(o: Observed): void {
  expect(o.alert, `no Telegram alert (log taken away: ${o.how})`).toMatch(/CRITICAL[\s\S]*Event log unavailable[\s\S]*kill flag is SET in memory/);
  expect(o.alert).toMatch(/RB-013/);
  expect(o.ordersDuringOutage).toEqual([]);
  expect(o.flagRecorded).toBe(true);
  expect(o.flagBeads).toBe(1);
  expect(o.ordersAfterMendBeforeResume).toEqual([]);
}

/** A person resumes; only then does a decision reach the broker again. */
export async function resumeAndTrade(d: FailClosedDesk): Promise<void> {
  expect((await d.cli(['resume', '--reason', 'the log is back and checked', '--as', 'alice'])).code).toBe(0);
  await d.waitForBead('KILL_FLAG', (b) => b.data.state === 'CLEARED', 'the kill flag cleared by a person');
  await d.readyIntent('fc-d');
  expect((await d.approve('fc-d')).code).toBe(0);
  await d.waitForBead('POSITION', (b) => b.data.position_id === 'fc-d' && b.data.state === 'MANAGED', 'fc-d MANAGED after the resume', 30_000);
  expect(await d.simOrders('fc-d')).toHaveLength(3);
}
