import { PAIRS, type Pair, pipSize } from '../../beads/index.ts';
import type { CompletedOrderView, ExecutionReport, OpenOrderView, OrderStatusUpdate } from './connector.ts';
import { roundPrice } from './contracts.ts';
import type { OrderTicket } from './submitGuards.ts';

/**
 * The broker behind the mock backend: deterministic, in process. Prices move
 * only when told to; orders fill by the same rules as the gateway simulator
 * (MKT at once, LMT and STP when the quote crosses, brackets held until the
 * last child transmits, children working once the parent fills, OCA cancels
 * the sibling), so the connector suite means the same on both backends.
 */

export const MOCK_START_PRICES: Record<Pair, number> = {
  EURUSD: 1.085,
  GBPUSD: 1.265,
  USDJPY: 150.0,
  AUDUSD: 0.655,
  USDCAD: 1.36,
  NZDUSD: 0.6,
};

/** A flat, deterministic commission: 0.2 bp of notional in the quote currency, at least 2. */
function commissionOf(quantity: number, price: number): number {
  return Math.max(2, Number((quantity * price * 0.00002).toFixed(2)));
}

export interface MockOrder {
  ticket: OrderTicket & { pair: Pair };
  status: 'Untransmitted' | 'PreSubmitted' | 'Submitted' | 'Filled' | 'Cancelled';
  filled: number;
  avgFillPrice: number;
  permId: number;
  /** When and how it ended, for completedOrders (the gateway simulator's texts). */
  completed?: { at: number; status: string };
}

/** IB's time form, as the gateway simulator writes completedTime: `20240115 10:30:00 UTC`. */
function ibTime(ms: number): string {
  const iso = new Date(ms).toISOString();
  return `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)} ${iso.slice(11, 19)} UTC`;
}

const CANCELLED_BY_TRADER = 'Cancelled by Trader';

export interface MockBrokerListener {
  orderStatus(update: OrderStatusUpdate): void;
  execution(report: ExecutionReport): void;
  priceMoved(pair: Pair): void;
}

export class MockBroker {
  readonly orders = new Map<number, MockOrder>();
  readonly positions = new Map<Pair, { quantity: number; avgCost: number }>();
  readonly executions: (ExecutionReport & { timeMs: number })[] = [];
  private readonly mids = new Map<Pair, number>(PAIRS.map((p) => [p, MOCK_START_PRICES[p]]));
  private permId = 1;
  private execSeq = 0;
  /** The next order is refused with 201 and this reason (a test knob). */
  rejectNext: string | undefined;
  nextValidId: number;
  /** Orders that reached this broker, accepted or not: what "nothing was sent" is checked against. */
  received = 0;

  constructor(
    readonly account: string,
    private readonly now: () => number,
    private readonly listener: MockBrokerListener,
    firstOrderId = 1,
  ) {
    this.nextValidId = firstOrderId;
  }

  quote(pair: Pair): { bid: number; ask: number; mid: number } {
    const mid = this.mids.get(pair)!;
    const half = pipSize(pair) / 2;
    return { bid: roundPrice(pair, mid - half), ask: roundPrice(pair, mid + half), mid };
  }

  setPrice(pair: Pair, mid: number): void {
    this.mids.set(pair, mid);
    this.listener.priceMoved(pair);
    this.evaluate(pair);
  }

