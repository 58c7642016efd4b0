import { type GateResult, paperGatesHold } from './gates.ts';

/**
 * The live gate in full (S11): mode live starts only when the phase-1 gates
 * hold on paper (P1-1…P1-6 and P1-8, INV-IBKR-PAPER-FIRST-1) and promotion
 * is LIVE_ACTIVE, which only a person's recorded decision makes it. A
 * refusal names every piece that is missing.
 */

export const PAPER_FIRST_GATES = ['P1-1', 'P1-2', 'P1-3', 'P1-4', 'P1-5', 'P1-6', 'P1-8'] as const;

/** The phase-1 gates as the promotion machine is told them: met, or each one missing with its reason. */
export function phase1Verdict(results: readonly GateResult[]): { met: boolean; missing: string[] } {
  const missing = PAPER_FIRST_GATES.map((id) => results.find((r) => r.id === id) ?? { id, name: '?', status: 'NOT_MET' as const, detail: 'not computed', evidence: [] })
    .filter((r) => r.status !== 'MET')
    .map((r) => `${r.id} ${r.name}: ${r.detail}`);
  return { met: paperGatesHold(results) && missing.length === 0, missing };
}

export interface PromotionStanding {
  state: 'SHADOW' | 'PAPER_VALIDATED' | 'LIVE_ELIGIBLE' | 'LIVE_ACTIVE';
  /** Where it stands, in words (describePromotion). */
  description: string;
}

export interface LiveGateVerdict {
  open: boolean;
  /** Each missing piece, in words: a phase-1 gate, or the promotion. */
  missing: string[];
}

export function liveGate(phase1: readonly GateResult[], promotion: PromotionStanding): LiveGateVerdict {
  const missing = [...phase1Verdict(phase1).missing];
  if (promotion.state !== 'LIVE_ACTIVE') {
    const next = promotion.state === 'LIVE_ELIGIBLE' ? 'a person must promote it: phoenix promote --live --reason TEXT' : 'see phoenix promote --status';
    missing.push(`promotion is ${promotion.state}, not LIVE_ACTIVE (${next}): ${promotion.description}`);
  }
  return { open: missing.length === 0, missing };
}
