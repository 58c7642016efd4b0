import { describe, expect, it } from 'vitest';
import { type Bead, type BeadDraft, type Mode, streams } from '../../beads/index.ts';
import { phase2Results } from '../../projections/gatesPhase2.ts';
import { foldAllOps } from '../../projections/opsQuality.ts';
import { stampAt, T0 } from '../machines/support.ts';

/**
 * The Phase-2 ops quality's arithmetic on a log built by hand (S11, issue
 * 14): every figure is checked against the numbers worked out here.
 */

const S = 1_000;
const HOUR = 3_600 * S;
const WINDOW = { from: T0, to: T0 + HOUR };
const OPTIONS = { gapMs: 35 * S, windowMs: HOUR };
const at = (ms: number, draft: BeadDraft, mode: Mode = 'PAPER') => stampAt(draft, T0 + ms, mode);

const beat = (ms: number, status: 'HEALTHY' | 'MISSED' = 'HEALTHY') =>
  at(ms, { bead_type: 'HEARTBEAT', stream: streams.heartbeat('h'), correlation_id: 'hb', data: { status, checks: { process_alive: true, ibkr_connected: true, semantic_healthy: true }, miss_count: status === 'MISSED' ? 1 : 0 } });
const drift = (ms: number, result: 'MATCH' | 'DRIFT') =>
  at(ms, { bead_type: 'RECONCILIATION', stream: streams.reconciliation, correlation_id: 'r', data: { result, broker: { positions: [], open_orders: [] }, local: { positions: [], open_orders: [] }, drift: [] } });
const verdict = (ms: number, vector: string, must: string[], mustNot: string[], raised: Record<string, number>) =>
  at(ms, { bead_type: 'BUNNY', stream: streams.bunny, correlation_id: 'run', data: { run_id: 'run', vector_id: vector, result: 'PASS', evidence: 'e', alerts: { must_raise: must, must_not_raise: mustNot, raised } } });
const label = (ms: number, alertId: string, l: 'USEFUL' | 'NOISE') =>
  at(ms, { bead_type: 'ALERT_LABEL', stream: streams.alertLabels, correlation_id: alertId, data: { alert_id: alertId, alert_type: 'HEALTH_DEGRADED', label: l, who: 'cli:alice', channel: 'TERMINAL' } });
const received = (ms: number, intent: string, mode: Mode = 'PAPER') =>
  at(ms, { bead_type: 'APPROVAL', stream: streams.approval(intent), correlation_id: intent, data: { intent_id: intent, event: 'RECEIVED' } }, mode);
const acked = (ms: number, intent: string, mode: Mode = 'PAPER') =>
  at(ms, { bead_type: 'ORDER', stream: streams.order(`${intent}-entry`), correlation_id: intent, data: { event: 'STATUS', order_ref: `${intent}-entry`, order_id: 1, role: 'ENTRY', status: 'Submitted' } }, mode);

function handBuiltLog(): Bead[] {
  const beats: Bead[] = [];
  // Beats every 30 s for the first 30 minutes, then a MISSED, silence until minute 40, then beats again to the end.
  for (let t = 0; t <= 30 * 60 * S; t += 30 * S) beats.push(beat(t));
  beats.push(beat(31 * 60 * S, 'MISSED'));
  for (let t = 40 * 60 * S; t <= HOUR; t += 30 * S) beats.push(beat(t));
  return [
    ...beats,
    drift(5 * S, 'MATCH'),
    drift(7 * S, 'DRIFT'),
    drift(-HOUR, 'DRIFT'), // before the window: does not count
    // Bunny: 3 declared types raised (tp 3), 1 missed (fn 1), 1 forbidden raised (fp 1).
    verdict(60 * S, 'CV_S33_1', ['CONNECTION_LOST'], ['HOST_DOWN'], { CONNECTION_LOST: 1 }),
    verdict(61 * S, 'CV_S33_4', ['HOST_DOWN'], ['RECONCILIATION_DRIFT'], { HOST_DOWN: 2, RECONCILIATION_DRIFT: 1 }),
    verdict(62 * S, 'CV_S33_12', ['RECONCILIATION_DRIFT', 'KILL_FLAG_SET'], [], { RECONCILIATION_DRIFT: 1 }),
    // Labels: a-1 useful then changed to noise (latest counts), a-2 useful, a-3 useful → useful 2, noise 1.
    label(100 * S, 'a-1', 'USEFUL'),
    label(101 * S, 'a-1', 'NOISE'),
    label(102 * S, 'a-2', 'USEFUL'),
    label(103 * S, 'a-3', 'USEFUL'),
    // Flows: 10 s, 20 s, 50 s → median 20 s; a mock flow is not counted; a RECEIVED read twice keeps the first moment.
    received(200 * S, 'i-1'),
    acked(210 * S, 'i-1'),
    received(300 * S, 'i-2'),
    received(305 * S, 'i-2'),
    acked(320 * S, 'i-2'),
    received(400 * S, 'i-3'),
    acked(450 * S, 'i-3'),
    received(500 * S, 'i-m', 'MOCK'),
    acked(501 * S, 'i-m', 'MOCK'),
  ].sort((a, b) => a.ts.localeCompare(b.ts));
}

