import type { Bead } from '../beads/index.ts';
import type { AnyFold, Fold } from '../projections/fold.ts';
import type { EventLog, LogEntry, LogPosition, Subscription } from '../store/port.ts';
import type { Clock } from './clock.ts';
import type { Logger } from './logger.ts';
import type { CheckpointAnchor, CheckpointStore } from './projectionCheckpoint.ts';
import { CatchUpProgress } from './projectionProgress.ts';
import { checkpointOf, type FoldSlot, restoreSlots } from './projectionRestore.ts';

/**
 * The host's one projection engine (issue 15). Every fold the host keeps (the
 * dashboard, the broker's facts, the trade flow's views and order book, the
 * semantic checks, the gates and the desk's standing) is registered here
 * before start. At start the engine loads its checkpoint, if one holds, and
 * reads the log once, from the checkpoint on (or from the start for any fold
 * the checkpoint cannot give), handing each entry to the folds that read its
 * type; then one subscription keeps them all current, and listeners hear
 * each live entry after the folds have it. The state is saved every so many
 * entries or seconds, whichever comes first, and at a clean stop.
 *
 * Replay and the audits never come here: they read the log from the start.
 */

export interface ProjectionEngineOptions {
  log: Pick<EventLog, 'readAll' | 'readStream' | 'subscribe' | 'name'>;
  logger: Logger;
  clock: Clock;
  /** Absent: no checkpoints (every start reads the whole log once). */
  checkpoints?: CheckpointStore;
  /** The build (PHOENIX_VERSION): a checkpoint from another build is not loaded. */
  codeVersion?: string;
  /** Save after this many entries, or this long after the last save once something changed, whichever comes first. */
  saveEvery?: { entries?: number; ms?: number };
  /** How often a long catch-up says how far it is. */
  progressEveryMs?: number;
}

export interface FoldHandle<S> {
  /** The fold's state now (folds update it in place, so a reference taken after start stays current). */
  readonly state: S;
}

export type LiveListener = (entry: LogEntry) => void;

const SAVE_EVERY = { entries: 10_000, ms: 60_000 };
/** How long the log must be quiet before a live save (see saveWhenQuiet). */
const QUIET_MS = 1_000;
/** How often the catch-up loop looks at the clock (a clock read per entry would cost more than some folds). */
const CHECK_EVERY = 1024;

export class ProjectionEngine {
  private readonly slots: FoldSlot[] = [];
  private readonly listeners = new Set<LiveListener>();
  private readonly entryListeners = new Set<LiveListener>();
  private routes = new Map<string, number[]>();
  private readsAll: number[] = [];
  private readsCorrupt: number[] = [];
  private started = false;
  private stopped = false;
  private subscription: Subscription | undefined;
  private lastPosition: LogPosition | undefined;
  /** The last bead folded, whose place a checkpoint names (its anchor): kept as the entry, made into one only when saved. */
  private lastBead: Extract<LogEntry, { kind: 'bead' }> | undefined;
  private sinceSave = 0;
  private lastSaveAt: number;
  private saving: Promise<void> | undefined;
  private quiet: NodeJS.Timeout | undefined;
  private live = false;
  private markCaughtUp: () => void = () => undefined;
  private readonly caughtUpPromise = new Promise<void>((resolve) => {
    this.markCaughtUp = resolve;
  });
  private progressNow: CatchUpProgress | undefined;
  private readonly every: { entries: number; ms: number };
  private readonly logger: Logger;

  constructor(private readonly o: ProjectionEngineOptions) {
    this.every = { ...SAVE_EVERY, ...o.saveEvery };
    this.logger = o.logger.child({ actor: 'projections' });
    this.lastSaveAt = o.clock.now();
  }

  /** Registers a fold before start; a fold of a name already registered is that one (same version), its state shared. */
  fold<S>(fold: Fold<S>): FoldHandle<S> {
    let slot = this.slots.find((s) => s.fold.name === fold.name);
    if (slot && slot.fold.version !== fold.version) throw new Error(`fold ${fold.name} registered twice, as versions ${slot.fold.version} and ${fold.version}`);
    if (!slot) {
      if (this.started) throw new Error(`fold ${fold.name} registered after the engine started: it would miss what was already read`);
      slot = { fold: fold as unknown as AnyFold, state: fold.init(), coveredTo: Number.NEGATIVE_INFINITY };
      this.slots.push(slot);
    }
    const s = slot;
    return {
      get state() {
        return s.state as S;
      },
    };
  }

