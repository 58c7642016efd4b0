/**
 * The broker-side state: what lives "at IB" rather than in a session. It is
 * what the state file persists across a real process kill, so its shape is a
 * zod schema and a file from disk is parsed, never trusted.
 */
import { z } from 'zod';
import { PAIR_NAMES } from '../market/fxPairs.ts';

/**
 * IB's order statuses, plus `Untransmitted`: an order placed with transmit
 * unset or 0. IB holds those without a word to the client, so that status is
 * never sent on the wire; it only shows in the control channel's /state.
 */
export const ORDER_STATUSES = [
  'Untransmitted',
  'PreSubmitted',
  'Submitted',
  'Filled',
  'Cancelled',
  'Inactive',
] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];

export const ORDER_TYPES = ['MKT', 'LMT', 'STP'] as const;
export type OrderType = (typeof ORDER_TYPES)[number];

const pairName = z.enum(PAIR_NAMES);

export const simOrderSchema = z.object({
  orderId: z.number().int(),
  clientId: z.number().int(),
  permId: z.number().int(),
  parentId: z.number().int(),
  pair: pairName,
  action: z.enum(['BUY', 'SELL']),
  totalQuantity: z.number().positive(),
  orderType: z.enum(ORDER_TYPES),
  lmtPrice: z.number().nullable(),
  auxPrice: z.number().nullable(),
  tif: z.string(),
  ocaGroup: z.string(),
  ocaType: z.number().int(),
  account: z.string(),
  orderRef: z.string(),
  status: z.enum(ORDER_STATUSES),
  filled: z.number().nonnegative(),
  remaining: z.number().nonnegative(),
  avgFillPrice: z.number(),
  lastFillPrice: z.number(),
  createdAt: z.string(),
  updatedAt: z.string(),
  /**
   * When and how the order ended (ISO time, and IB's free-text completedStatus),
   * for reqCompletedOrders. Optional so that state files written before
   * completed orders were served still load; those fall back to updatedAt.
   */
  completedAt: z.string().optional(),
  completedStatus: z.string().optional(),
});
export type SimOrder = z.infer<typeof simOrderSchema>;

export const executionSchema = z.object({
  execId: z.string(),
  orderId: z.number().int(),
  clientId: z.number().int(),
  permId: z.number().int(),
  orderRef: z.string(),
  account: z.string(),
  pair: pairName,
  /** IB's execution side: BOT or SLD. */
  side: z.enum(['BOT', 'SLD']),
  shares: z.number().positive(),
  price: z.number(),
  cumQty: z.number(),
  avgPrice: z.number(),
  /** IB's display form, `20240115 10:30:00 UTC`. */
  time: z.string(),
  timeMs: z.number(),
  commission: z.number(),
  /** In USD; null when the fill opened or added to a position. */
  realizedPnl: z.number().nullable(),
});
export type Execution = z.infer<typeof executionSchema>;

export const positionSchema = z.object({
  account: z.string(),
  pair: pairName,
  /** In units of the base currency, signed. */
  position: z.number(),
  avgCost: z.number(),
});
export type Position = z.infer<typeof positionSchema>;

export const brokerStateSchema = z.object({
  format: z.literal('phoenix-gateway-sim/1'),
  nextValidId: z.number().int(),
  nextPermId: z.number().int(),
  nextExecSeq: z.number().int(),
  realizedPnlUsd: z.number(),
  commissionsUsd: z.number(),
  orders: z.array(simOrderSchema),
  executions: z.array(executionSchema),
  positions: z.array(positionSchema),
});
export type BrokerState = z.infer<typeof brokerStateSchema>;

export function emptyBrokerState(nextValidId: number): BrokerState {
  return {
    format: 'phoenix-gateway-sim/1',
    nextValidId,
    nextPermId: 1_000_000_001,
    nextExecSeq: 1,
    realizedPnlUsd: 0,
    commissionsUsd: 0,
    orders: [],
    executions: [],
    positions: [],
  };
}

/** Orders IB would report as open: transmitted and neither done nor dead. */
export function isOpenStatus(status: OrderStatus): boolean {
  return status === 'PreSubmitted' || status === 'Submitted';
}

/** Orders that reached a final state: what reqCompletedOrders lists. */
export function isCompletedStatus(status: OrderStatus): boolean {
  return status === 'Filled' || status === 'Cancelled' || status === 'Inactive';
}

/** Orders a cancel can still reach (held ones included). */
export function isCancellable(status: OrderStatus): boolean {
  return isOpenStatus(status) || status === 'Untransmitted';
}
