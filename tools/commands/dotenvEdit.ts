import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { open, rename, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/**
 * Changing one setting in `.env` the way a careful person would by hand:
 * every other line, comment and blank kept in its place and order, the
 * setting's own line rewritten where it stands (or added at the end), and
 * the file replaced in one step.
 *
 * The write is temp file → fsync → rename → fsync of the folder, by hand:
 * no atomic-write library is a dependency, and the one helper in the tree
 * (actors/intents/atomicWrite.ts) makes its temp file 0644, while `.env`
 * holds secrets and must keep its own mode (0600 for a new file). A reader
 * sees the old file or the new one, never half of either; after a crash,
 * one of the two is on disk.
 */

export class EnvFileError extends Error {
  override readonly name = 'EnvFileError';
}

const PLAIN = /^[A-Za-z0-9_.,:/@+=-]*$/;

/** The value as .env spells it: bare when plain, else quoted (the reader strips one pair of quotes and keeps the rest). */
export function dotenvValue(value: string): string {
  if (/[\r\n]/.test(value)) throw new EnvFileError('a value cannot span lines');
  if (PLAIN.test(value)) return value;
  if (!value.includes('"')) return `"${value}"`;
  if (!value.includes("'")) return `'${value}'`;
  throw new EnvFileError('a value cannot hold both kinds of quote');
}

const lineOf = (key: string) => new RegExp(`^\\s*(?:export\\s+)?${key}\\s*=`);

/** `KEY=value # why` keeps its `# why` (an unquoted value's comment, as the reader sees it). */
function trailingComment(line: string): string {
  const rest = line.slice(line.indexOf('=') + 1).trim();
  if (rest.startsWith('"') || rest.startsWith("'")) return '';
  return /\s+#.*$/.exec(rest)?.[0] ?? '';
}

/** The text with KEY set: its last line rewritten in place (the last one is the one that counts), or a line added at the end. */
export function setDotenvLine(text: string, key: string, value: string): string {
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const lines = text === '' ? [] : text.split(/\r?\n/);
  const trailing = lines.length > 0 && lines.at(-1) === '';
  if (trailing) lines.pop();
  const line = `${key}=${dotenvValue(value)}`;
  let at = -1;
  lines.forEach((l, i) => {
    if (lineOf(key).test(l)) at = i;
  });
  if (at >= 0) lines[at] = `${/^\s*export\s/.test(lines[at]!) ? 'export ' : ''}${line}${trailingComment(lines[at]!)}`;
  else lines.push(line);
  return `${lines.join(eol)}${eol}`;
}

async function modeOf(path: string): Promise<number | undefined> {
  try {
    return (await stat(path)).mode & 0o777;
  } catch {
    return undefined;
  }
}

/** Replaces `path` with `text` atomically, keeping its mode (0600 for a new file). */
export async function writeEnvFile(path: string, text: string): Promise<void> {
  const mode = (await modeOf(path)) ?? 0o600;
  const temp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  const file = await open(temp, 'wx', mode);
  try {
    try {
      await file.writeFile(text);
      await file.sync();
    } finally {
      await file.close();
    }
    await rename(temp, path);
  } finally {
    await unlink(temp).catch(() => undefined);
  }
  // The rename is durable once the folder's entry is.
  const dir = await open(dirname(path), constants.O_RDONLY);
  try {
    await dir.sync();
  } finally {
    await dir.close();
  }
}

/** One `config set` at a time per file: two at once would each write the other's change away. */
export async function withEnvLock<T>(path: string, work: () => Promise<T>): Promise<T> {
  const lock = `${path}.lock`;
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(lock, 'wx', 0o600);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') throw new EnvFileError(`${lock} exists: another phoenix config set is running (if none is, a crash left it: remove it)`);
    throw new EnvFileError(`cannot lock ${path}: ${(err as Error).message}`);
  }
  try {
    return await work();
  } finally {
    await handle.close();
    await unlink(lock).catch(() => undefined);
  }
}
