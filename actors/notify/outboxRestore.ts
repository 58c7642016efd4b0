import type { Bead } from '../../beads/index.ts';
import type { LogEntry, LogPosition } from '../../store/port.ts';
import type { QueuedAlert } from './alertModel.ts';
import type { DispatchPolicy } from './dispatchPolicy.ts';
import { type AlertBead, isAlertBead, queuedAlertOf } from './outbox.ts';

/** Which RAISED beads a notifier delivers. Host and watchdog share a log but each sends its own. */
export type Ownership = (bead: Bead) => boolean;

export interface Restored {
  /** The last position read from the alerts stream: live intake continues after it. */
  lastPosition: LogPosition | undefined;
  /** Duplicates decided on replay whose GROUPED bead never got written (a crash in between). */
  unrecordedDuplicates: { alert: QueuedAlert; of: string }[];
}

/**
 * Rebuilds the policy from the alerts stream after a restart: replaying the
 * intake gives back the same dedupe and grouping decisions, and the delivery
 * beads say what already reached the chat. What is left queued is exactly the
 * RAISED alerts without a terminal bead: nothing is lost across a restart.
 */
export function restorePolicy(policy: DispatchPolicy, entries: readonly LogEntry[], owns: Ownership): Restored {
  let lastPosition: LogPosition | undefined;
  const duplicates = new Map<string, { alert: QueuedAlert; of: string }>();
  const pastSends = new Set<string>();
  for (const entry of entries) {
    lastPosition = entry.position;
    if (entry.kind !== 'bead' || !isAlertBead(entry.bead)) continue;
    const bead: AlertBead = entry.bead;
    const id = bead.data.alert_id;
    switch (bead.data.event) {
      case 'RAISED':
      case 'RESOLVED': {
        if (!owns(bead)) break;
        const alert = queuedAlertOf(bead);
        const intake = policy.accept(alert);
        if (intake.verdict === 'duplicate') duplicates.set(id, { alert, of: intake.of });
        break;
      }
      case 'SENT': {
        policy.settle(id);
        const message = bead.data.delivered_as;
        if (message && !pastSends.has(message)) {
          pastSends.add(message);
          policy.notePastSend(Date.parse(bead.ts));
        }
        break;
      }
      case 'GROUPED':
        policy.settle(id);
        duplicates.delete(id);
        break;
      case 'THROTTLED':
        policy.noteThrottled(id);
        break;
      case 'FAILED':
        policy.noteFailure(id);
        break;
      default:
        break;
    }
  }
  return { lastPosition, unrecordedDuplicates: [...duplicates.values()] };
}
