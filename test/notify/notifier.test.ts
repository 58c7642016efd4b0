import { afterEach, describe, expect, it } from 'vitest';
import type { BeadOf } from '../../beads/index.ts';
import { silentLogger } from '../../runtime/logger.ts';
import { AlertNotifier } from '../../actors/notify/notifier.ts';
import { type AlertSource, raiseAlert } from '../../actors/notify/outbox.ts';
import { MemoryEventLog } from '../../store/memory.ts';
import { MemoryTransport } from './memoryTransport.ts';
import { runFor, VirtualTime } from './virtualTime.ts';

async function alertBeads(log: MemoryEventLog): Promise<BeadOf<'ALERT'>['data'][]> {
  const entries = await log.readStream('alerts');
  return entries.flatMap((e) => (e.kind === 'bead' && e.bead.bead_type === 'ALERT' ? [e.bead.data] : []));
}

describe('alert notifier (outbox actor)', () => {
  const time = new VirtualTime();
  const source: AlertSource = { hostId: 'host-a', mode: 'PAPER', clock: time };
  let notifiers: AlertNotifier[] = [];

  function notifierFor(log: MemoryEventLog, transport: MemoryTransport) {
    const n = new AlertNotifier({ log, transport, source, timers: time, logger: silentLogger });
    notifiers.push(n);
    return n;
  }

  afterEach(async () => {
    for (const n of notifiers) await n.stop();
    notifiers = [];
  });

  it('delivers a raised CRITICAL at once and records it as SENT with its runbook', async () => {
    const log = new MemoryEventLog();
    const transport = new MemoryTransport(() => time.now());
    const notifier = notifierFor(log, transport);
    await notifier.start();
    await raiseAlert(log, source, { type: 'alert', alertType: 'CONNECTION_LOST', message: 'gateway gone', dedupeKey: 'conn', correlationId: 'c1' });
    await notifier.idle();
    expect(transport.delivered).toHaveLength(1);
    expect(transport.delivered[0]!.text).toContain('gateway gone');
    expect(transport.delivered[0]!.text).toContain('Runbook: RB-001_CONNECTION_LOSS');
    const beads = await alertBeads(log);
    expect(beads.map((b) => b.event)).toEqual(['RAISED', 'SENT']);
    expect(beads[1]!.delivered_as).toBe('memory:1');
  });

  it('queues through an outage, backs off, and delivers each alert once when the channel returns', async () => {
    const log = new MemoryEventLog();
    const transport = new MemoryTransport(() => time.now());
    transport.mode = 'down';
    const notifier = notifierFor(log, transport);
    await notifier.start();
    await raiseAlert(log, source, { type: 'alert', alertType: 'HOST_DOWN', message: 'host gone', dedupeKey: 'h', correlationId: 'c' });
    await raiseAlert(log, source, { type: 'alert', alertType: 'ORDER_REJECTED', message: 'bad symbol', dedupeKey: 'o', correlationId: 'c' });
    await runFor(time, () => notifier.idle(), 120_000, 1_000);
    expect(transport.delivered).toHaveLength(0);
    // Backoff: 1, 2, 4, 8, 16, 32, 60 s… a handful of attempts in two minutes, not hundreds.
    expect(transport.attempts).toBeLessThan(10);
    transport.mode = 'up';
    await runFor(time, () => notifier.idle(), 70_000, 1_000);
    const texts = transport.delivered.map((d) => d.text).join('\n');
    expect(texts.match(/host gone/g)).toHaveLength(1);
    expect(texts.match(/bad symbol/g)).toHaveLength(1);
    const beads = await alertBeads(log);
    expect(beads.filter((b) => b.event === 'SENT')).toHaveLength(2);
    expect(beads.some((b) => b.event === 'FAILED' && b.error === 'connection refused')).toBe(true);
    expect(beads.some((b) => b.event === 'RETRIED')).toBe(true);
  });

  it('delivers after a restart what a stopped notifier left in the outbox, and nothing twice', async () => {
    const log = new MemoryEventLog();
    const down = new MemoryTransport(() => time.now());
    down.mode = 'down';
    const first = notifierFor(log, down);
    await first.start();
    await raiseAlert(log, source, { type: 'alert', alertType: 'RECONCILIATION_DRIFT', message: 'drift 1', dedupeKey: 'd', correlationId: 'c' });
    await raiseAlert(log, source, { type: 'alert', alertType: 'POSITION_STALLED', message: 'stalled', dedupeKey: 's', correlationId: 'c' });
    await raiseAlert(log, source, { type: 'alert', alertType: 'POSITION_STALLED', message: 'stalled again', dedupeKey: 's', correlationId: 'c' });
    await runFor(time, () => first.idle(), 15_000, 1_000);
    await first.stop();

    const up = new MemoryTransport(() => time.now());
    const second = notifierFor(log, up);
    await second.start();
    await runFor(time, () => second.idle(), 15_000, 1_000);
    const texts = up.delivered.map((d) => d.text).join('\n');
    expect(texts).toContain('drift 1');
    expect(texts).toContain('stalled');
    expect(texts).not.toContain('stalled again');
    const third = notifierFor(log, up);
    await second.stop();
    await third.start();
    await runFor(time, () => third.idle(), 15_000, 1_000);
    expect(up.delivered).toHaveLength(2);
    const beads = await alertBeads(log);
    expect(beads.filter((b) => b.event === 'GROUPED').map((b) => b.delivered_as)).toHaveLength(1);
  });

  it('sends "RESOLVED" notices and lets a resolved key alert again', async () => {
    const log = new MemoryEventLog();
    const transport = new MemoryTransport(() => time.now());
    const notifier = notifierFor(log, transport);
    await notifier.start();
    const lost = { type: 'alert', alertType: 'CONNECTION_LOST', message: 'lost', dedupeKey: 'conn-host-a', correlationId: 'c' } as const;
    await raiseAlert(log, source, lost);
    await notifier.idle();
    await raiseAlert(log, source, { type: 'alert', alertType: 'CONNECTION_RESTORED', message: 'back after 12 s', dedupeKey: 'conn-host-a', correlationId: 'c' });
    await runFor(time, () => notifier.idle(), 12_000);
    await raiseAlert(log, source, lost);
    await notifier.idle();
    await raiseAlert(log, source, { type: 'alert', alertType: 'CONNECTION_LOST', action: 'resolve', message: 'back again', dedupeKey: 'conn-host-a', correlationId: 'c' });
    await runFor(time, () => notifier.idle(), 12_000);
    const texts = transport.delivered.map((d) => d.text);
    expect(texts).toHaveLength(4);
    expect(texts[1]).toContain('RESOLVED: IB connection restored');
    expect(texts[3]).toContain('RESOLVED: IB connection lost');
  });

  it('sends the heartbeat\'s escalation of a lasting HEALTH_DEGRADED as a CRITICAL, and adds none of its own', async () => {
    const log = new MemoryEventLog();
    const transport = new MemoryTransport(() => time.now());
    const notifier = notifierFor(log, transport);
    await notifier.start();
    const degraded = { type: 'alert', alertType: 'HEALTH_DEGRADED', correlationId: 'c' } as const;
    await raiseAlert(log, source, { ...degraded, message: 'orders not flowing', dedupeKey: 'hd' });
    await runFor(time, () => notifier.idle(), 5 * 60_000, 5_000);
    await raiseAlert(log, source, { ...degraded, severity: 'CRITICAL', message: 'orders not flowing — unresolved for 5 min, escalated to CRITICAL', dedupeKey: 'hd#escalated' });
    await runFor(time, () => notifier.idle(), 10 * 60_000, 5_000);
    const texts = transport.delivered.map((d) => d.text);
    expect(texts).toHaveLength(2);
    expect(texts[0]).toMatch(/^🟡 WARNING · Health degraded/);
    expect(texts[1]).toMatch(/^🔴 CRITICAL · Health degraded/);
    expect(texts[1]).toContain('unresolved for 5 min, escalated to CRITICAL');
  });

  it('leaves alerts raised by another host to that host', async () => {
    const log = new MemoryEventLog();
    const transport = new MemoryTransport(() => time.now());
    const notifier = notifierFor(log, transport);
    await notifier.start();
    await raiseAlert(log, { ...source, hostId: 'watchdog' }, { type: 'alert', alertType: 'HOST_DOWN', message: 'x', dedupeKey: 'x', correlationId: 'c' });
    await runFor(time, () => notifier.idle(), 20_000, 1_000);
    expect(transport.delivered).toHaveLength(0);
  });
});
