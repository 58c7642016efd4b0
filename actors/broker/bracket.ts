import type { BracketOrders } from './connector.ts';
import type { OrderTicket } from './submitGuards.ts';

/**
 * IB's bracket rules: the parent goes first with transmit=false, the children
 * name it as `parentId` and share an OCA group (one fills, the other is
 * cancelled), the first child also goes with transmit=false, and the last
 * child goes with transmit=true, which releases all three at once. If the
 * last child never arrives, nothing is working at the broker: that is the
 * point of holding the others.
 */

export interface BracketSpec {
  entry: Omit<OrderTicket, 'parentId' | 'ocaGroup' | 'transmit' | 'role'>;
  target: Omit<OrderTicket, 'parentId' | 'ocaGroup' | 'transmit' | 'role' | 'orderType'> & { limitPrice: number };
  stop: Omit<OrderTicket, 'parentId' | 'ocaGroup' | 'transmit' | 'role' | 'orderType'> & { stopPrice: number };
}

export function ocaGroupOf(entryOrderId: number): string {
  return `oca-${entryOrderId}`;
}

/** The three tickets of a bracket, with roles, links and transmit flags set. */
export function bracketOrders(spec: BracketSpec): BracketOrders {
  const parentId = spec.entry.orderId;
  const ocaGroup = ocaGroupOf(parentId);
  return {
    entry: { ...spec.entry, role: 'ENTRY', transmit: false },
    target: { ...spec.target, orderType: 'LMT', role: 'TARGET', parentId, ocaGroup, transmit: false },
    stop: { ...spec.stop, orderType: 'STP', role: 'STOP', parentId, ocaGroup, transmit: true },
  };
}

/** The order they go on the wire in: parent, first child, last (transmitting) child. */
export function bracketSequence(b: BracketOrders): [OrderTicket, OrderTicket, OrderTicket] {
  return [
    { ...b.entry, transmit: false },
    { ...b.target, parentId: b.entry.orderId, transmit: false },
    { ...b.stop, parentId: b.entry.orderId, transmit: true },
  ];
}

/** Why these three cannot be a bracket, or undefined if they can. */
export function bracketProblem(b: BracketOrders): string | undefined {
  const { entry, target, stop } = b;
  if (entry.pair !== target.pair || entry.pair !== stop.pair) return 'the three orders of a bracket must be on one pair';
  if (target.action === entry.action || stop.action === entry.action) return 'the target and the stop must close the entry (opposite side)';
  if (target.quantity !== entry.quantity || stop.quantity !== entry.quantity) return 'the target and the stop must match the entry quantity';
  if (target.limitPrice === undefined) return 'the target needs a limit price';
  if (stop.stopPrice === undefined) return 'the stop needs a stop price';
  const ids = new Set([entry.orderId, target.orderId, stop.orderId]);
  if (ids.size !== 3) return 'the three orders need three distinct order ids';
  const long = entry.action === 'BUY';
  if (long ? !(target.limitPrice > stop.stopPrice) : !(target.limitPrice < stop.stopPrice)) {
    return `the target (${target.limitPrice}) must be on the profit side of the stop (${stop.stopPrice})`;
  }
  return undefined;
}
