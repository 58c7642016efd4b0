import { type Bead, type BeadOf, IB_ENDED_STATUSES, type Pair } from '../../beads/index.ts';

/**
 * The orders Phoenix sent for its positions and what the broker said of each,
 * folded from ORDER and FILL beads: the facts a position actor turns into
 * machine events, and what crash recovery looks up at the broker. Folding is
 * idempotent (a status is the latest, a fill is keyed by execution id), so
 * the same bead applied twice changes nothing.
 *
 * Bounded (issue 15): once a position has ended (its POSITION bead says
 * CLOSED, REJECTED or CANCELLED), each of its orders is let go as soon as it
 * has finished at the broker; old closes live in the log, not here.
 */

export type OrderRole = 'ENTRY' | 'STOP' | 'TARGET' | 'CLOSE' | 'FLATTEN';

export interface OrderRecord {
  orderRef: string;
  orderId: number;
  role: OrderRole;
  positionId: string;
  correlationId: string;
  pair: Pair;
  action: 'BUY' | 'SELL';
  quantity: number;
  orderType: 'MKT' | 'LMT' | 'STP';
  limitPrice?: number;
  stopPrice?: number;
  parentId?: number;
  ocaGroup?: string;
  /** Epoch ms of the write-ahead bead. */
  requestedAt: number;
  /** The broker said something about it: a status, a rejection, or recovery found it there. */
  acknowledged: boolean;
  status?: string;
  filled: number;
  avgFillPrice?: number;
  rejected?: { code?: number; reason: string };
  /** Phoenix gave it up (recovery could not find it and did not send it again). */
  abandoned?: string;
}

export interface FillRecord {
  execId: string;
  orderRef: string;
  quantity: number;
  price: number;
  time: string;
}

/** Statuses that mean the order is live at the broker (a bracket child waits as PreSubmitted). */
export const WORKING_STATUSES: ReadonlySet<string> = new Set(['PreSubmitted', 'Submitted', 'PendingSubmit', 'PendingCancel']);

/** The book as plain data, for the projection engine's checkpoint. */
export interface SavedOrderBook {
  orders: OrderRecord[];
  fills: FillRecord[];
  endedPositions: string[];
}

const ENDED_POSITIONS: ReadonlySet<string> = new Set(['CLOSED', 'REJECTED', 'CANCELLED']);

export class OrderBook {
  private readonly byRef = new Map<string, OrderRecord>();
  private readonly refById = new Map<number, string>();
  private readonly fills = new Map<string, FillRecord>();
  /** Positions that have ended while some of their orders had not: those go as they finish. */
  private readonly endedPositions = new Set<string>();

  apply(bead: Bead): OrderRecord | undefined {
    let record: OrderRecord | undefined;
    if (bead.bead_type === 'ORDER') record = this.applyOrder(bead);
    else if (bead.bead_type === 'FILL') record = this.applyFill(bead);
    else if (bead.bead_type === 'POSITION' && ENDED_POSITIONS.has(bead.data.state)) this.positionEnded(bead.data.position_id);
    if (record && this.endedPositions.has(record.positionId) && this.finished(record)) this.forget(record);
    return record;
  }

  toSaved(): SavedOrderBook {
    return { orders: [...this.byRef.values()], fills: [...this.fills.values()], endedPositions: [...this.endedPositions] };
  }

  static fromSaved(saved: SavedOrderBook): OrderBook {
    const book = new OrderBook();
    for (const o of saved.orders) {
      book.byRef.set(o.orderRef, o);
      book.refById.set(o.orderId, o.orderRef);
    }
    for (const f of saved.fills) book.fills.set(f.execId, f);
    for (const p of saved.endedPositions) book.endedPositions.add(p);
    return book;
  }

  /** How many orders it holds (bounded: open positions' orders, and ended positions' unfinished ones). */
  get size(): number {
    return this.byRef.size;
  }

  byOrderId(orderId: number): OrderRecord | undefined {
    const ref = this.refById.get(orderId);
    return ref === undefined ? undefined : this.byRef.get(ref);
  }

  byOrderRef(orderRef: string): OrderRecord | undefined {
    return this.byRef.get(orderRef);
  }

  ordersOf(positionId: string): OrderRecord[] {
    return [...this.byRef.values()].filter((o) => o.positionId === positionId);
  }

  fillsOf(orderRef: string): FillRecord[] {
    return [...this.fills.values()].filter((f) => f.orderRef === orderRef);
  }

  /** Orders written ahead that the broker never acknowledged: what recovery must look up before anything is sent again. */
  unacknowledged(): OrderRecord[] {
    return [...this.byRef.values()].filter((o) => !o.acknowledged && o.abandoned === undefined && o.rejected === undefined);
  }

