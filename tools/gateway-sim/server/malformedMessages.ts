/**
 * The `malformed` chaos control: messages a gateway should never send, each
 * framed correctly so that it reaches the client's decoder, for testing that
 * a client checks what the broker says at its boundary (S14).
 *
 * - `missing-field`: an orderStatus cut short after its status: the decoder
 *   runs out of fields (@stoqey/ib reports it as error 505 and drops it).
 * - `nan-price`: an execution of the client's latest order, priced `NaN`.
 * - `unknown-order`: an orderStatus for an order id the client never used.
 * - `unknown-contract`: an execution of the client's latest order for a
 *   contract that is none of the six FX pairs (XAUUSD, a commodity).
 */
import type { Execution, SimOrder } from '../broker/brokerTypes.ts';
import { execDetailsMessage, orderStatusMessage } from '../protocol/orderMessages.ts';
import type { Message } from '../protocol/responses.ts';

export const MALFORMED_KINDS = ['missing-field', 'nan-price', 'unknown-order', 'unknown-contract'] as const;
export type MalformedKind = (typeof MALFORMED_KINDS)[number];

/** An order id far above any a test client uses, and below the request ids Phoenix keeps for itself. */
export const UNKNOWN_ORDER_ID = 999_999_999;

export interface MalformedContext {
  serverVersion: number;
  clientId: number;
  account: string;
  /** The client's most recent order, when it has one: the bad executions name it. */
  lastOrder: SimOrder | undefined;
  /** Makes each bad execution id unique. */
  seq: number;
  now: number;
}

/** IB's execution time form, `20240115 10:30:00 UTC`. */
function ibTime(ms: number): string {
  const iso = new Date(ms).toISOString();
  return `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)} ${iso.slice(11, 19)} UTC`;
}

function execution(ctx: MalformedContext, tag: string, price: number): Execution {
  const order = ctx.lastOrder;
  const shares = order?.totalQuantity ?? 1_000;
  return {
    execId: `sim-malformed-${tag}-${ctx.seq}`,
    orderId: order?.orderId ?? UNKNOWN_ORDER_ID - 1,
    clientId: ctx.clientId,
    permId: order?.permId ?? 0,
    orderRef: order?.orderRef ?? '',
    account: ctx.account,
    pair: order?.pair ?? 'EURUSD',
    side: order?.action === 'SELL' ? 'SLD' : 'BOT',
    shares,
    price,
    cumQty: shares,
    avgPrice: price,
    time: ibTime(ctx.now),
    timeMs: ctx.now,
    commission: 2,
    realizedPnl: null,
  };
}

function fakeOrder(ctx: MalformedContext, orderId: number): SimOrder {
  const at = new Date(ctx.now).toISOString();
  return {
    orderId,
    clientId: ctx.clientId,
    permId: 0,
    parentId: 0,
    pair: 'EURUSD',
    action: 'BUY',
    totalQuantity: 1_000,
    orderType: 'LMT',
    lmtPrice: 1,
    auxPrice: null,
    tif: 'DAY',
    ocaGroup: '',
    ocaType: 0,
    account: ctx.account,
    orderRef: '',
    status: 'Submitted',
    filled: 0,
    remaining: 1_000,
    avgFillPrice: 0,
    lastFillPrice: 0,
    createdAt: at,
    updatedAt: at,
  };
}

export function malformedMessages(kind: MalformedKind, ctx: MalformedContext): Message[] {
  const sv = ctx.serverVersion;
  switch (kind) {
    case 'missing-field': {
      const full = orderStatusMessage(sv, ctx.lastOrder ?? fakeOrder(ctx, UNKNOWN_ORDER_ID - 2));
      // Message id (and, below server version 173, the message version), order id, status: nothing after.
      const statusAt = full.indexOf(ctx.lastOrder?.status ?? 'Submitted');
      return [full.slice(0, statusAt + 1)];
    }
    case 'nan-price':
      return [execDetailsMessage(sv, -1, execution(ctx, 'nan', 1), { price: 'NaN' })];
    case 'unknown-order':
      return [orderStatusMessage(sv, fakeOrder(ctx, UNKNOWN_ORDER_ID))];
    case 'unknown-contract':
      return [execDetailsMessage(sv, -1, execution(ctx, 'contract', 2_000), { contract: [69067924, 'XAUUSD', 'CMDTY', '', 0, '', '', 'SMART', 'USD', 'XAUUSD', 'XAUUSD'] })];
  }
}
