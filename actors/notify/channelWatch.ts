import type { LogEntry } from '../../store/port.ts';
import { isAlertBead } from './outbox.ts';

/** How long deliveries must keep failing before the outage itself becomes an alert. */
export const CHANNEL_DOWN_AFTER_MS = 60_000;

export const CHANNEL_DOWN_TYPE = 'TELEGRAM_DOWN';

/**
 * Watches the notifier's own channel. A Telegram outage cannot be announced on
 * Telegram, but a TELEGRAM_DOWN alert in the log reaches the dashboard at once,
 * marks the gap in the incident timeline, and is delivered (with its
 * resolution) once the channel is back, which explains why the rest came late.
 */
export class ChannelWatch {
  private failingSince: number | undefined;
  private raised = false;

  constructor(readonly dedupeKey: string) {}

  /** After a restart: an outage raised and never resolved is still open. */
  restore(entries: readonly LogEntry[]): void {
    for (const entry of entries) {
      if (entry.kind !== 'bead' || !isAlertBead(entry.bead)) continue;
      const d = entry.bead.data;
      if (d.alert_type !== CHANNEL_DOWN_TYPE || d.dedupe_key !== this.dedupeKey) continue;
      if (d.event === 'RAISED') this.raised = true;
      if (d.event === 'RESOLVED') this.raised = false;
    }
  }

  /** A delivery failed; says whether the outage has now lasted long enough to raise. */
  failed(now: number): boolean {
    this.failingSince ??= now;
    if (this.raised || now - this.failingSince < CHANNEL_DOWN_AFTER_MS) return false;
    this.raised = true;
    return true;
  }

  /** A delivery succeeded; says whether an open outage alert should now be resolved. */
  delivered(): boolean {
    this.failingSince = undefined;
    if (!this.raised) return false;
    this.raised = false;
    return true;
  }

  get downFor(): (now: number) => number {
    return (now) => (this.failingSince === undefined ? 0 : now - this.failingSince);
  }
}
