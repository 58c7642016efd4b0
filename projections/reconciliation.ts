import { type Bead, type BeadData, type BeadOf, type BeadType, IB_ENDED_STATUSES } from '../beads/index.ts';

/**
 * Reconciliation's core (S5.4): a pure diff of what the broker says against
 * what the log says. Read-only by construction: it returns drift, it never
 * corrects anything. Positions are compared net per pair with signed
 * quantities (long +, short −), because the broker nets a pair while the
 * desk may hold it as several positions. Orders are matched by order_ref
 * (Phoenix's own, unique per order) and by order id when a ref is missing.
 */

export type ReconView = BeadData<'RECONCILIATION'>['broker'];
export type ReconPosition = ReconView['positions'][number];
export type ReconOrder = ReconView['open_orders'][number];
export type DriftItem = BeadData<'RECONCILIATION'>['drift'][number];

export const DRIFT_KINDS = [
  /** Both hold the pair, in different net quantities. */
  'POSITION_MISMATCH',
  /** The broker holds a pair the log knows nothing of. */
  'UNKNOWN_BROKER_POSITION',
  /** The log holds a pair the broker does not. */
  'MISSING_AT_BROKER',
  /** An order is working at the broker that the log never sent (or already saw end). */
  'UNKNOWN_BROKER_ORDER',
  /** The log has an order working (or requested) that the broker does not. */
  'MISSING_ORDER_AT_BROKER',
  /** The same order_ref under another order id. */
  'ORDER_MISMATCH',
] as const;
export type DriftKind = (typeof DRIFT_KINDS)[number];

export interface ReconResult {
  result: 'MATCH' | 'DRIFT';
  drift: DriftItem[];
}

/** Units below this are rounding, not a position. */
const EPSILON = 1e-6;

function netByPair(positions: readonly ReconPosition[]): Map<string, number> {
  const net = new Map<string, number>();
  for (const p of positions) net.set(p.pair, (net.get(p.pair) ?? 0) + p.quantity);
  for (const [pair, qty] of net) if (Math.abs(qty) < EPSILON) net.delete(pair);
  return net;
}

const signed = (qty: number) => (qty > 0 ? `+${qty}` : String(qty));
const orderKey = (o: ReconOrder) => (o.order_ref ? `ref:${o.order_ref}` : `id:${o.order_id}`);
const describeOrder = (o: ReconOrder) => `order ${o.order_id}${o.order_ref ? ` (${o.order_ref})` : ''} ${o.status}`;

function positionDrift(broker: readonly ReconPosition[], local: readonly ReconPosition[]): DriftItem[] {
  const b = netByPair(broker);
  const l = netByPair(local);
  const drift: DriftItem[] = [];
  for (const pair of new Set([...b.keys(), ...l.keys()])) {
    const atBroker = b.get(pair);
    const inLog = l.get(pair);
    if (atBroker !== undefined && inLog !== undefined) {
      if (Math.abs(atBroker - inLog) >= EPSILON) drift.push({ kind: 'POSITION_MISMATCH', subject: pair, broker: signed(atBroker), local: signed(inLog) });
    } else if (atBroker !== undefined) {
      drift.push({ kind: 'UNKNOWN_BROKER_POSITION', subject: pair, broker: signed(atBroker) });
    } else if (inLog !== undefined) {
      drift.push({ kind: 'MISSING_AT_BROKER', subject: pair, local: signed(inLog) });
    }
  }
  return drift;
}

function orderDrift(broker: readonly ReconOrder[], local: readonly ReconOrder[]): DriftItem[] {
  const atBroker = new Map(broker.map((o) => [orderKey(o), o]));
  const byIdAtBroker = new Map(broker.map((o) => [o.order_id, o]));
  const drift: DriftItem[] = [];
  const matched = new Set<ReconOrder>();
  for (const mine of local) {
    // A broker row without our ref (some gateways drop it) still matches by id.
    const theirs = atBroker.get(orderKey(mine)) ?? (byIdAtBroker.get(mine.order_id)?.order_ref ? undefined : byIdAtBroker.get(mine.order_id));
    if (theirs === undefined) {
      drift.push({ kind: 'MISSING_ORDER_AT_BROKER', subject: mine.order_ref ?? String(mine.order_id), local: describeOrder(mine) });
      continue;
    }
    matched.add(theirs);
    if (theirs.order_id !== mine.order_id) {
      drift.push({ kind: 'ORDER_MISMATCH', subject: mine.order_ref ?? String(mine.order_id), broker: describeOrder(theirs), local: describeOrder(mine) });
    }
  }
  for (const theirs of broker) {
    if (!matched.has(theirs)) drift.push({ kind: 'UNKNOWN_BROKER_ORDER', subject: theirs.order_ref ?? String(theirs.order_id), broker: describeOrder(theirs) });
  }
  return drift;
}

