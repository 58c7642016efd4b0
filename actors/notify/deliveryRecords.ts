import type { Bead } from '../../beads/index.ts';
import { alertsOf, type Notification, type QueuedAlert } from './alertModel.ts';
import { type AlertSource, deliveryBead } from './outbox.ts';

/**
 * The delivery beads the notifier writes: one per alert per step, so the log
 * answers "what happened to alert X" without reading message texts.
 */

export type Attempts = ReadonlyMap<string, number>;

export function throttledBeads(source: AlertSource, alerts: readonly QueuedAlert[]): Bead[] {
  return alerts.map((a) => deliveryBead(source, a, 'THROTTLED', { message: 'held back by the chat throttle; will go out in a later message' }));
}

export function groupedBead(source: AlertSource, alert: QueuedAlert, of: string): Bead {
  return deliveryBead(source, alert, 'GROUPED', {
    message: `repeat of alert ${of} within the repeat interval; not sent again`,
    deliveredAs: `duplicate-of:${of}`,
  });
}

export function retriedBeads(source: AlertSource, alerts: readonly QueuedAlert[], attempts: Attempts): Bead[] {
  return alerts
    .filter((a) => attempts.get(a.alertId)! > 1)
    .map((a) => deliveryBead(source, a, 'RETRIED', { message: 'delivery retried', attempt: attempts.get(a.alertId)! }));
}

export function failedBeads(source: AlertSource, alerts: readonly QueuedAlert[], attempts: Attempts, error: string, waitMs: number): Bead[] {
  const message = `delivery failed; retry in ${Math.round(waitMs / 1000)} s`;
  return alerts.map((a) => deliveryBead(source, a, 'FAILED', { message, attempt: attempts.get(a.alertId)!, error }));
}

export function sentBeads(source: AlertSource, n: Notification, deliveredAs: string, attempts: Attempts): Bead[] {
  const alerts = alertsOf(n);
  const summarised = new Set(n.summarised.map((a) => a.alertId));
  const how = (a: QueuedAlert) =>
    n.kind === 'critical'
      ? 'sent at once (CRITICAL)'
      : summarised.has(a.alertId)
        ? `counted in the summary of a message for ${alerts.length} alerts`
        : `sent in a message for ${alerts.length} alert${alerts.length === 1 ? '' : 's'}`;
  return alerts.map((a) => deliveryBead(source, a, 'SENT', { message: how(a), attempt: attempts.get(a.alertId)!, deliveredAs }));
}
