import { randomBytes } from 'node:crypto';
import { link, lstat, open, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

export class FileExistsError extends Error {
  override readonly name = 'FileExistsError';
  constructor(readonly path: string) {
    super(`${path} already exists`);
  }
}

/**
 * Writes `path` so that a reader sees either nothing or the whole file: the
 * bytes go to a temp name in the same folder (a dotfile ending in .tmp, which
 * the intent seam ignores), are flushed, and then the temp name is renamed.
 * With `overwrite: false` an existing file is never replaced (FileExistsError).
 */
export async function writeFileAtomic(
  path: string,
  data: string | Uint8Array,
  options: { overwrite?: boolean } = {},
): Promise<void> {
  const temp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  const handle = await open(temp, 'wx', 0o644);
  try {
    try {
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    if (options.overwrite === false) await publishNoClobber(temp, path);
    else await rename(temp, path);
  } finally {
    await unlink(temp).catch(() => undefined);
  }
}

/** link() fails when the target exists, which makes "create unless present" one atomic step. */
async function publishNoClobber(temp: string, path: string): Promise<void> {
  try {
    await link(temp, path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') throw new FileExistsError(path);
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP') throw err;
    // Filesystems without hard links: check, then rename (a narrow race, and only there).
    if (await exists(path)) throw new FileExistsError(path);
    await rename(temp, path);
  }
}

export async function exists(path: string): Promise<boolean> {
  try {
    await lstat(path);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
}
