import { randomUUID } from 'node:crypto';
import type { QueuedAlert } from './alertModel.ts';
import { classify, } from './alertTypes.ts';
import type { Alert } from './outbox.ts';

/** Alerts the notifier raises itself: its own channel's outage, and alerts that cannot reach the log. */

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
