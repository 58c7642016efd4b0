import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Bead } from '../../beads/index.ts';
import { ACTIVITY_KEPT, ALERTS_KEPT, applyBead, type DashboardModel, initialDashboard, noteCorrupt, withGates, withRunbooks } from '../../projections/dashboardModel.ts';
import { dashboardView } from '../../projections/dashboardView.ts';
import { T0, at, beads } from '../dashboard/beads.ts';

function given(list: Bead[], start: DashboardModel = initialDashboard()): DashboardModel {
  return list.reduce((model, b, i) => applyBead(model, b, i), start);
}

/** One log entry of a generated story: a bead built at fold time (fresh ids), or an unreadable record. */
type Step = (() => Bead) | { corrupt: string };

const stepArb: fc.Arbitrary<Step> = (() => {
  const id = fc.constantFrom('1', '2', '3');
  const t = fc.integer({ min: 0, max: 500 });
  return fc.oneof(
    t.map((s) => () => beads.heartbeat({ t: s })),
    fc.tuple(fc.integer({ min: 1, max: 4 }), t).map(([n, s]) => () => beads.missed(n, { t: s })),
    t.map((s) => () => beads.degraded('order ref-7 unchanged', { t: s })),
    fc.tuple(fc.constantFrom('CONNECT', 'DISCONNECT', 'RECONNECT') as fc.Arbitrary<'CONNECT' | 'DISCONNECT' | 'RECONNECT'>, fc.boolean(), t).map(
      ([event, escalated, s]) => () => beads.session(event, { attempt: 1, escalated }, { t: s }),
    ),
    fc.tuple(id, fc.constantFrom('SUBMITTED', 'MANAGED', 'CLOSED', 'REJECTED') as fc.Arbitrary<'SUBMITTED' | 'MANAGED' | 'CLOSED' | 'REJECTED'>, t).map(
      ([p, state, s]) => () => beads.position(`pos-${p}`, state, { realised_pnl: 2.5, unrealised_pnl: 1 }, { t: s }),
    ),
    fc.tuple(id, fc.constantFrom('RECEIVED', 'EVIDENCE_SHOWN', 'DECISION', 'CONSUMED') as fc.Arbitrary<'RECEIVED' | 'EVIDENCE_SHOWN' | 'DECISION' | 'CONSUMED'>, t).map(
      ([i, event, s]) => () => beads.approval(`int-${i}`, event, { verdict: 'FRESH' }, { t: s }),
    ),
    fc.tuple(id, fc.constantFrom('RAISED', 'SENT', 'FAILED', 'RESOLVED') as fc.Arbitrary<'RAISED' | 'SENT' | 'FAILED' | 'RESOLVED'>, t).map(
      ([a, event, s]) => () => beads.alert(`a-${a}`, event, event === 'FAILED' ? { error: 'timeout' } : {}, { t: s }),
    ),
    fc.tuple(fc.boolean(), t).map(([drift, s]) => () =>
      beads.reconciliation(drift ? 'DRIFT' : 'MATCH', drift ? [{ kind: 'POSITION_QUANTITY', subject: 'EURUSD', broker: '1', local: '2' }] : [], { t: s }),
    ),
    fc.tuple(fc.boolean(), t).map(([set, s]) => () => beads.killFlag(set ? 'SET' : 'CLEARED', 'op', 'drill', { t: s })),
    t.map((s) => () => beads.hostStarted({ t: s })),
    t.map((s) => () => beads.hostStopping({ t: s })),
    fc.constantFrom({ corrupt: 'corrupt JSON' }, { corrupt: 'unknown bead_type' }),
  );
})();

/** Beads are built once per step and cached, so two folds of one story see the very same beads. */
const built = new WeakMap<() => Bead, Bead>();
function foldStep(model: DashboardModel, step: Step, position: number): void {
  if ('corrupt' in step) {
    noteCorrupt(model, position, step.corrupt);
    return;
  }
  let b = built.get(step);
  if (!b) {
    b = step();
    built.set(step, b);
  }
  applyBead(model, b, position);
}

function foldFresh(steps: Step[]): DashboardModel {
  const model = initialDashboard();
  for (const [i, step] of steps.entries()) foldStep(model, step, i);
  return model;
}

/** The view a second after the last bead of most scenarios. */
function viewAt(model: DashboardModel, seconds: number) {
  return dashboardView(model, T0 + seconds * 1000);
}

