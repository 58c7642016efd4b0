import type { Bead, BeadOf, Mode } from '../beads/index.ts';
import type { RecentList } from './recentList.ts';

/**
 * The shapes of the dashboard fold (S9). Rows are plain JSON-ready records so
 * that the view, the page and /metrics read them without translation.
 */

type HeartbeatData = BeadOf<'HEARTBEAT'>['data'];
type PositionData = BeadOf<'POSITION'>['data'];
type ApprovalData = BeadOf<'APPROVAL'>['data'];
type AlertData = BeadOf<'ALERT'>['data'];
type ReconciliationData = BeadOf<'RECONCILIATION'>['data'];

export interface HostStatus {
  host_id: string;
  /** The mode the host started in: fixed for the run (S4.1). */
  mode: Mode;
  state: 'RUNNING' | 'STOPPED';
  pid: number;
  version: string;
  config_hash: string;
  hostname?: string;
  started_at: string;
  stopped_at?: string;
  reason?: string;
}

export interface HealthNow {
  status: HeartbeatData['status'];
  ts: string;
  host_id: string;
  checks: HeartbeatData['checks'];
  details: NonNullable<HeartbeatData['details']>;
  miss_count: number;
}

export interface HeartbeatPoint {
  ts: string;
  status: HeartbeatData['status'];
  /** Seconds since the previous live heartbeat; absent for the first one seen. */
  interval_s?: number;
  /** A MISSED beat, or a live one that came later than the gap threshold. */
  gap: boolean;
  /** How long the check took, from its start to its bead stored: measured by the host that ran it, so known only for its own beats. */
  check_ms?: number;
}

/** A stretch with no sign of life: heartbeats, or the broker connection. */
export interface Gap {
  from: string;
  to: string;
  seconds: number;
  /** How the stretch began, when the log says more than its ends: a host that died without a stop. */
  why?: string;
}

export type ConnectionState = 'UNKNOWN' | 'CONNECTED' | 'DISCONNECTED' | 'RECONNECTING' | 'ESCALATED';

export interface ConnectionStatus {
  state: ConnectionState;
  since?: string;
  mode?: Mode;
  account?: string;
  port?: number;
  server_version?: number;
  gateway_version?: string;
  /** The reconnect attempt in progress (0 when connected). */
  attempt: number;
  reason?: string;
}

export interface SessionEvent {
  ts: string;
  event: 'CONNECT' | 'DISCONNECT' | 'RECONNECT';
  attempt: number;
  escalated: boolean;
  account: string;
  port: number;
  reason?: string;
}

export type PositionRow = Pick<
  PositionData,
  'position_id' | 'state' | 'pair' | 'side' | 'quantity' | 'avg_price' | 'stop' | 'target' | 'unrealised_pnl' | 'realised_pnl' | 'reason'
> & { opened_at: string; updated_at: string; correlation_id: string };

export type ApprovalRow = Pick<
  ApprovalData,
  'intent_id' | 'event' | 'verdict' | 'anchor_age_s' | 'evidence' | 'decision' | 'decided_by' | 'channel' | 'expires_at' | 'reason'
> & { received_at: string; updated_at: string; correlation_id: string };

export type AlertRow = Pick<AlertData, 'alert_id' | 'alert_type' | 'severity' | 'message' | 'runbook_id' | 'dedupe_key' | 'error'> & {
  /** The latest event: RAISED, then its delivery (QUEUED, SENT, …) or RESOLVED. */
  status: AlertData['event'];
  /** What the latest delivery bead said ("sent at once", "grouped with 2 others"); `message` stays the alert's own text. */
  delivery?: string;
  raised_at: string;
  updated_at: string;
  resolved: boolean;
};

export interface ReconciliationRow {
  ts: string;
  result: ReconciliationData['result'];
  trigger?: ReconciliationData['trigger'];
  drift: ReconciliationData['drift'];
  broker_positions: number;
  local_positions: number;
  broker_open_orders: number;
  local_open_orders: number;
}

export interface DriftStatus {
  last?: ReconciliationRow;
  last_drift?: ReconciliationRow;
  runs: number;
  drifts: number;
}

export interface KillFlagStatus {
  /** ARMED is the normal state (S3.5): trading allowed. */
  state: 'ARMED' | 'SET';
  who?: string;
  reason?: string;
  ts?: string;
}

