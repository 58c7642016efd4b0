/**
 * The simulated broker: it accepts, holds, triggers, fills and cancels orders
 * and books the fills. It knows nothing of sockets; whatever the clients must
 * hear goes out through the BrokerListener, so fills also happen while no
 * client is connected (and are found later through reqExecutions).
 *
 * Brackets: children of an unfilled parent wait as PreSubmitted and start
 * working (Submitted) when the parent is completely filled. OCA: when a member
 * of an OCA group is completely filled, the other open members are cancelled;
 * a partial fill leaves them alone. Cancelling a parent cancels its children.
 */
import type { FxPair, PairName } from '../market/fxPairs.ts';
import type { PriceBook } from '../market/priceBook.ts';
import type { ExecutionFilterSpec, OrderSpec } from '../protocol/requests.ts';
import type { BrokerListener, ChaosFlags, Rejection } from './brokerEvents.ts';
import {
  type BrokerState,
  type Execution,
  isCancellable,
  isOpenStatus,
  type OrderType,
  type Position,
  type SimOrder,
} from './brokerTypes.ts';
import { type CancelCause, completedOrders, stampCompleted } from './completion.ts';
import { FillEngine } from './fillEngine.ts';
import { fillPrice } from './fillRules.ts';
import { Ledger, type PortfolioRow } from './ledger.ts';
import {
  NO_SECURITY_DEFINITION,
  rejected,
  type Verdict,
  validateModification,
  validateNewOrder,
} from './orderValidation.ts';

export type { BrokerListener, ChaosFlags, OrderChange, Rejection } from './brokerEvents.ts';

export class Broker {
  readonly flags: ChaosFlags = {
    delayFillsMs: 0,
    partialNext: false,
    rejectNext: undefined,
  };
  /** Refused orders, newest last; kept in memory only, for the control channel. */
  readonly rejections: Rejection[] = [];
  private readonly ledger: Ledger;
  private readonly fills: FillEngine;

  constructor(
    readonly state: BrokerState,
    private readonly prices: PriceBook,
    readonly account: string,
    private readonly listener: BrokerListener,
    private readonly clock: () => number = Date.now,
  ) {
    this.ledger = new Ledger(state, account, clock);
    this.fills = new FillEngine(state, prices, this.ledger, listener, this.flags, clock, (order, change) =>
      this.cancel(order, change),
    );
  }

  get nextValidId(): number {
    return this.state.nextValidId;
  }

  /** Sets the next id outright, lower included: a restarted gateway can roll it back. */
  setNextValidId(id: number): void {
    this.state.nextValidId = id;
    this.listener.stateChanged();
  }

  order(orderId: number): SimOrder | undefined {
    return this.state.orders.find((o) => o.orderId === orderId);
  }

  openOrders(clientId?: number): SimOrder[] {
    return this.state.orders.filter(
      (o) => isOpenStatus(o.status) && (clientId === undefined || o.clientId === clientId),
    );
  }

  /** Finished orders of every client (reqCompletedOrders), oldest first. */
  completedOrders(): SimOrder[] {
    return completedOrders(this.state);
  }

  /** The order that `order` is a child of, if any (for a completed order's parentPermId). */
  parentOf(order: SimOrder): SimOrder | undefined {
    return order.parentId === 0 ? undefined : this.order(order.parentId);
  }

  positions(): Position[] {
    return this.ledger.positions();
  }

  findExecutions(filter: ExecutionFilterSpec): Execution[] {
    return this.ledger.findExecutions(filter);
  }

  accountValues(): Record<string, string> {
    return this.ledger.accountValues(this.prices);
  }

  portfolio(): PortfolioRow[] {
    return this.ledger.portfolio(this.prices);
  }

  placeOrder(clientId: number, orderId: number, pair: FxPair | undefined, spec: OrderSpec): Verdict {
    const verdict = this.admit(clientId, orderId, pair, spec);
    // A refused order still uses up its id, as at IB.
    if (orderId >= this.state.nextValidId) {
      this.state.nextValidId = orderId + 1;
      this.listener.stateChanged();
    }
    if (!verdict.ok) {
      this.rejections.push({
        orderId,
        clientId,
        code: verdict.code,
        message: verdict.message,
        orderRef: spec.orderRef,
        at: new Date(this.clock()).toISOString(),
      });
    }
    return verdict;
  }

  cancelOrder(clientId: number, orderId: number): Verdict {
    const order = this.order(orderId);
    if (!order || order.clientId !== clientId) {
      return {
        ok: false,
        code: 10147,
        message: `OrderId ${orderId} that needs to be cancelled is not found.`,
      };
    }
    if (!isCancellable(order.status)) {
      return {
        ok: false,
        code: 10148,
        message: `OrderId ${orderId} that needs to be cancelled cannot be cancelled, state: ${order.status}.`,
      };
    }
    this.cancel(order, 'cancelled');
    this.listener.stateChanged();
    return { ok: true };
  }

  /** Cancels every order that can still be cancelled, of every client. */
  globalCancel(): number {
    const targets = this.state.orders.filter((o) => isCancellable(o.status));
    for (const order of targets) {
      if (isCancellable(order.status)) this.cancel(order, 'cancelled');
    }
    if (targets.length > 0) this.listener.stateChanged();
    return targets.length;
  }

