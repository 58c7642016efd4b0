import type { Bead, BeadType, BeadOf } from '../beads/index.ts';
import type { GateStatus } from './dashboardTypes.ts';
import { type BunnyRuns, bunnyVerdict, foldBunny } from './gatesBunny.ts';
import { foldUxApproval, foldUxConfirmation, initialUx, type UxState, uxVerdict } from './gatesUx.ts';
import { isoMillis } from './isoMillis.ts';
import { ENDED_POSITION_STATES } from './positions.ts';

export { BUNNY_VECTORS } from './gatesBunny.ts';

/**
 * The S11 phase-1 gates, folded from the log. Nothing is self-declared: a
 * gate is MET only when beads prove it, and each names the beads; anything
 * else is NOT_MET, with the reason. These two words are the one vocabulary
 * of a gate everywhere: `phoenix gates`, `phoenix status`, the dashboard and
 * Telegram.
 *
 * Paper means the bead's own `mode` is PAPER. A host session is one HOST
 * STARTED bead: every later bead from that host id belongs to it.
 */

export type GateVerdict = 'MET' | 'NOT_MET';

export interface GateResult {
  id: string;
  name: string;
  status: GateVerdict;
  detail: string;
  /** Bead ids (or short facts) that prove the status. */
  evidence: string[];
  /** NOT_MET because something recorded failed (a bunny vector), not merely because it has not happened yet. */
  failing?: true;
}

/** What the log does not hold and the caller reads elsewhere (the runbooks folder). */
export interface GateInputs {
  runbooks?: { expected: readonly string[]; present: readonly string[] };
}

export const HEARTBEAT_STREAK_NEEDED = 10;
/** P1-3 (S11): this many paper positions CLOSED, across this many host sessions. */
const PAPER_CLOSES_NEEDED = 3;
const PAPER_SESSIONS_NEEDED = 2;
const HEARTBEAT_WINDOW_MS = [25_000, 35_000] as const;

interface PaperLife {
  submitted?: string;
  filled?: string;
  managed?: string;
  closed?: string;
}

export interface GatesState {
  sessionOf: Map<string, string>;
  paperConnect?: string;
  drillSteps: Map<string, { disconnect?: string; reconnect?: string }>;
  disconnectDrill?: string[];
  paperLives: Map<string, PaperLife>;
  roundTrip?: { positionId: string; beads: string[] };
  /**
   * P1-3's evidence: the first closes the gate needs, and the first close of
   * each session. Enough to prove it once met, and bounded before: a desk
   * that closes thousands of trades in one session keeps three. Frozen once
   * met: the log only grows, so met stays met.
   */
  paperClosed: Map<string, { bead: string; session: string | undefined }>;
  /** Paper closes counted until the gate was met. */
  paperClosedCount: number;
  paperClosedSessions: Set<string>;
  beats: Map<string, { last: number; streak: number; first: string }>;
  regularBeats?: { stream: string; from: string; count: number };
  testAlertSent?: string;
  rb004Drill?: string;
  bunny: BunnyRuns;
  ux: UxState;
}

export function initialGates(): GatesState {
  return {
    sessionOf: new Map(),
    drillSteps: new Map(),
    paperLives: new Map(),
    paperClosed: new Map(),
    paperClosedCount: 0,
    paperClosedSessions: new Set(),
    beats: new Map(),
    bunny: {},
    ux: initialUx(),
  };
}

function onSession(s: GatesState, bead: BeadOf<'IBKR_SESSION'>): void {
  const d = bead.data;
  if (d.mode !== 'PAPER') return;
  if (d.event === 'CONNECT') s.paperConnect ??= bead.bead_id;
  const steps = s.drillSteps.get(bead.stream) ?? {};
  if (d.event === 'DISCONNECT') s.drillSteps.set(bead.stream, { disconnect: bead.bead_id });
  else if (d.event === 'RECONNECT' && steps.disconnect) s.drillSteps.set(bead.stream, { ...steps, reconnect: bead.bead_id });
  else if (d.event === 'CONNECT' && steps.disconnect && steps.reconnect) {
    s.disconnectDrill ??= [steps.disconnect, steps.reconnect, bead.bead_id];
    s.drillSteps.delete(bead.stream);
  }
}

function paperVolumeMet(s: GatesState): boolean {
  return s.paperClosedCount >= PAPER_CLOSES_NEEDED && s.paperClosedSessions.size >= PAPER_SESSIONS_NEEDED;
}

/**
 * One POSITION bead. `session` is the host session the bead belongs to, as
 * it stood where the bead is in the log: a reader that folds the bead later
 * than that (chainedGates.ts holds a position back until a fill ties it to
 * the broker) passes the session it noted then.
 */
