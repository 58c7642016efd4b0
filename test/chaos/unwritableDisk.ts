import { execFileSync } from 'node:child_process';
import { closeSync, mkdirSync, openSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Makes a SQLite log unwritable for real. CI runs as root, so permissions
 * alone would not stop a write. Measured on this machine (see the README's
 * fail-closed section):
 *
 * 1. a full disk: PHOENIX_HOME on its own small tmpfs, filled to ENOSPC;
 *    SQLite answers SQLITE_FULL once the write-ahead log must grow (at once
 *    on a young log; after the WAL's reusable slack on an old one), and
 *    writes again once the filler is removed. Needs CAP_SYS_ADMIN (mount).
 * 2. else an immutable write-ahead log (`chattr +i phoenix.db-wal`): the
 *    next write through the open handle fails with SQLITE_IOERR_WRITE;
 *    `chattr -i` mends it. Needs CAP_LINUX_IMMUTABLE and an ext2/3/4 or
 *    similar filesystem under the temp dir.
 *
 * Where neither works, `prepare` throws with both commands' own output: the
 * test cannot make the log unwritable here, and says exactly why.
 */
export interface UnwritableDisk {
  home: string;
  how: 'full tmpfs' | 'immutable WAL';
  /** Makes the log unwritable now; returns what was done, in words. */
  break(): string;
  mend(): void;
  release(): void;
}

const run = (cmd: string, args: string[]) => execFileSync(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], timeout: 10_000, encoding: 'utf8' });
const outputOf = (err: unknown) => `${((err as { stderr?: string }).stderr ?? '').trim() || (err as Error).message}`;

export function prepareUnwritableDisk(base: string, sizeMiB = 64): UnwritableDisk {
  const home = join(base, 'phoenix-home');
  mkdirSync(home, { recursive: true });
  let mountOutput: string;
  try {
    run('mount', ['-t', 'tmpfs', '-o', `size=${sizeMiB}m,mode=0700`, 'phoenix-full-disk', home]);
    const filler = join(home, 'filler');
    return {
      home,
      how: 'full tmpfs',
      break() {
        const fd = openSync(filler, 'w');
        const chunk = Buffer.alloc(1 << 16);
        let written = 0;
        try {
          for (;;) written += writeSync(fd, chunk);
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
        } finally {
          closeSync(fd);
        }
        return `PHOENIX_HOME's ${sizeMiB} MiB tmpfs filled to ENOSPC (${(written / (1 << 20)).toFixed(1)} MiB of filler)`;
      },
      mend: () => rmSync(filler, { force: true }),
      release() {
        try {
          run('umount', ['-l', home]);
        } catch {
          // already unmounted
        }
      },
    };
  } catch (err) {
    mountOutput = `mount -t tmpfs: ${outputOf(err)}`;
  }
  const wal = join(home, 'phoenix.db-wal');
  let immutable = false;
  return {
    home,
    how: 'immutable WAL',
    break() {
      try {
        run('chattr', ['+i', wal]);
      } catch (err) {
        throw new Error(`cannot make the log unwritable on this machine: ${mountOutput}; chattr +i ${wal}: ${outputOf(err)}`);
      }
      immutable = true;
      return `phoenix.db-wal made immutable (chattr +i), because ${mountOutput}`;
    },
    mend() {
      if (immutable) run('chattr', ['-i', wal]);
      immutable = false;
    },
    release() {
      try {
        this.mend();
      } catch {
        // nothing left to undo
      }
    },
  };
}
