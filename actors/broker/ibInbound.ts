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
import { CANCEL_CONFIRMED, NOT_A_REJECTION, PACING_VIOLATION, QUIET_INFO, UNDECODABLE } from './ibCodes.ts';
import { COMMISSION, describeFields, EXECUTION, firstProblem, NEXT_VALID_ID, OPEN_ORDER, ORDER_STATUS, POSITION } from './inboundChecks.ts';

/**
 * Everything the gateway sends after the handshake, routed: answers to a
 * request go to the request's Gather, the rest become connector events. IB
 * sends an execution and its commission as two messages; a live execution is
 * held briefly for its commission so the FILL bead can carry it.
 */

const TICK_FIELD = { 1: 'bid', 2: 'ask', 4: 'last' } as const;

export interface InboundHooks {
  now(): number;
  /** Every inbound message is a sign of life for the liveness probe. */
  alive(): void;
  isOurOrder(orderId: number): boolean;
  /** An order id this desk has used, in this process or before it (the log's highest): news of any other is refused. Absent: all are. */
  isKnownOrder?(orderId: number): boolean;
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

  /**
   * Attaches the handlers. Each is guarded: the library calls listeners
   * from its socket reader, so one that threw would take the process down;
   * here it becomes a refusal of that message instead.
   */
  wire(ib: IBApi): void {
    const h = this.hooks;
    // The library types each event's listener apart; one guarded wrapper for all of them is typed loosely here.
    const api = ib as unknown as { on(event: EventName, listener: (...args: unknown[]) => void): void };
    const on = (event: EventName, message: string, handler: (...args: never[]) => void) => {
      api.on(event, (...args: unknown[]) => {
        try {
          (handler as (...a: unknown[]) => void)(...args);
        } catch (err) {
          this.refuse(message, `could not be handled: ${(err as Error).message}`, args, `${message}:threw:${(err as Error).message}`);
        }
      });
    };
    ib.on(EventName.received, () => h.alive());
    on(EventName.nextValidId, 'nextValidId', (id: number) => {
      const checked = NEXT_VALID_ID.safeParse(id);
      if (!checked.success) {
        this.refuse('nextValidId', `not an order id: ${firstProblem(checked.error)}`, [id], `nextValidId:${String(id)}`);
        return;
      }
      h.nextValidId(checked.data);
    });
    on(EventName.orderStatus, 'orderStatus', (orderId: number, status: string, filled: number, remaining: number, avgFillPrice: number, permId?: number, parentId?: number, lastFillPrice?: number) => {
      const fields = { orderId, status, filled, remaining, avgFillPrice, permId, parentId, lastFillPrice };
      const checked = ORDER_STATUS.safeParse(fields);
      if (!checked.success) {
        this.refuse('orderStatus', firstProblem(checked.error), fields, `orderStatus:${String(orderId)}:${firstProblem(checked.error)}`);
        return;
      }
      const u = checked.data;
      if (h.isKnownOrder && !h.isKnownOrder(u.orderId)) {
        this.refuse('orderStatus', `order ${u.orderId} is not one this desk ever sent`, fields, `orderStatus:unknown:${u.orderId}`);
        return;
      }
      const update = { orderId: u.orderId, status: u.status, filled: u.filled, remaining: u.remaining, avgFillPrice: u.avgFillPrice, lastFillPrice: u.lastFillPrice, permId: u.permId, parentId: u.parentId };
      const open = this.openOrders?.items.find((o) => o.orderId === u.orderId);
      if (open) Object.assign(open, { status: update.status, filled: u.filled, remaining: u.remaining });
      this.emitter.emit('orderStatus', update);
    });
    on(EventName.openOrder, 'openOrder', (orderId: number, contract: Contract, order: Order, state: OrderState) => {
      const checked = OPEN_ORDER.safeParse({ orderId, totalQuantity: order?.totalQuantity, filledQuantity: order?.filledQuantity, lmtPrice: order?.lmtPrice, auxPrice: order?.auxPrice });
      if (!checked.success) {
        this.refuse('openOrder', firstProblem(checked.error), { orderId, contract, order }, `openOrder:${String(orderId)}`);
        return;
      }
      this.openOrders?.add(openOrderView(orderId, contract, order, String(state?.status ?? 'Unknown')));
    });
    on(EventName.openOrderEnd, 'openOrderEnd', () => {
      this.openOrders?.end();
      this.openOrders = undefined;
    });
    on(EventName.completedOrder, 'completedOrder', (contract: Contract, order: Order, state: OrderState) => {
      this.completed?.add(completedOrderView(contract, order, state));
    });
    on(EventName.completedOrdersEnd, 'completedOrdersEnd', () => {
      this.completed?.end();
      this.completed = undefined;
    });
    on(EventName.position, 'position', (account: string, contract: Contract, pos: number, avgCost?: number) => {
      const checked = POSITION.safeParse({ pos, avgCost });
      if (!checked.success) {
        this.refuse('position', firstProblem(checked.error), { account, contract, pos, avgCost }, `position:${contract?.symbol}${contract?.currency}`);
        return;
      }
      const p: BrokerPosition = { account, pair: pairOfContract(contract) ?? `${contract.symbol ?? '?'}${contract.currency ?? ''}`, quantity: checked.data.pos };
      if (checked.data.avgCost !== undefined) p.avgCost = checked.data.avgCost;
      this.positions?.add(p);
    });
    on(EventName.positionEnd, 'positionEnd', () => {
      this.positions?.end();
      this.positions = undefined;
    });
    on(EventName.accountSummary, 'accountSummary', (reqId: number, account: string, tag: string, value: string, currency: string) => {
      const g = this.summary.get(reqId);
      if (!g) return;
      let row = g.items.find((s) => s.account === account);
      if (!row) {
        row = { account, values: {} };
        g.add(row);
      }
      row.values[tag] = { value, currency };
    });
    on(EventName.accountSummaryEnd, 'accountSummaryEnd', (reqId: number) => {
      this.summary.get(reqId)?.end();
      this.summary.delete(reqId);
    });
    on(EventName.execDetails, 'execDetails', (reqId: number, contract: Contract, execution: Execution) => this.onExecution(reqId, contract, execution));
    on(EventName.execDetailsEnd, 'execDetailsEnd', (reqId: number) => this.onExecutionsEnd(reqId));
    on(EventName.commissionReport, 'commissionReport', (report: CommissionReport) => this.onCommission(report));
    on(EventName.tickPrice, 'tickPrice', (reqId: number, field: number, value: number) => {
      const pair = this.marketData.get(reqId);
      const name = TICK_FIELD[field as keyof typeof TICK_FIELD];
      if (!pair || !name) return;
      // IB sends -1 for "no price yet": not malformed, just nothing to show. A non-number is.
      if (typeof value !== 'number' || !Number.isFinite(value)) {
        this.refuse('tickPrice', `${name} of ${pair} is not a number: ${String(value)}`, { reqId, field, value }, `tickPrice:${reqId}:${field}`);
        return;
      }
      if (!(value > 0)) return;
      this.emitter.emit('tick', { subscriptionId: reqId, pair, [name]: value, at: h.now() });
    });
    on(EventName.error, 'error', (error: Error, code: number, reqId: number) => this.onError(error?.message ?? String(error), Number(code), Number(reqId)));
    on(EventName.info, 'info', (message: string, code: number) => this.onInfo(message, Number(code)));
  }

