import { streams } from '../../beads/index.ts';
import type { Clock } from '../../runtime/clock.ts';
import type { BeadWriter } from '../../runtime/beadWriter.ts';
import type { Logger } from '../../runtime/logger.ts';
import type { BrokerRefusal } from './inboundChecks.ts';

/**
 * A broker message refused at the boundary is said in the log and recorded
 * as a SECURITY bead, channel BROKER (S14). Why SECURITY and not a bead type
 * of its own: S1 defines SECURITY as "a refused command or callback: who,
 * channel, why", S14 names broker messages a boundary like Telegram's, and
 * the dashboard already counts SECURITY beads by channel in /metrics; a new
 * type would have had every projection learn it for the same three fields.
 *
 * Each refusal is recorded once per key in this process (a gateway that
 * repeats a bad tick is one bead), and at most PER_MINUTE a minute: past
 * that they are counted, and the next bead recorded says how many.
 */
export const PER_MINUTE = 20;

export class RefusalRecorder {
  private readonly seen = new Set<string>();
  private windowStart = -Infinity;
  private inWindow = 0;
  private skipped = 0;

  constructor(
    private readonly writer: BeadWriter,
    private readonly clock: Clock,
    private readonly logger: Logger,
    /** Who spoke: the gateway, as host:port. */
    private readonly who: string,
    private readonly correlationId: string,
  ) {}

  /** Logs the refusal and records it; never throws (a refusal must not become a failure of its own). */
  record(r: BrokerRefusal): void {
    this.logger.warn({ message: r.message, why: r.why, detail: r.detail }, `refused a ${r.message} message from the gateway: ${r.why}`);
    if (this.seen.has(r.key)) return;
    this.seen.add(r.key);
    const now = this.clock.now();
    if (now - this.windowStart >= 60_000) {
      this.windowStart = now;
      this.inWindow = 0;
    }
    if (this.inWindow >= PER_MINUTE) {
      this.skipped += 1;
      return;
    }
    this.inWindow += 1;
    const note = this.skipped > 0 ? `; ${this.skipped} earlier refusals were counted, not recorded one by one (more than ${PER_MINUTE} a minute)` : '';
    this.skipped = 0;
    this.writer
      .write({
        bead_type: 'SECURITY',
        stream: streams.security,
        correlation_id: this.correlationId,
        data: { who: this.who, channel: 'BROKER', why: `${r.message} refused: ${r.why}`, detail: `${r.detail}${note}` },
      })
      .catch((err: Error) => this.logger.error({ err: err.message, why: r.why }, 'could not record a refused broker message'));
  }
}
