import { assign, emit, enqueueActions, setup } from 'xstate';
import { nextEvent } from './positionFacts.ts';
import { closeFailedAlert, rejectedAlert, stalledAlert, stalledUnprotectedAlert, unprotectedAlert } from './positionAlerts.ts';
import { autopsyBead, positionBead, timeoutMs } from './positionBeads.ts';
import {
  arm,
  closeFailed,
  closeRequested,
  confirmed,
  entryFilled,
  entryOutcomes,
  entryWhileClosing,
  exitFilled,
  from,
  protectionWorking,
  rec,
  resumed,
  stallByTimer,
  stallOnClock,
} from './positionTransitions.ts';
import {
  type PositionCommand,
  type PositionContext,
  type PositionEmitted,
  type PositionEvent,
  type PositionInput,
  type PositionPhase,
  type ProgressTimeout,
  type ReasonCode,
  STALL_WARNING_MS,
  type StallablePhase,
} from './positionVocabulary.ts';

export * from './positionVocabulary.ts';

/**
 * One position's life (S3.3), from the entry bracket's submission to its
 * close. Pure: the broker actor reports facts (acknowledgements, cumulative
 * fills, rejections, a person's close) and the machine answers with a
 * POSITION bead per transition, an AUTOPSY on CLOSED, and alerts. A live
 * state that hears nothing from the broker within its timeout is STALLED;
 * the next broker fact (or reconciliation's confirmation) moves it to the
 * state that fact makes true, exactly as it would have moved from there.
 *
 * Ticks update the mark in the context and nothing else: a POSITION bead is
 * a transition, not a price. Unrealised P&L reaches the log on each
 * transition's bead; the dashboard's live figure is the host's to compute
 * from the mark (`unrealisedPnl` in positionBeads.ts).
 */

const stallable = (phase: PositionPhase): StallablePhase | undefined =>
  phase === 'SUBMITTED' || phase === 'PARTIAL' || phase === 'FILLED' || phase === 'CLOSING' ? phase : undefined;

