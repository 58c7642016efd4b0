import type { RecordedEvent } from '@eventstore/db-client';
import type { LogPosition } from '../port.ts';
import { toLogPosition } from './position.ts';

export interface StoredBead {
  revision: number;
  /** -1 when the server does not put $all positions on stream reads (before 22.x). */
  position: LogPosition;
}

export interface StoredBeadScan {
  /** Reads `count` events of the stream backwards from `from` (its end when omitted). */
  readBackwards(from: bigint | undefined, count: number): Promise<RecordedEvent[]>;
  pageSize: number;
  /** A hard stop for streams whose ids say nothing about time. */
  maxEvents: number;
  /** How much older than our beads an event may be and still have been written after them. */
  clockSkewMs: number;
}

/**
 * Which of these bead ids the stream already holds. ESDB's own idempotency
 * only covers a retry with the same expected revision, or with `any` while the
 * ids are still in the node's in-memory cache; a retry after a restart, or
 * with a newer expected revision, would store a bead twice. So the adapter
 * looks before it writes.
 *
 * A bead can only live in its own stream (prepareAppend checks), and a
 * retried bead sits at or near the tail: anything appended after it was
 * minted later. Bead ids are UUIDv7, so the scan walks back from the tail and
 * stops at the first event minted well before the oldest bead we look for.
 */
export async function findStoredBeads(ids: readonly string[], scan: StoredBeadScan): Promise<Map<string, StoredBead>> {
  const wanted = new Set(ids);
  const found = new Map<string, StoredBead>();
  const mintedTimes = ids.map(uuidV7Millis).filter((t): t is number => t !== undefined);
  const cutoff = mintedTimes.length === ids.length ? Math.min(...mintedTimes) - scan.clockSkewMs : undefined;

  let from: bigint | undefined;
  let scanned = 0;
  while (found.size < wanted.size && scanned < scan.maxEvents) {
    const page = await scan.readBackwards(from, scan.pageSize);
    for (const event of page) {
      scanned += 1;
      if (wanted.has(event.id)) {
        found.set(event.id, { revision: Number(event.revision), position: toLogPosition(event.position) ?? -1 });
      }
      const minted = uuidV7Millis(event.id);
      if (cutoff !== undefined && minted !== undefined && minted < cutoff) return found;
    }
    const oldest = page[page.length - 1];
    if (page.length < scan.pageSize || !oldest || oldest.revision === 0n) return found;
    from = oldest.revision - 1n;
  }
  return found;
}

/** The millisecond timestamp in a UUIDv7, or undefined for any other kind of id. */
export function uuidV7Millis(id: string): number | undefined {
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i.test(id)) return undefined;
  return Number.parseInt(id.slice(0, 8) + id.slice(9, 13), 16);
}
