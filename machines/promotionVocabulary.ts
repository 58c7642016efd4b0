import type { BeadOf, PromotionStateName } from '../beads/index.ts';
import { componentOfParameter, isPortable, sweepVectors } from './promotionSweeps.ts';
import type { BeadEmitted } from './types.ts';

/**
 * The words of the promotion machine (S3.6, S11, issue 14): its states,
 * the events the promotion actor feeds it (each read from a bead, or the
 * gates' facts), and what it keeps. Time is data: every event carries its
 * moment, and the validation window is measured from the beads' times.
 */

export type PromotionState = PromotionStateName;

/** PROMOTION_WINDOW_DAYS when the configuration gives none. */
export const DEFAULT_WINDOW_DAYS = 5;
export const DAY_MS = 86_400_000;

/** The validation window in ms: PROMOTION_WINDOW_DAYS, time-scaled like every named delay. */
export function windowMsOf(days: number, timeScale: number): number {
  return Math.max(1, Math.round(days * DAY_MS * timeScale));
}

export interface Verdict {
  met: boolean;
  /** What is not met yet, in words ("P1-8 BUNNY_PHASE1_PASSES: …"). */
  missing: string[];
}

/** The gates as the promotion actor computed them from the log: phase 1 (S11 P1-1…P1-6, P1-8) and Phase-2 ops quality over the window. */
export interface PromotionFacts {
  phase1: Verdict;
  ops: Verdict;
}

export interface SweepVerdict {
  result: 'PASS' | 'FAIL';
  at: number;
  bead: string;
}

/** A revalidation sweep asked for by parameter changes: its vectors must each PASS under the new values. */
export interface Sweep {
  runId: string;
  components: string[];
  vectors: string[];
  /** The new values laid over every scratch host (`phoenix bunny --with`). */
  settings: Record<string, string>;
  /** The CONFIG_CHANGE beads it revalidates. */
  changeIds: string[];
  requestedAt: number;
  /** Each vector's latest verdict: from this sweep's run, or a later run of that vector under the same settings. */
  verdicts: Record<string, SweepVerdict>;
}

export interface PromotionContext {
  windowMs: number;
  /** The latest event time the machine has taken. */
  lastAt: number;
  /** When the current shadow period began (the first start, or the last CONFIG_CHANGE). */
  shadowFrom: number;
  /** When the validation window began: PAPER_VALIDATED's entry, or the last bunny failure since. */
  windowFrom: number | null;
  sweep: Sweep | null;
  lastChange: { beadId: string; key: string; at: number } | null;
  lastFailure: { beadId: string; vectorId: string; runId: string; at: number } | null;
  decision: { decidedBy: string; reason: string; beadId: string; at: number } | null;
  /** Why the desk is where it is, in words: the latest transition's reason. */
  reason: string;
}

export interface PromotionInput {
  windowMs: number;
  /** The moment the desk's promotion story starts (its first bead, or now for a new desk). */
  startedAt: number;
}

export type PromotionEvent =
  | { type: 'CONFIG_CHANGED'; at: number; beadId: string; key: string; components: string[]; setting?: { key: string; value: string } }
  | { type: 'BUNNY_VERDICT'; at: number; beadId: string; runId: string; vectorId: string; result: 'PASS' | 'FAIL'; settings: Record<string, string> }
  | { type: 'FACTS'; at: number; facts: PromotionFacts }
  | { type: 'DECISION'; at: number; beadId: string; decidedBy: string; reason: string };

/** Asks the actor: start (or restart) the sweep; compute the gates' facts now (the window has just been served). */
export type PromotionCommand = { type: 'command'; command: 'run-sweep'; sweep: Sweep } | { type: 'command'; command: 'check-facts' };

/** A decision the machine would not take, for the person and the log's reader. */
export interface PromotionRefusal {
  type: 'refused';
  event: PromotionEvent['type'];
  why: string;
}

export type PromotionEmitted = BeadEmitted | PromotionCommand | PromotionRefusal;

/** The run id of the sweep a CONFIG_CHANGE triggers: known before the sweep starts, so the PROMOTION bead names it. */
export function sweepRunId(changeBeadId: string): string {
  return `bunny-sweep-${changeBeadId}`;
}

