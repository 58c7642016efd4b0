import type { OrderTicket } from '../broker/submitGuards.ts';
import { type CloseDeps, cancelWorking, orderDone, waitUntilDone } from './closePosition.ts';
import { orderRefOf } from './entryBracket.ts';
import type { PositionActor } from './positionActor.ts';
import { factsOf } from './positionFacts.ts';

/**
 * Puts a stop and a target back for what a position holds, when the
 * machine says it is open without them (its close failed after the children
 * were cancelled, or the broker dropped them). The old ones must have ended
 * first, or the position could be closed twice; one still working is
 * cancelled and waited for. The pair goes out as an exit (it only ever
 * reduces risk, so it passes a SET kill flag) under one OCA group, with new
 * order ids and refs (`-stop-2`, `-target-2`, …), at the intent's prices.
 */
export async function protectPosition(position: PositionActor, d: CloseDeps): Promise<void> {
  await d.ready.whenReady();
  const id = position.positionId;
  const logger = d.logger.child({ position: id });
  const stillUnprotected = () => {
    const s = position.snapshot;
    return !position.ended && (position.state === 'FILLED' || (position.state === 'STALLED' && s.context.stalledFrom === 'FILLED'));
  };
  if (!stillUnprotected()) return;
  const children = () => {
    const f = factsOf(d.book, id);
    return [f.stop, f.target];
  };
  // Both alive (working, or a bracket child about to work after its parent's fill): the broker's word will tell the machine.
  if (children().every((o) => o !== undefined && !orderDone(o, d.book))) {
    position.onFacts();
    return;
  }
  await cancelWorking(children(), d, 'protecting the position again with a fresh stop and target', logger);
  if (!(await waitUntilDone(d, children))) {
    logger.error('the old stop or target did not end in time: no new protection sent');
    return;
  }
  await d.router.settled();
  const f = factsOf(d.book, id);
  const open = (f.entry ? d.book.executed(f.entry).filled : 0) - f.exit.filled;
  if (!stillUnprotected() || open <= 0 || f.entry === undefined || [f.stop, f.target].some((o) => !orderDone(o, d.book))) return;
  let ids: number[];
  try {
    ids = d.broker.connector.orderIds.allocate(2);
  } catch (err) {
    logger.error({ err: (err as Error).message }, 'no order ids for the new protection');
    return;
  }
  const c = position.snapshot.context;
  const n = d.book.ordersOf(id).filter((o) => o.role === 'STOP').length + 1;
  const action = f.entry.action === 'BUY' ? 'SELL' : 'BUY';
  const ocaGroup = `oca-${id}-${n}`;
  const common = { pair: f.entry.pair, action, quantity: open, positionId: id, ocaGroup } as const;
  const orders: [OrderTicket, OrderTicket] = [
    { ...common, orderId: ids[0]!, orderRef: orderRefOf(id, 'STOP', n), orderType: 'STP', stopPrice: c.stop, role: 'STOP' },
    { ...common, orderId: ids[1]!, orderRef: orderRefOf(id, 'TARGET', n), orderType: 'LMT', limitPrice: c.target, role: 'TARGET' },
  ];
  const result = await d.submitter.submit({
    kind: 'EXIT',
    account: d.broker.account,
    orders,
    correlationId: position.intentId,
    authority: { who: 'phoenix', reason: `protect position ${id} again: its stop and target had ended` },
  });
  if (result.outcome !== 'SENT') logger.error({ outcome: result.outcome, reason: result.reason }, 'the new protection was not sent');
  else logger.info({ refs: result.orderRefs }, 'position protected again');
}
