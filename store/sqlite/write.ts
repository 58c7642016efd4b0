import type { Bead } from '../../beads/index.ts';
import type { AppendResult, ExpectedRevision, LogPosition } from '../port.ts';
import { checkExpectedRevision } from '../revision.ts';
import { INSERT_CHUNK, INSERT_COLUMNS, type Statements } from './statements.ts';

/**
 * The body of one append, run inside an IMMEDIATE transaction: skip beads
 * already stored, check the expected revision, insert the rest at the next
 * revisions. Same rules as the memory adapter.
 */
export function writeBeads(sql: Statements, stream: string, beads: Bead[], expected: ExpectedRevision): AppendResult {
  const unstored = withoutStored(sql, beads);
  if (unstored.length === 0 && beads.length > 0) {
    // A retried append: every bead is already stored, so it is a no-op.
    const last = sql.storedAt.get(beads[beads.length - 1]!.bead_id)!;
    return { nextRevision: last.revision, position: last.position };
  }
  const actual = sql.lastRevision.get(stream) ?? -1;
  checkExpectedRevision(stream, expected, actual);
  if (unstored.length === 0) return { nextRevision: actual, position: sql.lastPosition.get() ?? -1 };
  return { nextRevision: actual + unstored.length, position: insertRows(sql, stream, actual + 1, unstored) };
}

function withoutStored(sql: Statements, beads: Bead[]): Bead[] {
  if (beads.length === 0) return beads;
  const stored = sql.storedIds.all(JSON.stringify(beads.map((b) => b.bead_id)));
  if (stored.length === 0) return beads;
  const skip = new Set(stored);
  return beads.filter((b) => !skip.has(b.bead_id));
}

/** Inserts beads at consecutive revisions from `firstRevision`; returns the last one's position. */
function insertRows(sql: Statements, stream: string, firstRevision: number, beads: Bead[]): LogPosition {
  const params: unknown[] = [];
  let lastRowid: number | bigint = 0;
  for (let i = 0; i < beads.length; i++) {
    const b = beads[i]!;
    params.push(stream, firstRevision + i, b.bead_id, b.bead_type, b.ts, JSON.stringify(b));
    if (params.length === INSERT_CHUNK * INSERT_COLUMNS) {
      lastRowid = sql.insertChunk.run(params).lastInsertRowid;
      params.length = 0;
    }
  }
  // The tail of the batch that does not fill a chunk goes in row by row.
  for (let at = 0; at < params.length; at += INSERT_COLUMNS) {
    lastRowid = sql.insertOne.run(params.slice(at, at + INSERT_COLUMNS)).lastInsertRowid;
  }
  return Number(lastRowid);
}