/** The sweep after a change: a fresh one, or, while one is still owed, the union of both under a new run id. */
export function nextSweep(current: Sweep | null, change: Extract<PromotionEvent, { type: 'CONFIG_CHANGED' }>): Sweep {
  const carried = current !== null && !sweepComplete(current) ? current : null;
  const components = [...new Set([...(carried?.components ?? []), ...change.components])];
  const settings = { ...(carried?.settings ?? {}) };
  if (change.setting) settings[change.setting.key] = change.setting.value;
  else delete settings[change.key];
  return {
    runId: sweepRunId(change.beadId),
    components,
    vectors: sweepVectors(components),
    settings,
    changeIds: [...(carried?.changeIds ?? []), change.beadId],
    requestedAt: change.at,
    verdicts: {},
  };
}

function sameSettings(a: Record<string, string>, b: Record<string, string>): boolean {
  const ka = Object.keys(a).sort();
  const kb = Object.keys(b).sort();
  return ka.length === kb.length && ka.every((k, i) => k === kb[i] && a[k] === b[k]);
}

/** Whether a verdict speaks for a vector of the sweep: its own run, or a later run of the vector under the same settings. */
export function verdictCounts(sweep: Sweep, e: Extract<PromotionEvent, { type: 'BUNNY_VERDICT' }>): boolean {
  if (!sweep.vectors.includes(e.vectorId)) return false;
  return e.runId === sweep.runId || (e.at >= sweep.requestedAt && sameSettings(e.settings, sweep.settings));
}

/** Every vector of the sweep has a verdict. */
export function sweepComplete(sweep: Sweep): boolean {
  return sweep.vectors.every((v) => sweep.verdicts[v] !== undefined);
}

/** Nothing owed: no sweep, or every vector's latest verdict PASS. */
export function sweepClear(sweep: Sweep | null): boolean {
  return sweep === null || sweep.vectors.every((v) => sweep.verdicts[v]?.result === 'PASS');
}

/** The sweep in words, for a reason or `promote --status`. */
export function describeSweep(sweep: Sweep | null): string {
  if (sweep === null) return 'no sweep owed';
  const failed = sweep.vectors.filter((v) => sweep.verdicts[v]?.result === 'FAIL');
  const waiting = sweep.vectors.filter((v) => sweep.verdicts[v] === undefined);
  if (failed.length === 0 && waiting.length === 0) return `sweep ${sweep.runId} passed (${sweep.vectors.join(', ')})`;
  const parts = [...(failed.length ? [`FAIL ${failed.join(', ')}`] : []), ...(waiting.length ? [`not yet run ${waiting.join(', ')}`] : [])];
  return `sweep ${sweep.runId}: ${parts.join('; ')}`;
}

/** The event a CONFIG_CHANGE bead is to the machine. */
export function configChangedEvent(bead: BeadOf<'CONFIG_CHANGE'>): Extract<PromotionEvent, { type: 'CONFIG_CHANGED' }> {
  const d = bead.data;
  const components = d.components?.length ? d.components : [componentOfParameter(d.key)];
  const portable = d.secret !== true && d.new_value !== undefined && isPortable(d.key);
  return {
    type: 'CONFIG_CHANGED',
    at: Date.parse(bead.ts),
    beadId: bead.bead_id,
    key: d.key,
    components,
    ...(portable ? { setting: { key: d.key, value: String(d.new_value) } } : {}),
  };
}

/** The event a BUNNY bead is to the machine. */
export function bunnyVerdictEvent(bead: BeadOf<'BUNNY'>): Extract<PromotionEvent, { type: 'BUNNY_VERDICT' }> {
  return {
    type: 'BUNNY_VERDICT',
    at: Date.parse(bead.ts),
    beadId: bead.bead_id,
    runId: bead.data.run_id,
    vectorId: bead.data.vector_id,
    result: bead.data.result,
    settings: bead.data.settings ?? {},
  };
}

/** The ISO moment a window of this context is served, if it has one. */
export function windowServedAt(c: Pick<PromotionContext, 'windowFrom' | 'windowMs'>): number | null {
  return c.windowFrom === null ? null : c.windowFrom + c.windowMs;
}
