/**
 * Byte-level framing of the TWS socket protocol (the "V100+" variant that
 * every supported server version uses).
 *
 * A connection starts with the client's greeting: the 4 bytes `API\0`, then a
 * 4-byte big-endian length and that many bytes of version range (`v100..193`).
 * After that, both directions exchange messages framed as a 4-byte big-endian
 * length followed by NUL-terminated fields.
 */

/** A field value as the encoders produce it; `undefined` and `null` go out empty. */
export type Field = string | number | boolean | undefined | null;

/** The text IB uses for "no value" in double fields (Java's Double.MAX_VALUE). */
export const DOUBLE_MAX = '1.7976931348623157E308';
/** The text IB uses for "no value" in int fields (Java's Integer.MAX_VALUE). */
export const INT_MAX = '2147483647';

const GREETING = Buffer.from('API\0', 'latin1');
/** A frame larger than this is not a TWS message; the connection is dropped. */
export const MAX_FRAME_BYTES = 1 << 20;

export function formatField(value: Field): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'boolean') return value ? '1' : '0';
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) return '';
    return String(value);
  }
  return value;
}

/** Encodes one message: every field is NUL-terminated, the whole is length-prefixed. */
export function encodeFrame(fields: readonly Field[]): Buffer {
  // The client's tokenizer keeps whatever follows the last NUL as a fragment
  // of the next message, so the trailing NUL is not optional.
  const body = Buffer.from(fields.map((f) => `${formatField(f)}\0`).join(''), 'utf8');
  const frame = Buffer.allocUnsafe(4 + body.length);
  frame.writeUInt32BE(body.length, 0);
  body.copy(frame, 4);
  return frame;
}

export interface VersionRange {
  min: number;
  max: number;
}

/** Parses `v100..193` (or a single `v176`); connect options after a space are ignored. */
export function parseVersionRange(text: string): VersionRange | undefined {
  const match = /^v(\d+)(?:\.\.(\d+))?/.exec(text.trim());
  if (!match) return undefined;
  const min = Number(match[1]);
  const max = match[2] === undefined ? min : Number(match[2]);
  if (!Number.isInteger(min) || !Number.isInteger(max) || min > max) return undefined;
  return { min, max };
}

export type WireEvent =
  | { type: 'greeting'; range: VersionRange | undefined; raw: string }
  | { type: 'message'; fields: string[] }
  | { type: 'protocolError'; reason: string };

/**
 * Splits the server side of the byte stream into the greeting and messages.
 * It never throws: a stream that is not TWS protocol becomes a `protocolError`
 * event, after which the reader stops producing events.
 */
export class ServerWireReader {
  private buffer: Buffer = Buffer.alloc(0);
  private greeted = false;
  private broken = false;

  push(chunk: Buffer): WireEvent[] {
    if (this.broken) return [];
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    const events: WireEvent[] = [];
    for (;;) {
      const event = this.greeted ? this.readMessage() : this.readGreeting();
      if (!event) break;
      events.push(event);
      if (event.type === 'protocolError') {
        this.broken = true;
        this.buffer = Buffer.alloc(0);
        break;
      }
    }
    return events;
  }

  private readGreeting(): WireEvent | undefined {
    const prefixLength = Math.min(this.buffer.length, GREETING.length);
    if (!this.buffer.subarray(0, prefixLength).equals(GREETING.subarray(0, prefixLength))) {
      return {
        type: 'protocolError',
        reason: 'the connection did not start with the API greeting',
      };
    }
    if (this.buffer.length < GREETING.length + 4) return undefined;
    const length = this.buffer.readUInt32BE(GREETING.length);
    if (length > MAX_FRAME_BYTES) return { type: 'protocolError', reason: 'greeting too long' };
    const end = GREETING.length + 4 + length;
    if (this.buffer.length < end) return undefined;
    const raw = this.buffer
      .subarray(GREETING.length + 4, end)
      .toString('utf8')
      .replace(/\0+$/, '');
    this.buffer = this.buffer.subarray(end);
    this.greeted = true;
    return { type: 'greeting', range: parseVersionRange(raw), raw };
  }

  private readMessage(): WireEvent | undefined {
    if (this.buffer.length < 4) return undefined;
    const length = this.buffer.readUInt32BE(0);
    if (length > MAX_FRAME_BYTES) return { type: 'protocolError', reason: `frame of ${length} bytes` };
    if (this.buffer.length < 4 + length) return undefined;
    const body = this.buffer.subarray(4, 4 + length).toString('utf8');
    this.buffer = this.buffer.subarray(4 + length);
    const fields = body.split('\0');
    // Fields are NUL-terminated, so a well-formed body ends with an empty token.
    if (fields[fields.length - 1] === '') fields.pop();
    return { type: 'message', fields };
  }
}
