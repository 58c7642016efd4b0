import { afterEach, describe, expect, it } from 'vitest';
import { type BeadDraft, type BeadOf, stamp, streams } from '../../beads/index.ts';
import { silentLogger } from '../../runtime/logger.ts';
import { type RunningWatchdog, startWatchdog, watchdogIdOf } from '../../actors/monitor/watchdog.ts';
import { AlertNotifier } from '../../actors/notify/notifier.ts';
import { uuidV7Ids } from '../../store/ids.ts';
import { MemoryEventLog } from '../../store/memory.ts';
import { MemoryTransport } from '../notify/memoryTransport.ts';
import { FakeTime, settle } from './fakeTime.ts';

const HOST = 'wd-actor';
const S = 1000;
const TIMINGS = { intervalMs: 30 * S, jitterMs: 5 * S, confirmMs: 500 };

function rig() {
  const time = new FakeTime();
  const log = new MemoryEventLog();
  let alive = true;
  const append = async (draft: BeadDraft) => {
    const bead = stamp(draft, { bead_id: uuidV7Ids.next(), ts: new Date(time.now()).toISOString(), host_id: HOST, mode: 'MOCK' });
    await log.append(bead.stream, [bead]);
  };
  const hostEvent = (event: 'STARTED' | 'STOPPING') =>
    append({ bead_type: 'HOST', stream: streams.host(HOST), correlation_id: 'h', data: { event, version: '0.1.0', config_hash: 'c', pid: 4242, hostname: 'box' } });
  const heartbeat = () =>
    append({
      bead_type: 'HEARTBEAT',
      stream: streams.heartbeat(HOST),
      correlation_id: 'hb',
      data: { status: 'HEALTHY', checks: { process_alive: true, ibkr_connected: true, semantic_healthy: true }, miss_count: 0 },
    });
  const start = () =>
    startWatchdog({ log, hostId: HOST, mode: 'MOCK', timings: TIMINGS, clock: time, timers: time, hostname: 'box', isPidAlive: () => alive, logger: silentLogger });
  const beats = async () =>
    (await log.readStream(streams.heartbeat(HOST))).flatMap((e) => (e.kind === 'bead' && e.bead.bead_type === 'HEARTBEAT' ? [e.bead as BeadOf<'HEARTBEAT'>] : []));
  const alerts = async () =>
    (await log.readStream(streams.alerts)).flatMap((e) => (e.kind === 'bead' && e.bead.bead_type === 'ALERT' ? [e.bead as BeadOf<'ALERT'>] : []));
  const run = async (ms: number) => {
    for (let t = 0; t < ms; t += 250) {
      await time.advance(250);
      await settle();
    }
  };
  return { time, log, hostEvent, heartbeat, start, beats, alerts, run, kill: () => (alive = false) };
}

let watchdog: RunningWatchdog | undefined;
let notifier: AlertNotifier | undefined;
afterEach(async () => {
  await watchdog?.stop();
  await notifier?.stop();
  watchdog = undefined;
  notifier = undefined;
});

describe('watchdog actor', () => {
  it('a killed host: CRITICAL HOST_DOWN within a second, under the watchdog’s own id, delivered by the watchdog’s notifier', async () => {
    const r = rig();
    await r.hostEvent('STARTED');
    await r.heartbeat();
    watchdog = await r.start();
    await watchdog.caughtUp;
    const transport = new MemoryTransport(() => r.time.now());
    notifier = new AlertNotifier({ log: r.log, transport, source: { hostId: watchdogIdOf(HOST), mode: 'MOCK', clock: r.time }, timers: r.time, logger: silentLogger });
    await notifier.start();
    await r.run(2 * S);
    expect(await r.alerts()).toEqual([]);

    r.kill();
    const killedAt = r.time.now();
    await r.run(1 * S);
    await notifier.idle();
    const raised = (await r.alerts()).filter((a) => a.data.event === 'RAISED');
    expect(raised).toHaveLength(1);
    expect(raised[0]!.host_id).toBe(`${HOST}-watchdog`);
    expect(raised[0]!.data).toMatchObject({ alert_type: 'HOST_DOWN', severity: 'CRITICAL', runbook_id: 'RB-010' });
    expect(Date.parse(raised[0]!.ts) - killedAt).toBeLessThanOrEqual(1000);
    expect(transport.delivered.map((d) => d.text).join('\n')).toMatch(/CRITICAL[\s\S]*\(pid 4242\) is gone without a clean stop[\s\S]*RB-010_HOST_DOWN/);
  });

  it('a hung host: MISSED beads with miss_count 1, 2, 3 on its heartbeat stream, CRITICAL on the third, RESOLVED when it beats again', async () => {
    const r = rig();
    await r.hostEvent('STARTED');
    watchdog = await r.start();
    await watchdog.caughtUp;
    await r.run(100 * S);
    const missed = (await r.beats()).filter((b) => b.data.status === 'MISSED');
    expect(missed.map((b) => b.data.miss_count)).toEqual([1, 2, 3]);
    expect(missed.every((b) => b.host_id === `${HOST}-watchdog` && b.data.checks.process_alive)).toBe(true);
    expect(missed[0]!.data.details?.[0]?.message).toMatch(/^no heartbeat from wd-actor for 3[56](\.\d)? s \(miss 1\); pid 4242 alive$/);
    const raised = (await r.alerts()).filter((a) => a.data.event === 'RAISED');
    expect(raised.map((a) => a.data.alert_type)).toEqual(['HOST_DOWN']);
    expect(raised[0]!.data.message).toMatch(/3 heartbeats missed/);

    await r.heartbeat();
    await r.run(1 * S);
    expect((await r.alerts()).map((a) => a.data.event)).toEqual(['RAISED', 'RESOLVED']);
    expect(watchdog.core.state).toBe('up');
  });

  it('a clean stop is never an alert', async () => {
    const r = rig();
    await r.hostEvent('STARTED');
    watchdog = await r.start();
    await watchdog.caughtUp;
    await r.run(5 * S);
    await r.hostEvent('STOPPING');
    await r.run(1 * S);
    r.kill();
    await r.run(200 * S);
    expect(await r.alerts()).toEqual([]);
    expect((await r.beats()).filter((b) => b.data.status === 'MISSED')).toEqual([]);
  });

  it('a watchdog started after the host died still alerts, from the host’s last beads alone', async () => {
    const r = rig();
    await r.hostEvent('STARTED');
    await r.heartbeat();
    r.kill();
    await r.time.advance(3_600_000);
    watchdog = await r.start();
    await watchdog.caughtUp;
    await r.run(1 * S);
    expect((await r.alerts()).map((a) => a.data.alert_type)).toEqual(['HOST_DOWN']);
    expect((await r.beats()).filter((b) => b.data.status === 'MISSED').map((b) => b.data.miss_count)).toEqual([119]);
  });
});
