import type { ExitReason } from '../../machines/position.ts';
import type { PositionFacts } from '../../machines/positionVocabulary.ts';
import type { OrderBook, OrderRecord } from './orderBook.ts';

/**
 * The broker's facts about one position, gathered from the order book for
 * the position machine (machines/positionFacts.ts decides what they mean).
 */

interface Executed {
  filled: number;
  avgPrice: number | undefined;
}

export type OrderFacts = PositionFacts<OrderRecord & Executed>;

const EXIT_BY: Record<string, ExitReason> = {
  STOP: 'STOP',
  TARGET: 'TARGET',
  CLOSE: 'MANUAL',
  FLATTEN: 'FLATTEN',
};

export function factsOf(book: OrderBook, positionId: string): OrderFacts {
  const orders = book.ordersOf(positionId).map((o) => ({ ...o, ...book.executed(o) }));
  // The latest of a role: a position protected again after its bracket's children ended has a second stop and target.
  const one = (role: string) => orders.filter((o) => o.role === role).at(-1);
  const exits = orders.filter((o) => o.role !== 'ENTRY' && o.filled > 0);
  const filled = exits.reduce((s, o) => s + o.filled, 0);
  const value = exits.reduce((s, o) => s + o.filled * (o.avgPrice ?? 0), 0);
  // The exit that did most of the work names the exit; a stop or target that filled wins over a partial close.
  const main = [...exits].sort((a, b) => b.filled - a.filled)[0];
  const facts: OrderFacts = {
    closes: orders.filter((o) => o.role === 'CLOSE' || o.role === 'FLATTEN'),
    exit: {
      filled,
      avgPrice: filled > 0 ? value / filled : undefined,
      by: main ? EXIT_BY[main.role] : undefined,
    },
  };
  const entry = one('ENTRY');
  const stop = one('STOP');
  const target = one('TARGET');
  if (entry) facts.entry = entry;
  if (stop) facts.stop = stop;
  if (target) facts.target = target;
  return facts;
}