export function foldPosition(s: GatesState, bead: BeadOf<'POSITION'>, session: string | undefined = s.sessionOf.get(bead.host_id)): void {
  if (bead.mode !== 'PAPER') return;
  const d = bead.data;
  if (d.state === 'CLOSED' && !paperVolumeMet(s) && !s.paperClosed.has(d.position_id)) {
    // Closes not kept are not remembered: a position closes once (CLOSED is final in the position machine), so there is no repeat to tell apart.
    const firstOfSession = session !== undefined && !s.paperClosedSessions.has(session);
    s.paperClosedCount += 1;
    if (firstOfSession) s.paperClosedSessions.add(session);
    if (s.paperClosed.size < PAPER_CLOSES_NEEDED || firstOfSession) s.paperClosed.set(d.position_id, { bead: bead.bead_id, session });
  }
  // Lives only feed P1-2: once a round trip is on record, a replay need not keep one per position.
  if (s.roundTrip) return;
  const life = s.paperLives.get(d.position_id) ?? {};
  if (d.state === 'SUBMITTED') life.submitted ??= bead.bead_id;
  if (d.state === 'FILLED') life.filled ??= bead.bead_id;
  if (d.state === 'MANAGED') life.managed ??= bead.bead_id;
  if (d.state === 'CLOSED') life.closed ??= bead.bead_id;
  if (life.submitted && life.filled && life.closed) {
    s.roundTrip = { positionId: d.position_id, beads: [life.submitted, life.filled, ...(life.managed ? [life.managed] : []), life.closed] };
    s.paperLives.clear();
  } else if (ENDED_POSITION_STATES.has(d.state)) {
    // A position's life ends there: one that ended without a round trip on record never makes one.
    s.paperLives.delete(d.position_id);
  } else s.paperLives.set(d.position_id, life);
}

function onHeartbeat(s: GatesState, bead: BeadOf<'HEARTBEAT'>): void {
  if (bead.data.status === 'MISSED') {
    s.beats.delete(bead.stream);
    return;
  }
  const at = isoMillis(bead.ts);
  const run = s.beats.get(bead.stream);
  if (run === undefined) {
    s.beats.set(bead.stream, { last: at, streak: 1, first: bead.bead_id });
    return;
  }
  const gap = at - run.last;
  // Updated in place: heartbeats are most of the log, and a run record per beat was most of this fold's cost.
  if (gap >= HEARTBEAT_WINDOW_MS[0] && gap <= HEARTBEAT_WINDOW_MS[1]) run.streak += 1;
  else {
    run.streak = 1;
    run.first = bead.bead_id;
  }
  run.last = at;
  if (run.streak >= HEARTBEAT_STREAK_NEEDED && !s.regularBeats) s.regularBeats = { stream: bead.stream, from: run.first, count: run.streak };
}

/** The bead types foldGates reads; any other bead leaves the state as it was. */
export const GATES_READS = ['HOST', 'IBKR_SESSION', 'POSITION', 'HEARTBEAT', 'ALERT', 'DRILL', 'BUNNY', 'APPROVAL', 'UX_CONFIRMATION'] as const satisfies readonly BeadType[];

/** Folds one bead in place and returns the state; the dashboard's GatesFold calls it per bead. */
export function foldGates(s: GatesState, bead: Bead): GatesState {
  switch (bead.bead_type) {
    case 'HOST':
      if (bead.data.event === 'STARTED') s.sessionOf.set(bead.host_id, bead.bead_id);
      break;
    case 'IBKR_SESSION':
      onSession(s, bead);
      break;
    case 'POSITION':
      foldPosition(s, bead);
      break;
    case 'HEARTBEAT':
      onHeartbeat(s, bead);
      break;
    case 'ALERT':
      if (bead.data.alert_type === 'TEST_ALERT' && bead.data.event === 'SENT') s.testAlertSent ??= bead.bead_id;
      break;
    case 'DRILL':
      if (bead.data.runbook_id === 'RB-004' && bead.data.event === 'FINISHED' && bead.data.outcome === 'PASS') s.rb004Drill ??= bead.bead_id;
      break;
    case 'BUNNY':
      foldBunny(s.bunny, bead);
      break;
    case 'APPROVAL':
      foldUxApproval(s.ux, bead);
      break;
    case 'UX_CONFIRMATION':
      foldUxConfirmation(s.ux, bead);
      break;
  }
  return s;
}

export function foldAllGates(beads: Iterable<Bead>, into: GatesState = initialGates()): GatesState {
  for (const bead of beads) foldGates(into, bead);
  return into;
}

const gate = (id: string, name: string, status: GateVerdict, detail: string, evidence: string[] = []): GateResult => ({ id, name, status, detail, evidence });

function paperVolume(s: GatesState): GateResult {
  const closed = [...s.paperClosed.values()];
  const detail = `${s.paperClosedCount}/${PAPER_CLOSES_NEEDED} positions CLOSED on paper across ${s.paperClosedSessions.size}/${PAPER_SESSIONS_NEEDED} host sessions`;
  return gate('P1-3', 'PAPER_VOLUME', paperVolumeMet(s) ? 'MET' : 'NOT_MET', detail, closed.map((c) => c.bead));
}

