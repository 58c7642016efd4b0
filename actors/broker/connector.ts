import type { Pair } from '../../beads/index.ts';
import type { BrokerRefusal } from './inboundChecks.ts';
import type { OrderIdAllocator } from './orderIds.ts';
import type { MessagePacer } from './pacer.ts';
import type { OrderTicket } from './submitGuards.ts';

/**
 * The one broker interface (S4.2) with two backends chosen by IBKR_MODE:
 * `mock` (in-process, deterministic) and `ib` (the real @stoqey/ib client over
 * TCP). The same connector test suite runs on both. A connector only does
 * I/O: reconnecting belongs to the connection machine (S3.1), guards to the
 * submit chain, and the record to the beads the actors write.
 */

/** What a connected session is, as the gateway told it. */
export interface SessionInfo {
  serverVersion?: number;
  managedAccounts: string[];
  /** The gateway's nextValidId at connect; the allocator decides what is actually used. */
  nextValidId: number;
  /** The port actually dialled (the port guard compares it with the mode's). */
  port: number;
  connectedAt: number;
}

export type ConnectOutcome = { ok: true; session: SessionInfo } | { ok: false; reason: string; code?: number };

/** The link is gone: the socket closed, or the liveness probe went unanswered (a half-open gateway). */
export type LinkLoss = { kind: 'socket'; reason: string; at: number } | { kind: 'probe'; reason: string; at: number };

/** IB's notices about the gateway's own link to IB's servers (id -1 info messages). */
export type ConnectivityKind = 'UPSTREAM_LOST' | 'RESTORED_DATA_LOST' | 'RESTORED_DATA_KEPT' | 'SERVER_BROKEN';

export const CONNECTIVITY_CODES: Record<number, ConnectivityKind> = {
  1100: 'UPSTREAM_LOST',
  1101: 'RESTORED_DATA_LOST',
  1102: 'RESTORED_DATA_KEPT',
  2110: 'SERVER_BROKEN',
};

export interface AccountSummary {
  account: string;
  /** Tag → value, e.g. NetLiquidation → { value: '1000000.00', currency: 'USD' }. */
  values: Record<string, { value: string; currency: string }>;
}

export interface BrokerPosition {
  account: string;
  /** One of ours, or the broker's own name for something we do not trade (kept: reconciliation must see it). */
  pair: Pair | string;
  quantity: number;
  avgCost?: number;
}

export interface OpenOrderView {
  orderId: number;
  orderRef?: string;
  pair: Pair | string;
  action: 'BUY' | 'SELL';
  quantity: number;
  orderType: string;
  limitPrice?: number;
  stopPrice?: number;
  parentId?: number;
  ocaGroup?: string;
  status: string;
  filled: number;
  remaining: number;
  permId?: number;
}

/**
 * An order that ended at the broker, as IB's reqCompletedOrders reports it.
 * IB gives no order id (and no client id) on a completed order: it is
 * matched to its intent by orderRef, or by permId.
 */
export interface CompletedOrderView {
  orderRef?: string;
  permId?: number;
  pair: Pair | string;
  action: 'BUY' | 'SELL';
  quantity: number;
  orderType: string;
  /** IB's final status: Filled, Cancelled, ApiCancelled, Inactive. */
  status: string;
  /** filledQuantity: what was filled before the order ended. */
  filled: number;
  /** As IB writes it, e.g. `20240115 10:30:00 UTC` (the gateway's time zone, not ISO). */
  completedTime?: string;
  /** IB's free text on how it ended, e.g. `Cancelled by Trader`. */
  completedStatus?: string;
  account?: string;
}

export interface OrderStatusUpdate {
  orderId: number;
  status: string;
  filled: number;
  remaining: number;
  avgFillPrice: number;
  lastFillPrice?: number;
  permId?: number;
  parentId?: number;
}

export interface ExecutionReport {
  execId: string;
  orderId: number;
  orderRef?: string;
  pair: Pair;
  side: 'BUY' | 'SELL';
  quantity: number;
  price: number;
  /** ISO-8601 UTC. */
  time: string;
  account?: string;
  commission?: number;
}

/** The broker refused an order it had been sent (200 no security definition, 201 rejected, 103 duplicate id, …). */
export interface OrderRejection {
  orderId: number;
  code: number;
  message: string;
}

export interface Tick {
  subscriptionId: number;
  pair: Pair;
  bid?: number;
  ask?: number;
  last?: number;
  at: number;
}

