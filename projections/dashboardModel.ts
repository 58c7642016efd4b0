/**
 * The dashboard's fold (S9): one bead in, a new model out. Pure and O(1) per
 * bead: every list is bounded, and the bounded lists share storage between
 * versions (recentList.ts), so replay cost does not grow with the log.
 */
import { BEAD_TYPES, type Bead, type BeadOf, type BeadType } from '../beads/index.ts';
import {
  ACTIVITY_KEPT,
  CLOSED_POSITIONS_KEPT,
  GAPS_KEPT,
  HEARTBEATS_KEPT,
  onAlert,
  onApproval,
  onHeartbeat,
  onPosition,
  onReconciliation,
  onSession,
  SESSIONS_KEPT,
  SETTLED_APPROVALS_KEPT,
} from './dashboardSections.ts';
import type { ConnectionSection, DashboardModel, GateStatus, RunbookInfo } from './dashboardTypes.ts';
import { emptyRecent, pushRecent } from './recentList.ts';

export type * from './dashboardTypes.ts';
export {
  ACTIVITY_KEPT,
  ALERTS_KEPT,
  CLOSED_POSITIONS_KEPT,
  GAPS_KEPT,
  HEARTBEATS_KEPT,
  OPEN_POSITIONS_KEPT,
  PENDING_APPROVALS_KEPT,
  SESSIONS_KEPT,
  SETTLED_APPROVALS_KEPT,
} from './dashboardSections.ts';

/** S6.3: a beat later than 30 s + 5 s jitter is late. Time-scaled hosts pass their own. */
export const DEFAULT_HEARTBEAT_GAP_MS = 35_000;

export const PHASE1_GATES: readonly Pick<GateStatus, 'id' | 'name'>[] = [
  { id: 'P1-1', name: 'IBKR_PAPER_CONNECTED' },
  { id: 'P1-2', name: 'PAPER_ROUND_TRIP' },
  { id: 'P1-3', name: 'PAPER_VOLUME' },
  { id: 'P1-4', name: 'MONITORING_OPERATIONAL' },
  { id: 'P1-5', name: 'RUNBOOKS_COMPLETE' },
  { id: 'P1-6', name: 'DISCONNECT_DRILL' },
  { id: 'P1-7', name: 'UX_VALIDATED' },
  { id: 'P1-8', name: 'BUNNY_PHASE1_PASSES' },
];

const TYPE_INDEX = new Map<BeadType, number>(BEAD_TYPES.map((t, i) => [t, i]));

/** Counts live in an array in BEAD_TYPES order: copying twenty numbers is cheaper than respreading a keyed object per bead. */
function countOne(counts: readonly number[], type: BeadType): number[] {
  const next = counts.slice();
  const i = TYPE_INDEX.get(type);
  if (i !== undefined) next[i] = (next[i] ?? 0) + 1;
  return next;
}

export function initialDashboard(options: { heartbeatGapMs?: number } = {}): DashboardModel {
  return {
    log: { lastPosition: undefined, beadsTotal: 0, beadsByType: BEAD_TYPES.map(() => 0), corrupt: { count: 0 }, lastMode: undefined, activity: emptyRecent(ACTIVITY_KEPT) },
    host: undefined,
    heartbeat: {
      gapMs: options.heartbeatGapMs ?? DEFAULT_HEARTBEAT_GAP_MS,
      now: undefined,
      points: emptyRecent(HEARTBEATS_KEPT),
      lastLive: undefined,
      gaps: emptyRecent(GAPS_KEPT),
      gapsTotal: 0,
    },
    connection: { status: { state: 'UNKNOWN', attempt: 0 }, sessions: emptyRecent(SESSIONS_KEPT), disconnectedSince: undefined, gaps: emptyRecent(GAPS_KEPT) },
    positions: { open: new Map(), openDropped: 0, closed: emptyRecent(CLOSED_POSITIONS_KEPT), realisedTotal: 0 },
    approvals: { pending: new Map(), pendingDropped: 0, settled: emptyRecent(SETTLED_APPROVALS_KEPT) },
    alerts: { recent: [], raised: { WARNING: 0, CRITICAL: 0 } },
    drift: { runs: 0, drifts: 0 },
    killFlag: { state: 'ARMED' },
    gates: PHASE1_GATES.map((g) => ({ ...g, status: 'NOT_COMPUTED', detail: 'not yet computed' })),
    runbooks: [],
  };
}

export function applyBead(model: DashboardModel, bead: Bead, position: number): DashboardModel {
  const log = model.log;
  const counted: DashboardModel = {
    ...model,
    log: {
      lastPosition: position,
      beadsTotal: log.beadsTotal + 1,
      beadsByType: countOne(log.beadsByType, bead.bead_type),
      corrupt: log.corrupt,
      lastMode: bead.mode,
      activity: pushRecent(log.activity, { position, bead }),
    },
  };
  switch (bead.bead_type) {
    case 'HOST':
      return onHost(counted, bead);
    case 'HEARTBEAT':
      return { ...counted, heartbeat: onHeartbeat(model.heartbeat, bead) };
    case 'IBKR_SESSION':
      return { ...counted, connection: onSession(model.connection, bead) };
    case 'POSITION':
      return { ...counted, positions: onPosition(model.positions, bead) };
    case 'APPROVAL':
      return { ...counted, approvals: onApproval(model.approvals, bead) };
    case 'ALERT':
      return { ...counted, alerts: onAlert(model.alerts, bead) };
    case 'RECONCILIATION':
      return { ...counted, drift: onReconciliation(model.drift, bead) };
    case 'KILL_FLAG':
      return { ...counted, killFlag: { state: bead.data.state === 'SET' ? 'SET' : 'ARMED', who: bead.data.who, reason: bead.data.reason, ts: bead.ts } };
    default:
      return counted;
  }
}

/** A stored record that could not be decoded still moves the checkpoint, and the page says so. */
export function noteCorrupt(model: DashboardModel, position: number, reason: string): DashboardModel {
  return { ...model, log: { ...model.log, lastPosition: position, corrupt: { count: model.log.corrupt.count + 1, last: { position, reason } } } };
}

/** The gates projection's output replaces the placeholders. */
export function withGates(model: DashboardModel, gates: readonly GateStatus[]): DashboardModel {
  return { ...model, gates: [...gates] };
}

export function withRunbooks(model: DashboardModel, runbooks: readonly RunbookInfo[]): DashboardModel {
  return { ...model, runbooks: [...runbooks] };
}

function onHost(model: DashboardModel, bead: BeadOf<'HOST'>): DashboardModel {
  const d = bead.data;
  const link = model.connection;
  // A new run has no broker link until its own CONNECT; a stop ends the link, and the gap counts from there.
  const connection: ConnectionSection = {
    ...link,
    status: { state: 'UNKNOWN', attempt: 0 },
    disconnectedSince: link.disconnectedSince ?? (link.status.state === 'CONNECTED' ? bead.ts : undefined),
  };
  const same = { host_id: bead.host_id, mode: bead.mode, pid: d.pid, version: d.version, config_hash: d.config_hash, hostname: d.hostname };
  if (d.event === 'STARTED') return { ...model, connection, host: { ...same, state: 'RUNNING', started_at: bead.ts } };
  const started = model.host?.host_id === bead.host_id ? model.host.started_at : bead.ts;
  return { ...model, connection, host: { ...same, state: 'STOPPED', started_at: started, stopped_at: bead.ts, reason: d.reason } };
}
