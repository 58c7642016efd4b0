import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../runtime/random.ts';
import { startBeatScheduler } from '../../actors/monitor/scheduler.ts';
import { FakeTime } from './fakeTime.ts';

/**
 * INV-OPS-HEARTBEAT-30S-1: heartbeat intervals are 30 s ± 5 s, over the
 * scheduler with a fake clock and random seeds, including checks that take a
 * while (CV_S33_6: ±10 s of latency around a 10 s check gives no beat out of
 * spec). On failure fast-check prints the seed and path; FC_SEED replays one.
 */

interface Beat {
  startedAt: number;
  finishedAt: number;
  /** Checks running when this one started, itself included: 1 unless beats overlap. */
  running: number;
}

interface BeatRun {
  beats: Beat[];
  /** What the scheduler swallowed (its onError): a beat that threw. */
  errors: unknown[];
}

/**
 * The beat records what it saw and never asserts: the scheduler swallows a
 * beat's errors (onError), so an expect inside it could never fail the test.
 * The tests assert on the record, outside the beat.
 */
async function runBeats(options: { intervalMs: number; jitterMs: number; seed: number; latencies: number[] }): Promise<BeatRun> {
  const time = new FakeTime();
  const beats: Beat[] = [];
  const errors: unknown[] = [];
  let inFlight = 0;
  let started = 0;
  const scheduler = startBeatScheduler({
    intervalMs: options.intervalMs,
    jitterMs: options.jitterMs,
    clock: time,
    timers: time,
    random: seededRandom(options.seed),
    beat: async (startedAt) => {
      inFlight += 1;
      const running = inFlight;
      const latency = options.latencies[started % options.latencies.length]!;
      started += 1;
      try {
        await new Promise<void>((resolve) => time.set(latency, resolve));
        beats.push({ startedAt, finishedAt: time.now(), running });
      } finally {
        inFlight -= 1;
      }
    },
    onError: (err) => errors.push(err),
  });
  const span = options.latencies.length * (options.intervalMs + options.jitterMs) + options.intervalMs;
  // Step through the span so each beat's own timers fire at their time.
  for (let t = 0; t < span; t += options.intervalMs / 3) await time.advance(options.intervalMs / 3);
  // stop() waits for a check in flight, and that check waits on fake time: keep time moving until it is done.
  const stopping = scheduler.stop();
  await time.advance(options.intervalMs * 2);
  await stopping;
  return { beats, errors };
}

/** Never two checks at once, and nothing swallowed: a second beat while one runs would be a scheduler bug. */
function expectOneAtATime(run: BeatRun): void {
  expect(run.errors).toEqual([]);
  expect(run.beats.map((b) => b.running).filter((n) => n !== 1)).toEqual([]);
}

function gaps(beats: Beat[]): number[] {
  return beats.slice(1).map((b, i) => b.startedAt - beats[i]!.startedAt);
}

const seedArb = fc.integer({ min: 0, max: 2 ** 31 - 1 });

describe('INV-OPS-HEARTBEAT-30S-1: intervals are 30 s ± 5 s (property test over the scheduler)', () => {
  const fcSeed = process.env.FC_SEED === undefined ? undefined : Number(process.env.FC_SEED);

  it('every interval between beats is within [25 s, 35 s] for any random seed, with checks taking 0 to 20 s', async () => {
    await fc.assert(
      fc.asyncProperty(seedArb, fc.array(fc.integer({ min: 0, max: 20_000 }), { minLength: 5, maxLength: 40 }), async (seed, latencies) => {
        const run = await runBeats({ intervalMs: 30_000, jitterMs: 5_000, seed, latencies });
        const beats = run.beats;
        expectOneAtATime(run);
        expect(beats.length).toBeGreaterThanOrEqual(latencies.length);
        for (const gap of gaps(beats)) {
          expect(gap).toBeGreaterThanOrEqual(25_000);
          expect(gap).toBeLessThanOrEqual(35_000);
        }
        // Never overlapping: each beat starts after the previous one finished.
        for (let i = 1; i < beats.length; i++) expect(beats[i]!.startedAt).toBeGreaterThanOrEqual(beats[i - 1]!.finishedAt);
      }),
      { numRuns: 60, ...(fcSeed === undefined ? {} : { seed: fcSeed }) },
    );
  });

  it('the jitter is spread over the whole band, not stuck at the middle', async () => {
    const run = await runBeats({ intervalMs: 30_000, jitterMs: 5_000, seed: 7, latencies: Array.from({ length: 200 }, () => 0) });
    expectOneAtATime(run);
    const g = gaps(run.beats);
    expect(Math.min(...g)).toBeLessThan(26_000);
    expect(Math.max(...g)).toBeGreaterThan(34_000);
    const mean = g.reduce((a, b) => a + b, 0) / g.length;
    expect(Math.abs(mean - 30_000)).toBeLessThan(1_000);
  });

  it('time-scaled (TIME_SCALE 0.01): the same band, scaled', async () => {
    await fc.assert(
      fc.asyncProperty(seedArb, fc.array(fc.integer({ min: 0, max: 200 }), { minLength: 5, maxLength: 20 }), async (seed, latencies) => {
        const run = await runBeats({ intervalMs: 300, jitterMs: 50, seed, latencies });
        expectOneAtATime(run);
        expect(run.beats.length).toBeGreaterThanOrEqual(latencies.length);
        for (const gap of gaps(run.beats)) {
          expect(gap).toBeGreaterThanOrEqual(250);
          expect(gap).toBeLessThanOrEqual(350);
        }
      }),
      { numRuns: 30, ...(fcSeed === undefined ? {} : { seed: fcSeed }) },
    );
  });

  it('a check that overruns its successor delays it (no overlap), and the plan resumes from there', async () => {
    const run = await runBeats({ intervalMs: 30_000, jitterMs: 5_000, seed: 1, latencies: [40_000, 0, 0, 0] });
    expectOneAtATime(run);
    const beats = run.beats;
    expect(beats[1]!.startedAt).toBe(beats[0]!.finishedAt);
    for (const gap of gaps(beats).slice(1)) expect(gap).toBeGreaterThanOrEqual(25_000);
  });

  it('a beat that throws does not stop the schedule', async () => {
    const time = new FakeTime();
    let count = 0;
    const errors: unknown[] = [];
    const scheduler = startBeatScheduler({
      intervalMs: 1000,
      jitterMs: 100,
      clock: time,
      timers: time,
      random: seededRandom(3),
      beat: async () => {
        count += 1;
        if (count === 2) throw new Error('boom');
      },
      onError: (err) => errors.push(err),
    });
    await time.advance(5_000);
    await scheduler.stop();
    expect(count).toBeGreaterThanOrEqual(5);
    expect(errors).toHaveLength(1);
    expect(time.timersPending).toBe(0);
  });
});
