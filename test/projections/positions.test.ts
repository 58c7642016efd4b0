import { describe, expect, it } from 'vitest';
import { createActor, SimulatedClock } from 'xstate';
import type { Bead } from '../../beads/index.ts';
import { type PositionEvent, type PositionInput, positionMachine } from '../../machines/position.ts';
import { foldAllPositions, holdsUnits, localReconPositions, markToMarket, openPositions } from '../../projections/positions.ts';
import { beadsFrom, T0 } from '../machines/support.ts';

/** The positions view is read from the very beads the position machine writes. */
function run(input: Partial<PositionInput>, events: PositionEvent[]): Bead[] {
  const clock = new SimulatedClock();
  clock.set(T0);
  const actor = createActor(positionMachine, {
    clock,
    input: { positionId: 'p', intentId: 'i', pair: 'EURUSD', side: 'LONG', quantity: 20_000, plannedEntry: 1.085, stop: 1.082, target: 1.091, submittedAt: T0, ...input },
  });
  const beads: Bead[] = [];
  actor.on('*', (e) => beads.push(...beadsFrom([e], T0)));
  actor.start();
  for (const e of events) actor.send(e);
  return beads;
}

const fill = (filled: number, avgPrice: number): PositionEvent => ({ type: 'ENTRY_FILLED', filled, avgPrice, at: T0 + 1 });

describe('positions view', () => {
  it('open positions hold signed units for reconciliation; a submitted one holds none yet; closed ones are gone', () => {
    const beads = [
      ...run({ positionId: 'long' }, [fill(20_000, 1.0851), { type: 'PROTECTION_WORKING', at: T0 + 2 }]),
      ...run({ positionId: 'short', pair: 'USDJPY', side: 'SHORT', plannedEntry: 150.2, stop: 150.5, target: 149.6 }, [fill(5_000, 150.21)]),
      ...run({ positionId: 'waiting' }, []),
      ...run({ positionId: 'done' }, [fill(20_000, 1.0851), { type: 'EXIT_FILLED', filled: 20_000, avgPrice: 1.09, by: 'FLATTEN', at: T0 + 3 }]),
    ];
    const view = foldAllPositions(beads);
    expect(openPositions(view).map((p) => [p.position_id, p.state])).toEqual([
      ['long', 'MANAGED'],
      ['short', 'PARTIAL'],
      ['waiting', 'SUBMITTED'],
    ]);
    expect(localReconPositions(view)).toEqual([
      { pair: 'EURUSD', quantity: 20_000, avg_price: 1.0851 },
      { pair: 'USDJPY', quantity: -5_000, avg_price: 150.21 },
    ]);
    const done = view.byId.get('done');
    expect(done).toMatchObject({ state: 'CLOSED', realised_pnl: 98, exit_reason: 'FLATTEN', intent_id: 'i', mode: 'PAPER' });
    expect(holdsUnits(done!)).toBe(false);
  });

  it('marks open units to a tick: paper P&L from the log and a price', () => {
    const view = foldAllPositions(run({}, [fill(20_000, 1.0851)]));
    const p = view.byId.get('p')!;
    expect(markToMarket(p, 1.0871)).toBe(40);
    expect(markToMarket(foldAllPositions(run({}, [])).byId.get('p')!, 1.0871)).toBeUndefined();
  });
});
