import { createHash } from 'node:crypto';
import { constants, type Stats } from 'node:fs';
import { lstat, open } from 'node:fs/promises';

/** Intents are a dozen lines; anything past this is refused unread. */
export const MAX_INTENT_BYTES = 64 * 1024;
/** An oversized file is still hashed for the record, up to this size. */
const HASH_LIMIT_BYTES = 16 * 1024 * 1024;

export type IntentFileRead =
  | { kind: 'read'; bytes: Buffer; contentHash: string }
  /** Refused before parsing: too big or not a regular file. The hash is there when the bytes could be read. */
  | { kind: 'refused'; reason: string; contentHash?: string }
  /** The file vanished between readdir and open: nothing to do. */
  | { kind: 'gone' };

function entryKind(stats: Stats): string {
  if (stats.isDirectory()) return 'a directory';
  if (stats.isSymbolicLink()) return 'a symbolic link';
  if (stats.isFIFO()) return 'a named pipe';
  if (stats.isSocket()) return 'a socket';
  return 'not a regular file';
}

/**
 * Keeps little more than `maxBytes` in memory. Symlinks are never followed (a
 * link could point outside the folder) and pipes are never opened (that would block).
 * A huge file is hashed in chunks, up to a limit, so its hash is still recorded.
 */
export async function readIntentFile(path: string, maxBytes = MAX_INTENT_BYTES): Promise<IntentFileRead> {
  let stats: Stats;
  try {
    stats = await lstat(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { kind: 'gone' };
    throw err;
  }
  if (!stats.isFile()) return { kind: 'refused', reason: `${entryKind(stats)}, not an intent file` };
  if (stats.size > HASH_LIMIT_BYTES) return { kind: 'refused', reason: tooBig(stats.size, maxBytes) };
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { kind: 'gone' };
    return { kind: 'refused', reason: `cannot be read (${code ?? (err as Error).message})` };
  }
  try {
    const hash = createHash('sha256');
    const chunk = Buffer.alloc(256 * 1024);
    const kept: Buffer[] = [];
    let total = 0;
    for (;;) {
      const { bytesRead } = await handle.read(chunk, 0, chunk.length, null);
      if (bytesRead === 0) break;
      const piece = chunk.subarray(0, bytesRead);
      hash.update(piece);
      if (total <= maxBytes) kept.push(Buffer.from(piece));
      total += bytesRead;
      if (total > HASH_LIMIT_BYTES) break;
    }
    if (total > maxBytes) {
      const reason = tooBig(Math.max(total, stats.size), maxBytes);
      // Past the hash limit the refusal carries no hash rather than reading gigabytes.
      return total > HASH_LIMIT_BYTES ? { kind: 'refused', reason } : { kind: 'refused', reason, contentHash: hash.digest('hex') };
    }
    return { kind: 'read', bytes: Buffer.concat(kept), contentHash: hash.digest('hex') };
  } finally {
    await handle.close();
  }
}

function tooBig(size: number, maxBytes: number): string {
  return `file is ${size} bytes; an intent file may be at most ${maxBytes} bytes`;
}
