import { initialTransition, transition } from 'xstate';
import type { Bead } from '../../beads/index.ts';
import { type PositionEmitted, type PositionEvent, positionMachine } from '../../machines/position.ts';
import { emittedBy } from '../../machines/types.ts';
import { beadsFrom } from '../machines/support.ts';

/** A paper position's whole life (SUBMITTED → FILLED → MANAGED → CLOSED by its target), as the machine writes it. */
export function paperRoundTrip(id: string, at: number): Bead[] {
  const input = { positionId: id, intentId: id, pair: 'EURUSD', side: 'LONG', quantity: 20_000, plannedEntry: 1.085, stop: 1.082, target: 1.091, submittedAt: at } as const;
  let [s, actions] = initialTransition(positionMachine, input);
  const out = beadsFrom(emittedBy<PositionEmitted>(actions), at);
  const events: PositionEvent[] = [
    { type: 'ENTRY_FILLED', filled: 20_000, avgPrice: 1.0851, at: at + 100 },
    { type: 'PROTECTION_WORKING', at: at + 200 },
    { type: 'EXIT_FILLED', filled: 20_000, avgPrice: 1.091, by: 'TARGET', at: at + 300 },
  ];
  for (const e of events) {
    [s, actions] = transition(positionMachine, s, e);
    out.push(...beadsFrom(emittedBy<PositionEmitted>(actions), e.at));
  }
  return out;
}
