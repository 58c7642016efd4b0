import type { Clock } from '../../beads/index.ts';
import { SendLedger } from '../notify/throttle.ts';

/** More refusals than this in a rolling minute are counted, not recorded one by one. */
export const SECURITY_BEADS_PER_MINUTE = 20;

export type SecurityAdmission = { record: false } | { record: true; notRecordedBefore: number };

/**
 * A stranger spamming the bot must not fill the log: a full disk fails the
 * log closed, and that stops trading. The first refusals of any rolling
 * minute are recorded one by one (the same ledger the chat throttle keeps);
 * the rest are counted, and the count rides on the next refusal recorded, so
 * how many there were is never lost.
 */
export class SecurityThrottle {
  private readonly recorded: SendLedger;
  private notRecorded = 0;

  constructor(
    private readonly clock: Clock,
    perMinute = SECURITY_BEADS_PER_MINUTE,
  ) {
    this.recorded = new SendLedger({ minGapMs: 0, perWindow: perMinute, windowMs: 60_000 });
  }

  admit(): SecurityAdmission {
    const now = this.clock.now();
    if (this.recorded.nextAllowedAt(now) > now) {
      this.notRecorded += 1;
      return { record: false };
    }
    this.recorded.record(now);
    const notRecordedBefore = this.notRecorded;
    this.notRecorded = 0;
    return { record: true, notRecordedBefore };
  }
}
