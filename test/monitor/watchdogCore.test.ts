import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type Bead, type BeadDraft, stamp, streams } from '../../beads/index.ts';
import { loadConfig } from '../../runtime/config/load.ts';
import { silentLogger } from '../../runtime/logger.ts';
import { startWatchdog, watchdogTimings } from '../../actors/monitor/watchdog.ts';
import { MISSES_FOR_CRITICAL, type WatchdogAction, WatchdogCore } from '../../actors/monitor/watchdogCore.ts';
import { MemoryEventLog } from '../../store/memory.ts';
import { FakeTime, settle } from './fakeTime.ts';

const T0 = Date.parse('2026-11-24T09:00:00.000Z');
const S = 1000;
const HOST = 'wd-host';
const HERE = 'box-1';
const TIMINGS = { intervalMs: 30 * S, jitterMs: 5 * S, confirmMs: 500 };
let n = 0;

function bead(at: number, draft: BeadDraft): Bead {
  n += 1;
  return stamp(draft, { bead_id: `0190a000-0000-7000-8000-${String(n).padStart(12, '0')}`, ts: new Date(at).toISOString(), host_id: HOST, mode: 'MOCK' });
}
const hostBead = (at: number, event: 'STARTED' | 'STOPPING', pid: number, hostname = HERE) =>
  bead(at, { bead_type: 'HOST', stream: streams.host(HOST), correlation_id: 'h', data: { event, version: '0.1.0', config_hash: 'abc', pid, hostname } });
const heartbeat = (at: number, status: 'HEALTHY' | 'MISSED' = 'HEALTHY', miss_count = 0) =>
  bead(at, {
    bead_type: 'HEARTBEAT',
    stream: streams.heartbeat(HOST),
    correlation_id: 'hb',
    data: { status, checks: { process_alive: true, ibkr_connected: true, semantic_healthy: true }, miss_count },
  });

/** Drives the core: beads at their times, ticks every `tickMs` in between, collecting what it decides. */
function drive(core: WatchdogCore, events: { at: number; bead?: Bead }[], until: number, alive: (pid: number, at: number) => boolean, tickMs = 250) {
  const out: { at: number; action: WatchdogAction }[] = [];
  const queue = [...events].sort((a, b) => a.at - b.at);
  for (let t = queue[0]?.at ?? T0; t <= until; t += tickMs) {
    while (queue[0] && queue[0].at <= t) {
      const e = queue.shift()!;
      if (e.bead) for (const action of core.observe(e.bead)) out.push({ at: e.at, action });
    }
    for (const action of core.tick(t, (pid) => alive(pid, t))) out.push({ at: t, action });
  }
  return out;
}

const kinds = (out: { action: WatchdogAction }[]) => out.map(({ action }) => (action.kind === 'missed' ? `missed ${action.missCount}` : action.kind === 'hostDown' ? `down ${action.why}` : 'back'));

