import { BEAD_TYPES, type Bead, type BeadOf, type BeadType, type Mode } from '../beads/index.ts';
import type {
  AlertRow,
  ApprovalRow,
  ClosedPnl,
  ConnectionStatus,
  DashboardModel,
  DriftStatus,
  GateStatus,
  Gap,
  HealthNow,
  HeartbeatPoint,
  HostStatus,
  KillFlagStatus,
  PositionRow,
  RunbookInfo,
  SessionEvent,
} from './dashboardTypes.ts';
import { type Converted, quoteCurrency, roundMoney } from '../machines/tradeArithmetic.ts';
import { recentItems } from './recentList.ts';
import { summarizeBead } from './timeline.ts';

/**
 * What leaves the process: GET /api/dashboard, every SSE update, and the
 * source of /metrics. Built on demand from the fold (at most a few times a
 * second), so the per-bead fold stays cheap. Lists are newest first.
 *
 * A snapshot: every list, map and counter of the model is copied, and what is
 * shared (rows, host, statuses) the fold never edits, so later beads never
 * change a view already handed out.
 */
export type BannerLevel = 'HEALTHY' | 'DEGRADED' | 'CRITICAL' | 'UNKNOWN';

export interface DashboardView {
  generated_at: string;
  /** False while the dashboard is still reading the log's history. */
  caught_up: boolean;
  log_position: number | null;
  banner: { level: BannerLevel; reasons: string[] };
  mode: Mode | null;
  host: HostStatus | null;
  health: (HealthNow & { age_s: number }) | null;
  heartbeats: { points: HeartbeatPoint[]; gaps: Gap[]; gaps_total: number; gap_threshold_s: number; last_live_age_s: number | null };
  connection: ConnectionStatus & { sessions: SessionEvent[]; gaps: Gap[] };
  positions: PositionsView;
  approvals: { pending: PendingApproval[]; settled: ApprovalRow[]; not_shown: number };
  alerts: { recent: AlertRow[]; raised: { WARNING: number; CRITICAL: number } };
  drift: DriftStatus;
  kill_flag: KillFlagStatus;
  gates: GateStatus[];
  runbooks: RunbookInfo[];
  activity: ActivityRow[];
  counts: { beads_total: number; by_type: Partial<Record<BeadType, number>>; corrupt: number; last_corrupt: { position: number; reason: string } | null };
}

/** A position row as views show it: with its quote currency, and its live mark once the host's prices are joined in (dashboardLive.ts). */
export type PositionView = PositionRow & {
  currency: string;
  mark?: PositionMark;
  /** unrealised_pnl in the account's currency, at the current rate. */
  unrealised_account?: Converted;
  realised_account?: Converted;
};

/** Where a position stands at the latest tick: never a bead (S5.3 step 11). */
export interface PositionMark {
  price: number;
  bid?: number;
  ask?: number;
  at: string;
  pips_to_stop: number;
  pips_to_target: number;
}

/** Money that may be in several currencies: one sum per currency, and one in the account's currency at current rates when every rate is known. */
export interface MoneyTotal {
  by_currency: Record<string, number>;
  account: { currency: string; amount: number; rates: string[]; missing: string[] } | null;
}

export interface PositionsView {
  open: PositionView[];
  closed: PositionView[];
  unrealised: MoneyTotal;
  realised: MoneyTotal;
  not_shown: number;
  /** Every close kept, oldest first: the equity curve's steps, each in its quote currency. */
  closes: ClosedPnl[];
  /** The account's currency, once the broker said it (live views only). */
  account_currency: string | null;
  /** When the newest price joined in was seen; null: no live prices in this view. */
  marks_at: string | null;
}

/** One line of the feed; a trade's P&L also as data, so a live view can say it in the account's currency too. */
export interface ActivityRow {
  position: number;
  ts: string;
  bead_type: BeadType;
  stream: string;
  summary: string;
  pnl?: { amount: number; currency: string };
  pnl_account?: Converted;
}

