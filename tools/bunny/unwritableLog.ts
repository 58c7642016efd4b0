import { execFileSync } from 'node:child_process';
import { closeSync, mkdirSync, openSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Making the event log unwritable for real, the most real way this machine
 * allows, measured before use:
 *
 * 1. a full disk: PHOENIX_HOME on its own small tmpfs, filled to ENOSPC
 *    (SQLite answers SQLITE_FULL; freeing the space makes it writable again);
 * 2. else an immutable write-ahead log (`chattr +i` on phoenix.db-wal):
 *    SQLite answers SQLITE_IOERR_WRITE even through the open handle.
 *
 * Both need root (CAP_SYS_ADMIN for the mount, CAP_LINUX_IMMUTABLE for
 * chattr), as CI runs. Where neither works the vector FAILs with both reasons.
 */

export interface LogVolume {
  /** PHOENIX_HOME for the desk. */
  home: string;
  how: 'full tmpfs' | 'immutable WAL';
  /** Why the full-disk way was not available, when it was not. */
  mountProblem?: string;
  /** Makes the log unwritable now. */
  break(): string;
  /** Makes it writable again. */
  mend(): void;
  /** Leaves nothing mounted or immutable behind. */
  release(): void;
}

const run = (cmd: string, args: string[]) => execFileSync(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], timeout: 10_000, encoding: 'utf8' });
const why = (err: unknown) => ((err as { stderr?: string }).stderr || (err as Error).message).trim().split('\n')[0];

export function prepareLogVolume(base: string): LogVolume {
  const home = join(base, 'phoenix-home');
  mkdirSync(home, { recursive: true });
  let mountProblem: string | undefined;
  try {
    run('mount', ['-t', 'tmpfs', '-o', 'size=48m,mode=0700', 'bunny-full-disk', home]);
  } catch (err) {
    mountProblem = `mount -t tmpfs failed: ${why(err)}`;
  }
  const filler = join(home, 'filler');
  const wal = join(home, 'phoenix.db-wal');
  if (!mountProblem) {
    return {
      home,
      how: 'full tmpfs',
      break() {
        const fd = openSync(filler, 'w');
        const chunk = Buffer.alloc(1 << 20);
        let written = 0;
        try {
          for (;;) written += writeSync(fd, chunk);
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
        } finally {
          closeSync(fd);
        }
        return `PHOENIX_HOME's 48 MiB tmpfs filled to ENOSPC (${Math.round(written / (1 << 20))} MiB of filler)`;
      },
      mend: () => rmSync(filler, { force: true }),
      release() {
        try {
          run('umount', ['-l', home]);
        } catch {
          // already gone
        }
      },
    };
  }
  return {
    home,
    how: 'immutable WAL',
    mountProblem,
    break() {
      try {
        run('chattr', ['+i', wal]);
      } catch (err) {
        throw new Error(`cannot make the log unwritable here: ${mountProblem}; chattr +i on the write-ahead log failed: ${why(err)}`);
      }
      return `phoenix.db-wal made immutable (chattr +i); ${mountProblem}`;
    },
    mend() {
      try {
        run('chattr', ['-i', wal]);
      } catch {
        // nothing to undo
      }
    },
    release() {
      this.mend();
    },
  };
}
