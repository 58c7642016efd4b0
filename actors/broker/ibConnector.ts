import type { IBApi } from '@stoqey/ib';
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
  NotConnectedError,
  type OpenOrderView,
  OrderRefusedError,
  type PlaceOptions,
  type SessionInfo,
  type Unsubscribe,
} from './connector.ts';
import { contractFor } from './contracts.ts';
import { gather } from './gather.ts';
import { IbInbound } from './ibInbound.ts';
import { type IbLink, openIbLink } from './ibLink.ts';
import { executionFilterTime, wireOrder } from './ibOrders.ts';
import { LivenessProbe, } from './livenessProbe.ts';
import type { OrderIdAllocator } from './orderIds.ts';
import type { MessagePacer, PacingLane } from './pacer.ts';
import type { IbConnectorOptions } from './ibConnectorOptions.ts';
import type { OrderTicket } from './submitGuards.ts';

/** The paper/live backend: the real @stoqey/ib client over TCP (S4.2). */

export type { IbConnectorOptions } from './ibConnectorOptions.ts';

/** Request ids for market data and reports; far above any order id, since IB's errors do not say which kind an id is. */
const FIRST_REQ_ID = 1_500_000_000;
/** Executions are asked for from a little before the loss: the filter has whole seconds and clocks differ. */
const EXECUTION_LOOKBACK_MS = 60_000;

export class IbConnector implements IBKRConnector {
  readonly backend = 'ib' as const;
  readonly pacer: MessagePacer;
  readonly orderIds: OrderIdAllocator;
  private readonly emitter: ConnectorEmitter;
  private readonly inbound: IbInbound;
  private link: IbLink | undefined;
  private probe: LivenessProbe | undefined;
  private reqId = FIRST_REQ_ID;
  private readonly placed = new Set<number>();
  private readonly subs = new Map<number, Pair>();
  /**
   * The link each subscription was last requested on. IB keeps a subscription
   * for the life of the socket, so a resubscribe repeats only those asked on
   * an earlier socket, or lost with IB's data (1101): a repeat on the same
   * socket is answered with 322 "Duplicate ticker id".
   */
  private readonly requestedOn = new Map<number, IbLink>();
  /** The gateway told us (1100) that its own link to IB is down; orders would not get anywhere. */
  private upstreamLost = false;
  private closing = false;

  constructor(private readonly options: IbConnectorOptions) {
    this.pacer = options.pacer;
    this.orderIds = options.orderIds;
    this.emitter = new ConnectorEmitter((event, err) => options.logger.error({ event, err: String(err) }, 'a connector listener threw'));
    this.inbound = new IbInbound(this.emitter, {
      now: options.now,
      alive: () => this.probe?.alive(),
      isOurOrder: (id) => this.placed.has(id),
      // Every id this desk allocates is at most the highest used (kept from the log across restarts).
      isKnownOrder: (id) => this.placed.has(id) || id <= this.orderIds.highestUsed,
      nextValidId: (id) => this.orderIds.adopt(id),
      commissionWaitMs: 250,
    });
    this.emitter.on('connectivity', ({ kind }) => {
      if (kind === 'UPSTREAM_LOST') this.upstreamLost = true;
      if (kind === 'RESTORED_DATA_KEPT' || kind === 'RESTORED_DATA_LOST') this.upstreamLost = false;
      if (kind === 'RESTORED_DATA_LOST') this.requestedOn.clear();
    });
  }

  session(): SessionInfo | undefined {
    return this.link?.isOpen ? this.link.info : undefined;
  }

  on<K extends keyof ConnectorEvents>(event: K, listener: (payload: ConnectorEvents[K]) => void): Unsubscribe {
    return this.emitter.on(event, listener);
  }

  async connect(): Promise<ConnectOutcome> {
    if (this.closing) return { ok: false, reason: 'the connector is closed' };
    const current = this.session();
    if (current) return { ok: true, session: current };
    const { host, port, clientId, handshakeTimeoutMs, now } = this.options;
    const outcome = await openIbLink({ host, port, clientId, handshakeTimeoutMs, now, wire: (ib: IBApi) => this.inbound.wire(ib) });
    if (!outcome.ok) return outcome;
    const link = outcome.link;
    this.link = link;
    this.upstreamLost = false;
    this.orderIds.adopt(link.info.nextValidId);
    link.onLost((reason) => this.lose(link, { kind: 'socket', reason, at: now() }));
    this.probe = new LivenessProbe(this.options.probe, {
      now,
      send: () => this.send('probe', 'liveness probe', (ib) => ib.reqCurrentTime()).catch(() => undefined),
      dead: (lastAliveAt) => {
        const silentMs = now() - lastAliveAt;
        this.lose(link, { kind: 'probe', reason: `liveness probe unanswered for ${Math.round(silentMs)} ms (half-open gateway)`, at: lastAliveAt });
      },
    });
    this.probe.start();
    return { ok: true, session: link.info };
  }

