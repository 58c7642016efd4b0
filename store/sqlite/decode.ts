import type { LogEntry } from '../port.ts';
import { decodeChecked } from '../storedBead.ts';

/** A row as read with `.raw()`: the column order of ROW_COLUMNS. */
export type StoredRow = [position: number, stream: string, revision: number, json: string, tag: string | null];

/** The tag as a read selects it: a file of schema 1 has no tag column and reads as untagged. */
export const tagColumn = (tagged: boolean) => (tagged ? 'tag' : 'NULL AS tag');

/** The columns of a read row. */
export const rowColumns = (tagged: boolean) => `position, stream, revision, json, ${tagColumn(tagged)}`;

/**
 * Stored beads are not re-validated in full (S1): parse, upcast, check their
 * shape cheaply (storedBead.ts), and turn anything unreadable or misshapen
 * into a corrupt entry, so one bad row never stops a replay or crashes a fold.
 */
export function entryOf(position: number, stream: string, revision: number, json: string, tag?: string | null): LogEntry {
  const decoded = decodeChecked(json);
  if (!decoded.ok) return { kind: 'corrupt', position, stream, revision, reason: decoded.reason };
  return tag == null ? { kind: 'bead', position, stream, revision, bead: decoded.bead } : { kind: 'bead', position, stream, revision, bead: decoded.bead, tag };
}

export function entryOfRow(row: StoredRow): LogEntry {
  return entryOf(row[0], row[1], row[2], row[3], row[4]);
}

/**
 * A page of a read, decoded an entry at a time as the reader takes it: a
 * row's text lives only from just before its parse to just after, instead of
 * surviving young-heap collections while the rest of its page is folded.
 */
export interface RowPage {
  readonly size: number;
  /** The last row's position, where the next page starts. */
  readonly lastPosition: number;
  /** Row `i`'s entry; each row is taken once, in order. */
  take(i: number): LogEntry;
}

/** The rows of a query on the reader's own connection, each let go of once handed out. */
export function rowsPage(rows: (StoredRow | undefined)[]): RowPage {
  return {
    size: rows.length,
    lastPosition: rows.length === 0 ? -1 : rows[rows.length - 1]![0],
    take(i) {
      const row = rows[i]!;
      rows[i] = undefined;
      return entryOfRow(row);
    },
  };
}
