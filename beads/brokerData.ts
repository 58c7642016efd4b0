import { z } from 'zod';
import { ModeSchema, PairSchema } from './pairs.ts';

/** Data of the beads that describe the broker side: sessions, orders, fills, positions. */

export const IbkrSessionData = z.object({
  event: z.enum(['CONNECT', 'DISCONNECT', 'RECONNECT']),
  mode: ModeSchema,
  account: z.string(),
  port: z.number().int().min(0).max(65535),
  gateway_version: z.string().optional(),
  server_version: z.number().int().optional(),
  reconnect_attempt: z.number().int().min(0).default(0),
  escalated: z.boolean().optional(),
  reason: z.string().optional(),
});

export const OrderSideSchema = z.enum(['BUY', 'SELL']);

/** IB order statuses after which an order will do nothing more (IB's vocabulary, read by the flow and the projections alike). */
export const IB_ENDED_STATUSES: ReadonlySet<string> = new Set(['Filled', 'Cancelled', 'ApiCancelled', 'Inactive']);

export const OrderData = z.object({
  event: z.enum([
    'SUBMIT_REQUESTED',
    'SENT',
    'STATUS',
    'REJECTED',
    'CANCEL_REQUESTED',
    'CANCELLED',
    'RECOVERED',
  ]),
  order_ref: z.string(),
  order_id: z.number().int().optional(),
  perm_id: z.number().int().optional(),
  parent_id: z.number().int().optional(),
  oca_group: z.string().optional(),
  role: z.enum(['ENTRY', 'STOP', 'TARGET', 'CLOSE', 'FLATTEN']).optional(),
  position_id: z.string().optional(),
  pair: PairSchema.optional(),
  action: OrderSideSchema.optional(),
  quantity: z.number().positive().optional(),
  order_type: z.enum(['MKT', 'LMT', 'STP']).optional(),
  limit_price: z.number().positive().optional(),
  stop_price: z.number().positive().optional(),
  status: z.string().optional(),
  filled: z.number().min(0).optional(),
  remaining: z.number().min(0).optional(),
  avg_fill_price: z.number().min(0).optional(),
  error_code: z.number().int().optional(),
  reason: z.string().optional(),
});

export const FillData = z.object({
  exec_id: z.string(),
  order_id: z.number().int(),
  order_ref: z.string().optional(),
  position_id: z.string().optional(),
  pair: PairSchema,
  side: OrderSideSchema,
  quantity: z.number().positive(),
  price: z.number().positive(),
  commission: z.number().optional(),
  time: z.string(),
});

export const POSITION_STATES = [
  'SUBMITTED',
  'PARTIAL',
  'FILLED',
  'MANAGED',
  'CLOSING',
  'CLOSED',
  'REJECTED',
  'CANCELLED',
  'STALLED',
] as const;
export const PositionStateSchema = z.enum(POSITION_STATES);

export const PositionData = z.object({
  position_id: z.string(),
  state: PositionStateSchema,
  previous_state: PositionStateSchema.optional(),
  pair: PairSchema,
  side: z.enum(['LONG', 'SHORT']),
  quantity: z.number().min(0),
  avg_price: z.number().min(0).optional(),
  stop: z.number().positive(),
  target: z.number().positive(),
  unrealised_pnl: z.number().optional(),
  realised_pnl: z.number().optional(),
  reason: z.string().optional(),
});

export const AutopsyData = z.object({
  position_id: z.string(),
  pair: PairSchema,
  side: z.enum(['LONG', 'SHORT']),
  quantity: z.number().positive(),
  entry_price: z.number().positive(),
  exit_price: z.number().positive(),
  pnl: z.number(),
  r_multiple: z.number(),
  duration_s: z.number().min(0),
  slippage_pips: z.number(),
  exit_reason: z.enum(['STOP', 'TARGET', 'MANUAL', 'FLATTEN', 'BROKER']),
});

const BrokerPosition = z.object({ pair: z.string(), quantity: z.number(), avg_price: z.number().optional() });
const BrokerOrder = z.object({ order_id: z.number().int(), order_ref: z.string().optional(), status: z.string() });
const ReconView = z.object({ positions: z.array(BrokerPosition), open_orders: z.array(BrokerOrder) });

export const ReconciliationData = z.object({
  result: z.enum(['MATCH', 'DRIFT']),
  trigger: z.enum(['STARTUP', 'RECONNECT', 'PERIODIC', 'MANUAL']).optional(),
  broker: ReconView,
  local: ReconView,
  drift: z.array(z.object({ kind: z.string(), subject: z.string(), broker: z.string().optional(), local: z.string().optional() })),
});
