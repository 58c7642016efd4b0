/**
 * IB's message pacing, per client connection: at most 50 incoming messages in
 * a second, all types together.
 *
 * The simulator counts in whole seconds measured from the connection's start.
 * The first message over the limit in a second is answered with error 100;
 * it and the rest of that second's excess are discarded, not processed. A
 * connection that violates the limit in `violationsToDisconnect` consecutive
 * seconds (3 by default) is disconnected, as IB does with a persistent
 * offender.
 */

export interface PacingOptions {
  maxPerSecond: number;
  violationsToDisconnect: number;
}

export const DEFAULT_PACING: PacingOptions = {
  maxPerSecond: 50,
  violationsToDisconnect: 3,
};

export type PacingVerdict =
  /** Within the limit: process the message. */
  | 'ok'
  /** First message over the limit this second: answer error 100, discard it. */
  | 'violation'
  /** More excess in a second already answered: discard quietly. */
  | 'excess'
  /** The last straw: answer error 100 and close the connection. */
  | 'disconnect';

export class PacingMeter {
  private window = -1;
  private count = 0;
  private lastViolationWindow = Number.NEGATIVE_INFINITY;
  private streak = 0;
  /** Seconds in which the limit was exceeded, over the connection's life. */
  violations = 0;

  constructor(
    private readonly options: PacingOptions,
    private readonly startedAt: number,
  ) {}

  record(now: number): PacingVerdict {
    const window = Math.floor((now - this.startedAt) / 1000);
    if (window !== this.window) {
      this.window = window;
      this.count = 0;
    }
    this.count += 1;
    if (this.count <= this.options.maxPerSecond) return 'ok';
    if (this.count > this.options.maxPerSecond + 1) return 'excess';
    this.violations += 1;
    this.streak = this.lastViolationWindow === window - 1 ? this.streak + 1 : 1;
    this.lastViolationWindow = window;
    return this.streak >= this.options.violationsToDisconnect ? 'disconnect' : 'violation';
  }

  /** The count the error 100 text reports, like IB's "max=50 rec=51". */
  get receivedThisSecond(): number {
    return this.count;
  }
}
