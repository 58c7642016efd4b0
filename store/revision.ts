import { WrongExpectedRevisionError } from './errors.ts';
import type { ExpectedRevision } from './port.ts';

/** The one rule every adapter applies; `actual` is -1 for a stream that does not exist. */
export function revisionMatches(expected: ExpectedRevision, actual: number): boolean {
  return (
    expected === 'any' ||
    (expected === 'no_stream' && actual === -1) ||
    (expected === 'stream_exists' && actual >= 0) ||
    (typeof expected === 'number' && expected === actual)
  );
}

export function checkExpectedRevision(stream: string, expected: ExpectedRevision, actual: number): void {
  if (!revisionMatches(expected, actual)) throw new WrongExpectedRevisionError(stream, expected, actual);
}
