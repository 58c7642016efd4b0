import { type BeadData, type BeadDraft, streams } from '../beads/index.ts';
import { type ApprovalContext, describeAge, FUTURE_ANCHOR_TOLERANCE_MS } from './approvalVocabulary.ts';
import type { BeadEmitted } from './types.ts';

/**
 * The APPROVAL beads the approval machine writes, one builder per event.
 * Every bead is stamped with the machine's `lastAt`, the time of the fact
 * that produced it, so replay reads the same time back from `ts`.
 */

type ApprovalFields = Omit<BeadData<'APPROVAL'>, 'intent_id'>;

function approvalBead(context: ApprovalContext, data: ApprovalFields, causation?: string): BeadEmitted {
  const draft: BeadDraft = {
    bead_type: 'APPROVAL',
    stream: streams.approval(context.intentId),
    correlation_id: context.intentId,
    data: { intent_id: context.intentId, ...data },
    ...(causation === undefined ? {} : { causation_id: causation }),
  };
  return { type: 'bead', draft, at: context.lastAt };
}

const ageSeconds = (context: ApprovalContext) => Math.max(0, context.lastAt - context.anchorAt) / 1000;

/** Why the anchor is not fresh at the machine's current time, in words. */
export function conflictReason(context: ApprovalContext): string {
  const ahead = context.anchorAt - context.lastAt;
  if (ahead > FUTURE_ANCHOR_TOLERANCE_MS) return `the anchor (created_at) is ${describeAge(ahead)} in the future: not believed`;
  return `the anchor is stale: ${describeAge(context.lastAt - context.anchorAt)} old, the gate is ${describeAge(context.staleGateMs)}`;
}

/** The stream carries its own input (the intent and its limits), so a replay needs nothing but the stream. */
export function receivedBead(context: ApprovalContext): BeadEmitted {
  return approvalBead(context, {
    event: 'RECEIVED',
    content_hash: context.contentHash,
    evidence: { intent: context.intent, stale_gate_ms: context.staleGateMs, token_ttl_ms: context.tokenTtlMs },
  });
}

export function anchorCheckedBead(context: ApprovalContext, verdict: 'FRESH' | 'STALE'): BeadEmitted {
  return approvalBead(context, {
    event: 'ANCHOR_CHECKED',
    verdict,
    anchor_age_s: ageSeconds(context),
    ...(verdict === 'STALE' ? { reason: conflictReason(context) } : {}),
  });
}

export function conflictBead(context: ApprovalContext): BeadEmitted {
  return approvalBead(context, {
    event: 'STATE_CONFLICT',
    verdict: 'STALE',
    anchor_age_s: ageSeconds(context),
    reason: context.endReason ?? conflictReason(context),
    ...(context.token ? { token_id: context.token.tokenId } : {}),
  });
}

/** The whole bundle goes into the bead: what was shown is what the log says was shown. */
export function evidenceShownBead(context: ApprovalContext): BeadEmitted {
  return approvalBead(context, {
    event: 'EVIDENCE_SHOWN',
    content_hash: context.contentHash,
    anchor_age_s: ageSeconds(context),
    ...(context.evidence ? { evidence: context.evidence } : {}),
  });
}

export function rejectedBead(context: ApprovalContext): BeadEmitted {
  const rejecting = context.decision?.decision === 'REJECT' ? context.decision : undefined;
  const person = rejecting ? { decided_by: rejecting.decidedBy, channel: rejecting.channel } : {};
  return approvalBead(context, { event: 'REJECTED', reason: context.endReason ?? 'rejected', ...person }, rejecting?.decisionBeadId);
}

/** The token's id and expiry, caused by the decision bead; never the token itself. */
export function tokenIssuedBead(context: ApprovalContext): BeadEmitted {
  return approvalBead(
    context,
    {
      event: 'TOKEN_ISSUED',
      token_id: context.token?.tokenId ?? '',
      expires_at: new Date(context.token?.expiresAt ?? 0).toISOString(),
      content_hash: context.contentHash,
      ...(context.decision ? { decided_by: context.decision.decidedBy, channel: context.decision.channel } : {}),
      ...(context.token?.binding ? { binding: context.token.binding } : {}),
    },
    context.token?.decisionBeadId,
  );
}

export function tokenEndBead(context: ApprovalContext, event: 'CONSUMED' | 'EXPIRED'): BeadEmitted {
  return approvalBead(context, { event, token_id: context.token?.tokenId ?? '', reason: context.endReason ?? '' });
}
