import type { Bead } from '../beads/index.ts';
import type { PromotionFacts } from '../machines/promotion.ts';
import { describePromotion, PROMOTION_READS, type PromotionReplay, promotionStateOf, replayPromotion } from '../machines/promotionReplay.ts';
import type { GateStatus } from './dashboardTypes.ts';
import { dashboardGateStatuses, foldGates, type GateInputs, type GateResult, gateResults, type GatesState, initialGates } from './gates.ts';
import { opsVerdict, type Phase2Result, phase2Results, type Window } from './gatesPhase2.ts';
import { type LiveGateVerdict, liveGate, phase1Verdict, type PromotionStanding } from './liveGate.ts';
import { foldOps, initialOps, type OpsState } from './opsQuality.ts';

/**
 * Where the desk stands on its way to live, in one fold over the log: the
 * phase-1 gates, the Phase-2 ops quality over the validation window, the
 * promotion machine rebuilt from its beads, and the live gate that needs
 * both. `phoenix gates --phase 2`, `phoenix promote --status`, `phoenix
 * run` (live), the dashboard's card and the promotion actor's facts all read
 * it, so they say the same thing.
 */

export interface StandingOptions {
  /** The validation window (PROMOTION_WINDOW_DAYS, time-scaled). */
  windowMs: number;
  /** A heartbeat later than this leaves a gap in the uptime. */
  gapMs: number;
  runbooks?: GateInputs['runbooks'];
}

export interface StandingState {
  gates: GatesState;
  ops: OpsState;
  /** The beads the promotion machine reads, in order (few: transitions, changes, verdicts). */
  promotionBeads: Bead[];
}

export interface Standing {
  phase1: GateResult[];
  phase2: Phase2Result[];
  window: Window;
  promotion: PromotionReplay & PromotionStanding;
  live: LiveGateVerdict;
  /** What the promotion machine is told: the gates' facts of this moment. */
  facts: PromotionFacts;
}

const READS_PROMOTION: ReadonlySet<string> = new Set(PROMOTION_READS);

export function initialStanding(o: StandingOptions): StandingState {
  return { gates: initialGates(), ops: initialOps({ gapMs: o.gapMs, windowMs: o.windowMs }), promotionBeads: [] };
}

export function foldStanding(s: StandingState, bead: Bead): StandingState {
  foldGates(s.gates, bead);
  foldOps(s.ops, bead);
  if (READS_PROMOTION.has(bead.bead_type)) s.promotionBeads.push(bead);
  return s;
}

/** The validation window ending now: the last PROMOTION_WINDOW_DAYS. */
export function windowEnding(now: number, windowMs: number): Window {
  return { from: now - windowMs, to: now };
}

export function standingOf(s: StandingState, now: number, o: StandingOptions): Standing {
  const phase1 = gateResults(s.gates, o.runbooks ? { runbooks: o.runbooks } : {});
  const window = windowEnding(now, o.windowMs);
  const phase2 = phase2Results(s.ops, window);
  const replay = replayPromotion(s.promotionBeads, { windowMs: o.windowMs, startedAt: 0 });
  const promotion = { ...replay, state: promotionStateOf(replay.snapshot), description: describePromotion(replay.snapshot) };
  return { phase1, phase2, window, promotion, live: liveGate(phase1, promotion), facts: { phase1: phase1Verdict(phase1), ops: opsVerdict(phase2) } };
}

/** The live gate as one row: MET only when phase 1 holds and promotion is LIVE_ACTIVE. */
export function liveGateStatus(standing: Standing): GateStatus {
  const { live, promotion } = standing;
  const detail = live.open ? `promoted: ${promotion.description}` : `promotion ${promotion.state}; missing: ${live.missing.join('; ')}`;
  return { id: 'LIVE', name: 'LIVE_GATE', status: live.open ? 'MET' : 'NOT_MET', detail, evidence: [] };
}

/**
 * The dashboard's gates fold: the phase-1 gates as before, then the Phase-2
 * figures and the live gate, judged at the latest bead's time (heartbeats
 * keep it within a beat of now).
 */
export function standingFold(o: StandingOptions) {
  return {
    initial: initialStanding(o),
    apply: (s: StandingState, bead: Bead) => foldStanding(s, bead),
    statuses(s: StandingState): GateStatus[] {
      const standing = standingOf(s, s.ops.latest, o);
      return [...dashboardGateStatuses(standing.phase1), ...dashboardGateStatuses(standing.phase2), liveGateStatus(standing)];
    },
  };
}
