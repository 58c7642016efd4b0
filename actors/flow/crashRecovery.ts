import type { ResyncResult } from '../broker/resync.ts';
import type { OrderTicket } from '../broker/submitGuards.ts';
import type { Logger } from '../../runtime/logger.ts';
import type { OrderBook, OrderRecord } from './orderBook.ts';
import type { OrderRouter } from './orderRouter.ts';

/**
 * No duplicate orders across crashes (S4.2). An order whose write-ahead bead
 * is in the log but that the broker never acknowledged may or may not have
 * reached the broker before the host died. It is looked up there first, by
 * its orderRef, in the open orders, the completed orders and the executions
 * of the startup resync:
 *
 * - found: the broker has it (or had it, and it ended); a RECOVERED bead
 *   records what the broker says, and nothing is sent again;
 * - not found anywhere, for a whole bracket: it never arrived. The flow may
 *   send exactly the recorded tickets again (same order ids, same refs, so
 *   the broker itself would refuse a true duplicate as 103) through the
 *   guard chain, if the approval still allows it;
 * - not found, for exits (a close, a flatten, a stop and target put back):
 *   they are sent again exactly as recorded, as exits, since a started close
 *   is finished after a restart (S3.3);
 * - otherwise it is given up, with a CANCELLED bead saying why.
 */

export interface RecoveryPorts {
  book: OrderBook;
  router: OrderRouter;
  logger: Logger;
  /**
   * Sends a bracket that never reached the broker again, if the approval still
   * allows it; resolves with why not otherwise.
   */
  resendEntry(positionId: string, tickets: OrderTicket[]): Promise<Resent>;
  /** Sends exits (a close, protection) that never reached the broker again, exactly as written ahead. */
  resendExit(positionId: string, tickets: OrderTicket[]): Promise<Resent>;
}

export type Resent = { sent: true } | { sent: false; why: string };

export interface RecoveryReport {
  found: string[];
  resent: string[];
  abandoned: string[];
}

/** The ticket exactly as it was written ahead; bracket members keep IB's transmit rule (the last child releases the rest). */
export function ticketOf(o: OrderRecord): OrderTicket {
  return {
    orderId: o.orderId,
    orderRef: o.orderRef,
    pair: o.pair,
    action: o.action,
    quantity: o.quantity,
    orderType: o.orderType,
    role: o.role,
    positionId: o.positionId,
    transmit: o.role !== 'ENTRY' && o.role !== 'TARGET',
    ...(o.limitPrice === undefined ? {} : { limitPrice: o.limitPrice }),
    ...(o.stopPrice === undefined ? {} : { stopPrice: o.stopPrice }),
    ...(o.parentId === undefined ? {} : { parentId: o.parentId }),
    ...(o.ocaGroup === undefined ? {} : { ocaGroup: o.ocaGroup }),
  };
}

export async function recoverUnacknowledged(resync: ResyncResult, p: RecoveryPorts): Promise<RecoveryReport> {
  const report: RecoveryReport = { found: [], resent: [], abandoned: [] };
  const pending = p.book.unacknowledged();
  if (pending.length === 0) return report;
  const open = new Map(resync.openOrders.filter((o) => o.orderRef).map((o) => [o.orderRef!, o]));
  const completed = new Map(resync.completedOrders.filter((o) => o.orderRef).map((o) => [o.orderRef!, o]));
  const executed = new Map<string, number>();
  for (const e of resync.executions) if (e.orderRef) executed.set(e.orderRef, (executed.get(e.orderRef) ?? 0) + e.quantity);

  const byPosition = new Map<string, OrderRecord[]>();
  for (const o of pending) byPosition.set(o.positionId, [...(byPosition.get(o.positionId) ?? []), o]);
  for (const [positionId, orders] of byPosition) {
    const seen = orders.filter((o) => open.has(o.orderRef) || completed.has(o.orderRef) || executed.has(o.orderRef));
    for (const o of seen) {
      const atBroker = open.get(o.orderRef) ?? completed.get(o.orderRef);
      const filled = Math.max(atBroker?.filled ?? 0, executed.get(o.orderRef) ?? 0);
      await p.router.record(o, {
        event: 'RECOVERED',
        status: atBroker?.status ?? (filled >= o.quantity ? 'Filled' : 'Submitted'),
        filled,
        reason: 'found at the broker after a restart (by orderRef, in its open or completed orders or its executions): not sent again',
        ...(atBroker?.permId ? { perm_id: atBroker.permId } : {}),
      });
      report.found.push(o.orderRef);
    }
    const missing = orders.filter((o) => !seen.includes(o));
    if (missing.length === 0) continue;
    const wholeBracket = seen.length === 0 && missing.some((o) => o.role === 'ENTRY');
    // A bracket's own child hangs on its parent and goes only with it; a close or a stop put back stands alone.
    const exitsOnly = !wholeBracket && !orders.some((o) => o.role === 'ENTRY') && missing.every((o) => o.role !== 'ENTRY' && o.parentId === undefined);
    let why = seen.length > 0 ? 'part of its bracket reached the broker, this order did not: not sent again' : 'not found at the broker after a restart';
    if (exitsOnly) {
      const tickets = [...missing].sort((a, b) => a.orderId - b.orderId).map((o) => ({ ...ticketOf(o), transmit: true }));
      p.logger.warn({ positionId, refs: tickets.map((t) => t.orderRef) }, 'exits written ahead never reached the broker; sending them again as recorded');
      const outcome = await p.resendExit(positionId, tickets);
      if (outcome.sent) {
        report.resent.push(...tickets.map((t) => t.orderRef));
        continue;
      }
      why = `never reached the broker, and not sent again: ${outcome.why}`;
    } else if (wholeBracket) {
      const sorted = [...missing].sort((a, b) => a.orderId - b.orderId);
      const tickets = sorted.map(ticketOf);
      p.logger.warn(
        { positionId, refs: tickets.map((t) => t.orderRef) },
        'a bracket written ahead never reached the broker; sending it again if the approval allows',
      );
      const outcome = await p.resendEntry(positionId, tickets);
      if (outcome.sent) {
        report.resent.push(...tickets.map((t) => t.orderRef));
        continue;
      }
      why = `never reached the broker, and not sent again: ${outcome.why}`;
    }
    for (const o of missing) {
      await p.router.record(o, { event: 'CANCELLED', reason: why });
      report.abandoned.push(o.orderRef);
    }
  }
  return report;
}
