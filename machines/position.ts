import { and, assign, emit, enqueueActions, setup } from 'xstate';
import { autopsyBead, positionBead, stallDescription, timeoutMs } from './positionBeads.ts';
import {
  type PositionAlertRequest,
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
    alertUnprotected: emit(({ context }, params: { why: string }): PositionAlertRequest => ({
      type: 'alert',
      alertType: 'POSITION_UNPROTECTED',
      message: `Position ${context.positionId} (${openSize(context)}) is open at the broker WITHOUT a working stop: ${params.why}. Phoenix is putting the stop back; follow RB-014.`,
      dedupeKey: `POSITION_UNPROTECTED:${context.positionId}`,
      correlationId: context.intentId,
    })),
    alertStalledUnprotected: enqueueActions(({ context, enqueue }) => {
      if (context.stalledFrom !== 'FILLED' && context.stalledFrom !== 'CLOSING') return;
      const why = context.stalledFrom === 'CLOSING' ? 'its close has not filled and its stop and target were cancelled for it' : 'its stop and target are not working';
      enqueue.emit({
        type: 'alert',
        alertType: 'POSITION_UNPROTECTED',
        message: `Position ${context.positionId} (${openSize(context)}) STALLED in ${context.stalledFrom} and may be open WITHOUT a stop: ${why} (${stallDescription(context)}). Follow RB-014.`,
        dedupeKey: `POSITION_UNPROTECTED:${context.positionId}`,
        correlationId: context.intentId,
      });
    }),
    alertCloseFailed: emit(({ context, event }): PositionAlertRequest => {
      const protectedNow = event.type === 'CLOSE_FAILED' && event.protectionWorking;
      const reason = event.type === 'CLOSE_FAILED' ? event.reason : 'unknown';
      return {
        type: 'alert',
        alertType: 'CLOSE_FAILED',
        message: `The close of position ${context.positionId} (${openSize(context)}) could not be finished: ${reason}. It is still open and ${protectedNow ? 'protected: its stop and target are working' : 'NOT protected: Phoenix is putting its stop back'}. Follow RB-014.`,
        dedupeKey: `CLOSE_FAILED:${context.positionId}:${context.lastAt}`,
        correlationId: context.intentId,
      };
    }),
    alertRejected: emit(({ context }): PositionAlertRequest => ({
      type: 'alert',
      alertType: 'ORDER_REJECTED',
      message: `Entry for position ${context.positionId} (${context.side} ${context.orderedQty} ${context.pair}) rejected by the broker: ${context.endReason ?? 'no reason given'}`,
      dedupeKey: `ORDER_REJECTED:${context.positionId}`,
      correlationId: context.intentId,
    })),
    warnStalled: emit(({ context }): PositionAlertRequest => ({
      type: 'alert',
      alertType: 'POSITION_STALLED',
      message: `Position ${context.positionId} (${context.pair}) stalled for ${Math.round((STALL_WARNING_MS * context.timeScale) / 1000)} s: ${stallDescription(context)}. Follow RB-003.`,
      dedupeKey: `POSITION_STALLED:${context.positionId}`,
      correlationId: context.intentId,
    })),
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
  on: { TICK: { actions: 'updateMark' } },
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

// Transition fragments. The same fact moves a STALLED position exactly as it would its true state; `from` adds the guard that says which.
function rec(state: PositionPhase, code: ReasonCode) {
  return { type: 'record', params: { state, code } } as const;
}
function arm(timeout: ProgressTimeout | null) {
  return { type: 'arm', params: { timeout } } as const;
}
function from(phases: readonly StallablePhase[]) {
  return { guard: { type: 'stalledFrom', params: { phases } } } as const;
}
function both(phases: readonly StallablePhase[] | undefined, guard: 'entryCompletes' | 'entryProgresses' | 'nothingFilled' | 'exitCompletes' | 'exitProgresses' | 'stillProtected') {
  return phases === undefined ? { guard } : { guard: and([{ type: 'stalledFrom', params: { phases } }, guard]) };
}
function stallByTimer() {
  return { target: '#position.STALLED', actions: ['noteDeadline', 'markStalled', rec('STALLED', 'STALLED')] } as const;
}
function stallOnClock() {
  return { guard: 'pastDeadline', target: '#position.STALLED', actions: ['noteTime', 'markStalled', rec('STALLED', 'STALLED')] } as const;
}
function confirmed(state: StallablePhase) {
  return ['noteTime', 'clearStall', rec(state, 'CONFIRMED')] as const;
}
function resumed(state: StallablePhase) {
  return ['noteTime', 'clearStall', rec(state, 'RESUMED')] as const;
}
function entryFilled(phases?: readonly StallablePhase[]) {
  return [
    { ...both(phases, 'entryCompletes'), target: '#position.FILLED', actions: ['noteTime', 'storeFill', 'clearStall', rec('FILLED', 'ENTRY_FILLED')] },
    { ...both(phases, 'entryProgresses'), target: '#position.PARTIAL', reenter: true, actions: ['noteTime', 'storeFill', 'clearStall', rec('PARTIAL', 'ENTRY_FILLED')] },
  ] as const;
}
/** A reject or cancel ends a position with nothing filled; with a partial fill, it ends the entry and the position goes on as FILLED. */
function entryOutcomes(phases?: readonly StallablePhase[]) {
  const rest = ['noteTime', 'storeEndReason', 'clearStall'] as const;
  return {
    ENTRY_REJECTED: [
      { ...both(phases, 'nothingFilled'), target: '#position.REJECTED', actions: [...rest, rec('REJECTED', 'ENTRY_REJECTED'), 'alertRejected'] },
      { ...(phases ? from(phases) : {}), target: '#position.FILLED', actions: [...rest, rec('FILLED', 'ENTRY_REJECTED')] },
    ],
    ENTRY_CANCELLED: [
      { ...both(phases, 'nothingFilled'), target: '#position.CANCELLED', actions: [...rest, rec('CANCELLED', 'ENTRY_CANCELLED')] },
      { ...(phases ? from(phases) : {}), target: '#position.FILLED', actions: [...rest, rec('FILLED', 'ENTRY_CANCELLED')] },
    ],
  } as const;
}
function protectionWorking() {
  return {
    target: '#position.MANAGED',
    actions: ['noteTime', 'clearStall', { type: 'setProtection', params: { working: true } }, rec('MANAGED', 'PROTECTION_WORKING')],
  } as const;
}
/** The close begins by cancelling the stop and target, so from here the position is not counted as protected. */
function closeRequested() {
  return {
    target: '#position.CLOSING',
    actions: ['noteTime', 'storeCloseRequest', 'clearStall', { type: 'setProtection', params: { working: false } }, rec('CLOSING', 'CLOSE_REQUESTED'), 'requestClose'],
  } as const;
}
/** A close asked for before the entry finished: the entry's late fill is closed too, and an entry that ends unfilled ends the position. */
function entryWhileClosing(phases?: readonly StallablePhase[]) {
  const rest = ['noteTime', 'storeEndReason', 'clearStall'] as const;
  return {
    ENTRY_FILLED: [
      { ...both(phases, 'entryProgresses'), target: '#position.CLOSING', reenter: true, actions: ['noteTime', 'storeFill', 'clearStall', rec('CLOSING', 'ENTRY_FILLED')] },
    ],
    ENTRY_REJECTED: { ...both(phases, 'nothingFilled'), target: '#position.REJECTED', actions: [...rest, rec('REJECTED', 'ENTRY_REJECTED')] },
    ENTRY_CANCELLED: { ...both(phases, 'nothingFilled'), target: '#position.CANCELLED', actions: [...rest, rec('CANCELLED', 'ENTRY_CANCELLED')] },
  } as const;
}
/** A close that cannot be finished is a person's decision not carried out: they are told, and an unprotected position is protected again. */
function closeFailed(phases?: readonly StallablePhase[]) {
  const rest = ['noteTime', 'clearStall'] as const;
  return [
    {
      ...both(phases, 'stillProtected'),
      target: '#position.MANAGED',
      actions: [...rest, { type: 'setProtection', params: { working: true } }, rec('MANAGED', 'CLOSE_FAILED'), 'alertCloseFailed'],
    },
    {
      ...(phases ? from(phases) : {}),
      target: '#position.FILLED',
      actions: [...rest, { type: 'setProtection', params: { working: false } }, rec('FILLED', 'CLOSE_FAILED'), 'alertCloseFailed', 'requestProtection'],
    },
  ] as const;
}
/** A complete exit closes; a partial one leaves the position where it was (CLOSING's clock restarts: a fill is progress). */
function exitFilled(stayIn: string, reenter: boolean, phases?: readonly StallablePhase[]) {
  const state = stayIn.slice('#position.'.length) as PositionPhase;
  return [
    { ...both(phases, 'exitCompletes'), target: '#position.CLOSED', actions: ['noteTime', 'storeExit', 'clearStall', rec('CLOSED', 'EXIT_FILLED'), 'recordAutopsy'] },
    { ...both(phases, 'exitProgresses'), target: stayIn, reenter, actions: ['noteTime', 'storeExit', 'clearStall', rec(state, 'EXIT_FILLED')] },
  ] as const;
}

/** "LONG 20000 EURUSD open", for the operator's phone. */
function openSize(c: PositionContext): string {
  const open = c.filledQty - c.exitQty;
  return `${c.side} ${open > 0 ? open : c.orderedQty} ${c.pair}${open > 0 ? ' open' : ' ordered'}`;
}

export type PositionMachine = typeof positionMachine;
