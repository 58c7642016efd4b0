import { afterEach, describe, expect, it } from 'vitest';
import { type Bead, type BeadDraft, type BeadOf, stamp, streams } from '../../beads/index.ts';
import { BeadWriter } from '../../runtime/beadWriter.ts';
import { ActorRegistry } from '../../actors/monitor/actorRegistry.ts';
import { type HeartbeatConfig, type RunningHeartbeat, startHeartbeat } from '../../actors/monitor/heartbeatActor.ts';
import { SemanticMonitor } from '../../actors/monitor/semanticMonitor.ts';
import { TickTracker } from '../../actors/monitor/tickTracker.ts';
import { seededRandom } from '../../runtime/random.ts';
import type { HeartbeatAlertRequest } from '../../machines/heartbeat.ts';
import { replayHeartbeat } from '../../machines/heartbeatReplay.ts';
import { uuidV7Ids } from '../../store/ids.ts';
import { MemoryEventLog } from '../../store/memory.ts';
import { FakeTime } from './fakeTime.ts';

const HOST = 'hb-actor';
const MIN = 60_000;
const CONFIG: HeartbeatConfig = { PHOENIX_HOST_ID: HOST, HEARTBEAT_INTERVAL_S: 30, HEARTBEAT_JITTER_S: 5, TIME_SCALE: 1 };

function rig(options: { connected?: () => boolean; config?: HeartbeatConfig } = {}) {
  const time = new FakeTime();
  const log = new MemoryEventLog();
  const writer = new BeadWriter({ log, clock: time, ids: uuidV7Ids, hostId: HOST, mode: 'MOCK' });
  const registry = new ActorRegistry();
  const ticks = new TickTracker();
  const semantic = new SemanticMonitor({ startedAt: time.now(), ticks, marketHours: 'always', thresholds: { reconciliationMaxAgeMs: 24 * 60 * MIN } });
  const alerts: HeartbeatAlertRequest[] = [];
  const heartbeat = startHeartbeat({
    writer,
    clock: time,
    timers: time,
    random: seededRandom(42),
    config: options.config ?? CONFIG,
    probes: { actors: registry, ibkrConnected: options.connected ?? (() => true), semantic },
    alerts: { raise: async (r) => void alerts.push(r as HeartbeatAlertRequest) },
  });
  const heartbeats = async () => {
    const out: BeadOf<'HEARTBEAT'>[] = [];
    for (const e of await log.readStream(streams.heartbeat(HOST))) if (e.kind === 'bead' && e.bead.bead_type === 'HEARTBEAT') out.push(e.bead);
    return out;
  };
  const feed = (draft: BeadDraft) => {
    const bead: Bead = stamp(draft, { bead_id: uuidV7Ids.next(), ts: new Date(time.now()).toISOString(), host_id: HOST, mode: 'MOCK' });
    semantic.apply(bead);
  };
  return { time, log, registry, ticks, semantic, alerts, heartbeat, heartbeats, feed };
}

let running: { heartbeat: RunningHeartbeat; time: FakeTime } | undefined;
afterEach(async () => {
  if (!running) return;
  const stopping = running.heartbeat.stop();
  await running.time.advance(MIN);
  await stopping;
  running = undefined;
});

