/**
 * The benchmark table every B-row shares (S13). A benchmark returns Measures;
 * run.ts turns them into rows and prints them. Add a row for B3..B7 by
 * returning more Measures; nothing here needs to change.
 */

export type Unit = 'ms' | 'beads/s' | 'MB' | 's' | 'x';

export interface Bound {
  atLeast?: number;
  atMost?: number;
}

export interface Measure {
  /** The S13 id, e.g. "B1". */
  id: string;
  what: string;
  value: number;
  unit: Unit;
  target?: Bound;
  /**
   * This figure against a baseline measured in the same run, so machine noise
   * cancels out. Stated so that higher is better (throughput ours/theirs,
   * latency theirs/ours) unless the bound says otherwise.
   */
  ratio?: Bound & { value: number; baseline: string };
}

export type Verdict = 'PASS' | 'FAIL' | 'INFO';

export interface BenchRow {
  id: string;
  what: string;
  measured: string;
  target: string;
  ratio: string;
  verdict: Verdict;
}

export function formatValue(value: number, unit: Unit): string {
  switch (unit) {
    case 'beads/s':
      return value >= 1e6 ? `${(value / 1e6).toFixed(2)}M beads/s` : `${Math.round(value / 1e3)}k beads/s`;
    case 'ms':
      return `${value < 10 ? value.toFixed(3) : value.toFixed(1)} ms`;
    case 'MB':
      return `${value.toFixed(0)} MB`;
    case 's':
      return `${value.toFixed(2)} s`;
    case 'x':
      return `${value.toFixed(2)}×`;
  }
}

function formatBound(bound: Bound, show: (n: number) => string): string {
  const parts: string[] = [];
  if (bound.atLeast !== undefined) parts.push(`≥ ${show(bound.atLeast)}`);
  if (bound.atMost !== undefined) parts.push(`≤ ${show(bound.atMost)}`);
  return parts.join(', ');
}

function within(value: number, bound: Bound): boolean {
  return (bound.atLeast === undefined || value >= bound.atLeast) && (bound.atMost === undefined || value <= bound.atMost);
}

const hasBound = (b: Bound | undefined): b is Bound => b !== undefined && (b.atLeast !== undefined || b.atMost !== undefined);

export function toRow(m: Measure): BenchRow {
  const checks: boolean[] = [];
  const targets: string[] = [];
  if (hasBound(m.target)) {
    checks.push(within(m.value, m.target));
    targets.push(formatBound(m.target, (n) => formatValue(n, m.unit)));
  }
  let ratio = '—';
  if (m.ratio) {
    ratio = `${m.ratio.value.toFixed(2)}× ${m.ratio.baseline}`;
    if (hasBound(m.ratio)) {
      checks.push(within(m.ratio.value, m.ratio));
      targets.push(`${formatBound(m.ratio, (n) => `${n}×`)} ${m.ratio.baseline}`);
    }
  }
  const verdict: Verdict = checks.length === 0 ? 'INFO' : checks.every(Boolean) ? 'PASS' : 'FAIL';
  return { id: m.id, what: m.what, measured: formatValue(m.value, m.unit), target: targets.join('; ') || '—', ratio, verdict };
}

/** A Markdown table, readable as plain text too. */
export function renderTable(rows: BenchRow[]): string {
  const header = ['id', 'what', 'measured', 'target', 'ratio to baseline', 'verdict'];
  const cells = rows.map((r) => [r.id, r.what, r.measured, r.target, r.ratio, r.verdict]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (c: string[]) => `| ${c.map((x, i) => x.padEnd(widths[i]!)).join(' | ')} |`;
  return [line(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...cells.map(line)].join('\n');
}
