import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type Actor, createActor, initialTransition, SimulatedClock, transition } from 'xstate';
import type { Bead } from '../../beads/index.ts';
import { type PromotionEmitted, type PromotionEvent, type PromotionFacts, promotionMachine } from '../../machines/promotion.ts';
import { SWEEPS } from '../../machines/promotionSweeps.ts';
import { promotionEventOf, type PromotionSnapshot, promotionStateOf, replayPromotion } from '../../machines/promotionReplay.ts';
import { comparableSnapshot } from '../../machines/types.ts';
import { bunny, configChange, decision, INPUT, T0, WINDOW_MS } from './promotionFixtures.ts';
import { beadsFrom } from './support.ts';

/**
 * Model-based: random parameter changes, bunny verdicts (in a sweep's run
 * or not), the gates' facts, time passing and people deciding, against the
 * promotion actor on a simulated clock. The model is the machine's pure
 * transition (with the window's timer answered as the actor answers it);
 * the real system is the live actor, which answers the machine's
 * check-facts itself. After every step they agree, and the invariants of
 * issue 14 hold; at the end the log replays to the actor's snapshot.
 */

interface World {
  clock: SimulatedClock;
  real: Actor<typeof promotionMachine>;
  model: PromotionSnapshot;
  facts: PromotionFacts;
  log: Bead[];
  /** Every FAIL verdict's moment, and every change's. */
  failures: number[];
  changes: number[];
  lastEvent: PromotionEvent | undefined;
  previous: string;
  refusals: string[];
}

const verdict = (met: boolean, what: string) => ({ met, missing: met ? [] : [what] });
const KEYS = ['ORDER_UNITS', 'HEARTBEAT_INTERVAL_S', 'STALE_GATE_MINUTES'];
/** Gates that mostly hold: a desk that never validates tests nothing about promotion. */
const mostlyMet = fc.integer({ min: 0, max: 4 }).map((n) => n > 0);
const VECTOR_IDS = [...new Set(Object.values(SWEEPS).flat())];

function feed(w: World, event: PromotionEvent, bead?: Bead): void {
  if (bead) w.log.push(bead);
  w.lastEvent = event;
  w.model = transition(promotionMachine, w.model, event)[0];
  w.real.send(event);
}

const cmd = (name: string, run: (w: World) => void): fc.Command<World, World> => ({
  check: () => true,
  run(_m, w) {
    w.previous = promotionStateOf(w.real.getSnapshot());
    w.lastEvent = undefined;
    run(w);
    invariants(w);
  },
  toString: () => name,
});

function invariants(w: World): void {
  const real = w.real.getSnapshot();
  const state = promotionStateOf(real);
  expect(comparableSnapshot(real)).toEqual(comparableSnapshot(w.model));
  const now = w.clock.now();
  if (state === 'LIVE_ACTIVE' && w.previous !== 'LIVE_ACTIVE') {
    // No LIVE_ACTIVE without a person's recorded decision, taken in LIVE_ELIGIBLE.
    expect(w.lastEvent).toMatchObject({ type: 'DECISION', decidedBy: expect.stringMatching(/\S/), reason: expect.stringMatching(/\S/) });
    expect(w.previous).toBe('LIVE_ELIGIBLE');
  }
  if (state === 'LIVE_ELIGIBLE' && w.previous !== 'LIVE_ELIGIBLE') {
    // A FAIL (or a change) inside the window never reaches LIVE_ELIGIBLE.
    expect(w.failures.filter((t) => t > now - WINDOW_MS)).toEqual([]);
    expect(w.changes.filter((t) => t > now - WINDOW_MS)).toEqual([]);
  }
  if (w.lastEvent?.type === 'CONFIG_CHANGED') expect(state).toBe('SHADOW');
}

