import type { BeadOf, Intent, Mode, Side } from '../beads/index.ts';
import type { AlertRequest, BeadEmitted } from './types.ts';

/**
 * The approval machine's vocabulary (S3.2): what the approval actor tells it,
 * what it asks back, and the record it shows a person. The machine itself is
 * in approval.ts, which re-exports all of this.
 */

export const DEFAULT_STALE_GATE_MS = 15 * 60_000;
export const DEFAULT_TOKEN_TTL_MS = 120_000;
/**
 * A signal engine's clock may run a little ahead of ours; an anchor further in
 * the future than this is not believed, or a far-future `created_at` would
 * keep an intent fresh for ever.
 */
export const FUTURE_ANCHOR_TOLERANCE_MS = 60_000;

export type DecisionChannel = 'TERMINAL' | 'TELEGRAM';

/**
 * The exact order a person is shown and approves (issue 17): account, pair,
 * side, units, the intent's entry, stop and target, and the bracket's order
 * refs. The decision names it, the token is bound to its hash, and the guard
 * chain holds every ticket to it.
 */
export type OrderBinding = NonNullable<BeadOf<'APPROVAL'>['data']['binding']>;

/** Whether two bindings name the same order, field by field. */
export function sameBinding(a: OrderBinding | undefined, b: OrderBinding | undefined): boolean {
  if (a === undefined || b === undefined) return false;
  return (
    a.account === b.account &&
    a.pair === b.pair &&
    a.action === b.action &&
    a.units === b.units &&
    a.entry === b.entry &&
    a.stop === b.stop &&
    a.target === b.target &&
    a.order_refs.entry === b.order_refs.entry &&
    a.order_refs.target === b.order_refs.target &&
    a.order_refs.stop === b.order_refs.stop
  );
}

/** One open position as the evidence bundle lists it. */
export type EvidencePosition = {
  position_id: string;
  pair: string;
  side: Side;
  quantity: number;
  state: string;
  unrealised_pnl?: number;
};

/** One S11 gate, as shown under "paper-validation progress". */
export type EvidenceGate = { id: string; name: string; status: string; detail: string };

/**
 * The evidence bundle (S3.2), shown before the decision and recorded whole in
 * the EVIDENCE_SHOWN bead. Money is in the pair's quote currency: Phoenix
 * does not convert, and says which currency it is. A `type`, not an
 * interface, so that it is a plain JSON record for the bead.
 */
export type ApprovalEvidence = {
  intent: Intent;
  content_hash: string;
  price: { bid?: number; ask?: number; mid: number; at: string } | null;
  anchor: { created_at: string; age_s: number; stale_after_s: number };
  risk: {
    side: Side;
    units: number;
    pips_to_stop: number;
    pips_to_target: number;
    /** From the current price, when there is one: negative means the price is already through the stop. */
    pips_price_to_stop: number | null;
    money_at_risk: number;
    money_to_target: number;
    reward_to_risk: number;
    currency: string;
  };
  account: { balance: number | null; currency: string | null; open_positions: EvidencePosition[] };
  health: { status: string | null; checked_at: string | null; mode: Mode };
  paper_validation: { summary: string; gates: EvidenceGate[] };
  /** The order that goes out if a person approves: what the decision and the token are bound to. */
  order?: OrderBinding;
  /** When the bundle was put together (ISO). */
  assembled_at: string;
};

export interface ApprovalInput {
  intent: Intent;
  /** The sha256 of the intent file, from its INTENT bead: the token is bound to it. */
  contentHash: string;
  /** Epoch ms the approval flow took the intent up. */
  receivedAt: number;
  /** STALE_GATE_MINUTES, time-scaled by the host. */
  staleGateMs?: number;
  /** APPROVAL_TOKEN_TTL_S, time-scaled by the host. */
  tokenTtlMs?: number;
}

/** A person's decision as read from its APPROVAL DECISION bead (the CLI or Telegram wrote it). */
export interface RecordedDecision {
  decision: 'APPROVE' | 'REJECT';
  decidedBy: string;
  channel: DecisionChannel;
  decisionBeadId: string;
  at: number;
  reason?: string;
  /** The order the person approved, as the decision bead names it. */
  binding?: OrderBinding;
}

export interface ApprovalContext {
  intentId: string;
  contentHash: string;
  intent: Intent;
  /** Epoch ms of the intent's `created_at`: the state anchor. */
  anchorAt: number;
  staleGateMs: number;
  tokenTtlMs: number;
  receivedAt: number;
  /** The time of the latest bead on this approval's stream: time moves only with facts, so replay recovers it. */
  lastAt: number;
  anchorAgeMs: number | null;
  evidence: ApprovalEvidence | null;
  decision: RecordedDecision | null;
  /** Never the token itself: that stays with the actor, in memory. */
  token: { tokenId: string; expiresAt: number; decisionBeadId: string; binding?: OrderBinding } | null;
  /** Why the approval ended where it did, once it has. */
  endReason: string | null;
}