describe('heartbeat actor', () => {
  it('appends a HEALTHY HEARTBEAT bead at once and then every 30 s ± 5 s', async () => {
    const r = rig();
    running = r;
    r.registry.register('intents', () => true);
    await r.time.advance(10 * MIN);
    const beads = await r.heartbeats();
    expect(beads.length).toBeGreaterThanOrEqual(17);
    expect(beads.every((b) => b.data.status === 'HEALTHY')).toBe(true);
    const times = beads.map((b) => Date.parse(b.ts));
    for (let i = 1; i < times.length; i++) {
      expect(times[i]! - times[i - 1]!).toBeGreaterThanOrEqual(25_000);
      expect(times[i]! - times[i - 1]!).toBeLessThanOrEqual(35_000);
    }
    expect(r.alerts).toEqual([]);
    expect(r.heartbeat.health).toBe('HEALTHY');
  });

  it('CV_S33_5: an order status stale for 10 min gives DEGRADED beads naming the order, a WARNING, then CRITICAL after 5 min', async () => {
    const r = rig();
    running = r;
    r.feed({ bead_type: 'ORDER', stream: 'order-ord-42', correlation_id: 'i-1', data: { event: 'SENT', order_ref: 'ord-42', role: 'ENTRY', pair: 'EURUSD' } });
    await r.time.advance(4 * MIN);
    expect((await r.heartbeats()).every((b) => b.data.status === 'HEALTHY')).toBe(true);
    await r.time.advance(6 * MIN);
    const beads = await r.heartbeats();
    const last = beads[beads.length - 1]!;
    expect(last.data.status).toBe('DEGRADED');
    expect(last.data.checks.semantic_healthy).toBe(false);
    expect(last.data.details).toContainEqual(expect.objectContaining({ check: 'orders_flowing', subject: 'ord-42', message: expect.stringContaining('ord-42') }));
    expect(r.alerts.map((a) => [a.alertType, a.severity ?? 'table'])).toEqual([['HEALTH_DEGRADED', 'table']]);
    await r.time.advance(5 * MIN);
    expect(r.alerts.map((a) => [a.alertType, a.severity ?? 'table'])).toEqual([
      ['HEALTH_DEGRADED', 'table'],
      ['HEALTH_DEGRADED', 'CRITICAL'],
    ]);
    expect(r.heartbeat.health).toBe('DEGRADED');
    // And the stream it wrote replays to the live machine.
    const replayed = replayHeartbeat(await r.heartbeats(), { hostId: HOST }, r.time.now());
    expect(replayed.snapshot.value).toEqual(r.heartbeat.snapshot().value);
    expect(replayed.snapshot.context).toEqual(r.heartbeat.snapshot().context);
  });

  it('a dead actor or a lost connection is CRITICAL; a throwing probe counts against its check', async () => {
    let connected = true;
    const r = rig({ connected: () => connected });
    running = r;
    let brokerUp = true;
    r.registry.register('broker', () => brokerUp);
    r.registry.register('notify', () => {
      throw new Error('probe broke');
    });
    await r.time.advance(1);
    let last = (await r.heartbeats()).at(-1)!;
    expect(last.data.status).toBe('CRITICAL');
    expect(last.data.checks.process_alive).toBe(false);
    expect(last.data.details).toContainEqual({ check: 'process_alive', subject: 'notify', message: 'actor notify is not running' });
    expect(r.alerts[0]).toMatchObject({ action: 'raise', alertType: 'HOST_DOWN' });

    brokerUp = false;
    connected = false;
    await r.time.advance(40_000);
    last = (await r.heartbeats()).at(-1)!;
    expect(last.data.checks).toEqual({ process_alive: false, ibkr_connected: false, semantic_healthy: true });
    expect(last.data.details?.map((d) => d.subject ?? d.check)).toEqual(['broker', 'notify', 'ibkr_connected']);
  });

  it('a dead market-data subscription degrades health and raises SUBSCRIPTION_DEAD for the pair', async () => {
    const r = rig();
    running = r;
    r.ticks.subscribed('EURUSD', r.time.now());
    r.ticks.tick('EURUSD', r.time.now());
    await r.time.advance(3 * MIN);
    expect(r.heartbeat.health).toBe('DEGRADED');
    expect(r.alerts.map((a) => a.dedupeKey)).toContain(`SUBSCRIPTION_DEAD:${HOST}:EURUSD`);
    r.ticks.tick('EURUSD', r.time.now());
    await r.time.advance(40_000);
    expect(r.heartbeat.health).toBe('HEALTHY');
    expect(r.alerts.filter((a) => a.action === 'resolve').map((a) => a.alertType).sort()).toEqual(['HEALTH_DEGRADED', 'SUBSCRIPTION_DEAD']);
  });

  it('is time-scaled: TIME_SCALE 0.01 beats every 0.3 s ± 0.05 s and escalates after 3 s', async () => {
    const r = rig({ config: { ...CONFIG, TIME_SCALE: 0.01 } });
    running = r;
    await r.time.advance(3_000);
    const times = (await r.heartbeats()).map((b) => Date.parse(b.ts));
    expect(times.length).toBeGreaterThanOrEqual(9);
    for (let i = 1; i < times.length; i++) expect(Math.abs(times[i]! - times[i - 1]! - 300)).toBeLessThanOrEqual(50);
  });

  it('stops: no bead after stop()', async () => {
    const r = rig();
    const stopping = r.heartbeat.stop();
    await r.time.advance(MIN);
    await stopping;
    const count = (await r.heartbeats()).length;
    await r.time.advance(5 * MIN);
    expect((await r.heartbeats()).length).toBe(count);
  });
});