describe('dashboard model: host, mode and health', () => {
  it('starts unknown: no host, no mode, grey banner, placeholder gates', () => {
    const view = viewAt(initialDashboard(), 0);
    expect(view.banner.level).toBe('UNKNOWN');
    expect(view.mode).toBeNull();
    expect(view.kill_flag.state).toBe('ARMED');
    expect(view.gates.map((g) => g.id)).toEqual(['P1-1', 'P1-2', 'P1-3', 'P1-4', 'P1-5', 'P1-6', 'P1-7', 'P1-8']);
    expect(view.gates.every((g) => g.status === 'NOT_MET' && g.detail === 'not yet computed')).toBe(true);
  });

  it('shows the host that started, its mode, and the last heartbeat as health now', () => {
    const model = given([beads.hostStarted({ mode: 'PAPER' }), beads.heartbeat({ t: 30 }), beads.degraded('order ref-7 unchanged for 6 min', { t: 60 })]);
    const view = viewAt(model, 61);
    expect(view.host).toMatchObject({ state: 'RUNNING', pid: 4242, version: '0.1.0', started_at: at(0) });
    expect(view.mode).toBe('PAPER');
    expect(view.health).toMatchObject({ status: 'DEGRADED', age_s: 1 });
    expect(view.banner).toEqual({ level: 'DEGRADED', reasons: ['failing: semantic_healthy', 'order ref-7 unchanged for 6 min'] });
  });

  it('turns a silent host amber after the gap threshold and red after three', () => {
    const model = given([beads.hostStarted(), beads.heartbeat({ t: 0 })]);
    expect(viewAt(model, 30).banner.level).toBe('HEALTHY');
    expect(viewAt(model, 40).banner).toEqual({ level: 'DEGRADED', reasons: ['last heartbeat 40 s ago'] });
    expect(viewAt(model, 120).banner.level).toBe('CRITICAL');
  });

  it('reads watchdog misses: one is amber, three are red', () => {
    const base = [beads.hostStarted(), beads.heartbeat()];
    expect(viewAt(given([...base, beads.missed(1, { t: 36 })]), 36).banner.level).toBe('DEGRADED');
    expect(viewAt(given([...base, beads.missed(3, { t: 36 })]), 36).banner.level).toBe('CRITICAL');
  });

  it('says the host stopped and keeps when it started', () => {
    const view = viewAt(given([beads.hostStarted(), beads.hostStopping({ t: 100 })]), 200);
    expect(view.host).toMatchObject({ state: 'STOPPED', started_at: at(0), stopped_at: at(100), reason: 'SIGTERM' });
    expect(view.banner.reasons).toContain('host phoenix-1 stopped');
  });
});

describe('dashboard model: heartbeat timeline', () => {
  it('flags a beat that came later than 35 s as a gap, and records the gap', () => {
    const model = given([beads.heartbeat({ t: 0 }), beads.heartbeat({ t: 31 }), beads.heartbeat({ t: 95 }), beads.heartbeat({ t: 125 })]);
    const { heartbeats } = viewAt(model, 126);
    expect(heartbeats.points.map((p) => [p.interval_s, p.gap])).toEqual([
      [undefined, false],
      [31, false],
      [64, true],
      [30, false],
    ]);
    expect(heartbeats.gaps).toEqual([{ from: at(31), to: at(95), seconds: 64 }]);
    expect(heartbeats.gaps_total).toBe(1);
  });

  it('marks watchdog misses as gaps and measures the outage from the last live beat', () => {
    const model = given([beads.heartbeat({ t: 0 }), beads.missed(1, { t: 36 }), beads.missed(2, { t: 71 }), beads.heartbeat({ t: 80 })]);
    const { heartbeats } = viewAt(model, 80);
    expect(heartbeats.points.map((p) => [p.status, p.gap])).toEqual([
      ['HEALTHY', false],
      ['MISSED', true],
      ['MISSED', true],
      ['HEALTHY', true],
    ]);
    expect(heartbeats.gaps).toEqual([{ from: at(0), to: at(80), seconds: 80 }]);
  });

  it('uses the configured threshold, so a time-scaled host is not all gaps', () => {
    const model = given([beads.heartbeat({ t: 0 }), beads.heartbeat({ t: 0.5 })], initialDashboard({ heartbeatGapMs: 350 }));
    expect(viewAt(model, 0.5).heartbeats.gaps_total).toBe(1);
  });
});

