import { type Bead, type BeadDraft, stamp, streams } from '../beads/index.ts';
import { uuidV7Ids } from '../store/ids.ts';

const HOST = 'phoenix-bench';
const START_MS = Date.parse('2026-11-24T09:00:00.000Z');
const POSITION_STEPS = [
  ['FILLED', 'SUBMITTED'],
  ['MANAGED', 'FILLED'],
  ['CLOSED', 'MANAGED'],
] as const;

const ORDER_STEPS = [
  ['PreSubmitted', 0],
  ['Submitted', 0],
  ['Submitted', 12500],
  ['Filled', 25000],
] as const;

/**
 * A day-in-the-life mix of beads, so benchmark rows are the size and shape the
 * log really holds: mostly heartbeats, then the order / fill / position story
 * of each trade, with approvals, sessions and alerts in between.
 */
function draftAt(i: number): BeadDraft {
  const trade = Math.floor(i / 20);
  const positionId = `pos-${trade}`;
  const orderRef = `ord-${trade}`;
  const correlation_id = `intent-${trade}`;
  const slot = i % 20;
  if (slot < 8) {
    return {
      bead_type: 'HEARTBEAT',
      stream: streams.heartbeat(HOST),
      correlation_id: `hb-${i}`,
      data: { status: 'HEALTHY', checks: { process_alive: true, ibkr_connected: true, semantic_healthy: true }, miss_count: 0 },
    };
  }
  if (slot < 12) {
    // The entry's statuses as IB reports them, ending Filled: a log of orders that never finish would be a broken desk.
    const [status, filled] = ORDER_STEPS[slot - 8]!;
    return {
      bead_type: 'ORDER',
      stream: streams.order(orderRef),
      correlation_id,
      data: { event: 'STATUS', order_ref: orderRef, order_id: trade, perm_id: 900000 + trade, pair: 'EURUSD', action: 'BUY', quantity: 25000, order_type: 'LMT', limit_price: 1.08215, status, filled, remaining: 25000 - filled },
    };
  }
  if (slot < 15) {
    // Each trade's position walks FILLED → MANAGED → CLOSED, as a desk's do: one open at a time.
    const [state, previous_state] = POSITION_STEPS[slot - 12]!;
    return {
      bead_type: 'POSITION',
      stream: streams.position(positionId),
      correlation_id,
      data: { position_id: positionId, state, previous_state, pair: 'EURUSD', side: 'LONG', quantity: 25000, avg_price: 1.08215, stop: 1.0801, target: 1.0862, unrealised_pnl: 12.5, ...(state === 'CLOSED' && { realised_pnl: 94.25 }) },
    };
  }
  if (slot < 17) {
    return {
      bead_type: 'FILL',
      stream: streams.order(orderRef),
      correlation_id,
      data: { exec_id: `exec-${i}`, order_id: trade, order_ref: orderRef, position_id: positionId, pair: 'EURUSD', side: 'BUY', quantity: 12500, price: 1.08215, commission: 1.1, time: new Date(START_MS + i).toISOString() },
    };
  }
  if (slot === 17) {
    return {
      bead_type: 'APPROVAL',
      stream: streams.approval(`intent-${trade}`),
      correlation_id,
      data: { intent_id: `intent-${trade}`, event: 'CONSUMED', decided_by: 'operator', channel: 'TELEGRAM', content_hash: 'sha256:3f5a9c1e', token_id: `tok-${trade}` },
    };
  }
  if (slot === 18) {
    return {
      bead_type: 'IBKR_SESSION',
      stream: streams.connection(HOST),
      correlation_id: `session-${trade}`,
      data: { event: 'RECONNECT', mode: 'PAPER', account: 'DU1234567', port: 4002, server_version: 176, reconnect_attempt: 1 },
    };
  }
  return {
    bead_type: 'ALERT',
    stream: streams.alerts,
    correlation_id: `alert-${trade}`,
    data: { event: 'SENT', alert_id: `alert-${trade}`, alert_type: 'GATEWAY_RECONNECTED', severity: 'WARNING', message: 'IB Gateway reconnected after 2 attempts', runbook_id: 'RB-002', dedupe_key: 'gateway-reconnect' },
  };
}

/** Bead number `i` of the mix; `stream` moves it to another stream (a batch appends to one stream). */
export function benchBead(i: number, stream?: string): Bead {
  const draft = draftAt(i);
  return stamp(stream === undefined ? draft : { ...draft, stream }, {
    bead_id: uuidV7Ids.next(),
    ts: new Date(START_MS + i).toISOString(),
    host_id: HOST,
    mode: 'PAPER',
  });
}

/** Beads `from` .. `from + count - 1` of the mix, optionally all on one stream. */
export function benchBeads(from: number, count: number, stream?: string): Bead[] {
  return Array.from({ length: count }, (_, k) => benchBead(from + k, stream));
}
