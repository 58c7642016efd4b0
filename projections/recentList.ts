/**
 * A persistent "last N items" list with amortised O(1) push, for folds that
 * must return a new model per bead without copying their bounded lists each
 * time (replaying a million beads would otherwise copy a hundred items a
 * million times).
 *
 * Versions share one backing array that only ever grows at the end; each
 * version remembers its own window [start, end). Pushing onto the newest
 * version appends in place, which older versions cannot see because their
 * window stops earlier. Pushing onto an older version (a branch) copies first,
 * so every version stays exactly what it was.
 */
export interface RecentList<T> {
  readonly cap: number;
  /** Shared backing store; read only through recentItems. */
  readonly backing: T[];
  readonly start: number;
  readonly end: number;
}

export function emptyRecent<T>(cap: number): RecentList<T> {
  if (!Number.isInteger(cap) || cap < 1) throw new Error(`a recent list needs a positive whole cap, got ${cap}`);
  return { cap, backing: [], start: 0, end: 0 };
}

export function pushRecent<T>(list: RecentList<T>, item: T): RecentList<T> {
  let { backing, start, end } = list;
  const branched = backing.length !== end;
  // Compacting once the dead prefix reaches the cap keeps the backing array below 2 × cap.
  if (branched || start >= list.cap) {
    backing = backing.slice(start, end);
    end -= start;
    start = 0;
  }
  backing.push(item);
  end += 1;
  if (end - start > list.cap) start += 1;
  return { cap: list.cap, backing, start, end };
}

/** The items, oldest first, as a fresh array the caller may keep. */
export function recentItems<T>(list: RecentList<T>): T[] {
  return list.backing.slice(list.start, list.end);
}

export function recentLength(list: RecentList<unknown>): number {
  return list.end - list.start;
}

/** The newest item, if any. */
export function latestRecent<T>(list: RecentList<T>): T | undefined {
  return list.end > list.start ? list.backing[list.end - 1] : undefined;
}
