import type { ExpectedRevision } from './port.ts';

/** A wrong expected revision: nothing was written. */
export class WrongExpectedRevisionError extends Error {
  override readonly name = 'WrongExpectedRevisionError';
  constructor(
    readonly stream: string,
    readonly expected: ExpectedRevision,
    /** The stream's actual last revision, or -1 when it does not exist. */
    readonly actual: number,
  ) {
    super(`append to ${stream} expected revision ${String(expected)} but the stream is at ${actual === -1 ? 'no_stream' : actual}`);
  }
}

/**
 * The log cannot be written (disk, lock, server gone). Callers must fail closed:
 * no order leaves the host while this is the answer (S2).
 */
export class LogUnavailableError extends Error {
  override readonly name = 'LogUnavailableError';
  constructor(
    message: string,
    override readonly cause?: unknown,
  ) {
    super(message);
  }
}

export function isWrongExpectedRevision(err: unknown): err is WrongExpectedRevisionError {
  return err instanceof WrongExpectedRevisionError;
}

export function isLogUnavailable(err: unknown): err is LogUnavailableError {
  return err instanceof LogUnavailableError;
}
