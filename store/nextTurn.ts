/**
 * A long read hands out its entries from resolved promises, and a `for await`
 * over resolved promises never lets the event loop turn: folding a large log
 * would hold up the broker's socket, timers and every other actor until the
 * end. Reads therefore give the loop a turn between pages (SQLite) or every
 * this many entries (memory). One turn costs microseconds; a page of entries
 * costs milliseconds.
 */
export const ENTRIES_PER_TURN = 2000;

/** Resolves on the event loop's next turn, after pending I/O and timers have had theirs. */
export function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
