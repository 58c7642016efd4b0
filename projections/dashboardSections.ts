import type { BeadOf } from '../beads/index.ts';
import type {
  AlertRow,
  AlertsSection,
  ApprovalRow,
  ApprovalsSection,
  ConnectionSection,
  ConnectionState,
  ConnectionStatus,
  DriftStatus,
  Gap,
  HeartbeatPoint,
  HeartbeatSection,
  PositionRow,
  PositionsSection,
  ReconciliationRow,
  SessionEvent,
} from './dashboardTypes.ts';
import { quoteCurrency, roundMoney } from '../machines/tradeArithmetic.ts';
import { isoMillis } from './isoMillis.ts';
import { pushRecent, upsertRecent } from './recentList.ts';

/**
 * One reducer per dashboard panel: a section and one bead; the section is
 * updated in place (dashboardTypes.ts says who owns it). Rows and statuses are
 * new records, never edits of stored ones, and every list stays bounded.
 */

export const HEARTBEATS_KEPT = 120;
export const GAPS_KEPT = 20;
export const SESSIONS_KEPT = 20;
export const CLOSED_POSITIONS_KEPT = 20;
export const SETTLED_APPROVALS_KEPT = 20;
export const ALERTS_KEPT = 50;
export const ACTIVITY_KEPT = 100;
/** Closed trades kept for the equity curve. */
export const CLOSES_KEPT = 500;
/** Far above a human desk's load; past it the oldest entries leave the view, and the count says so. */
export const OPEN_POSITIONS_KEPT = 200;
export const PENDING_APPROVALS_KEPT = 100;

const TERMINAL_POSITION = new Set(['CLOSED', 'REJECTED', 'CANCELLED']);
const TERMINAL_APPROVAL = new Set(['CONSUMED', 'EXPIRED', 'STATE_CONFLICT', 'REJECTED']);

/** Seconds between two instants in epoch ms, to a tenth. */
function secondsBetween(fromMs: number, toMs: number): number {
  return Math.round((toMs - fromMs) / 100) / 10;
}

export function onHeartbeat(section: HeartbeatSection, bead: BeadOf<'HEARTBEAT'>): void {
  const d = bead.data;
  section.lastBeat = bead;
  if (d.status === 'MISSED') {
    // The watchdog's beat says the host was silent: a gap in itself, and not a sign of life.
    pushRecent(section.points, { ts: bead.ts, status: d.status, gap: true });
    return;
  }
  const previous = section.lastLive;
  const atMs = isoMillis(bead.ts);
  const interval = section.lastLiveMs === undefined ? undefined : secondsBetween(section.lastLiveMs, atMs);
  const late = previous !== undefined && interval !== undefined && interval * 1000 > section.gapMs;
  const point: HeartbeatPoint = { ts: bead.ts, status: d.status, gap: late };
  if (interval !== undefined) point.interval_s = interval;
  pushRecent(section.points, point);
  if (late) {
    pushRecent(section.gaps, { from: previous, to: bead.ts, seconds: interval });
    section.gapsTotal += 1;
  }
  section.lastLive = bead.ts;
  section.lastLiveMs = atMs;
}

export function onSession(section: ConnectionSection, bead: BeadOf<'IBKR_SESSION'>): void {
  const d = bead.data;
  const session: SessionEvent = { ts: bead.ts, event: d.event, attempt: d.reconnect_attempt, escalated: d.escalated === true, account: d.account, port: d.port };
  if (d.reason !== undefined) session.reason = d.reason;
  pushRecent(section.sessions, session);
  if (d.event === 'CONNECT') {
    const gapFrom = section.disconnectedSince;
    if (gapFrom) {
      const gap: Gap = { from: gapFrom, to: bead.ts, seconds: secondsBetween(isoMillis(gapFrom), isoMillis(bead.ts)) };
      if (section.gapWhy) gap.why = section.gapWhy;
      pushRecent(section.gaps, gap);
    }
    section.status = linkStatus(d, 'CONNECTED', bead.ts, 0);
    section.disconnectedSince = undefined;
    section.gapWhy = undefined;
    return;
  }
  // RECONNECT is an attempt (S3.1); only a CONNECT says the link is back.
  const state = d.event === 'DISCONNECT' ? 'DISCONNECTED' : d.escalated ? 'ESCALATED' : 'RECONNECTING';
  const since = state === section.status.state ? section.status.since : bead.ts;
  section.disconnectedSince ??= bead.ts;
  section.status = linkStatus(d, state, since, d.reconnect_attempt);
}

/** Written out rather than spread: in V8 here, spreading a fresh object into another costs microseconds, per session bead. */
function linkStatus(d: BeadOf<'IBKR_SESSION'>['data'], state: ConnectionState, since: string | undefined, attempt: number): ConnectionStatus {
  return {
    mode: d.mode,
    account: d.account,
    port: d.port,
    server_version: d.server_version,
    gateway_version: d.gateway_version,
    reason: d.reason,
    state,
    since,
    attempt,
  };
}

