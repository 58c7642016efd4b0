import type { GateResult } from './gates.ts';
import type { OpsState } from './opsQuality.ts';

/**
 * The Phase-2 ops quality gates (S11), each a figure over the validation
 * window with its evidence, MET or NOT_MET in the gates' one vocabulary:
 *
 *   P2-1 DRIFT_FREE       reconciliation DRIFT events = 0
 *   P2-2 ALERT_PRECISION  > 80%: true positives / (true + false positives)
 *   P2-3 ALERT_RECALL     > 90%: true positives / (true positives + misses)
 *   P2-4 E2E_LATENCY      median intent file seen → entry acknowledged < 30 s
 *   P2-5 DAEMON_UPTIME    > 99% of the window covered by a live host's heartbeats
 *
 * Ground truth for alerts: each bunny vector's declared alert types against
 * what its scratch log raised (a declared type raised is a true positive,
 * one missing a miss, a forbidden one raised a false positive), and each
 * operator's label (useful: a true positive; noise: a false one). A figure
 * with nothing to stand on is NOT_MET, and says what would give it one.
 */

export const PHASE2 = { precision: 0.8, recall: 0.9, latencyMs: 30_000, uptime: 0.99 } as const;

export interface Window {
  from: number;
  to: number;
}

export interface Phase2Result extends GateResult {
  /** The figure itself (a count, a ratio 0…1, milliseconds), or null when there is nothing to measure. */
  value: number | null;
  /** The bound it is held to, as words: "= 0", "> 80%". */
  threshold: string;
}

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const within = (w: Window) => (x: { at: number }) => x.at >= w.from && x.at <= w.to;

function result(id: string, name: string, met: boolean, value: number | null, threshold: string, detail: string, evidence: string[]): Phase2Result {
  return { id, name, status: met ? 'MET' : 'NOT_MET', detail, evidence, value, threshold };
}

export interface AlertCounts {
  tp: number;
  fp: number;
  fn: number;
  fromBunny: { tp: number; fp: number; fn: number; vectors: number };
  fromLabels: { useful: number; noise: number };
  evidence: string[];
  /** The false positives and misses by type, for the detail line. */
  wrong: string[];
}

export function alertCounts(s: OpsState, w: Window): AlertCounts {
  const truths = s.truths.filter(within(w));
  const labels = [...s.labels.values()].filter(within(w));
  const bunny = { tp: 0, fp: 0, fn: 0, vectors: truths.length };
  const wrong: string[] = [];
  for (const t of truths) {
    bunny.tp += t.tp.length;
    bunny.fp += t.fp.length;
    bunny.fn += t.fn.length;
    wrong.push(...t.fp.map((x) => `${t.vector} raised ${x}`), ...t.fn.map((x) => `${t.vector} missed ${x}`));
  }
  const useful = labels.filter((l) => l.label === 'USEFUL').length;
  const noise = labels.length - useful;
  return {
    tp: bunny.tp + useful,
    fp: bunny.fp + noise,
    fn: bunny.fn,
    fromBunny: bunny,
    fromLabels: { useful, noise },
    evidence: [...truths.map((t) => t.bead), ...labels.map((l) => l.bead)],
    wrong,
  };
}

/** The share of the window covered by live heartbeats, and the longest stretch not covered. */
export function uptimeOf(s: OpsState, w: Window): { share: number | null; coveredMs: number; longestGap: [number, number] | null } {
  const span = w.to - w.from;
  if (span <= 0) return { share: null, coveredMs: 0, longestGap: null };
  let covered = 0;
  let cursor = w.from;
  let longest: [number, number] | null = null;
  const gap = (a: number, b: number) => {
    if (b > a && (longest === null || b - a > longest[1] - longest[0])) longest = [a, b];
  };
  for (const [a, b] of s.covered) {
    const from = Math.max(a, w.from);
    const to = Math.min(b, w.to);
    if (to <= from) continue;
    gap(cursor, from);
    covered += to - from;
    cursor = Math.max(cursor, to);
  }
  gap(cursor, w.to);
  return { share: covered / span, coveredMs: covered, longestGap: longest };
}

