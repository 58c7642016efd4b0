import { parseDocument } from 'yaml';
import type { z } from 'zod';
import { type Intent, IntentFieldsSchema, IntentSchema, PAIRS, type Pair } from '../../beads/index.ts';
import { implausiblePrices } from './plausibility.ts';

/**
 * Everything the seam can decide from a file's bytes alone, without I/O.
 * Duplicates need the log and are checked by the caller.
 */
export type IntentJudgement =
  | { ok: true; intent: Intent }
  | { ok: false; reasons: string[]; intentId?: string };

/** The document's intent_id, when it is present and well formed (so it is safe as a stream name). */
export function intentIdOf(raw: unknown): string | undefined {
  if (typeof raw !== 'object' || raw === null || !('intent_id' in raw)) return undefined;
  const parsed = IntentFieldsSchema.shape.intent_id.safeParse((raw as { intent_id: unknown }).intent_id);
  return parsed.success ? parsed.data : undefined;
}

/**
 * How far ahead of this host's clock an intent's `created_at` may be: the
 * two machines' clocks never agree exactly. Beyond it the anchor is not a
 * time the intent could have been made at, and its age (the STALE gate,
 * S3.2) would be negative: it would read FRESH for longer than it should.
 */
export const CLOCK_SKEW_ALLOWANCE_MS = 60_000;

export interface JudgeOptions {
  /** This host's clock (epoch ms); without it, `created_at` is not compared with now. */
  nowMs?: number;
}

export function judgeIntentBytes(bytes: Uint8Array, activePairs: readonly Pair[], options: JudgeOptions = {}): IntentJudgement {
  const loaded = loadYaml(bytes);
  if ('reasons' in loaded) return { ok: false, reasons: loaded.reasons };
  return judgeIntentValue(loaded.value, activePairs, options);
}

/** An intent dated more than the allowance ahead of now, said in words; undefined when it is not. */
export function futureDated(intent: Pick<Intent, 'created_at'>, nowMs: number): string | undefined {
  const ahead = Date.parse(intent.created_at) - nowMs;
  if (!(ahead > CLOCK_SKEW_ALLOWANCE_MS)) return undefined;
  return (
    `created_at ${intent.created_at} is ${Math.round(ahead / 1000)} s ahead of this host's clock (${new Date(nowMs).toISOString()}), ` +
    `more than the ${CLOCK_SKEW_ALLOWANCE_MS / 1000} s allowed for clock skew: check the signal engine's clock`
  );
}

/** The rules after YAML: the shared zod schema, then plausibility, ACTIVE_PAIRS and a created_at not in the future. */
export function judgeIntentValue(raw: unknown, activePairs: readonly Pair[], options: JudgeOptions = {}): IntentJudgement {
  const intentId = intentIdOf(raw);
  const refuse = (reasons: string[]): IntentJudgement =>
    intentId === undefined ? { ok: false, reasons } : { ok: false, reasons, intentId };
  const parsed = IntentSchema.safeParse(raw);
  if (!parsed.success) return refuse(parsed.error.issues.map((issue) => describeIssue(issue, raw)));
  const intent = parsed.data;
  const reasons = implausiblePrices(intent);
  if (!activePairs.includes(intent.pair)) {
    reasons.push(`pair ${intent.pair} is capable but not active (ACTIVE_PAIRS=${activePairs.join(',')})`);
  }
  const future = options.nowMs === undefined ? undefined : futureDated(intent, options.nowMs);
  if (future !== undefined) reasons.push(future);
  return reasons.length > 0 ? refuse(reasons) : { ok: true, intent };
}

function loadYaml(bytes: Uint8Array): { value: unknown } | { reasons: string[] } {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return { reasons: ['file is not UTF-8 text'] };
  }
  if (text.trim() === '') return { reasons: ['file is empty'] };
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    // The first line names the problem and its line and column; the rest is an excerpt.
    return { reasons: doc.errors.map((e) => `malformed YAML: ${firstLine(e.message)}`) };
  }
  try {
    // An intent never needs aliases, so none are resolved: an alias bomb cannot expand.
    return { value: doc.toJS({ maxAliasCount: 0 }) };
  } catch (err) {
    const message = (err as Error).message;
    if (/alias/i.test(message)) return { reasons: ['YAML aliases (*name) are not allowed in intent files'] };
    return { reasons: [`malformed YAML: ${firstLine(message)}`] };
  }
}

function firstLine(text: string): string {
  return text.split('\n', 1)[0]!.trim();
}

function valueAt(raw: unknown, path: readonly PropertyKey[]): unknown {
  let current = raw;
  for (const key of path) {
    if (typeof current !== 'object' || current === null) return undefined;
    current = (current as Record<PropertyKey, unknown>)[key];
  }
  return current;
}

function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') return `the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
  return `${typeof value} ${String(value)}`;
}

/** Turns a zod issue into a sentence that names the field and what was wrong with it. */
function describeIssue(issue: z.core.$ZodIssue, raw: unknown): string {
  if (issue.path.length === 0 && issue.code === 'invalid_type') {
    return `the document must be a mapping of intent fields, got ${describeValue(raw)}`;
  }
  if (issue.code === 'unrecognized_keys') return `unknown field${issue.keys.length > 1 ? 's' : ''}: ${issue.keys.join(', ')}`;
  const field = issue.path.map(String).join('.');
  const value = valueAt(raw, issue.path);
  if (issue.code === 'invalid_type' && value === undefined) return `${field}: missing (required)`;
  if (typeof value === 'number' && !Number.isFinite(value)) return `${field}: must be a finite number, got ${value}`;
  if (field === 'pair' && issue.code === 'invalid_value') {
    return `pair ${describeValue(value)} is not one of the six pairs (${PAIRS.join(', ')})`;
  }
  if (issue.code === 'invalid_type') return `${field}: expected ${issue.expected}, got ${describeValue(value)}`;
  if (issue.code === 'too_big' && typeof value === 'number') {
    return `${field}: must be at most ${String(issue.maximum)}, got ${value}`;
  }
  if (issue.code === 'too_small' && typeof value === 'number') {
    return `${field}: must be ${issue.inclusive ? 'at least' : 'greater than'} ${String(issue.minimum)}, got ${value}`;
  }
  return `${field}: ${issue.message}`;
}
