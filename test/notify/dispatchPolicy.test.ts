import { describe, expect, it } from 'vitest';
import { alertsOf } from '../../actors/notify/alertModel.ts';
import { DispatchPolicy } from '../../actors/notify/dispatchPolicy.ts';
import { PolicySim } from './policySim.ts';

const at = (gapMs: number, type: Parameters<PolicySim['raise']>[0]['type'], key = 0, resolved = false) => ({
  gapMs,
  type,
  key,
  resolved,
  long: false,
});

describe('dispatch policy', () => {
  it('sends a CRITICAL at once and non-critical alerts together after the group wait', () => {
    const sim = new PolicySim(new DispatchPolicy({ groupWaitMs: 10_000 }));
    sim.raise(at(0, 'POSITION_STALLED', 1));
    sim.raise(at(2_000, 'ORDER_REJECTED', 1));
    sim.raise(at(1_000, 'CONNECTION_LOST', 1));
    expect(sim.deliveries.map((d) => [d.at, d.notification.kind])).toEqual([[3_000, 'critical']]);
    sim.runUntil(20_000);
    expect(sim.deliveries.map((d) => [d.at, d.notification.kind])).toEqual([
      [3_000, 'critical'],
      [10_000, 'group'],
    ]);
    const group = sim.deliveries[1]!.notification;
    expect(group.parts).toHaveLength(1);
    expect(group.parts[0]).toContain('Position stalled');
    expect(group.parts[0]).toContain('Order rejected');
    expect(group.parts[0]).toContain('Runbook: RB-003_STALLED_POSITION');
  });

  it('does not resend a dedupe key within the repeat interval, but does after a resolution', () => {
    const sim = new PolicySim(new DispatchPolicy({ repeatIntervalMs: 3_600_000 }));
    sim.raise(at(0, 'CONNECTION_LOST'));
    sim.raise(at(60_000, 'CONNECTION_LOST'));
    expect(sim.accepted[1]!.duplicateOf).toBe(sim.accepted[0]!.alert.alertId);
    sim.raise(at(60_000, 'CONNECTION_LOST', 0, true));
    sim.raise(at(60_000, 'CONNECTION_LOST'));
    expect(sim.accepted[3]!.duplicateOf).toBeUndefined();
    sim.runUntil(sim.now + 60_000);
    const texts = sim.deliveries.flatMap((d) => d.notification.parts);
    expect(texts.filter((t) => t.includes('CRITICAL'))).toHaveLength(2);
    expect(texts.some((t) => t.includes('RESOLVED: IB connection lost'))).toBe(true);
    // Past the repeat interval the same key is news again.
    sim.raise(at(3_600_000, 'CONNECTION_LOST'));
    expect(sim.accepted[4]!.duplicateOf).toBeUndefined();
  });

  it('summarises the excess of a storm as "+N more" with counts per type', () => {
    const sim = new PolicySim(new DispatchPolicy({ groupWaitMs: 10_000, maxDetailed: 10 }));
    for (let i = 0; i < 47; i++) sim.raise(at(100, i % 2 ? 'POSITION_STALLED' : 'ORDER_REJECTED', i));
    sim.runUntil(sim.now + 30_000);
    expect(sim.deliveries).toHaveLength(1);
    const n = sim.deliveries[0]!.notification;
    expect(alertsOf(n)).toHaveLength(47);
    expect(n.parts[0]).toContain('+37 more: 19× Order rejected, 18× Position stalled');
    expect(n.parts[0]).toMatch(/Runbooks: .*RB-012_ORDER_REJECTED/);
  });

  it('holds non-critical messages behind the throttle and records them as throttled once', () => {
    const policy = new DispatchPolicy({ groupWaitMs: 0 });
    const sim = new PolicySim(policy);
    sim.raise(at(0, 'POSITION_STALLED', 1));
    sim.raise(at(1_000, 'POSITION_STALLED', 2));
    // The second message may not leave before 3 s after the first.
    expect(sim.deliveries.map((d) => d.at)).toEqual([0]);
    expect(sim.throttled.map((t) => [t.at, t.alert.dedupeKey])).toEqual([[1_000, 'POSITION_STALLED:2']]);
    expect(policy.plan(sim.now).wakeAt).toBe(3_000);
    sim.runUntil(5_000);
    expect(sim.deliveries.map((d) => d.at)).toEqual([0, 3_000]);
    expect(sim.throttled).toHaveLength(1);
  });

  it('honours a 429 retry_after, then backs off exponentially on plain failures', () => {
    const sim = new PolicySim(new DispatchPolicy({ backoffBaseMs: 1_000 }), [
      { kind: 'retryAfter', ms: 7_000 },
      { kind: 'fail' },
      { kind: 'fail' },
    ]);
    sim.raise(at(0, 'HOST_DOWN'));
    sim.runUntil(60_000);
    // 0 → 429 (wait 7 s) → fail (2nd in a row: 2 s) → fail (3rd: 4 s) → delivered at 13 s.
    expect(sim.deliveries.map((d) => d.at)).toEqual([13_000]);
  });

  it('does not escalate on its own: an unresolved WARNING stays one WARNING (the machine that owns it escalates)', () => {
    const sim = new PolicySim(new DispatchPolicy({ groupWaitMs: 10_000 }));
    sim.raise(at(0, 'HEALTH_DEGRADED', 1));
    sim.runUntil(10 * 60_000);
    expect(sim.deliveries.map((d) => d.notification.kind)).toEqual(['group']);
    expect(sim.deliveries.flatMap((d) => alertsOf(d.notification)).map((a) => a.severity)).toEqual(['WARNING']);
  });

  it('an escalated key belongs to its base key\'s episode: after the resolution the next escalation is news again', () => {
    const sim = new PolicySim(new DispatchPolicy({ groupWaitMs: 0 }));
    const base = sim.raise(at(0, 'HEALTH_DEGRADED', 1));
    const escalated = (id: string) => ({ ...base, alertId: id, raisedAt: sim.now, severity: 'CRITICAL' as const, dedupeKey: `${base.dedupeKey}#escalated` });
    sim.runUntil(300_000);
    sim.accept(escalated('e1'));
    sim.raise(at(60_000, 'HEALTH_DEGRADED', 1, true));
    sim.raise(at(60_000, 'HEALTH_DEGRADED', 1));
    sim.runUntil(sim.now + 300_000);
    sim.accept(escalated('e2'));
    sim.runUntil(sim.now + 60_000);
    expect(sim.accepted.filter((x) => x.duplicateOf !== undefined)).toEqual([]);
    expect(sim.deliveries.filter((d) => d.notification.kind === 'critical')).toHaveLength(2);
  });

  it('splits a message longer than 4096 characters and resumes a failed split after the delivered parts', () => {
    const sim = new PolicySim(new DispatchPolicy(), [{ kind: 'failAtPart', part: 1 }]);
    sim.raise({ gapMs: 0, type: 'RECONCILIATION_DRIFT', key: 0, resolved: false, long: true });
    sim.runUntil(10_000);
    const n = sim.deliveries[0]!.notification;
    expect(n.parts).toHaveLength(2);
    expect(n.parts.every((p) => p.length <= 4096 && p.includes('Runbook: RB-002_RECONCILIATION_DRIFT'))).toBe(true);
    expect(sim.deliveries.map((d) => d.parts)).toEqual([[0], [1]]);
  });
});