export function medianMs(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export function phase2Results(s: OpsState, w: Window): Phase2Result[] {
  const drifts = s.drifts.filter(within(w));
  const a = alertCounts(s, w);
  const precision = a.tp + a.fp > 0 ? a.tp / (a.tp + a.fp) : null;
  const recall = a.tp + a.fn > 0 ? a.tp / (a.tp + a.fn) : null;
  const truthLine = `${a.fromBunny.vectors} bunny verdicts (${a.fromBunny.tp} declared alerts raised, ${a.fromBunny.fp} forbidden raised, ${a.fromBunny.fn} missed) and ${a.fromLabels.useful + a.fromLabels.noise} operator labels (${a.fromLabels.useful} useful, ${a.fromLabels.noise} noise)`;
  const noTruth = 'no ground truth in the window: run phoenix bunny, and label alerts (phoenix alerts label ID useful|noise)';
  const wrongLine = a.wrong.length ? `; ${a.wrong.slice(0, 5).join(', ')}${a.wrong.length > 5 ? ', …' : ''}` : '';
  const flows = s.flows.filter(within(w));
  const median = medianMs(flows.map((f) => f.ms));
  const slowest = flows.reduce<(typeof flows)[number] | undefined>((m, f) => (m === undefined || f.ms > m.ms ? f : m), undefined);
  const up = uptimeOf(s, w);
  const missed = s.missed.filter(within(w));
  const gap = up.longestGap as [number, number] | null;
  return [
    result('P2-1', 'DRIFT_FREE', drifts.length === 0, drifts.length, '= 0', drifts.length === 0 ? 'no reconciliation DRIFT in the window' : `${drifts.length} reconciliation DRIFT event${drifts.length === 1 ? '' : 's'} in the window`, drifts.map((d) => d.bead)),
    result('P2-2', 'ALERT_PRECISION', precision !== null && precision > PHASE2.precision, precision, `> ${pct(PHASE2.precision)}`, precision === null ? noTruth : `${pct(precision)}: ${a.tp} true of ${a.tp + a.fp} raised, from ${truthLine}${wrongLine}`, a.evidence),
    result('P2-3', 'ALERT_RECALL', recall !== null && recall > PHASE2.recall, recall, `> ${pct(PHASE2.recall)}`, recall === null ? noTruth : `${pct(recall)}: ${a.tp} raised of ${a.tp + a.fn} that should have been, from ${truthLine}${wrongLine}`, a.evidence),
    result(
      'P2-4',
      'E2E_LATENCY',
      median !== null && median < PHASE2.latencyMs,
      median,
      `median < ${secs(PHASE2.latencyMs)}`,
      median === null ? 'no flow timed in the window (intent file seen → entry order acknowledged by the broker)' : `median ${secs(median)} over ${flows.length} flow${flows.length === 1 ? '' : 's'} (intent file seen → entry acknowledged by the broker, human time included); slowest ${secs(slowest!.ms)} (${slowest!.intentId})`,
      flows.map((f) => f.bead),
    ),
    result(
      'P2-5',
      'DAEMON_UPTIME',
      up.share !== null && up.share > PHASE2.uptime,
      up.share,
      `> ${pct(PHASE2.uptime)}`,
      up.share === null
        ? 'the window is empty'
        : `${pct(up.share)} of the window covered by a live host's heartbeats; ${missed.length} watchdog MISSED${gap ? `; longest gap ${secs(gap[1] - gap[0])} from ${new Date(gap[0]).toISOString()}` : ''}`,
      missed.map((m) => m.bead),
    ),
  ];
}

/** The ops quality as the promotion machine is told it: met, or what is missing. */
export function opsVerdict(results: readonly Phase2Result[]): { met: boolean; missing: string[] } {
  const missing = results.filter((r) => r.status !== 'MET').map((r) => `${r.id} ${r.name}: ${r.detail}`);
  return { met: missing.length === 0, missing };
}