describe('Phase-2 ops quality, on a hand-built log', () => {
  const results = Object.fromEntries(phase2Results(foldAllOps(handBuiltLog(), OPTIONS), WINDOW).map((r) => [r.id, r]));

  it('P2-1 counts the DRIFT events inside the window, with their beads', () => {
    expect(results['P2-1']).toMatchObject({ status: 'NOT_MET', value: 1, threshold: '= 0' });
    expect(results['P2-1']!.evidence).toHaveLength(1);
  });

  it('P2-2 and P2-3: bunny truth (tp 3, fp 1, fn 1) plus labels (useful 2, noise 1): precision 5/7, recall 5/6', () => {
    expect(results['P2-2']).toMatchObject({ status: 'NOT_MET', value: 5 / 7 });
    expect(results['P2-2']!.detail).toMatch(/^71\.4%: 5 true of 7 raised, from 3 bunny verdicts \(3 declared alerts raised, 1 forbidden raised, 1 missed\) and 3 operator labels \(2 useful, 1 noise\); CV_S33_4 raised RECONCILIATION_DRIFT, CV_S33_12 missed KILL_FLAG_SET/);
    expect(results['P2-3']).toMatchObject({ status: 'NOT_MET', value: 5 / 6 });
    expect(results['P2-2']!.evidence).toHaveLength(3 + 3);
  });

  it('P2-4 is the median flow, human time included, paper only: 20 s of 10, 20 and 50 s', () => {
    expect(results['P2-4']).toMatchObject({ status: 'MET', value: 20_000 });
    expect(results['P2-4']!.detail).toMatch(/median 20\.0 s over 3 flows .* slowest 50\.0 s \(i-3\)/);
  });

  it('P2-5 is the share of the window covered by live beats: the MISSED breaks the chain, 50 of 60 minutes', () => {
    // Covered: 0 → 30 min and 40 → 60 min.
    expect(results['P2-5']!.value).toBeCloseTo(50 / 60, 6);
    expect(results['P2-5']).toMatchObject({ status: 'NOT_MET' });
    expect(results['P2-5']!.detail).toMatch(/83\.3% of the window covered .*; 1 watchdog MISSED; longest gap 600\.0 s/);
  });

  it('with nothing to stand on, each figure is NOT_MET and says what would give it one', () => {
    const empty = Object.fromEntries(phase2Results(foldAllOps([], OPTIONS), WINDOW).map((r) => [r.id, r]));
    expect(empty['P2-1']!.status).toBe('MET');
    expect(empty['P2-2']).toMatchObject({ status: 'NOT_MET', value: null, detail: expect.stringMatching(/no ground truth .*phoenix alerts label/) });
    expect(empty['P2-4']).toMatchObject({ status: 'NOT_MET', value: null });
    expect(empty['P2-5']).toMatchObject({ status: 'NOT_MET', value: 0 });
  });

  it('a clean hour meets all five', () => {
    const beats = Array.from({ length: 121 }, (_, i) => beat(i * 30 * S));
    const clean = [...beats, verdict(60 * S, 'CV_S33_1', ['CONNECTION_LOST'], ['HOST_DOWN'], { CONNECTION_LOST: 1 }), received(100 * S, 'i-1'), acked(109 * S, 'i-1')].sort((a, b) => a.ts.localeCompare(b.ts));
    expect(phase2Results(foldAllOps(clean, OPTIONS), WINDOW).map((r) => `${r.id} ${r.status}`)).toEqual(['P2-1 MET', 'P2-2 MET', 'P2-3 MET', 'P2-4 MET', 'P2-5 MET']);
  });
});
