import type { Mode } from '../../beads/index.ts';
import type { KillSwitchEvent } from '../../machines/killswitch.ts';
import type { HumanActor } from '../../machines/types.ts';
import type { AlertSink } from '../broker/connectionActor.ts';
import type { SubmitResult } from '../broker/submitGuards.ts';
import type { BeadWriter } from '../../runtime/beadWriter.ts';
import type { Logger } from '../../runtime/logger.ts';
import type { Timers } from '../../runtime/timers.ts';
import { type KillFlag, KillSwitchLedger, type LedgerOutcome } from './killSwitchLedger.ts';

/**
 * The host's kill switch: the ledger restored from the `killswitch` stream at
 * start, the `killFlag()` port the submit guard reads, and one method per
 * source that may SET it (S3.5). Clearing is a person's act and arrives
 * through the log (`phoenix resume`, Telegram /resume); `clear` is what those
 * boundaries call.
 */
export interface KillSwitch {
  /** The submit guard's port: SET refuses every new entry. */
  killFlag(): KillFlag;
  describe(): string;
  halt(by: HumanActor, reason: string, cause?: string): Promise<LedgerOutcome>;
  guardViolation(reason: string, cause?: string): Promise<LedgerOutcome>;
  /** Reconciliation found drift; only in LIVE does it SET the flag (the machine decides on the process's mode). */
  driftDetected(reason: string, cause?: string): Promise<LedgerOutcome>;
  logUnavailable(reason: string): Promise<LedgerOutcome>;
  /** Forwards what the submit chain asked of the kill switch (a guard violation, an unwritable log), if anything. */
  fromSubmitResult(result: SubmitResult): Promise<LedgerOutcome | undefined>;
  clear(by: HumanActor, reason: string): Promise<LedgerOutcome>;
  /** Reads what other processes appended to the stream. */
  catchUp(): Promise<void>;
  /** The killswitch stream revision the flag reflects (-1: no stream yet). */
  recordedUpTo(): number;
  onChange(listener: (flag: KillFlag) => void): () => void;
  stop(): void;
}

export interface KillSwitchDeps {
  writer: BeadWriter;
  mode: Mode;
  alerts: AlertSink;
  logger: Logger;
  timers: Timers;
  /** How often a SET the log refused is tried again (real ms; default 5 s). */
  retryMs?: number;
}

export async function startKillSwitch(deps: KillSwitchDeps): Promise<KillSwitch> {
  const logger = deps.logger.child({ actor: 'killswitch' });
  const ledger = await KillSwitchLedger.load({
    writer: deps.writer,
    logger,
    raiseAlert: (a) => deps.alerts.raise({ type: a.alertType, message: a.message, dedupeKey: a.dedupeKey, correlationId: a.correlationId }),
  });
  logger.info({ flag: ledger.killFlag(), state: ledger.describe() }, 'kill switch restored from the killswitch stream');
  ledger.onChange((flag) => logger.warn({ flag, state: ledger.describe() }, `kill flag ${flag}`));

  const retryMs = deps.retryMs ?? 5_000;
  let cancelRetry: (() => void) | undefined;
  let stopped = false;
  const scheduleRetry = () => {
    if (stopped) return;
    cancelRetry = deps.timers.set(retryMs, () => {
      void ledger.retryUnrecorded().finally(scheduleRetry);
    });
  };
  scheduleRetry();

  const send = (event: KillSwitchEvent) => ledger.request(event);
  const withCause = (cause: string | undefined) => (cause === undefined ? {} : { cause });
  return {
    killFlag: () => ledger.killFlag(),
    describe: () => ledger.describe(),
    halt: (by, reason, cause) => send({ type: 'HALT', by, reason, ...withCause(cause) }),
    guardViolation: (reason, cause) => send({ type: 'GUARD_VIOLATION', reason, ...withCause(cause) }),
    driftDetected: (reason, cause) => send({ type: 'DRIFT_DETECTED', mode: deps.mode, reason, ...withCause(cause) }),
    logUnavailable: (reason) => send({ type: 'LOG_UNAVAILABLE', reason }),
    fromSubmitResult: async (result) => (result.outcome === 'REFUSED' && result.killFlag ? send(result.killFlag) : undefined),
    clear: (by, reason) => send({ type: 'CLEAR', by, reason }),
    catchUp: () => ledger.catchUp(),
    recordedUpTo: () => ledger.revision,
    onChange: (listener) => ledger.onChange(listener),
    stop: () => {
      stopped = true;
      cancelRetry?.();
    },
  };
}
