import { type Bead, type Clock, streams } from '../../beads/index.ts';
import type { BrokerPosition, OpenOrderView } from '../broker/connector.ts';
import type { Alert } from '../notify/outbox.ts';
import type { HaltRequest, HaltStep } from './haltRequest.ts';
import type { LedgerOutcome } from './killSwitchLedger.ts';

/**
 * RB-004, the steps themselves: set the kill flag, cancel every working order
 * with IB's global cancel and wait until the broker confirms, with `flatten`
 * close the positions at market and wait until they are flat; a HALT bead per
 * step with the time since the person asked, then HALT_EXECUTED. The host and
 * `phoenix halt` with the host down (and the drill) run this same code.
 */

export interface HaltBroker {
  /** Connects, if this broker has to (the direct halt's own session); called once the kill flag is SET. */
  open?(): Promise<void>;
  connected(): boolean;
  /** Why there is no connection, in words for the operator; a generic sentence when absent. */
  notConnectedReason?(): string;
  /** Every open order on the account, of every client id (a halt must see manual ones too). */
  openOrders(): Promise<OpenOrderView[]>;
  globalCancel(): Promise<void>;
  positions(): Promise<BrokerPosition[]>;
  /** Sends market orders that close these positions; resolves once they are sent. */
  flatten(positions: readonly BrokerPosition[], request: HaltRequest): Promise<void>;
}

export interface HaltPorts {
  clock: Clock;
  broker: HaltBroker;
  setKillFlag(request: HaltRequest): Promise<LedgerOutcome>;
  /** Appends one HALT step bead. */
  record(step: Exclude<HaltStep, 'STARTED'>, data: { elapsed_ms: number; count?: number; detail?: string }, request: HaltRequest): Promise<Bead | undefined>;
  raiseAlert(input: Alert): Promise<unknown>;
  /** How long the broker gets to confirm cancels and fills (real ms). */
  settleTimeoutMs?: number;
  pollMs?: number;
}

export interface HaltOutcome {
  ok: boolean;
  elapsedMs: number;
  cancelled: number;
  flattened: number;
  detail: string;
}

/** Statuses after which an order no longer works at the broker. */
const DONE = new Set(['Cancelled', 'ApiCancelled', 'Filled', 'Inactive']);
const working = (orders: readonly OpenOrderView[]) => orders.filter((o) => !DONE.has(o.status));
const open = (positions: readonly BrokerPosition[]) => positions.filter((p) => p.quantity !== 0);

class HaltStepError extends Error {
  override readonly name = 'HaltStepError';
}