  /** Orders the broker acknowledged that have not ended as far as the log knows: what a resync may learn the end of. */
  unfinished(): OrderRecord[] {
    return [...this.byRef.values()].filter(
      (o) => o.acknowledged && o.rejected === undefined && o.abandoned === undefined && !IB_ENDED_STATUSES.has(o.status ?? '') && this.executed(o).filled < o.quantity,
    );
  }

  /** Filled quantity and average price of one order, from its fills and its latest status, whichever knows more. */
  executed(o: OrderRecord): { filled: number; avgPrice: number | undefined } {
    const fills = this.fillsOf(o.orderRef);
    const qty = fills.reduce((sum, f) => sum + f.quantity, 0);
    const avg = qty > 0 ? fills.reduce((sum, f) => sum + f.quantity * f.price, 0) / qty : undefined;
    if (qty >= o.filled) return { filled: qty, avgPrice: avg };
    return { filled: o.filled, avgPrice: o.avgFillPrice ?? avg };
  }

  private finished(o: OrderRecord): boolean {
    return o.rejected !== undefined || o.abandoned !== undefined || IB_ENDED_STATUSES.has(o.status ?? '') || (o.quantity > 0 && this.executed(o).filled >= o.quantity);
  }

  private positionEnded(positionId: string): void {
    const orders = this.ordersOf(positionId);
    for (const o of orders) if (this.finished(o)) this.forget(o);
    if (orders.some((o) => this.byRef.has(o.orderRef))) this.endedPositions.add(positionId);
  }

  private forget(o: OrderRecord): void {
    this.byRef.delete(o.orderRef);
    if (this.refById.get(o.orderId) === o.orderRef) this.refById.delete(o.orderId);
    for (const f of this.fillsOf(o.orderRef)) this.fills.delete(f.execId);
    if (!this.ordersOf(o.positionId).length) this.endedPositions.delete(o.positionId);
  }

  private applyOrder(bead: BeadOf<'ORDER'>): OrderRecord | undefined {
    const d = bead.data;
    let record = this.byRef.get(d.order_ref);
    if (d.event === 'SUBMIT_REQUESTED') {
      if (d.order_id === undefined || d.position_id === undefined || d.role === undefined || d.pair === undefined || d.action === undefined) return undefined;
      // A request sent again after a crash keeps what the broker already said of the order.
      record = {
        ...(record ?? { acknowledged: false, filled: 0 }),
        orderRef: d.order_ref,
        orderId: d.order_id,
        role: d.role,
        positionId: d.position_id,
        correlationId: bead.correlation_id,
        pair: d.pair,
        action: d.action,
        quantity: d.quantity ?? 0,
        orderType: d.order_type ?? 'MKT',
        requestedAt: Date.parse(bead.ts),
        ...(d.limit_price === undefined ? {} : { limitPrice: d.limit_price }),
        ...(d.stop_price === undefined ? {} : { stopPrice: d.stop_price }),
        ...(d.parent_id === undefined ? {} : { parentId: d.parent_id }),
        ...(d.oca_group === undefined ? {} : { ocaGroup: d.oca_group }),
      };
      this.byRef.set(d.order_ref, record);
      this.refById.set(d.order_id, d.order_ref);
      return record;
    }
    if (record === undefined) return undefined;
    switch (d.event) {
      case 'STATUS':
      case 'RECOVERED':
        record.acknowledged = true;
        if (d.status !== undefined) record.status = d.status;
        if (d.filled !== undefined) record.filled = Math.max(record.filled, d.filled);
        if (d.avg_fill_price !== undefined && d.avg_fill_price > 0) record.avgFillPrice = d.avg_fill_price;
        break;
      case 'REJECTED':
        record.acknowledged = true;
        record.rejected = {
          reason: d.reason ?? 'rejected',
          ...(d.error_code === undefined ? {} : { code: d.error_code }),
        };
        break;
      case 'CANCELLED':
        // Phoenix's own verdict on an order it gave up on; the broker's cancels come as a STATUS.
        if (!record.acknowledged) record.abandoned = d.reason ?? 'abandoned';
        record.status = 'Cancelled';
        break;
      case 'SENT':
      case 'CANCEL_REQUESTED':
        break;
    }
    return record;
  }

  private applyFill(bead: BeadOf<'FILL'>): OrderRecord | undefined {
    const d = bead.data;
    const record = (d.order_ref ? this.byRef.get(d.order_ref) : undefined) ?? this.byOrderId(d.order_id);
    if (record === undefined) return undefined;
    // An execution is proof the broker had the order.
    record.acknowledged = true;
    this.fills.set(d.exec_id, {
      execId: d.exec_id,
      orderRef: record.orderRef,
      quantity: d.quantity,
      price: d.price,
      time: d.time,
    });
    return record;
  }
}