  async disconnect(_reason: string): Promise<void> {
    this.drop(new NotConnectedError('request ended by disconnect'));
  }

  async close(): Promise<void> {
    this.closing = true;
    this.pacer.close('the connector is shutting down');
    this.drop(new NotConnectedError('request ended by shutdown'));
  }

  private drop(err: Error): void {
    this.probe?.stop();
    this.probe = undefined;
    const link = this.link;
    this.link = undefined;
    link?.close();
    this.inbound.failAll(err);
  }

  private lose(link: IbLink, loss: ConnectorEvents['lost']): void {
    if (this.link !== link) return;
    this.drop(new NotConnectedError(`request ended by a lost connection (${loss.reason})`));
    this.emitter.emit('lost', loss);
  }

  /** Every outgoing message passes here: paced, and only on a live session. */
  private async send(lane: PacingLane, what: string, write: (ib: IBApi) => void): Promise<void> {
    if (!this.session()) throw new NotConnectedError(what);
    const verdict = await this.pacer.acquire(1, lane);
    if (!verdict.ok) throw new OrderRefusedError(`${what} not sent: ${verdict.reason}`);
    this.writeNow(what, write);
  }

  /** Writes a message whose pacing tokens are already taken. */
  private writeNow(what: string, write: (ib: IBApi) => void): void {
    const link = this.link;
    // A wait for pacing may have outlived the session; a message for a dead session is never sent on a new one.
    if (!link?.isOpen) throw new NotConnectedError(what);
    write(link.ib);
  }

  private nextReqId(): number {
    this.reqId += 1;
    return this.reqId;
  }

  async accountSummary(): Promise<AccountSummary> {
    const id = this.nextReqId();
    const rows = await gather<AccountSummary>('account summary', this.options.requestTimeoutMs, (g) => {
      this.inbound.summary.set(id, g);
      void this.send('request', 'account summary', (ib) => ib.reqAccountSummary(id, 'All', 'NetLiquidation,TotalCashValue,BuyingPower,AvailableFunds')).catch((e: Error) => g.fail(e));
    });
    // IB keeps an account summary subscription open until it is cancelled.
    await this.send('request', 'cancel account summary', (ib) => ib.cancelAccountSummary(id)).catch(() => undefined);
    const mine = rows.find((r) => r.account === this.options.account) ?? rows[0];
    if (!mine) throw new Error('account summary: the gateway returned no account');
    return mine;
  }

  positions(): Promise<BrokerPosition[]> {
    if (this.inbound.positions?.open) return Promise.reject(new Error('positions: a request is already in flight'));
    return gather<BrokerPosition>('positions', this.options.requestTimeoutMs, (g) => {
      this.inbound.positions = g;
      void this.send('request', 'positions', (ib) => ib.reqPositions()).catch((e: Error) => g.fail(e));
    });
  }

  openOrders(): Promise<OpenOrderView[]> {
    if (this.inbound.openOrders?.open) return Promise.reject(new Error('open orders: a request is already in flight'));
    return gather<OpenOrderView>('open orders', this.options.requestTimeoutMs, (g) => {
      this.inbound.openOrders = g;
      // All open orders on the account, not only this client's: reconciliation must see manual ones too.
      void this.send('request', 'open orders', (ib) => ib.reqAllOpenOrders()).catch((e: Error) => g.fail(e));
    }).then((orders) => {
      for (const o of orders) this.orderIds.markUsed(o.orderId);
      return orders;
    });
  }

  executionsSince(sinceMs: number | null): Promise<ExecutionReport[]> {
    const id = this.nextReqId();
    const filter: { clientId: string; acctCode?: string; time?: string } = { clientId: String(this.options.clientId) };
    if (this.options.account) filter.acctCode = this.options.account;
    if (sinceMs !== null) filter.time = executionFilterTime(sinceMs - EXECUTION_LOOKBACK_MS);
    return gather<ExecutionReport>('executions', this.options.requestTimeoutMs, (g) => {
      this.inbound.executions.set(id, g);
      void this.send('request', 'executions', (ib) => ib.reqExecutions(id, filter)).catch((e: Error) => g.fail(e));
    });
  }