/** The P&L a POSITION or AUTOPSY bead records, in its quote currency. */
function pnlOf(bead: Bead): ActivityRow['pnl'] {
  if (bead.bead_type === 'AUTOPSY') return { amount: bead.data.pnl, currency: quoteCurrency(bead.data.pair) };
  if (bead.bead_type !== 'POSITION') return undefined;
  const amount = bead.data.realised_pnl ?? bead.data.unrealised_pnl;
  return amount === undefined ? undefined : { amount, currency: quoteCurrency(bead.data.pair) };
}

/** A pending approval, with when its anchor turns stale (S3.2) so a page can count down to it. */
export type PendingApproval = ApprovalRow & { stale_at?: string };

const RANK: Record<BannerLevel, number> = { UNKNOWN: 0, HEALTHY: 1, DEGRADED: 2, CRITICAL: 3 };

function worse(a: BannerLevel, b: BannerLevel): BannerLevel {
  return RANK[b] > RANK[a] ? b : a;
}

function ageSeconds(ts: string, nowMs: number): number {
  return Math.max(0, Math.round((nowMs - Date.parse(ts)) / 1000));
}

function healthNow(beat: BeadOf<'HEARTBEAT'> | undefined): HealthNow | undefined {
  if (!beat) return undefined;
  const d = beat.data;
  return { status: d.status, ts: beat.ts, host_id: beat.host_id, checks: d.checks, details: d.details ?? [], miss_count: d.miss_count };
}

/** S3.4 in one word: the last beat's status, made worse by silence, a lost link or drift. */
function bannerOf(model: DashboardModel, health: HealthNow | undefined, nowMs: number): DashboardView['banner'] {
  const { lastLive, gapMs } = model.heartbeat;
  const reasons: string[] = [];
  let level: BannerLevel = 'UNKNOWN';
  if (!health) {
    reasons.push('no heartbeat recorded yet');
  } else if (health.status === 'MISSED') {
    level = health.miss_count >= 3 ? 'CRITICAL' : 'DEGRADED';
    reasons.push(`watchdog: ${health.miss_count} heartbeat(s) missed`);
  } else {
    level = health.status;
    const failing = Object.entries(health.checks).filter(([, ok]) => !ok).map(([name]) => name);
    if (failing.length) reasons.push(`failing: ${failing.join(', ')}`);
    for (const d of health.details) reasons.push(d.message);
  }
  if (lastLive !== undefined && model.host?.state !== 'STOPPED') {
    const silentMs = nowMs - Date.parse(lastLive);
    if (silentMs > gapMs) {
      level = worse(level, silentMs > 3 * gapMs ? 'CRITICAL' : 'DEGRADED');
      reasons.push(`last heartbeat ${Math.round(silentMs / 1000)} s ago`);
    }
  }
  const link = model.connection.status;
  if (link.state === 'DISCONNECTED' || link.state === 'RECONNECTING' || link.state === 'ESCALATED') {
    level = worse(level, 'CRITICAL');
    reasons.push(`broker connection ${link.state}${link.state === 'RECONNECTING' ? ` (attempt ${link.attempt})` : ''}`);
  }
  if (model.drift.last?.result === 'DRIFT') {
    level = worse(level, 'CRITICAL');
    reasons.push(`reconciliation drift: ${model.drift.last.drift.length} item(s)`);
  }
  if (model.host?.state === 'STOPPED') reasons.push(`host ${model.host.host_id} stopped`);
  return { level, reasons };
}

function countsByType(counts: readonly number[]): Partial<Record<BeadType, number>> {
  const out: Partial<Record<BeadType, number>> = {};
  BEAD_TYPES.forEach((type, i) => {
    if (counts[i]) out[type] = counts[i];
  });
  return out;
}

const withCurrency = (row: PositionRow): PositionView => ({ ...row, currency: quoteCurrency(row.pair) });

