import { type Bead, type BeadData, streams } from '../../beads/index.ts';
import type { IBKRConnector, OrderRejection, OrderStatusUpdate } from '../broker/connector.ts';
import type { FillRecorder } from '../broker/fillRecorder.ts';
import type { BeadWriter } from '../../runtime/beadWriter.ts';
import type { Logger } from '../../runtime/logger.ts';
import type { OrderBook, OrderRecord } from './orderBook.ts';
import { Mailbox } from '../../runtime/mailbox.ts';

/**
 * Broker news about Phoenix's own orders, recorded and routed. Each status
 * change and rejection becomes an ORDER bead on the order's stream (the
 * record first), then the position it belongs to hears of it. Fills are
 * recorded by the fill recorder; the router only routes them. Orders Phoenix
 * did not send are left to reconciliation.
 */

type OrderEventData = BeadData<'ORDER'>;

export class OrderRouter {
  private readonly queue: Mailbox;
  private readonly offs: (() => void)[] = [];

  constructor(
    private readonly book: OrderBook,
    private readonly writer: BeadWriter,
    private readonly logger: Logger,
    /** A position's facts changed. */
    private readonly notify: (positionId: string) => void,
  ) {
    this.queue = new Mailbox(logger, 'order router');
  }

  listen(connector: IBKRConnector, fills: FillRecorder): void {
    this.offs.push(
      connector.on('orderStatus', (u) => void this.queue.run(() => this.onStatus(u))),
      connector.on('orderRejected', (r) => void this.queue.run(() => this.onRejected(r))),
    );
    fills.onFill(({ bead }) =>
      void this.queue.run(() => {
        if (bead.bead_type === 'FILL') {
          const f = bead.data;
          this.logger.info({ orderRef: f.order_ref, positionId: f.position_id, pair: f.pair, side: f.side, quantity: f.quantity, price: f.price, execId: f.exec_id }, 'fill');
        }
        this.applyAndNotify(bead);
      }),
    );
  }

  stop(): void {
    for (const off of this.offs.splice(0)) off();
  }

  settled(): Promise<void> {
    return this.queue.settled();
  }

  /** A bead about an order already in the log (a write-ahead, a fill): fold it and tell its position. */
  applyAndNotify(bead: Bead): void {
    const record = this.book.apply(bead);
    if (record) this.notify(record.positionId);
  }

  /** Appends an ORDER bead for one of our orders, folds it, tells its position. */
  async record(o: OrderRecord, data: Omit<OrderEventData, 'order_ref'>, causationId?: string): Promise<Bead> {
    const { beads } = await this.writer.write({
      bead_type: 'ORDER',
      stream: streams.order(o.orderRef),
      correlation_id: o.correlationId,
      ...(causationId === undefined ? {} : { causation_id: causationId }),
      data: {
        order_ref: o.orderRef,
        order_id: o.orderId,
        role: o.role,
        position_id: o.positionId,
        pair: o.pair,
        ...data,
      },
    });
    const bead = beads[0]!;
    this.applyAndNotify(bead);
    return bead;
  }

  /**
   * Orders written ahead before a restart that the broker had not acknowledged:
   * the broker's first word about one of them is the lookup's answer, and is
   * recorded as RECOVERED (it reached the broker; it is not sent again).
   */
  awaitLookup(refs: Iterable<string>): void {
    for (const ref of refs) this.lookingUp.add(ref);
  }

  private readonly lookingUp = new Set<string>();

  private async onStatus(u: OrderStatusUpdate): Promise<void> {
    const o = this.book.byOrderId(u.orderId);
    if (o === undefined) return;
    // IB repeats a status many times; only a change is a fact worth a bead.
    if (o.acknowledged && o.status === u.status && o.filled >= u.filled) return;
    const recovered = this.lookingUp.delete(o.orderRef) && !o.acknowledged;
    // An exit order (stop, target, close) done in full ends its position: the one place that is known first.
    if (o.role !== 'ENTRY' && u.status === 'Filled' && o.status !== 'Filled') {
      this.logger.info({ positionId: o.positionId, orderRef: o.orderRef, by: o.role, pair: o.pair, side: o.action, quantity: u.filled, ...(u.avgFillPrice > 0 ? { price: u.avgFillPrice } : {}) }, 'position closed');
    }
    await this.record(o, {
      event: recovered ? 'RECOVERED' : 'STATUS',
      ...(recovered ? { reason: 'reported by the broker after a restart: it had reached the broker, so it is not sent again' } : {}),
      status: u.status,
      filled: u.filled,
      remaining: Math.max(0, u.remaining),
      ...(u.avgFillPrice > 0 ? { avg_fill_price: u.avgFillPrice } : {}),
      ...(u.permId ? { perm_id: u.permId } : {}),
      ...(u.parentId ? { parent_id: u.parentId } : {}),
    });
  }

  private async onRejected(r: OrderRejection): Promise<void> {
    const o = this.book.byOrderId(r.orderId);
    if (o === undefined || o.rejected) return;
    const price = o.limitPrice ?? o.stopPrice;
    this.logger.warn({ orderRef: o.orderRef, positionId: o.positionId, role: o.role, pair: o.pair, side: o.action, quantity: o.quantity, ...(price === undefined ? {} : { price }), code: r.code }, `order rejected by the broker: ${r.message}`);
    await this.record(o, {
      event: 'REJECTED',
      error_code: r.code,
      reason: `${r.code}: ${r.message}`,
    });
  }
}
