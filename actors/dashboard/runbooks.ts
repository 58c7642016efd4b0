import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { parse } from 'yaml';
import type { RunbookInfo } from '../../projections/dashboardTypes.ts';

/** Runbooks are short documents; anything far larger is not one, and is not read whole. */
const MAX_RUNBOOK_BYTES = 256 * 1024;
const FRONT_MATTER = /^---\r?\n([\s\S]*?)\r?\n---\s*(\r?\n|$)/;

export interface RunbookFile {
  info: RunbookInfo;
  path: string;
}

function text(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || value instanceof Date) return value instanceof Date ? value.toISOString().slice(0, 10) : String(value);
  return undefined;
}

function list(value: unknown): string[] {
  if (Array.isArray(value)) return value.map(text).filter((v): v is string => v !== undefined);
  const one = text(value);
  return one === undefined ? [] : one.split(',').map((s) => s.trim()).filter(Boolean);
}

/** Reads one runbook's front matter (S8: id, title, alert types, severity, last reviewed); a bad file becomes a `problem`, not a throw. */
export function runbookInfo(file: string, content: string): RunbookInfo {
  const stem = basename(file, '.md');
  const fallback: RunbookInfo = { id: /^RB-\d+/.exec(stem)?.[0] ?? stem, title: stem, file, alert_types: [] };
  const match = FRONT_MATTER.exec(content);
  if (!match) return { ...fallback, problem: 'no front matter' };
  let meta: unknown;
  try {
    meta = parse(match[1] ?? '', { maxAliasCount: 10 });
  } catch (err) {
    return { ...fallback, problem: `front matter is not YAML: ${(err as Error).message.split('\n')[0]}` };
  }
  if (typeof meta !== 'object' || meta === null || Array.isArray(meta)) return { ...fallback, problem: 'front matter is not a mapping' };
  const m = meta as Record<string, unknown>;
  const info: RunbookInfo = {
    id: text(m.id) ?? fallback.id,
    title: text(m.title) ?? fallback.title,
    file,
    alert_types: list(m.alert_types ?? m.alerts),
  };
  const severity = text(m.severity);
  const reviewed = text(m.last_reviewed);
  if (severity !== undefined) info.severity = severity;
  if (reviewed !== undefined) info.last_reviewed = reviewed;
  return info;
}

/**
 * Every `*.md` in the folder, by file name; a missing folder means no runbooks
 * yet. Synchronous, so the trade flow has them as it is built, before its
 * first evidence bundle; a dozen short files, read at start or on a rare
 * request, cost less than the wait.
 */
export function readRunbooksSync(dir: string): RunbookFile[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' || (err as NodeJS.ErrnoException).code === 'ENOTDIR') return [];
    throw err;
  }
  const files: RunbookFile[] = [];
  for (const name of names.filter((n) => n.endsWith('.md')).sort()) {
    const path = join(dir, name);
    try {
      const size = statSync(path).size;
      const info = size > MAX_RUNBOOK_BYTES ? { ...runbookInfo(name, ''), problem: `larger than ${MAX_RUNBOOK_BYTES} bytes` } : runbookInfo(name, readFileSync(path, 'utf8'));
      files.push({ path, info });
    } catch (err) {
      files.push({ path, info: { ...runbookInfo(name, ''), problem: `unreadable: ${(err as Error).message}` } });
    }
  }
  return files;
}

/** The same read for callers that await it. */
export async function readRunbooks(dir: string): Promise<RunbookFile[]> {
  return readRunbooksSync(dir);
}
