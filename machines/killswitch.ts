import { assign, emit, setup } from 'xstate';
import { type BeadDraft, type Mode, streams } from '../beads/index.ts';
import { type AlertRequest, type BeadEmitted, type HumanActor, type Requester, whoOf } from './types.ts';

/**
 * The kill flag (S3.5). ARMED is normal; while SET the submit guard refuses
 * every new entry. Anything that smells of danger may set it; only a person,
 * giving a reason, clears it. The flag outlives the process: the host rebuilds
 * it from the `killswitch` stream at start (killswitchReplay.ts).
 */

/** The `who` of the automatic setters, as written in KILL_FLAG beads. */
export const SYSTEM_SETTERS = {
  reconciliation: 'system:reconciliation',
  guard: 'system:submit-guard',
  log: 'system:event-log',
} as const;

export interface KillSwitchContext {
  /** How many times the flag has gone from ARMED to SET; it numbers the correlation ids. */
  episode: number;
  /** Everything that set the flag in this episode, first first: each is a reason to look at before clearing. */
  setBy: { who: string; reason: string }[];
  lastCleared: { who: string; reason: string } | null;
}

/** `cause` is the id of the bead that provoked the request (a DRIFT, a refused order), kept as causation. */
export type KillSwitchEvent =
  | { type: 'HALT'; by: HumanActor; reason: string; cause?: string }
  /** Reconciliation found drift. Only in LIVE does that stop trading; `mode` is the process's mode. */
  | { type: 'DRIFT_DETECTED'; mode: Mode; reason: string; cause?: string }
  | { type: 'GUARD_VIOLATION'; reason: string; cause?: string }
  /** The log cannot be written. The bead will likely not land either: the flag is then set in memory only. */
  | { type: 'LOG_UNAVAILABLE'; reason: string }
  | { type: 'CLEAR'; by: Requester; reason: string };

/** A CLEAR the machine would not obey, and why; the CLI or the bot shows `why` to whoever asked. */
export interface ClearRefused {
  type: 'refused';
  command: 'CLEAR';
  who: string;
  why: string;
}

export type KillSwitchEmitted = BeadEmitted | AlertRequest | ClearRefused;

export const REFUSAL = {
  notHuman: 'only a person may clear the kill flag',
  noReason: 'clearing the kill flag needs a reason',
  notSet: 'the kill flag is not set',
} as const;

function setterOf(event: KillSwitchEvent): { who: string; reason: string } {
  const reason = event.reason.trim();
  switch (event.type) {
    case 'HALT':
      return { who: whoOf(event.by), reason: reason || 'operator halt' };
    case 'DRIFT_DETECTED':
      return { who: SYSTEM_SETTERS.reconciliation, reason: reason || 'reconciliation drift' };
    case 'GUARD_VIOLATION':
      return { who: SYSTEM_SETTERS.guard, reason: reason || 'guard violation' };
    case 'LOG_UNAVAILABLE':
      return { who: SYSTEM_SETTERS.log, reason: reason || 'event log unavailable' };
    case 'CLEAR':
      return { who: whoOf(event.by), reason };
  }
}

const correlationOf = (context: KillSwitchContext) => `killswitch-${context.episode}`;

function killFlagBead(context: KillSwitchContext, state: 'SET' | 'CLEARED', who: string, reason: string, cause?: string): BeadEmitted {
  const draft: BeadDraft = {
    bead_type: 'KILL_FLAG',
    stream: streams.killswitch,
    correlation_id: correlationOf(context),
    data: { state, who, reason },
    ...(cause === undefined ? {} : { causation_id: cause }),
  };
  return { type: 'bead', draft };
}

const causeOf = (event: KillSwitchEvent) => ('cause' in event ? event.cause : undefined);

function isHuman(event: KillSwitchEvent): boolean {
  return event.type === 'CLEAR' && event.by.kind === 'human' && event.by.id.trim() !== '';
}