  completedOrders(): Promise<CompletedOrderView[]> {
    if (this.inbound.completed?.open) return Promise.reject(new Error('completed orders: a request is already in flight'));
    return gather<CompletedOrderView>('completed orders', this.options.requestTimeoutMs, (g) => {
      this.inbound.completed = g;
      // apiOnly false: an order placed by hand in TWS ended too, and reconciliation must see it.
      void this.send('request', 'completed orders', (ib) => ib.reqCompletedOrders(false)).catch((e: Error) => g.fail(e));
    });
  }

  async subscribe(symbol: string): Promise<number> {
    const lookup = contractFor(symbol);
    if (!lookup.ok) throw new OrderRefusedError(`market data refused: ${lookup.reason}`);
    const id = this.nextReqId();
    this.subs.set(id, lookup.pair);
    this.inbound.marketData.set(id, lookup.pair);
    await this.send('request', `market data for ${lookup.pair}`, (ib) => this.requestMarketData(ib, id, lookup.contract));
    return id;
  }

  private requestMarketData(ib: IBApi, id: number, contract: Parameters<IBApi['reqMktData']>[1]): void {
    ib.reqMktData(id, contract, '', false, false);
    if (this.link) this.requestedOn.set(id, this.link);
  }

  async unsubscribe(subscriptionId: number): Promise<void> {
    this.subs.delete(subscriptionId);
    this.requestedOn.delete(subscriptionId);
    this.inbound.marketData.delete(subscriptionId);
    await this.send('request', 'cancel market data', (ib) => ib.cancelMktData(subscriptionId)).catch(() => undefined);
  }

  async resubscribe(): Promise<void> {
    for (const [id, pair] of this.subs) {
      const lookup = contractFor(pair);
      // Asked on this socket already (the first connect's resync subscribes before the machine's resubscribe step).
      if (!lookup.ok || (this.link && this.requestedOn.get(id) === this.link)) continue;
      await this.send('request', `market data for ${pair}`, (ib) => this.requestMarketData(ib, id, lookup.contract));
    }
  }

  subscriptions(): ReadonlyMap<number, Pair> {
    return this.subs;
  }

  private checkSendable(ticket: OrderTicket): ReturnType<typeof wireOrder> {
    if (!this.session()) throw new NotConnectedError(`order ${ticket.orderRef}`);
    if (this.upstreamLost) throw new OrderRefusedError(`order ${ticket.orderRef} refused: the gateway reports its link to IB is lost (1100)`);
    if (this.placed.has(ticket.orderId)) throw new OrderRefusedError(`order ${ticket.orderRef} refused: order id ${ticket.orderId} was already used`);
    return wireOrder(ticket, this.options.account);
  }

  async placeOrder(ticket: OrderTicket, options: PlaceOptions = {}): Promise<void> {
    const wire = this.checkSendable(ticket);
    if (!options.prepaid) {
      const verdict = await this.pacer.acquire(1, 'order');
      if (!verdict.ok) throw new OrderRefusedError(`order ${ticket.orderRef} not sent: ${verdict.reason}`);
    }
    this.placed.add(ticket.orderId);
    this.orderIds.markUsed(ticket.orderId);
    this.writeNow(`order ${ticket.orderRef}`, (ib) => ib.placeOrder(ticket.orderId, wire.contract, wire.order));
  }

  async placeBracket(bracket: BracketOrders, options: PlaceOptions = {}): Promise<void> {
    const problem = bracketProblem(bracket);
    if (problem) throw new OrderRefusedError(`bracket ${bracket.entry.orderRef} refused: ${problem}`);
    const sequence = bracketSequence(bracket);
    const wires = sequence.map((t) => this.checkSendable(t));
    if (!options.prepaid) {
      const verdict = await this.pacer.acquire(sequence.length, 'order');
      if (!verdict.ok) throw new OrderRefusedError(`bracket ${bracket.entry.orderRef} not sent: ${verdict.reason}`);
    }
    // The three go out back to back: the parent is held until the last child transmits.
    const link = this.link;
    if (!link?.isOpen) throw new NotConnectedError(`bracket ${bracket.entry.orderRef}`);
    sequence.forEach((t, i) => {
      this.placed.add(t.orderId);
      this.orderIds.markUsed(t.orderId);
      link.ib.placeOrder(t.orderId, wires[i]!.contract, wires[i]!.order);
    });
  }

  async cancelOrder(orderId: number): Promise<void> {
    await this.send('request', `cancel order ${orderId}`, (ib) => ib.cancelOrder(orderId));
  }

  async globalCancel(): Promise<void> {
    await this.send('request', 'global cancel', (ib) => ib.reqGlobalCancel());
  }
}
