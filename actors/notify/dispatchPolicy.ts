import { alertsOf, isUrgent, type Notification, type NotificationKind, type QueuedAlert } from './alertModel.ts';
import { renderNotification } from './alertMessages.ts';
import { ESCALATED_SUFFIX } from '../../machines/heartbeat.ts';
import { DEFAULT_THROTTLE, SendLedger, type ThrottleRules } from './throttle.ts';

/**
 * The decision core of the alert pipeline, after Prometheus Alertmanager
 * (S7.1). Pure: no timers, no I/O; time comes in as data. The notifier asks
 * `plan(now)` what to do, performs it, and reports back with `delivered` or
 * `failed`. Replaying the same inputs gives the same decisions, which is how a
 * restart rebuilds it from the `alerts` stream.
 */
export interface DispatchRules extends ThrottleRules {
  /** Non-critical alerts wait this long for company before going out as one message. */
  groupWaitMs: number;
  /** The same dedupe key is not notified again within this interval (unless resolved). */
  repeatIntervalMs: number;
  /** A group lists this many alerts line by line; the rest are counted in "+N more". */
  maxDetailed: number;
  /** Delivery retry backoff: base × 2^(failures − 1), capped. A 429 retry_after overrides it. */
  backoffBaseMs: number;
  backoffMaxMs: number;
}

export const DEFAULT_RULES: DispatchRules = {
  ...DEFAULT_THROTTLE,
  groupWaitMs: 10_000,
  repeatIntervalMs: 4 * 3_600_000,
  maxDetailed: 10,
  backoffBaseMs: 1_000,
  backoffMaxMs: 60_000,
};

/**
 * Escalation happens in one place, the machine that owns the alert (the
 * heartbeat's degraded spell, S6.2); the policy only knows the escalated key
 * belongs to its base key's episode.
 */
export { ESCALATED_SUFFIX };

export type Render = (input: { kind: NotificationKind; detailed: QueuedAlert[]; summarised: QueuedAlert[]; sentAt: number }) => string[];

export type Intake = { verdict: 'queued' } | { verdict: 'duplicate'; of: string };

export interface Plan {
  /** The notification to send now; the policy holds it in flight until delivered() or failed(). */
  send?: Notification;
  /** Alerts held back by the throttle for the first time: each gets a THROTTLED bead. */
  throttled: QueuedAlert[];
  /** Ask again at this time if nothing else happens first. */
  wakeAt?: number;
}

export class DispatchPolicy {
  readonly rules: DispatchRules;
  private readonly ledger: SendLedger;
  private pending: QueuedAlert[] = [];
  private readonly throttledIds = new Set<string>();
  private readonly failures = new Map<string, number>();
  private readonly firing = new Map<string, { alertId: string; at: number }>();
  private readonly resolvedKeys = new Map<string, { alertId: string; at: number }>();
  private inFlight: Notification | undefined;
  private resume: Notification | undefined;
  private blockedUntil = Number.NEGATIVE_INFINITY;
  private consecutiveFailures = 0;
  private seq = 0;
  private lastSweepAt = Number.NEGATIVE_INFINITY;

  constructor(
    rules: Partial<DispatchRules> = {},
    private readonly render: Render = renderNotification,
  ) {
    this.rules = { ...DEFAULT_RULES, ...rules };
    this.ledger = new SendLedger(this.rules);
  }

  /** Takes in a RAISED or RESOLVED alert, in log order. */
  accept(alert: QueuedAlert): Intake {
    const key = alert.dedupeKey;
    if (alert.resolved) {
      const earlier = this.resolvedKeys.get(key);
      if (earlier && alert.raisedAt - earlier.at < this.rules.repeatIntervalMs) {
        return { verdict: 'duplicate', of: earlier.alertId };
      }
      this.resolvedKeys.set(key, { alertId: alert.alertId, at: alert.raisedAt });
      // A resolution ends the episode: the next firing of this key is news again.
      this.firing.delete(key);
      this.firing.delete(key + ESCALATED_SUFFIX);
    } else {
      const earlier = this.firing.get(key);
      if (earlier && alert.raisedAt - earlier.at < this.rules.repeatIntervalMs) {
        return { verdict: 'duplicate', of: earlier.alertId };
      }
      this.firing.set(key, { alertId: alert.alertId, at: alert.raisedAt });
      this.resolvedKeys.delete(key);
    }
    this.pending.push(alert);
    return { verdict: 'queued' };
  }

