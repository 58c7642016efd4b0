import type { Bead, Intent } from '../../beads/index.ts';
import type { ApprovalEvidence, ApprovalInput } from '../../machines/approval.ts';
import { stampAt, T0 } from '../machines/support.ts';
import { sampleIntent } from '../support/sampleIntent.ts';
import { testBinding } from '../support/approvedOrder.ts';

/** Issue 17: the order cse-1's approval shows, and a decision on it names. */
export const BINDING = testBinding('cse-1', { account: 'DU1234567' });

export { T0 };

/** Time-scaled as a test host runs: 15 min → 900 ms, 120 s → 120 ms. */
export const SCALE = 0.001;
export const STALE_GATE_MS = 15 * 60_000 * SCALE;
export const TOKEN_TTL_MS = 120_000 * SCALE;
export const HASH = 'sha256:4f1c0ffee';
/** The anchor is 100 ms (scaled: 100 s) old when the flow starts. */
export const ANCHOR_AT = T0 - 100;
export const STALE_AT = ANCHOR_AT + STALE_GATE_MS + 1;

export function intent(over: Partial<Intent> = {}): Intent {
  return sampleIntent({ intent_id: 'cse-1', created_at: new Date(ANCHOR_AT).toISOString(), ...over });
}

export function approvalInput(over: Partial<ApprovalInput> = {}): ApprovalInput {
  return { intent: intent(), contentHash: HASH, receivedAt: T0, staleGateMs: STALE_GATE_MS, tokenTtlMs: TOKEN_TTL_MS, ...over };
}

export function evidence(i: Intent = intent(), hash = HASH): ApprovalEvidence {
  return {
    intent: i,
    content_hash: hash,
    price: { bid: 1.0849, ask: 1.0851, mid: 1.085, at: new Date(T0).toISOString() },
    anchor: { created_at: i.created_at, age_s: 0.1, stale_after_s: STALE_GATE_MS / 1000 },
    risk: {
      side: 'LONG',
      units: 20_000,
      pips_to_stop: 30,
      pips_to_target: 60,
      pips_price_to_stop: 30,
      money_at_risk: 60,
      money_to_target: 120,
      reward_to_risk: 2,
      currency: 'USD',
    },
    account: { balance: 100_000, currency: 'USD', open_positions: [] },
    health: { status: 'HEALTHY', checked_at: new Date(T0).toISOString(), mode: 'PAPER' },
    paper_validation: { summary: 'P1-2 not met; P1-3 0/3 closed on paper in 0/2 host sessions', gates: [] },
    assembled_at: new Date(T0).toISOString(),
    order: i.intent_id === 'cse-1' ? BINDING : testBinding(i.intent_id, { account: 'DU1234567' }),
  };
}

export interface DecisionFields {
  decision?: 'APPROVE' | 'REJECT';
  decided_by?: string;
  channel?: 'TERMINAL' | 'TELEGRAM';
  content_hash?: string;
  reason?: string;
}

/** A DECISION bead as `phoenix approve` (or the Telegram button) appends it. */
export function decisionBead(at: number, fields: DecisionFields = {}, intentId = 'cse-1'): Bead {
  return stampAt(
    {
      bead_type: 'APPROVAL',
      stream: `approval-${intentId}`,
      correlation_id: intentId,
      data: { intent_id: intentId, event: 'DECISION', decision: 'APPROVE', decided_by: 'alice', channel: 'TERMINAL', content_hash: HASH, binding: intentId === 'cse-1' ? BINDING : testBinding(intentId, { account: 'DU1234567' }), ...fields },
    },
    at,
  );
}

/** The host's answer to a decision bead (issue 17): the decision counts from this ATTESTATION on. */
export function attestationOf(decision: Bead, verdict: 'ACCEPTED' | 'REFUSED' = 'ACCEPTED'): Bead {
  return stampAt(
    {
      bead_type: 'ATTESTATION',
      stream: decision.stream,
      correlation_id: decision.correlation_id,
      causation_id: decision.bead_id,
      data: { subject_id: decision.bead_id, subject_type: 'APPROVAL', subject_hash: 'h', verdict, method: 'OPERATOR', operator: 'alice' },
    },
    Date.parse(decision.ts),
  );
}
