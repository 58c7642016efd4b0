import { describe, expect, it } from 'vitest';
import { streams } from '../../beads/index.ts';
import { ManualClock } from '../../runtime/clock.ts';
import { outboxSink } from '../../actors/notify/outbox.ts';
import { ALERT_TYPES, isAlertType } from '../../actors/notify/alertTypes.ts';
import { ESCALATED_SUFFIX as NOTIFIER_ESCALATED_SUFFIX } from '../../actors/notify/dispatchPolicy.ts';
import { DEFAULT_ESCALATE_AFTER_MS, ESCALATED_SUFFIX, type HeartbeatAlertType } from '../../machines/heartbeat.ts';
import { MemoryEventLog } from '../../store/memory.ts';

describe('heartbeat alerts through the notify outbox', () => {
  it('every alert type the heartbeat raises is in the classification table, and escalation keys match the notifier’s', () => {
    const raised: HeartbeatAlertType[] = ['HEALTH_DEGRADED', 'SUBSCRIPTION_DEAD', 'HOST_DOWN'];
    for (const type of raised) expect(isAlertType(type)).toBe(true);
    expect(ALERT_TYPES.HOST_DOWN.severity).toBe('CRITICAL');
    expect(ESCALATED_SUFFIX).toBe(NOTIFIER_ESCALATED_SUFFIX);
  });

  it('the table declares the escalation the heartbeat machine carries out, with the same delay', () => {
    expect(ALERT_TYPES.HEALTH_DEGRADED.escalation).toEqual({ afterMs: DEFAULT_ESCALATE_AFTER_MS, to: 'CRITICAL' });
  });

  it('raise, escalate and resolve become RAISED / RAISED CRITICAL / RESOLVED beads with the table’s runbook', async () => {
    const log = new MemoryEventLog();
    const sink = outboxSink(log, { hostId: 'h1', mode: 'MOCK', clock: new ManualClock() });
    const base = { type: 'alert' as const, alertType: 'HEALTH_DEGRADED' as const, correlationId: 'heartbeat-h1', message: 'order ord-1 stuck' };
    await sink.raise({ ...base, action: 'raise', dedupeKey: 'HEALTH_DEGRADED:h1' });
    await sink.raise({ ...base, action: 'raise', severity: 'CRITICAL', dedupeKey: `HEALTH_DEGRADED:h1${ESCALATED_SUFFIX}` });
    await sink.raise({ ...base, action: 'resolve', dedupeKey: 'HEALTH_DEGRADED:h1' });
    const beads = (await log.readStream(streams.alerts)).flatMap((e) => (e.kind === 'bead' && e.bead.bead_type === 'ALERT' ? [e.bead.data] : []));
    expect(beads.map((d) => [d.event, d.severity, d.runbook_id, d.dedupe_key])).toEqual([
      ['RAISED', 'WARNING', 'RB-011', 'HEALTH_DEGRADED:h1'],
      ['RAISED', 'CRITICAL', 'RB-011', 'HEALTH_DEGRADED:h1#escalated'],
      ['RESOLVED', 'WARNING', 'RB-011', 'HEALTH_DEGRADED:h1'],
    ]);
  });
});
