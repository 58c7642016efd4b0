import type { Contract, Order, OrderState } from '@stoqey/ib';
import type { CompletedOrderView } from './connector.ts';
import { pairOfContract } from './contracts.ts';

/**
 * IB's completedOrder (contract, order, order state) as a CompletedOrderView.
 * Fields IB leaves empty stay absent rather than becoming '' or 0, so a
 * caller matching by orderRef never matches an order that had none.
 */
export function completedOrderView(contract: Contract, order: Order, state: OrderState | undefined): CompletedOrderView {
  const view: CompletedOrderView = {
    pair: pairOfContract(contract) ?? `${contract.symbol ?? '?'}${contract.currency ?? ''}`,
    action: String(order.action).toUpperCase() === 'BUY' ? 'BUY' : 'SELL',
    quantity: Number(order.totalQuantity ?? 0),
    orderType: String(order.orderType ?? ''),
    status: String(state?.status ?? 'Unknown'),
    filled: Number(order.filledQuantity ?? 0),
  };
  if (order.orderRef) view.orderRef = order.orderRef;
  if (order.permId) view.permId = Number(order.permId);
  if (order.account) view.account = order.account;
  if (state?.completedTime) view.completedTime = state.completedTime;
  if (state?.completedStatus) view.completedStatus = state.completedStatus;
  return view;
}

/**
 * The library reports a completedOrder it could not read field for field
 * (error 505, "Decoding error on COMPLETED_ORDER" or an underrun) but may
 * still emit it with every later field shifted: its status would be another
 * field's value. Such an answer is refused whole, never taken as the truth.
 */
export function isCompletedOrderDecodeError(message: string): boolean {
  return /\bCOMPLETED_ORDER\b/.test(message) && /decoding|underrun|unprocessed/i.test(message);
}
