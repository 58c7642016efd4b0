import { IB_ENDED_STATUSES } from '../beads/index.ts';
import type { OrderFact, PositionContext, PositionEvent, PositionFacts, PositionPhase } from './positionVocabulary.ts';

/**
 * What the broker has said about one position's orders, and the one machine
 * event that says it next. The position machine takes the facts whole
 * (BROKER_FACTS) and decides here which of its events they amount to; the
 * actor only gathers the facts from the order book and asks again until
 * nothing is left to say. So facts may arrive in any order (a child's
 * "working" before the entry's fill, a fill recovered after a restart) and
 * the machine still hears them in the order of its own diagram.
 */

const ended = (o: OrderFact | undefined) =>
  o !== undefined && (o.rejected !== undefined || o.abandoned !== undefined || (o.status !== undefined && IB_ENDED_STATUSES.has(o.status)));
const working = (o: OrderFact | undefined) => o !== undefined && o.status === 'Submitted' && o.rejected === undefined;
const failedUnfilled = (o: OrderFact | undefined) => o !== undefined && o.filled === 0 && ended(o);

export interface MachineView {
  phase: PositionPhase;
  /** SUBMITTED's sub-state: the entry not yet acknowledged. */
  awaitingAck: boolean;
  context: Pick<PositionContext, 'filledQty' | 'exitQty' | 'stalledFrom' | 'orderedQty'>;
}

/** The true state a STALLED position stands for: the same facts move it as they would that state. */
function effectivePhase(m: MachineView): PositionPhase {
  return m.phase === 'STALLED' ? (m.context.stalledFrom ?? 'SUBMITTED') : m.phase;
}

export function protectionWorking(f: PositionFacts): boolean {
  return working(f.stop) && working(f.target);
}

export function nextEvent(m: MachineView, f: PositionFacts, at: number): PositionEvent | undefined {
  const phase = effectivePhase(m);
  const c = m.context;
  const entry = f.entry;
  if (phase === 'SUBMITTED' || phase === 'PARTIAL') {
    if (entry === undefined) return undefined;
    if (entry.rejected && entry.filled === 0 && c.filledQty === 0) return { type: 'ENTRY_REJECTED', reason: entry.rejected.reason, at };
    if (entry.filled > c.filledQty)
      return {
        type: 'ENTRY_FILLED',
        filled: entry.filled,
        avgPrice: entry.avgPrice ?? 0,
        at,
      };
    if (ended(entry) && entry.status !== 'Filled') {
      const reason = entry.rejected?.reason ?? entry.abandoned ?? `the broker reports the entry ${entry.status ?? 'ended'}`;
      return entry.rejected && c.filledQty === 0 ? { type: 'ENTRY_REJECTED', reason, at } : { type: 'ENTRY_CANCELLED', reason, at };
    }
    if ((m.awaitingAck || m.phase === 'STALLED') && phase === 'SUBMITTED' && entry.acknowledged) return { type: 'ENTRY_ACKNOWLEDGED', at };
    return undefined;
  }
  if (phase === 'CLOSING' && entry !== undefined) {
    // A close asked for before the entry finished: its late fill is closed too; an entry that ends unfilled ends it all.
    if (entry.filled > c.filledQty) return { type: 'ENTRY_FILLED', filled: entry.filled, avgPrice: entry.avgPrice ?? 0, at };
    if (c.filledQty === 0 && entry.filled === 0 && ended(entry)) {
      const reason = entry.rejected?.reason ?? entry.abandoned ?? `the broker reports the entry ${entry.status ?? 'ended'}`;
      return entry.rejected ? { type: 'ENTRY_REJECTED', reason, at } : { type: 'ENTRY_CANCELLED', reason, at };
    }
  }
  if (f.exit.filled > c.exitQty && f.exit.by !== undefined) {
    return {
      type: 'EXIT_FILLED',
      filled: f.exit.filled,
      avgPrice: f.exit.avgPrice ?? 0,
      by: f.exit.by,
      at,
    };
  }
  if (phase === 'FILLED' && protectionWorking(f)) return { type: 'PROTECTION_WORKING', at };
  if (phase === 'MANAGED' && f.exit.filled === 0 && (failedUnfilled(f.stop) || failedUnfilled(f.target))) {
    return {
      type: 'PROTECTION_LOST',
      reason: `the ${failedUnfilled(f.stop) ? 'stop' : 'target'} is no longer working at the broker`,
      at,
    };
  }
  const lastClose = f.closes[f.closes.length - 1];
  if (phase === 'CLOSING' && failedUnfilled(lastClose)) {
    const why = lastClose?.rejected?.reason ?? lastClose?.abandoned ?? `the close order ended ${lastClose?.status ?? ''}`;
    return {
      type: 'CLOSE_FAILED',
      reason: why,
      protectionWorking: protectionWorking(f),
      at,
    };
  }
  return undefined;
}
