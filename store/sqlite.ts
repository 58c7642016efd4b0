import type Database from 'better-sqlite3';
import type { Bead } from '../beads/index.ts';
import { LogUnavailableError, WrongExpectedRevisionError } from './errors.ts';
import type {
  AppendResult,
  CommitOpener,
  EntryHandler,
  EventLog,
  ExpectedRevision,
  LogEntry,
  ReadAllOptions,
  ReadStreamOptions,
  StreamAppend,
  SubscribeOptions,
  Subscription,
} from './port.ts';
import { AppendSignal } from './appendSignal.ts';
import { prepareAppend, prepareMade } from './prepareAppend.ts';
import { pumpSubscription } from './pump.ts';
import { entryOfRow, rowsPage } from './sqlite/decode.ts';
import { toLogUnavailable } from './sqlite/failure.ts';
import { openLogDatabase } from './sqlite/open.ts';
import { pagesAfter } from './sqlite/pages.ts';
import { type ReadAheadPages, readAheadPager } from './sqlite/readAhead.ts';
import { prepareStatements, type Statements } from './sqlite/statements.ts';
import { isStoredBeadId, type RowTag, unstoredRows, writeCommit } from './sqlite/write.ts';

export { defaultLogPath } from './sqlite/open.ts';

export interface SqliteEventLogOptions {
  /** How long to wait for another process's write lock; past it, append fails closed. */
  busyTimeoutMs?: number;
  /** How often a subscriber looks for beads appended by other processes. */
  pollMs?: number;
  /** Rows fetched per query by readAll and subscriptions. */
  pageSize?: number;
  /** Open for reading only: appends fail with LogUnavailableError. */
  readonly?: boolean;
  /**
   * A read with at least this many rows still ahead of it after its first
   * page is read on by a worker thread, ahead of the thread that decodes it
   * (see sqlite/readAhead.ts). Starting the thread costs tens of
   * milliseconds, so only long replays are worth it.
   */
  readAheadFrom?: number;
}

/** An append validated and written out: `texts[i]` is what the row of `beads[i]` will hold. */
type Prepared = { stream: string; beads: Bead[]; texts: string[]; expected: ExpectedRevision };

function prepared(a: StreamAppend): Prepared {
  const beads = prepareAppend(a.stream, a.beads);
  return { stream: a.stream, beads, texts: beads.map((b) => JSON.stringify(b)), expected: a.expected ?? 'any' };
}

/** The row an opener makes for its commit: the host's own, checked without a second parse (prepareMade). */
function preparedHead(head: Bead): Prepared {
  const bead = prepareMade(head.stream, head);
  return { stream: head.stream, beads: [bead], texts: [JSON.stringify(bead)], expected: 'any' };
}

/** A tag goes in the row of the commit's only bead to be written (a retry skips those already stored). */
function onlyRowTagged(rows: readonly { beads: readonly Bead[] }[], tag: string): RowTag {
  let only: Bead | undefined;
  let count = 0;
  for (const r of rows) {
    count += r.beads.length;
    only ??= r.beads[0];
  }
  if (count !== 1) throw new RangeError(`a tag is one bead's own proof: this commit writes ${count} rows`);
  return { beadId: only!.bead_id, tag };
}

const DEFAULTS = { busyTimeoutMs: 5000, pollMs: 50, pageSize: 2000, readonly: false, readAheadFrom: 50_000 };

/**
 * The default adapter (S2): one SQLite file shared by the host, the watchdog
 * and the CLI. Positions are the table's AUTOINCREMENT rowid, so they only grow
 * and are never reused, even after a rolled-back append.
 */
export class SqliteEventLog implements EventLog {
  readonly name = 'sqlite' as const;
  private readonly db: Database.Database;
  private readonly sql: Statements;
  private readonly options: typeof DEFAULTS;
  private readonly appended = new AppendSignal();
  private readonly subscriptions = new Set<Subscription>();
  private readonly readAheads = new Set<ReadAheadPages>();
  private readonly appendInTransaction: (appends: readonly Prepared[], lookUpIds: boolean) => AppendResult[];
  private readonly openedInTransaction: (appends: readonly Prepared[], opener: CommitOpener, lookUpIds: boolean) => AppendResult[];
  readonly atomicAcrossStreams = true;

  constructor(
    readonly path: string,
    options: SqliteEventLogOptions = {},
  ) {
    this.options = { ...DEFAULTS, ...options };
    this.db = openLogDatabase(path, this.options);
    this.sql = prepareStatements(this.db);
    // IMMEDIATE takes the write lock before reading the stream's revision, so
    // the expected-revision check and the insert see the same log.
    // One transaction for every stream of an appendMany: one commit, one fsync.
    this.appendInTransaction = this.db.transaction((appends: readonly Prepared[], lookUpIds: boolean) => writeCommit(this.sql, appends, lookUpIds)).immediate;
    // The opener is made inside the transaction, from the rows it will really write (a retry skips those already stored).
    this.openedInTransaction = this.db.transaction((appends: readonly Prepared[], opener: CommitOpener, lookUpIds: boolean) => {
      const rows = lookUpIds ? unstoredRows(this.sql, appends) : appends;
      const opening = opener.make(rows);
      if (!opening) return writeCommit(this.sql, appends, lookUpIds);
      if ('tag' in opening) return writeCommit(this.sql, appends, lookUpIds, onlyRowTagged(rows, opening.tag));
      return writeCommit(this.sql, [preparedHead(opening.head), ...appends], lookUpIds).slice(1);
    }).immediate;
  }

