/**
 * A "last N items" list for the dashboard fold: a ring buffer written in
 * place, so a push is one slot write whatever the length of the log. Like the
 * model that holds it, it belongs to the one fold writing it; readers get
 * copies through recentItems, so nothing they keep changes under them.
 */
export interface RecentList<T> {
  readonly cap: number;
  /** At most `cap` items; once full, `next` is both the oldest and the slot the next push overwrites. */
  readonly slots: T[];
  next: number;
}

export function emptyRecent<T>(cap: number): RecentList<T> {
  if (!Number.isInteger(cap) || cap < 1) throw new Error(`a recent list needs a positive whole cap, got ${cap}`);
  return { cap, slots: [], next: 0 };
}

export function pushRecent<T>(list: RecentList<T>, item: T): void {
  list.slots[list.next] = item;
  list.next = list.next + 1 === list.cap ? 0 : list.next + 1;
}

/**
 * Replaces the item `matches` picks with `make(it)`, keeping its place; if
 * none matches, pushes `make(undefined)`. For lists keyed this way, where at
 * most one item can match.
 */
export function upsertRecent<T>(list: RecentList<T>, matches: (item: T) => boolean, make: (known: T | undefined) => T): void {
  const i = list.slots.findIndex(matches);
  if (i >= 0) list.slots[i] = make(list.slots[i]);
  else pushRecent(list, make(undefined));
}

/** The items, oldest first, as a fresh array the caller may keep. */
export function recentItems<T>(list: RecentList<T>): T[] {
  const { slots, next } = list;
  return slots.length < list.cap ? slots.slice() : [...slots.slice(next), ...slots.slice(0, next)];
}
