import { type Bead, type BeadOf, streams } from '../../beads/index.ts';
import type { EventLog, LogPosition } from '../../store/port.ts';
import { uuidV7Ids } from '../../store/ids.ts';
import { type BeadIdentity, BeadWriter, stampBead } from '../../runtime/beadWriter.ts';
import type { QueuedAlert } from './alertModel.ts';
import type { AlertRequest } from '../../machines/types.ts';
import { ALERT_TYPES, type AlertClass, type AlertType, classify, type Severity } from './alertTypes.ts';

/**
 * ALERT beads are the outbox (S7.1). Raising an alert is appending a RAISED
 * bead to the `alerts` stream; the notifier picks it up from the log, so an
 * alert raised by any actor, or by another process on the same log, is never
 * lost to a crash between "decided to alert" and "told the operator".
 */

/** Who writes the bead and when: the identity every bead carries. */
export type AlertSource = BeadIdentity;

/** The one alert request (machines/types.ts), for any type in the classification table. */
export type Alert = AlertRequest<AlertType>;

/** The one alert sink: every actor raises through it, and it is the outbox. */
export interface AlertSink {
  raise(request: Alert): Promise<unknown>;
}

/** Beads are the record, not a dump: a runaway message is cut rather than bloating the log. */
const MAX_STORED_MESSAGE = 16_000;

export type AlertBead = BeadOf<'ALERT'>;

/**
 * Appends a RAISED bead, or a RESOLVED notice ("RESOLVED: <title of type>",
 * and the dedupe key is news again) when the request resolves, or when its
 * type is one that announces the end of another (CONNECTION_RESTORED).
 */
export async function raiseAlert(log: EventLog, source: AlertSource, request: Alert): Promise<{ alertId: string; position: LogPosition }> {
  const cls = classify(request.alertType);
  const resolves = request.action === 'resolve' || cls.resolves !== undefined;
  return appendAlert(log, source, request, resolves ? 'RESOLVED' : 'RAISED', (!resolves && request.severity) || cls.severity);
}

/** The outbox as the alert sink, for one writer's identity. */
export function outboxSink(log: EventLog, source: AlertSource): AlertSink {
  return { raise: (request) => raiseAlert(log, source, request) };
}

async function appendAlert(
  log: EventLog,
  source: AlertSource,
  input: Alert,
  event: 'RAISED' | 'RESOLVED',
  severity: Severity,
): Promise<{ alertId: string; position: LogPosition }> {
  const bead = alertBead(source, input, event, severity);
  const result = await new BeadWriter({ ...source, log }).appendStamped([bead]);
  return { alertId: bead.data.alert_id, position: result.position };
}

function alertBead(source: AlertSource, input: Alert, event: 'RAISED' | 'RESOLVED', severity: Severity): AlertBead {
  const beadId = (source.ids ?? uuidV7Ids).next();
  const details = Object.entries(input.details ?? {}).map(([k, v]) => `${k}: ${v}`);
  const text = [input.message, ...details].join('\n');
  const draft = {
    bead_type: 'ALERT' as const,
    stream: streams.alerts,
    correlation_id: input.correlationId,
    ...(input.causationId ? { causation_id: input.causationId } : {}),
    data: {
      event,
      alert_id: beadId,
      alert_type: input.alertType,
      severity,
      message: text.length > MAX_STORED_MESSAGE ? `${text.slice(0, MAX_STORED_MESSAGE)}… (cut)` : text,
      runbook_id: classify(input.alertType).runbook,
      dedupe_key: input.dedupeKey,
    },
  };
  return stampBead(source, draft, { beadId }) as AlertBead;
}

/** The RAISED (or RESOLVED) bead `raiseAlert` would append, without appending it. */
export function buildAlertBead(source: AlertSource, input: Alert): AlertBead {
  const cls = classify(input.alertType);
  return alertBead(source, input, cls.resolves ? 'RESOLVED' : 'RAISED', input.severity ?? cls.severity);
}

/**
 * Records an alert that was delivered outside the notifier (`phoenix telegram
 * test`): RAISED and SENT in one append, so no notifier following the log
 * ever sees it undelivered and sends it again.
 */
export async function recordDelivered(
  log: EventLog,
  source: AlertSource,
  raised: AlertBead,
  delivery: { deliveredAs: string; message: string },
): Promise<void> {
  const sent = deliveryBead(source, queuedAlertOf(raised), 'SENT', { message: delivery.message, attempt: 1, deliveredAs: delivery.deliveredAs });
  await new BeadWriter({ ...source, log }).appendStamped([raised, sent]);
}

/** Reads a RAISED / RESOLVED bead back as the policy's view of it. */
export function queuedAlertOf(bead: AlertBead): QueuedAlert {
  const d = bead.data;
  const cls = (ALERT_TYPES as Record<string, AlertClass>)[d.alert_type];
  return {
    alertId: d.alert_id,
    type: d.alert_type,
    severity: d.severity,
    resolved: d.event === 'RESOLVED',
    title: cls?.title ?? d.alert_type,
    message: d.message,
    runbookId: d.runbook_id ?? cls?.runbook ?? 'RB-?',
    dedupeKey: d.dedupe_key,
    raisedAt: Date.parse(bead.ts),
    correlationId: bead.correlation_id,
    beadId: bead.bead_id,
  };
}

export type DeliveryEvent = 'SENT' | 'GROUPED' | 'THROTTLED' | 'FAILED' | 'RETRIED';

/** A delivery bead: what happened to one alert on its way to the chat. */
export function deliveryBead(
  source: AlertSource,
  alert: QueuedAlert,
  event: DeliveryEvent,
  fields: { message: string; attempt?: number; error?: string; deliveredAs?: string },
): Bead {
  const data = {
    event,
    alert_id: alert.alertId,
    alert_type: alert.type,
    severity: alert.severity,
    message: fields.message,
    runbook_id: alert.runbookId,
    dedupe_key: alert.dedupeKey,
    ...(fields.attempt !== undefined ? { attempt: fields.attempt } : {}),
    ...(fields.error !== undefined ? { error: fields.error } : {}),
    ...(fields.deliveredAs !== undefined ? { delivered_as: fields.deliveredAs } : {}),
  };
  return stampBead(source, { bead_type: 'ALERT', stream: streams.alerts, correlation_id: alert.correlationId, causation_id: alert.beadId, data });
}

export function isAlertBead(bead: Bead): bead is AlertBead {
  return bead.bead_type === 'ALERT';
}
