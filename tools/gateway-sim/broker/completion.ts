/**
 * How orders end, as reqCompletedOrders reports them. IB's completedStatus
 * is free text; the simulator's texts are its own, one per way an order can
 * end here, so a test or an operator can tell an OCA cancel from a trader's.
 */
import { type BrokerState, isCompletedStatus, type SimOrder } from './brokerTypes.ts';

/** The ways a cancel comes about; each is also the OrderChange the clients hear. */
export type CancelCause = 'cancelled' | 'ocaCancelled' | 'parentCancelled';
export type CompletionCause = 'filled' | CancelCause;

const COMPLETED_STATUS: Record<CompletionCause, string> = {
  filled: 'Filled',
  cancelled: 'Cancelled by Trader',
  ocaCancelled: 'Cancelled by OCA group',
  parentCancelled: 'Cancelled with its parent order',
};

/** Stamps an order that has just reached its final state (its status is already set). */
export function stampCompleted(order: SimOrder, cause: CompletionCause, atIso: string): void {
  order.completedAt = atIso;
  order.completedStatus = COMPLETED_STATUS[cause];
}

/** When the order ended; orders from a state file written before stamping existed fall back to updatedAt. */
export function completedAtOf(order: SimOrder): string {
  return order.completedAt ?? order.updatedAt;
}

/**
 * Every finished order of every client, in the order they finished. IB gives
 * no client or order id on a completed order, so nothing is filtered by the
 * asking client: the orderRef and permId are what tie it to its owner.
 */
export function completedOrders(state: BrokerState): SimOrder[] {
  return state.orders
    .filter((o) => isCompletedStatus(o.status))
    .sort((a, b) => completedAtOf(a).localeCompare(completedAtOf(b)) || a.orderId - b.orderId);
}
