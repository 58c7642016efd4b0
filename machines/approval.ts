import { assign, emit, enqueueActions, setup } from 'xstate';
import {
  anchorCheckedBead,
  conflictBead,
  conflictReason,
  evidenceShownBead,
  receivedBead,
  rejectedBead,
  tokenEndBead,
  tokenIssuedBead,
} from './approvalBeads.ts';
import {
  type ApprovalAlertRequest,
  type ApprovalCommand,
  type ApprovalContext,
  type ApprovalEmitted,
  type ApprovalEvent,
  type ApprovalInput,
  type ApprovalRefusal,
  DEFAULT_STALE_GATE_MS,
  DEFAULT_TOKEN_TTL_MS,
  FUTURE_ANCHOR_TOLERANCE_MS,
  isStaleAt,
  sameBinding,
  staleAt,
  tokenExpiryFor,
} from './approvalVocabulary.ts';

export * from './approvalVocabulary.ts';

/**
 * The T2 approval flow (S3.2) for one READY intent. Pure: the approval actor
 * reports facts (evidence gathered, a decision bead seen, a token minted, the
 * guard chain's answer) and the machine answers with APPROVAL bead drafts and
 * commands. It never mints anything: it can only ask for a token after a
 * DECISION read from the log (INV-NO-AUTO-APPROVAL), and it asks for exactly
 * one. The anchor is checked at validation and on every event after it, and
 * a named delay turns the approval into STATE_CONFLICT the moment the anchor
 * goes stale, so a person who waits too long blocks nothing but the order.
 */

const eventAt = (event: ApprovalEvent) => ('at' in event ? event.at : undefined);

