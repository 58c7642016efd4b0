/** The per-chat throttle of S7.1: at most one message every 3 s, and 20 in any rolling minute. */
export interface ThrottleRules {
  minGapMs: number;
  perWindow: number;
  windowMs: number;
}

export const DEFAULT_THROTTLE: ThrottleRules = { minGapMs: 3_000, perWindow: 20, windowMs: 60_000 };

/** When notifications reached the chat, kept only as long as the window needs them. */
export class SendLedger {
  private readonly sends: number[] = [];

  constructor(private readonly rules: ThrottleRules = DEFAULT_THROTTLE) {}

  record(at: number): void {
    // Kept sorted: restore may feed past sends slightly out of order.
    let i = this.sends.length;
    while (i > 0 && this.sends[i - 1]! > at) i -= 1;
    this.sends.splice(i, 0, at);
    this.prune(at);
  }

  /** The earliest time at or after `now` when one more non-urgent message keeps both limits. */
  nextAllowedAt(now: number): number {
    const { minGapMs, perWindow, windowMs } = this.rules;
    let t = now;
    const last = this.sends.at(-1);
    if (last !== undefined) t = Math.max(t, last + minGapMs);
    const inWindow = this.sends.filter((s) => s > t - windowMs);
    // A send at s stops counting at s + window; wait until enough have aged out to leave room for one more.
    if (inWindow.length >= perWindow) t = Math.max(t, inWindow[inWindow.length - perWindow]! + windowMs);
    return t;
  }

  get times(): readonly number[] {
    return this.sends;
  }

  private prune(now: number): void {
    const horizon = now - this.rules.windowMs - this.rules.minGapMs;
    while (this.sends.length > 0 && this.sends[0]! <= horizon) this.sends.shift();
  }
}
