/**
 * The dashboard's fold (S9): one bead into the model, in place. Pure in the
 * sense of projections/: no I/O, no clock, the same beads always make the same
 * model. O(1) per bead and copy-free: every list is a bounded ring, so replay
 * cost does not grow with the log. The model is its folder's own
 * (dashboardTypes.ts); what leaves is dashboardView's snapshot.
 */
import { BEAD_TYPES, type Bead, type BeadOf, type BeadType } from '../beads/index.ts';
import {
  ACTIVITY_KEPT,
  ALERTS_KEPT,
  CLOSED_POSITIONS_KEPT,
  CLOSES_KEPT,
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
import type { DashboardModel, GateStatus, RunbookInfo } from './dashboardTypes.ts';
import { emptyRecent, pushRecent, recentItems } from './recentList.ts';

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

export function initialDashboard(options: { heartbeatGapMs?: number } = {}): DashboardModel {
  return {
    log: { lastPosition: undefined, beadsTotal: 0, beadsByType: BEAD_TYPES.map(() => 0), corrupt: { count: 0 }, lastMode: undefined, activity: emptyRecent(ACTIVITY_KEPT) },
    host: undefined,
    heartbeat: {
      gapMs: options.heartbeatGapMs ?? DEFAULT_HEARTBEAT_GAP_MS,
      lastBeat: undefined,
      points: emptyRecent(HEARTBEATS_KEPT),
      lastLive: undefined,
      lastLiveMs: undefined,
      gaps: emptyRecent(GAPS_KEPT),
      gapsTotal: 0,
    },
    connection: { status: { state: 'UNKNOWN', attempt: 0 }, sessions: emptyRecent(SESSIONS_KEPT), disconnectedSince: undefined, gaps: emptyRecent(GAPS_KEPT) },
    positions: { open: new Map(), openDropped: 0, closed: emptyRecent(CLOSED_POSITIONS_KEPT), realisedByCurrency: {}, closes: emptyRecent(CLOSES_KEPT) },
    approvals: { pending: new Map(), pendingDropped: 0, settled: emptyRecent(SETTLED_APPROVALS_KEPT) },
    alerts: { recent: emptyRecent(ALERTS_KEPT), raised: { WARNING: 0, CRITICAL: 0 } },
    drift: { runs: 0, drifts: 0 },
    killFlag: { state: 'ARMED' },
    gates: PHASE1_GATES.map((g) => ({ ...g, status: 'NOT_MET', detail: 'not yet computed' })),
    runbooks: [],
  };
}

/** Folds one bead into the model, in place, and returns it. */
export function applyBead(model: DashboardModel, bead: Bead, position: number): DashboardModel {
  const log = model.log;
  log.lastPosition = position;
  log.beadsTotal += 1;
  const typeIndex = TYPE_INDEX.get(bead.bead_type);
  if (typeIndex !== undefined) log.beadsByType[typeIndex]! += 1;
  log.lastMode = bead.mode;
  pushRecent(log.activity, { position, bead });
  switch (bead.bead_type) {
    case 'HOST':
      onHost(model, bead);
      break;
    case 'HEARTBEAT':
      onHeartbeat(model.heartbeat, bead);
      break;
    case 'IBKR_SESSION':
      onSession(model.connection, bead);
      break;
    case 'POSITION':
      onPosition(model.positions, bead);
      break;
    case 'APPROVAL':
      onApproval(model.approvals, bead);
      break;
    case 'ALERT':
      onAlert(model.alerts, bead);
      break;
    case 'RECONCILIATION':
      onReconciliation(model.drift, bead);
      break;
    case 'KILL_FLAG':
      model.killFlag = { state: bead.data.state === 'SET' ? 'SET' : 'ARMED', who: bead.data.who, reason: bead.data.reason, ts: bead.ts };
      break;
  }
  return model;
}

/** A stored record that could not be decoded still moves the checkpoint, and the page says so. */
export function noteCorrupt(model: DashboardModel, position: number, reason: string): DashboardModel {
  model.log.lastPosition = position;
  model.log.corrupt.count += 1;
  model.log.corrupt.last = { position, reason };
  return model;
}

/**
 * The gates projection's output replaces the placeholders. Like withRunbooks,
 * the copy shares the folded sections with the model it came from: keep
 * folding into one of the two only (the dashboard folds into the copy
 * withRunbooks gave it, and reads through withGates' copy).
 */
export function withGates(model: DashboardModel, gates: readonly GateStatus[]): DashboardModel {
  return { ...model, gates: [...gates] };
}

export function withRunbooks(model: DashboardModel, runbooks: readonly RunbookInfo[]): DashboardModel {
  return { ...model, runbooks: [...runbooks] };
}

/** The newest live heartbeat or session bead before `before`: when a run that ended without a word was last heard. */
function lastSignOfLife(model: DashboardModel, before: string): string | undefined {
  const beat = model.heartbeat.lastLive;
  const session = recentItems(model.connection.sessions).at(-1)?.ts;
  const last = [beat, session].filter((t): t is string => t !== undefined && t <= before).sort().at(-1);
  return last;
}

function onHost(model: DashboardModel, bead: BeadOf<'HOST'>): void {
  const d = bead.data;
  const link = model.connection;
  // A new run has no broker link until its own CONNECT; a stop ends the link, and the gap counts from there.
  // A STARTED while the link still looks CONNECTED means the last run died without a word (SIGKILL, power):
  // its link went with it, so the gap counts from its last sign of life, not from this start.
  if (link.status.state === 'CONNECTED' && link.disconnectedSince === undefined) {
    const crashed = d.event === 'STARTED' ? lastSignOfLife(model, bead.ts) : undefined;
    link.disconnectedSince = crashed ?? bead.ts;
    link.gapWhy = crashed ? `host ${model.host?.host_id ?? bead.host_id} ended without a stop; the gap counts from its last heartbeat or session bead` : undefined;
  }
  link.status = { state: 'UNKNOWN', attempt: 0 };
  const same = { host_id: bead.host_id, mode: bead.mode, pid: d.pid, version: d.version, config_hash: d.config_hash, hostname: d.hostname };
  if (d.event === 'STARTED') {
    model.host = { ...same, state: 'RUNNING', started_at: bead.ts };
    return;
  }
  const started = model.host?.host_id === bead.host_id ? model.host.started_at : bead.ts;
  model.host = { ...same, state: 'STOPPED', started_at: started, stopped_at: bead.ts, reason: d.reason };
}
