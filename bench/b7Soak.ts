import { existsSync, readFileSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Measure } from './table.ts';

/**
 * B7 (S13) in the table: the soak itself runs for about 20 minutes
 * (`npm run soak`, test/soak/b7Soak.slow.test.ts), too long for every bench
 * run, so this reads the CSV the last soak wrote under reports/ and states
 * its ratios (desk hour 24 against hour 2) with when it ran.
 */
const CSV = fileURLToPath(new URL('../reports/B7_SOAK.csv', import.meta.url));

export interface SoakRow {
  hour: number;
  rssMb: number;
  checkMs: number;
  /** Heartbeat checks in the hour: a window's mean check weighs each hour by them. */
  checks: number;
}

function rows(text: string): SoakRow[] {
  return text
    .trim()
    .split('\n')
    .slice(1)
    .map((line) => line.split(',').map(Number))
    .map(([hour, rssMb, , , checkMs, checks]) => ({ hour: hour!, rssMb: rssMb!, checkMs: checkMs!, checks: checks! }));
}

/** Desk hours per window: one hourly sample of RSS rides a GC sawtooth, and one hour's mean check a few slow fsyncs. */
export const SOAK_WINDOW_HOURS = 3;

export interface SoakWindow {
  hours: string;
  rssMb: number;
  checkMs: number;
}

function windowOf(rows: readonly SoakRow[]): SoakWindow {
  const checks = rows.reduce((n, r) => n + r.checks, 0);
  return {
    hours: `${rows[0]!.hour}–${rows.at(-1)!.hour}`,
    rssMb: rows.reduce((sum, r) => sum + r.rssMb, 0) / rows.length,
    checkMs: rows.reduce((sum, r) => sum + r.checkMs * r.checks, 0) / checks,
  };
}

/** B7's growth, desk hours 2–4 against the last three: the mean RSS, and the mean check over every check of the window. */
export function soakGrowth(all: readonly SoakRow[]): { from: SoakWindow; to: SoakWindow; rss: number; check: number } {
  const start = all.findIndex((r) => r.hour === 2);
  const from = windowOf(all.slice(Math.max(0, start), Math.max(0, start) + SOAK_WINDOW_HOURS));
  const to = windowOf(all.slice(-SOAK_WINDOW_HOURS));
  return { from, to, rss: to.rssMb / from.rssMb, check: to.checkMs / from.checkMs };
}

export async function benchSoakReport(): Promise<Measure[]> {
  if (!existsSync(CSV)) return [{ id: 'B7', what: 'soak: no reports/B7_SOAK.csv yet (run npm run soak, about 20 min)', value: Number.NaN, unit: 'MB' }];
  const all = rows(readFileSync(CSV, 'utf8'));
  const { from, to, rss, check } = soakGrowth(all);
  const last = all.at(-1)!;
  const when = statSync(CSV).mtime.toISOString().slice(0, 16).replace('T', ' ');
  const of = `the soak of ${when} UTC (reports/B7_SOAK.csv, ${last.hour} desk hours)`;
  return [
    {
      id: 'B7',
      what: `soak: host RSS, mean of desk hours ${to.hours}, ${of}`,
      value: to.rssMb,
      unit: 'MB',
      ratio: { value: rss, baseline: `hours ${from.hours} (${from.rssMb.toFixed(0)} MB)`, atMost: 1.1 },
    },
    {
      id: 'B7',
      what: `soak: mean heartbeat check (start to stored) over desk hours ${to.hours}`,
      value: to.checkMs,
      unit: 'ms',
      ratio: { value: check, baseline: `hours ${from.hours} (${from.checkMs.toFixed(3)} ms)`, atMost: 1.2 },
    },
  ];
}
