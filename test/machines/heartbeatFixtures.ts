import { createActor, SimulatedClock } from 'xstate';
import { stamp, validateBead } from '../../beads/index.ts';
import type { Bead } from '../../beads/index.ts';
import {
  type CheckDetail,
  type CheckedEvent,
  type HeartbeatAlertRequest,
  type HeartbeatEmitted,
  type HeartbeatInput,
  type HeartbeatSnapshot,
  heartbeatMachine,
} from '../../machines/heartbeat.ts';

/** Shared givens for the heartbeat machine's specs. */

export const T0 = Date.parse('2026-11-24T09:00:00.000Z');
export const MIN = 60_000;
export const HOST = 'hb-test';
export const INPUT: HeartbeatInput = { hostId: HOST, escalateAfterMs: 5 * MIN };

export function checked(at: number, partial: Partial<Omit<CheckedEvent, 'type' | 'at'>> = {}): CheckedEvent {
  return { type: 'CHECKED', at, processAlive: true, ibkrConnected: true, details: [], ...partial };
}

export const staleOrder = (ref: string): CheckDetail => ({
  check: 'orders_flowing',
  subject: ref,
  message: `order ${ref} has been Submitted for 6 min with no status change`,
});

export const deadSubscription = (pair: string): CheckDetail => ({
  check: 'subscriptions_alive',
  subject: pair,
  message: `no ${pair} tick for 3 min`,
});

export const alertsIn = (emitted: readonly HeartbeatEmitted[]) => emitted.filter((e): e is HeartbeatAlertRequest => e.type === 'alert');
export const beadsIn = (emitted: readonly HeartbeatEmitted[]) => emitted.filter((e) => e.type === 'bead');

/** The live actor on XState's simulated clock: each check happens at its own time, and timers fire in between. */
export function liveRun(events: readonly CheckedEvent[], until?: number, input: HeartbeatInput = INPUT): { snapshot: HeartbeatSnapshot; emitted: HeartbeatEmitted[] } {
  const clock = new SimulatedClock();
  clock.set(T0 - MIN);
  const actor = createActor(heartbeatMachine, { input, clock });
  const emitted: HeartbeatEmitted[] = [];
  actor.on('*', (e) => emitted.push(e));
  actor.start();
  for (const e of events) {
    clock.set(e.at);
    actor.send(e);
  }
  if (until !== undefined) clock.set(until);
  const snapshot = actor.getSnapshot();
  actor.stop();
  return { snapshot, emitted };
}

/** The beads a host would have appended for these emissions, stamped at each check's time and validated. */
export function stampedBeads(emitted: readonly HeartbeatEmitted[]): Bead[] {
  let n = 0;
  return emitted.flatMap((e) => {
    if (e.type !== 'bead') return [];
    n += 1;
    const id = `0190a000-0000-7000-8000-${String(n).padStart(12, '0')}`;
    // Validated as the log would at append: a draft the log refuses fails the test that emitted it.
    return [validateBead(stamp(e.draft, { bead_id: id, ts: new Date(e.at).toISOString(), host_id: HOST, mode: 'MOCK' }))];
  });
}
