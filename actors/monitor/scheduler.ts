import type { Clock } from '../../runtime/clock.ts';
import type { Random } from '../../runtime/random.ts';
import type { Timers } from '../../runtime/timers.ts';

/**
 * The heartbeat's metronome (S3.4, INV-OPS-HEARTBEAT-30S-1): a beat every
 * interval with uniform ± jitter.
 *
 * Each beat is planned from the previous beat's start, never from its finish,
 * so a slow check does not push the next beat back: as long as a check takes
 * less than interval − jitter, every beat starts exactly when planned and the
 * gaps stay within interval ± jitter. Beats never overlap: a check that
 * overruns its successor's planned time delays that beat until it finishes.
 */

export interface BeatSchedulerOptions {
  intervalMs: number;
  jitterMs: number;
  clock: Clock;
  timers: Timers;
  random: Random;
  /** One check. The next beat is not started before this settles. */
  beat: (startedAt: number) => Promise<void>;
  /** A beat that threw; the schedule goes on regardless. */
  onError?: (err: unknown) => void;
}

export interface BeatScheduler {
  /** When the next beat is planned to start; undefined once stopped. */
  readonly nextAt: number | undefined;
  /** Cancels the next beat and waits for one in progress to finish. */
  stop(): Promise<void>;
}

/** Uniform in [interval − jitter, interval + jitter], in whole milliseconds: bead times have no finer grain. */
export function nextGap(intervalMs: number, jitterMs: number, random: Random): number {
  const low = Math.ceil(intervalMs - jitterMs);
  const high = Math.floor(intervalMs + jitterMs);
  return low + Math.floor(random.next() * (high - low + 1));
}

/** Starts beating at once (a host reports its health as soon as it is up), then on the schedule. */
export function startBeatScheduler(options: BeatSchedulerOptions): BeatScheduler {
  const { intervalMs, jitterMs, clock, timers, random, beat, onError } = options;
  if (!(intervalMs > 0) || !(jitterMs >= 0) || jitterMs >= intervalMs) {
    throw new Error(`heartbeat interval ${intervalMs} ms and jitter ${jitterMs} ms: need 0 <= jitter < interval`);
  }
  let stopped = false;
  let cancel: (() => void) | undefined;
  let running: Promise<void> | undefined;
  let nextAt: number | undefined;

  const run = (plannedAt: number) => {
    cancel = undefined;
    if (stopped) return;
    const startedAt = Math.max(plannedAt, clock.now());
    // From the start, not the plan: a beat delayed by an overrun must not bring its successor too close.
    const following = startedAt + nextGap(intervalMs, jitterMs, random);
    nextAt = following;
    running = Promise.resolve()
      .then(() => beat(startedAt))
      .catch((err: unknown) => onError?.(err))
      .then(() => {
        running = undefined;
        if (!stopped) arm(following);
      });
  };

  const arm = (plannedAt: number) => {
    nextAt = plannedAt;
    const wait = plannedAt - clock.now();
    // An overrun beat starts as soon as its predecessor is done.
    cancel = timers.set(Math.max(0, wait), () => run(plannedAt));
  };

  arm(clock.now());
  return {
    get nextAt() {
      return stopped ? undefined : nextAt;
    },
    async stop() {
      stopped = true;
      cancel?.();
      cancel = undefined;
      await running;
    },
  };
}
