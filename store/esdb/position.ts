import type { Position } from '@eventstore/db-client';
import type { LogPosition } from '../port.ts';

/**
 * How an ESDB $all position becomes our one-number LogPosition, and back.
 *
 * ESDB gives every event a {commit, prepare} pair of byte offsets into its
 * transaction log. For everything written through gRPC (no explicit
 * transactions, which only the retired TCP API had) both halves are the
 * offset of the event's own record, so commit === prepare, unique, and
 * increasing in $all order, with gaps the size of the records in between.
 * We therefore use the commit position as the LogPosition: it keeps those
 * gaps, fits a JS number until the log passes 9 PB, and maps back to the
 * exact pair {commit: n, prepare: n}.
 *
 * Mapping back exactly matters: a subscription "from" a position skips the
 * first event at or after it, and newer servers refuse a position that is not
 * an event boundary. So we only ever hand the server positions it gave us.
 */

/** What servers before 22.x put on events read from a stream: "no $all position". */
const UNKNOWN = 18_446_744_073_709_551_615n;

/** The LogPosition of an event, or undefined when the server did not say. */
export function toLogPosition(position: Position | undefined): LogPosition | undefined {
  if (!position || position.commit === UNKNOWN) return undefined;
  if (position.commit > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new Error(`$all position ${position.commit} is beyond what a LogPosition can hold`);
  }
  return Number(position.commit);
}

/** The server position of an event we were handed earlier. */
export function toEsdbPosition(position: LogPosition): Position {
  const exact = BigInt(position);
  return { commit: exact, prepare: exact };
}
