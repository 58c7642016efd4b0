import { streams } from '../../beads/index.ts';
import type { RunningHost } from '../../actors/host/host.ts';
import type { EventLog } from '../../store/port.ts';

/** How long an escalated host waits for its CRITICAL to reach the operator before it exits anyway. */
const ALERT_GRACE_MS = 30_000;

/**
 * Resolves with the reason once the IB connection has ended ESCALATED (S3.1:
 * final; the reconnect attempts are spent and a person must restart the host),
 * after the CONNECTION_ESCALATED alert has been delivered, or its grace has
 * passed: the host must not exit before the operator is told why. An
 * undelivered alert stays in the outbox for the next start, and the watchdog
 * raises HOST_DOWN meanwhile.
 */
export async function connectionEscalated(host: Pick<RunningHost, 'broker'>, log: EventLog, graceMs = ALERT_GRACE_MS): Promise<string> {
  const connection = host.broker.connection;
  await connection.waitFor(['ESCALATED']);
  await connection.settled();
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline && !(await escalationDelivered(log))) await new Promise((r) => setTimeout(r, 100));
  return connection.lastReason ?? 'the reconnect attempts are spent';
}

async function escalationDelivered(log: EventLog): Promise<boolean> {
  const recent = await log.readStream(streams.alerts, { direction: 'backwards', limit: 50 });
  return recent.some((e) => e.kind === 'bead' && e.bead.bead_type === 'ALERT' && e.bead.data.alert_type === 'CONNECTION_ESCALATED' && e.bead.data.event === 'SENT');
}
