import { transition } from 'xstate';
import type { z } from 'zod';
import { type Bead, type BeadDraft, type BeadOf, type ProofData, streams } from '../../beads/index.ts';
import { type KillSwitchEmitted, type KillSwitchEvent, killSwitchMachine } from '../../machines/killswitch.ts';
import { describeKillSwitch, killFlagOf, type KillSwitchSnapshot, replayKillSwitch } from '../../machines/killswitchReplay.ts';
import { type AlertRequest, emittedBy } from '../../machines/types.ts';
import { isWrongExpectedRevision } from '../../store/errors.ts';
import type { BeadWriter } from '../../runtime/beadWriter.ts';
import type { Logger } from '../../runtime/logger.ts';

/**
 * The kill switch as a decider over the `killswitch` stream (S3.5). Several
 * processes write that stream — the host (guard violations, halts it
 * executes), `phoenix resume`, `phoenix halt` with the host down — so every
 * transition is decided by the pure machine on the state the stream holds and
 * appended with that stream's expected revision. A writer that lost a race
 * reads what won, decides again, and the stream stays a history the machine
 * itself could have produced: replay never meets a bead that does not fit.
 */

export type KillFlag = 'ARMED' | 'SET';

export type LedgerOutcome =
  | { kind: 'recorded'; beads: Bead[]; flag: KillFlag }
  /** The machine ignored the event (drift outside LIVE). */
  | { kind: 'unchanged'; flag: KillFlag }
  /** A CLEAR the machine would not obey; `why` is for the person who asked. */
  | { kind: 'refused'; why: string; flag: KillFlag }
  /** The bead could not be appended. A SET still holds, in memory, until it can be recorded (fail closed). */
  | { kind: 'unrecorded'; why: string; flag: KillFlag };

export interface KillSwitchLedgerDeps {
  writer: BeadWriter;
  logger: Logger;
  /** The KILL_FLAG_SET alert the machine asks for, into the ALERT outbox. */
  raiseAlert(request: AlertRequest): Promise<unknown>;
  /** Whether a CLEARED bead clears the flag (issue 17: see clearTrust.ts); default every one, as a CLI's advisory view. */
  counts?: (cleared: BeadOf<'KILL_FLAG'>) => boolean;
}

/** What a person's clear carries with it (issue 17): its proof, and the request it answers. */
export interface ClearRider {
  proof?: z.input<typeof ProofData>;
  cause?: string;
}

/** Losing this many races in a row means something is writing in a loop; give up loudly rather than spin. */
const MAX_ATTEMPTS = 8;

const isSetting = (event: KillSwitchEvent) => event.type !== 'CLEAR';

export class KillSwitchLedger {
  private snapshot: KillSwitchSnapshot;
  /** Revision of the last killswitch bead folded in; -1 while the stream does not exist. */
  private folded: number;
  /** SET requests decided but not yet appended: the flag reads SET from the moment one is asked for. */
  private settingNow = 0;
  /** SET requests the log refused; held in memory and retried, so the flag cannot silently fall back to ARMED. */
  private unrecorded: KillSwitchEvent[] = [];
  private queue: Promise<unknown> = Promise.resolve();
  private readonly listeners = new Set<(flag: KillFlag) => void>();

  private constructor(
    private readonly deps: KillSwitchLedgerDeps,
    restored: { snapshot: KillSwitchSnapshot; revision: number },
  ) {
    this.snapshot = restored.snapshot;
    this.folded = restored.revision;
  }

  /** Rebuilds the flag from the stream: a flag SET before a crash is still SET after it. */
  static async load(deps: KillSwitchLedgerDeps): Promise<KillSwitchLedger> {
    return new KillSwitchLedger(deps, await readKillSwitch(deps.writer, deps.logger, deps.counts));
  }

  killFlag(): KillFlag {
    if (this.settingNow > 0 || this.unrecorded.length > 0) return 'SET';
    return killFlagOf(this.snapshot);
  }

  /** "SET by cli:alice (drill), then system:submit-guard (…)", for status lines and replies. */
  describe(): string {
    // The flag reads SET from the moment a SET is asked for; the stream says ARMED until its bead lands.
    const recording = this.settingNow > 0 && killFlagOf(this.snapshot) === 'ARMED' ? ' (a SET is being recorded)' : '';
    const held = this.unrecorded.length > 0 ? ` (+${this.unrecorded.length} SET held in memory: the log refused the bead)` : '';
    return `${describeKillSwitch(this.snapshot)}${recording}${held}`;
  }

  get revision(): number {
    return this.folded;
  }