/** Sums per quote currency: the one way money of several pairs is ever totalled. */
export function sumByCurrency(rows: readonly PositionRow[], amount: (row: PositionRow) => number | undefined): Record<string, number> {
  const out: Record<string, number> = {};
  for (const row of rows) {
    const value = amount(row);
    if (value === undefined) continue;
    const ccy = quoteCurrency(row.pair);
    out[ccy] = roundMoney((out[ccy] ?? 0) + value);
  }
  return out;
}

/** The anchor's stale moment, from the evidence the approval's beads recorded (EVIDENCE_SHOWN's anchor, else RECEIVED's intent and gate). */
function withStaleAt(row: ApprovalRow): PendingApproval {
  const e = row.evidence as { anchor?: { created_at?: unknown; stale_after_s?: unknown }; intent?: { created_at?: unknown }; stale_gate_ms?: unknown } | undefined;
  const created = e?.anchor?.created_at ?? e?.intent?.created_at;
  const gateMs = typeof e?.anchor?.stale_after_s === 'number' ? e.anchor.stale_after_s * 1000 : e?.stale_gate_ms;
  const at = typeof created === 'string' ? Date.parse(created) : Number.NaN;
  if (!Number.isFinite(at) || typeof gateMs !== 'number' || !Number.isFinite(gateMs)) return row;
  return { ...row, stale_at: new Date(at + gateMs).toISOString() };
}

export function dashboardView(model: DashboardModel, nowMs: number, caughtUp = true): DashboardView {
  const { log, heartbeat, connection, positions, approvals, alerts } = model;
  const open = [...positions.open.values()].reverse();
  const now = healthNow(heartbeat.lastBeat);
  return {
    generated_at: new Date(nowMs).toISOString(),
    caught_up: caughtUp,
    log_position: log.lastPosition ?? null,
    banner: bannerOf(model, now, nowMs),
    mode: model.host?.mode ?? log.lastMode ?? null,
    host: model.host ?? null,
    health: now ? { ...now, age_s: ageSeconds(now.ts, nowMs) } : null,
    heartbeats: {
      points: recentItems(heartbeat.points),
      gaps: recentItems(heartbeat.gaps).reverse(),
      gaps_total: heartbeat.gapsTotal,
      gap_threshold_s: heartbeat.gapMs / 1000,
      last_live_age_s: heartbeat.lastLive === undefined ? null : ageSeconds(heartbeat.lastLive, nowMs),
    },
    connection: { ...connection.status, sessions: recentItems(connection.sessions).reverse(), gaps: recentItems(connection.gaps).reverse() },
    positions: {
      open: open.map(withCurrency),
      closed: recentItems(positions.closed).reverse().map(withCurrency),
      unrealised: { by_currency: sumByCurrency(open, (p) => p.unrealised_pnl), account: null },
      realised: { by_currency: { ...positions.realisedByCurrency }, account: null },
      not_shown: positions.openDropped,
      closes: recentItems(positions.closes),
      account_currency: null,
      marks_at: null,
    },
    approvals: { pending: [...approvals.pending.values()].reverse().map(withStaleAt), settled: recentItems(approvals.settled).reverse(), not_shown: approvals.pendingDropped },
    alerts: { recent: recentItems(alerts.recent).reverse(), raised: { ...alerts.raised } },
    drift: { ...model.drift },
    kill_flag: model.killFlag,
    gates: [...model.gates],
    runbooks: [...model.runbooks],
    activity: recentItems(log.activity)
      .reverse()
      .map(({ position, bead }) => {
        const row: ActivityRow = { position, ts: bead.ts, bead_type: bead.bead_type, stream: bead.stream, summary: summarizeBead(bead) };
        const pnl = pnlOf(bead);
        if (pnl) row.pnl = pnl;
        return row;
      }),
    counts: { beads_total: log.beadsTotal, by_type: countsByType(log.beadsByType), corrupt: log.corrupt.count, last_corrupt: log.corrupt.last ?? null },
  };
}
