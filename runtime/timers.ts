import type { ActorOptions, AnyActorLogic } from 'xstate';
import { type Clock, systemClock } from './clock.ts';

type XStateClock = NonNullable<ActorOptions<AnyActorLogic>['clock']>;

/**
 * The timer port every actor waits through (the next beat, group waits,
 * throttles, retry backoffs, the watchdog's polls), so tests run on virtual
 * time and a time-scaled run (TIME_SCALE) stays consistent with its clock.
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

/**
 * A clock and timers that run `1 / scale` times faster than real time, starting
 * from the real now. Durations stay in real units (3 s is still 3_000), so
 * policies need no scaling of their own and their decisions read the same in beads.
 */
export function scaledTime(scale: number, base: Clock = systemClock): { clock: Clock; timers: Timers } {
  if (!(scale > 0 && scale <= 1)) throw new Error(`time scale must be in (0, 1], got ${scale}`);
  const origin = base.now();
  return {
    clock: { now: () => origin + Math.round((base.now() - origin) / scale) },
    timers: { set: (ms, fn) => systemTimers.set(ms * scale, fn) },
  };
}

/** XState's clock over the port, so a machine's named delays run on the same time as everything else. */
export function xstateClock(timers: Timers): XStateClock {
  return {
    setTimeout: (fn: (...args: unknown[]) => void, ms: number) => timers.set(ms, fn),
    clearTimeout: (cancel: unknown) => {
      if (typeof cancel === 'function') cancel();
    },
  };
}
