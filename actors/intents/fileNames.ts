/**
 * Rules for names in the intent folders. Names come from readdir, so they are
 * single path components; the rules still refuse anything odd because the
 * name is echoed into beads, response.md and a new path under rejected/.
 */

export const MAX_NAME_LENGTH = 150;

/** Prefix of a file the seam has claimed: `.inflight.<bead id>.<original name>`. */
const INFLIGHT = /^\.inflight\.([0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12})\.(.+)$/;
const PLAIN = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

export type IncomingName =
  /** A writer's work in progress: never read. */
  | { kind: 'temp' }
  /** A file the seam claimed before a crash or a log outage: finish it with the same bead id. */
  | { kind: 'inflight'; beadId: string; original: string }
  | { kind: 'candidate' };

/** Writers write to a temp name and rename; these are the temp names we leave alone. */
export function isTempName(name: string): boolean {
  const lower = name.toLowerCase();
  return name.startsWith('.') || lower.endsWith('.tmp') || lower.endsWith('.part') || name.endsWith('~');
}

export function classifyIncoming(name: string): IncomingName {
  const claimed = INFLIGHT.exec(name);
  if (claimed) return { kind: 'inflight', beadId: claimed[1]!, original: claimed[2]! };
  if (isTempName(name)) return { kind: 'temp' };
  return { kind: 'candidate' };
}

export function claimName(beadId: string, original: string): string {
  // The prefix takes 47 bytes; long names are cut so the claim stays under the 255-byte limit.
  const fits = Buffer.byteLength(original) <= 200;
  return `.inflight.${beadId}.${fits ? original : safeFileName(original)}`;
}

/** Why a name is refused, or undefined for an acceptable intent file name. */
export function nameProblem(name: string): string | undefined {
  const shown = JSON.stringify(name);
  if (!/\.ya?ml$/i.test(name)) return `file name ${shown} does not end in .yaml or .yml`;
  if (name.length > MAX_NAME_LENGTH) return `file name is longer than ${MAX_NAME_LENGTH} characters`;
  if (!PLAIN.test(name) || name.includes('..')) {
    return `file name ${shown} is not a plain name (letters, digits, dot, dash and underscore only, no "..")`;
  }
  return undefined;
}

/** A name that is safe to create under processed/ or rejected/: plain, short, never a path. */
export function safeFileName(name: string): string {
  const cleaned = name
    .replace(/[^A-Za-z0-9_.-]/g, '_')
    .replace(/\.{2,}/g, '_')
    .replace(/^[.-]+/, '')
    .slice(0, MAX_NAME_LENGTH);
  return cleaned === '' ? 'unnamed' : cleaned;
}
