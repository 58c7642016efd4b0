import { type BeadOf, streams } from '../../beads/index.ts';
import type { BeadWriter } from '../../runtime/beadWriter.ts';
import type { EventLog } from '../../store/port.ts';

/**
 * The one writer of ALERT_LABEL beads (S11 Phase 2, issue 14): an
 * operator's word that an alert was useful or noise, from the terminal
 * (`phoenix alerts label`) or the button on the alert's Telegram message.
 * The alert must be one the log raised; a later label replaces an earlier
 * one in the figures (a person may change their mind).
 */

export type AlertLabel = 'USEFUL' | 'NOISE';

export type LabelOutcome =
  | { ok: true; bead: BeadOf<'ALERT_LABEL'>; alert: BeadOf<'ALERT'> }
  | { ok: false; code: 'UNKNOWN_ALERT' | 'AMBIGUOUS'; why: string };

/** The RAISED bead of an alert, by its id or a unique prefix of it (at least 6 characters). */
export async function findRaisedAlert(log: EventLog, idOrPrefix: string): Promise<{ alert?: BeadOf<'ALERT'>; matches: number }> {
  const wanted = idOrPrefix.trim();
  const found = new Map<string, BeadOf<'ALERT'>>();
  for (const entry of await log.readStream(streams.alerts)) {
    if (entry.kind !== 'bead' || entry.bead.bead_type !== 'ALERT' || entry.bead.data.event !== 'RAISED') continue;
    const id = entry.bead.data.alert_id;
    if (id === wanted || (wanted.length >= 6 && id.startsWith(wanted))) found.set(id, entry.bead);
  }
  const exact = found.get(wanted);
  if (exact) return { alert: exact, matches: 1 };
  return found.size === 1 ? { alert: [...found.values()][0]!, matches: 1 } : { matches: found.size };
}

export async function appendAlertLabel(
  writer: BeadWriter,
  o: { alertId: string; label: AlertLabel; who: string; channel: 'TERMINAL' | 'TELEGRAM'; note?: string },
): Promise<LabelOutcome> {
  const { alert, matches } = await findRaisedAlert(writer.log, o.alertId);
  if (!alert) {
    return matches > 1
      ? { ok: false, code: 'AMBIGUOUS', why: `${matches} alerts start with ${JSON.stringify(o.alertId)}: give more of the id (phoenix alerts list)` }
      : { ok: false, code: 'UNKNOWN_ALERT', why: `no alert ${JSON.stringify(o.alertId)} was raised in this log (phoenix alerts list)` };
  }
  const bead = (await writer.append({
    bead_type: 'ALERT_LABEL',
    stream: streams.alertLabels,
    correlation_id: alert.correlation_id,
    causation_id: alert.bead_id,
    data: { alert_id: alert.data.alert_id, alert_type: alert.data.alert_type, label: o.label, who: o.who, channel: o.channel, ...(o.note ? { note: o.note } : {}) },
  })) as BeadOf<'ALERT_LABEL'>;
  return { ok: true, bead, alert };
}