  /** Hears every entry of the live subscription, after the folds; returns the way to stop hearing. */
  onLive(listener: LiveListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Hears every entry the engine folds, the catch-up's included (after the
   * folds): for what counts what this process has read, such as /metrics.
   */
  onEntry(listener: LiveListener): () => void {
    this.entryListeners.add(listener);
    return () => this.entryListeners.delete(listener);
  }

  /** True once the live subscription has caught up with the log. */
  get caughtUp(): boolean {
    return this.live;
  }

  whenCaughtUp(): Promise<void> {
    return this.caughtUpPromise;
  }

  /** The last position folded. */
  get position(): LogPosition | undefined {
    return this.lastPosition;
  }

  /** How far a catch-up in progress is; undefined once done (or before it starts). */
  progress(): ReturnType<CatchUpProgress['snapshot']> | undefined {
    return this.progressNow?.snapshot(this.o.clock.now());
  }

  /** Start-up: the checkpoint, then one read of the log from it (or from the start). `until` is the newest position known, for the progress lines. */
  async catchUp(o: { until?: LogPosition } = {}): Promise<void> {
    if (this.started) throw new Error('the projection engine catches up once');
    this.started = true;
    this.buildRoutes();
    const restored = await restoreSlots(this.slots, this.o.checkpoints, { log: this.o.log, codeVersion: this.o.codeVersion ?? 'unversioned' });
    const replaying = restored.replayed.length > 0;
    const after = replaying ? undefined : restored.position;
    if (restored.position !== undefined) this.lastPosition = restored.position;
    if (!this.o.checkpoints) this.logger.debug('no checkpoints: reading the whole log');
    else if (restored.why) this.logger.info({ why: restored.why, where: this.o.checkpoints.where }, 'reading the whole log: no checkpoint to start from');
    else if (replaying) this.logger.warn({ checkpoint: restored.position, loaded: restored.loaded, replayed: restored.replayed }, 'some folds are replayed from the start: the checkpoint cannot give them');
    else this.logger.info({ checkpoint: restored.position, folds: restored.loaded.length }, 'resuming from the checkpoint: reading the log after it');
    const progress = new CatchUpProgress(after, o.until, this.o.clock.now(), this.o.progressEveryMs);
    this.progressNow = progress;
    for await (const entry of this.o.log.readAll(after === undefined ? {} : { after })) {
      if (this.stopped) return;
      this.apply(entry);
      if (this.entryListeners.size > 0) this.tell(this.entryListeners, entry);
      if (progress.count(entry.position) % CHECK_EVERY === 0) {
        const line = progress.due(this.o.clock.now());
        if (line) this.logger.info(line, `catching up with the log: ${line.read} entries read${line.percent === undefined ? '' : ` (${line.percent}%)`}, ${line.perSecond}/s`);
        this.saveIfDue(false, true);
      }
    }
    this.progressNow = undefined;
    const done = progress.snapshot(this.o.clock.now());
    this.logger.info({ ...done, position: this.lastPosition ?? null }, `caught up with the log: ${done.read} entries read in ${done.seconds} s`);
    // The whole replay is worth keeping at once: a host that dies a minute later starts from here, not from the start again.
    if (this.sinceSave > 0) this.saveIfDue(true);
  }

  /** From the last position folded on: one subscription, live, for every fold and listener. */
  follow(): void {
    if (this.subscription || this.stopped) return;
    this.subscription = this.o.log.subscribe(
      (entry) => {
        this.apply(entry);
        this.tell(this.entryListeners, entry);
        this.tell(this.listeners, entry);
        this.saveWhenQuiet();
      },
      {
        // The trade flow's next step waits on this subscription: it is woken before other readers.
        urgent: true,
        ...(this.lastPosition === undefined ? {} : { after: this.lastPosition }),
        onCaughtUp: () => {
          this.live = true;
          this.markCaughtUp();
        },
        onDropped: (reason) => this.logger.warn({ reason }, 'the projections\' log subscription dropped; resuming from its checkpoint (the last position folded)'),
        onError: (err) => this.logger.error({ err: err.message }, 'the projections stopped following the log'),
      },
    );
  }

  /** catchUp, then follow: for a part that runs with no host around it (a dashboard alone, a test rig). */
  async start(): Promise<void> {
    await this.catchUp();
    this.follow();
  }