describe('dashboard model: connection sessions', () => {
  it('follows connect, loss, attempts and the reconnect, and measures the connection gap', () => {
    const steps = [
      beads.session('CONNECT', {}, { t: 0 }),
      beads.session('DISCONNECT', { reason: 'socket closed' }, { t: 100 }),
      beads.session('RECONNECT', { attempt: 1 }, { t: 105 }),
    ];
    const lost = viewAt(given(steps), 106);
    expect(lost.connection).toMatchObject({ state: 'RECONNECTING', attempt: 1, since: at(105) });
    expect(lost.banner).toMatchObject({ level: 'CRITICAL', reasons: expect.arrayContaining(['broker connection RECONNECTING (attempt 1)']) });
    const back = viewAt(given([...steps, beads.session('CONNECT', { attempt: 1 }, { t: 107 })]), 108);
    expect(back.connection).toMatchObject({ state: 'CONNECTED', attempt: 0, account: 'DU1234567', port: 4002 });
    expect(back.connection.gaps).toEqual([{ from: at(100), to: at(107), seconds: 7 }]);
    expect(back.connection.sessions.map((s) => s.event)).toEqual(['CONNECT', 'RECONNECT', 'DISCONNECT', 'CONNECT']);
  });

  it('shows an escalated connection as ESCALATED', () => {
    const model = given([beads.session('DISCONNECT'), beads.session('RECONNECT', { attempt: 3, escalated: true, reason: 'refused' }, { t: 65 })]);
    expect(viewAt(model, 66).connection).toMatchObject({ state: 'ESCALATED', attempt: 3, reason: 'refused' });
  });
});

describe('dashboard model: positions, approvals, alerts, drift, kill flag', () => {
  it('keeps the latest state and P&L of each open position, and moves closed ones to the recent list', () => {
    const model = given([
      beads.position('pos-1', 'SUBMITTED', { avg_price: undefined }, { t: 0 }),
      beads.position('pos-1', 'MANAGED', { unrealised_pnl: 12.5 }, { t: 5 }),
      beads.position('pos-2', 'MANAGED', { unrealised_pnl: -3 }, { t: 6 }),
      beads.position('pos-2', 'CLOSED', { realised_pnl: -4.25, unrealised_pnl: 0 }, { t: 9 }),
    ]);
    const { positions } = viewAt(model, 10);
    expect(positions.open).toEqual([expect.objectContaining({ position_id: 'pos-1', state: 'MANAGED', unrealised_pnl: 12.5, opened_at: at(0), updated_at: at(5) })]);
    expect(positions.closed).toEqual([expect.objectContaining({ position_id: 'pos-2', state: 'CLOSED', realised_pnl: -4.25 })]);
    // Per quote currency: a total never adds two currencies (issue 18).
    expect(positions.unrealised.by_currency).toEqual({ USD: 12.5 });
    expect(positions.realised.by_currency).toEqual({ USD: -4.25 });
  });

  it('lists an approval as pending with its evidence until a terminal event settles it', () => {
    const evidence = { pair: 'EURUSD', price: 1.0852, risk: { pips_to_stop: 30, money_at_risk: 60 } };
    const steps = [
      beads.approval('int-1', 'RECEIVED', {}, { t: 0 }),
      beads.approval('int-1', 'EVIDENCE_SHOWN', { verdict: 'FRESH', anchor_age_s: 42, evidence }, { t: 1 }),
      beads.approval('int-1', 'DECISION', { decision: 'APPROVE', decided_by: 'op', channel: 'TERMINAL' }, { t: 8 }),
    ];
    const pending = viewAt(given(steps), 9).approvals.pending;
    expect(pending).toEqual([expect.objectContaining({ intent_id: 'int-1', event: 'DECISION', evidence, verdict: 'FRESH', decided_by: 'op', received_at: at(0) })]);
    const settled = viewAt(given([...steps, beads.approval('int-1', 'CONSUMED', {}, { t: 10 })]), 11).approvals;
    expect(settled.pending).toEqual([]);
    expect(settled.settled).toEqual([expect.objectContaining({ intent_id: 'int-1', event: 'CONSUMED', evidence })]);
  });

  it('shows each alert once with its latest delivery state, and counts raised alerts by severity', () => {
    const model = given([
      beads.alert('a-1', 'RAISED', {}, { t: 0 }),
      beads.alert('a-2', 'RAISED', { severity: 'WARNING', alert_type: 'POSITION_STALLED', runbook_id: 'RB-003' }, { t: 1 }),
      beads.alert('a-1', 'SENT', {}, { t: 2 }),
      beads.alert('a-1', 'RESOLVED', {}, { t: 50 }),
    ]);
    const { alerts } = viewAt(model, 51);
    expect(alerts.recent.map((a) => [a.alert_id, a.status, a.resolved])).toEqual([
      ['a-2', 'RAISED', false],
      ['a-1', 'RESOLVED', true],
    ]);
    expect(alerts.raised).toEqual({ WARNING: 1, CRITICAL: 1 });
  });

  it('keeps the last reconciliation and the last drift, and drift turns the banner red', () => {
    const drift = [{ kind: 'POSITION_QUANTITY', subject: 'EURUSD', broker: '40000', local: '20000' }];
    const model = given([beads.heartbeat({ t: 0 }), beads.reconciliation('DRIFT', drift, { t: 1 })]);
    const view = viewAt(model, 2);
    expect(view.drift).toMatchObject({ runs: 1, drifts: 1, last: { result: 'DRIFT', drift, broker_positions: 1 }, last_drift: { ts: at(1) } });
    expect(view.banner.level).toBe('CRITICAL');
    const after = viewAt(given([beads.heartbeat({ t: 300 }), beads.reconciliation('MATCH', [], { t: 300 })], model), 301);
    expect(after.drift).toMatchObject({ runs: 2, drifts: 1, last: { result: 'MATCH' }, last_drift: { ts: at(1) } });
    expect(after.banner.level).toBe('HEALTHY');
  });

  it('shows who set the kill flag and why, and who cleared it', () => {
    const set = given([beads.killFlag('SET', 'operator', 'drill RB-004', { t: 3 })]);
    expect(viewAt(set, 4).kill_flag).toEqual({ state: 'SET', who: 'operator', reason: 'drill RB-004', ts: at(3) });
    const cleared = given([beads.killFlag('CLEARED', 'operator', 'drill over', { t: 9 })], set);
    expect(viewAt(cleared, 10).kill_flag).toMatchObject({ state: 'ARMED', who: 'operator', reason: 'drill over' });
  });
});

