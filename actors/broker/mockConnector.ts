import type { Pair } from '../../beads/index.ts';
import { bracketProblem, bracketSequence } from './bracket.ts';
import {
  type AccountSummary,
  type BracketOrders,
  type BrokerPosition,
  type CompletedOrderView,
  type ConnectOutcome,
  ConnectorEmitter,
  type ConnectorEvents,
  type ExecutionReport,
  type IBKRConnector,
  type LinkLoss,
  NotConnectedError,
  type OpenOrderView,
  OrderRefusedError,
  type PlaceOptions,
  type SessionInfo,
  type Unsubscribe,
} from './connector.ts';
import { contractFor } from './contracts.ts';
import { MockBroker } from './mockBroker.ts';
import type { OrderIdAllocator } from './orderIds.ts';
import type { MessagePacer, PacingLane } from './pacer.ts';
import type { OrderTicket } from './submitGuards.ts';

/**
 * The mock backend (IBKR_MODE=mock): the same interface and semantics as the
 * real client, against an in-process MockBroker. Answers arrive on a later
 * turn of the event loop, as they would over a socket, so callers cannot
 * come to rely on a synchronous answer that the real gateway never gives.
 * Tests reach the broker through `broker` and cut the link with `sever`.
 */

export interface MockConnectorOptions {
  account: string;
  port: number;
  pacer: MessagePacer;
  orderIds: OrderIdAllocator;
  now(): number;
  firstOrderId?: number;
}

export class MockConnector implements IBKRConnector {
  readonly backend = 'mock' as const;
  readonly pacer: MessagePacer;
  readonly orderIds: OrderIdAllocator;
  readonly broker: MockBroker;
  private readonly emitter = new ConnectorEmitter();
  private current: SessionInfo | undefined;
  private reqId = 0;
  private readonly subs = new Map<number, Pair>();
  private readonly placed = new Set<number>();
  private closed = false;

  constructor(private readonly options: MockConnectorOptions) {
    this.pacer = options.pacer;
    this.orderIds = options.orderIds;
    // Events are dropped while disconnected, as a socket would drop them; resync finds what was missed.
    const deliver = <K extends keyof ConnectorEvents>(event: K, payload: ConnectorEvents[K]) =>
      setImmediate(() => {
        if (this.current) this.emitter.emit(event, payload);
      });
    this.broker = new MockBroker(
      options.account,
      options.now,
      {
        orderStatus: (u) => deliver('orderStatus', u),
        execution: (e) => deliver('execution', e),
        priceMoved: (pair) => {
          const q = this.broker.quote(pair);
          for (const [id, p] of this.subs) {
            if (p === pair) deliver('tick', { subscriptionId: id, pair, bid: q.bid, ask: q.ask, last: Number(q.mid.toFixed(5)), at: options.now() });
          }
        },
      },
      options.firstOrderId ?? 1,
    );
  }

  session(): SessionInfo | undefined {
    return this.current;
  }

  on<K extends keyof ConnectorEvents>(event: K, listener: (payload: ConnectorEvents[K]) => void): Unsubscribe {
    return this.emitter.on(event, listener);
  }

  async connect(): Promise<ConnectOutcome> {
    if (this.closed) return { ok: false, reason: 'the connector is closed' };
    if (!this.current) {
      this.current = { managedAccounts: [this.options.account], nextValidId: this.broker.nextValidId, port: this.options.port, connectedAt: this.options.now() };
      this.orderIds.adopt(this.broker.nextValidId);
    }
    return { ok: true, session: this.current };
  }

  async disconnect(_reason: string): Promise<void> {
    this.current = undefined;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.current = undefined;
    this.pacer.close('the connector is shutting down');
  }

  /** Test knob: the link dies as a killed gateway's would. */
  sever(loss: LinkLoss = { kind: 'socket', reason: 'the gateway closed the connection', at: this.options.now() }): void {
    if (!this.current) return;
    this.current = undefined;
    this.emitter.emit('lost', loss);
  }

  private async paced(lane: PacingLane, what: string): Promise<void> {
    if (!this.current) throw new NotConnectedError(what);
    const verdict = await this.pacer.acquire(1, lane);
    if (!verdict.ok) throw new OrderRefusedError(`${what} not sent: ${verdict.reason}`);
    if (!this.current) throw new NotConnectedError(what);
  }

  async accountSummary(): Promise<AccountSummary> {
    await this.paced('request', 'account summary');
    const net = 1_000_000;
    const usd = (v: number) => ({ value: v.toFixed(2), currency: 'USD' });
    return { account: this.options.account, values: { NetLiquidation: usd(net), TotalCashValue: usd(net), BuyingPower: usd(net * 4), AvailableFunds: usd(net) } };
  }

