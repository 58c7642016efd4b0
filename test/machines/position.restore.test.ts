import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createActor, SimulatedClock } from 'xstate';
import type { Bead } from '../../beads/index.ts';
import { type PositionEmitted, type PositionEvent, type PositionInput, positionMachine } from '../../machines/position.ts';
import { comparablePosition, type PositionSnapshot, positionStateOf, replayPosition } from '../../machines/positionReplay.ts';
import { advance, beadsFrom, T0 } from './support.ts';
import { PureRun } from './virtualTimers.ts';

/**
 * S3.3, restart: a position rebuilt from its beads, in whatever state the
 * host died, and resumed once the broker is back (RESUME), is never left
 * silent. Model-based over random stories (fast-check prints the seed and
 * the story of a failure):
 *
 * - the restore is exact: the beads replay to the state the story reached;
 * - with no broker progress after the resume, it ends, or is MANAGED
 *   (protected), or holds nothing yet, or has raised an alert;
 * - a close a person asks for after the resume, carried out by the broker,
 *   takes it to an end from wherever it was;
 * - every bead it writes after the restore still replays.
 */

const INPUT: PositionInput = {
  positionId: 'pos-r',
  intentId: 'cse-r',
  pair: 'EURUSD',
  side: 'LONG',
  quantity: 20_000,
  plannedEntry: 1.085,
  stop: 1.082,
  target: 1.091,
  submittedAt: T0,
  timeScale: 0.001,
};

type Model = PureRun<typeof positionMachine, PositionEmitted>;
type Story = (model: Model) => void;

const share = fc.constantFrom(0.25, 0.5, 1);
const at = (m: Model) => m.now;
const send = (make: (m: Model) => PositionEvent): Story => (m) => m.send(make(m));

const STEPS: fc.Arbitrary<Story>[] = [
  fc.constant(send((m) => ({ type: 'ENTRY_ACKNOWLEDGED', at: at(m) }))),
  share.map((s) => send((m) => ({ type: 'ENTRY_FILLED', filled: Math.min(INPUT.quantity, m.snapshot.context.filledQty + INPUT.quantity * s), avgPrice: 1.0851, at: at(m) }))),
  fc.constant(send((m) => ({ type: 'ENTRY_CANCELLED', reason: 'halt', at: at(m) }))),
  fc.constant(send((m) => ({ type: 'PROTECTION_WORKING', at: at(m) }))),
  fc.constant(send((m) => ({ type: 'PROTECTION_LOST', reason: 'stop cancelled in TWS', at: at(m) }))),
  fc.constant(send((m) => ({ type: 'CLOSE_REQUESTED', by: 'cli:alice', at: at(m) }))),
  fc.boolean().map((p) => send((m) => ({ type: 'CLOSE_FAILED', reason: 'refused', protectionWorking: p, at: at(m) }))),
  share.map((s) =>
    send((m) => ({
      type: 'EXIT_FILLED',
      filled: Math.min(m.snapshot.context.filledQty, m.snapshot.context.exitQty + INPUT.quantity * s),
      avgPrice: 1.09,
      by: 'MANUAL',
      at: at(m),
    })),
  ),
  fc.constant(send((m) => ({ type: 'RESUME', at: at(m) }))),
  fc.integer({ min: 1, max: 400 }).map((ms): Story => (m) => m.advance(ms)),
];

const ALERTS = new Set(['POSITION_STALLED', 'POSITION_UNPROTECTED', 'CLOSE_FAILED', 'ORDER_REJECTED']);

/** The host after a restart: the machine rebuilt from its beads, on a clock that goes on from the last of them. */
function restored(snapshot: PositionSnapshot, from: number) {
  const clock = new SimulatedClock();
  clock.set(from);
  const emitted: { at: number; event: PositionEmitted }[] = [];
  const actor = createActor(positionMachine, { snapshot, input: INPUT, clock });
  actor.on('*', (event) => emitted.push({ at: clock.now(), event }));
  actor.start();
  return { actor, clock, emitted, beads: () => emitted.flatMap((e) => beadsFrom([e.event], e.at)) };
}

/** The broker carries a close out: what is open is closed, or an entry that never filled is cancelled. */
function brokerCloses(s: PositionSnapshot, now: number): PositionEvent {
  const c = s.context;
  return c.filledQty > 0
    ? { type: 'EXIT_FILLED', filled: c.filledQty, avgPrice: 1.09, by: 'MANUAL', at: now }
    : { type: 'ENTRY_CANCELLED', reason: 'cancelled for the close', at: now };
}

function seenStates(reached: Set<string>) {
  return [...reached].sort();
}

describe('position machine, restored from every state', () => {
  const reached = new Set<string>();

  it('resumed after a restart, it ends, stays protected, or alerts; a close carried out by the broker ends it; its beads replay', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(...STEPS), { maxLength: 25 }), (story) => {
        const model = new PureRun(positionMachine, INPUT, T0) as Model;
        for (const step of story) if (model.snapshot.status === 'active') step(model);
        const before = beadsFrom(
          model.emitted.map((e) => e.event),
          T0,
        ).map((b, i) => ({ ...b, ts: new Date(model.emitted.filter((e) => e.event.type === 'bead')[i]!.at).toISOString() }) as Bead);
        const { snapshot, anomalies } = replayPosition(before);
        expect(anomalies).toEqual([]);
        expect(comparablePosition(snapshot)).toEqual(comparablePosition(model.snapshot));
        if (snapshot.status === 'done') return;
        reached.add(positionStateOf(snapshot));

        // Silence after the resume: never an open, unprotected position that nobody was told about.
        const quiet = restored(snapshot, model.now + 5_000);
        quiet.actor.send({ type: 'RESUME', at: quiet.clock.now() });
        advance(quiet.clock, 2_000);
        quiet.actor.send({ type: 'CLOCK', at: quiet.clock.now() });
        const s = quiet.actor.getSnapshot();
        const state = positionStateOf(s);
        const alerted = quiet.emitted.some((e) => e.event.type === 'alert' && ALERTS.has(e.event.alertType));
        const fine = s.status === 'done' || state === 'MANAGED' || (state === 'SUBMITTED' && s.context.filledQty === 0);
        expect(fine || alerted, `restored in ${positionStateOf(snapshot)}, silent in ${state}`).toBe(true);
        expect(replayPosition([...before, ...quiet.beads()]).anomalies).toEqual([]);

        // A person closes, and the broker does it.
        const closing = restored(snapshot, model.now + 5_000);
        closing.actor.send({ type: 'RESUME', at: closing.clock.now() });
        closing.actor.send({ type: 'CLOSE_REQUESTED', by: 'cli:alice', at: closing.clock.now() });
        const commands = closing.emitted.filter((e) => e.event.type === 'command').map((e) => (e.event as { command: string }).command);
        expect(commands).toContain('close');
        closing.actor.send(brokerCloses(closing.actor.getSnapshot(), closing.clock.now()));
        expect(closing.actor.getSnapshot().status, `restored in ${positionStateOf(snapshot)}`).toBe('done');
        const all = [...before, ...closing.beads()];
        const replayed = replayPosition(all);
        expect(replayed.anomalies).toEqual([]);
        expect(comparablePosition(replayed.snapshot)).toEqual(comparablePosition(closing.actor.getSnapshot()));
      }),
      { numRuns: 200, verbose: 1 },
    );
    expect(seenStates(reached)).toEqual(['CLOSING', 'FILLED', 'MANAGED', 'PARTIAL', 'STALLED', 'SUBMITTED']);
  });
});
