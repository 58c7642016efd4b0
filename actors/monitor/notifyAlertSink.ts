import type { HeartbeatAlertRequest } from '../../machines/heartbeat.ts';
import type { EventLog } from '../../store/port.ts';
import { type AlertSource, raiseAlert, resolveAlert } from '../notify/outbox.ts';
import type { HeartbeatAlertSink } from './heartbeatActor.ts';

/**
 * The heartbeat machine's alert requests, written to the outbox (the alerts
 * stream) for the host's notifier to deliver. An escalation carries its own
 * severity, CRITICAL, over the table's WARNING (S6.2).
 */
export function notifyAlertSink(log: EventLog, source: AlertSource): HeartbeatAlertSink {
  return {
    async send(request: HeartbeatAlertRequest) {
      const input = { type: request.alertType, message: request.message, dedupeKey: request.dedupeKey, correlationId: request.correlationId };
      if (request.action === 'resolve') await resolveAlert(log, source, input);
      else await raiseAlert(log, source, request.severity ? { ...input, severity: request.severity } : input);
    },
  };
}
