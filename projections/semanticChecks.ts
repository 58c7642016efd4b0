import { type Bead, type BeadOf, type BeadType, closeRequestOf, IB_ENDED_STATUSES } from '../beads/index.ts';
import type { CheckDetail } from '../machines/heartbeat.ts';
import { ageText } from './healthTicks.ts';
import { isoMillis } from './isoMillis.ts';

/**
 * The semantic checks of S6.1 over the log, kept current bead by bead.
 *
 * The view holds only what is still open (pending orders, open positions, the
 * last reconciliation), so folding a bead is O(1) and evaluating a check is
 * O(open things): neither grows with the length of the log (S6.1, B6). Like
 * the other folds, it is an accumulator updated in place; time comes in as data.
 */

export interface SemanticThresholds {
  /** A pending order whose status has not changed for this long is stale (5 min). */
  orderStaleMs: number;
  /** A position waiting for fills that has had none for longer than this is stale (10 min). */
  fillStaleMs: number;
  /** Reconciliation older than this is not fresh (10 min). */
  reconciliationMaxAgeMs: number;
}

export const DEFAULT_SEMANTIC_THRESHOLDS: SemanticThresholds = {
  orderStaleMs: 5 * 60_000,
  fillStaleMs: 10 * 60_000,
  reconciliationMaxAgeMs: 10 * 60_000,
};

export function scaleThresholds<T extends object>(thresholds: T, timeScale: number): T {
  return Object.fromEntries(Object.entries(thresholds).map(([k, v]) => [k, (v as number) * timeScale])) as T;
}

interface PendingOrder {
  ref: string;
  pair: string | undefined;
  role: string | undefined;
  bracketChild: boolean;
  status: string;
  /** The kind of event (any status report counts as STATUS); with status and filled, a change of any is progress. */
  progressEvent: string;
  filled: number | undefined;
  /** Units ordered, from the write-ahead bead; with the fills it says when the order is done. */
  quantity: number | undefined;
  /** Units filled, by execution id. */
  fills?: Map<string, number>;
  changedAt: number;
}

interface OpenPosition {
  id: string;
  state: string;
  stateSince: number;
  lastFillAt?: number;
}

export interface SemanticView {
  orders: Map<string, PendingOrder>;
  positions: Map<string, OpenPosition>;
  /** Order ref → position id, for fills that name only their order; dropped when the position closes. */
  positionOfOrder: Map<string, string>;
  ordersOfPosition: Map<string, Set<string>>;
  lastReconciliationAt?: number;
  /** The last reconciliation found drift and none has matched since. */
  drift?: { at: number; items: string[] };
}

export function emptySemanticView(): SemanticView {
  return { orders: new Map(), positions: new Map(), positionOfOrder: new Map(), ordersOfPosition: new Map() };
}

/** Statuses of an order resting at the broker, accepted and working. */
const WORKING_STATUSES = new Set(['Submitted', 'PreSubmitted']);
/** Position states that wait on the broker for fills. */
const AWAITING_FILLS = new Set(['SUBMITTED', 'PARTIAL', 'CLOSING']);
const CLOSED_STATES = new Set(['CLOSED', 'REJECTED', 'CANCELLED']);

/** The bead types foldSemantic reads; any other bead leaves the view as it was. */
export const SEMANTIC_READS = ['ORDER', 'FILL', 'POSITION', 'RECONCILIATION'] as const satisfies readonly BeadType[];

export function foldSemantic(view: SemanticView, bead: Bead): SemanticView {
  switch (bead.bead_type) {
    case 'ORDER':
      applyOrder(view, bead);
      break;
    case 'FILL':
      applyFill(view, bead);
      break;
    case 'POSITION':
      applyPosition(view, bead);
      break;
    case 'RECONCILIATION':
      applyReconciliation(view, bead);
      break;
  }
  return view;
}

function applyOrder(view: SemanticView, bead: BeadOf<'ORDER'>): void {
  const d = bead.data;
  if (d.position_id !== undefined && !view.positionOfOrder.has(d.order_ref)) {
    view.positionOfOrder.set(d.order_ref, d.position_id);
    const refs = view.ordersOfPosition.get(d.position_id) ?? new Set<string>();
    view.ordersOfPosition.set(d.position_id, refs.add(d.order_ref));
  }
  const before = view.orders.get(d.order_ref);
  // A person's close request is about a position, not an order: nothing at the broker will ever answer it.
  if (closeRequestOf(bead) !== undefined) return;
  const finished =
    d.event === 'REJECTED' || d.event === 'CANCELLED' || IB_ENDED_STATUSES.has(d.status ?? '') || (d.remaining === 0 && (d.filled ?? 0) > 0);
  if (finished) {
    view.orders.delete(d.order_ref);
    return;
  }
  const isStatus = d.event === 'STATUS' || d.event === 'RECOVERED';
  const status = d.status ?? (isStatus ? (before?.status ?? d.event) : d.event);
  const progressEvent = isStatus ? 'STATUS' : d.event;
  const role = d.role ?? before?.role;
  const bracketChild = role === 'STOP' || role === 'TARGET' || d.parent_id !== undefined || (before?.bracketChild ?? false);
  if (!before) {
    const order: PendingOrder = {
      ref: d.order_ref,
      pair: d.pair,
      role,
      bracketChild,
      status,
      progressEvent,
      filled: d.filled,
      quantity: d.quantity,
      changedAt: isoMillis(bead.ts),
    };
    view.orders.set(d.order_ref, order);
    return;
  }
  // Most order beads repeat a status the order already had: the time is read only when something moved.
  if (before.progressEvent !== progressEvent || before.status !== status || before.filled !== d.filled) before.changedAt = isoMillis(bead.ts);
  before.status = status;
  before.progressEvent = progressEvent;
  before.filled = d.filled;
  before.role = role;
  before.bracketChild = bracketChild;
  before.pair = d.pair ?? before.pair;
  before.quantity = d.quantity ?? before.quantity;
}

