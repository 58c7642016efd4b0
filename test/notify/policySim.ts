import type { Notification, QueuedAlert } from '../../actors/notify/alertModel.ts';
import { type AlertType, classify } from '../../actors/notify/alertTypes.ts';
import type { DispatchPolicy, } from '../../actors/notify/dispatchPolicy.ts';

/** What the simulated Bot API does with the next send: deliver, fail, 429, or fail after some parts. */
export type Outcome = { kind: 'ok' } | { kind: 'fail' } | { kind: 'retryAfter'; ms: number } | { kind: 'failAtPart'; part: number };

export interface RaiseStep {
  gapMs: number;
  type: AlertType;
  key: number;
  resolved: boolean;
  long: boolean;
}

export interface Delivery {
  at: number;
  notification: Notification;
  /** Part indexes delivered by this attempt. */
  parts: number[];
  complete: boolean;
}

/**
 * Drives the pure policy the way the notifier does, with delivery taking no
 * time. Records every accepted alert and every delivered part.
 */
export class PolicySim {
  now = 0;
  readonly accepted: { alert: QueuedAlert; duplicateOf?: string }[] = [];
  readonly deliveries: Delivery[] = [];
  readonly throttled: { at: number; alert: QueuedAlert }[] = [];
  private nextId = 0;

  constructor(
    readonly policy: DispatchPolicy,
    private readonly outcomes: Outcome[] = [],
  ) {}

  raise(step: RaiseStep): QueuedAlert {
    this.runUntil(this.now + step.gapMs);
    const cls = classify(step.type);
    const alert = this.makeAlert({
      type: step.type,
      severity: cls.severity,
      resolved: step.resolved,
      dedupeKey: `${step.type}:${step.key}`,
      message: step.long ? 'x'.repeat(5000) : `${step.type} #${this.nextId}`,
      runbookId: cls.runbook,
    });
    this.accept(alert);
    return alert;
  }

  accept(alert: QueuedAlert): void {
    const intake = this.policy.accept(alert);
    this.accepted.push(intake.verdict === 'duplicate' ? { alert, duplicateOf: intake.of } : { alert });
    this.runUntil(this.now);
  }

  /** Processes everything due up to `until`, then sets the clock there. */
  runUntil(until: number): void {
    for (let guard = 0; guard < 100_000; guard++) {
      const plan = this.policy.plan(this.now);
      for (const alert of plan.throttled) this.throttled.push({ at: this.now, alert });
      if (plan.send) {
        this.deliver(plan.send);
        continue;
      }
      if (plan.wakeAt !== undefined && plan.wakeAt <= until) {
        this.now = Math.max(this.now, plan.wakeAt);
        continue;
      }
      this.now = Math.max(this.now, until);
      return;
    }
    throw new Error('policy did not settle');
  }

  private deliver(n: Notification): void {
    const outcome = this.outcomes.shift() ?? { kind: 'ok' };
    const from = n.sentParts;
    if (outcome.kind === 'ok') {
      n.sentParts = n.parts.length;
      this.deliveries.push({ at: this.now, notification: n, parts: range(from, n.parts.length), complete: true });
      this.policy.delivered(n, this.now);
      return;
    }
    if (outcome.kind === 'failAtPart' && from + outcome.part < n.parts.length) {
      n.sentParts = from + outcome.part;
      if (n.sentParts > from) {
        this.deliveries.push({ at: this.now, notification: n, parts: range(from, n.sentParts), complete: false });
      }
    }
    this.policy.failed(n, this.now, outcome.kind === 'retryAfter' ? outcome.ms : undefined);
  }

  private makeAlert(fields: Omit<QueuedAlert, 'alertId' | 'raisedAt' | 'correlationId' | 'beadId' | 'title'> & { title?: string }): QueuedAlert {
    this.nextId += 1;
    const id = `a${this.nextId}`;
    return {
      title: classify(fields.type as AlertType).title,
      ...fields,
      alertId: id,
      raisedAt: this.now,
      correlationId: `c-${id}`,
      beadId: `b-${id}`,
    };
  }
}

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from }, (_, i) => from + i);
}
