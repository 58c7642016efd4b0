/**
 * Run as a separate process by the two-process test: opens the SQLite log at
 * argv[2], appends argv[3] beads to stream argv[4] one at a time, and prints
 * one JSON line per append with the moment it was committed.
 */
import { SqliteEventLog } from '../../store/sqlite.ts';
import { testBead } from './beads.ts';

const [path, countText, stream] = process.argv.slice(2);
if (!path || !countText || !stream) throw new Error('usage: appendFromChild.ts <db path> <count> <stream>');

const log = new SqliteEventLog(path);
for (let i = 0; i < Number(countText); i++) {
  // Spread the appends so that each lands at a different point of the parent's poll cycle.
  await new Promise((r) => setTimeout(r, 37 + i * 11));
  const bead = testBead(stream);
  await log.append(stream, [bead]);
  const committedAt = Date.now();
  process.stdout.write(`${JSON.stringify({ bead_id: bead.bead_id, committedAt })}\n`);
}
await log.close();
