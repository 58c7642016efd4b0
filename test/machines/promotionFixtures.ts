import { type Bead, type BeadOf, streams } from '../../beads/index.ts';
import { type PromotionEmitted, type PromotionEvent, type PromotionFacts, promotionMachine } from '../../machines/promotion.ts';
import { promotionEventOf } from '../../machines/promotionReplay.ts';
import { emittedBy } from '../../machines/types.ts';
import { initialTransition, transition } from 'xstate';
import { beadsFrom, stampAt, T0 } from './support.ts';

/** Beads and events for the promotion machine's tests: what the CLI, bunny and the gates would give it. */

export const WINDOW_MS = 60_000;
export const INPUT = { windowMs: WINDOW_MS, startedAt: 0 };

export const MET: PromotionFacts = { phase1: { met: true, missing: [] }, ops: { met: true, missing: [] } };
export const OPS_MISSING: PromotionFacts = { phase1: { met: true, missing: [] }, ops: { met: false, missing: ['P2-5 DAEMON_UPTIME: 97.0% of the window'] } };
export const PHASE1_MISSING: PromotionFacts = { phase1: { met: false, missing: ['P1-8 BUNNY_PHASE1_PASSES: no full run'] }, ops: { met: true, missing: [] } };

export function configChange(key: string, value: string | number, at: number, o: { secret?: boolean } = {}): BeadOf<'CONFIG_CHANGE'> {
  return stampAt(
    { bead_type: 'CONFIG_CHANGE', stream: streams.config, correlation_id: 'config', data: { key, who: 'cli:alice', reason: 'test', ...(o.secret ? { secret: true } : { old_value: 1, new_value: value }) } },
    at,
  ) as BeadOf<'CONFIG_CHANGE'>;
}

export function bunny(runId: string, vectorId: string, result: 'PASS' | 'FAIL', at: number, settings?: Record<string, string>): BeadOf<'BUNNY'> {
  return stampAt(
    { bead_type: 'BUNNY', stream: streams.bunny, correlation_id: runId, data: { run_id: runId, vector_id: vectorId, result, evidence: 'test', run_scope: 'SWEEP', ...(settings ? { settings } : {}) } },
    at,
  ) as BeadOf<'BUNNY'>;
}

export function decision(by: string, reason: string, at: number): BeadOf<'PROMOTION'> {
  return stampAt(
    { bead_type: 'PROMOTION', stream: streams.promotion, correlation_id: 'promotion', data: { event: 'DECISION', state: 'LIVE_ELIGIBLE', decision: 'PROMOTE_LIVE', decided_by: by, reason } },
    at,
  ) as BeadOf<'PROMOTION'>;
}

/** One step of a story: an input bead, or the gates' facts at a moment. */
export type Step = { bead: Bead } | { facts: PromotionFacts; at: number };

/**
 * Runs a story through the pure machine the way the host does: each input
 * bead is its event, and every PROMOTION bead the machine emits is stamped
 * and kept in order with the inputs, so the log can be replayed.
 */
export function runStory(steps: readonly Step[]) {
  let snapshot = initialTransition(promotionMachine, INPUT)[0];
  const log: Bead[] = [];
  const emitted: PromotionEmitted[] = [];
  for (const s of steps) {
    let event: PromotionEvent;
    let at: number;
    if ('bead' in s) {
      log.push(s.bead);
      event = promotionEventOf(s.bead)!;
      at = Date.parse(s.bead.ts);
    } else {
      event = { type: 'FACTS', at: s.at, facts: s.facts };
      at = s.at;
    }
    const [next, actions] = transition(promotionMachine, snapshot, event);
    const out = emittedBy<PromotionEmitted>(actions);
    emitted.push(...out);
    log.push(...beadsFrom(out, at));
    snapshot = next;
  }
  return { snapshot, log, emitted };
}

export { T0 };
