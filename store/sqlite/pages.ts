import { nextTurn } from '../nextTurn.ts';
import type { LogEntry, LogPosition } from '../port.ts';
import type { RowPage } from './decode.ts';

/** Where a read's pages come from: the reader's own connection, or a thread reading ahead of it. */
export interface Pager {
  /**
   * Up to `want` rows after `after`; fewer than `want` means the log ends
   * there. `remaining` is what the whole read still wants (Infinity for all).
   */
  page(after: LogPosition, want: number, remaining: number): RowPage | Promise<RowPage>;
  /** The read is over, at its end or because the reader stopped early. */
  close(): void;
}

/**
 * An async iterator over the log after a position, fetched one page at a
 * time and handed out entry by entry. Hand-rolled rather than an async
 * generator: a replay takes a million entries through it. Each page is
 * fully read before any entry is handed out, so the connection is free for
 * appends between entries. Every page after the first waits for the event
 * loop's next turn (see nextTurn.ts): a short read costs nothing more, a
 * replay lets the rest of the host run between its pages.
 */
export function pagesAfter(pager: Pager, pageSize: number, after: LogPosition | undefined, limit: number | undefined): AsyncIterator<LogEntry> {
  let cursor = after ?? -1;
  let remaining = limit ?? Number.POSITIVE_INFINITY;
  let page: RowPage | undefined;
  let index = 0;
  let exhausted = false;
  let want = 0;
  let pages = 0;
  const done: IteratorReturnResult<undefined> = { done: true, value: undefined };
  const finish = (): IteratorReturnResult<undefined> => {
    exhausted = true;
    page = undefined;
    pager.close();
    return done;
  };
  const take = (): IteratorResult<LogEntry> => ({ done: false, value: page!.take(index++) });
  const arrived = (next: RowPage): IteratorResult<LogEntry> => {
    page = next;
    index = 0;
    if (next.size === 0) return finish();
    if (next.size < want) exhausted = true;
    remaining -= next.size;
    cursor = next.lastPosition;
    return take();
  };
  const fetch = (): IteratorResult<LogEntry> | Promise<IteratorResult<LogEntry>> => {
    if (exhausted) return finish();
    want = Math.min(pageSize, remaining);
    const next = pager.page(cursor, want, remaining);
    return next instanceof Promise ? next.then(arrived) : arrived(next);
  };
  const next = (): IteratorResult<LogEntry> | Promise<IteratorResult<LogEntry>> => {
    if (page !== undefined && index < page.size) return take();
    if (exhausted || remaining <= 0) return finish();
    // Checked again after the turn: the reader may have stopped (return) meanwhile.
    return pages++ === 0 ? fetch() : nextTurn().then(fetch);
  };
  return {
    next: () => {
      try {
        const result = next();
        return result instanceof Promise ? result : Promise.resolve(result);
      } catch (err) {
        return Promise.reject(err);
      }
    },
    return: () => {
      finish();
      return Promise.resolve(done);
    },
  };
}