export function reconcile(broker: ReconView, local: ReconView): ReconResult {
  const drift = [...positionDrift(broker.positions, local.positions), ...orderDrift(broker.open_orders, local.open_orders)].sort(
    (x, y) => x.kind.localeCompare(y.kind) || x.subject.localeCompare(y.subject),
  );
  return { result: drift.length === 0 ? 'MATCH' : 'DRIFT', drift };
}

/** The RECONCILIATION bead's data: both views as compared, and the verdict. */
export function reconciliationData(broker: ReconView, local: ReconView, trigger?: BeadData<'RECONCILIATION'>['trigger']): BeadData<'RECONCILIATION'> {
  const { result, drift } = reconcile(broker, local);
  return { result, broker, local, drift, ...(trigger === undefined ? {} : { trigger }) };
}

/**
 * The log's working orders, folded from ORDER and FILL beads: the local side
 * of the order comparison. A write-ahead SUBMIT_REQUESTED counts as working:
 * if the broker never got it, that is exactly the drift to see. An order ends
 * on its final status, or once its fills add up to its quantity: fills are
 * the broker's own word, and a host that heard them but not the status that
 * followed (it died in between) must not keep a filled order working forever.
 */
export interface WorkingOrder extends ReconOrder {
  role?: string;
  position_id?: string;
  /** Units ordered, from the write-ahead bead. */
  quantity?: number;
  /** Units filled so far, by execution id (a fill is counted once). */
  fills?: Map<string, number>;
}
export type WorkingOrders = Map<string, WorkingOrder>;


/** The bead types foldWorkingOrders reads. */
export const WORKING_ORDERS_READS = ['ORDER', 'FILL'] as const satisfies readonly BeadType[];

export function foldWorkingOrders(view: WorkingOrders, bead: Bead): WorkingOrders {
  if (bead.bead_type === 'FILL') return foldWorkingFill(view, bead);
  if (bead.bead_type !== 'ORDER') return view;
  const d = bead.data;
  const before = view.get(d.order_ref);
  if (d.event === 'REJECTED' || d.event === 'CANCELLED' || (d.status !== undefined && IB_ENDED_STATUSES.has(d.status))) {
    view.delete(d.order_ref);
    return view;
  }
  // An order enters the view by its write-ahead; a status that arrives after the order ended (IB does send a
  // stale PreSubmitted after the fill that completed it) must not bring it back as working.
  if (before === undefined && d.event !== 'SUBMIT_REQUESTED') return view;
  const orderId = d.order_id ?? before?.order_id;
  if (orderId === undefined) return view;
  const status = d.status ?? (d.event === 'SUBMIT_REQUESTED' ? 'SUBMIT_REQUESTED' : (before?.status ?? d.event));
  const order: WorkingOrder = { order_id: orderId, order_ref: d.order_ref, status };
  const role = d.role ?? before?.role;
  const positionId = d.position_id ?? before?.position_id;
  const quantity = d.quantity ?? before?.quantity;
  if (role !== undefined) order.role = role;
  if (positionId !== undefined) order.position_id = positionId;
  if (quantity !== undefined) order.quantity = quantity;
  if (before?.fills !== undefined) order.fills = before.fills;
  view.set(d.order_ref, order);
  return view;
}

function foldWorkingFill(view: WorkingOrders, bead: BeadOf<'FILL'>): WorkingOrders {
  const d = bead.data;
  const ref = d.order_ref ?? [...view.values()].find((o) => o.order_id === d.order_id)?.order_ref;
  const order = ref === undefined ? undefined : view.get(ref);
  if (ref === undefined || order === undefined) return view;
  order.fills ??= new Map();
  order.fills.set(d.exec_id, d.quantity);
  const filled = [...order.fills.values()].reduce((sum, q) => sum + q, 0);
  if (order.quantity !== undefined && filled >= order.quantity) view.delete(ref);
  return view;
}

export function localOrders(view: WorkingOrders): ReconOrder[] {
  return [...view.values()].map(({ order_id, order_ref, status }) => (order_ref === undefined ? { order_id, status } : { order_id, order_ref, status }));
}