  /** Refuses a message: nothing downstream sees it; the broker actor logs it and records it once per key. */
  private refuse(message: string, why: string, fields: unknown, key: string): void {
    this.emitter.emit('refused', { message, why, detail: describeFields(fields), key });
  }

  private onExecution(reqId: number, contract: Contract, execution: Execution): void {
    const fields = { reqId, contract, execution };
    const checked = EXECUTION.safeParse({ execId: execution?.execId, orderId: execution?.orderId, shares: execution?.shares, price: execution?.price, side: execution?.side });
    const key = `execDetails:${String(execution?.execId)}`;
    if (!checked.success) {
        this.refuse('execDetails', firstProblem(checked.error), fields, key);
        return;
      }
    const report = executionReport(contract, execution, this.hooks.now());
    if (!report) {
      const named = `${contract?.localSymbol || `${contract?.symbol ?? '?'}.${contract?.currency ?? '?'}`} (${contract?.secType ?? '?'})`;
      this.refuse('execDetails', `execution ${checked.data.execId} of order ${checked.data.orderId} is for ${named}, none of the six pairs Phoenix trades`, fields, key);
      return;
    }
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
    // IB leaves the commission unset (Double.MAX_VALUE) until it is known: nothing to record yet, not malformed.
    if (report?.commission === undefined) return;
    const checked = COMMISSION.safeParse({ execId: report.execId, commission: report.commission });
    if (!checked.success) {
        this.refuse('commissionReport', firstProblem(checked.error), report, `commissionReport:${String(report.execId)}`);
        return;
      }
    const { execId, commission } = checked.data;
    const pending = this.pendingExec.get(execId);
    if (pending) {
      pending.report.commission = commission;
      this.releaseExecution(execId);
      return;
    }
    for (const g of this.executions.values()) {
      const e = g.items.find((x) => x.execId === execId);
      if (e) e.commission = commission;
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
    if (code === UNDECODABLE && reqId < 0) {
      // The library dropped a message it could not read field for field: refused, and said so once per kind.
      this.refuse('undecodable', `the client could not decode a message from the gateway (IB ${code}): ${message}`, { code, message }, `undecodable:${message.split(':', 1)[0]}`);
      return;
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
