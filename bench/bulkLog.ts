import type { Bead } from '../beads/index.ts';
import { SqliteEventLog } from '../store/sqlite.ts';
import { openRawLog, rawInserter } from './rawSqlite.ts';

/**
 * Setup, never measured: a big log written by hand in large transactions with
 * fsync off, on a file the adapter created itself so its layout is the host's.
 */
export async function writeBulkLog(path: string, batches: Iterable<readonly Bead[]>): Promise<void> {
  await new SqliteEventLog(path).close();
  const db = openRawLog(path);
  try {
    db.pragma('synchronous = OFF');
    const insert = rawInserter(db);
    for (const batch of batches) insert(batch);
    db.pragma('wal_checkpoint(TRUNCATE)');
  } finally {
    db.close();
  }
}