  /** Stops following and saves the state (a clean stop's checkpoint). */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    clearTimeout(this.quiet);
    await this.subscription?.stop();
    await this.saving;
    if (this.sinceSave > 0) {
      this.saveIfDue(true);
      await this.saving;
    }
  }

  /**
   * A live save waits until the log has been quiet for QUIET_MS. The host's
   * own beads reach its folds before their seal is written (the chain seals
   * in blocks, within 250 ms): a checkpoint taken then and a crash before the
   * seal would keep, as folded, a bead the next full read refuses as
   * unsealed (a fill the broker would then never report again). Once the log
   * has been quiet a second, every bead folded is sealed.
   */
  private saveWhenQuiet(): void {
    clearTimeout(this.quiet);
    if (!this.o.checkpoints || this.sinceSave === 0) return;
    this.quiet = setTimeout(() => this.saveIfDue(false), QUIET_MS);
    this.quiet.unref();
  }

  /** A listener that throws has a bug; the other listeners still hear the entry. */
  private tell(listeners: ReadonlySet<LiveListener>, entry: LogEntry): void {
    for (const listener of listeners) {
      try {
        listener(entry);
      } catch (err) {
        this.logger.error({ err: (err as Error).message, position: entry.position }, 'a listener of the log failed on an entry');
      }
    }
  }

  private buildRoutes(): void {
    const all = this.slots.map((_, i) => i);
    const types = new Set(this.slots.flatMap((s) => s.fold.reads ?? []));
    this.routes = new Map([...types].map((t) => [t, all.filter((i) => this.slots[i]!.fold.reads?.includes(t) ?? true)]));
    this.readsAll = all.filter((i) => this.slots[i]!.fold.reads === undefined);
    this.readsCorrupt = all.filter((i) => this.slots[i]!.fold.corrupt !== undefined);
  }

  private apply(entry: LogEntry): void {
    const position = entry.position;
    const slots = this.slots;
    if (entry.kind === 'corrupt') {
      for (const i of this.readsCorrupt) {
        const slot = slots[i]!;
        if (position > slot.coveredTo) slot.state = slot.fold.corrupt!(slot.state, position, entry.reason);
      }
    } else {
      const bead = entry.bead;
      const route = this.routes.get(bead.bead_type) ?? this.readsAll;
      for (let k = 0; k < route.length; k++) {
        const slot = slots[route[k]!]!;
        if (position > slot.coveredTo) this.applyOne(slot, bead, position, entry.tag);
      }
      this.lastBead = entry;
    }
    this.lastPosition = position;
    this.sinceSave += 1;
  }

  /** A fold that throws has a bug; the others must not pay for it, so it is reported and the entry goes on to them. */
  private applyOne(slot: FoldSlot, bead: Bead, position: LogPosition, tag: string | undefined): void {
    try {
      slot.state = slot.fold.apply(slot.state, bead, position, tag);
    } catch (err) {
      this.logger.error({ fold: slot.fold.name, position, bead: bead.bead_id, err: (err as Error).message }, 'a fold failed on a bead');
    }
  }

  /**
   * `catchingUp`: a start-up read saves by time only. It saves in full at its
   * end anyway, and a save every so many entries of a million-entry read
   * would serialise the whole state a hundred times on the way.
   */
  private saveIfDue(force: boolean, catchingUp = false): void {
    const store = this.o.checkpoints;
    const last = this.lastBead;
    if (!store || this.saving || this.sinceSave === 0 || this.lastPosition === undefined || !last) return;
    const now = this.o.clock.now();
    if (!force && (catchingUp || this.sinceSave < this.every.entries) && now - this.lastSaveAt < this.every.ms) return;
    // Serialised now, between two entries, so every fold is at the same position; written in the background.
    const checkpoint = checkpointOf(
      this.slots,
      { position: this.lastPosition, anchor: { position: last.position, stream: last.stream, revision: last.revision, beadId: last.bead.bead_id } satisfies CheckpointAnchor, logName: this.o.log.name, codeVersion: this.o.codeVersion ?? 'unversioned', now },
      (fold, err) => this.logger.error({ fold, err: err.message }, 'a fold state could not be saved: that fold is replayed at the next start'),
    );
    this.sinceSave = 0;
    this.lastSaveAt = now;
    this.saving = store
      .save(checkpoint)
      .catch((err: Error) => this.logger.warn({ err: err.message, where: store.where }, 'checkpoint not saved: the next start reads more of the log'))
      .finally(() => {
        this.saving = undefined;
      });
  }
}
