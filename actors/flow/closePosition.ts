import type { OrderTicket } from '../broker/submitGuards.ts';
import type { Logger } from '../logger.ts';
import { orderRefOf } from './entryBracket.ts';
import type { FlowDeps } from './flowDeps.ts';
import type { OrderBook, OrderRecord } from './orderBook.ts';
import type { OrderRouter } from './orderRouter.ts';
import type { PositionActor } from './positionActor.ts';
import { factsOf, protectionWorking } from './positionFacts.ts';
import type { Submitter } from './submitter.ts';

/**
 * A person's close (`phoenix close`), once the CLOSING bead is in: cancel
 * the bracket's stop and target first, so that no child can fill on top of
 * the close, then close what is still open at market through the guard chain
 * (an exit: it passes a SET kill flag). If a child fills while its cancel is
 * on its way, the position closes by that fill and no close order is sent.
 */

export interface CloseDeps extends FlowDeps {
  book: OrderBook;
  router: OrderRouter;
  submitter: Submitter;
}

const POLL_MS = 20;

function done(o: OrderRecord | undefined, book: OrderBook): boolean {
  return (
    o === undefined ||
    o.rejected !== undefined ||
    o.abandoned !== undefined ||
    ['Filled', 'Cancelled', 'ApiCancelled', 'Inactive'].includes(o.status ?? '') ||
    book.executed(o).filled >= o.quantity
  );
}

async function cancelChildren(position: PositionActor, d: CloseDeps, by: string, logger: Logger): Promise<boolean> {
  const children = factsOf(d.book, position.positionId);
  for (const child of [children.stop, children.target]) {
    if (child === undefined || done(child, d.book)) continue;
    // The request is recorded before it is made, like every order message.
    await d.router.record(child, {
      event: 'CANCEL_REQUESTED',
      reason: `closing the position for ${by}`,
    });
    await d.broker.connector.cancelOrder(child.orderId).catch((err: Error) => logger.warn({ orderRef: child.orderRef, err: err.message }, 'cancel not sent'));
  }
  // The broker's confirmations come back through the order router; the wait is bounded.
  const deadline = Date.now() + Math.max(2_000, 10_000 * d.config.TIME_SCALE);
  for (;;) {
    const f = factsOf(d.book, position.positionId);
    if (done(f.stop, d.book) && done(f.target, d.book)) return true;
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

export async function closePosition(position: PositionActor, by: string, d: CloseDeps): Promise<void> {
  const logger = d.logger.child({ position: position.positionId });
  const cancelled = await cancelChildren(position, d, by, logger);
  await d.router.settled();
  const f = factsOf(d.book, position.positionId);
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
    orderRef: orderRefOf(position.positionId, 'CLOSE', f.closes.length + 1),
    pair: entry.pair,
    action: entry.action === 'BUY' ? 'SELL' : 'BUY',
    quantity: open,
    orderType: 'MKT',
    role: 'CLOSE',
    positionId: position.positionId,
  };
  const result = await d.submitter.submit({
    kind: 'EXIT',
    account: d.broker.account,
    orders: [ticket],
    correlationId: position.intentId,
    authority: { who: by, reason: `close position ${position.positionId}` },
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