/**
 * One S11 gate, in the gates' one vocabulary (MET or NOT_MET). The dashboard
 * fold only seeds NOT_MET placeholders; a gates projection fills the list
 * through withGates, so nothing is self-declared here.
 */
export interface GateStatus {
  id: string;
  name: string;
  status: 'MET' | 'NOT_MET';
  /** NOT_MET because something recorded failed (a bunny vector), not merely because it has not happened yet. */
  failing?: true;
  detail: string;
  /** Bead ids or short facts that prove the status. */
  evidence?: string[];
  computed_at?: string;
}

/** A runbook file's front matter (S8), as the dashboard actor read it. */
export interface RunbookInfo {
  id: string;
  title: string;
  file: string;
  alert_types: string[];
  severity?: string;
  last_reviewed?: string;
  /** Why the front matter could not be read, if it could not. */
  problem?: string;
}

export interface ActivityItem {
  position: number;
  bead: Bead;
}

/** What every bead touches. */
export interface LogSection {
  lastPosition: number | undefined;
  beadsTotal: number;
  /** Beads seen per type, indexed like BEAD_TYPES. */
  readonly beadsByType: number[];
  readonly corrupt: { count: number; last?: { position: number; reason: string } };
  /** The newest bead's mode: the best guess until a host announces itself. */
  lastMode: Mode | undefined;
  readonly activity: RecentList<ActivityItem>;
}

export interface HeartbeatSection {
  readonly gapMs: number;
  /** The newest beat, live or MISSED: health now, read from it when a view is taken rather than copied per beat. */
  lastBeat: BeadOf<'HEARTBEAT'> | undefined;
  readonly points: RecentList<HeartbeatPoint>;
  lastLive: string | undefined;
  /** lastLive as epoch ms: read once, as every live beat measures its interval from it. */
  lastLiveMs: number | undefined;
  readonly gaps: RecentList<Gap>;
  gapsTotal: number;
}

export interface ConnectionSection {
  status: ConnectionStatus;
  readonly sessions: RecentList<SessionEvent>;
  disconnectedSince: string | undefined;
  /** Said with the gap that disconnectedSince opens, when its start is inferred. */
  gapWhy?: string | undefined;
  readonly gaps: RecentList<Gap>;
}

/** One closed trade's realised P&L, in its quote currency: a step of the equity curve. */
export interface ClosedPnl {
  ts: string;
  position_id: string;
  pnl: number;
  currency: string;
}

export interface PositionsSection {
  /** Keyed by position_id, in opening order. */
  readonly open: Map<string, PositionRow>;
  openDropped: number;
  readonly closed: RecentList<PositionRow>;
  /** Realised P&L of every CLOSED position, per quote currency: two currencies are never added. */
  readonly realisedByCurrency: Record<string, number>;
  readonly closes: RecentList<ClosedPnl>;
}

export interface ApprovalsSection {
  /** Keyed by intent_id, in arrival order. */
  readonly pending: Map<string, ApprovalRow>;
  pendingDropped: number;
  readonly settled: RecentList<ApprovalRow>;
}

export interface AlertsSection {
  /** One row per alert id, at most ALERTS_KEPT. */
  readonly recent: RecentList<AlertRow>;
  readonly raised: Record<AlertData['severity'], number>;
}

/**
 * The fold's state, one section per panel. It is an accumulator owned by the
 * one fold that writes it (the dashboard actor, a replay), updated in place
 * bead by bead like the other folds in projections/, so a replay copies
 * nothing. Read it only through dashboardView: its output is what leaves the
 * owner, a snapshot that later beads never change.
 *
 * The records the fold stores (rows, host, link status, kill flag, the last
 * beat) are never changed once stored, only replaced by a later bead, so a
 * view may share them; counters, lists and maps are the fold's own.
 */
export interface DashboardModel {
  readonly log: LogSection;
  host: HostStatus | undefined;
  readonly heartbeat: HeartbeatSection;
  readonly connection: ConnectionSection;
  readonly positions: PositionsSection;
  readonly approvals: ApprovalsSection;
  readonly alerts: AlertsSection;
  readonly drift: DriftStatus;
  killFlag: KillFlagStatus;
  /** Placeholders until a gates projection fills them (withGates). */
  readonly gates: readonly GateStatus[];
  /** Passed in by the dashboard actor (withRunbooks). */
  readonly runbooks: readonly RunbookInfo[];
}
