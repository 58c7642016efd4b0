import { describe, expect, it } from 'vitest';
import { type BeadOf, stamp, streams } from '../../beads/index.ts';
import { loadConfig } from '../../runtime/config/load.ts';
import { BeadWriter } from '../../runtime/beadWriter.ts';
import { silentLogger } from '../../runtime/logger.ts';
import { startHostMonitor } from '../../actors/monitor/hostMonitor.ts';
import { seededRandom } from '../../runtime/random.ts';
import { uuidV7Ids } from '../../store/ids.ts';
import { MemoryEventLog } from '../../store/memory.ts';
import { FakeTime } from './fakeTime.ts';

const MIN = 60_000;

describe('host monitor (what the host wires)', () => {
  it('beats, degrades on a stale order with a WARNING in the outbox under the host id, and goes CRITICAL when an actor dies', async () => {
    const config = loadConfig({ PHOENIX_HOST_ID: 'hm-1', TIME_SCALE: '0.1' });
    const time = new FakeTime();
    const log = new MemoryEventLog();
    const writer = new BeadWriter({ log, clock: time, ids: uuidV7Ids, hostId: config.PHOENIX_HOST_ID, mode: config.mode });
    let beats = 0;
    const monitor = startHostMonitor({ config, writer, clock: time, timers: time, random: seededRandom(5), logger: silentLogger, ibkrConnected: () => true, onBeat: () => {
        beats += 1;
      },
    });
    let brokerUp = true;
    monitor.registry.register('broker', () => brokerUp);
    monitor.apply(
      stamp(
        { bead_type: 'ORDER', stream: 'order-o-1', correlation_id: 'i', data: { event: 'SENT', order_ref: 'o-1', role: 'ENTRY', pair: 'EURUSD' } },
        { bead_id: uuidV7Ids.next(), ts: new Date(time.now()).toISOString(), host_id: 'hm-1', mode: 'MOCK' },
      ),
    );
    // Scaled by 0.1: a beat every 3 s, the order stale after 30 s.
    await time.advance(40_000);
    expect(monitor.heartbeat.health).toBe('DEGRADED');
    expect(beats).toBeGreaterThanOrEqual(12);
    const alerts = (await log.readStream(streams.alerts)).flatMap((e) => (e.kind === 'bead' ? [e.bead as BeadOf<'ALERT'>] : []));
    expect(alerts.map((a) => [a.host_id, a.data.event, a.data.alert_type, a.data.severity])).toEqual([['hm-1', 'RAISED', 'HEALTH_DEGRADED', 'WARNING']]);

    brokerUp = false;
    await time.advance(5_000);
    expect(monitor.heartbeat.health).toBe('CRITICAL');
    const stopping = monitor.stop();
    await time.advance(MIN);
    await stopping;
    const last = (await log.readStream(streams.heartbeat('hm-1'))).at(-1)!;
    expect(last.kind === 'bead' && last.bead.bead_type === 'HEARTBEAT' && last.bead.data.details?.[0]).toEqual({ check: 'process_alive', subject: 'broker', message: 'actor broker is not running' });
  });
});
