import type { OrderBinding } from '../../machines/approvalVocabulary.ts';
/** The fields of an order ticket (submitGuards.ts) this guard reads. */
interface OrderTicket {
  orderId: number;
  orderRef: string;
  pair: string;
  action: 'BUY' | 'SELL';
  quantity: number;
  orderType: string;
  limitPrice?: number;
  stopPrice?: number;
  role: string;
  parentId?: number;
}

/**
 * The token step's hold on the tickets (issue 17): an entry bracket goes out
 * only as exactly the order a person approved. Account, pair, side and units
 * on every ticket; the entry at market, the target a limit at the approved
 * target, the stop a stop at the approved stop, both closing the entry and
 * hanging on it; and the three order refs that were shown, no more.
 */
export function bracketProblem(binding: OrderBinding, account: string, tickets: readonly OrderTicket[]): string | undefined {
  if (account !== binding.account) return `account ${account} is not the approved ${binding.account}`;
  const refs = binding.order_refs;
  if (tickets.length !== 3) return `${tickets.length} ticket(s), not the approved bracket of three`;
  const byRef = new Map(tickets.map((t) => [t.orderRef, t]));
  const entry = byRef.get(refs.entry);
  const target = byRef.get(refs.target);
  const stop = byRef.get(refs.stop);
  if (!entry || !target || !stop) return `order refs ${tickets.map((t) => t.orderRef).join(', ')} are not the approved ${refs.entry}, ${refs.target}, ${refs.stop}`;
  const close = binding.action === 'BUY' ? 'SELL' : 'BUY';
  for (const t of tickets) {
    if (t.pair !== binding.pair) return `${t.orderRef} is on ${t.pair}, not the approved ${binding.pair}`;
    if (t.quantity !== binding.units) return `${t.orderRef} is for ${t.quantity} units, not the approved ${binding.units}`;
  }
  if (entry.role !== 'ENTRY' || entry.action !== binding.action || entry.orderType !== 'MKT') return `${entry.orderRef} is not the approved ${binding.action} at market`;
  if (target.role !== 'TARGET' || target.action !== close || target.orderType !== 'LMT' || target.limitPrice !== binding.target || target.parentId !== entry.orderId) {
    return `${target.orderRef} is not the approved ${close} limit at ${binding.target} under the entry`;
  }
  if (stop.role !== 'STOP' || stop.action !== close || stop.orderType !== 'STP' || stop.stopPrice !== binding.stop || stop.parentId !== entry.orderId) {
    return `${stop.orderRef} is not the approved ${close} stop at ${binding.stop} under the entry`;
  }
  return undefined;
}

/** MAX_ORDER_UNITS on every ticket, whatever it is: entries, children, re-sends, closes, flattens. */
export function unitsProblem(tickets: readonly OrderTicket[], maxUnits: number): string | undefined {
  const over = tickets.find((t) => !Number.isFinite(t.quantity) || t.quantity <= 0 || t.quantity > maxUnits);
  return over ? `${over.orderRef} is for ${over.quantity} units; MAX_ORDER_UNITS is ${maxUnits}` : undefined;
}