const commands = [
  fc.constantFrom(...KEYS).map((key) =>
    cmd(`change ${key}`, (w) => {
      const bead = configChange(key, 7, w.clock.now());
      w.changes.push(w.clock.now());
      feed(w, promotionEventOf(bead)!, bead);
    }),
  ),
  fc.tuple(fc.constantFrom(...VECTOR_IDS), fc.nat(), mostlyMet, fc.boolean()).map(([other, pick, pass, ofTheSweep]) =>
    cmd(`${ofTheSweep ? `sweep vector #${pick}` : other} ${pass ? 'PASS' : 'FAIL'}`, (w) => {
      // A verdict of the sweep's run for one of its vectors, or of some other run.
      const sweep = ofTheSweep ? w.model.context.sweep : null;
      const vector = sweep ? sweep.vectors[pick % sweep.vectors.length]! : other;
      const bead = bunny(sweep ? sweep.runId : 'bunny-other', vector, pass ? 'PASS' : 'FAIL', w.clock.now());
      if (!pass) w.failures.push(w.clock.now());
      feed(w, promotionEventOf(bead)!, bead);
    }),
  ),
  fc.tuple(mostlyMet, mostlyMet).map(([phase1, ops]) =>
    cmd(`gates phase1=${phase1} ops=${ops}`, (w) => {
      w.facts = { phase1: verdict(phase1, 'P1-8 not met'), ops: verdict(ops, 'P2-5 not met') };
      feed(w, { type: 'FACTS', at: w.clock.now(), facts: w.facts });
    }),
  ),
  fc.integer({ min: 1, max: WINDOW_MS }).map((ms) =>
    cmd(`advance ${ms} ms`, (w) => {
      // The model's share of the window's timer: at the moment it is served, the actor is asked for the facts.
      const served = w.model.matches('PAPER_VALIDATED') && w.model.context.windowFrom !== null ? w.model.context.windowFrom + WINDOW_MS : undefined;
      const from = w.clock.now();
      if (served !== undefined && served > from && served <= from + ms) {
        // The clock steps exactly to the moment the window is served, so the actor's answer carries that moment.
        w.clock.increment(served - from);
        w.model = transition(promotionMachine, w.model, { type: 'FACTS', at: served, facts: w.facts })[0];
        w.lastEvent = undefined;
        w.clock.increment(from + ms - served);
      } else w.clock.increment(ms);
    }),
  ),
  // A clean stretch: the gates hold through a whole window, then a person decides (when nothing is owed, a promotion).
  fc.constant(
    cmd('gates met for a whole window, then alice decides', (w) => {
      w.facts = { phase1: verdict(true, ''), ops: verdict(true, '') };
      feed(w, { type: 'FACTS', at: w.clock.now(), facts: w.facts });
      w.clock.increment(WINDOW_MS);
      feed(w, { type: 'FACTS', at: w.clock.now(), facts: w.facts });
      w.previous = promotionStateOf(w.real.getSnapshot());
      invariants(w);
      const bead = decision('alice', 'a clean window', w.clock.now());
      feed(w, promotionEventOf(bead)!, bead);
    }),
  ),
  // Named decisions come often: a promotion is rare enough as it is.
  fc.integer({ min: 0, max: 3 }).map((n) => n > 0).map((named) =>
    cmd(`decision ${named ? 'by alice' : 'by nobody'}`, (w) => {
      const bead = decision(named ? 'alice' : '', 'ready', w.clock.now());
      feed(w, promotionEventOf(bead)!, bead);
    }),
  ),
];

function newWorld(): World {
  const clock = new SimulatedClock();
  clock.set(T0);
  const facts = { phase1: verdict(false, 'P1-1 not met'), ops: verdict(false, 'P2-1 not met') };
  const real = createActor(promotionMachine, { input: INPUT, clock });
  const w: World = { clock, real, model: initialTransition(promotionMachine, INPUT)[0], facts, log: [], failures: [], changes: [], lastEvent: undefined, previous: 'SHADOW', refusals: [] };
  real.on('*', (e: PromotionEmitted) => {
    const at = clock.now();
    if (e.type === 'refused') w.refusals.push(e.why);
    w.log.push(...beadsFrom([e], 'at' in e && typeof e.at === 'number' ? e.at : at));
    // The actor's answer to the window's timer: the gates' facts of the moment.
    if (e.type === 'command' && e.command === 'check-facts') real.send({ type: 'FACTS', at, facts: w.facts });
  });
  real.start();
  return w;
}

describe('promotion model', () => {
  it('no LIVE_ACTIVE without a decision, no LIVE_ELIGIBLE with a FAIL in the window, every change to SHADOW; the log replays', () => {
    const seed = Date.now() % 2 ** 31;
    console.log(`fast-check seed ${seed}`);
    const reached = new Set<string>();
    fc.assert(
      fc.property(fc.commands(commands, { maxCommands: 60 }), (cmds) => {
        const w = newWorld();
        fc.modelRun(() => ({ model: w, real: w }), cmds);
        const replayed = replayPromotion(w.log, INPUT);
        // A refused decision stays in the log as the person's act; replay says it was refused, and nothing else.
        expect(replayed.anomalies).toEqual(w.refusals.map((why) => expect.stringContaining(`DECISION refused: ${why}`)));
        expect(replayed.owed).toEqual([]);
        expect(comparableSnapshot(replayed.snapshot)).toEqual(comparableSnapshot(w.real.getSnapshot()));
        for (const b of w.log) if (b.bead_type === 'PROMOTION') reached.add(b.data.state);
        w.real.stop();
      }),
      { seed, numRuns: 200 },
    );
    // The runs went everywhere the invariants speak of.
    expect([...reached].sort()).toEqual(['LIVE_ACTIVE', 'LIVE_ELIGIBLE', 'PAPER_VALIDATED', 'SHADOW']);
  });
});
