import { type Clock, systemClock } from '../clock.ts';

/**
 * The timer port of the notify actors. Every wait (group wait, throttle,
 * retry backoff, request timeout, poll backoff) goes through it, so tests can
 * run on virtual time and a time-scaled run (TIME_SCALE) stays consistent with
 * its clock.
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
 * from the real now. Durations stay in real units (3 s is still 3_000), so the
 * policy needs no scaling of its own and its decisions read the same in beads.
 */
export function scaledTime(scale: number, base: Clock = systemClock): { clock: Clock; timers: Timers } {
  if (!(scale > 0 && scale <= 1)) throw new Error(`time scale must be in (0, 1], got ${scale}`);
  const origin = base.now();
  return {
    clock: { now: () => origin + Math.round((base.now() - origin) / scale) },
    timers: { set: (ms, fn) => systemTimers.set(ms * scale, fn) },
  };
}