describe('dashboard model: fold properties', () => {
  it('never changes a view it handed out, and folds the same beads to the same view however it is read along the way', () => {
    // The model is its folder's own and changes in place; the contract is that
    // what leaves it (a view) is a snapshot, and that reading a view mid-fold
    // neither changes it later nor changes where the fold ends up.
    fc.assert(
      fc.property(fc.array(stepArb, { maxLength: 80 }), fc.array(fc.boolean(), { minLength: 80, maxLength: 80 }), (steps, readAfter) => {
        const model = initialDashboard();
        const handedOut: { view: ReturnType<typeof viewAt>; json: string }[] = [];
        steps.forEach((step, i) => {
          foldStep(model, step, i);
          if (readAfter[i]) {
            const view = viewAt(model, 600);
            handedOut.push({ view, json: JSON.stringify(view) });
          }
        });
        for (const { view, json } of handedOut) expect(JSON.stringify(view)).toBe(json);
        expect(viewAt(model, 600)).toEqual(viewAt(foldFresh(steps), 600));
        // Each view read along the way is exactly the view of the beads folded so far.
        const readAt = steps.flatMap((_, i) => (readAfter[i] ? [i] : []));
        readAt.forEach((i, n) => {
          expect(handedOut[n]!.json).toBe(JSON.stringify(viewAt(foldFresh(steps.slice(0, i + 1)), 600)));
        });
      }),
      { numRuns: 60 },
    );
  });

  it('bounds every list, whatever the length of the log', () => {
    const many: Bead[] = [];
    for (let i = 0; i < 300; i++) many.push(beads.alert(`a-${i}`, 'RAISED', {}, { t: i }), beads.heartbeat({ t: i * 30 }));
    const view = viewAt(given(many), 9000);
    expect(view.activity).toHaveLength(ACTIVITY_KEPT);
    expect(view.alerts.recent).toHaveLength(ALERTS_KEPT);
    expect(view.alerts.recent[0]!.alert_id).toBe('a-299');
    expect(view.heartbeats.points.length).toBeLessThanOrEqual(120);
    expect(view.counts.beads_total).toBe(600);
    expect(view.counts.by_type).toEqual({ ALERT: 300, HEARTBEAT: 300 });
    expect(view.alerts.raised.CRITICAL).toBe(300);
  });

  it('summarises the activity feed newest first with the timeline wording', () => {
    const view = viewAt(given([beads.hostStarted(), beads.killFlag('SET', 'operator', 'halt', { t: 1 })]), 2);
    expect(view.activity.map((a) => a.summary)).toEqual(['SET by operator: halt', 'STARTED pid 4242 version 0.1.0 config cfg-1']);
    expect(view.activity[0]).toMatchObject({ position: 1, bead_type: 'KILL_FLAG', ts: at(1) });
  });

  it('counts corrupt records, and takes gates and runbooks from outside', () => {
    let model = noteCorrupt(initialDashboard(), 7, 'corrupt JSON');
    model = withGates(model, [{ id: 'P1-1', name: 'IBKR_PAPER_CONNECTED', status: 'MET', detail: 'CONNECT on paper' }]);
    model = withRunbooks(model, [{ id: 'RB-001', title: 'Connection loss', file: 'RB-001_CONNECTION_LOSS.md', alert_types: ['CONNECTION_LOST'] }]);
    const view = viewAt(model, 0);
    expect(view.counts).toMatchObject({ corrupt: 1, last_corrupt: { position: 7, reason: 'corrupt JSON' } });
    expect(view.log_position).toBe(7);
    expect(view.gates).toEqual([{ id: 'P1-1', name: 'IBKR_PAPER_CONNECTED', status: 'MET', detail: 'CONNECT on paper' }]);
    expect(view.runbooks[0]!.id).toBe('RB-001');
  });
});
