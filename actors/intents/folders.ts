import { mkdir, rename } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { exists, writeFileAtomic } from './atomicWrite.ts';
import { safeFileName } from './fileNames.ts';

export interface IntentFolders {
  incoming: string;
  processed: string;
  rejected: string;
  responses: string;
}

export function intentFolders(homeDir: string): IntentFolders {
  return {
    incoming: join(homeDir, 'intents', 'incoming'),
    processed: join(homeDir, 'intents', 'processed'),
    rejected: join(homeDir, 'intents', 'rejected'),
    responses: join(homeDir, 'responses'),
  };
}

export async function ensureIntentFolders(folders: IntentFolders): Promise<void> {
  for (const dir of Object.values(folders)) await mkdir(dir, { recursive: true });
}

export const REASON_SUFFIX = '.reason.txt';

/**
 * A name under `folder` that is safe and free: `name` cleaned, then `-2`, `-3`…
 * before the extension while that name (or its reason file) is taken, so an
 * earlier file is never overwritten. The seam is the only writer of these
 * folders and works one file at a time, so choosing then renaming does not race.
 */
export async function freeName(folder: string, name: string): Promise<string> {
  const base = safeFileName(name);
  const ext = extname(base);
  const stem = base.slice(0, base.length - ext.length);
  for (let n = 1; ; n++) {
    const candidate = n === 1 ? base : `${stem}-${n}${ext}`;
    const target = join(folder, candidate);
    if (!(await exists(target)) && !(await exists(target + REASON_SUFFIX))) return candidate;
  }
}

/** Moves `from` to `folder/name` (a name from freeName), with its reason file when refused. */
export async function placeFile(from: string, folder: string, name: string, reason?: string): Promise<void> {
  const target = join(folder, name);
  // The reason goes first: a crash in between leaves a reason without its file, never a file without its reason.
  if (reason !== undefined) await writeFileAtomic(target + REASON_SUFFIX, reason);
  await rename(from, target);
}
