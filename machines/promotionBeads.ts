import { streams } from '../beads/index.ts';
import type { BeadEmitted } from './types.ts';
import type { PromotionContext, PromotionFacts, PromotionState, Sweep } from './promotionVocabulary.ts';

/**
 * The PROMOTION bead drafts the machine emits: one per transition, with the
 * reason in words, the bead that caused it (an input-caused transition) or
 * the facts it was decided on (a facts-caused one), and, after a parameter
 * change, the sweep it asked for. `at` is the event's own time, so the
 * bead's `ts` is the moment the machine moved.
 */

export const PROMOTION_CORRELATION = 'promotion';

const iso = (ms: number) => new Date(ms).toISOString();

export function sweepData(s: Sweep) {
  return { run_id: s.runId, components: [...s.components], vectors: [...s.vectors], settings: { ...s.settings } };
}

export interface TransitionRecord {
  state: PromotionState;
  previous: PromotionState;
  reason: string;
  at: number;
  causeId?: string;
  facts?: PromotionFacts;
  sweep?: Sweep | null;
}

export function transitionBead(c: PromotionContext, r: TransitionRecord): BeadEmitted {
  return {
    type: 'bead',
    at: r.at,
    draft: {
      bead_type: 'PROMOTION',
      stream: streams.promotion,
      correlation_id: PROMOTION_CORRELATION,
      ...(r.causeId === undefined ? {} : { causation_id: r.causeId }),
      data: {
        event: 'TRANSITION',
        state: r.state,
        previous: r.previous,
        reason: r.reason,
        ...(r.causeId === undefined ? {} : { cause_id: r.causeId }),
        ...(c.windowFrom === null ? {} : { window_from: iso(c.windowFrom) }),
        ...(r.facts === undefined ? {} : { facts: r.facts }),
        ...(r.sweep ? { sweep: sweepData(r.sweep) } : {}),
      },
    },
  };
}

export function missingText(facts: PromotionFacts, which: 'phase1' | 'ops'): string {
  const m = facts[which].missing;
  return m.length === 0 ? 'nothing' : m.join('; ');
}

/** A duration for people: "5 days", "3.2 h", "40 s". */
export function describeSpan(ms: number): string {
  if (ms >= 86_400_000) return `${+(ms / 86_400_000).toFixed(2)} days`;
  if (ms >= 3_600_000) return `${+(ms / 3_600_000).toFixed(1)} h`;
  if (ms >= 60_000) return `${+(ms / 60_000).toFixed(1)} min`;
  return `${+(ms / 1000).toFixed(1)} s`;
}
