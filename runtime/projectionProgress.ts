import type { LogPosition } from '../store/port.ts';

/**
 * How far a long catch-up is, for the host's log lines and the dashboard:
 * entries read, the share of the way from where it began to the newest
 * position known at start (positions only grow, so the share is close even
 * where they have gaps), and the rate.
 */
export interface ProgressLine {
  read: number;
  percent: number | undefined;
  perSecond: number;
  seconds: number;
}

export class CatchUpProgress {
  private read = 0;
  private position: LogPosition | undefined;
  private lastLineAt: number;

  constructor(
    private readonly from: LogPosition | undefined,
    private readonly until: LogPosition | undefined,
    private readonly startedAt: number,
    private readonly everyMs = 1_000,
  ) {
    this.lastLineAt = startedAt;
  }

  /** One more entry read; answers the count so far. */
  count(position: LogPosition): number {
    this.position = position;
    return ++this.read;
  }

  snapshot(now: number): ProgressLine {
    const seconds = Math.max(0, now - this.startedAt) / 1000;
    const start = this.from ?? 0;
    let percent: number | undefined;
    if (this.until !== undefined && this.position !== undefined && this.until > start) {
      percent = Math.min(100, Math.floor(((this.position - start) / (this.until - start)) * 100));
    }
    return { read: this.read, percent, perSecond: seconds > 0 ? Math.round(this.read / seconds) : 0, seconds: Math.round(seconds * 100) / 100 };
  }

  /** A line when one is due (every `everyMs`), else undefined. */
  due(now: number): ProgressLine | undefined {
    if (now - this.lastLineAt < this.everyMs) return undefined;
    this.lastLineAt = now;
    return this.snapshot(now);
  }
}
