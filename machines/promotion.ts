import { assign, emit, setup } from 'xstate';
import { describeSpan, missingText, transitionBead } from './promotionBeads.ts';
import {
  describeSweep,
  nextSweep,
  type PromotionCommand,
  type PromotionContext,
  type PromotionEmitted,
  type PromotionEvent,
  type PromotionInput,
  type PromotionRefusal,
  type PromotionState,
  sweepClear,
  verdictCounts,
  windowServedAt,
} from './promotionVocabulary.ts';

export * from './promotionVocabulary.ts';

/**
 * Promotion and revalidation (S3.6, S11, issue 14). Pure: the promotion
 * actor reads the log and tells the machine what it saw (a CONFIG_CHANGE, a
 * bunny verdict, a person's decision) and, now and then, the gates' facts;
 * the machine answers with PROMOTION bead drafts and commands.
 *
 * SHADOW → PAPER_VALIDATED once the phase-1 gates hold; → LIVE_ELIGIBLE once
 * the validation window (PROMOTION_WINDOW_DAYS, time-scaled) is served with
 * no bunny failure in it, the Phase-2 ops quality met and any revalidation
 * sweep passed; → LIVE_ACTIVE only on a person's recorded decision. A bunny
 * failure restarts the window from that failure (and takes back an
 * eligibility or a promotion); any CONFIG_CHANGE sends the desk back to
 * SHADOW and asks for a sweep of the changed components.
 */

const factsOf = (event: PromotionEvent) => (event.type === 'FACTS' ? event.facts : undefined);