export const approvalMachine = setup({
  types: {
    context: {} as ApprovalContext,
    events: {} as ApprovalEvent,
    input: {} as ApprovalInput,
    emitted: {} as ApprovalEmitted,
  },
  delays: {
    anchorStale: ({ context }) => Math.max(0, staleAt(context) - context.lastAt),
    tokenExpiry: ({ context }) => Math.max(0, (context.token?.expiresAt ?? context.lastAt) - context.lastAt),
  },
  guards: {
    anchorFromTheFuture: ({ context, event }) => context.anchorAt - (eventAt(event) ?? context.lastAt) > FUTURE_ANCHOR_TOLERANCE_MS,
    staleAtEvent: ({ context, event }) => isStaleAt(context, Math.max(context.lastAt, eventAt(event) ?? context.lastAt)),
    staleAtTokenExpiry: ({ context }) => context.token !== null && isStaleAt(context, context.token.expiresAt),
    tokenExpiredAtEvent: ({ context, event }) => context.token !== null && (eventAt(event) ?? 0) >= context.token.expiresAt,
    evidenceForThisIntent: ({ context, event }) =>
      event.type === 'EVIDENCE_READY' &&
      event.evidence.intent.intent_id === context.intentId &&
      event.evidence.content_hash === context.contentHash,
    // INV-NO-AUTO-APPROVAL: a decision counts only as a person's, on a named channel, recorded as a bead.
    notAPersonOnAChannel: ({ event }) =>
      event.type === 'DECISION' &&
      (event.decidedBy.trim() === '' || (event.channel !== 'TERMINAL' && event.channel !== 'TELEGRAM') || event.decisionBeadId.trim() === ''),
    decidedOtherContent: ({ context, event }) =>
      event.type === 'DECISION' && event.contentHash !== undefined && event.contentHash !== context.contentHash,
    // Issue 17: an APPROVE names the exact order shown (account, pair, side, units, prices, refs), or it approves nothing.
    approvesAnotherOrder: ({ context, event }) =>
      event.type === 'DECISION' && event.decision === 'APPROVE' && context.evidence?.order !== undefined && !sameBinding(event.binding, context.evidence.order),
    approves: ({ event }) => event.type === 'DECISION' && event.decision === 'APPROVE',
    mintedFromTheDecision: ({ context, event }) =>
      event.type === 'TOKEN_MINTED' && context.decision?.decision === 'APPROVE' && event.decisionBeadId === context.decision.decisionBeadId,
    theIssuedToken: ({ context, event }) => event.type === 'TOKEN_CONSUMED' && event.tokenId === context.token?.tokenId,
  },
  actions: {
    noteTime: assign({ lastAt: ({ context, event }) => Math.max(context.lastAt, eventAt(event) ?? context.lastAt) }),
    noteStaleMoment: assign({ lastAt: ({ context }) => Math.max(context.lastAt, staleAt(context)) }),
    noteTokenExpiry: assign({ lastAt: ({ context }) => Math.max(context.lastAt, context.token?.expiresAt ?? context.lastAt) }),
    noteAnchorAge: assign({ anchorAgeMs: ({ context }) => context.lastAt - context.anchorAt }),
    noteConflict: assign({ endReason: ({ context }) => conflictReason(context) }),
    noteEndReason: assign({
      endReason: ({ event }) => {
        switch (event.type) {
          case 'EVIDENCE_FAILED':
          case 'MINT_FAILED':
          case 'SUBMIT_REFUSED':
            return event.reason;
          case 'DECISION':
            return event.reason?.trim() || `rejected by ${event.decidedBy} on ${event.channel}`;
          case 'TOKEN_CONSUMED':
            return event.reason === undefined ? event.outcome : `${event.outcome}: ${event.reason}`;
          default:
            return null;
        }
      },
    }),
    noteExpired: assign({ endReason: ({ context }) => `token ${context.token?.tokenId ?? '?'} expired unused` }),
    storeEvidence: assign({ evidence: ({ event }) => (event.type === 'EVIDENCE_READY' ? event.evidence : null) }),
    storeDecision: assign({
      decision: ({ event }) => {
        if (event.type !== 'DECISION') return null;
        const { decision, decidedBy, channel, decisionBeadId, at, reason, binding } = event;
        return { decision, decidedBy, channel, decisionBeadId, at, ...(reason === undefined ? {} : { reason }), ...(binding === undefined ? {} : { binding }) };
      },
    }),
    storeToken: assign({
      token: ({ event }) =>
        event.type === 'TOKEN_MINTED'
          ? { tokenId: event.tokenId, expiresAt: event.expiresAt, decisionBeadId: event.decisionBeadId, ...(event.binding === undefined ? {} : { binding: event.binding }) }
          : null,
    }),

    recordReceived: emit(({ context }) => receivedBead(context)),
    recordAnchorFresh: emit(({ context }) => anchorCheckedBead(context, 'FRESH')),
    recordAnchorStale: emit(({ context }) => anchorCheckedBead(context, 'STALE')),
    recordConflict: emit(({ context }) => conflictBead(context)),
    recordEvidenceShown: emit(({ context }) => evidenceShownBead(context)),
    recordRejected: emit(({ context }) => rejectedBead(context)),
    recordTokenIssued: emit(({ context }) => tokenIssuedBead(context)),
    recordConsumed: emit(({ context }) => tokenEndBead(context, 'CONSUMED')),
    recordExpired: emit(({ context }) => tokenEndBead(context, 'EXPIRED')),

    requestEvidence: emit(({ context }): ApprovalCommand => ({ type: 'command', command: 'gather-evidence', intentId: context.intentId })),
    requestToken: emit(({ context }): ApprovalCommand => ({
      type: 'command',
      command: 'mint-token',
      intentId: context.intentId,
      decisionBeadId: context.decision?.decisionBeadId ?? '',
      contentHash: context.contentHash,
      expiresAt: tokenExpiryFor(context, context.lastAt),
      ...(context.decision?.binding === undefined ? {} : { binding: context.decision.binding }),
    })),
    requestSubmit: emit(({ context }): ApprovalCommand => ({
      type: 'command',
      command: 'submit',
      intentId: context.intentId,
      tokenId: context.token?.tokenId ?? '',
      contentHash: context.contentHash,
    })),
    // A minted token that will never be used: the actor drops the secret rather than keep it until expiry.
    discardToken: enqueueActions(({ context, event, enqueue }) => {
      const tokenId = context.token?.tokenId ?? (event.type === 'TOKEN_MINTED' ? event.tokenId : undefined);
      if (tokenId === undefined) return;
      const command: ApprovalCommand = { type: 'command', command: 'discard-token', intentId: context.intentId, tokenId, why: context.endReason ?? 'approval ended' };
      enqueue.emit(command);
    }),
    alertIfApprovedNotSent: enqueueActions(({ context, enqueue }, params: { outcome: string }) => {
      if (context.decision?.decision !== 'APPROVE') return;
      const alert: ApprovalAlertRequest = {
        type: 'alert',
        alertType: 'APPROVAL_NOT_SENT',
        message: `${context.decision.decidedBy} approved ${context.intent.pair} intent ${context.intentId}, and no order went out: ${params.outcome}, ${context.endReason ?? 'no reason recorded'}. A new intent and a new decision are needed.`,
        dedupeKey: `APPROVAL_NOT_SENT:${context.intentId}`,
        correlationId: context.intentId,
      };
      enqueue.emit(alert);
    }),
    refuse: emit(({ context, event }, params: { why: string }): ApprovalRefusal => ({
      type: 'refused',
      intentId: context.intentId,
      event: event.type,
      why: params.why,
    })),
  },
}).createMachine({
  id: 'approval',
  context: ({ input }) => {
    const staleGateMs = Math.max(1, Math.round(input.staleGateMs ?? DEFAULT_STALE_GATE_MS));
    return {
      intentId: input.intent.intent_id,
      contentHash: input.contentHash,
      intent: input.intent,
      anchorAt: Date.parse(input.intent.created_at),
      staleGateMs,
      tokenTtlMs: Math.max(1, Math.round(input.tokenTtlMs ?? DEFAULT_TOKEN_TTL_MS)),
      receivedAt: input.receivedAt,
      lastAt: input.receivedAt,
      anchorAgeMs: null,
      evidence: null,
      decision: null,
      token: null,
      endReason: null,
    };
  },
  initial: 'RECEIVED',
  states: {
    RECEIVED: {
      entry: 'recordReceived',
      // The actor validates at once; should it not, the anchor still goes stale on time.
      after: { anchorStale: { target: 'STATE_CONFLICT', actions: staleByTimer() } },
      on: {
        DECISION: notAwaiting(),
        CLOCK: [staleOnEvent()],
        VALIDATE: [
          { guard: 'anchorFromTheFuture', target: 'STATE_CONFLICT', actions: ['noteTime', 'noteAnchorAge', 'noteConflict', 'recordAnchorStale', 'recordConflict'] },
          { guard: 'staleAtEvent', target: 'STATE_CONFLICT', actions: ['noteTime', 'noteAnchorAge', 'noteConflict', 'recordAnchorStale', 'recordConflict'] },
          { target: 'VALIDATING', actions: ['noteTime', 'noteAnchorAge', 'recordAnchorFresh'] },
        ],
      },
    },
    /** The anchor is fresh; the actor is putting the evidence bundle together. */
    VALIDATING: {
      entry: 'requestEvidence',
      after: { anchorStale: { target: 'STATE_CONFLICT', actions: staleByTimer() } },
      on: {
        EVIDENCE_READY: [
          staleOnEvent(),
          { guard: 'evidenceForThisIntent', target: 'AWAITING_DECISION', actions: ['noteTime', 'storeEvidence', 'recordEvidenceShown'] },
          { actions: { type: 'refuse', params: { why: 'the evidence is for another intent or other content' } } },
        ],
        EVIDENCE_FAILED: [staleOnEvent(), { target: 'REJECTED', actions: ['noteTime', 'noteEndReason', 'recordRejected'] }],
        DECISION: notAwaiting(),
        CLOCK: [staleOnEvent()],
      },
    },
    /** The evidence is shown (response.md, terminal, Telegram); only a person moves it on. */
    AWAITING_DECISION: {
      after: { anchorStale: { target: 'STATE_CONFLICT', actions: staleByTimer() } },
      on: {
        DECISION: [
          staleOnEvent(),
          { guard: 'notAPersonOnAChannel', actions: { type: 'refuse', params: { why: 'a decision must name a person and an authenticated channel, and be a recorded bead' } } },
          { guard: 'decidedOtherContent', actions: { type: 'refuse', params: { why: 'the decision is for other content than the intent shown' } } },
          { guard: 'approvesAnotherOrder', actions: { type: 'refuse', params: { why: 'the decision does not name the order shown (account, pair, side, units, prices, refs)' } } },
          { guard: 'approves', target: 'APPROVED', actions: ['noteTime', 'storeDecision', 'requestToken'] },
          { target: 'REJECTED', actions: ['noteTime', 'storeDecision', 'noteEndReason', 'recordRejected'] },
        ],
        CLOCK: [staleOnEvent()],
      },
    },
    /** A person approved. First the token is minted, then the guard chain consumes it. */
    APPROVED: {
      initial: 'minting',
      on: { DECISION: notAwaiting() },
      after: { anchorStale: { target: 'STATE_CONFLICT', actions: [...staleByTimer(), 'discardToken'] } },
      states: {
        minting: {
          on: {
            TOKEN_MINTED: [
              { ...staleOnEvent(), actions: [...staleOnEvent().actions, 'discardToken'] },
              { guard: 'mintedFromTheDecision', target: 'tokenIssued', actions: ['noteTime', 'storeToken', 'recordTokenIssued', 'requestSubmit'] },
              { actions: [{ type: 'refuse', params: { why: 'the token was not minted from this approval’s decision' } }, 'discardToken'] },
            ],
            MINT_FAILED: [staleOnEvent(), { target: '#approval.REJECTED', actions: ['noteTime', 'noteEndReason', 'recordRejected'] }],
            CLOCK: [staleOnEvent()],
          },
        },
        tokenIssued: {
          after: {
            tokenExpiry: [
              { guard: 'staleAtTokenExpiry', target: '#approval.STATE_CONFLICT', actions: ['noteTokenExpiry', 'noteConflict', 'recordConflict', 'discardToken'] },
              { target: '#approval.EXPIRED', actions: ['noteTokenExpiry', 'noteExpired', 'recordExpired', 'discardToken'] },
            ],
          },
          on: {
            // Facts about what the guard chain did are recorded whatever the clock says: they happened.
            TOKEN_CONSUMED: [
              { guard: 'theIssuedToken', target: '#approval.CONSUMED', actions: ['noteTime', 'noteEndReason', 'recordConsumed'] },
              { actions: { type: 'refuse', params: { why: 'not the token this approval issued' } } },
            ],
            SUBMIT_REFUSED: { target: '#approval.REJECTED', actions: ['noteTime', 'noteEndReason', 'recordRejected', 'discardToken'] },
            CLOCK: [
              { ...staleOnEvent(), actions: [...staleOnEvent().actions, 'discardToken'] },
              { guard: 'tokenExpiredAtEvent', target: '#approval.EXPIRED', actions: ['noteTime', 'noteExpired', 'recordExpired', 'discardToken'] },
            ],
          },
        },
      },
    },
    CONSUMED: { type: 'final' },
    REJECTED: { type: 'final', entry: { type: 'alertIfApprovedNotSent', params: { outcome: 'REJECTED' } } },
    EXPIRED: { type: 'final', entry: { type: 'alertIfApprovedNotSent', params: { outcome: 'EXPIRED' } } },
    STATE_CONFLICT: { type: 'final', entry: { type: 'alertIfApprovedNotSent', params: { outcome: 'STATE_CONFLICT' } } },
  },
});

// Transition fragments shared by the states before consumption; `as const` keeps the action names checked.
function staleOnEvent() {
  return { guard: 'staleAtEvent', target: '#approval.STATE_CONFLICT', actions: ['noteTime', 'noteConflict', 'recordConflict'] } as const;
}
/** A decision for an approval not (or no longer) awaiting one: the person is told, nothing moves. An ended approval takes no events at all. */
function notAwaiting() {
  return { actions: { type: 'refuse', params: { why: 'this approval is not awaiting a decision' } } } as const;
}
function staleByTimer() {
  return ['noteStaleMoment', 'noteConflict', 'recordConflict'] as const;
}

export type ApprovalMachine = typeof approvalMachine;
