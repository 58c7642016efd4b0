import type { ActorOptions, AnyActorLogic } from 'xstate';

type XStateClock = NonNullable<ActorOptions<AnyActorLogic>['clock']>;

/**
 * The timer port of the monitor actors: every wait (the next beat, the
 * escalation delay, the watchdog's polls) goes through it, so tests run on a
 * fake clock. Same shape as the notify actors' port, so one fake drives both.
 */
export interface Timers {
  /** Calls `fn` once after `ms`; the returned function cancels it. */
  set(ms: number, fn: () => void): () => void;
}

export const systemTimers: Timers = {
  set(ms, fn) {
    const handle = setTimeout(fn, Math.max(0, ms));
    return () => clearTimeout(handle);
  },
};

/** XState's clock over the port, so a machine's named delays run on the same time as everything else. */
export function xstateClock(timers: Timers): XStateClock {
  return {
    setTimeout: (fn: (...args: unknown[]) => void, ms: number) => timers.set(ms, fn),
    clearTimeout: (cancel: unknown) => {
      if (typeof cancel === 'function') cancel();
    },
  };
}
