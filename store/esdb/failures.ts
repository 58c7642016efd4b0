import { StreamNotFoundError, WrongExpectedVersionError } from '@eventstore/db-client';
import { BeadValidationError } from '../../beads/index.ts';
import { LogUnavailableError, WrongExpectedRevisionError } from '../errors.ts';
import type { ExpectedRevision } from '../port.ts';

/**
 * Turns whatever an append threw into one of our answers. A conflict is a
 * conflict; everything else (server gone, deadline, refused, unknown) means
 * the log cannot be written, and callers fail closed on that (S2).
 */
export function appendFailure(err: unknown, stream: string, expected: ExpectedRevision): Error {
  if (err instanceof WrongExpectedRevisionError || err instanceof BeadValidationError) return err;
  if (err instanceof WrongExpectedVersionError) {
    const actual = typeof err.actualVersion === 'bigint' ? Number(err.actualVersion) : -1;
    return new WrongExpectedRevisionError(stream, expected, actual);
  }
  return new LogUnavailableError(`cannot append to ${stream}: ${describe(err)}`, err);
}

/** A failed read: the log cannot be read right now. */
export function readFailure(err: unknown, what: string): Error {
  if (err instanceof LogUnavailableError) return err;
  return new LogUnavailableError(`cannot read ${what}: ${describe(err)}`, err);
}

export function isStreamNotFound(err: unknown): boolean {
  return err instanceof StreamNotFoundError;
}

export function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * Bounds a call the client would let run forever (its reads have no deadline,
 * and BatchAppend only tells the server its deadline). On timeout the work is
 * abandoned, not undone: an append may still land, which is what retries with
 * the same bead ids are for.
 */
export async function withDeadline<T>(work: Promise<T>, ms: number, what: string, onTimeout?: () => void): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      onTimeout?.();
      reject(new LogUnavailableError(`${what} got no answer within ${ms} ms`));
    }, ms);
  });
  work.catch(() => undefined);
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