  async append(stream: string, beads: readonly Bead[], expected: ExpectedRevision = 'any'): Promise<AppendResult> {
    return (await this.appendMany([{ stream, beads, expected }]))[0]!;
  }

  async appendMany(appends: readonly StreamAppend[]): Promise<AppendResult[]> {
    return this.commit(appends.map(prepared));
  }

  async appendOpened(appends: readonly StreamAppend[], opener: CommitOpener): Promise<AppendResult[]> {
    return this.commit(appends.map(prepared), opener);
  }

  private commit(prepared: Prepared[], opener?: CommitOpener): AppendResult[] {
    const doing = `append to ${prepared.map((a) => a.stream).join(', ')}`;
    const run = (lookUpIds: boolean) => (opener ? this.openedInTransaction(prepared, opener, lookUpIds) : this.appendInTransaction(prepared, lookUpIds));
    const results = this.guard(doing, () => {
      try {
        return run(false);
      } catch (err) {
        // A retried append: the transaction rolled back whole; run it again, looking its ids up.
        if (!isStoredBeadId(err)) throw err;
        return run(true);
      }
    });
    this.appended.fire();
    return results;
  }

  async readStream(stream: string, options: ReadStreamOptions = {}): Promise<LogEntry[]> {
    const limit = options.limit ?? -1;
    const rows = this.guard(`read ${stream}`, () =>
      options.direction === 'backwards'
        ? this.sql.streamBackwards.all(stream, options.from ?? Number.MAX_SAFE_INTEGER, limit)
        : this.sql.streamForwards.all(stream, options.from ?? 0, limit),
    );
    return rows.map(entryOfRow);
  }

  readAll(options: ReadAllOptions = {}): AsyncIterable<LogEntry> {
    return { [Symbol.asyncIterator]: () => pagesAfter(this.pager(options.types), this.options.pageSize, options.after, options.limit) };
  }

  subscribe(handler: EntryHandler, options: SubscribeOptions = {}): Subscription {
    const inner = pumpSubscription(
      {
        readAfter: (after) => this.readAll(after === undefined ? {} : { after }),
        onAppend: (wake) => this.appended.listen(wake, options.urgent),
        // Other processes' appends arrive by polling: each poll is one rowid
        // range seek that returns nothing when the log has not grown.
        pollMs: this.options.pollMs,
      },
      handler,
      options,
    );
    const subscription: Subscription = {
      get checkpoint() {
        return inner.checkpoint;
      },
      stop: async () => {
        this.subscriptions.delete(subscription);
        await inner.stop();
      },
    };
    this.subscriptions.add(subscription);
    return subscription;
  }

  /** The durability settings this connection really runs with, for `phoenix status` and tests. */
  settings(): { journalMode: string; synchronous: 'OFF' | 'NORMAL' | 'FULL' | 'EXTRA'; busyTimeoutMs: number } {
    return this.guard('read the log settings', () => ({
      journalMode: String(this.db.pragma('journal_mode', { simple: true })),
      synchronous: (['OFF', 'NORMAL', 'FULL', 'EXTRA'] as const)[Number(this.db.pragma('synchronous', { simple: true }))]!,
      busyTimeoutMs: Number(this.db.pragma('busy_timeout', { simple: true })),
    }));
  }

  async close(): Promise<void> {
    // Stop subscribers first, or they would poll a closed file forever.
    await Promise.all([...this.subscriptions].map((s) => s.stop()));
    for (const pages of this.readAheads) pages.stop();
    this.readAheads.clear();
    if (this.db.open) this.db.close();
  }

  private pager(types: readonly string[] | undefined) {
    const { path, options } = this;
    // One parameter shape for both page queries, on this thread and on the read-ahead thread.
    const filter = types === undefined ? {} : { types: JSON.stringify(types) };
    const statement = types === undefined ? this.sql.pageAfter : this.sql.pageOfTypesAfter;
    return readAheadPager({
      inThread: (after, want) => rowsPage(this.guard('read the log', () => statement.all({ ...filter, after, limit: want }))),
      rowsAfter: (after) => this.guard('read the log', () => (this.sql.lastPosition.get() ?? after) - after),
      // An in-memory database is this connection's alone: no other thread can open it.
      readAheadFrom: path === ':memory:' || path === '' ? undefined : options.readAheadFrom,
      job: { path, sql: this.sql.pageSql(types !== undefined), filter, pageSize: options.pageSize, busyTimeoutMs: options.busyTimeoutMs },
      track: (pages, live) => (live ? this.readAheads.add(pages) : this.readAheads.delete(pages)),
    });
  }

  /** Runs a database call, turning any storage failure into LogUnavailableError (fail closed). */
  private guard<T>(doing: string, run: () => T): T {
    if (!this.db.open) throw new LogUnavailableError(`${doing}: the event log at ${this.path} is closed`);
    try {
      return run();
    } catch (err) {
      if (err instanceof WrongExpectedRevisionError) throw err;
      throw toLogUnavailable(err, doing);
    }
  }
}
