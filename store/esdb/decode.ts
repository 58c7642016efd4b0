import type { RecordedEvent } from '@eventstore/db-client';
import type { Decoded } from '../../beads/index.ts';
import type { LogEntry, LogPosition } from '../port.ts';
import { decodeChecked, upcastChecked } from '../storedBead.ts';

/**
 * A stored record becomes a bead or a corrupt entry, never a throw. Replays
 * upcast and check shapes cheaply (S1, storedBead.ts); a bead whose fields do
 * not fit its type is a corrupt entry like an unreadable one.
 */
export function toEntry(event: RecordedEvent, stream: string, position: LogPosition): LogEntry {
  const decoded = decodeRecord(event);
  const revision = Number(event.revision);
  return decoded.ok
    ? { kind: 'bead', position, stream, revision, bead: decoded.bead }
    : { kind: 'corrupt', position, stream, revision, reason: decoded.reason };
}

function decodeRecord(event: RecordedEvent): Decoded {
  if (!event.isJson) {
    return decodeChecked(Buffer.from(event.data as Uint8Array).toString('utf8'));
  }
  // The client parses JSON itself and, when the text is not JSON, hands back the raw string.
  if (typeof event.data === 'string') {
    const parsed = decodeChecked(event.data);
    return parsed.ok ? { ok: false, reason: 'a JSON string, not a bead object' } : parsed;
  }
  return upcastChecked(event.data);
}

/** System records: `$`-prefixed streams ($stats-…, $$…) and types ($metadata, $>, …). */
export function isSystemEvent(event: RecordedEvent): boolean {
  return event.streamId.startsWith('$') || event.type.startsWith('$');
}