export const positionMachine = setup({
  types: {
    context: {} as PositionContext,
    events: {} as PositionEvent,
    input: {} as PositionInput,
    emitted: {} as PositionEmitted,
  },
  delays: {
    ackTimeout: ({ context }) => timeoutMs(context, 'ack'),
    fillTimeout: ({ context }) => timeoutMs(context, 'fill'),
    protectionTimeout: ({ context }) => timeoutMs(context, 'protection'),
    closeFillTimeout: ({ context }) => timeoutMs(context, 'closeFill'),
    stallWarning: ({ context }) => Math.max(1, Math.round(STALL_WARNING_MS * context.timeScale)),
  },
  guards: {
    stalledFrom: ({ context }, params: { phases: readonly StallablePhase[] }) =>
      context.stalledFrom !== null && params.phases.includes(context.stalledFrom),
    entryCompletes: ({ context, event }) => event.type === 'ENTRY_FILLED' && event.filled > context.filledQty && event.filled >= context.orderedQty,
    entryProgresses: ({ context, event }) => event.type === 'ENTRY_FILLED' && event.filled > context.filledQty,
    nothingFilled: ({ context }) => context.filledQty === 0,
    exitCompletes: ({ context, event }) => event.type === 'EXIT_FILLED' && event.filled > context.exitQty && event.filled >= context.filledQty,
    exitProgresses: ({ context, event }) => event.type === 'EXIT_FILLED' && event.filled > context.exitQty,
    stillProtected: ({ event }) => event.type === 'CLOSE_FAILED' && event.protectionWorking,
    pastDeadline: ({ context, event }) => context.deadline !== null && 'at' in event && event.at >= context.deadline,
  },
  actions: {
    noteTime: assign({ lastAt: ({ context, event }) => Math.max(context.lastAt, 'at' in event ? event.at : context.lastAt) }),
    // A timer's event carries no time: the stall happened exactly at the deadline.
    noteDeadline: assign({ lastAt: ({ context }) => Math.max(context.lastAt, context.deadline ?? context.lastAt) }),
    arm: assign({
      deadline: ({ context }, params: { timeout: ProgressTimeout | null }) =>
        params.timeout === null ? null : context.lastAt + timeoutMs(context, params.timeout),
    }),
    storeFill: assign(({ context, event }) =>
      event.type === 'ENTRY_FILLED'
        ? { filledQty: event.filled, avgEntry: event.avgPrice, firstFillAt: context.firstFillAt ?? context.lastAt }
        : {},
    ),
    storeExit: assign(({ context, event }) =>
      event.type === 'EXIT_FILLED'
        ? {
            exitQty: event.filled,
            avgExit: event.avgPrice,
            exitBy: event.by,
            closedAt: event.filled >= context.filledQty ? context.lastAt : null,
          }
        : {},
    ),
    storeCloseRequest: assign({ closeRequestedBy: ({ event }) => (event.type === 'CLOSE_REQUESTED' ? event.by : null) }),
    storeEndReason: assign({ endReason: ({ event }) => ('reason' in event ? event.reason : null) }),
    setProtection: assign({ protectionWorking: (_, params: { working: boolean }) => params.working }),
    markStalled: assign({ stalledFrom: ({ context }) => stallable(context.phase) ?? context.stalledFrom }),
    clearStall: assign({ stalledFrom: null }),
    /** The broker's facts, decided into the one event they amount to next (positionFacts.ts), which is raised and taken at once. */
    followFacts: enqueueActions(({ context, event, enqueue }, params: { awaitingAck: boolean }) => {
      if (event.type !== 'BROKER_FACTS') return;
      const view = { phase: context.phase, awaitingAck: params.awaitingAck, context };
      const next = nextEvent(view, event.facts, event.at);
      if (next) enqueue.raise(next);
    }),
    updateMark: assign({ mark: ({ context, event }) => (event.type === 'TICK' ? { price: event.price, at: event.at } : context.mark) }),

    /** The POSITION bead of a transition into `state`, then the new phase. */
    record: enqueueActions(({ context, event, enqueue }, params: { state: PositionPhase; code: ReasonCode }) => {
      enqueue.emit(positionBead(context, params.state, params.code, event));
      enqueue.assign({ phase: params.state });
    }),
    recordSubmitted: emit(({ context, event }) => positionBead(context, 'SUBMITTED', 'SUBMITTED', event as PositionEvent)),
    recordAutopsy: emit(({ context }) => autopsyBead(context)),
    requestClose: emit(({ context }): PositionCommand => ({
      type: 'command',
      command: 'close',
      positionId: context.positionId,
      by: context.closeRequestedBy ?? 'phoenix',
    })),
    requestProtection: emit(({ context }): PositionCommand => ({ type: 'command', command: 'protect', positionId: context.positionId, by: 'phoenix' })),
    alertUnprotected: emit(({ context }, params: { why: string }) => unprotectedAlert(context, params.why)),
    alertStalledUnprotected: enqueueActions(({ context, enqueue }) => {
      const alert = stalledUnprotectedAlert(context);
      if (alert) enqueue.emit(alert);
    }),
    alertCloseFailed: emit(({ context, event }) => closeFailedAlert(context, event)),
    alertRejected: emit(({ context }) => rejectedAlert(context)),
    warnStalled: emit(({ context }) => stalledAlert(context)),
  },
}).createMachine({
  id: 'position',
  context: ({ input }) => ({
    positionId: input.positionId,
    intentId: input.intentId,
    pair: input.pair,
    side: input.side,
    orderedQty: input.quantity,
    plannedEntry: input.plannedEntry,
    stop: input.stop,
    target: input.target,
    timeScale: input.timeScale ?? 1,
    submittedAt: input.submittedAt,
    lastAt: input.submittedAt,
    phase: 'SUBMITTED',
    deadline: null,
    stalledFrom: null,
    filledQty: 0,
    avgEntry: null,
    firstFillAt: null,
    protectionWorking: false,
    closeRequestedBy: null,
    exitQty: 0,
    avgExit: null,
    exitBy: null,
    closedAt: null,
    endReason: null,
    mark: null,
  }),
  entry: 'recordSubmitted',
  initial: 'SUBMITTED',
  on: { TICK: { actions: 'updateMark' }, BROKER_FACTS: { actions: { type: 'followFacts', params: { awaitingAck: false } } } },
  states: {
    SUBMITTED: {
      initial: 'awaitingAck',
      on: { ...entryOutcomes(), ENTRY_FILLED: entryFilled(), CLOSE_REQUESTED: closeRequested() },
      states: {
        awaitingAck: {
          entry: arm('ack'),
          after: { ackTimeout: stallByTimer() },
          on: {
            ENTRY_ACKNOWLEDGED: { target: 'working', actions: ['noteTime', rec('SUBMITTED', 'ACKNOWLEDGED')] },
            BROKER_CONFIRMED: { target: 'working', actions: ['noteTime', rec('SUBMITTED', 'CONFIRMED')] },
            CLOCK: stallOnClock(),
            RESUME: { target: 'awaitingAck', reenter: true, actions: ['noteTime', rec('SUBMITTED', 'RESUMED')] },
            BROKER_FACTS: { actions: { type: 'followFacts', params: { awaitingAck: true } } },
          },
        },
        /** Acknowledged: a resting entry is progress enough, so no timeout runs here. */
        working: { entry: arm(null) },
      },
    },
    PARTIAL: {
      entry: arm('fill'),
      after: { fillTimeout: stallByTimer() },
      on: {
        ...entryOutcomes(),
        ENTRY_FILLED: entryFilled(),
        CLOSE_REQUESTED: closeRequested(),
        CLOCK: stallOnClock(),
        RESUME: { target: 'PARTIAL', reenter: true, actions: ['noteTime', rec('PARTIAL', 'RESUMED')] },
      },
    },
    /** Filled but not yet protected: the stop and target must start working soon. */
    FILLED: {
      entry: arm('protection'),
      after: { protectionTimeout: stallByTimer() },
      on: {
        PROTECTION_WORKING: protectionWorking(),
        CLOSE_REQUESTED: closeRequested(),
        EXIT_FILLED: exitFilled('#position.FILLED', false),
        CLOCK: stallOnClock(),
        RESUME: { target: 'FILLED', reenter: true, actions: ['noteTime', rec('FILLED', 'RESUMED'), 'requestProtection'] },
      },
    },
    MANAGED: {
      entry: arm(null),
      on: {
        PROTECTION_LOST: {
          target: 'FILLED',
          actions: [
            'noteTime',
            { type: 'setProtection', params: { working: false } },
            rec('FILLED', 'PROTECTION_LOST'),
            { type: 'alertUnprotected', params: { why: 'its stop or target is no longer working at the broker' } },
            'requestProtection',
          ],
        },
        CLOSE_REQUESTED: closeRequested(),
        EXIT_FILLED: exitFilled('#position.MANAGED', false),
      },
    },
    /** A person asked to close: the stop and target are cancelled, then what is open is closed at market. */
    CLOSING: {
      entry: arm('closeFill'),
      after: { closeFillTimeout: stallByTimer() },
      on: {
        CLOSE_FAILED: closeFailed(),
        EXIT_FILLED: exitFilled('#position.CLOSING', true),
        CLOCK: stallOnClock(),
        RESUME: { target: 'CLOSING', reenter: true, actions: ['noteTime', rec('CLOSING', 'RESUMED'), 'requestClose'] },
        ...entryWhileClosing(),
      },
    },
    STALLED: {
      entry: [arm(null), 'alertStalledUnprotected'],
      after: { stallWarning: { actions: 'warnStalled' } },
      on: {
        ENTRY_ACKNOWLEDGED: {
          ...from(['SUBMITTED']),
          target: '#position.SUBMITTED.working',
          actions: ['noteTime', 'clearStall', rec('SUBMITTED', 'ACKNOWLEDGED')],
        },
        ...entryOutcomes(['SUBMITTED', 'PARTIAL']),
        ENTRY_FILLED: [...entryFilled(['SUBMITTED', 'PARTIAL']), ...entryWhileClosing(['CLOSING']).ENTRY_FILLED],
        PROTECTION_WORKING: { ...from(['FILLED']), ...protectionWorking() },
        // Whatever it stalled from, a person may close it; a stalled close starts again.
        CLOSE_REQUESTED: closeRequested(),
        CLOSE_FAILED: closeFailed(['CLOSING']),
        EXIT_FILLED: [...exitFilled('#position.FILLED', true, ['FILLED']), ...exitFilled('#position.CLOSING', true, ['CLOSING'])],
        BROKER_CONFIRMED: [
          { ...from(['SUBMITTED']), target: '#position.SUBMITTED.working', actions: confirmed('SUBMITTED') },
          { ...from(['PARTIAL']), target: '#position.PARTIAL', actions: confirmed('PARTIAL') },
          { ...from(['FILLED']), target: '#position.FILLED', actions: confirmed('FILLED') },
          { ...from(['CLOSING']), target: '#position.CLOSING', actions: confirmed('CLOSING') },
        ],
        RESUME: [
          { ...from(['SUBMITTED']), target: '#position.SUBMITTED', actions: resumed('SUBMITTED') },
          { ...from(['PARTIAL']), target: '#position.PARTIAL', actions: resumed('PARTIAL') },
          { ...from(['FILLED']), target: '#position.FILLED', actions: [...resumed('FILLED'), 'requestProtection'] },
          { ...from(['CLOSING']), target: '#position.CLOSING', actions: [...resumed('CLOSING'), 'requestClose'] },
        ],
      },
    },
    CLOSED: { type: 'final' },
    REJECTED: { type: 'final' },
    CANCELLED: { type: 'final' },
  },
});

/** "LONG 20000 EURUSD open", for the operator's phone. */
function _openSize(c: PositionContext): string {
  const open = c.filledQty - c.exitQty;
  return `${c.side} ${open > 0 ? open : c.orderedQty} ${c.pair}${open > 0 ? ' open' : ' ordered'}`;
}

export type PositionMachine = typeof positionMachine;
