import type { LogEntry, LogPosition } from '../port.ts';
import { entryOf, type StoredRow } from './decode.ts';

/**
 * An async iterator over the log after a position, fetched one synchronous
 * page at a time and handed out entry by entry. Hand-rolled rather than an
 * async generator: a replay takes a million entries through it. Each page is
 * fully read before any entry is handed out, so the connection is free for
 * appends between entries.
 */
export function pagesAfter(
  readPage: (after: LogPosition, limit: number) => StoredRow[],
  pageSize: number,
  after: LogPosition | undefined,
  limit: number | undefined,
): AsyncIterator<LogEntry> {
  let cursor = after ?? -1;
  let remaining = limit ?? Number.POSITIVE_INFINITY;
  let rows: (StoredRow | undefined)[] = [];
  let index = 0;
  let exhausted = false;
  const done: IteratorReturnResult<undefined> = { done: true, value: undefined };
  const next = (): IteratorResult<LogEntry> => {
    if (index === rows.length) {
      if (exhausted || remaining <= 0) return done;
      const want = Math.min(pageSize, remaining);
      rows = readPage(cursor, want);
      index = 0;
      if (rows.length < want) exhausted = true;
      if (rows.length === 0) return done;
      remaining -= rows.length;
      cursor = rows[rows.length - 1]![0];
    }
    const row = rows[index]!;
    // Let go of a row once handed out: a page holds about a megabyte of JSON
    // text, and whatever is still referenced when the young heap is collected
    // gets copied, several times per page on a replay.
    rows[index++] = undefined;
    return { done: false, value: entryOf(row) };
  };
  return {
    next: () => {
      try {
        return Promise.resolve(next());
      } catch (err) {
        return Promise.reject(err);
      }
    },
  };
}
