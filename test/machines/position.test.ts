import { describe, expect, it } from 'vitest';
import { createActor, initialTransition, SimulatedClock, transition } from 'xstate';
import { isAlertType } from '../../actors/notify/alertTypes.ts';
import type { Bead, BeadData } from '../../beads/index.ts';
import {
  type PositionAlertType,
  type PositionEmitted,
  type PositionEvent,
  type PositionInput,
  positionMachine,
} from '../../machines/position.ts';
import { comparablePosition, positionReplayer, positionStateOf, replayPosition } from '../../machines/positionReplay.ts';
import { type BeadEmitted, emittedBy } from '../../machines/types.ts';
import { advance, beadsFrom, decide, T0 } from './support.ts';

/** Given / when / then over the pure transition, then the timers on a live actor. */

const SCALE = 0.001;
const INPUT: PositionInput = {
  positionId: 'pos-cse-1',
  intentId: 'cse-1',
  pair: 'EURUSD',
  side: 'LONG',
  quantity: 20_000,
  plannedEntry: 1.085,
  stop: 1.082,
  target: 1.091,
  submittedAt: T0,
  timeScale: SCALE,
};

type Snapshot = ReturnType<typeof initialTransition<typeof positionMachine>>[0];
const given = (...events: PositionEvent[]): Snapshot => {
  let s = initialTransition(positionMachine, INPUT)[0];
  for (const e of events) s = transition(positionMachine, s, e)[0];
  return s;
};
const when = (s: Snapshot, e: PositionEvent) => decide<typeof positionMachine, PositionEmitted>(positionMachine, s, e);
const positionData = (emitted: PositionEmitted[]) =>
  emitted.flatMap((e) => (e.type === 'bead' && e.draft.bead_type === 'POSITION' ? [e.draft.data as BeadData<'POSITION'>] : []));
const autopsies = (emitted: PositionEmitted[]) => emitted.flatMap((e) => (e.type === 'bead' && e.draft.bead_type === 'AUTOPSY' ? [e.draft.data] : []));
const alerts = (emitted: PositionEmitted[]) => emitted.filter((e) => e.type === 'alert');

const ack = { type: 'ENTRY_ACKNOWLEDGED', at: T0 + 5 } as const;
const filled = (n: number, avgPrice = 1.0851, at = T0 + 10) => ({ type: 'ENTRY_FILLED', filled: n, avgPrice, at }) as const;
const protectedNow = { type: 'PROTECTION_WORKING', at: T0 + 12 } as const;
const exit = (n: number, avgPrice: number, by: 'STOP' | 'TARGET' | 'MANUAL', at = T0 + 60_000) => ({ type: 'EXIT_FILLED', filled: n, avgPrice, by, at }) as const;

