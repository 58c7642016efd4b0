import type Database from 'better-sqlite3';
import { rowColumns, type StoredRow } from './decode.ts';
import { hasTagColumn } from './open.ts';

/** Rows per multi-row INSERT: one statement step per chunk instead of per bead roughly halves the insert cost of a batch. */
export const INSERT_CHUNK = 32;
export const INSERT_COLUMNS = 7;
const INSERT_SQL = 'INSERT INTO beads (stream, revision, bead_id, bead_type, ts, json, tag) VALUES ';
const ROW_PLACEHOLDERS = `(${Array(INSERT_COLUMNS).fill('?').join(', ')})`;

/**
 * A page of the log after a position, and the same of some bead types only
 * (`@types`, a JSON array): also run, as text, by the read-ahead thread.
 */
export function pageSql(tagged: boolean, ofTypes: boolean): string {
  return ofTypes
    ? `SELECT ${rowColumns(tagged)} FROM beads WHERE position > @after AND bead_type IN (SELECT value FROM json_each(@types)) ORDER BY position LIMIT @limit`
    : `SELECT ${rowColumns(tagged)} FROM beads WHERE position > @after ORDER BY position LIMIT @limit`;
}

/** The named parameters of a page query. */
export interface PageParams {
  after: number;
  limit: number;
  types?: string;
}

/** Every statement the adapter runs, prepared once per connection. */
export function prepareStatements(db: Database.Database) {
  const insertsOf = new Map<number, Database.Statement<unknown[]>>();
  const tagged = hasTagColumn(db);
  const columns = rowColumns(tagged);
  return {
    /** The page query's text, as this file reads it: the read-ahead thread runs the same. */
    pageSql: (ofTypes: boolean) => pageSql(tagged, ofTypes),
    /** One INSERT of `rows` rows (1 to INSERT_CHUNK), prepared on first use: a commit's rows go in with one statement step per chunk, and a reader (of a file of schema 1 too) prepares none. */
    insertOf(rows: number): Database.Statement<unknown[]> {
      let statement = insertsOf.get(rows);
      if (statement === undefined) {
        statement = db.prepare<unknown[]>(INSERT_SQL + Array(rows).fill(ROW_PLACEHOLDERS).join(', '));
        insertsOf.set(rows, statement);
      }
      return statement;
    },
    storedAt: db.prepare<[string], { revision: number; position: number }>(
      'SELECT revision, position FROM beads WHERE bead_id = ?',
    ),
    /** Which of a JSON array of bead ids are already stored: one statement for a whole batch. */
    storedIds: db
      .prepare<[string], string>('SELECT bead_id FROM beads WHERE bead_id IN (SELECT value FROM json_each(?))')
      .pluck(),
    lastRevision: db.prepare<[string], number | null>('SELECT max(revision) FROM beads WHERE stream = ?').pluck(),
    lastPosition: db.prepare<[], number | null>('SELECT max(position) FROM beads').pluck(),
    // LIMIT -1 is SQLite for "no limit".
    streamForwards: db
      .prepare<[string, number, number], StoredRow>(
        `SELECT ${columns} FROM beads WHERE stream = ? AND revision >= ? ORDER BY revision LIMIT ?`,
      )
      .raw(),
    streamBackwards: db
      .prepare<[string, number, number], StoredRow>(
        `SELECT ${columns} FROM beads WHERE stream = ? AND revision <= ? ORDER BY revision DESC LIMIT ?`,
      )
      .raw(),
    pageAfter: db.prepare<[PageParams], StoredRow>(pageSql(tagged, false)).raw(),
    pageOfTypesAfter: db.prepare<[PageParams], StoredRow>(pageSql(tagged, true)).raw(),
  };
}

export type Statements = ReturnType<typeof prepareStatements>;
