import { randomUUID } from 'node:crypto';
import type { QueuedAlert } from './alertModel.ts';
import { classify, isAlertType } from './alertTypes.ts';
import { ESCALATED_SUFFIX } from './dispatchPolicy.ts';
import type { Alert } from './outbox.ts';

/** Alerts the notifier raises itself: escalations, its own channel's outage, and alerts that cannot reach the log. */

/** The CRITICAL re-raise of a WARNING left unresolved past its escalation time (S6.2). */
export function escalationOf(alert: QueuedAlert, now: number): Alert & { severity: 'CRITICAL' } {
  const minutes = Math.round((now - alert.raisedAt) / 60_000);
  return {
    type: 'alert',
    alertType: isAlertType(alert.type) ? alert.type : 'HEALTH_DEGRADED',
    message: `Still unresolved after ${minutes} min: ${alert.message}`,
    dedupeKey: alert.dedupeKey + ESCALATED_SUFFIX,
    correlationId: alert.correlationId,
    causationId: alert.beadId,
    severity: 'CRITICAL',
  };
}

export function channelDownInput(hostId: string, dedupeKey: string, downForMs: number, error: string): Alert {
  return {
    type: 'alert',
    alertType: 'TELEGRAM_DOWN',
    message: `The Telegram Bot API has failed every delivery for ${Math.round(downForMs / 1000)} s (last: ${error}). Alerts are kept in the log and will be delivered when it answers again.`,
    dedupeKey,
    correlationId: `notify-${hostId}`,
  };
}

export function channelBackInput(hostId: string, dedupeKey: string): Alert {
  return {
    type: 'alert',
    alertType: 'TELEGRAM_DOWN',
    action: 'resolve',
    message: 'Telegram answers again; alerts queued during the outage follow.',
    dedupeKey,
    correlationId: `notify-${hostId}`,
  };
}

/** An alert that exists only in memory, for when the log itself cannot be written (S2 fail closed). */
export function offLogAlert(input: Omit<Alert, 'causationId'>, now: number): QueuedAlert {
  const cls = classify(input.alertType);
  const details = Object.entries(input.details ?? {}).map(([k, v]) => `${k}: ${v}`);
  const id = `off-log-${randomUUID()}`;
  return {
    alertId: id,
    beadId: id,
    raisedAt: now,
    type: input.alertType,
    severity: input.severity ?? cls.severity,
    resolved: cls.resolves !== undefined,
    title: cls.title,
    message: [input.message, ...details].join('\n'),
    runbookId: cls.runbook,
    dedupeKey: input.dedupeKey,
    correlationId: input.correlationId,
  };
}