export async function executeHalt(request: HaltRequest, ports: HaltPorts): Promise<HaltOutcome> {
  const { clock, broker } = ports;
  const settleMs = ports.settleTimeoutMs ?? 10_000;
  const pollMs = ports.pollMs ?? 25;
  const since = () => Math.max(0, clock.now() - request.requestedAt);
  const notes: string[] = [];
  let cancelled = 0;
  let flattened = 0;
  try {
    const flag = await ports.setKillFlag(request);
    notes.push(flag.kind === 'unrecorded' ? `kill flag SET in memory only (${flag.why})` : `kill flag SET at +${since()} ms`);
    await broker.open?.();
    if (!broker.connected()) {
      const why = broker.notConnectedReason?.() ?? 'not connected to IB Gateway';
      throw new HaltStepError(`${why}: nothing could be cancelled. Cancel in TWS or the IB app (RB-004 step 4)`);
    }

    const before = working(await retryBusy(() => broker.openOrders(), pollMs, settleMs));
    await broker.globalCancel();
    const left = await waitFor(async () => working(await retryBusy(() => broker.openOrders(), pollMs, settleMs)), (o) => o.length === 0, settleMs, pollMs);
    if (left.length > 0) {
      throw new HaltStepError(`${left.length} order(s) still working ${settleMs} ms after the global cancel: ${left.map((o) => `#${o.orderId} ${o.status}`).join(', ')}`);
    }
    cancelled = before.length;
    await ports.record('ORDERS_CANCELLED', { elapsed_ms: since(), count: cancelled, detail: `the broker confirmed no working order left` }, request);

    if (!request.flatten) {
      // Issue 17: the global cancel took every stop and target with it; a position still open is now unprotected, and says so loudly.
      const exposed = open(await retryBusy(() => broker.positions(), pollMs, settleMs).catch(() => [] as BrokerPosition[]));
      if (exposed.length > 0) {
        const which = exposed.map((p) => `${p.pair} ${p.quantity > 0 ? '+' : ''}${p.quantity}`).join(', ');
        notes.push(`UNPROTECTED: ${which} still open with no stop and no target (the global cancel took them); close with phoenix halt --flatten or protect them by hand (RB-014)`);
        await ports
          .raiseAlert({ type: 'alert', alertType: 'POSITION_UNPROTECTED', message: `Halt without --flatten by ${request.who}: ${which} still open with no stop and no target: the global cancel took them. Close with phoenix halt --flatten, or protect them by hand (RB-014).`, dedupeKey: `${request.haltId}:unprotected`, correlationId: request.haltId, causationId: request.startedBeadId })
          .catch(() => undefined);
      }
    }

    if (request.flatten) {
      const positions = open(await retryBusy(() => broker.positions(), pollMs, settleMs));
      if (positions.length > 0) await broker.flatten(positions, request);
      const still = await waitFor(async () => open(await retryBusy(() => broker.positions(), pollMs, settleMs)), (p) => p.length === 0, settleMs, pollMs);
      if (still.length > 0) throw new HaltStepError(`still open ${settleMs} ms after the market orders: ${still.map((p) => `${p.pair} ${p.quantity}`).join(', ')}`);
      flattened = positions.length;
      const closed = positions.map((p) => `${p.pair} ${p.quantity}`).join(', ');
      await ports.record('POSITIONS_FLATTENED', { elapsed_ms: since(), count: flattened, detail: closed ? `closed ${closed}` : 'no open position' }, request);
    }

    const elapsedMs = since();
    const detail = [...notes, `${cancelled} working order(s) cancelled`, ...(request.flatten ? [`${flattened} position(s) closed`] : [])].join('; ');
    const failed = notes.some((n) => n.includes('memory only'));
    await ports.record(failed ? 'FAILED' : 'COMPLETED', { elapsed_ms: elapsedMs, count: cancelled, detail }, request);
    await alert(ports, request, `Emergency halt by ${request.who} ${failed ? 'done at the broker, but the kill flag is held in memory only' : 'COMPLETED'} in ${elapsedMs} ms: ${detail}. Reason: ${request.reason}`);
    return { ok: !failed, elapsedMs, cancelled, flattened, detail };
  } catch (err) {
    const elapsedMs = since();
    const why = err instanceof Error ? err.message : String(err);
    const detail = [...notes, why].join('; ');
    await ports.record('FAILED', { elapsed_ms: elapsedMs, count: cancelled, detail }, request).catch(() => undefined);
    await alert(ports, request, `Emergency halt by ${request.who} FAILED after ${elapsedMs} ms: ${detail}. Follow RB-004.`);
    return { ok: false, elapsedMs, cancelled, flattened, detail };
  }
}

function alert(ports: HaltPorts, request: HaltRequest, message: string): Promise<unknown> {
  return ports.raiseAlert({ type: 'alert', alertType: 'HALT_EXECUTED', message, dedupeKey: request.haltId, correlationId: request.haltId, causationId: request.startedBeadId }).catch(() => undefined);
}

/** The HALT bead of one step, under the request's correlation and caused by its STARTED bead. */
export function haltStepDraft(step: Exclude<HaltStep, 'STARTED'>, data: { elapsed_ms: number; count?: number; detail?: string }, request: HaltRequest) {
  return {
    bead_type: 'HALT' as const,
    stream: streams.halt,
    correlation_id: request.haltId,
    causation_id: request.startedBeadId,
    data: { step, flatten: request.flatten, who: request.who, reason: request.reason, ...data },
  };
}

/** Polls `read` until `done` holds or `timeoutMs` passes; returns the last reading either way. */
async function waitFor<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs: number, pollMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value) || Date.now() >= deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}

/** The connector allows one open-orders or positions request at a time; reconciliation may hold it for a moment. */
async function retryBusy<T>(call: () => Promise<T>, pollMs: number, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await call();
    } catch (err) {
      if (!(err instanceof Error && /already in flight/.test(err.message)) || Date.now() >= deadline) throw err;
      await new Promise((resolve) => setTimeout(resolve, pollMs));
    }
  }
}