function applyFill(view: SemanticView, bead: BeadOf<'FILL'>): void {
  const d = bead.data;
  const order = d.order_ref === undefined ? undefined : view.orders.get(d.order_ref);
  if (order !== undefined) {
    // Fills that add up to the order's quantity end it, even if the final status never reached the log.
    order.fills ??= new Map();
    order.fills.set(d.exec_id, d.quantity);
    const filled = [...order.fills.values()].reduce((sum, q) => sum + q, 0);
    if (order.quantity !== undefined && filled >= order.quantity) view.orders.delete(order.ref);
    else order.changedAt = isoMillis(bead.ts);
  }
  const positionId = d.position_id ?? (d.order_ref !== undefined ? view.positionOfOrder.get(d.order_ref) : undefined);
  const position = positionId !== undefined ? view.positions.get(positionId) : undefined;
  if (position) position.lastFillAt = isoMillis(bead.ts);
}

function applyPosition(view: SemanticView, bead: BeadOf<'POSITION'>): void {
  const d = bead.data;
  const before = view.positions.get(d.position_id);
  if (CLOSED_STATES.has(d.state)) {
    const refs = view.ordersOfPosition.get(d.position_id);
    if (refs) for (const ref of refs) view.positionOfOrder.delete(ref);
    view.ordersOfPosition.delete(d.position_id);
    view.positions.delete(d.position_id);
    return;
  }
  if (before) {
    if (before.state !== d.state) {
      before.state = d.state;
      before.stateSince = isoMillis(bead.ts);
    }
    return;
  }
  view.positions.set(d.position_id, { id: d.position_id, state: d.state, stateSince: isoMillis(bead.ts) });
}

function applyReconciliation(view: SemanticView, bead: BeadOf<'RECONCILIATION'>): void {
  const at = isoMillis(bead.ts);
  view.lastReconciliationAt = at;
  if (bead.data.result === 'MATCH') {
    delete view.drift;
    return;
  }
  view.drift = { at, items: bead.data.drift.map((i) => `${i.kind} ${i.subject}`) };
}

export interface SemanticCheckInput {
  now: number;
  /** When the monitor started: a new host gets the full freshness window before its first reconciliation. */
  startedAt: number;
  thresholds: SemanticThresholds;
}

/** Every semantic finding at `now`, in the HEARTBEAT bead's `details` shape. Empty means semantically healthy. */
export function semanticFindings(view: SemanticView, input: SemanticCheckInput): CheckDetail[] {
  return [...ordersFlowing(view, input), ...fillsUpdating(view, input), ...reconciliationFresh(view, input)];
}

function ordersFlowing(view: SemanticView, { now, thresholds }: SemanticCheckInput): CheckDetail[] {
  const out: CheckDetail[] = [];
  for (const order of view.orders.values()) {
    // A bracket's stop and target legitimately rest at the broker for as long as the position lives.
    if (order.bracketChild && WORKING_STATUSES.has(order.status)) continue;
    const age = now - order.changedAt;
    if (age < thresholds.orderStaleMs) continue;
    const what = [order.role, order.pair].filter(Boolean).join(' ');
    out.push({
      check: 'orders_flowing',
      subject: order.ref,
      message: `order ${order.ref}${what ? ` (${what})` : ''} stuck at ${order.status} for ${ageText(age)} with no status change`,
    });
  }
  return out;
}

function fillsUpdating(view: SemanticView, { now, thresholds }: SemanticCheckInput): CheckDetail[] {
  const out: CheckDetail[] = [];
  for (const p of view.positions.values()) {
    // A MANAGED position's bracket may rest for hours: only a position that waits on fills can be starved of them.
    if (!AWAITING_FILLS.has(p.state)) continue;
    const since = Math.max(p.lastFillAt ?? p.stateSince, p.stateSince);
    const age = now - since;
    if (age <= thresholds.fillStaleMs) continue;
    const last = p.lastFillAt === undefined ? 'no fill yet' : `last fill ${ageText(now - p.lastFillAt)} ago`;
    out.push({ check: 'fills_updating', subject: p.id, message: `position ${p.id} ${p.state} for ${ageText(now - p.stateSince)}, ${last}` });
  }
  return out;
}

function reconciliationFresh(view: SemanticView, { now, startedAt, thresholds }: SemanticCheckInput): CheckDetail[] {
  const out: CheckDetail[] = [];
  const last = view.lastReconciliationAt;
  const anchor = Math.max(last ?? Number.NEGATIVE_INFINITY, startedAt);
  if (now - anchor >= thresholds.reconciliationMaxAgeMs) {
    const message =
      last === undefined || last < startedAt
        ? `no reconciliation since the host started ${ageText(now - startedAt)} ago`
        : `last reconciliation ${ageText(now - last)} ago (limit ${ageText(thresholds.reconciliationMaxAgeMs)})`;
    out.push({ check: 'reconciliation_fresh', subject: 'reconciliation', message });
  }
  if (view.drift) {
    const items = view.drift.items.length > 0 ? `: ${view.drift.items.join(', ')}` : '';
    out.push({ check: 'reconciliation_fresh', subject: 'drift', message: `reconciliation DRIFT unresolved for ${ageText(now - view.drift.at)}${items}` });
  }
  for (const p of view.positions.values()) {
    if (p.state !== 'STALLED') continue;
    out.push({ check: 'reconciliation_fresh', subject: p.id, message: `position ${p.id} STALLED for ${ageText(now - p.stateSince)}` });
  }
  return out;
}
