import { LogUnavailableError } from '../errors.ts';

/**
 * Anything SQLite throws while reading or writing (disk full, read-only file,
 * lock held past the busy timeout, closed connection, I/O error) means the log
 * cannot be trusted to take a write: callers fail closed on LogUnavailableError.
 */
export function toLogUnavailable(err: unknown, doing: string): LogUnavailableError {
  if (err instanceof LogUnavailableError) return err;
  const code = typeof err === 'object' && err !== null && 'code' in err ? String(err.code) : undefined;
  const detail = err instanceof Error ? err.message : String(err);
  return new LogUnavailableError(`${doing}: ${code ? `${code} ` : ''}${detail}`, err);
}
