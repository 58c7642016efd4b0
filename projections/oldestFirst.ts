/**
 * Bounded folds keep a Map or Set in insertion order and let their oldest
 * entries go as new ones come. V8 leaves each deleted entry as a hole in the
 * table until the table is next rebuilt, and a fresh iterator walks the
 * holes from the start: `map.keys().next()` on a map of 10,000 that loses
 * one entry per bead walks thousands of holes each time (B5: most of a
 * second of a million-bead start). A live iterator kept beside each
 * collection walks every hole once. The collection's content and order are
 * exactly what the plain loop leaves; the cursor is a cache, never state
 * (a checkpoint restores the collection, and a new cursor starts on it).
 *
 * What it relies on: an entry leaves such a collection through `evictOldest`
 * or `moveToEnd`, or by a delete after which the same key is not added back
 * before the next eviction (the cursor would take the key back at the end
 * for the oldest).
 */

type Keyed<K> = Map<K, unknown> | Set<K>;

interface Cursor<K> {
  keys: Iterator<K>;
  head: K | undefined;
  /** `head` is the oldest key, unless it has since been deleted. */
  valid: boolean;
}

const cursors = new WeakMap<object, Cursor<unknown>>();

/** The cursor on the oldest key; undefined when the collection is empty. */
function oldest<K>(collection: Keyed<K>): Cursor<K> | undefined {
  let cursor = cursors.get(collection) as Cursor<K> | undefined;
  if (cursor?.valid && collection.has(cursor.head as K)) return cursor;
  if (cursor === undefined) {
    cursor = { keys: collection.keys(), head: undefined, valid: false };
    cursors.set(collection, cursor);
  }
  // A live iterator: it skips what was deleted after it was made, and goes on to what was added.
  const next = cursor.keys.next();
  if (next.done) {
    // Finished for good (an iterator that has said done never goes on): the next call starts a new one.
    cursors.delete(collection);
    return undefined;
  }
  cursor.head = next.value;
  cursor.valid = true;
  return cursor;
}

/**
 * Deletes the oldest entries, oldest first, until `kept(key, value)` holds
 * for the oldest (or the collection is empty); `evicted` hears each one
 * deleted, after its delete. The same as
 * `for (const [k, v] of map) { if (kept(k, v)) break; map.delete(k); evicted?.(k, v); }`.
 */
export function evictOldest<K, V>(collection: Map<K, V> | Set<K>, kept: (key: K, value: V) => boolean, evicted?: (key: K, value: V) => void): void {
  for (let cursor = oldest<K>(collection); cursor !== undefined; cursor = oldest<K>(collection)) {
    const key = cursor.head as K;
    const value = (collection instanceof Map ? collection.get(key) : key) as V;
    if (kept(key, value)) return;
    collection.delete(key);
    cursor.valid = false;
    evicted?.(key, value);
  }
}

/** Deletes the oldest entry, if there is one: `collection.delete(collection.keys().next().value)`. */
export function dropOldest<K>(collection: Keyed<K>): void {
  const cursor = oldest(collection);
  if (cursor === undefined) return;
  collection.delete(cursor.head as K);
  cursor.valid = false;
}

/** Takes a key of a set out and adds it back as the newest. */
export function moveToEnd<K>(set: Set<K>, key: K): void {
  if (set.delete(key)) {
    const cursor = cursors.get(set);
    if (cursor?.head === key) cursor.valid = false;
  }
  set.add(key);
}
