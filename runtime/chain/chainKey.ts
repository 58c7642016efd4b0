import { randomBytes } from 'node:crypto';
import { chmodSync, closeSync, existsSync, fsyncSync, linkSync, mkdirSync, openSync, readFileSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The host's chain key (issue 17): the HMAC key every seal is signed with.
 *
 * It lives in PHOENIX_HOME/chain.key, mode 0600, made by the first
 * `phoenix run` and kept for the life of the log, beside mock mode's
 * approval secret and for the same reasons: only the host's own user can
 * read it (PHOENIX_HOME is 0700), it never travels in `.env` (which every CLI
 * command loads, and which is copied around and rotated), it is never
 * printed, logged or written to a bead, and rotating APPROVAL_TOKEN_SECRET
 * does not orphan the log's history. The CLI never opens it: a bead a
 * command writes carries its own proof instead, and the host answers it.
 * Only `phoenix run` and the verifier (`phoenix replay --verify`, the live
 * gate) read it; lose it and old seals can no longer be checked (the log
 * still reads; it is then unverifiable, and the live gate stays shut).
 */
export const CHAIN_KEY_FILE = 'chain.key';

export class ChainKeyError extends Error {
  override readonly name = 'ChainKeyError';
}

export function chainKeyPath(homeDir: string): string {
  return join(homeDir, CHAIN_KEY_FILE);
}

/** The key, made on first use when `create` is set; undefined when there is none and none may be made. */
export function loadChainKey(homeDir: string, options: { create: boolean }): Buffer | undefined {
  const path = chainKeyPath(homeDir);
  if (!existsSync(path)) {
    if (!options.create) return undefined;
    createOnce(path);
  }
  const mode = statSync(path).mode & 0o777;
  if ((mode & 0o077) !== 0) throw new ChainKeyError(`${path} is readable by others (mode ${mode.toString(8).padStart(4, '0')}): chmod 600 it (and check who read it)`);
  const hex = readFileSync(path, 'utf8').trim();
  if (!/^[0-9a-f]{64}$/.test(hex)) throw new ChainKeyError(`${path} does not hold a chain key (64 hex characters); restore it from the host's backup`);
  return Buffer.from(hex, 'hex');
}

function createOnce(path: string): void {
  mkdirSync(join(path, '..'), { recursive: true, mode: 0o700 });
  const temp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  const fd = openSync(temp, 'wx', 0o600);
  try {
    writeSync(fd, `${randomBytes(32).toString('hex')}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    linkSync(temp, path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  } finally {
    unlinkSync(temp);
  }
}

/**
 * PHOENIX_HOME is the host's alone (issue 17): the directory 0700, the log
 * and the secrets in it 0600. A home made before this rule (0755, a 0644
 * log) is tightened at start; what was changed is returned, to be said.
 */
export function secureHome(homeDir: string): string[] {
  const changed: string[] = [];
  mkdirSync(homeDir, { recursive: true, mode: 0o700 });
  const tighten = (path: string, mode: number) => {
    if (!existsSync(path)) return;
    const now = statSync(path).mode & 0o777;
    if ((now & ~mode & 0o777) === 0) return;
    chmodSync(path, now & mode);
    changed.push(`${path} ${now.toString(8)} → ${(now & mode).toString(8)}`);
  };
  tighten(homeDir, 0o700);
  for (const file of ['phoenix.db', 'phoenix.db-wal', 'phoenix.db-shm', CHAIN_KEY_FILE, 'approval-token.secret']) tighten(join(homeDir, file), 0o600);
  return changed;
}
