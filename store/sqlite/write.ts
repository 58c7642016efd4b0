import type { Bead } from '../../beads/index.ts';
import type { AppendResult, ExpectedRevision, LogPosition } from '../port.ts';
import { checkExpectedRevision, revisionMatches } from '../revision.ts';
import { INSERT_CHUNK, INSERT_COLUMNS, type Statements } from './statements.ts';

/**
 * The body of one append, run inside an IMMEDIATE transaction: skip beads
 * already stored, check the expected revision, insert the rest at the next
 * revisions. Same rules as the memory adapter.
 *
 * `lookUpIds: false` is the fast path for a fresh append, the usual case:
 * no lookup of its ids, so a bead_id already stored fails the insert with a
 * constraint error (isStoredBeadId) and the caller runs the whole append
 * again with the lookup. A savepoint would undo less, but costs every append.
 */
export function writeBeads(sql: Statements, append: Append, lookUpIds = true, tag?: RowTag): AppendResult {
  const { stream, beads, texts, expected } = append;
  if (!lookUpIds && beads.length > 0) {
    const actual = sql.lastRevision.get(stream) ?? -1;
    // A mismatch may be a retry of beads already stored: that needs the lookup to tell.
    if (revisionMatches(expected, actual)) return { nextRevision: actual + beads.length, position: insertRuns(sql, [{ stream, firstRevision: actual + 1, beads, texts }], tag) };
  }
  const unstored = withoutStored(sql, beads, texts);
  if (unstored.beads.length === 0 && beads.length > 0) {
    // A retried append: every bead is already stored, so it is a no-op.
    const last = sql.storedAt.get(beads[beads.length - 1]!.bead_id)!;
    return { nextRevision: last.revision, position: last.position };
  }
  const actual = sql.lastRevision.get(stream) ?? -1;
  checkExpectedRevision(stream, expected, actual);
  if (unstored.beads.length === 0) return { nextRevision: actual, position: sql.lastPosition.get() ?? -1 };
  return { nextRevision: actual + unstored.beads.length, position: insertRuns(sql, [{ stream, firstRevision: actual + 1, ...unstored }], tag) };
}

type Append = { stream: string; beads: Bead[]; texts: string[]; expected: ExpectedRevision };

/** The tag one row of a commit carries (runtime/chain/tag.ts): a bead's own seal. */
export interface RowTag {
  beadId: string;
  tag: string;
}

/**
 * The appends of one commit, in order, inside its IMMEDIATE transaction. On
 * the fast path every row of the commit goes in through multi-row INSERTs
 * across the appends (a chain's seal and its bead: one statement step, not
 * two, and one sqlite_sequence update); their rowids are consecutive, as
 * the transaction holds the write lock and positions are AUTOINCREMENT.
 * Anything the fast path cannot decide alone (an empty append, a revision
 * that does not match, which may be a retry) goes append by append, as
 * writeBeads does, before any row is written.
 */
export function writeCommit(sql: Statements, appends: readonly Append[], lookUpIds: boolean, tag?: RowTag): AppendResult[] {
  if (lookUpIds) return appends.map((a) => writeBeads(sql, a, true, tag));
  const revisions = new Map<string, number>();
  const results: AppendResult[] = [];
  let rows = 0;
  for (const a of appends) {
    if (a.beads.length === 0) return appends.map((b) => writeBeads(sql, b, false, tag));
    const actual = revisions.get(a.stream) ?? sql.lastRevision.get(a.stream) ?? -1;
    if (!revisionMatches(a.expected, actual)) return appends.map((b) => writeBeads(sql, b, false, tag));
    revisions.set(a.stream, actual + a.beads.length);
    rows += a.beads.length;
    // The row count so far stands in for the position until the last rowid is known.
    results.push({ nextRevision: actual + a.beads.length, position: rows });
  }
  const last = insertRuns(
    sql,
    appends.map((a, k) => ({ stream: a.stream, firstRevision: results[k]!.nextRevision - a.beads.length + 1, beads: a.beads, texts: a.texts })),
    tag,
  );
  for (const r of results) r.position = last - (rows - r.position);
  return results;
}

/** The error a fast-path insert fails with when one of its beads is already stored. */
export function isStoredBeadId(err: unknown): boolean {
  return err instanceof Error && (err as { code?: unknown }).code === 'SQLITE_CONSTRAINT_UNIQUE' && err.message.includes('beads.bead_id');
}

/** The rows a retried append will really write: those not stored yet, as writeBeads skips them. */
export function unstoredRows(sql: Statements, appends: readonly { beads: Bead[]; texts: string[] }[]): { beads: Bead[]; texts: string[] }[] {
  return appends.map((a) => withoutStored(sql, a.beads, a.texts));
}

function withoutStored(sql: Statements, beads: Bead[], texts: string[]): { beads: Bead[]; texts: string[] } {
  if (beads.length === 0) return { beads, texts };
  const stored = sql.storedIds.all(JSON.stringify(beads.map((b) => b.bead_id)));
  if (stored.length === 0) return { beads, texts };
  const skip = new Set(stored);
  const keep = beads.flatMap((b, i) => (skip.has(b.bead_id) ? [] : [i]));
  return { beads: keep.map((i) => beads[i]!), texts: keep.map((i) => texts[i]!) };
}

interface RowRun {
  stream: string;
  firstRevision: number;
  beads: readonly Bead[];
  texts: readonly string[];
}

/** Runs of rows, in order: a full chunk per statement step, then the rest in one INSERT of its size. The last row's position. */
function insertRuns(sql: Statements, runs: readonly RowRun[], tag?: RowTag): LogPosition {
  const params: unknown[] = [];
  let lastRowid: number | bigint = 0;
  for (const run of runs) {
    for (let i = 0; i < run.beads.length; i++) {
      const b = run.beads[i]!;
      params.push(run.stream, run.firstRevision + i, b.bead_id, b.bead_type, b.ts, run.texts[i]!, tag !== undefined && tag.beadId === b.bead_id ? tag.tag : null);
      if (params.length === INSERT_CHUNK * INSERT_COLUMNS) {
        lastRowid = sql.insertOf(INSERT_CHUNK).run(params).lastInsertRowid;
        params.length = 0;
      }
    }
  }
  if (params.length > 0) lastRowid = sql.insertOf(params.length / INSERT_COLUMNS).run(params).lastInsertRowid;
  return Number(lastRowid);
}
