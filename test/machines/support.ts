import { type AnyStateMachine, type SimulatedClock, type SnapshotFrom, transition } from 'xstate';
import { type Bead, type BeadDraft, type Mode, stamp, validateBead } from '../../beads/index.ts';
import { type BeadEmitted, emittedBy } from '../../machines/types.ts';
import { uuidV7Ids } from '../../store/ids.ts';

/** Where test clocks start: a Tuesday morning in London. */
export const T0 = Date.parse('2026-11-24T09:00:00.000Z');

/**
 * Stamps a draft the way the host does: the fact's own time when the machine
 * gave one, else the clock. Validation runs too, so a draft the log would
 * refuse fails the test that emitted it.
 */
export function stampAt(draft: BeadDraft, at: number, mode: Mode = 'PAPER'): Bead {
  return validateBead(stamp(draft, { bead_id: uuidV7Ids.next(), ts: new Date(at).toISOString(), host_id: 'test-host', mode }));
}

export function beadsFrom(emitted: readonly { type: string }[], at: number, mode: Mode = 'PAPER'): Bead[] {
  return emitted
    .filter((e): e is BeadEmitted => e.type === 'bead')
    .map((e) => stampAt(e.draft, e.at ?? at, mode));
}

export function draftsOf(emitted: readonly { type: string }[]): BeadDraft[] {
  return emitted.filter((e): e is BeadEmitted => e.type === 'bead').map((e) => e.draft);
}

/**
 * Given / when / then over a pure transition (Emmett's decider spec): the
 * given beads are replayed into a snapshot, the event is decided without
 * executing anything, and the test reads what would be emitted.
 */
export function decide<M extends AnyStateMachine, E>(
  machine: M,
  given: SnapshotFrom<M>,
  event: Parameters<M['transition']>[1],
): { snapshot: SnapshotFrom<M>; emitted: E[] } {
  const [snapshot, actions] = transition(machine, given, event);
  return { snapshot, emitted: emittedBy<E>(actions) };
}

/**
 * SimulatedClock.increment jumps straight to the end, so a timer armed while
 * flushing would start late. Stepping a millisecond at a time keeps every
 * scaled delay exact.
 */
export function advance(clock: SimulatedClock, ms: number): void {
  for (let i = 0; i < ms; i += 1) clock.increment(1);
}