  async positions(): Promise<BrokerPosition[]> {
    await this.paced('request', 'positions');
    return [...this.broker.positions].map(([pair, p]) => ({ account: this.options.account, pair, quantity: p.quantity, avgCost: p.avgCost }));
  }

  async openOrders(): Promise<OpenOrderView[]> {
    await this.paced('request', 'open orders');
    const orders = this.broker.openOrders();
    for (const o of orders) this.orderIds.markUsed(o.orderId);
    return orders;
  }

  async executionsSince(sinceMs: number | null): Promise<ExecutionReport[]> {
    await this.paced('request', 'executions');
    return this.broker.executions.filter((e) => sinceMs === null || e.timeMs >= sinceMs - 60_000).map(({ timeMs: _t, ...e }) => ({ ...e }));
  }

  async completedOrders(): Promise<CompletedOrderView[]> {
    await this.paced('request', 'completed orders');
    return this.broker.completedOrders();
  }

  async subscribe(symbol: string): Promise<number> {
    const lookup = contractFor(symbol);
    if (!lookup.ok) throw new OrderRefusedError(`market data refused: ${lookup.reason}`);
    await this.paced('request', `market data for ${lookup.pair}`);
    this.reqId += 1;
    this.subs.set(this.reqId, lookup.pair);
    this.broker.setPrice(lookup.pair, this.broker.quote(lookup.pair).mid);
    return this.reqId;
  }

  async unsubscribe(subscriptionId: number): Promise<void> {
    this.subs.delete(subscriptionId);
  }

  async resubscribe(): Promise<void> {
    for (const pair of new Set(this.subs.values())) {
      await this.paced('request', `market data for ${pair}`);
      this.broker.setPrice(pair, this.broker.quote(pair).mid);
    }
  }

  subscriptions(): ReadonlyMap<number, Pair> {
    return this.subs;
  }

  private submit(ticket: OrderTicket): void {
    const lookup = contractFor(ticket.pair);
    if (!lookup.ok) throw new OrderRefusedError(`order ${ticket.orderRef} refused: ${lookup.reason}`);
    this.placed.add(ticket.orderId);
    this.orderIds.markUsed(ticket.orderId);
    const verdict = this.broker.place({ ...ticket, pair: lookup.pair, transmit: ticket.transmit ?? true });
    if (!verdict.ok) {
      const rejection = { orderId: ticket.orderId, code: verdict.code, message: verdict.message };
      setImmediate(() => this.current && this.emitter.emit('orderRejected', rejection));
    }
  }

  private check(ticket: OrderTicket): void {
    if (!this.current) throw new NotConnectedError(`order ${ticket.orderRef}`);
    const lookup = contractFor(ticket.pair);
    if (!lookup.ok) throw new OrderRefusedError(`order ${ticket.orderRef} refused: ${lookup.reason}`);
    if (this.placed.has(ticket.orderId)) throw new OrderRefusedError(`order ${ticket.orderRef} refused: order id ${ticket.orderId} was already used`);
  }

  async placeOrder(ticket: OrderTicket, options: PlaceOptions = {}): Promise<void> {
    this.check(ticket);
    if (!options.prepaid) await this.paced('order', `order ${ticket.orderRef}`);
    if (!this.current) throw new NotConnectedError(`order ${ticket.orderRef}`);
    this.submit(ticket);
  }

  async placeBracket(bracket: BracketOrders, options: PlaceOptions = {}): Promise<void> {
    const problem = bracketProblem(bracket);
    if (problem) throw new OrderRefusedError(`bracket ${bracket.entry.orderRef} refused: ${problem}`);
    const sequence = bracketSequence(bracket);
    for (const t of sequence) this.check(t);
    if (!options.prepaid) {
      const verdict = await this.pacer.acquire(sequence.length, 'order');
      if (!verdict.ok) throw new OrderRefusedError(`bracket ${bracket.entry.orderRef} not sent: ${verdict.reason}`);
    }
    if (!this.current) throw new NotConnectedError(`bracket ${bracket.entry.orderRef}`);
    for (const t of sequence) this.submit(t);
  }

  async cancelOrder(orderId: number): Promise<void> {
    await this.paced('request', `cancel order ${orderId}`);
    const verdict = this.broker.cancel(orderId);
    if (!verdict.ok) {
      const notice = { code: verdict.code, message: verdict.message, reqId: orderId, severity: 'error' as const };
      setImmediate(() => this.current && this.emitter.emit('notice', notice));
    }
  }

  async globalCancel(): Promise<void> {
    await this.paced('request', 'global cancel');
    this.broker.globalCancel();
  }
}
