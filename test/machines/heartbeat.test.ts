import { describe, expect, it } from 'vitest';
import { ESCALATED_SUFFIX, type CheckedEvent, healthOf } from '../../machines/heartbeat.ts';
import { HeartbeatReplayer, replayHeartbeat } from '../../machines/heartbeatReplay.ts';
import { comparableSnapshot } from './heartbeatSnapshot.ts';
import { alertsIn, beadsIn, checked, deadSubscription, HOST, INPUT, liveRun, MIN, stampedBeads, staleOrder, T0 } from './heartbeatFixtures.ts';

/** Given these checks, when this happens, then the machine emits these beads and alerts. */
function given(...events: CheckedEvent[]) {
  const machine = new HeartbeatReplayer(INPUT);
  for (const e of events) machine.send(e);
  const before = machine.emitted.length;
  const outcome = () => {
    const emitted = machine.emitted.slice(before);
    return { emitted, beads: beadsIn(emitted), alerts: alertsIn(emitted), snapshot: machine.current };
  };
  return {
    whenChecked(e: CheckedEvent) {
      machine.send(e);
      return outcome();
    },
    whenTimePasses(to: number) {
      machine.advanceTo(to);
      return outcome();
    },
  };
}

describe('heartbeat machine', () => {
  it('all checks pass: HEALTHY, a HEARTBEAT bead with every check true and no details, no alert', () => {
    const { beads, alerts, snapshot } = given().whenChecked(checked(T0));
    expect(healthOf(snapshot)).toBe('HEALTHY');
    expect(alerts).toEqual([]);
    expect(beads).toEqual([
      {
        type: 'bead',
        at: T0,
        draft: {
          bead_type: 'HEARTBEAT',
          stream: `heartbeat-${HOST}`,
          correlation_id: `heartbeat-${HOST}`,
          data: { status: 'HEALTHY', checks: { process_alive: true, ibkr_connected: true, semantic_healthy: true }, miss_count: 0 },
        },
      },
    ]);
  });

  it('INV-OPS-HEARTBEAT-SEMANTIC-1: a stale order status gives DEGRADED, not HEALTHY, and the bead names the order', () => {
    const { beads, alerts, snapshot } = given(checked(T0)).whenChecked(checked(T0 + 30_000, { details: [staleOrder('ord-7')] }));
    expect(healthOf(snapshot)).toBe('DEGRADED');
    const bead = beads[0]!;
    expect(bead.draft.bead_type === 'HEARTBEAT' && bead.draft.data).toMatchObject({
      status: 'DEGRADED',
      checks: { process_alive: true, ibkr_connected: true, semantic_healthy: false },
      details: [{ check: 'orders_flowing', subject: 'ord-7', message: expect.stringContaining('ord-7') }],
    });
    expect(alerts).toEqual([expect.objectContaining({ action: 'raise', alertType: 'HEALTH_DEGRADED', dedupeKey: `HEALTH_DEGRADED:${HOST}` })]);
    expect(alerts[0]!.severity).toBeUndefined();
  });

  it('a dead actor is CRITICAL and raises HOST_DOWN naming it; recovery resolves it', () => {
    const down = given(checked(T0)).whenChecked(
      checked(T0 + 30_000, { processAlive: false, details: [{ check: 'process_alive', subject: 'broker', message: 'actor broker stopped' }] }),
    );
    expect(healthOf(down.snapshot)).toBe('CRITICAL');
    expect(down.alerts).toEqual([expect.objectContaining({ action: 'raise', alertType: 'HOST_DOWN', message: expect.stringContaining('broker') })]);

    const back = given(checked(T0), checked(T0 + 30_000, { processAlive: false })).whenChecked(checked(T0 + 60_000));
    expect(healthOf(back.snapshot)).toBe('HEALTHY');
    expect(back.alerts).toEqual([expect.objectContaining({ action: 'resolve', alertType: 'HOST_DOWN' })]);
  });

  it('a lost connection is CRITICAL even with semantic issues; the connection machine alerts, not the heartbeat', () => {
    const { beads, alerts, snapshot } = given().whenChecked(checked(T0, { ibkrConnected: false, details: [{ check: 'ibkr_connected', message: 'not connected' }] }));
    expect(healthOf(snapshot)).toBe('CRITICAL');
    expect(beads[0]!.draft.bead_type === 'HEARTBEAT' && beads[0]!.draft.data.status).toBe('CRITICAL');
    expect(alerts).toEqual([]);
  });

  it('semantic degradation is a WARNING escalated to CRITICAL after 5 min, once, and the beads say so', () => {
    const degraded = [checked(T0, { details: [staleOrder('ord-1')] }), checked(T0 + 2 * MIN, { details: [staleOrder('ord-1')] })];
    expect(given(...degraded).whenTimePasses(T0 + 5 * MIN - 1).alerts).toEqual([]);

    const escalation = given(...degraded).whenTimePasses(T0 + 5 * MIN);
    expect(escalation.snapshot.matches({ DEGRADED: 'escalated' })).toBe(true);
    expect(escalation.alerts).toEqual([
      expect.objectContaining({ action: 'raise', alertType: 'HEALTH_DEGRADED', severity: 'CRITICAL', dedupeKey: `HEALTH_DEGRADED:${HOST}${ESCALATED_SUFFIX}` }),
    ]);

    const later = given(...degraded).whenChecked(checked(T0 + 6 * MIN, { details: [staleOrder('ord-1')] }));
    const data = later.beads[0]!.draft.bead_type === 'HEARTBEAT' ? later.beads[0]!.draft.data : undefined;
    expect(data?.status).toBe('DEGRADED');
    expect(data?.details?.map((d) => d.check)).toEqual(['orders_flowing', 'escalation']);
    expect(later.alerts.filter((a) => a.action === 'raise')).toHaveLength(1);
  });

  it('a degradation that clears within 5 min is resolved and never escalated', () => {
    const r = given(checked(T0, { details: [staleOrder('ord-1')] })).whenChecked(checked(T0 + 4 * MIN));
    expect(r.alerts).toEqual([expect.objectContaining({ action: 'resolve', alertType: 'HEALTH_DEGRADED', dedupeKey: `HEALTH_DEGRADED:${HOST}` })]);
    const after = given(checked(T0, { details: [staleOrder('ord-1')] }), checked(T0 + 4 * MIN)).whenTimePasses(T0 + 20 * MIN);
    expect(after.alerts).toEqual([]);
  });

  it('a spell of CRITICAL restarts the escalation clock of the degradation that follows it', () => {
    const r = given(
      checked(T0, { details: [staleOrder('ord-1')] }),
      checked(T0 + 3 * MIN, { ibkrConnected: false, details: [staleOrder('ord-1')] }),
      checked(T0 + 4 * MIN, { details: [staleOrder('ord-1')] }),
    ).whenTimePasses(T0 + 8 * MIN);
    expect(r.alerts).toEqual([]);
    expect(given(checked(T0, { details: [staleOrder('ord-1')] }), checked(T0 + 3 * MIN, { ibkrConnected: false }), checked(T0 + 4 * MIN, { details: [staleOrder('ord-1')] }))
      .whenTimePasses(T0 + 9 * MIN).alerts).toEqual([expect.objectContaining({ severity: 'CRITICAL' })]);
  });

  it('a dead subscription raises SUBSCRIPTION_DEAD per pair, once, and resolves it when ticks return', () => {
    const first = given().whenChecked(checked(T0, { details: [deadSubscription('EURUSD')] }));
    expect(first.alerts.map((a) => [a.action, a.alertType, a.dedupeKey])).toEqual([
      ['raise', 'HEALTH_DEGRADED', `HEALTH_DEGRADED:${HOST}`],
      ['raise', 'SUBSCRIPTION_DEAD', `SUBSCRIPTION_DEAD:${HOST}:EURUSD`],
    ]);
    const again = given(checked(T0, { details: [deadSubscription('EURUSD')] })).whenChecked(
      checked(T0 + 30_000, { details: [deadSubscription('EURUSD'), deadSubscription('GBPUSD')] }),
    );
    expect(again.alerts.map((a) => a.dedupeKey)).toEqual([`SUBSCRIPTION_DEAD:${HOST}:GBPUSD`]);
    const healed = given(checked(T0, { details: [deadSubscription('EURUSD')] })).whenChecked(checked(T0 + 30_000));
    expect(healed.alerts.map((a) => [a.action, a.alertType])).toEqual([
      ['resolve', 'HEALTH_DEGRADED'],
      ['resolve', 'SUBSCRIPTION_DEAD'],
    ]);
  });

  it('replay: the beads of a live run rebuild the live snapshot, escalation timer included', () => {
    const events = [
      checked(T0),
      checked(T0 + 30_000, { details: [staleOrder('ord-9')] }),
      checked(T0 + 3 * MIN, { details: [staleOrder('ord-9'), deadSubscription('USDJPY')] }),
      checked(T0 + 6 * MIN, { details: [staleOrder('ord-9')] }),
      checked(T0 + 7 * MIN, { processAlive: false }),
      checked(T0 + 8 * MIN, { details: [staleOrder('ord-9')] }),
    ];
    const live = liveRun(events, T0 + 14 * MIN);
    const replayed = replayHeartbeat(stampedBeads(live.emitted), INPUT, T0 + 14 * MIN);
    expect(comparableSnapshot(replayed.snapshot)).toEqual(comparableSnapshot(live.snapshot));
    expect(replayed.emitted).toEqual(live.emitted);
    expect(replayed.anomalies).toEqual([]);
    expect(live.snapshot.matches({ DEGRADED: 'escalated' })).toBe(true);
  });

  it('replay skips the watchdog’s MISSED beads: the host never saw them', () => {
    const live = liveRun([checked(T0), checked(T0 + 30_000)]);
    const beads = stampedBeads(live.emitted);
    const missed = { ...beads[0]!, bead_id: '0190a000-0000-7000-8000-999999999999', ts: new Date(T0 + 10_000).toISOString() };
    if (missed.bead_type === 'HEARTBEAT') missed.data = { ...missed.data, status: 'MISSED', miss_count: 1 };
    const replayed = replayHeartbeat([beads[0]!, missed, beads[1]!], INPUT);
    expect(comparableSnapshot(replayed.snapshot)).toEqual(comparableSnapshot(live.snapshot));
  });
});
