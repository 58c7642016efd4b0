import type { Clock } from '../../beads/index.ts';

/** More refusals than this in a minute are counted, not recorded one by one. */
export const SECURITY_BEADS_PER_MINUTE = 20;
const MINUTE_MS = 60_000;

export type SecurityAdmission = { record: false } | { record: true; notRecordedBefore: number };

/**
 * A stranger spamming the bot must not fill the log: a full disk fails the
 * log closed, and that stops trading. Each minute the first refusals are
 * recorded one by one; the rest are counted, and the count rides on the next
 * refusal recorded, so how many there were is never lost.
 */
export class SecurityThrottle {
  private windowStart = Number.NEGATIVE_INFINITY;
  private recorded = 0;
  private notRecorded = 0;

  constructor(
    private readonly clock: Clock,
    private readonly perMinute = SECURITY_BEADS_PER_MINUTE,
  ) {}

  admit(): SecurityAdmission {
    const now = this.clock.now();
    if (now - this.windowStart >= MINUTE_MS) {
      this.windowStart = now;
      this.recorded = 0;
    }
    if (this.recorded >= this.perMinute) {
      this.notRecorded += 1;
      return { record: false };
    }
    this.recorded += 1;
    const notRecordedBefore = this.notRecorded;
    this.notRecorded = 0;
    return { record: true, notRecordedBefore };
  }
}
