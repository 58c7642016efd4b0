import { and } from 'xstate';
import type { PositionPhase, ProgressTimeout, ReasonCode, StallablePhase } from './positionVocabulary.ts';

/**
 * The position machine's transition fragments (machines/position.ts reads as
 * the S3.3 diagram with these). The same fact moves a STALLED position exactly
 * as it would its true state; `from` adds the guard that says which.
 */
// The same fact moves a STALLED position exactly as it would its true state; `from` adds the guard that says which.
export function rec(state: PositionPhase, code: ReasonCode) {
  return { type: 'record', params: { state, code } } as const;
}
export function arm(timeout: ProgressTimeout | null) {
  return { type: 'arm', params: { timeout } } as const;
}
export function from(phases: readonly StallablePhase[]) {
  return { guard: { type: 'stalledFrom', params: { phases } } } as const;
}
export function both(phases: readonly StallablePhase[] | undefined, guard: 'entryCompletes' | 'entryProgresses' | 'nothingFilled' | 'exitCompletes' | 'exitProgresses' | 'stillProtected') {
  return phases === undefined ? { guard } : { guard: and([{ type: 'stalledFrom', params: { phases } }, guard]) };
}
export function stallByTimer() {
  return { target: '#position.STALLED', actions: ['noteDeadline', 'markStalled', rec('STALLED', 'STALLED')] } as const;
}
export function stallOnClock() {
  return { guard: 'pastDeadline', target: '#position.STALLED', actions: ['noteTime', 'markStalled', rec('STALLED', 'STALLED')] } as const;
}
export function confirmed(state: StallablePhase) {
  return ['noteTime', 'clearStall', rec(state, 'CONFIRMED')] as const;
}
export function resumed(state: StallablePhase) {
  return ['noteTime', 'clearStall', rec(state, 'RESUMED')] as const;
}
export function entryFilled(phases?: readonly StallablePhase[]) {
  return [
    { ...both(phases, 'entryCompletes'), target: '#position.FILLED', actions: ['noteTime', 'storeFill', 'clearStall', rec('FILLED', 'ENTRY_FILLED')] },
    { ...both(phases, 'entryProgresses'), target: '#position.PARTIAL', reenter: true, actions: ['noteTime', 'storeFill', 'clearStall', rec('PARTIAL', 'ENTRY_FILLED')] },
  ] as const;
}
/** A reject or cancel ends a position with nothing filled; with a partial fill, it ends the entry and the position goes on as FILLED. */
export function entryOutcomes(phases?: readonly StallablePhase[]) {
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
export function protectionWorking() {
  return {
    target: '#position.MANAGED',
    actions: ['noteTime', 'clearStall', { type: 'setProtection', params: { working: true } }, rec('MANAGED', 'PROTECTION_WORKING')],
  } as const;
}
/** The close begins by cancelling the stop and target, so from here the position is not counted as protected. */
export function closeRequested() {
  return {
    target: '#position.CLOSING',
    actions: ['noteTime', 'storeCloseRequest', 'clearStall', { type: 'setProtection', params: { working: false } }, rec('CLOSING', 'CLOSE_REQUESTED'), 'requestClose'],
  } as const;
}
/** A close asked for before the entry finished: the entry's late fill is closed too, and an entry that ends unfilled ends the position. */
export function entryWhileClosing(phases?: readonly StallablePhase[]) {
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
export function closeFailed(phases?: readonly StallablePhase[]) {
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
export function exitFilled(stayIn: string, reenter: boolean, phases?: readonly StallablePhase[]) {
  const state = stayIn.slice('#position.'.length) as PositionPhase;
  return [
    { ...both(phases, 'exitCompletes'), target: '#position.CLOSED', actions: ['noteTime', 'storeExit', 'clearStall', rec('CLOSED', 'EXIT_FILLED'), 'recordAutopsy'] },
    { ...both(phases, 'exitProgresses'), target: stayIn, reenter, actions: ['noteTime', 'storeExit', 'clearStall', rec(state, 'EXIT_FILLED')] },
  ] as const;
}
