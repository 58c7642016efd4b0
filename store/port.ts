import type { Bead, BeadType } from '../beads/index.ts';

/**
 * The event-log port (S2). Every adapter (memory, sqlite, eventstoredb) passes
 * the same conformance suite in test/store/.
 */
export type ExpectedRevision = 'any' | 'no_stream' | 'stream_exists' | number;

/** A global position in the log: strictly increasing, not necessarily dense. */
export type LogPosition = number;

export interface AppendResult {
  /** The stream revision of the last bead written (or already present). */
  nextRevision: number;
  /** The global position of the last bead written. */
  position: LogPosition;
}

/**
 * One stored record. A record that cannot be decoded is reported, never
 * thrown. `tag`: the row's own proof, where the log keeps one beside the
 * bead (SQLite: a bead the host seals at once, runtime/chain/tag.ts).
 */
export type LogEntry =
  | { kind: 'bead'; position: LogPosition; stream: string; revision: number; bead: Bead; tag?: string }
  | { kind: 'corrupt'; position: LogPosition; stream: string; revision: number; reason: string };

export interface ReadStreamOptions {
  /** Revision to start from, inclusive. Defaults to the first (forwards) or last (backwards). */
  from?: number;
  direction?: 'forwards' | 'backwards';
  limit?: number;
}

export interface ReadAllOptions {
  /** Start strictly after this position; omitted means from the beginning. */
  after?: LogPosition;
  /** At most this many entries (of the types asked for, if any). */
  limit?: number;
  /**
   * Only records stored as one of these bead types, for a scan that needs a
   * few types of a long log (SQLite skips the rest without decoding them;
   * EventStoreDB, whose client decodes every event, filters after). A record
   * of one of these types that cannot be decoded still comes through, as a
   * corrupt entry.
   */
  types?: readonly BeadType[];
}

export interface SubscribeOptions {
  /** Deliver entries strictly after this position (a checkpoint); omitted means from the beginning. */
  after?: LogPosition;
  /**
   * Woken before other readers of this process after an in-process append.
   * For the one reader an order's next step waits on (the trade flow): the
   * views can be a turn late, a bracket should not. Adapters without
   * in-process wake-ups (eventstoredb) ignore it.
   */
  urgent?: boolean;
  /** Called once the subscription has caught up with the log and is live. */
  onCaughtUp?: () => void;
  /** Called when the source dropped the subscription; the adapter resubscribes from its checkpoint. */
  onDropped?: (reason: string) => void;
  /** Called when an error ends the subscription for good (for example stop() during a failure). */
  onError?: (err: Error) => void;
}

export interface Subscription {
  /** The last position delivered. */
  readonly checkpoint: LogPosition | undefined;
  stop(): Promise<void>;
}

/** One stream's share of a multi-stream append. */
export interface StreamAppend {
  stream: string;
  beads: readonly Bead[];
  expected?: ExpectedRevision;
}

export type EntryHandler = (entry: LogEntry) => void | Promise<void>;

/** A commit's rows as the log writes them: each append's beads, and the text stored for each. */
export interface WrittenRows {
  readonly beads: readonly Bead[];
  readonly texts: readonly string[];
}

/**
 * The row a commit opens with, made from the rows the log writes after it
 * (issue 17: the host's SEAL holds each row's hash, and hashing the text
 * the log writes anyway costs one hash a bead, not a second serialisation).
 * `make` is called inside the commit with the rows that follow, in the
 * order of their positions, which are consecutive. A `head` is written
 * first, to its own stream; a `tag` is kept in the row of the commit's only
 * bead (issue 17, B1: a second row costs a one-bead commit a fifth more);
 * nothing: the commit is the rows.
 */
export interface CommitOpener {
  make(rows: readonly WrittenRows[]): CommitOpening | undefined;
}

export type CommitOpening = { head: Bead } | { tag: string };

export interface EventLog {
  readonly name: 'memory' | 'sqlite' | 'eventstoredb';
  append(stream: string, beads: readonly Bead[], expected?: ExpectedRevision): Promise<AppendResult>;
  /**
   * Beads for several streams, stored in the order given, with one result per
   * stream. Where `atomicAcrossStreams` holds (memory, sqlite) it is one
   * commit: all or none, and on SQLite one fsync rather than one per stream,
   * which is why the order path uses it. EventStoreDB has no multi-stream
   * transaction, so there it appends stream by stream and a failure part-way
   * leaves the earlier streams written: callers may rely on order and on
   * durability before the promise resolves, never on all-or-none.
   */
  appendMany(appends: readonly StreamAppend[]): Promise<AppendResult[]>;
  readonly atomicAcrossStreams: boolean;
  /** appendMany in one commit that opens with the opener's bead; results are the appends' only. Only a log whose appendMany is one commit has it (SQLite). */
  appendOpened?(appends: readonly StreamAppend[], opener: CommitOpener): Promise<AppendResult[]>;
  readStream(stream: string, options?: ReadStreamOptions): Promise<LogEntry[]>;
  /** Global order, paged by the adapter; entries come in position order. */
  readAll(options?: ReadAllOptions): AsyncIterable<LogEntry>;
  /** Catch-up from `after`, then live, for as long as it runs. Handlers are called one at a time. */
  subscribe(handler: EntryHandler, options?: SubscribeOptions): Subscription;
  close(): Promise<void>;
}