  /** Accepts an order, or says why not with IB's code. */
  place(ticket: OrderTicket & { pair: Pair }): { ok: true } | { ok: false; code: number; message: string } {
    this.received += 1;
    if (ticket.orderId >= this.nextValidId) this.nextValidId = ticket.orderId + 1;
    if (this.orders.has(ticket.orderId)) return { ok: false, code: 103, message: 'Duplicate order id' };
    if (this.rejectNext !== undefined) {
      const reason = this.rejectNext;
      this.rejectNext = undefined;
      return { ok: false, code: 201, message: `Order rejected - reason:${reason}` };
    }
    const parent = ticket.parentId === undefined ? undefined : this.orders.get(ticket.parentId);
    if (ticket.parentId !== undefined && (!parent || parent.status === 'Cancelled')) {
      return { ok: false, code: 201, message: `Order rejected - reason:Parent order ${ticket.parentId} not found` };
    }
    const order: MockOrder = { ticket, status: 'Untransmitted', filled: 0, avgFillPrice: 0, permId: this.permId++ };
    this.orders.set(ticket.orderId, order);
    if (ticket.transmit === false) return { ok: true };
    // A transmitting order releases everything held in its family: the parent works, the children wait for it.
    const family = [...this.orders.values()].filter((o) => o.status === 'Untransmitted' && this.familyOf(o) === this.familyOf(order));
    for (const o of family) this.setStatus(o, o.ticket.parentId === undefined ? 'Submitted' : 'PreSubmitted');
    this.evaluate(ticket.pair);
    return { ok: true };
  }

  cancel(orderId: number): { ok: true } | { ok: false; code: number; message: string } {
    const order = this.orders.get(orderId);
    if (!order || order.status === 'Filled' || order.status === 'Cancelled') {
      return { ok: false, code: 10148, message: `OrderId ${orderId} that needs to be cancelled cannot be cancelled` };
    }
    this.setStatus(order, 'Cancelled', CANCELLED_BY_TRADER);
    for (const child of this.orders.values()) {
      const open = child.status !== 'Filled' && child.status !== 'Cancelled';
      if (child.ticket.parentId === orderId && open) this.setStatus(child, 'Cancelled', 'Cancelled with its parent order');
    }
    return { ok: true };
  }

  globalCancel(): void {
    for (const o of this.orders.values()) if (o.status !== 'Filled' && o.status !== 'Cancelled') this.setStatus(o, 'Cancelled', CANCELLED_BY_TRADER);
  }

  /** Orders that ended, oldest first, as reqCompletedOrders lists them: no order id, matched by orderRef. */
  completedOrders(): CompletedOrderView[] {
    return [...this.orders.values()]
      .filter((o): o is MockOrder & { completed: { at: number; status: string } } => o.completed !== undefined)
      .sort((a, b) => a.completed.at - b.completed.at)
      .map((o) => ({
        orderRef: o.ticket.orderRef,
        permId: o.permId,
        pair: o.ticket.pair,
        action: o.ticket.action,
        quantity: o.ticket.quantity,
        orderType: o.ticket.orderType,
        status: o.status,
        filled: o.filled,
        completedTime: ibTime(o.completed.at),
        completedStatus: o.completed.status,
        account: this.account,
      }));
  }

  openOrders(): OpenOrderView[] {
    return [...this.orders.values()]
      .filter((o) => o.status !== 'Filled' && o.status !== 'Cancelled')
      .map((o) => {
        const t = o.ticket;
        const view: OpenOrderView = {
          orderId: t.orderId,
          orderRef: t.orderRef,
          pair: t.pair,
          action: t.action,
          quantity: t.quantity,
          orderType: t.orderType,
          status: o.status,
          filled: o.filled,
          remaining: t.quantity - o.filled,
          permId: o.permId,
        };
        if (t.limitPrice !== undefined) view.limitPrice = t.limitPrice;
        if (t.stopPrice !== undefined) view.stopPrice = t.stopPrice;
        if (t.parentId !== undefined) view.parentId = t.parentId;
        if (t.ocaGroup !== undefined) view.ocaGroup = t.ocaGroup;
        return view;
      });
  }

  /** Fills a working order now, at `price` or the market (the "fill-order" knob of the simulator). */
  fillNow(orderId: number, price?: number): void {
    const order = this.orders.get(orderId);
    if (order?.status !== 'Submitted') throw new Error(`mock order ${orderId} is not working`);
    this.fill(order, price ?? this.marketPrice(order));
  }

