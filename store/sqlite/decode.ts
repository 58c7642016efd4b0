import { decodeStored } from '../../beads/index.ts';
import type { LogEntry } from '../port.ts';

/** A row as read with `.raw()`: the column order of ROW_COLUMNS. */
export type StoredRow = [position: number, stream: string, revision: number, json: string];

export const ROW_COLUMNS = 'position, stream, revision, json';

/**
 * Stored beads are trusted, not re-validated (S1): parse, upcast, and turn
 * anything unreadable into a corrupt entry so one bad row never stops a replay.
 */
export function entryOf(row: StoredRow): LogEntry {
  const [position, stream, revision, json] = row;
  const decoded = decodeStored(json);
  return decoded.ok
    ? { kind: 'bead', position, stream, revision, bead: decoded.bead }
    : { kind: 'corrupt', position, stream, revision, reason: decoded.reason };
}