export const killSwitchMachine = setup({
  types: {
    context: {} as KillSwitchContext,
    events: {} as KillSwitchEvent,
    emitted: {} as KillSwitchEmitted,
  },
  guards: {
    driftCountsInThisMode: ({ event }) => event.type === 'DRIFT_DETECTED' && event.mode === 'LIVE',
    clearedByNonHuman: ({ event }) => !isHuman(event),
    clearedWithoutReason: ({ event }) => event.type === 'CLEAR' && event.reason.trim() === '',
  },
  actions: {
    openEpisode: assign({ episode: ({ context }) => context.episode + 1, setBy: [] }),
    recordSetter: assign({ setBy: ({ context, event }) => [...context.setBy, setterOf(event)] }),
    appendSet: emit(({ context, event }) => {
      const { who, reason } = setterOf(event);
      return killFlagBead(context, 'SET', who, reason, causeOf(event));
    }),
    raiseKillFlagSet: emit(({ context, event }): AlertRequest => {
      const { who, reason } = setterOf(event);
      return {
        type: 'alert',
        alertType: 'KILL_FLAG_SET',
        message: `Kill flag SET by ${who}: ${reason}. New entries are refused until a person clears it (RB-005).`,
        dedupeKey: correlationOf(context),
        correlationId: correlationOf(context),
      };
    }),
    recordClear: assign({ setBy: [], lastCleared: ({ event }) => setterOf(event) }),
    appendClear: emit(({ context, event }) => {
      const { who, reason } = setterOf(event);
      return killFlagBead(context, 'CLEARED', who, reason);
    }),
    refuseClear: emit(({ event }, params: { why: string }): ClearRefused => ({
      type: 'refused',
      command: 'CLEAR',
      who: event.type === 'CLEAR' ? whoOf(event.by) : 'unknown',
      why: params.why,
    })),
    // Code trying to clear the flag is a defect worth a permanent record, not just a log line.
    recordClearAttemptBySystem: emit(({ context, event }): BeadEmitted => ({
      type: 'bead',
      draft: {
        bead_type: 'SECURITY',
        stream: streams.security,
        correlation_id: correlationOf(context),
        data: { who: event.type === 'CLEAR' ? whoOf(event.by) : 'unknown', channel: 'LOG', why: REFUSAL.notHuman },
      },
    })),
  },
}).createMachine({
  id: 'killswitch',
  context: { episode: 0, setBy: [], lastCleared: null },
  initial: 'ARMED',
  states: {
    ARMED: {
      on: {
        HALT: { target: 'SET', actions: firstSetter() },
        DRIFT_DETECTED: { guard: 'driftCountsInThisMode', target: 'SET', actions: firstSetter() },
        GUARD_VIOLATION: { target: 'SET', actions: firstSetter() },
        LOG_UNAVAILABLE: { target: 'SET', actions: firstSetter() },
        CLEAR: { actions: { type: 'refuseClear', params: { why: REFUSAL.notSet } } },
      },
    },
    SET: {
      on: {
        // A further cause while SET is still recorded: the person clearing must see every one.
        HALT: { actions: furtherSetter() },
        DRIFT_DETECTED: { guard: 'driftCountsInThisMode', actions: furtherSetter() },
        GUARD_VIOLATION: { actions: furtherSetter() },
        LOG_UNAVAILABLE: { actions: furtherSetter() },
        CLEAR: [
          {
            guard: 'clearedByNonHuman',
            actions: [{ type: 'refuseClear', params: { why: REFUSAL.notHuman } }, 'recordClearAttemptBySystem'],
          },
          { guard: 'clearedWithoutReason', actions: { type: 'refuseClear', params: { why: REFUSAL.noReason } } },
          { target: 'ARMED', actions: ['recordClear', 'appendClear'] },
        ],
      },
    },
  },
});

function firstSetter() {
  return ['openEpisode', 'recordSetter', 'appendSet', 'raiseKillFlagSet'] as const;
}
function furtherSetter() {
  return ['recordSetter', 'appendSet'] as const;
}

export type KillSwitchMachine = typeof killSwitchMachine;