  private familyOf(o: MockOrder): number {
    return o.ticket.parentId ?? o.ticket.orderId;
  }

  /** `completedStatus` is how an order that has just ended did so. */
  private setStatus(order: MockOrder, status: MockOrder['status'], completedStatus?: string): void {
    order.status = status;
    if (completedStatus !== undefined) order.completed = { at: this.now(), status: completedStatus };
    const t = order.ticket;
    const update: OrderStatusUpdate = {
      orderId: t.orderId,
      status,
      filled: order.filled,
      remaining: t.quantity - order.filled,
      avgFillPrice: order.avgFillPrice,
      permId: order.permId,
    };
    if (t.parentId !== undefined) update.parentId = t.parentId;
    this.listener.orderStatus(update);
  }

  private marketPrice(order: MockOrder): number {
    const q = this.quote(order.ticket.pair);
    return order.ticket.action === 'BUY' ? q.ask : q.bid;
  }

  private marketable(order: MockOrder): boolean {
    const t = order.ticket;
    const q = this.quote(t.pair);
    if (t.orderType === 'MKT') return true;
    if (t.orderType === 'LMT') return t.action === 'BUY' ? q.ask <= t.limitPrice! : q.bid >= t.limitPrice!;
    return t.action === 'BUY' ? q.ask >= t.stopPrice! : q.bid <= t.stopPrice!;
  }

  private evaluate(pair: Pair): void {
    for (let changed = true; changed; ) {
      changed = false;
      for (const order of this.orders.values()) {
        if (order.ticket.pair !== pair || order.status !== 'Submitted' || !this.marketable(order)) continue;
        const t = order.ticket;
        const price = t.orderType === 'LMT' ? t.limitPrice! : this.marketPrice(order);
        this.fill(order, price);
        changed = true;
      }
    }
  }

  private fill(order: MockOrder, price: number): void {
    const t = order.ticket;
    const quantity = t.quantity - order.filled;
    order.filled = t.quantity;
    order.avgFillPrice = price;
    const timeMs = this.now();
    this.execSeq += 1;
    const report = {
      execId: `mock.${String(this.execSeq).padStart(8, '0')}.01`,
      orderId: t.orderId,
      orderRef: t.orderRef,
      pair: t.pair,
      side: t.action,
      quantity,
      price,
      time: new Date(timeMs).toISOString(),
      account: this.account,
      commission: commissionOf(quantity, price),
      timeMs,
    };
    this.executions.push(report);
    this.book(t.pair, t.action === 'BUY' ? quantity : -quantity, price);
    this.setStatus(order, 'Filled', 'Filled');
    const { timeMs: _drop, ...execution } = report;
    this.listener.execution(execution);
    for (const o of this.orders.values()) {
      if (o.ticket.parentId === t.orderId && o.status === 'PreSubmitted') this.setStatus(o, 'Submitted');
      const sibling = t.ocaGroup !== undefined && o.ticket.ocaGroup === t.ocaGroup && o !== order;
      if (sibling && o.status !== 'Filled' && o.status !== 'Cancelled') this.setStatus(o, 'Cancelled', 'Cancelled by OCA group');
    }
  }

  private book(pair: Pair, signed: number, price: number): void {
    const p = this.positions.get(pair) ?? { quantity: 0, avgCost: 0 };
    const quantity = p.quantity + signed;
    const adding = Math.sign(signed) === Math.sign(p.quantity) || p.quantity === 0;
    const flipped = quantity !== 0 && p.quantity !== 0 && Math.sign(quantity) !== Math.sign(p.quantity);
    const avgCost =
      quantity === 0 ? 0 : flipped ? price : adding ? (p.avgCost * Math.abs(p.quantity) + price * Math.abs(signed)) / Math.abs(quantity) : p.avgCost;
    this.positions.set(pair, { quantity, avgCost });
  }
}
