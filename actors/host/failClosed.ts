import type { Logger } from '../../runtime/logger.ts';
import type { WatchedLog } from '../../store/writability.ts';
import type { KillSwitch } from '../killswitch/killSwitchActor.ts';
import type { Alert } from '../notify/outbox.ts';

/**
 * S2 fail closed, at host level: the first append the log refuses (a full
 * disk, an EventStoreDB gone, a file made read-only) sets the kill flag in
 * memory and tells the operator from memory, through any channel still open
 * (Telegram), before anyone tries to trade. An order's write-ahead fails on
 * its own anyway; this is what makes the host *know*, and say so, even when
 * nothing was about to be sent.
 *
 * The kill switch records its SET once the log takes writes again, and the
 * flag then stays SET until a person resumes (phoenix resume, RB-005): a log
 * that came back is no proof that nothing was lost while it was gone.
 */
export interface FailClosedDeps {
  killSwitch: Pick<KillSwitch, 'logUnavailable'>;
  /** The notifier's path for the one alert the outbox cannot take. */
  raiseWithoutLog(input: Omit<Alert, 'causationId'>): void;
  logger: Logger;
  hostId: string;
  correlationId: string;
}

export function failClosedOnUnwritableLog(log: WatchedLog, deps: FailClosedDeps): () => void {
  const logger = deps.logger.child({ actor: 'fail-closed' });
  return log.onWritability((change) => {
    if (change.writable) {
      logger.warn('the event log takes writes again; the kill flag stays SET until a person resumes (phoenix resume)');
      return;
    }
    logger.error({ reason: change.reason }, 'the event log refused a write: kill flag SET in memory, no order leaves this host (S2 fail closed)');
    // The flag first: from this moment the submit guard refuses every entry.
    deps.killSwitch.logUnavailable(change.reason).catch((err: Error) => logger.error({ err: err.message }, 'the kill switch did not take the SET'));
    deps.raiseWithoutLog({
      type: 'alert', alertType: 'LOG_UNAVAILABLE',
      message:
        `Event log unavailable on ${deps.hostId}: ${change.reason}\n` +
        'The kill flag is SET in memory: no order leaves this host. It is written to the log once the log takes writes again, ' +
        'and stays SET until a person resumes (phoenix resume).',
      dedupeKey: `LOG_UNAVAILABLE:${deps.hostId}`,
      correlationId: deps.correlationId,
    });
  });
}
