/**
 * Helpers for tests of how orders end at the gateway simulator: leave a
 * filled order, a cancelled child and a still-open order behind, then read
 * them back with reqCompletedOrders as a recovering client would.
 *
 *   const refs = await leaveFinishedOrders(client, 'v193');
 *   const done = await completedOrders(otherClient);
 *   expect(done.find((o) => o.order.orderRef === refs.filled)?.orderState.status).toBe('Filled');
 */
import { type Contract, EventName, type Order, OrderAction, type OrderState, OrderType } from '@stoqey/ib';
import type { IbTestClient } from './gatewaySimClient.ts';
import { EURUSD, marketOrder } from './gatewaySimScript.ts';

export interface CompletedOrder {
  contract: Contract;
  order: Order;
  orderState: OrderState;
}

export interface FinishedOrderRefs {
  /** A held MKT parent, filled once its child transmitted it. */
  filled: string;
  /** The parent's LMT child, cancelled while working. */
  cancelled: string;
  /** A resting LMT that is still working: never a completed order. */
  open: string;
  /** The order ids used, parent first. */
  ids: [number, number, number];
}

/** Places the three orders and waits until each is in its state. Uses three ids from the client's nextValidId. */
export async function leaveFinishedOrders(client: IbTestClient, tag: string): Promise<FinishedOrderRefs> {
  const ib = client.ib;
  const since = client.mark();
  ib.reqIds();
  const [next] = await client.waitFor(EventName.nextValidId, undefined, { since });
  const id = Number(next);
  const refs: FinishedOrderRefs = {
    filled: `${tag}-filled`,
    cancelled: `${tag}-cancelled`,
    open: `${tag}-open`,
    ids: [id, id + 1, id + 2],
  };
  ib.placeOrder(id, EURUSD, marketOrder(OrderAction.BUY, 2000, { orderRef: refs.filled, transmit: false }));
  const child: Order = {
    ...marketOrder(OrderAction.SELL, 2000, { orderRef: refs.cancelled, parentId: id }),
    orderType: OrderType.LMT,
    lmtPrice: 2,
  };
  ib.placeOrder(id + 1, EURUSD, child);
  await client.waitFor(EventName.orderStatus, ([orderId, status]) => orderId === id + 1 && status === 'Submitted');
  ib.cancelOrder(id + 1);
  await client.waitFor(EventName.orderStatus, ([orderId, status]) => orderId === id + 1 && status === 'Cancelled');
  ib.placeOrder(id + 2, EURUSD, { ...marketOrder(OrderAction.BUY, 1000, { orderRef: refs.open }), orderType: OrderType.LMT, lmtPrice: 0.5 });
  await client.waitFor(EventName.orderStatus, ([orderId, status]) => orderId === id + 2 && status === 'Submitted');
  return refs;
}

/** Asks for the completed orders and waits for completedOrdersEnd. */
export async function completedOrders(client: IbTestClient, apiOnly = false): Promise<CompletedOrder[]> {
  const since = client.mark();
  client.ib.reqCompletedOrders(apiOnly);
  await client.waitFor(EventName.completedOrdersEnd, undefined, { since });
  return client
    .argsOf(EventName.completedOrder, since)
    .map(([contract, order, orderState]) => ({ contract, order, orderState }) as CompletedOrder);
}

/** The completed order with this orderRef, or undefined. */
export function byRef(list: readonly CompletedOrder[], orderRef: string): CompletedOrder | undefined {
  return list.find((c) => c.order.orderRef === orderRef);
}

/** IB's time form, as the simulator writes it: `20240115 10:30:00 UTC`. */
export const IB_TIME = /^\d{8} \d{2}:\d{2}:\d{2} UTC$/;
