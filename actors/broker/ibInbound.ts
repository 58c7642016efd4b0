import { type CommissionReport, type Contract, EventName, type Execution, type IBApi, type Order, type OrderState } from '@stoqey/ib';
import {
  type AccountSummary,
  type BrokerPosition,
  type CompletedOrderView,
  CONNECTIVITY_CODES,
  type ConnectorEmitter,
  type ExecutionReport,
  type OpenOrderView,
} from './connector.ts';
import type { Pair } from '../../beads/index.ts';
import { pairOfContract } from './contracts.ts';
import type { Gather } from './gather.ts';
import { completedOrderView, isCompletedOrderDecodeError } from './ibCompletedOrders.ts';
import { executionReport, openOrderView } from './ibOrders.ts';

/**
 * Everything the gateway sends after the handshake, routed: answers to a
 * request go to the request's Gather, the rest become connector events. IB
 * sends an execution and its commission as two messages; a live execution is
 * held briefly for its commission so the FILL bead can carry it.
 */

/** 202 confirms a cancel; it is not a rejection. */
const CANCEL_CONFIRMED = 202;
/**
 * Codes about an order that do not mean it was refused: a cancel that came
 * too late (161, 10147, 10148: the order may well have filled) and IB's order
 * warnings (399). Everything else IB says against one of our order ids is.
 */
const NOT_A_REJECTION = new Set([CANCEL_CONFIRMED, 161, 399, 10147, 10148]);
/** Informational codes that are part of a healthy session: farm status, and the like. */
const QUIET_INFO = new Set([2104, 2106, 2107, 2108, 2119, 2158]);
const PACING_VIOLATION = 100;
const TICK_FIELD = { 1: 'bid', 2: 'ask', 4: 'last' } as const;

export interface InboundHooks {
  now(): number;
  /** Every inbound message is a sign of life for the liveness probe. */
  alive(): void;
  isOurOrder(orderId: number): boolean;
  nextValidId(id: number): void;
  commissionWaitMs: number;
}

export class IbInbound {
  summary = new Map<number, Gather<AccountSummary>>();
  executions = new Map<number, Gather<ExecutionReport>>();
  positions: Gather<BrokerPosition> | undefined;
  openOrders: Gather<OpenOrderView> | undefined;
  /** IB's completedOrdersEnd names no request, so one request at a time, like open orders. */
  completed: Gather<CompletedOrderView> | undefined;
  /** Market data reqId → pair, kept by the connector. */
  readonly marketData = new Map<number, Pair>();
  private readonly pendingExec = new Map<string, { report: ExecutionReport; timer: NodeJS.Timeout }>();

  constructor(
    private readonly emitter: ConnectorEmitter,
    private readonly hooks: InboundHooks,
  ) {}

  /** Ends every request in flight: the session they were asked on is gone. */
  failAll(err: Error): void {
    for (const g of [...this.summary.values(), ...this.executions.values(), this.positions, this.openOrders, this.completed]) g?.fail(err);
    this.summary.clear();
    this.executions.clear();
    this.positions = undefined;
    this.openOrders = undefined;
    this.completed = undefined;
    for (const { report, timer } of this.pendingExec.values()) {
      clearTimeout(timer);
      this.emitter.emit('execution', report);
    }
    this.pendingExec.clear();
  }

  wire(ib: IBApi): void {
    const h = this.hooks;
    ib.on(EventName.received, () => h.alive());
    ib.on(EventName.nextValidId, (id: number) => h.nextValidId(Number(id)));
    ib.on(EventName.orderStatus, (orderId, status, filled, remaining, avgFillPrice, permId, parentId, lastFillPrice) => {
      const update = { orderId, status: String(status), filled, remaining, avgFillPrice, lastFillPrice, permId, parentId };
      const open = this.openOrders?.items.find((o) => o.orderId === orderId);
      if (open) Object.assign(open, { status: update.status, filled, remaining });
      this.emitter.emit('orderStatus', update);
    });
    ib.on(EventName.openOrder, (orderId: number, contract: Contract, order: Order, state: OrderState) => {
      this.openOrders?.add(openOrderView(orderId, contract, order, String(state?.status ?? 'Unknown')));
    });
    ib.on(EventName.openOrderEnd, () => {
      this.openOrders?.end();
      this.openOrders = undefined;
    });
    ib.on(EventName.completedOrder, (contract: Contract, order: Order, state: OrderState) => {
      this.completed?.add(completedOrderView(contract, order, state));
    });
    ib.on(EventName.completedOrdersEnd, () => {
      this.completed?.end();
      this.completed = undefined;
    });
    ib.on(EventName.position, (account: string, contract: Contract, pos: number, avgCost?: number) => {
      const p: BrokerPosition = { account, pair: pairOfContract(contract) ?? `${contract.symbol ?? '?'}${contract.currency ?? ''}`, quantity: Number(pos) };
      if (avgCost !== undefined) p.avgCost = Number(avgCost);
      this.positions?.add(p);
    });
    ib.on(EventName.positionEnd, () => {
      this.positions?.end();
      this.positions = undefined;
    });
    ib.on(EventName.accountSummary, (reqId: number, account: string, tag: string, value: string, currency: string) => {
      const g = this.summary.get(reqId);
      if (!g) return;
      let row = g.items.find((s) => s.account === account);
      if (!row) {
        row = { account, values: {} };
        g.add(row);
      }
      row.values[tag] = { value, currency };
    });
    ib.on(EventName.accountSummaryEnd, (reqId: number) => {
      this.summary.get(reqId)?.end();
      this.summary.delete(reqId);
    });
    ib.on(EventName.execDetails, (reqId: number, contract: Contract, execution: Execution) => this.onExecution(reqId, contract, execution));
    ib.on(EventName.execDetailsEnd, (reqId: number) => this.onExecutionsEnd(reqId));
    ib.on(EventName.commissionReport, (report: CommissionReport) => this.onCommission(report));
    ib.on(EventName.tickPrice, (reqId: number, field: number, value: number) => {
      const pair = this.marketData.get(reqId);
      const name = TICK_FIELD[field as keyof typeof TICK_FIELD];
      if (!pair || !name || !(value > 0)) return;
      this.emitter.emit('tick', { subscriptionId: reqId, pair, [name]: value, at: h.now() });
    });
    ib.on(EventName.error, (error: Error, code: number, reqId: number) => this.onError(error.message, Number(code), Number(reqId)));
    ib.on(EventName.info, (message: string, code: number) => this.onInfo(message, Number(code)));
  }