export const promotionMachine = setup({
  types: {
    context: {} as PromotionContext,
    events: {} as PromotionEvent,
    input: {} as PromotionInput,
    emitted: {} as PromotionEmitted,
  },
  delays: {
    /** The rest of the validation window from the machine's latest moment. */
    validationWindow: ({ context }) => Math.max(0, (windowServedAt(context) ?? context.lastAt) - context.lastAt),
  },
  guards: {
    phase1Met: ({ event }) => factsOf(event)?.phase1.met === true,
    phase1Lost: ({ event }) => factsOf(event)?.phase1.met === false,
    opsLost: ({ event }) => factsOf(event)?.ops.met === false,
    // LIVE_ELIGIBLE: the window served at the facts' moment, nothing owed by a sweep, and every gate met.
    eligible: ({ context, event }) => {
      if (event.type !== 'FACTS') return false;
      const served = windowServedAt(context);
      return event.facts.phase1.met && event.facts.ops.met && served !== null && event.at >= served && sweepClear(context.sweep);
    },
    failed: ({ event }) => event.type === 'BUNNY_VERDICT' && event.result === 'FAIL',
    // As with approvals, only a named person's recorded decision promotes: a name, a reason and the bead that records them.
    aPersonDecided: ({ event }) => event.type === 'DECISION' && event.decidedBy.trim() !== '' && event.reason.trim() !== '' && event.beadId.trim() !== '',
  },
  actions: {
    noteTime: assign({ lastAt: ({ context, event }) => Math.max(context.lastAt, event.at) }),
    noteVerdict: assign({
      sweep: ({ context, event }) => {
        const s = context.sweep;
        if (s === null || event.type !== 'BUNNY_VERDICT' || !verdictCounts(s, event)) return s;
        return { ...s, verdicts: { ...s.verdicts, [event.vectorId]: { result: event.result, at: event.at, bead: event.beadId } } };
      },
      lastFailure: ({ context, event }) =>
        event.type === 'BUNNY_VERDICT' && event.result === 'FAIL' ? { beadId: event.beadId, vectorId: event.vectorId, runId: event.runId, at: event.at } : context.lastFailure,
    }),
    restartShadow: assign(({ context, event }) => {
      if (event.type !== 'CONFIG_CHANGED') return {};
      const sweep = nextSweep(context.sweep, event);
      return {
        shadowFrom: event.at,
        windowFrom: null,
        sweep,
        lastChange: { beadId: event.beadId, key: event.key, at: event.at },
        decision: null,
        reason: `parameter ${event.key} changed: the shadow period restarts; ${describeSweep(sweep)}`,
      };
    }),
    openWindow: assign(({ context, event }) => ({
      windowFrom: event.at,
      reason: `the phase-1 gates hold: the validation window of ${describeSpan(context.windowMs)} runs from ${new Date(event.at).toISOString()}`,
    })),
    restartWindow: assign(({ context, event }) => {
      if (event.type !== 'BUNNY_VERDICT') return {};
      return {
        windowFrom: event.at,
        decision: null,
        reason: `bunny ${event.vectorId} FAILED in run ${event.runId}: the validation window of ${describeSpan(context.windowMs)} restarts from that failure`,
      };
    }),
    backToShadow: assign(({ event }) => ({
      shadowFrom: event.at,
      windowFrom: null,
      reason: `the phase-1 gates no longer hold: ${event.type === 'FACTS' ? missingText(event.facts, 'phase1') : ''}`,
    })),
    opsNoLongerMet: assign(({ event }) => ({ reason: `the ops quality no longer holds: ${event.type === 'FACTS' ? missingText(event.facts, 'ops') : ''}` })),
    noteEligible: assign(({ context }) => ({
      reason: `window of ${describeSpan(context.windowMs)} served with no bunny failure, ops quality met, ${describeSweep(context.sweep)}: a person may promote to live (phoenix promote --live)`,
    })),
    storeDecision: assign(({ event }) =>
      event.type === 'DECISION'
        ? { decision: { decidedBy: event.decidedBy, reason: event.reason, beadId: event.beadId, at: event.at }, reason: `promoted to live by ${event.decidedBy}: ${event.reason}` }
        : {},
    ),

    record: emit(({ context, event }, p: { previous: PromotionState; state: PromotionState }) => {
      const cause = event.type === 'FACTS' ? {} : { causeId: event.beadId };
      const facts = event.type === 'FACTS' ? { facts: event.facts } : {};
      return transitionBead(context, { ...p, reason: context.reason, at: event.at, ...cause, ...facts, sweep: event.type === 'CONFIG_CHANGED' ? context.sweep : null });
    }),
    askForSweep: emit(({ context }): PromotionCommand => ({ type: 'command', command: 'run-sweep', sweep: context.sweep! })),
    askForFacts: emit((): PromotionCommand => ({ type: 'command', command: 'check-facts' })),
    refuse: emit(({ event }, p: { why: string }): PromotionRefusal => ({ type: 'refused', event: event.type, why: p.why })),
  },
}).createMachine({
  id: 'promotion',
  context: ({ input }) => ({
    windowMs: Math.max(1, Math.round(input.windowMs)),
    lastAt: input.startedAt,
    shadowFrom: input.startedAt,
    windowFrom: null,
    sweep: null,
    lastChange: null,
    lastFailure: null,
    decision: null,
    reason: 'a new desk starts in shadow: the phase-1 gates do not hold yet',
  }),
  initial: 'SHADOW',
  states: {
    SHADOW: {
      on: {
        CONFIG_CHANGED: shadowRestart('SHADOW'),
        BUNNY_VERDICT: { actions: ['noteTime', 'noteVerdict'] },
        FACTS: { guard: 'phase1Met', target: 'PAPER_VALIDATED', actions: ['noteTime', 'openWindow', record('SHADOW', 'PAPER_VALIDATED')] },
        DECISION: notEligible('SHADOW'),
      },
    },
    PAPER_VALIDATED: {
      // When the window is served, the actor is asked for the gates' facts at once.
      after: { validationWindow: { actions: 'askForFacts' } },
      on: {
        CONFIG_CHANGED: shadowRestart('PAPER_VALIDATED'),
        BUNNY_VERDICT: [failureRestarts('PAPER_VALIDATED'), { actions: ['noteTime', 'noteVerdict'] }],
        FACTS: [
          { guard: 'phase1Lost', target: 'SHADOW', actions: ['noteTime', 'backToShadow', record('PAPER_VALIDATED', 'SHADOW')] },
          { guard: 'eligible', target: 'LIVE_ELIGIBLE', actions: ['noteTime', 'noteEligible', record('PAPER_VALIDATED', 'LIVE_ELIGIBLE')] },
        ],
        DECISION: notEligible('PAPER_VALIDATED'),
      },
    },
    LIVE_ELIGIBLE: {
      on: {
        CONFIG_CHANGED: shadowRestart('LIVE_ELIGIBLE'),
        BUNNY_VERDICT: [failureRestarts('LIVE_ELIGIBLE'), { actions: ['noteTime', 'noteVerdict'] }],
        FACTS: [
          { guard: 'phase1Lost', target: 'SHADOW', actions: ['noteTime', 'backToShadow', record('LIVE_ELIGIBLE', 'SHADOW')] },
          { guard: 'opsLost', target: 'PAPER_VALIDATED', actions: ['noteTime', 'opsNoLongerMet', record('LIVE_ELIGIBLE', 'PAPER_VALIDATED')] },
        ],
        DECISION: [
          { guard: 'aPersonDecided', target: 'LIVE_ACTIVE', actions: ['noteTime', 'storeDecision', record('LIVE_ELIGIBLE', 'LIVE_ACTIVE')] },
          { actions: { type: 'refuse', params: { why: 'a promotion needs a named person, a reason, and the bead that records them' } } },
        ],
      },
    },
    LIVE_ACTIVE: {
      on: {
        CONFIG_CHANGED: shadowRestart('LIVE_ACTIVE'),
        BUNNY_VERDICT: [failureRestarts('LIVE_ACTIVE'), { actions: ['noteTime', 'noteVerdict'] }],
        DECISION: { actions: { type: 'refuse', params: { why: 'the desk is already LIVE_ACTIVE' } } },
      },
    },
  },
});

// Transition fragments shared by the states; `as const` keeps the action names checked.
function record(previous: PromotionState, state: PromotionState) {
  return { type: 'record', params: { previous, state } } as const;
}
/** Any CONFIG_CHANGE, from any state: SHADOW again (re-entered, so the window's timer goes), and a sweep. */
function shadowRestart(previous: PromotionState) {
  return { target: '#promotion.SHADOW', reenter: true, actions: ['noteTime', 'restartShadow', record(previous, 'SHADOW'), 'askForSweep'] } as const;
}
/** A bunny failure: the window restarts from it (re-entering PAPER_VALIDATED re-arms its timer). */
function failureRestarts(previous: PromotionState) {
  return { guard: 'failed', target: '#promotion.PAPER_VALIDATED', reenter: true, actions: ['noteTime', 'noteVerdict', 'restartWindow', record(previous, 'PAPER_VALIDATED')] } as const;
}
function notEligible(state: PromotionState) {
  return { actions: { type: 'refuse', params: { why: `the desk is ${state}, not LIVE_ELIGIBLE: nothing to promote yet (phoenix promote --status)` } } } as const;
}

export type PromotionMachine = typeof promotionMachine;