export interface BrokerNotice {
  code: number;
  message: string;
  /** The request it is about; -1 for the connection as a whole. */
  reqId: number;
  severity: 'info' | 'warning' | 'error';
}

export interface ConnectorEvents {
  orderStatus: OrderStatusUpdate;
  /** An execution, with its commission when the report came in time. */
  execution: ExecutionReport;
  orderRejected: OrderRejection;
  tick: Tick;
  notice: BrokerNotice;
  connectivity: { code: number; kind: ConnectivityKind; message: string };
  lost: LinkLoss;
  /** A message from the gateway refused at the boundary (S14): malformed, or about an order or contract that is not ours. */
  refused: BrokerRefusal;
}

export type Unsubscribe = () => void;

export interface PlaceOptions {
  /** The submit guard chain has already taken pacing tokens for this order (step 6); do not take them twice. */
  prepaid?: boolean;
}

/** A bracket as IB builds one: the parent, then its target and stop as OCA children (see bracket.ts). */
export interface BracketOrders {
  entry: OrderTicket;
  target: OrderTicket;
  stop: OrderTicket;
}

export interface IBKRConnector {
  readonly backend: 'mock' | 'ib';
  readonly pacer: MessagePacer;
  readonly orderIds: OrderIdAllocator;
  /** The live session, or undefined while not connected. */
  session(): SessionInfo | undefined;
  connect(): Promise<ConnectOutcome>;
  /** Idempotent. Ends the session without reporting a loss. */
  disconnect(reason: string): Promise<void>;

  accountSummary(): Promise<AccountSummary>;
  positions(): Promise<BrokerPosition[]>;
  openOrders(): Promise<OpenOrderView[]>;
  /** Executions since `sinceMs` (epoch ms; null: all the broker still has), each with its commission. */
  executionsSince(sinceMs: number | null): Promise<ExecutionReport[]>;
  /** Orders that ended at the broker (filled, cancelled, inactive), as IB's reqCompletedOrders reports them; matched by orderRef (IB gives no order id). */
  completedOrders(): Promise<CompletedOrderView[]>;

  /** Streams ticks for a pair; the subscription survives reconnects through `resubscribe`. */
  subscribe(pair: string): Promise<number>;
  unsubscribe(subscriptionId: number): Promise<void>;
  /** Requests every current subscription again (after a reconnect or IB's 1101 "data lost"). */
  resubscribe(): Promise<void>;
  subscriptions(): ReadonlyMap<number, Pair>;

  /** Sends one order with `transmit` set explicitly. Throws OrderRefusedError before any byte for a bad ticket. */
  placeOrder(ticket: OrderTicket, options?: PlaceOptions): Promise<void>;
  /** Sends a bracket in IB's order: parent and first child held (transmit false), the last child transmits all three. */
  placeBracket(bracket: BracketOrders, options?: PlaceOptions): Promise<void>;
  cancelOrder(orderId: number): Promise<void>;
  globalCancel(): Promise<void>;

  on<K extends keyof ConnectorEvents>(event: K, listener: (payload: ConnectorEvents[K]) => void): Unsubscribe;
  /** Stops timers, refuses queued messages, closes the socket. */
  close(): Promise<void>;
}

/** A ticket the connector will not send, and why; nothing reached the broker. */
export class OrderRefusedError extends Error {
  override readonly name = 'OrderRefusedError';
}

/** A request that needs a session was made without one. */
export class NotConnectedError extends Error {
  override readonly name = 'NotConnectedError';
  constructor(what: string) {
    super(`${what}: not connected to the gateway`);
  }
}

/** A small typed event emitter; a listener that throws is the listener's bug and must not stop the others. */
export class ConnectorEmitter {
  private readonly listeners = new Map<keyof ConnectorEvents, Set<(payload: never) => void>>();

  constructor(private readonly onListenerError: (event: string, err: unknown) => void = () => undefined) {}

  on<K extends keyof ConnectorEvents>(event: K, listener: (payload: ConnectorEvents[K]) => void): Unsubscribe {
    let set = this.listeners.get(event);
    if (!set) {
      set = new Set();
      this.listeners.set(event, set);
    }
    set.add(listener as (payload: never) => void);
    return () => set.delete(listener as (payload: never) => void);
  }

  emit<K extends keyof ConnectorEvents>(event: K, payload: ConnectorEvents[K]): void {
    for (const listener of this.listeners.get(event) ?? []) {
      try {
        (listener as (p: ConnectorEvents[K]) => void)(payload);
      } catch (err) {
        this.onListenerError(event, err);
      }
    }
  }
}
