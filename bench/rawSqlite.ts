import type Database from 'better-sqlite3';
import type { Bead } from '../beads/index.ts';
import { openLogDatabase } from '../store/sqlite/open.ts';

/**
 * The baseline the adapter is measured against: better-sqlite3 by hand, on a
 * file with the adapter's own schema and pragmas (WAL, synchronous=FULL), and
 * nothing else: no validation, no idempotency check, no revision check.
 */
export function openRawLog(path: string): Database.Database {
  return openLogDatabase(path, { busyTimeoutMs: 5000, readonly: false });
}

export function rawInserter(db: Database.Database) {
  const insert = db.prepare('INSERT INTO beads (stream, revision, bead_id, bead_type, ts, json) VALUES (?, ?, ?, ?, ?, ?)');
  const revisions = new Map<string, number>();
  const insertAll = db.transaction((beads: readonly Bead[]) => {
    for (const b of beads) {
      const revision = (revisions.get(b.stream) ?? -1) + 1;
      revisions.set(b.stream, revision);
      insert.run(b.stream, revision, b.bead_id, b.bead_type, b.ts, JSON.stringify(b));
    }
  }).immediate;
  /** Inserts the beads in one transaction. */
  return (beads: readonly Bead[]) => insertAll(beads);
}
