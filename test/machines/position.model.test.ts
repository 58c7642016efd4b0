import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type Actor, createActor, SimulatedClock } from 'xstate';
import type { Bead } from '../../beads/index.ts';
import { type ExitReason, POSITION_END_STATES, type PositionEmitted, type PositionEvent, type PositionInput, positionMachine } from '../../machines/position.ts';
import { comparablePosition, positionStateOf, replayPosition } from '../../machines/positionReplay.ts';
import { comparableSnapshot } from '../../machines/types.ts';
import { advance, beadsFrom, T0 } from './support.ts';
import { PureRun } from './virtualTimers.ts';

/**
 * Model-based: random broker stories (acks, partial and full fills, rejects,
 * cancels, protection coming and going, closes, ticks, confirmations and time
 * passing) drive the live actor on XState's simulated clock (the real
 * system) and the pure transition on a virtual timeline (the model). They
 * must agree step by step; the POSITION beads must chain and replay to the
 * live snapshot; ends are final; a broker update always takes a STALLED
 * position back to a true state. A failure prints its seed and path.
 */

const INPUT: PositionInput = {
  positionId: 'pos-m',
  intentId: 'cse-m',
  pair: 'USDJPY',
  side: 'SHORT',
  quantity: 20_000,
  plannedEntry: 150.2,
  stop: 150.5,
  target: 149.6,
  submittedAt: T0,
  timeScale: 0.001,
};

type Model = PureRun<typeof positionMachine, PositionEmitted>;

class Real {
  readonly clock = new SimulatedClock();
  readonly actor: Actor<typeof positionMachine>;
  readonly emitted: { at: number; event: PositionEmitted }[] = [];
  readonly beads: Bead[] = [];
  ended: string | undefined;

  constructor() {
    this.clock.set(T0);
    this.actor = createActor(positionMachine, { input: INPUT, clock: this.clock });
    this.actor.on('*', (event) => {
      this.emitted.push({ at: this.clock.now(), event });
      this.beads.push(...beadsFrom([event], this.clock.now()));
    });
    this.actor.start();
  }

  get context() {
    return this.actor.getSnapshot().context;
  }
}

/** Every state the random stories reached, across runs: the stories must cover the whole machine. */
const reached = new Set<string>();

function checkInvariants(model: Model, real: Real): void {
  const live = real.actor.getSnapshot();
  reached.add(positionStateOf(live));
  expect(comparableSnapshot(live)).toEqual(comparableSnapshot(model.snapshot));
  expect(real.emitted).toEqual(model.emitted);

  const { snapshot, anomalies } = replayPosition(real.beads);
  expect(anomalies).toEqual([]);
  expect(comparablePosition(snapshot)).toEqual(comparablePosition(live));

  // The POSITION beads chain: each one's previous state is the state before it; a CLOSED is followed by its AUTOPSY.
  const states = real.beads.flatMap((b) => (b.bead_type === 'POSITION' ? [[b.data.previous_state, b.data.state] as const] : []));
  states.forEach(([previous], i) => {
    if (i > 0) expect(previous).toBe(states[i - 1]![1]);
  });
  const closedAt = real.beads.findIndex((b) => b.bead_type === 'POSITION' && b.data.state === 'CLOSED');
  if (closedAt >= 0) expect(real.beads[closedAt + 1]?.bead_type).toBe('AUTOPSY');

  const c = live.context;
  expect(c.filledQty - c.exitQty).toBeGreaterThanOrEqual(0);
  const state = positionStateOf(live);
  if (real.ended !== undefined) expect(state).toBe(real.ended);
  if ((POSITION_END_STATES as readonly string[]).includes(state)) real.ended = state;
}