export function onPosition(section: PositionsSection, bead: BeadOf<'POSITION'>): void {
  const d = bead.data;
  const before = section.open.get(d.position_id);
  const row: PositionRow = {
    position_id: d.position_id,
    state: d.state,
    pair: d.pair,
    side: d.side,
    quantity: d.quantity,
    avg_price: d.avg_price,
    stop: d.stop,
    target: d.target,
    unrealised_pnl: d.unrealised_pnl,
    realised_pnl: d.realised_pnl,
    reason: d.reason,
    opened_at: before?.opened_at ?? bead.ts,
    updated_at: bead.ts,
    correlation_id: bead.correlation_id,
  };
  if (TERMINAL_POSITION.has(d.state)) {
    section.open.delete(d.position_id);
    pushRecent(section.closed, row);
    if (d.state === 'CLOSED' && d.realised_pnl !== undefined) {
      const currency = quoteCurrency(d.pair);
      section.realisedByCurrency[currency] = roundMoney((section.realisedByCurrency[currency] ?? 0) + d.realised_pnl);
      pushRecent(section.closes, { ts: bead.ts, position_id: d.position_id, pnl: d.realised_pnl, currency });
    }
    return;
  }
  section.open.set(d.position_id, row);
  section.openDropped += dropOldest(section.open, OPEN_POSITIONS_KEPT);
}

export function onApproval(section: ApprovalsSection, bead: BeadOf<'APPROVAL'>): void {
  const d = bead.data;
  const before = section.pending.get(d.intent_id);
  // Later events rarely repeat the evidence, so each field keeps its last known value.
  const row: ApprovalRow = {
    intent_id: d.intent_id,
    event: d.event,
    verdict: d.verdict ?? before?.verdict,
    anchor_age_s: d.anchor_age_s ?? before?.anchor_age_s,
    evidence: d.evidence ?? before?.evidence,
    decision: d.decision ?? before?.decision,
    decided_by: d.decided_by ?? before?.decided_by,
    channel: d.channel ?? before?.channel,
    expires_at: d.expires_at ?? before?.expires_at,
    reason: d.reason ?? before?.reason,
    received_at: before?.received_at ?? bead.ts,
    updated_at: bead.ts,
    correlation_id: bead.correlation_id,
  };
  if (TERMINAL_APPROVAL.has(d.event)) {
    section.pending.delete(d.intent_id);
    pushRecent(section.settled, row);
    return;
  }
  section.pending.set(d.intent_id, row);
  section.pendingDropped += dropOldest(section.pending, PENDING_APPROVALS_KEPT);
}

export function onAlert(section: AlertsSection, bead: BeadOf<'ALERT'>): void {
  const d = bead.data;
  if (d.event === 'RAISED') section.raised[d.severity] += 1;
  upsertRecent(
    section.recent,
    (row) => row.alert_id === d.alert_id,
    (known): AlertRow => ({
      alert_id: d.alert_id,
      alert_type: d.alert_type,
      severity: d.severity,
      // A delivery bead carries the delivery's words ("sent at once"); the alert's own text is the RAISED one.
      message: d.event === 'RAISED' || !known ? d.message : known.message,
      delivery: d.event === 'RAISED' ? known?.delivery : d.message,
      runbook_id: d.runbook_id ?? known?.runbook_id,
      dedupe_key: d.dedupe_key,
      error: d.error ?? (d.event === 'SENT' ? undefined : known?.error),
      status: d.event,
      raised_at: known?.raised_at ?? bead.ts,
      updated_at: bead.ts,
      resolved: d.event === 'RESOLVED' || known?.resolved === true,
    }),
  );
}

export function onReconciliation(drift: DriftStatus, bead: BeadOf<'RECONCILIATION'>): void {
  const d = bead.data;
  const row: ReconciliationRow = {
    ts: bead.ts,
    result: d.result,
    trigger: d.trigger,
    drift: d.drift,
    // IB keeps a closed position as a row of quantity 0: it holds nothing, and is not counted.
    broker_positions: d.broker.positions.filter((p) => p.quantity !== 0).length,
    local_positions: d.local.positions.filter((p) => p.quantity !== 0).length,
    broker_open_orders: d.broker.open_orders.length,
    local_open_orders: d.local.open_orders.length,
  };
  drift.last = row;
  drift.runs += 1;
  if (d.result === 'DRIFT') {
    drift.last_drift = row;
    drift.drifts += 1;
  }
}

/** Trims a map to `cap` entries, oldest first; returns how many left. */
function dropOldest<K, V>(map: Map<K, V>, cap: number): number {
  let dropped = 0;
  for (const key of map.keys()) {
    if (map.size <= cap) break;
    map.delete(key);
    dropped += 1;
  }
  return dropped;
}
