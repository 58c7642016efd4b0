import type { BeadOf, Mode } from '../../beads/index.ts';
import type { KillSwitchEvent } from '../../machines/killswitch.ts';
import type { HumanActor } from '../../machines/types.ts';
import type { AlertSink } from '../notify/outbox.ts';
import type { SubmitResult } from '../broker/submitGuards.ts';
import type { BeadWriter } from '../../runtime/beadWriter.ts';
import type { Logger } from '../../runtime/logger.ts';
import type { Timers } from '../../runtime/timers.ts';
import { ChainedLog } from '../../runtime/chain/chainedLog.ts';
import { isSealed } from '../../runtime/chain/seal.ts';
import { clearAnswerDrafts, clearCounts, judgeClear } from './clearTrust.ts';
import { type ClearRider, type KillFlag, KillSwitchLedger, type LedgerOutcome } from './killSwitchLedger.ts';

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
  /** A person's clear, heard by the host itself (Telegram /resume). In LIVE it needs a verified TOTP proof (issue 17). */
  clear(by: HumanActor, reason: string, proof?: ClearRider['proof']): Promise<LedgerOutcome>;
  /** Judges a clear another process wrote (`phoenix resume`), and answers it (issue 17). */
  answerClear(bead: BeadOf<'KILL_FLAG'>): Promise<void>;
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
  /** PHOENIX_HOME, where enrolled operators are kept: a LIVE clear's TOTP proof is verified against them. */
  homeDir?: string;
  clock?: { now(): number };
}

export async function startKillSwitch(deps: KillSwitchDeps): Promise<KillSwitch> {
  const logger = deps.logger.child({ actor: 'killswitch' });
  const chained = deps.writer.log instanceof ChainedLog;
  const ledger = await KillSwitchLedger.load({
    writer: deps.writer,
    logger,
    counts: clearCounts(deps.mode, chained),
    raiseAlert: (a) => deps.alerts.raise(a),
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
  const answered = new Set<string>();
  const withCause = (cause: string | undefined) => (cause === undefined ? {} : { cause });
  return {
    killFlag: () => ledger.killFlag(),
    describe: () => ledger.describe(),
    halt: (by, reason, cause) => send({ type: 'HALT', by, reason, ...withCause(cause) }),
    guardViolation: (reason, cause) => send({ type: 'GUARD_VIOLATION', reason, ...withCause(cause) }),
    driftDetected: (reason, cause) => send({ type: 'DRIFT_DETECTED', mode: deps.mode, reason, ...withCause(cause) }),
    logUnavailable: (reason) => send({ type: 'LOG_UNAVAILABLE', reason }),
    fromSubmitResult: async (result) => (result.outcome === 'REFUSED' && result.killFlag ? send(result.killFlag) : undefined),
    clear: async (by, reason, proof) => {
      if (deps.mode === 'LIVE' && proof?.method !== 'TOTP') {
        return { kind: 'refused', why: 'in LIVE clearing the kill flag needs a fresh TOTP code: use phoenix resume at the terminal', flag: ledger.killFlag() };
      }
      return ledger.request({ type: 'CLEAR', by, reason }, proof ? { proof } : {});
    },
    answerClear: async (bead) => {
      if ((chained && isSealed(bead)) || answered.has(bead.bead_id) || bead.data.state !== 'CLEARED') return;
      answered.add(bead.bead_id);
      const verdict = judgeClear(bead, { mode: deps.mode, homeDir: deps.homeDir, now: (deps.clock ?? Date).now() });
      if (!verdict.ok) logger.warn({ who: bead.data.who }, `SECURITY: kill-flag clear refused: ${verdict.why}`);
      for (const draft of clearAnswerDrafts(bead, verdict)) await deps.writer.write(draft).catch((err: Error) => logger.error({ err: err.message }, 'could not record the answer to a clear'));
      // In LIVE the operator's clear is a request: the host clears the flag itself, on the proof it verified.
      if (verdict.ok && deps.mode === 'LIVE' && ledger.killFlag() === 'SET') {
        await ledger.request({ type: 'CLEAR', by: { kind: 'human', channel: 'CLI', id: verdict.operator }, reason: bead.data.reason }, { cause: bead.bead_id, proof: { method: 'TOTP', operator: verdict.operator, ...(verdict.step === undefined ? {} : { step: verdict.step }) } });
      }
    },
    catchUp: () => ledger.catchUp(),
    recordedUpTo: () => ledger.revision,
    onChange: (listener) => ledger.onChange(listener),
    stop: () => {
      stopped = true;
      cancelRetry?.();
    },
  };
}