describe('watchdog judgement', () => {
  it('waits quietly until a host has started', () => {
    const core = new WatchdogCore(HOST, TIMINGS, HERE);
    expect(core.tick(T0 + 3_600_000, () => false)).toEqual([]);
    expect(core.state).toBe('waiting');
  });

  it('a host beating 30 s ± 5 s apart, even read a little late, is never missed', () => {
    const core = new WatchdogCore(HOST, TIMINGS, HERE);
    const events = [{ at: T0, bead: hostBead(T0, 'STARTED', 100) }];
    let t = T0;
    for (let i = 0; i < 40; i++) {
      t += i % 2 === 0 ? 35 * S : 25 * S;
      // Stamped at t, but read 400 ms later, after a tick has already passed the deadline.
      events.push({ at: t + 400, bead: heartbeat(t) });
    }
    expect(drive(core, events, t + 10 * S, () => true)).toEqual([]);
    expect(core.state).toBe('up');
  });

  it('a dead pid without a clean stop is CRITICAL at the first look, once; the misses then count up', () => {
    const core = new WatchdogCore(HOST, TIMINGS, HERE);
    const events = [{ at: T0, bead: hostBead(T0, 'STARTED', 100) }, { at: T0 + 30 * S, bead: heartbeat(T0 + 30 * S) }];
    // Killed 2 s after its heartbeat at 30 s.
    const out = drive(core, events, T0 + 230 * S, (_pid, at) => at < T0 + 32 * S);
    expect(kinds(out)).toEqual(['down dead', 'missed 1', 'missed 2', 'missed 3', 'missed 4', 'missed 5', 'missed 6']);
    expect(out[0]!.at).toBe(T0 + 32 * S);
    expect(out[0]!.action).toMatchObject({ dedupeKey: `HOST_DOWN:${HOST}:100`, message: expect.stringContaining('pid 100') });
    expect(core.state).toBe('dead');
  });

  it('a clean stop is silence by design: no miss, no alert', () => {
    const core = new WatchdogCore(HOST, TIMINGS, HERE);
    const events = [{ at: T0, bead: hostBead(T0, 'STARTED', 100) }, { at: T0 + 10 * S, bead: hostBead(T0 + 10 * S, 'STOPPING', 100) }];
    expect(drive(core, events, T0 + 600 * S, (_pid, at) => at < T0 + 11 * S)).toEqual([]);
    expect(core.state).toBe('stopped');
  });

  it('a hung host (alive, silent) earns MISSED at 35, 65 and 95 s, CRITICAL on the third, and is resolved when it beats again', () => {
    const core = new WatchdogCore(HOST, TIMINGS, HERE);
    const events = [{ at: T0, bead: hostBead(T0, 'STARTED', 100) }, { at: T0 + 130 * S, bead: heartbeat(T0 + 130 * S) }];
    const out = drive(core, events, T0 + 140 * S, () => true);
    expect(kinds(out)).toEqual(['missed 1', 'missed 2', 'missed 3', 'down hung', 'missed 4', 'back']);
    expect(out.map((o) => o.at - T0)).toEqual([35.5 * S, 65.5 * S, 95.5 * S, 95.5 * S, 125.5 * S, 130 * S]);
    expect(MISSES_FOR_CRITICAL).toBe(3);
    expect(core.state).toBe('up');
    expect(core.missCount).toBe(0);
  });

  it('a host that restarts under a new pid ends the incident', () => {
    const core = new WatchdogCore(HOST, TIMINGS, HERE);
    const events = [{ at: T0, bead: hostBead(T0, 'STARTED', 100) }, { at: T0 + 20 * S, bead: hostBead(T0 + 20 * S, 'STARTED', 200) }];
    const out = drive(core, events, T0 + 25 * S, (pid) => pid === 200);
    expect(kinds(out)).toEqual(['down dead', 'back']);
    expect(core.pid).toBe(200);
  });

  it('a host on another machine is judged by its heartbeat alone', () => {
    const core = new WatchdogCore(HOST, TIMINGS, HERE);
    const out = drive(core, [{ at: T0, bead: hostBead(T0, 'STARTED', 100, 'elsewhere') }], T0 + 100 * S, () => false);
    expect(kinds(out)).toEqual(['missed 1', 'missed 2', 'missed 3', 'down hung']);
    expect(out[3]!.action).toMatchObject({ message: expect.stringContaining('cannot be checked from here') });
  });

  it('a restarted watchdog carries the miss count on from its MISSED beads, and a long silence is one bead, not hundreds', () => {
    const core = new WatchdogCore(HOST, TIMINGS, HERE);
    core.observe(hostBead(T0, 'STARTED', 100));
    core.observe(heartbeat(T0 + 35.5 * S, 'MISSED', 1));
    core.observe(heartbeat(T0 + 65.5 * S, 'MISSED', 2));
    expect(kinds(core.tick(T0 + 96 * S, () => true).map((action) => ({ action })))).toEqual(['missed 3', 'down hung']);
    const later = new WatchdogCore(HOST, TIMINGS, HERE);
    later.observe(hostBead(T0, 'STARTED', 100));
    expect(kinds(later.tick(T0 + 3_600_000, () => true).map((action) => ({ action })))).toEqual(['missed 119', 'down hung']);
  });
});

/**
 * CV_S33_6, where the watchdog reads: the real watchdog actor following a log
 * on virtual time, with the production timings (30 s ± 5 s, read a moment
 * late at most 500 ms). Each heartbeat lands up to 10 s before or after its
 * 30 s mark, and up to 400 ms after it was stamped. A gap between two
 * heartbeats within 30 + 5 s is never a miss, a gap beyond the tolerance (35 s,
 * plus the 500 ms allowance and one 1 s look) always is, and one late beat is
 * never an alert. Gaps in between may go either way, depending on where a look
 * falls. FC_SEED replays a failing run.
 */