function monitoring(s: GatesState): GateResult {
  const beats = s.regularBeats;
  const parts = [
    beats ? `${beats.count} heartbeats 30 ± 5 s apart on ${beats.stream}` : `fewer than ${HEARTBEAT_STREAK_NEEDED} consecutive heartbeats 30 ± 5 s apart`,
    s.testAlertSent ? 'a test alert delivered' : 'no test alert delivered yet (phoenix telegram test)',
  ];
  const evidence = [...(beats ? [beats.from] : []), ...(s.testAlertSent ? [s.testAlertSent] : [])];
  return gate('P1-4', 'MONITORING_OPERATIONAL', beats && s.testAlertSent ? 'MET' : 'NOT_MET', parts.join('; '), evidence);
}

function runbooks(s: GatesState, inputs: GateInputs): GateResult {
  const drill = s.rb004Drill ? 'an RB-004 drill PASSED' : 'no RB-004 drill recorded (phoenix drill)';
  if (!inputs.runbooks) return gate('P1-5', 'RUNBOOKS_COMPLETE', 'NOT_MET', `runbooks folder not read, so not proven; ${drill}`, s.rb004Drill ? [s.rb004Drill] : []);
  const missing = inputs.runbooks.expected.filter((id) => !inputs.runbooks?.present.includes(id));
  const have = missing.length === 0 ? `all ${inputs.runbooks.expected.length} runbooks present` : `missing ${missing.join(', ')}`;
  return gate('P1-5', 'RUNBOOKS_COMPLETE', missing.length === 0 && s.rb004Drill ? 'MET' : 'NOT_MET', `${have}; ${drill}`, s.rb004Drill ? [s.rb004Drill] : []);
}

function bunny(s: GatesState): GateResult {
  const v = bunnyVerdict(s.bunny);
  const result = gate('P1-8', 'BUNNY_PHASE1_PASSES', v.met ? 'MET' : 'NOT_MET', v.detail, v.evidence);
  return v.failing ? { ...result, failing: true } : result;
}

function uxValidated(s: GatesState): GateResult {
  const v = uxVerdict(s.ux);
  return gate('P1-7', 'UX_VALIDATED', v.met ? 'MET' : 'NOT_MET', v.detail, v.evidence);
}

export function gateResults(s: GatesState, inputs: GateInputs = {}): GateResult[] {
  const rt = s.roundTrip;
  return [
    s.paperConnect
      ? gate('P1-1', 'IBKR_PAPER_CONNECTED', 'MET', 'IBKR_SESSION CONNECT in PAPER (the startup guards passed against the gateway’s accounts)', [s.paperConnect])
      : gate('P1-1', 'IBKR_PAPER_CONNECTED', 'NOT_MET', 'no IBKR_SESSION CONNECT in PAPER yet'),
    rt
      ? gate('P1-2', 'PAPER_ROUND_TRIP', 'MET', `position ${rt.positionId}: SUBMITTED → FILLED → CLOSED on paper`, rt.beads)
      : gate('P1-2', 'PAPER_ROUND_TRIP', 'NOT_MET', 'no paper position with SUBMITTED, FILLED and CLOSED beads yet'),
    paperVolume(s),
    monitoring(s),
    runbooks(s, inputs),
    s.disconnectDrill
      ? gate('P1-6', 'DISCONNECT_DRILL', 'MET', 'IBKR_SESSION DISCONNECT → RECONNECT → CONNECT on paper', s.disconnectDrill)
      : gate('P1-6', 'DISCONNECT_DRILL', 'NOT_MET', 'no paper DISCONNECT → RECONNECT → CONNECT sequence yet'),
    uxValidated(s),
    bunny(s),
  ];
}

/** INV-IBKR-PAPER-FIRST-1: live may start only when P1-1…P1-6 and P1-8 are MET on paper. */
export function paperGatesHold(results: readonly GateResult[]): boolean {
  const needed = ['P1-1', 'P1-2', 'P1-3', 'P1-4', 'P1-5', 'P1-6', 'P1-8'];
  return needed.every((id) => results.find((r) => r.id === id)?.status === 'MET');
}

/** The gates as the dashboard, `phoenix status` and Telegram show them: the same words, MET or NOT_MET. */
export function dashboardGateStatuses(results: readonly GateResult[]): GateStatus[] {
  return results.map((r) => ({
    id: r.id,
    name: r.name,
    status: r.status,
    detail: r.detail,
    evidence: r.evidence,
    ...(r.failing ? { failing: true as const } : {}),
  }));
}

/** The shape actors/dashboard's GatesFold expects; the host passes it in with the runbook inputs. */
export function gatesFold(inputs: GateInputs = {}) {
  return {
    initial: initialGates(),
    apply: (s: GatesState, bead: Bead) => foldGates(s, bead),
    statuses: (s: GatesState) => dashboardGateStatuses(gateResults(s, inputs)),
  };
}
