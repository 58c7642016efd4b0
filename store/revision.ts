import { WrongExpectedRevisionError } from './errors.ts';
import type { ExpectedRevision } from './port.ts';

/** The one rule every adapter applies; `actual` is -1 for a stream that does not exist. */
export function checkExpectedRevision(stream: string, expected: ExpectedRevision, actual: number): void {
  const ok =
    expected === 'any' ||
    (expected === 'no_stream' && actual === -1) ||
    (expected === 'stream_exists' && actual >= 0) ||
    (typeof expected === 'number' && expected === actual);
  if (!ok) throw new WrongExpectedRevisionError(stream, expected, actual);
}