  plan(now: number): Plan {
    this.forgetExpiredKeys(now);
    const plan: Plan = { throttled: [] };
    const wake = (at: number | undefined) => {
      if (at !== undefined) plan.wakeAt = at;
      return plan;
    };
    if (this.inFlight) return wake(undefined);
    if (now < this.blockedUntil) return wake(this.blockedUntil);
    if (this.resume) {
      plan.send = this.resume;
      this.resume = undefined;
      this.inFlight = plan.send;
      return plan;
    }
    const urgent = this.pending.filter(isUrgent);
    if (urgent.length > 0) return this.take(plan, now, 'critical', urgent, urgent, []);
    if (this.pending.length === 0) return wake(undefined);
    const dueAt = this.pending.reduce((min, a) => Math.min(min, a.raisedAt), Number.POSITIVE_INFINITY) + this.rules.groupWaitMs;
    if (now < dueAt) return wake(dueAt);
    const allowedAt = this.ledger.nextAllowedAt(now);
    if (now < allowedAt) {
      plan.throttled = this.pending.filter((a) => !this.throttledIds.has(a.alertId));
      for (const a of plan.throttled) this.throttledIds.add(a.alertId);
      return wake(allowedAt);
    }
    const group = [...this.pending];
    return this.take(plan, now, 'group', group, group.slice(0, this.rules.maxDetailed), group.slice(this.rules.maxDetailed));
  }

  /** Every part of the in-flight notification reached the chat. */
  delivered(n: Notification, now: number): void {
    this.inFlight = undefined;
    this.consecutiveFailures = 0;
    this.ledger.record(now);
    for (const a of alertsOf(n)) this.settle(a.alertId);
  }

  /**
   * The in-flight notification failed. Its alerts go back to the queue (to be
   * re-planned, perhaps merged with newer ones), unless some parts already
   * reached the chat: then only the rest is retried, so nothing is sent twice.
   */
  failed(n: Notification, now: number, retryAfterMs?: number): { retryAt: number } {
    this.inFlight = undefined;
    this.consecutiveFailures += 1;
    const backoff = Math.min(this.rules.backoffBaseMs * 2 ** (this.consecutiveFailures - 1), this.rules.backoffMaxMs);
    this.blockedUntil = now + (retryAfterMs ?? backoff);
    for (const a of alertsOf(n)) this.failures.set(a.alertId, (this.failures.get(a.alertId) ?? 0) + 1);
    if (n.sentParts > 0) this.resume = n;
    else this.pending = [...alertsOf(n), ...this.pending];
    return { retryAt: this.blockedUntil };
  }

  /** How many delivery attempts of this alert have failed so far. */
  failuresOf(alertId: string): number {
    return this.failures.get(alertId) ?? 0;
  }

  // Restore: a restart replays the alerts stream through accept() and these.

  /** The alert already has a terminal bead (delivered, or folded into another). */
  settle(alertId: string): void {
    this.pending = this.pending.filter((a) => a.alertId !== alertId);
    this.throttledIds.delete(alertId);
    this.failures.delete(alertId);
  }

  noteThrottled(alertId: string): void {
    this.throttledIds.add(alertId);
  }

  noteFailure(alertId: string): void {
    this.failures.set(alertId, (this.failures.get(alertId) ?? 0) + 1);
  }

  notePastSend(at: number): void {
    this.ledger.record(at);
  }

  get queued(): readonly QueuedAlert[] {
    return this.pending;
  }

  get busy(): boolean {
    return this.inFlight !== undefined;
  }

  private take(plan: Plan, now: number, kind: NotificationKind, alerts: QueuedAlert[], detailed: QueuedAlert[], summarised: QueuedAlert[]): Plan {
    const taken = new Set(alerts.map((a) => a.alertId));
    this.pending = this.pending.filter((a) => !taken.has(a.alertId));
    this.seq += 1;
    const parts = this.render({ kind, detailed, summarised, sentAt: now });
    plan.send = { seq: this.seq, kind, detailed, summarised, parts, sentParts: 0, messageIds: [] };
    this.inFlight = plan.send;
    return plan;
  }

  /** Dedupe memory only matters within the repeat interval; without this it would grow for ever. */
  private forgetExpiredKeys(now: number): void {
    if (now - this.lastSweepAt < this.rules.windowMs) return;
    this.lastSweepAt = now;
    const horizon = now - this.rules.repeatIntervalMs;
    for (const [key, entry] of this.firing) if (entry.at <= horizon) this.firing.delete(key);
    for (const [key, entry] of this.resolvedKeys) if (entry.at <= horizon) this.resolvedKeys.delete(key);
  }
}
