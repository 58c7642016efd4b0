import type { Bead } from '../beads/index.ts';

/**
 * Latencies the log itself records, as pairs of beads: a person's APPROVE
 * decision to the entry's write-ahead ORDER bead (written just before the
 * order goes on the wire), and an alert RAISED to its SENT. /metrics turns
 * them into histograms, so a scrape agrees with `phoenix replay`. Pure; the
 * pending sides are bounded, so a decision or alert that never completes
 * costs a slot until it ages out.
 */

export type LatencyObservation =
  | { kind: 'decision_to_order'; seconds: number }
  | { kind: 'alert_delivery'; seconds: number; severity: string; alert_type: string };

export interface LatencyFold {
  readonly decisions: Map<string, number>;
  readonly raised: Map<string, { at: number; severity: string; alert_type: string }>;
}

const PENDING_KEPT = 1_000;

export function emptyLatencyFold(): LatencyFold {
  return { decisions: new Map(), raised: new Map() };
}

function remember<V>(map: Map<string, V>, key: string, value: V): void {
  map.set(key, value);
  if (map.size > PENDING_KEPT) map.delete(map.keys().next().value as string);
}

/** What most beads complete: shared, and never written to. */
const NOTHING: readonly LatencyObservation[] = Object.freeze([]);

/** Folds one bead in place and returns what it completes. */
export function foldLatency(fold: LatencyFold, bead: Bead): readonly LatencyObservation[] {
  // The time is parsed only for the few beads that pair up: /metrics hands this every bead of the log.
  if (bead.bead_type === 'APPROVAL' && bead.data.event === 'DECISION' && bead.data.decision === 'APPROVE') {
    remember(fold.decisions, bead.correlation_id, Date.parse(bead.ts));
    return NOTHING;
  }
  if (bead.bead_type === 'ORDER' && bead.data.event === 'SUBMIT_REQUESTED' && bead.data.role === 'ENTRY') {
    const decided = fold.decisions.get(bead.correlation_id);
    if (decided === undefined) return NOTHING;
    fold.decisions.delete(bead.correlation_id);
    return [{ kind: 'decision_to_order', seconds: Math.max(0, Date.parse(bead.ts) - decided) / 1000 }];
  }
  if (bead.bead_type !== 'ALERT') return NOTHING;
  const d = bead.data;
  if (d.event === 'RAISED') {
    remember(fold.raised, d.alert_id, { at: Date.parse(bead.ts), severity: d.severity, alert_type: d.alert_type });
    return NOTHING;
  }
  if (d.event !== 'SENT') return NOTHING;
  const raised = fold.raised.get(d.alert_id);
  if (!raised) return NOTHING;
  fold.raised.delete(d.alert_id);
  return [{ kind: 'alert_delivery', seconds: Math.max(0, Date.parse(bead.ts) - raised.at) / 1000, severity: raised.severity, alert_type: raised.alert_type }];
}