/** Every event carries `at`, epoch ms of the fact, from the host's clock (or the decision bead's `ts`). */
export type ApprovalEvent =
  /** Check the anchor now; the actor sends it right after starting the machine. */
  | { type: 'VALIDATE'; at: number }
  | { type: 'EVIDENCE_READY'; evidence: ApprovalEvidence; at: number }
  /** The bundle could not be put together (no price, say): nothing may be shown, so nothing may be approved. */
  | { type: 'EVIDENCE_FAILED'; reason: string; at: number }
  /** A DECISION bead appeared on the stream (`decisionBeadId`); the machine does not write it again. */
  | ({ type: 'DECISION'; contentHash?: string } & RecordedDecision)
  /** The actor minted the T2 token from the decision bead; the secret stays with the actor. */
  | { type: 'TOKEN_MINTED'; tokenId: string; expiresAt: number; decisionBeadId: string; at: number; binding?: OrderBinding }
  | { type: 'MINT_FAILED'; reason: string; at: number }
  /** The guard chain redeemed the token: it is used up whatever the outcome of the send. */
  | { type: 'TOKEN_CONSUMED'; tokenId: string; outcome: 'SENT' | 'REFUSED' | 'SEND_FAILED'; reason?: string; at: number }
  /** The guard chain refused before it reached the token step (kill flag, account…): the token was never used. */
  | { type: 'SUBMIT_REFUSED'; reason: string; at: number }
  /** Time passes: the host's periodic check, which also catches a deadline whose timer was lost in a restart. */
  | { type: 'CLOCK'; at: number };

/** What the machine asks the approval actor to do. */
export type ApprovalCommand =
  | { type: 'command'; command: 'gather-evidence'; intentId: string }
  /**
   * Mint the T2 token from the recorded decision. `expiresAt` is never later
   * than the moment the anchor turns stale, so the guard chain's own expiry
   * check also enforces the stale gate at the instant of consumption.
   */
  | { type: 'command'; command: 'mint-token'; intentId: string; decisionBeadId: string; contentHash: string; expiresAt: number; binding?: OrderBinding }
  | { type: 'command'; command: 'submit'; intentId: string; tokenId: string; contentHash: string }
  /** The token can no longer be used: drop the secret. */
  | { type: 'command'; command: 'discard-token'; intentId: string; tokenId: string; why: string };

/** An event the machine would not act on, and why: the CLI or the bot can tell whoever sent it. */
export interface ApprovalRefusal {
  type: 'refused';
  intentId: string;
  event: ApprovalEvent['type'];
  why: string;
}

/**
 * A person approved and no order went out (the anchor went stale or the token expired while the broker was
 * away, the guard chain refused): the person must hear it, not find a REJECTED in the log later.
 */
export type ApprovalAlertRequest = AlertRequest<'APPROVAL_NOT_SENT'>;

export type ApprovalEmitted = BeadEmitted | ApprovalCommand | ApprovalRefusal | ApprovalAlertRequest;

export const APPROVAL_END_STATES = ['CONSUMED', 'REJECTED', 'EXPIRED', 'STATE_CONFLICT'] as const;
export type ApprovalEndState = (typeof APPROVAL_END_STATES)[number];
export const APPROVAL_STATES = ['RECEIVED', 'VALIDATING', 'AWAITING_DECISION', 'APPROVED', ...APPROVAL_END_STATES] as const;
export type ApprovalState = (typeof APPROVAL_STATES)[number];

/** The first instant the anchor is stale: it is FRESH while its age is at most the gate. */
export function staleAt(context: Pick<ApprovalContext, 'anchorAt' | 'staleGateMs'>): number {
  return context.anchorAt + context.staleGateMs + 1;
}

export function isStaleAt(context: Pick<ApprovalContext, 'anchorAt' | 'staleGateMs'>, at: number): boolean {
  return at >= staleAt(context);
}

/** A token dies with the TTL or with the anchor, whichever comes first. */
export function tokenExpiryFor(context: Pick<ApprovalContext, 'anchorAt' | 'staleGateMs' | 'tokenTtlMs'>, at: number): number {
  return Math.min(at + context.tokenTtlMs, staleAt(context));
}

export function describeAge(ms: number): string {
  const s = Math.round(ms / 1000);
  return s < 120 ? `${s} s` : `${Math.floor(s / 60)} min ${s % 60} s`;
}