  private onExecution(reqId: number, contract: Contract, execution: Execution): void {
    const report = executionReport(contract, execution, this.hooks.now());
    if (!report) return;
    const g = this.executions.get(reqId);
    if (g) {
      g.add(report);
      return;
    }
    // A live execution: wait a moment for its commission report, then pass it on either way.
    const timer = setTimeout(() => this.releaseExecution(report.execId), this.hooks.commissionWaitMs);
    this.pendingExec.set(report.execId, { report, timer });
  }

  private onExecutionsEnd(reqId: number): void {
    const g = this.executions.get(reqId);
    if (!g) return;
    this.executions.delete(reqId);
    // Commission reports for these executions may still be on their way; give them the same moment.
    if (g.items.every((e) => e.commission !== undefined)) {
      g.end();
      return;
    }
    // Parked under the negated id (ours are positive) so late commissions still find it.
    this.executions.set(-reqId, g);
    setTimeout(() => {
      this.executions.delete(-reqId);
      g.end();
    }, this.hooks.commissionWaitMs);
  }

  private onCommission(report: CommissionReport): void {
    if (!report.execId || report.commission === undefined || !Number.isFinite(report.commission)) return;
    const pending = this.pendingExec.get(report.execId);
    if (pending) {
      pending.report.commission = report.commission;
      this.releaseExecution(report.execId);
      return;
    }
    for (const g of this.executions.values()) {
      const e = g.items.find((x) => x.execId === report.execId);
      if (e) e.commission = report.commission;
    }
  }

  private releaseExecution(execId: string): void {
    const pending = this.pendingExec.get(execId);
    if (!pending) return;
    clearTimeout(pending.timer);
    this.pendingExec.delete(execId);
    this.emitter.emit('execution', pending.report);
  }

  private onError(message: string, code: number, reqId: number): void {
    if (this.completed?.open && isCompletedOrderDecodeError(message)) {
      this.completed.fail(new Error(`completed orders: an answer the client could not read (${code} ${message})`));
      this.completed = undefined;
    }
    const failed = this.summary.get(reqId) ?? this.executions.get(reqId);
    if (failed) {
      failed.fail(new Error(`${failed.what}: IB ${code} ${message}`));
      this.summary.delete(reqId);
      this.executions.delete(reqId);
      return;
    }
    if (reqId >= 0 && this.hooks.isOurOrder(reqId) && !NOT_A_REJECTION.has(code) && !(code >= 2100 && code < 2200)) {
      this.emitter.emit('orderRejected', { orderId: reqId, code, message });
      return;
    }
    const severity = code === CANCEL_CONFIRMED ? 'info' : NOT_A_REJECTION.has(code) || (code >= 2100 && code < 2200) ? 'warning' : 'error';
    this.emitter.emit('notice', { code, message, reqId, severity });
  }

  private onInfo(message: string, code: number): void {
    const kind = CONNECTIVITY_CODES[code];
    if (kind) {
      // 1100, 1101, 1102 and 2110 are news about the gateway's own link to IB: warnings, not errors.
      this.emitter.emit('notice', { code, message, reqId: -1, severity: 'warning' });
      this.emitter.emit('connectivity', { code, kind, message });
      return;
    }
    const severity = code === PACING_VIOLATION ? 'error' : QUIET_INFO.has(code) ? 'info' : 'warning';
    this.emitter.emit('notice', { code, message, reqId: -1, severity });
  }
}