  /** Fills a working order now, whatever the price says (the control channel's fill-order). */
  fillNow(orderId: number, quantity?: number, price?: number): Verdict {
    const order = this.order(orderId);
    if (!order) return { ok: false, code: 404, message: `no order ${orderId}` };
    if (order.status !== 'Submitted') {
      return {
        ok: false,
        code: 409,
        message: `order ${orderId} is ${order.status}, not working`,
      };
    }
    const qty = quantity ?? order.remaining;
    if (!(qty > 0 && qty <= order.remaining)) {
      return {
        ok: false,
        code: 400,
        message: `quantity must be in (0, ${order.remaining}]`,
      };
    }
    this.fills.fill(order, qty, price ?? fillPrice(order, this.prices.quote(order.pair)));
    this.evaluate([order.pair]);
    return { ok: true };
  }

  spoofPosition(pair: PairName, position: number, avgCost: number | undefined): Position {
    const changed = this.ledger.spoofPosition(pair, position, avgCost);
    this.listener.positionChanged(changed);
    this.listener.stateChanged();
    return changed;
  }

  /** Fills whatever the current prices make marketable (see FillEngine.evaluate). */
  evaluate(pairs: readonly PairName[]): void {
    this.fills.evaluate(pairs);
  }

  /** Stops pending delayed fills; used when the simulator shuts down. */
  dispose(): void {
    this.fills.dispose();
  }

  private admit(clientId: number, orderId: number, pair: FxPair | undefined, spec: OrderSpec): Verdict {
    if (!pair) return { ok: false, code: 200, message: NO_SECURITY_DEFINITION };
    const existing = this.order(orderId);
    if (existing) {
      if (existing.clientId !== clientId || !isCancellable(existing.status)) {
        return { ok: false, code: 103, message: 'Duplicate order id' };
      }
      return this.modify(existing, spec);
    }
    if (this.flags.rejectNext !== undefined) {
      const reason = this.flags.rejectNext;
      this.flags.rejectNext = undefined;
      return rejected(reason);
    }
    const parent = spec.parentId === 0 ? undefined : this.order(spec.parentId);
    const verdict = validateNewOrder(spec, {
      account: this.account,
      clientId,
      parent,
    });
    if (!verdict.ok) return verdict;

    const now = new Date(this.clock()).toISOString();
    const order: SimOrder = {
      orderId,
      clientId,
      permId: this.state.nextPermId,
      parentId: spec.parentId,
      pair: pair.name,
      action: spec.action as 'BUY' | 'SELL',
      totalQuantity: spec.totalQuantity,
      orderType: spec.orderType as OrderType,
      lmtPrice: spec.lmtPrice ?? null,
      auxPrice: spec.auxPrice ?? null,
      tif: spec.tif === '' ? 'DAY' : spec.tif,
      ocaGroup: spec.ocaGroup,
      ocaType: spec.ocaType,
      account: this.account,
      orderRef: spec.orderRef,
      status: 'Untransmitted',
      filled: 0,
      remaining: spec.totalQuantity,
      avgFillPrice: 0,
      lastFillPrice: 0,
      createdAt: now,
      updatedAt: now,
    };
    this.state.nextPermId += 1;
    this.state.orders.push(order);
    if (spec.transmit === '1') this.transmit(order);
    this.listener.stateChanged();
    return { ok: true };
  }

  private modify(order: SimOrder, spec: OrderSpec): Verdict {
    const verdict = validateModification(spec, order);
    if (!verdict.ok) return verdict;
    order.lmtPrice = spec.lmtPrice ?? null;
    order.auxPrice = spec.auxPrice ?? null;
    order.totalQuantity = spec.totalQuantity;
    order.remaining = spec.totalQuantity - order.filled;
    if (spec.orderRef !== '') order.orderRef = spec.orderRef;
    order.updatedAt = new Date(this.clock()).toISOString();
    if (order.status === 'Untransmitted') {
      if (spec.transmit === '1') this.transmit(order);
    } else {
      this.listener.orderChanged(order, 'modified');
      this.evaluate([order.pair]);
    }
    this.listener.stateChanged();
    return { ok: true };
  }

  /** Transmitting any member of a bracket transmits the held rest of it, parent first. */
  private transmit(order: SimOrder): void {
    const rootId = order.parentId !== 0 ? order.parentId : order.orderId;
    const group = this.state.orders
      .filter((o) => o.orderId === rootId || o.parentId === rootId)
      .filter((o) => o.status === 'Untransmitted')
      .sort((a, b) => a.orderId - b.orderId);
    for (const member of group) {
      const parent = member.parentId === 0 ? undefined : this.order(member.parentId);
      member.status = parent && parent.status !== 'Filled' ? 'PreSubmitted' : 'Submitted';
      member.updatedAt = new Date(this.clock()).toISOString();
      this.listener.orderChanged(member, 'placed');
    }
    this.evaluate([order.pair]);
  }

  private cancel(order: SimOrder, change: CancelCause): void {
    this.fills.cancelDelayedFill(order.orderId);
    order.status = 'Cancelled';
    order.updatedAt = new Date(this.clock()).toISOString();
    stampCompleted(order, change, order.updatedAt);
    this.listener.orderChanged(order, change);
    for (const child of this.state.orders) {
      if (child.parentId === order.orderId && isCancellable(child.status)) this.cancel(child, 'parentCancelled');
    }
  }
}