describe('CV_S33_6: heartbeat latency variance ±10 s, where the watchdog reads', () => {
  const timings = watchdogTimings(loadConfig({}));
  const tolerance = timings.intervalMs + timings.jitterMs;
  const certainMiss = tolerance + timings.confirmMs + 1_000;

  interface Beat {
    stampedAt: number;
    readAt: number;
  }

  /** Beat k is stamped at k × 30 s + latencies[k − 1] and lands delays[k − 1] later; returns what the watchdog wrote. */
  async function runLatencies(latencies: number[], delays: number[]) {
    const time = new FakeTime(T0);
    const log = new MemoryEventLog();
    await log.append(streams.host(HOST), [hostBead(T0, 'STARTED', 100)]);
    const watchdog = await startWatchdog({ log, hostId: HOST, mode: 'MOCK', timings, clock: time, timers: time, hostname: HERE, isPidAlive: () => true, logger: silentLogger });
    const beats: Beat[] = latencies.map((latency, i) => {
      const stampedAt = T0 + (i + 1) * timings.intervalMs + latency;
      return { stampedAt, readAt: stampedAt + (delays[i % delays.length] ?? 0) };
    });
    try {
      await watchdog.caughtUp;
      for (const beat of beats) {
        await time.advanceTo(beat.readAt);
        await log.append(streams.heartbeat(HOST), [heartbeat(beat.stampedAt)]);
        // The watchdog's subscription takes the bead on a later turn of the event loop.
        for (let i = 0; i < 10; i++) await settle();
      }
      // A beat's worth of quiet after the last one: not long enough for a miss of its own.
      await time.advanceTo(beats.at(-1)!.stampedAt + timings.intervalMs);
    } finally {
      await watchdog.stop();
    }
    const all: Bead[] = [];
    for await (const e of log.readAll()) if (e.kind === 'bead') all.push(e.bead);
    const missed = all.flatMap((b) => (b.bead_type === 'HEARTBEAT' && b.data.status === 'MISSED' ? [b] : []));
    const alerts = all.filter((b) => b.bead_type === 'ALERT');
    return { beats, missed, alerts };
  }

  /**
   * For each gap between stamps (from the start, then from each beat), the MISSED beads the watchdog wrote while
   * that gap's earlier beat was the last it had read: after that beat landed, up to the landing of the next.
   */
  function missesPerGap({ beats, missed }: Awaited<ReturnType<typeof runLatencies>>) {
    return beats.map((beat, i) => {
      const previous = i === 0 ? { stampedAt: T0, readAt: T0 } : beats[i - 1]!;
      const inGap = missed.filter((m) => Date.parse(m.ts) > previous.readAt && Date.parse(m.ts) <= beat.readAt);
      return { gap: beat.stampedAt - previous.stampedAt, counts: inGap.map((m) => (m.bead_type === 'HEARTBEAT' ? m.data.miss_count : -1)) };
    });
  }

  it('beats arriving up to 10 s early or late: no alert, no miss within 30 s + 5 s, a miss for each gap beyond it', async () => {
    const fcSeed = process.env.FC_SEED === undefined ? undefined : Number(process.env.FC_SEED);
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: -10_000, max: 10_000 }), { minLength: 6, maxLength: 20 }),
        fc.array(fc.integer({ min: 0, max: 400 }), { minLength: 1, maxLength: 5 }),
        async (latencies, delays) => {
          const run = await runLatencies(latencies, delays);
          expect(run.alerts).toEqual([]);
          // Every MISSED bead falls in some gap: none is written for a host that beat on time.
          expect(missesPerGap(run).flatMap((g) => g.counts)).toHaveLength(run.missed.length);
          for (const { gap, counts } of missesPerGap(run)) {
            if (gap <= tolerance) expect(counts, `a ${gap} ms gap`).toEqual([]);
            else if (gap >= certainMiss) expect(counts, `a ${gap} ms gap`).toEqual([1]);
            else expect([[], [1]]).toContainEqual(counts);
          }
        },
      ),
      { numRuns: 40, ...(fcSeed === undefined ? {} : { seed: fcSeed }) },
    );
  });

  it('the edges, spelled out: 35 s and 10 s gaps pass, 40 s and 50 s gaps are each one MISSED, none an alert', async () => {
    // Gaps: 35 s, 40 s, 10 s, 50 s, 30 s, 35 s (at the edge of the jitter), each read 400 ms after its stamp.
    const run = await runLatencies([5_000, 15_000, -5_000, 15_000, 15_000, 20_000], [400]);
    expect(missesPerGap(run).map(({ gap, counts }) => [gap, counts])).toEqual([
      [35_000, []],
      [40_000, [1]],
      [10_000, []],
      [50_000, [1]],
      [30_000, []],
      [35_000, []],
    ]);
    // Each at the first look (one a second) past its beat + 35.5 s: beats stamped at 35 s and 85 s.
    expect(run.missed.map((m) => Date.parse(m.ts) - T0)).toEqual([71_000, 121_000]);
    expect(run.alerts).toEqual([]);
  });
});
