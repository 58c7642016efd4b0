/**
 * What the broker tells the world and what the control channel can turn: its
 * listener (the gateway fans order, fill and position news out to clients),
 * the chaos flags, and the record of refused orders.
 */
import type { Execution, Position, SimOrder } from './brokerTypes.ts';

export type OrderChange =
  | 'placed'
  | 'modified'
  | 'activated'
  | 'partiallyFilled'
  | 'filled'
  | 'cancelled'
  | 'ocaCancelled'
  | 'parentCancelled';

export interface BrokerListener {
  orderChanged(order: SimOrder, change: OrderChange): void;
  executed(execution: Execution, order: SimOrder): void;
  positionChanged(position: Position): void;
  /** Something persisted changed; the state file is rewritten. */
  stateChanged(): void;
}

export interface ChaosFlags {
  delayFillsMs: number;
  partialNext: boolean;
  /** When set, the next order is refused with error 201 and this reason. */
  rejectNext: string | undefined;
}

export interface Rejection {
  orderId: number;
  clientId: number;
  code: number;
  message: string;
  orderRef: string;
  at: string;
}