describe('position machine (S3.3)', () => {
  it('starts SUBMITTED, recording the planned entry and the time scale so the stream replays on its own', () => {
    const s = given();
    expect(positionStateOf(s)).toBe('SUBMITTED');
    const [, actions] = initialTransition(positionMachine, INPUT);
    expect(emittedBy<BeadEmitted>(actions)[0]?.draft).toMatchObject({
      bead_type: 'POSITION',
      stream: 'position-pos-cse-1',
      correlation_id: 'cse-1',
      data: { state: 'SUBMITTED', quantity: 20_000, reason: expect.stringMatching(/^SUBMITTED entry=1\.085 scale=0\.001: LONG 20000 EURUSD/) },
    });
  });

  it('SUBMITTED → FILLED → MANAGED → CLOSED at the target, each a POSITION bead, then the AUTOPSY', () => {
    const f = when(given(ack), filled(20_000));
    expect(positionData(f.emitted)).toEqual([expect.objectContaining({ state: 'FILLED', previous_state: 'SUBMITTED', quantity: 20_000, avg_price: 1.0851 })]);
    const m = when(f.snapshot, protectedNow);
    expect(positionData(m.emitted)).toEqual([expect.objectContaining({ state: 'MANAGED', previous_state: 'FILLED' })]);
    const c = when(m.snapshot, exit(20_000, 1.091, 'TARGET'));
    expect(positionStateOf(c.snapshot)).toBe('CLOSED');
    expect(positionData(c.emitted)).toEqual([expect.objectContaining({ state: 'CLOSED', previous_state: 'MANAGED', quantity: 20_000, realised_pnl: 118 })]);
    expect(autopsies(c.emitted)).toEqual([
      {
        position_id: 'pos-cse-1',
        pair: 'EURUSD',
        side: 'LONG',
        quantity: 20_000,
        entry_price: 1.0851,
        exit_price: 1.091,
        pnl: 118,
        r_multiple: 1.9,
        duration_s: 59.99,
        slippage_pips: 1,
        exit_reason: 'TARGET',
      },
    ]);
  });

  it('SUBMITTED → PARTIAL → FILLED as the cumulative fill grows; a stale or repeated update is ignored', () => {
    const p = when(given(ack), filled(5_000));
    expect(positionData(p.emitted)).toEqual([expect.objectContaining({ state: 'PARTIAL', quantity: 5_000 })]);
    const again = when(p.snapshot, filled(5_000));
    expect(again.emitted).toEqual([]);
    const f = when(p.snapshot, filled(20_000, 1.08512, T0 + 20));
    expect(positionData(f.emitted)).toEqual([expect.objectContaining({ state: 'FILLED', previous_state: 'PARTIAL', quantity: 20_000, avg_price: 1.08512 })]);
  });

  it('a partial whose remainder is cancelled goes on as FILLED with the filled quantity', () => {
    const { snapshot, emitted } = when(given(ack, filled(5_000)), { type: 'ENTRY_CANCELLED', reason: 'remainder cancelled by IB', at: T0 + 30 });
    expect(positionStateOf(snapshot)).toBe('FILLED');
    expect(positionData(emitted)).toEqual([expect.objectContaining({ state: 'FILLED', previous_state: 'PARTIAL', quantity: 5_000 })]);
  });

  it('CV_S33_10: a broker reject ends REJECTED and raises ORDER_REJECTED; a cancel before any fill ends CANCELLED', () => {
    const r = when(given(), { type: 'ENTRY_REJECTED', reason: 'No security definition has been found (200)', at: T0 + 3 });
    expect(positionStateOf(r.snapshot)).toBe('REJECTED');
    expect(positionData(r.emitted)).toEqual([expect.objectContaining({ state: 'REJECTED', reason: 'ENTRY_REJECTED: No security definition has been found (200)' })]);
    expect(alerts(r.emitted)).toEqual([expect.objectContaining({ alertType: 'ORDER_REJECTED', correlationId: 'cse-1', message: expect.stringMatching(/No security definition/) })]);
    const c = when(given(ack), { type: 'ENTRY_CANCELLED', reason: 'halt', at: T0 + 3 });
    expect(positionStateOf(c.snapshot)).toBe('CANCELLED');
  });

  it('a manual close: MANAGED → CLOSING → CLOSED, exit reason MANUAL; a failed close goes back to where the protection says', () => {
    const closing = when(given(ack, filled(20_000), protectedNow), { type: 'CLOSE_REQUESTED', by: 'cli:alice', at: T0 + 100 });
    expect(positionData(closing.emitted)).toEqual([expect.objectContaining({ state: 'CLOSING', reason: 'CLOSE_REQUESTED: cli:alice' })]);
    const closed = when(closing.snapshot, exit(20_000, 1.0849, 'MANUAL', T0 + 200));
    expect(autopsies(closed.emitted)).toEqual([expect.objectContaining({ exit_reason: 'MANUAL', pnl: -4, r_multiple: -0.06 })]);
    const failed = when(closing.snapshot, { type: 'CLOSE_FAILED', reason: 'rejected', protectionWorking: false, at: T0 + 150 });
    expect(positionStateOf(failed.snapshot)).toBe('FILLED');
  });

  it('a short: P&L, R and slippage have the short’s sign', () => {
    const short: PositionInput = { ...INPUT, side: 'SHORT', plannedEntry: 1.085, stop: 1.088, target: 1.079 };
    let s = initialTransition(positionMachine, short)[0];
    for (const e of [ack, filled(20_000, 1.0848), protectedNow] as PositionEvent[]) s = transition(positionMachine, s, e)[0];
    const { emitted } = when(s, exit(20_000, 1.088, 'STOP'));
    expect(autopsies(emitted)).toEqual([expect.objectContaining({ pnl: -64, r_multiple: -1, slippage_pips: 2, exit_reason: 'STOP' })]);
  });

  it('ticks move the mark, not the log; the next transition’s bead carries the unrealised P&L', () => {
    const f = given(ack, filled(20_000));
    const t = when(f, { type: 'TICK', price: 1.0871, at: T0 + 11 });
    expect(t.emitted).toEqual([]);
    expect(t.snapshot.context.mark).toEqual({ price: 1.0871, at: T0 + 11 });
    expect(positionData(when(t.snapshot, protectedNow).emitted)[0]?.unrealised_pnl).toBe(40);
  });

  it('ends are final', () => {
    const closed = given(ack, filled(20_000), protectedNow, exit(20_000, 1.091, 'TARGET'));
    for (const e of [filled(30_000), protectedNow, { type: 'BROKER_CONFIRMED', at: T0 + 1 } as const, { type: 'CLOCK', at: T0 + 10_000_000 } as const]) {
      const { snapshot, emitted } = when(closed, e);
      expect(comparablePosition(snapshot)).toEqual(comparablePosition(closed));
      expect(emitted).toEqual([]);
    }
  });

  it('raises only alert types the classification table knows', () => {
    const raised: PositionAlertType[] = ['POSITION_STALLED', 'ORDER_REJECTED'];
    for (const type of raised) expect(isAlertType(type), type).toBe(true);
  });
});

