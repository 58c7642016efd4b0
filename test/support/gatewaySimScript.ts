/**
 * A session that makes the gateway simulator send every message type it
 * knows, for the conformance tests. The same script runs against an
 * in-process simulator and against one in its own process; `SimKnobs` hides
 * which.
 */
import { EventName, type Contract, type Order, OrderAction, OrderType, SecType } from '@stoqey/ib';
import type { IbTestClient } from './gatewaySimClient.ts';

export interface SimKnobs {
  rejectNextOrder(): Promise<void>;
  setPrice(pair: string, price: number): Promise<void>;
}

export const EURUSD: Contract = { symbol: 'EUR', currency: 'USD', secType: SecType.CASH, exchange: 'IDEALPRO' };
export const GBPUSD: Contract = { symbol: 'GBP', currency: 'USD', secType: SecType.CASH, exchange: 'IDEALPRO' };
export const UNKNOWN: Contract = { symbol: 'XXX', currency: 'USD', secType: SecType.CASH, exchange: 'IDEALPRO' };

export function marketOrder(action: OrderAction, quantity: number, extra: Partial<Order> = {}): Order {
  return { action, orderType: OrderType.MKT, totalQuantity: quantity, transmit: true, ...extra };
}

/** Every event name the script must see; a missing one means a message never arrived. */
export const EXPECTED_EVENTS = [
  EventName.managedAccounts,
  EventName.nextValidId,
  EventName.info,
  EventName.currentTime,
  EventName.accountSummary,
  EventName.accountSummaryEnd,
  EventName.position,
  EventName.positionEnd,
  EventName.openOrder,
  EventName.orderStatus,
  EventName.openOrderEnd,
  EventName.execDetails,
  EventName.execDetailsEnd,
  EventName.commissionReport,
  EventName.tickPrice,
  EventName.tickSize,
  EventName.tickReqParams,
  EventName.marketDataType,
  EventName.tickSnapshotEnd,
  EventName.contractDetails,
  EventName.contractDetailsEnd,
  EventName.updateAccountValue,
  EventName.updatePortfolio,
  EventName.updateAccountTime,
  EventName.accountDownloadEnd,
  EventName.accountUpdateMulti,
  EventName.accountUpdateMultiEnd,
  EventName.error,
] as const;

/** @stoqey/ib refuses to send reqCompletedOrders below server version 150 (IB's MIN_SERVER_VER_COMPLETED_ORDERS). */
export const COMPLETED_ORDERS_MIN_VERSION = 150;

/** The events the script must see at a server version. */
export function expectedEvents(serverVersion: number): string[] {
  const completed = serverVersion >= COMPLETED_ORDERS_MIN_VERSION ? [EventName.completedOrder, EventName.completedOrdersEnd] : [];
  return [...EXPECTED_EVENTS, ...completed];
}

/**
 * Runs the session. The client must be connected; `firstOrderId` must be
 * free. Uses ids firstOrderId..firstOrderId+6 and request ids 1..7.
 */
export async function exerciseEveryMessage(client: IbTestClient, knobs: SimKnobs, firstOrderId: number): Promise<void> {
  const ib = client.ib;
  const id = firstOrderId;
  ib.reqCurrentTime();
  ib.reqAccountSummary(1, 'All', 'NetLiquidation,TotalCashValue,BuyingPower,AvailableFunds');
  ib.reqMktData(2, EURUSD, '', false, false);
  ib.reqMktData(3, GBPUSD, '', true, false);
  ib.reqContractDetails(4, EURUSD);
  ib.reqMktData(5, UNKNOWN, '', false, false);
  await client.waitFor(EventName.tickSnapshotEnd);

  // A bracket: the parent fills at once, the children start working.
  const price = 1.085;
  await knobs.setPrice('EURUSD', price);
  ib.placeOrder(id, EURUSD, marketOrder(OrderAction.BUY, 20000, { transmit: false, orderRef: 'conf-parent' }));
  ib.placeOrder(id + 1, EURUSD, {
    ...marketOrder(OrderAction.SELL, 20000),
    orderType: OrderType.LMT,
    lmtPrice: price + 0.01,
    parentId: id,
    ocaGroup: `oca-${id}`,
    transmit: false,
    orderRef: 'conf-target',
  });
  ib.placeOrder(id + 2, EURUSD, {
    ...marketOrder(OrderAction.SELL, 20000),
    orderType: OrderType.STP,
    auxPrice: price - 0.01,
    parentId: id,
    ocaGroup: `oca-${id}`,
    transmit: true,
    orderRef: 'conf-stop',
  });
  await client.waitFor(EventName.orderStatus, ([orderId, status]) => orderId === id && status === 'Filled');
  ib.reqPositions();
  ib.reqOpenOrders();
  await client.waitFor(EventName.openOrderEnd);
  ib.reqAllOpenOrders();
  ib.placeOrder(id + 3, UNKNOWN, marketOrder(OrderAction.BUY, 1000));
  await knobs.rejectNextOrder();
  ib.placeOrder(id + 4, EURUSD, marketOrder(OrderAction.BUY, 1000));
  await client.waitFor(EventName.error, ([, code]) => code === 201);

  // The target fills, the stop is cancelled by OCA; a cancel and its error 202.
  await knobs.setPrice('EURUSD', price + 0.02);
  await client.waitFor(EventName.orderStatus, ([orderId, status]) => orderId === id + 2 && status === 'Cancelled');
  ib.placeOrder(id + 5, EURUSD, { ...marketOrder(OrderAction.BUY, 1000), orderType: OrderType.LMT, lmtPrice: 0.5 });
  await client.waitFor(EventName.orderStatus, ([orderId]) => orderId === id + 5);
  ib.cancelOrder(id + 5);
  await client.waitFor(EventName.error, ([, code, reqId]) => code === 202 && reqId === id + 5);
  ib.reqExecutions(6, {});
  await client.waitFor(EventName.execDetailsEnd);
  // The bracket left the account flat: a position to hold, for the portfolio rows of the account updates.
  ib.placeOrder(id + 6, EURUSD, marketOrder(OrderAction.BUY, 1000, { orderRef: 'conf-held' }));
  await client.waitFor(EventName.orderStatus, ([orderId, status]) => orderId === id + 6 && status === 'Filled');
  ib.reqAccountUpdates(true, '');
  await client.waitFor(EventName.accountDownloadEnd);
  ib.reqAccountUpdates(false, '');
  ib.reqAccountUpdatesMulti(7, '', '', false);
  await client.waitFor(EventName.accountUpdateMultiEnd, ([reqId]) => Number(reqId) === 7);
  ib.cancelAccountUpdatesMulti(7);
  if (ib.serverVersion >= COMPLETED_ORDERS_MIN_VERSION) {
    ib.reqCompletedOrders(false);
    await client.waitFor(EventName.completedOrdersEnd);
  }
  ib.cancelMktData(2);
  // A last round trip: everything sent before it has been answered.
  const since = client.mark();
  ib.reqCurrentTime();
  await client.waitFor(EventName.currentTime, undefined, { since });
}
