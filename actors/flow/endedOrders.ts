import type { ResyncResult } from '../broker/resync.ts';
import type { OrderBook } from './orderBook.ts';
import type { OrderRouter } from './orderRouter.ts';

/**
 * Learns how every order ended while Phoenix was not listening (S3.1 step 2):
 * an entry that filled, an OCA sibling the broker cancelled when the other
 * filled, a close that filled, all while the host was down or the link was
 * lost. IB reports them only as completed orders, matched by orderRef (it
 * gives no order id). Each order the log still holds as working that the
 * broker lists as completed gets a STATUS bead with its final status, so no
 * projection keeps it working for ever and reconciliation can match.
 */
export async function recordEndedOrders(resync: ResyncResult, book: OrderBook, router: OrderRouter): Promise<string[]> {
  const stillOpen = new Set(resync.openOrders.flatMap((o) => (o.orderRef ? [o.orderRef] : [])));
  // An order sent twice under one ref (a re-send the broker refused as 103) is listed twice; the one that did more counts.
  const completed = new Map<string, ResyncResult['completedOrders'][number]>();
  for (const c of resync.completedOrders) {
    if (!c.orderRef) continue;
    const before = completed.get(c.orderRef);
    if (before === undefined || c.filled > before.filled) completed.set(c.orderRef, c);
  }
  const recorded: string[] = [];
  for (const o of book.unfinished()) {
    const ended = completed.get(o.orderRef);
    if (ended === undefined || stillOpen.has(o.orderRef)) continue;
    await router.record(o, {
      event: 'STATUS',
      status: ended.status,
      filled: Math.max(ended.filled, o.filled),
      remaining: Math.max(0, o.quantity - ended.filled),
      reason: `ended at the broker while Phoenix was not listening (${ended.completedStatus ?? ended.status})`,
      ...(ended.permId ? { perm_id: ended.permId } : {}),
    });
    recorded.push(o.orderRef);
  }
  return recorded;
}