describe('STALLED and its way back', () => {
  function live() {
    const clock = new SimulatedClock();
    clock.set(T0);
    const actor = createActor(positionMachine, { input: INPUT, clock });
    const emitted: PositionEmitted[] = [];
    const beads: Bead[] = [];
    actor.on('*', (e) => {
      emitted.push(e);
      beads.push(...beadsFrom([e], clock.now()));
    });
    actor.start();
    return { clock, actor, emitted, beads, state: () => positionStateOf(actor.getSnapshot()) };
  }

  it('no acknowledgement 30 s (scaled) after submit: STALLED at the deadline; the ack moves it back; replay agrees', () => {
    const p = live();
    advance(p.clock, 29);
    expect(p.state()).toBe('SUBMITTED');
    advance(p.clock, 1);
    expect(p.state()).toBe('STALLED');
    expect(p.beads.at(-1)).toMatchObject({ ts: new Date(T0 + 30).toISOString(), data: { state: 'STALLED', previous_state: 'SUBMITTED' } });
    p.actor.send({ type: 'ENTRY_ACKNOWLEDGED', at: p.clock.now() });
    expect(p.actor.getSnapshot().matches({ SUBMITTED: 'working' })).toBe(true);
    const { snapshot, anomalies } = replayPosition(p.beads);
    expect(anomalies).toEqual([]);
    expect(comparablePosition(snapshot)).toEqual(comparablePosition(p.actor.getSnapshot()));
  });

  it('a stall longer than 5 min (scaled) raises one POSITION_STALLED warning naming RB-003', () => {
    const p = live();
    advance(p.clock, 30 + 300);
    expect(alerts(p.emitted)).toEqual([expect.objectContaining({ alertType: 'POSITION_STALLED', message: expect.stringMatching(/RB-003/) })]);
    advance(p.clock, 1000);
    expect(alerts(p.emitted)).toHaveLength(1);
  });

  it('no protection 30 s after the fill, or no fill 60 s after a close: STALLED; the broker’s fact returns it to its true state', () => {
    const p = live();
    p.actor.send({ ...ack, at: T0 });
    p.actor.send(filled(20_000, 1.0851, T0));
    advance(p.clock, 30);
    expect(p.state()).toBe('STALLED');
    p.actor.send({ type: 'PROTECTION_WORKING', at: p.clock.now() });
    expect(p.state()).toBe('MANAGED');
    p.actor.send({ type: 'CLOSE_REQUESTED', by: 'cli:alice', at: p.clock.now() });
    advance(p.clock, 60);
    expect(p.state()).toBe('STALLED');
    p.actor.send({ type: 'BROKER_CONFIRMED', at: p.clock.now() });
    expect(p.state()).toBe('CLOSING');
    advance(p.clock, 60);
    p.actor.send(exit(20_000, 1.0852, 'MANUAL', p.clock.now()));
    expect(p.state()).toBe('CLOSED');
    const { snapshot, anomalies } = replayPosition(p.beads);
    expect(anomalies).toEqual([]);
    expect(comparablePosition(snapshot)).toEqual(comparablePosition(p.actor.getSnapshot()));
    expect(positionReplayer.stateAfter(p.beads)).toBe('CLOSED by MANUAL: LONG EURUSD 20000 @ 1.0851 → 1.0852, P&L 2.00 USD');
  });

  it('a CLOCK past the deadline stalls it too (a timer lost in a restart is caught by the host’s periodic check)', () => {
    const { snapshot, emitted } = when(given(), { type: 'CLOCK', at: T0 + 31 });
    expect(positionStateOf(snapshot)).toBe('STALLED');
    expect(positionData(emitted)[0]).toMatchObject({ state: 'STALLED', reason: expect.stringMatching(/^STALLED: no acknowledgement/) });
    expect(positionStateOf(when(given(), { type: 'CLOCK', at: T0 + 29 }).snapshot)).toBe('SUBMITTED');
  });

  it('the broker’s facts whole: the machine decides what they amount to, one step per telling, in its own order', () => {
    const order = (o: Partial<{ status: string; filled: number; avgPrice: number }>) => ({ acknowledged: true, filled: 0, avgPrice: undefined, ...o });
    // Given a position whose entry filled and whose stop and target work, when the facts say the stop filled in full:
    const facts = {
      entry: order({ status: 'Filled', filled: 20_000, avgPrice: 1.0851 }),
      stop: order({ status: 'Filled', filled: 20_000, avgPrice: 1.0819 }),
      target: order({ status: 'Cancelled' }),
      closes: [],
      exit: { filled: 20_000, avgPrice: 1.0819, by: 'STOP' as const },
    };
    const managed = given(ack, filled(20_000), protectedNow);
    const { snapshot, emitted } = when(managed, { type: 'BROKER_FACTS', facts, at: T0 + 60_000 });
    // Then it closes by the stop, with its autopsy.
    expect(positionStateOf(snapshot)).toBe('CLOSED');
    expect(positionData(emitted).map((d) => d.state)).toEqual(['CLOSED']);
    expect(autopsies(emitted)[0]).toMatchObject({ exit_reason: 'STOP' });
    // Given a position still awaiting its acknowledgement, the same facts first say the entry filled: one step, FILLED.
    const fresh = when(given(), { type: 'BROKER_FACTS', facts, at: T0 + 5 });
    expect(positionData(fresh.emitted).map((d) => d.state)).toEqual(['FILLED']);
    // Facts that add nothing change nothing.
    const again = when(snapshot, { type: 'BROKER_FACTS', facts, at: T0 + 60_001 });
    expect(again.emitted).toEqual([]);
  });
});
