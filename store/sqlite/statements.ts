import type Database from 'better-sqlite3';
import { ROW_COLUMNS, type StoredRow } from './decode.ts';

/** Every statement the adapter runs, prepared once per connection. */
export function prepareStatements(db: Database.Database) {
  return {
    storedAt: db.prepare<[string], { revision: number; position: number }>(
      'SELECT revision, position FROM beads WHERE bead_id = ?',
    ),
    lastRevision: db.prepare<[string], number | null>('SELECT max(revision) FROM beads WHERE stream = ?').pluck(),
    lastPosition: db.prepare<[], number | null>('SELECT max(position) FROM beads').pluck(),
    insert: db.prepare<[string, number, string, string, string, string]>(
      'INSERT INTO beads (stream, revision, bead_id, bead_type, ts, json) VALUES (?, ?, ?, ?, ?, ?)',
    ),
    // LIMIT -1 is SQLite for "no limit".
    streamForwards: db
      .prepare<[string, number, number], StoredRow>(
        `SELECT ${ROW_COLUMNS} FROM beads WHERE stream = ? AND revision >= ? ORDER BY revision LIMIT ?`,
      )
      .raw(),
    streamBackwards: db
      .prepare<[string, number, number], StoredRow>(
        `SELECT ${ROW_COLUMNS} FROM beads WHERE stream = ? AND revision <= ? ORDER BY revision DESC LIMIT ?`,
      )
      .raw(),
    pageAfter: db
      .prepare<[number, number], StoredRow>(`SELECT ${ROW_COLUMNS} FROM beads WHERE position > ? ORDER BY position LIMIT ?`)
      .raw(),
  };
}

export type Statements = ReturnType<typeof prepareStatements>;
