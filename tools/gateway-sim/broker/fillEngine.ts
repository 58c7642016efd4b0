/**
 * Executes working orders: decides when the market reaches them, applies the
 * chaos flags (delayed and partial fills), books each fill, and carries out
 * what a complete fill sets off: a bracket's children start working and the
 * rest of an OCA group is cancelled.
 */
import type { PairName } from '../market/fxPairs.ts';
import type { PriceBook } from '../market/priceBook.ts';
import type { BrokerListener, ChaosFlags } from './brokerEvents.ts';
import { type BrokerState, isCancellable, type SimOrder } from './brokerTypes.ts';
import { type CancelCause, stampCompleted } from './completion.ts';
import { fillPrice, fillQuantity, isMarketable } from './fillRules.ts';
import type { Ledger } from './ledger.ts';

export class FillEngine {
  private readonly delayedFills = new Map<number, NodeJS.Timeout>();

  constructor(
    private readonly state: BrokerState,
    private readonly prices: PriceBook,
    private readonly ledger: Ledger,
    private readonly listener: BrokerListener,
    private readonly flags: ChaosFlags,
    private readonly clock: () => number,
    /** Cancels an order (and its children); the broker owns cancellation. */
    private readonly cancel: (order: SimOrder, change: CancelCause) => void,
  ) {}

  /**
   * Fills whatever the current prices make marketable. Each order fills at
   * most once per call, so the rest of a partial fill waits for the next
   * price change (or a fill-order). Children that a fill sets working are
   * checked in the same call.
   */
  evaluate(pairs: readonly PairName[]): void {
    const done = new Set<number>();
    for (let progressed = true; progressed; ) {
      progressed = false;
      const working = this.state.orders
        .filter((o) => o.status === 'Submitted' && pairs.includes(o.pair))
        .filter((o) => !done.has(o.orderId) && !this.delayedFills.has(o.orderId))
        .sort((a, b) => a.orderId - b.orderId);
      for (const order of working) {
        if (order.status !== 'Submitted') continue;
        if (!isMarketable(order, this.prices.quote(order.pair))) continue;
        done.add(order.orderId);
        progressed = true;
        this.trigger(order);
      }
    }
  }

  /** Books a fill of `quantity` at `price` now, whatever the market says. */
  fill(order: SimOrder, quantity: number, price: number): void {
    this.cancelDelayedFill(order.orderId);
    const filledBefore = order.filled;
    order.filled = filledBefore + quantity;
    order.remaining = order.totalQuantity - order.filled;
    order.avgFillPrice = Number(((order.avgFillPrice * filledBefore + price * quantity) / order.filled).toFixed(6));
    order.lastFillPrice = price;
    order.status = order.remaining === 0 ? 'Filled' : 'Submitted';
    order.updatedAt = new Date(this.clock()).toISOString();
    if (order.status === 'Filled') stampCompleted(order, 'filled', order.updatedAt);
    const { execution, position } = this.ledger.recordFill(order, quantity, price);
    this.listener.executed(execution, order);
    this.listener.orderChanged(order, order.status === 'Filled' ? 'filled' : 'partiallyFilled');
    this.listener.positionChanged(position);
    if (order.status === 'Filled') this.afterCompleteFill(order);
    this.listener.stateChanged();
  }

  cancelDelayedFill(orderId: number): void {
    const timer = this.delayedFills.get(orderId);
    if (timer) clearTimeout(timer);
    this.delayedFills.delete(orderId);
  }

  dispose(): void {
    for (const timer of this.delayedFills.values()) clearTimeout(timer);
    this.delayedFills.clear();
  }

  private trigger(order: SimOrder): void {
    const delay = this.flags.delayFillsMs;
    if (delay <= 0) {
      this.fillAtMarket(order);
      return;
    }
    const timer = setTimeout(() => {
      this.delayedFills.delete(order.orderId);
      if (order.status !== 'Submitted') return;
      this.fillAtMarket(order);
      this.evaluate([order.pair]);
    }, delay);
    this.delayedFills.set(order.orderId, timer);
  }

  private fillAtMarket(order: SimOrder): void {
    const partial = this.flags.partialNext;
    this.flags.partialNext = false;
    this.fill(order, fillQuantity(order.remaining, partial), fillPrice(order, this.prices.quote(order.pair)));
  }

  private afterCompleteFill(order: SimOrder): void {
    for (const child of this.state.orders) {
      if (child.parentId === order.orderId && child.status === 'PreSubmitted') {
        child.status = 'Submitted';
        child.updatedAt = order.updatedAt;
        this.listener.orderChanged(child, 'activated');
      }
    }
    if (order.ocaGroup === '') return;
    for (const other of this.state.orders) {
      if (other.orderId === order.orderId || other.ocaGroup !== order.ocaGroup) continue;
      if (other.clientId !== order.clientId || !isCancellable(other.status)) continue;
      this.cancel(other, 'ocaCancelled');
    }
  }
}
