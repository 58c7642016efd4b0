import { type Contract, type Execution, type Order, OrderAction, OrderType, TimeInForce } from '@stoqey/ib';
import type { Pair } from '../../beads/index.ts';
import type { ExecutionReport, OpenOrderView } from './connector.ts';
import { contractFor, pairOfContract, roundPrice } from './contracts.ts';
import { OrderRefusedError } from './connector.ts';
import type { OrderTicket } from './submitGuards.ts';

/**
 * Phoenix's order ticket to IB's `Order` and back. Every field that matters
 * is set explicitly: `transmit` above all (an unset one goes out empty and IB
 * holds the order for ever), and the account, so an order can only land on
 * the account the guards checked.
 */

/** OCA type 1: when one child fills, IB cancels the rest of the group (with block, so no overfill). */
const OCA_CANCEL_WITH_BLOCK = 1;

export interface WireOrder {
  pair: Pair;
  contract: Contract;
  order: Order;
}

export function wireOrder(ticket: OrderTicket, account: string | undefined): WireOrder {
  const lookup = contractFor(ticket.pair);
  if (!lookup.ok) throw new OrderRefusedError(`order ${ticket.orderRef} refused: ${lookup.reason}`);
  const pair = lookup.pair;
  if (!(Number.isFinite(ticket.quantity) && ticket.quantity > 0)) {
    throw new OrderRefusedError(`order ${ticket.orderRef} refused: quantity must be positive (got ${ticket.quantity})`);
  }
  const order: Order = {
    action: ticket.action === 'BUY' ? OrderAction.BUY : OrderAction.SELL,
    orderType: ticket.orderType === 'MKT' ? OrderType.MKT : ticket.orderType === 'LMT' ? OrderType.LMT : OrderType.STP,
    totalQuantity: ticket.quantity,
    orderRef: ticket.orderRef,
    // Children live until the position is closed; an entry that has not filled by the close is stale anyway.
    tif: ticket.role === 'ENTRY' ? TimeInForce.DAY : TimeInForce.GTC,
    transmit: ticket.transmit ?? true,
  };
  if (account !== undefined) order.account = account;
  if (ticket.orderType === 'LMT') {
    if (ticket.limitPrice === undefined) throw new OrderRefusedError(`order ${ticket.orderRef} refused: a LMT order needs a limit price`);
    order.lmtPrice = roundPrice(pair, ticket.limitPrice);
  }
  if (ticket.orderType === 'STP') {
    if (ticket.stopPrice === undefined) throw new OrderRefusedError(`order ${ticket.orderRef} refused: a STP order needs a stop price`);
    order.auxPrice = roundPrice(pair, ticket.stopPrice);
  }
  if (ticket.parentId !== undefined) order.parentId = ticket.parentId;
  if (ticket.ocaGroup !== undefined) {
    order.ocaGroup = ticket.ocaGroup;
    order.ocaType = OCA_CANCEL_WITH_BLOCK;
  }
  return { pair, contract: lookup.contract, order };
}

export function openOrderView(orderId: number, contract: Contract, order: Order, status: string): OpenOrderView {
  const view: OpenOrderView = {
    orderId,
    pair: pairOfContract(contract) ?? `${contract.symbol ?? '?'}${contract.currency ?? ''}`,
    action: order.action === OrderAction.SELL ? 'SELL' : 'BUY',
    quantity: Number(order.totalQuantity ?? 0),
    orderType: String(order.orderType ?? ''),
    status,
    filled: Number(order.filledQuantity ?? 0),
    remaining: Number(order.totalQuantity ?? 0) - Number(order.filledQuantity ?? 0),
  };
  if (order.orderRef) view.orderRef = order.orderRef;
  if (order.lmtPrice !== undefined && order.lmtPrice !== null && Number.isFinite(order.lmtPrice)) view.limitPrice = order.lmtPrice;
  if (order.auxPrice !== undefined && order.auxPrice !== null && Number.isFinite(order.auxPrice)) view.stopPrice = order.auxPrice;
  if (order.parentId) view.parentId = order.parentId;
  if (order.ocaGroup) view.ocaGroup = order.ocaGroup;
  if (order.permId) view.permId = order.permId;
  return view;
}

/**
 * IB's execution time: "20261124  09:00:01" or "20261124-09:00:01", in UTC
 * for API clients that ask for it, optionally followed by a time zone name.
 */
export function executionTimeIso(text: string | undefined, fallback: number): string {
  const m = /^(\d{4})(\d{2})(\d{2})[-\s]+(\d{2}):(\d{2}):(\d{2})/.exec((text ?? '').trim());
  if (!m) return new Date(fallback).toISOString();
  const [, y, mo, d, h, mi, s] = m;
  return new Date(Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s))).toISOString();
}

/** IB's execution filter time, "yyyymmdd-hh:mm:ss" in UTC. */
export function executionFilterTime(ms: number): string {
  const iso = new Date(ms).toISOString();
  return `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}-${iso.slice(11, 19)}`;
}

export function executionReport(contract: Contract, e: Execution, now: number): ExecutionReport | undefined {
  const pair = pairOfContract(contract);
  if (!pair || e.execId === undefined || e.orderId === undefined) return undefined;
  const report: ExecutionReport = {
    execId: e.execId,
    orderId: e.orderId,
    pair,
    side: e.side === 'SLD' || e.side === 'SELL' ? 'SELL' : 'BUY',
    quantity: Number(e.shares ?? 0),
    price: Number(e.price ?? 0),
    time: executionTimeIso(e.time, now),
  };
  if (e.orderRef) report.orderRef = e.orderRef;
  if (e.acctNumber) report.account = e.acctNumber;
  return report;
}
