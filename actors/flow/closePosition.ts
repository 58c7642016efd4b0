import type { OrderTicket } from '../broker/submitGuards.ts';
import { IB_ENDED_STATUSES } from '../../beads/index.ts';
import type { Logger } from '../../runtime/logger.ts';
import type { BrokerReadiness } from './brokerReadiness.ts';
import { orderRefOf } from './entryBracket.ts';
import type { FlowDeps } from './flowDeps.ts';
import type { OrderBook, OrderRecord } from './orderBook.ts';
import type { OrderRouter } from './orderRouter.ts';
import type { PositionActor } from './positionActor.ts';
import { protectionWorking } from '../../machines/positionFacts.ts';
import { factsOf } from './positionFacts.ts';
import type { Submitter } from './submitter.ts';

/**
 * A person's close (`phoenix close`), once the CLOSING bead is in, and the
 * same close carried on after a restart or a reconnect: cancel whatever of
 * the position still works at the broker (the entry's unfilled rest, the
 * stop, the target) first, so that nothing fills on top of the close, then
 * close what is open at market through the guard chain (an exit: it passes a
 * SET kill flag). It is safe to run again: a close order already on its way
 * is waited for, never doubled, and if a child fills while its cancel is on
 * its way the position closes by that fill and no close order is sent.
 */

export interface CloseDeps extends FlowDeps {
  book: OrderBook;
  router: OrderRouter;
  submitter: Submitter;
  ready: BrokerReadiness;
}

const POLL_MS = 20;

/** The order will do nothing more at the broker. */
export function orderDone(o: OrderRecord | undefined, book: OrderBook): boolean {
  return (
    o === undefined ||
    o.rejected !== undefined ||
    o.abandoned !== undefined ||
    IB_ENDED_STATUSES.has(o.status ?? '') ||
    book.executed(o).filled >= o.quantity
  );
}

/** Cancels each order that still works, recording the request before it is made, like every order message. */
export async function cancelWorking(orders: readonly (OrderRecord | undefined)[], d: CloseDeps, why: string, logger: Logger): Promise<void> {
  for (const o of orders) {
    if (o === undefined || orderDone(o, d.book)) continue;
    await d.router.record(o, { event: 'CANCEL_REQUESTED', reason: why });
    await d.broker.connector.cancelOrder(o.orderId).catch((err: Error) => logger.warn({ orderRef: o.orderRef, err: err.message }, 'cancel not sent'));
  }
}

/** The broker's confirmations come back through the order router; the wait is bounded. */
export async function waitUntilDone(d: CloseDeps, pick: () => readonly (OrderRecord | undefined)[]): Promise<boolean> {
  const deadline = Date.now() + Math.max(2_000, 10_000 * d.config.TIME_SCALE);
  for (;;) {
    if (pick().every((o) => orderDone(o, d.book))) return true;
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

export async function closePosition(position: PositionActor, by: string, d: CloseDeps): Promise<void> {
  await d.ready.whenReady();
  if (position.ended) return;
  const id = position.positionId;
  const logger = d.logger.child({ position: id });
  // A close already on its way (working at the broker, or re-sent by recovery) is waited for: there is never a second.
  const last = factsOf(d.book, id).closes.at(-1);
  if (last !== undefined && !orderDone(last, d.book)) return;
  const live = () => {
    const f = factsOf(d.book, id);
    return [f.entry, f.stop, f.target];
  };
  await cancelWorking(live(), d, `closing the position for ${by}`, logger);
  const cancelled = await waitUntilDone(d, live);
  await d.router.settled();
  const f = factsOf(d.book, id);
  const entry = f.entry;
  const open = (entry ? d.book.executed(entry).filled : 0) - f.exit.filled;
  if (position.ended || open <= 0) return;
  if (!cancelled || entry === undefined) {
    position.closeFailed('the broker did not confirm the cancel of the stop and target in time; nothing was sent', protectionWorking(f));
    return;
  }
  let orderId: number;
  try {
    [orderId] = d.broker.connector.orderIds.allocate(1) as [number];
  } catch (err) {
    position.closeFailed(`no order id for the close: ${(err as Error).message}`, false);
    return;
  }
  const ticket: OrderTicket = {
    orderId,
    orderRef: orderRefOf(id, 'CLOSE', f.closes.length + 1),
    pair: entry.pair,
    action: entry.action === 'BUY' ? 'SELL' : 'BUY',
    quantity: open,
    orderType: 'MKT',
    role: 'CLOSE',
    positionId: id,
  };
  const result = await d.submitter.submit({
    kind: 'EXIT',
    account: d.broker.account,
    orders: [ticket],
    correlationId: position.intentId,
    authority: { who: by, reason: `close position ${id}` },
  });
  if (result.outcome === 'SENT') return;
  const reason = result.outcome === 'REFUSED' ? `${result.step}: ${result.reason}` : result.reason;
  const written = d.book.byOrderRef(ticket.orderRef);
  // Written ahead but not sent: say so on the order, and the facts tell the position the close failed.
  if (written)
    await d.router.record(written, {
      event: 'CANCELLED',
      reason: `not sent: ${reason}`,
    });
  else position.closeFailed(reason, false);
}
