import { closeSync, existsSync, mkdirSync, openSync } from 'node:fs';
import { dirname, join } from 'node:path';
import Database from 'better-sqlite3';
import { LogUnavailableError } from '../errors.ts';
import { toLogUnavailable } from './failure.ts';

/** The log file under PHOENIX_HOME when nothing else is configured (S2). */
export function defaultLogPath(homeDir: string): string {
  return join(homeDir, 'phoenix.db');
}

/**
 * Bumped when the table layout changes; a newer file is refused rather than
 * misread. 2 (issue 17): the `tag` column, a bead's own proof. A file of 1
 * gains the column when a writer opens it; a reader reads it as untagged.
 */
export const SCHEMA_VERSION = 2;
const TAGLESS_VERSION = 1;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS beads (
  position  INTEGER PRIMARY KEY AUTOINCREMENT,
  stream    TEXT    NOT NULL,
  revision  INTEGER NOT NULL,
  bead_id   TEXT    NOT NULL UNIQUE,
  bead_type TEXT    NOT NULL,
  ts        TEXT    NOT NULL,
  json      TEXT    NOT NULL,
  tag       TEXT,
  UNIQUE (stream, revision)
);
`;

export interface OpenOptions {
  /** How long a writer waits for another process's lock before the log counts as unavailable. */
  busyTimeoutMs: number;
  /** Opens for reading only (audit queries, the CLI): appends fail with LogUnavailableError. */
  readonly: boolean;
}

/**
 * Opens (creating if needed) the shared log file with the pragmas every
 * process must agree on: WAL so readers never block the writer, FULL sync so
 * an acknowledged append survives a power cut, and a busy timeout so the
 * host, watchdog and CLI queue for the write lock instead of failing at once.
 */
export function openLogDatabase(path: string, options: OpenOptions): Database.Database {
  let db: Database.Database | undefined;
  try {
    if (!options.readonly && path !== ':memory:' && path !== '') {
      // The log is the host's alone (issue 17): a new PHOENIX_HOME is 0700 and the file 0600 (SQLite gives -wal and -shm the file's mode).
      mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
      if (!existsSync(path)) closeSync(openSync(path, 'a', 0o600));
    }
    db = new Database(path, { readonly: options.readonly, fileMustExist: options.readonly });
    // Set first: the statements below may themselves wait for another process's lock.
    db.pragma(`busy_timeout = ${Math.max(0, Math.floor(options.busyTimeoutMs))}`);
    if (!options.readonly) {
      db.pragma('journal_mode = WAL');
      const conn = db;
      // One transaction, so another process never sees the table without its version stamp.
      conn
        .transaction(() => {
          conn.exec(SCHEMA);
          const found = conn.pragma('user_version', { simple: true });
          // Adding a nullable column rewrites no row: a log of any length is brought up at once.
          if (found === TAGLESS_VERSION) conn.exec('ALTER TABLE beads ADD COLUMN tag TEXT');
          if (found === 0 || found === TAGLESS_VERSION) conn.pragma(`user_version = ${SCHEMA_VERSION}`);
        })
        .immediate();
    }
    db.pragma('synchronous = FULL');
    const version = db.pragma('user_version', { simple: true });
    if (version !== SCHEMA_VERSION && !(options.readonly && version === TAGLESS_VERSION)) {
      throw new LogUnavailableError(`${path} has log schema ${String(version)}; this build reads schema ${SCHEMA_VERSION}`);
    }
    return db;
  } catch (err) {
    db?.close();
    throw toLogUnavailable(err, `cannot open the event log at ${path}`);
  }
}

/** Whether the file has the `tag` column: a reader of a file no writer has brought up to schema 2 has not. */
export function hasTagColumn(db: Database.Database): boolean {
  return db.pragma('user_version', { simple: true }) !== TAGLESS_VERSION;
}
