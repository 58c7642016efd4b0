import type Database from 'better-sqlite3';
import type { Bead } from '../beads/index.ts';
import { LogUnavailableError, WrongExpectedRevisionError } from './errors.ts';
import type {
  AppendResult,
  EntryHandler,
  EventLog,
  ExpectedRevision,
  LogEntry,
  LogPosition,
  ReadAllOptions,
  ReadStreamOptions,
  SubscribeOptions,
  Subscription,
} from './port.ts';
import { prepareAppend } from './prepareAppend.ts';
import { pumpSubscription } from './pump.ts';
import { checkExpectedRevision } from './revision.ts';
import { entryOf, type StoredRow } from './sqlite/decode.ts';
import { toLogUnavailable } from './sqlite/failure.ts';
import { openLogDatabase } from './sqlite/open.ts';
import { INSERT_CHUNK, INSERT_COLUMNS, prepareStatements, type Statements } from './sqlite/statements.ts';

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
}

const DEFAULTS = { busyTimeoutMs: 5000, pollMs: 50, pageSize: 2000, readonly: false };

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
  private readonly listeners = new Set<() => void>();
  private readonly subscriptions = new Set<Subscription>();
  private readonly appendInTransaction: (stream: string, beads: Bead[], expected: ExpectedRevision) => AppendResult;

  constructor(
    readonly path: string,
    options: SqliteEventLogOptions = {},
  ) {
    this.options = { ...DEFAULTS, ...options };
    this.db = openLogDatabase(path, this.options);
    this.sql = prepareStatements(this.db);
    // IMMEDIATE takes the write lock before reading the stream's revision, so
    // the expected-revision check and the insert see the same log.
    this.appendInTransaction = this.db.transaction(this.writeBeads.bind(this)).immediate;
  }

  async append(stream: string, beads: readonly Bead[], expected: ExpectedRevision = 'any'): Promise<AppendResult> {
    const prepared = prepareAppend(stream, beads);
    const result = this.guard(`append to ${stream}`, () => this.appendInTransaction(stream, prepared, expected));
    for (const wake of this.listeners) wake();
    return result;
  }

  async readStream(stream: string, options: ReadStreamOptions = {}): Promise<LogEntry[]> {
    const limit = options.limit ?? -1;
    const rows = this.guard(`read ${stream}`, () =>
      options.direction === 'backwards'
        ? this.sql.streamBackwards.all(stream, options.from ?? Number.MAX_SAFE_INTEGER, limit)
        : this.sql.streamForwards.all(stream, options.from ?? 0, limit),
    );
    return rows.map(entryOf);
  }

  readAll(options: ReadAllOptions = {}): AsyncIterable<LogEntry> {
    return { [Symbol.asyncIterator]: () => this.pagesAfter(options.after, options.limit) };
  }

  subscribe(handler: EntryHandler, options: SubscribeOptions = {}): Subscription {
    const inner = pumpSubscription(
      {
        readAfter: (after) => this.readAll(after === undefined ? {} : { after }),
        onAppend: (wake) => {
          this.listeners.add(wake);
          return () => this.listeners.delete(wake);
        },
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

  async close(): Promise<void> {
    // Stop subscribers first, or they would poll a closed file forever.
    await Promise.all([...this.subscriptions].map((s) => s.stop()));
    if (this.db.open) this.db.close();
  }

  private writeBeads(stream: string, beads: Bead[], expected: ExpectedRevision): AppendResult {
    const unstored = this.withoutStored(beads);
    if (unstored.length === 0 && beads.length > 0) {
      // A retried append: every bead is already stored, so it is a no-op.
      const last = this.sql.storedAt.get(beads[beads.length - 1]!.bead_id)!;
      return { nextRevision: last.revision, position: last.position };
    }
    const actual = this.sql.lastRevision.get(stream) ?? -1;
    checkExpectedRevision(stream, expected, actual);
    if (unstored.length === 0) return { nextRevision: actual, position: this.sql.lastPosition.get() ?? -1 };
    return { nextRevision: actual + unstored.length, position: this.insertRows(stream, actual + 1, unstored) };
  }

  private withoutStored(beads: Bead[]): Bead[] {
    if (beads.length === 0) return beads;
    const stored = this.sql.storedIds.all(JSON.stringify(beads.map((b) => b.bead_id)));
    if (stored.length === 0) return beads;
    const skip = new Set(stored);
    return beads.filter((b) => !skip.has(b.bead_id));
  }

  /** Inserts beads at consecutive revisions from `firstRevision`; returns the last one's position. */
  private insertRows(stream: string, firstRevision: number, beads: Bead[]): LogPosition {
    const params: unknown[] = [];
    let lastRowid: number | bigint = 0;
    let chunkStart = 0;
    for (let i = 0; i < beads.length; i++) {
      const b = beads[i]!;
      params.push(stream, firstRevision + i, b.bead_id, b.bead_type, b.ts, JSON.stringify(b));
      if (params.length === INSERT_CHUNK * INSERT_COLUMNS) {
        lastRowid = this.sql.insertChunk.run(params).lastInsertRowid;
        params.length = 0;
        chunkStart = i + 1;
      }
    }
    for (let i = chunkStart; i < beads.length; i++) {
      lastRowid = this.sql.insertOne.run(params.slice((i - chunkStart) * INSERT_COLUMNS, (i - chunkStart + 1) * INSERT_COLUMNS)).lastInsertRowid;
    }
    return Number(lastRowid);
  }

  /** A hand-rolled iterator: each page is one synchronous query, then entries are handed out without a generator frame each. */
  private pagesAfter(after: LogPosition | undefined, limit: number | undefined): AsyncIterator<LogEntry> {
    const pageSize = this.options.pageSize;
    let cursor = after ?? -1;
    let remaining = limit ?? Number.POSITIVE_INFINITY;
    let rows: StoredRow[] = [];
    let index = 0;
    let exhausted = false;
    const done: IteratorReturnResult<undefined> = { done: true, value: undefined };
    const next = (): IteratorResult<LogEntry> => {
      if (index === rows.length) {
        if (exhausted || remaining <= 0) return done;
        const want = Math.min(pageSize, remaining);
        rows = this.guard('read the log', () => this.sql.pageAfter.all(cursor, want));
        index = 0;
        if (rows.length < want) exhausted = true;
        if (rows.length === 0) return done;
        remaining -= rows.length;
        cursor = rows[rows.length - 1]![0];
      }
      return { done: false, value: entryOf(rows[index++]!) };
    };
    return {
      next: () => {
        try {
          return Promise.resolve(next());
        } catch (err) {
          return Promise.reject(err);
        }
      },
    };
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
