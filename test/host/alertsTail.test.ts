/**
 * Issue 15: at start the alert outbox no longer reads the whole alerts
 * stream (on a long log, tens of thousands of beads), only the tail from the
 * oldest alert still owed and the last hours the dedupe and throttle windows
 * look at. What it restores from the tail is what it would from the whole
 * stream: the same alerts queued, so none is lost across a restart.
 */
import { describe, expect, it } from 'vitest';
import { alertsTail } from '../../actors/host/alertsTail.ts';
import { DEFAULT_RULES, DispatchPolicy } from '../../actors/notify/dispatchPolicy.ts';
import { restorePolicy } from '../../actors/notify/outboxRestore.ts';
import { type Bead, stamp, streams } from '../../beads/index.ts';
import { alertOutboxFold } from '../../projections/hostFolds.ts';
import { uuidV7Ids } from '../../store/ids.ts';
import { MemoryEventLog } from '../../store/memory.ts';
import type { LogEntry } from '../../store/port.ts';

const HOST = 'phoenix-1';
const T0 = Date.parse('2026-12-01T00:00:00.000Z');

function alert(event: 'RAISED' | 'SENT', n: number, atMs: number): Bead {
  return stamp(
    {
      bead_type: 'ALERT',
      stream: streams.alerts,
      correlation_id: `alert-${n}`,
      data: { event, alert_id: `alert-${n}`, alert_type: 'GATEWAY_RECONNECTED', severity: 'WARNING', message: `reconnected (${n})`, runbook_id: 'RB-002', dedupe_key: `gateway-reconnect-${n}` },
    },
    { bead_id: uuidV7Ids.next(), ts: new Date(atMs).toISOString(), host_id: HOST, mode: 'PAPER' },
  );
}

/** Twenty hours of alerts, one a minute, each sent a second later, except those in `owed`. */
async function twentyHours(owed: ReadonlySet<number>): Promise<{ log: MemoryEventLog; beads: Bead[] }> {
  const log = new MemoryEventLog();
  const beads: Bead[] = [];
  for (let n = 0; n < 1_200; n++) {
    beads.push(alert('RAISED', n, T0 + n * 60_000));
    if (!owed.has(n)) beads.push(alert('SENT', n, T0 + n * 60_000 + 1_000));
  }
  for (const b of beads) await log.append(b.stream, [b]);
  return { log, beads };
}

const queuedAfter = (entries: readonly LogEntry[]) => {
  const policy = new DispatchPolicy(DEFAULT_RULES);
  restorePolicy(policy, entries, (b) => b.host_id === HOST);
  return policy.queued.map((a) => a.alertId).sort();
};

describe('the outbox restores from the tail of the alerts stream (issue 15)', () => {
  it('an alert owed from nineteen hours ago is restored, with every alert after it, and the same queue as a read of the whole stream', async () => {
    const { log, beads } = await twentyHours(new Set([60, 420]));
    const fold = alertOutboxFold(HOST);
    const owed = beads.reduce((s, b) => fold.apply(s, b, 0), fold.init());
    const oldest = owed.values().next().value;
    expect(oldest).toBe(beads.find((b) => b.bead_type === 'ALERT' && b.data.alert_id === 'alert-60')!.bead_id);

    const whole = await log.readStream(streams.alerts);
    const tail = await alertsTail(log, oldest);
    expect(tail.map((e) => e.position)).toEqual(whole.slice(whole.length - tail.length).map((e) => e.position));
    expect(tail.some((e) => e.kind === 'bead' && e.bead.bead_id === oldest)).toBe(true);
    expect(queuedAfter(tail)).toEqual(['alert-420', 'alert-60']);
    expect(queuedAfter(tail)).toEqual(queuedAfter(whole));
  });

  it('with nothing owed it reads the last hours only, and restores the same (empty) queue', async () => {
    const { log } = await twentyHours(new Set());
    const whole = await log.readStream(streams.alerts);
    const tail = await alertsTail(log, undefined);
    expect(tail.length).toBeLessThan(whole.length * 0.7);
    // The windows' reach: the oldest entry read is more than five hours before the newest.
    const ts = (e: LogEntry | undefined) => (e?.kind === 'bead' ? Date.parse(e.bead.ts) : Number.NaN);
    expect(ts(tail.at(-1)) - ts(tail[0])).toBeGreaterThan(5 * 3_600_000);
    expect(queuedAfter(tail)).toEqual(queuedAfter(whole));
  });
});