class Step implements fc.Command<Model, Real> {
  constructor(
    private readonly name: string,
    private readonly make: (real: Real) => PositionEvent | number,
  ) {}
  check = () => true;
  run(model: Model, real: Real): void {
    const what = this.make(real);
    const wasStalled = positionStateOf(real.actor.getSnapshot()) === 'STALLED';
    const before = real.emitted.length;
    if (typeof what === 'number') {
      advance(real.clock, what);
      model.advance(what);
    } else {
      if (real.actor.getSnapshot().status !== 'active') return;
      real.actor.send(what);
      model.send(what);
      if (what.type === 'TICK') expect(real.emitted.length).toBe(before);
      if (what.type === 'BROKER_CONFIRMED' && wasStalled) expect(positionStateOf(real.actor.getSnapshot())).not.toBe('STALLED');
    }
    checkInvariants(model, real);
  }
  toString = () => this.name;
}

const at = (real: Real) => real.clock.now();
const share = fc.constantFrom(0.25, 0.5, 1);
const exitBy = fc.constantFrom<ExitReason>('STOP', 'TARGET', 'MANUAL', 'FLATTEN');

const commands: fc.Arbitrary<fc.Command<Model, Real>>[] = [
  fc.constant(new Step('ack', (r) => ({ type: 'ENTRY_ACKNOWLEDGED', at: at(r) }))),
  share.map(
    (s) =>
      new Step(`entry fill +${s}`, (r) => ({
        type: 'ENTRY_FILLED',
        filled: Math.min(INPUT.quantity, r.context.filledQty + INPUT.quantity * s),
        avgPrice: 150.21,
        at: at(r),
      })),
  ),
  fc.constant(new Step('entry rejected', (r) => ({ type: 'ENTRY_REJECTED', reason: 'bad contract', at: at(r) }))),
  fc.constant(new Step('entry cancelled', (r) => ({ type: 'ENTRY_CANCELLED', reason: 'halt', at: at(r) }))),
  fc.constant(new Step('protection working', (r) => ({ type: 'PROTECTION_WORKING', at: at(r) }))),
  fc.constant(new Step('protection lost', (r) => ({ type: 'PROTECTION_LOST', reason: 'stop cancelled in TWS', at: at(r) }))),
  fc.constant(new Step('close requested', (r) => ({ type: 'CLOSE_REQUESTED', by: 'cli:alice', at: at(r) }))),
  fc.boolean().map((p) => new Step(`close failed (protected: ${p})`, (r) => ({ type: 'CLOSE_FAILED', reason: 'refused', protectionWorking: p, at: at(r) }))),
  fc.tuple(share, exitBy).map(
    ([s, by]) =>
      new Step(`exit fill +${s} by ${by}`, (r) => ({
        type: 'EXIT_FILLED',
        filled: Math.min(r.context.filledQty, r.context.exitQty + INPUT.quantity * s),
        avgPrice: 149.9,
        by,
        at: at(r),
      })),
  ),
  fc.constant(new Step('broker confirms', (r) => ({ type: 'BROKER_CONFIRMED', at: at(r) }))),
  fc.double({ min: 149, max: 151, noNaN: true }).map((price) => new Step(`tick ${price}`, (r) => ({ type: 'TICK', price, at: at(r) }))),
  fc.constant(new Step('clock', (r) => ({ type: 'CLOCK', at: at(r) }))),
  fc.constant(new Step('resume', (r) => ({ type: 'RESUME', at: at(r) }))),
  fc.integer({ min: 1, max: 400 }).map((ms) => new Step(`wait ${ms} ms`, () => ms)),
];

describe('position machine, model-based', () => {
  it('live actor and pure transition agree; beads chain and replay; ends are final; a broker update un-stalls it', () => {
    fc.assert(
      fc.property(fc.commands(commands, { size: '+1' }), (cmds) => {
        fc.modelRun(() => ({ model: new PureRun(positionMachine, INPUT, T0) as Model, real: new Real() }), cmds);
      }),
      { numRuns: 120, verbose: 1 },
    );
    expect([...reached].sort()).toEqual(['CANCELLED', 'CLOSED', 'CLOSING', 'FILLED', 'MANAGED', 'PARTIAL', 'REJECTED', 'STALLED', 'SUBMITTED']);
  });
});
