import { type Intent, intentSide } from '../../beads/index.ts';
import { bracketOrders, bracketSequence } from '../broker/bracket.ts';
import type { OrderTicket } from '../broker/submitGuards.ts';
import type { OrderBinding } from '../../machines/approvalVocabulary.ts';

/**
 * The bracket for an approved intent (S5.3 step 7): the entry at market, and
 * the target (limit) and the stop as OCA children that close it. Order refs
 * are derived from the position id, so the write-ahead streams
 * (`order-<ref>`) and a lookup at the broker after a crash find them again.
 */

export type BracketRole = 'ENTRY' | 'TARGET' | 'STOP';

/** The bracket's own stop and target are `-stop` and `-target`; a position protected again gets `-stop-2`, `-target-2`, …; closes are numbered from 1. */
export const orderRefOf = (positionId: string, role: BracketRole | 'CLOSE', n = 1) =>
  role === 'CLOSE' ? `${positionId}-close-${n}` : n > 1 ? `${positionId}-${role.toLowerCase()}-${n}` : `${positionId}-${role.toLowerCase()}`;

/** ORDER_UNITS, never above MAX_ORDER_UNITS (the config check refuses that too; this is the belt to its braces). */
export function unitsFor(config: { ORDER_UNITS: number; MAX_ORDER_UNITS: number }): number {
  return Math.min(config.ORDER_UNITS, config.MAX_ORDER_UNITS);
}

/** The position an intent opens is named after it: one intent, one position, one story. */
export function positionIdOf(intentId: string): string {
  return intentId;
}

/** Three tickets in wire order (entry, target, stop: the last one transmits all three). `ids` are three fresh order ids. */
export function entryBracket(intent: Intent, units: number, ids: readonly [number, number, number]): [OrderTicket, OrderTicket, OrderTicket] {
  const positionId = positionIdOf(intent.intent_id);
  const long = intentSide(intent) === 'LONG';
  const open = long ? 'BUY' : 'SELL';
  const close = long ? 'SELL' : 'BUY';
  const common = { pair: intent.pair, quantity: units, positionId };
  const bracket = bracketOrders({
    entry: {
      ...common,
      orderId: ids[0],
      orderRef: orderRefOf(positionId, 'ENTRY'),
      action: open,
      orderType: 'MKT',
    },
    target: {
      ...common,
      orderId: ids[1],
      orderRef: orderRefOf(positionId, 'TARGET'),
      action: close,
      limitPrice: intent.target,
    },
    stop: {
      ...common,
      orderId: ids[2],
      orderRef: orderRefOf(positionId, 'STOP'),
      action: close,
      stopPrice: intent.stop,
    },
  });
  return bracketSequence(bracket);
}

/** The exact order an approval shows and a person approves (issue 17): what the decision and the token are bound to. */
export function bindingFor(intent: Intent, units: number, account: string): OrderBinding {
  const positionId = positionIdOf(intent.intent_id);
  return {
    account,
    pair: intent.pair,
    action: intentSide(intent) === 'LONG' ? 'BUY' : 'SELL',
    units,
    entry: intent.entry,
    stop: intent.stop,
    target: intent.target,
    order_refs: { entry: orderRefOf(positionId, 'ENTRY'), target: orderRefOf(positionId, 'TARGET'), stop: orderRefOf(positionId, 'STOP') },
  };
}