  /** Called with the flag after every change, whoever wrote it. */
  onChange(listener: (flag: KillFlag) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Decides `event` on the stream's state and appends what the machine emits; serialised with every other change. */
  request(event: KillSwitchEvent, rider: ClearRider = {}): Promise<LedgerOutcome> {
    const before = this.killFlag();
    const sets = isSetting(event) && transition(killSwitchMachine, this.snapshot, event)[0].matches('SET');
    if (sets) this.settingNow += 1;
    if (sets && before === 'ARMED') this.notify();
    return this.serialised(async () => {
      try {
        return await this.decide(event, rider);
      } finally {
        if (sets) this.settingNow -= 1;
      }
    });
  }

  /** Reads beads another process appended to the stream (the host calls this from its log subscription). */
  catchUp(): Promise<void> {
    return this.serialised(() => this.refresh());
  }

  /** Tries again to record SETs the log refused; each that lands leaves memory for the stream. */
  retryUnrecorded(): Promise<void> {
    return this.serialised(async () => {
      const waiting = this.unrecorded;
      this.unrecorded = [];
      for (const event of waiting) await this.decide(event);
    });
  }

  private serialised<T>(work: () => Promise<T>): Promise<T> {
    const run = this.queue.then(work, work);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async decide(event: KillSwitchEvent, rider: ClearRider = {}): Promise<LedgerOutcome> {
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      const [next, actions] = transition(killSwitchMachine, this.snapshot, event);
      const emitted = emittedBy<KillSwitchEmitted>(actions);
      const drafts = emitted.flatMap((e) => (e.type === 'bead' && e.draft.stream === streams.killswitch ? [withRider(e.draft, rider)] : []));
      const elsewhere = emitted.flatMap((e) => (e.type === 'bead' && e.draft.stream !== streams.killswitch ? [e.draft] : []));
      const refusal = emitted.find((e) => e.type === 'refused');
      await this.appendElsewhere(elsewhere);
      if (refusal?.type === 'refused') return { kind: 'refused', why: refusal.why, flag: this.killFlag() };
      if (drafts.length === 0) return { kind: 'unchanged', flag: this.killFlag() };
      try {
        const { beads, result } = await this.deps.writer.write(drafts, this.folded < 0 ? 'no_stream' : this.folded);
        this.snapshot = next;
        this.folded = result.nextRevision;
        this.notify();
        for (const e of emitted) if (e.type === 'alert') this.raise(e);
        return { kind: 'recorded', beads, flag: this.killFlag() };
      } catch (err) {
        if (isWrongExpectedRevision(err)) {
          await this.refresh();
          continue;
        }
        return this.unrecordable(event, err);
      }
    }
    return this.unrecordable(event, new Error(`lost ${MAX_ATTEMPTS} races for the killswitch stream in a row`));
  }

  private unrecordable(event: KillSwitchEvent, err: unknown): LedgerOutcome {
    const why = err instanceof Error ? err.message : String(err);
    if (isSetting(event)) {
      this.unrecorded.push(event);
      this.deps.logger.error({ err: why, event: event.type }, 'kill flag SET held in memory: the KILL_FLAG bead could not be appended');
    }
    return { kind: 'unrecorded', why, flag: this.killFlag() };
  }

  private async refresh(): Promise<void> {
    const before = this.killFlag();
    const restored = await readKillSwitch(this.deps.writer, this.deps.logger, this.deps.counts);
    this.snapshot = restored.snapshot;
    this.folded = restored.revision;
    if (this.killFlag() !== before) this.notify();
  }

  private async appendElsewhere(drafts: BeadDraft[]): Promise<void> {
    for (const draft of drafts) {
      await this.deps.writer.write(draft).catch((err: Error) => this.deps.logger.error({ err: err.message, bead: draft.bead_type }, 'could not record a kill-switch side bead'));
    }
  }

  private raise(request: AlertRequest): void {
    this.deps.raiseAlert(request).catch((err: Error) => this.deps.logger.error({ err: err.message, alert: request.alertType }, 'could not raise a kill-switch alert'));
  }

  private notify(): void {
    const flag = this.killFlag();
    for (const listener of this.listeners) listener(flag);
  }
}

/**
 * The whole stream, replayed: it holds a few beads per incident, so reading it
 * again after a lost race is cheaper than keeping an incremental fold right.
 */
async function readKillSwitch(writer: BeadWriter, logger: Logger, counts?: (cleared: BeadOf<'KILL_FLAG'>) => boolean): Promise<{ snapshot: KillSwitchSnapshot; revision: number }> {
  const entries = await writer.log.readStream(streams.killswitch);
  const beads = entries.flatMap((e) => (e.kind === 'bead' ? [e.bead] : []));
  const corrupt = entries.length - beads.length;
  const { snapshot, anomalies } = replayKillSwitch(beads, counts);
  if (corrupt > 0 || anomalies.length > 0) logger.warn({ corrupt, anomalies }, 'killswitch stream has beads that do not fit the machine; they were skipped');
  return { snapshot, revision: entries.at(-1)?.revision ?? -1 };
}

function withRider(draft: BeadDraft, rider: ClearRider): BeadDraft {
  if (draft.bead_type !== 'KILL_FLAG' || draft.data.state !== 'CLEARED') return draft;
  return { ...draft, ...(rider.cause ? { causation_id: rider.cause } : {}), data: { ...draft.data, ...(rider.proof ? { proof: rider.proof } : {}) } };
}
