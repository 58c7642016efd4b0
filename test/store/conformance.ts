import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Bead, BeadValidationError } from '../../beads/index.ts';
import { LogUnavailableError, WrongExpectedRevisionError } from '../../store/errors.ts';
import type { EventLog, LogEntry, Subscription } from '../../store/port.ts';
import { testBead, testBeads } from '../support/beads.ts';

export interface LogUnderTest {
  log: EventLog;
  /** Stops the server and brings it back, keeping its data. Only for networked adapters. */
  restartServer?: () => Promise<void>;
  /** A second, independent client on the same log (another process's view). */
  openSecond?: () => Promise<EventLog>;
  cleanup: () => Promise<void>;
}

/** Everything an iterable read hands out, in order. */
export async function collect(iterable: AsyncIterable<LogEntry>): Promise<LogEntry[]> {
  const out: LogEntry[] = [];
  for await (const e of iterable) out.push(e);
  return out;
}

function ids(entries: LogEntry[]): string[] {
  return entries.map((e) => (e.kind === 'bead' ? e.bead.bead_id : `corrupt@${e.position}`));
}

export async function waitFor<T>(probe: () => T | undefined | false, timeoutMs = 5000, what = 'condition'): Promise<T> {
  const start = Date.now();
  for (;;) {
    const value = probe();
    if (value) return value;
    if (Date.now() - start > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/**
 * Appends once the log is back after a server restart: a LogUnavailableError
 * (the client still reconnecting) is retried until `timeoutMs`, then thrown;
 * any other error is a real failure and is thrown at once.
 */
async function appendOnceBack(log: EventLog, stream: string, beads: Bead[], timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await log.append(stream, beads);
      return;
    } catch (err) {
      if (!(err instanceof LogUnavailableError) || Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

/** The S2 semantics every adapter must show, run against each adapter in turn. */
export function eventLogConformance(name: string, open: () => Promise<LogUnderTest>): void {
  describe(`event log conformance: ${name}`, () => {
    let ut: LogUnderTest;
    let log: EventLog;
    const subs: Subscription[] = [];

    beforeEach(async () => {
      ut = await open();
      log = ut.log;
    });
    afterEach(async () => {
      for (const s of subs.splice(0)) await s.stop();
      await ut.cleanup();
    });

    it('numbers stream revisions from 0 and reads them back in order', async () => {
      const beads = testBeads('s-rev', 3);
      const result = await log.append('s-rev', beads, 'no_stream');
      expect(result.nextRevision).toBe(2);
      const read = await log.readStream('s-rev');
      expect(read.map((e) => e.revision)).toEqual([0, 1, 2]);
      expect(ids(read)).toEqual(beads.map((b) => b.bead_id));
      const first = read[0]!;
      expect(first.kind === 'bead' && first.bead).toEqual(beads[0]);
    });

    it('reads a stream from a revision inclusively, backwards, and with a limit', async () => {
      const beads = testBeads('s-read', 5);
      await log.append('s-read', beads);
      expect((await log.readStream('s-read', { from: 2 })).map((e) => e.revision)).toEqual([2, 3, 4]);
      expect((await log.readStream('s-read', { direction: 'backwards', limit: 2 })).map((e) => e.revision)).toEqual([4, 3]);
      expect((await log.readStream('s-read', { from: 1, direction: 'backwards' })).map((e) => e.revision)).toEqual([1, 0]);
      expect(await log.readStream('no-such-stream')).toEqual([]);
    });

    it('refuses a wrong expected revision with a typed error and writes nothing', async () => {
      await log.append('s-exp', testBeads('s-exp', 2), 'no_stream');
      const cases = [
        ['no_stream', 1],
        [0, 1],
        [5, 1],
      ] as const;
      for (const [expected, actual] of cases) {
        const err = await log.append('s-exp', [testBead('s-exp')], expected).catch((e) => e);
        expect(err).toBeInstanceOf(WrongExpectedRevisionError);
        expect(err.actual).toBe(actual);
      }
      const missing = await log.append('s-missing', [testBead('s-missing')], 'stream_exists').catch((e) => e);
      expect(missing).toBeInstanceOf(WrongExpectedRevisionError);
      expect(missing.actual).toBe(-1);
      expect(await log.readStream('s-missing')).toEqual([]);
      expect(await log.readStream('s-exp')).toHaveLength(2);
    });

    it('accepts any, stream_exists and the exact revision', async () => {
      await log.append('s-ok', [testBead('s-ok')], 'any');
      await log.append('s-ok', [testBead('s-ok')], 'stream_exists');
      const r = await log.append('s-ok', [testBead('s-ok')], 1);
      expect(r.nextRevision).toBe(2);
    });

    it('stores a bead only once when an append is retried with the same bead_id', async () => {
      const beads = testBeads('s-idem', 2);
      const first = await log.append('s-idem', beads, 'no_stream');
      const again = await log.append('s-idem', beads, 'no_stream');
      expect(again.nextRevision).toBe(first.nextRevision);
      expect(await log.readStream('s-idem')).toHaveLength(2);
      const all = await collect(log.readAll());
      expect(all.filter((e) => e.stream === 's-idem')).toHaveLength(2);
    });

    it('a retry that carries stored and new beads stores only the new ones, at the next revisions', async () => {
      const [a, b, c] = testBeads('s-part', 3);
      await log.append('s-part', [a!], 'no_stream');
      const result = await log.append('s-part', [a!, b!, c!], 'any');
      expect(result.nextRevision).toBe(2);
      const read = await log.readStream('s-part');
      expect(ids(read)).toEqual([a!, b!, c!].map((x) => x.bead_id));
      expect(read.map((e) => e.revision)).toEqual([0, 1, 2]);
    });

    it('refuses a bead that fails its schema at append, naming the field', async () => {
      const bad = { ...testBead('s-bad'), data: { runbook_id: 'RB-004', event: 'EXPLODED' } };
      const err = await log.append('s-bad', [bad as never]).catch((e) => e);
      expect(err).toBeInstanceOf(BeadValidationError);
      expect(err.message).toMatch(/data\.event/);
      const wrongStream = await log.append('s-bad', [testBead('elsewhere')]).catch((e) => e);
      expect(wrongStream).toBeInstanceOf(BeadValidationError);
      expect(wrongStream.message).toMatch(/stream/);
      expect(await log.readStream('s-bad')).toEqual([]);
    });

    it('reads all streams in one global order with increasing positions', async () => {
      const a = testBeads('g-a', 2);
      const b = testBeads('g-b', 2);
      await log.append('g-a', [a[0]!]);
      await log.append('g-b', [b[0]!]);
      await log.append('g-a', [a[1]!]);
      await log.append('g-b', [b[1]!]);
      const all = (await collect(log.readAll())).filter((e) => e.stream.startsWith('g-'));
      expect(ids(all)).toEqual([a[0], b[0], a[1], b[1]].map((x) => x!.bead_id));
      const positions = all.map((e) => e.position);
      expect([...positions].sort((x, y) => x - y)).toEqual(positions);
      expect(new Set(positions).size).toBe(positions.length);
      const after = await collect(log.readAll({ after: positions[1]! }));
      expect(ids(after.filter((e) => e.stream.startsWith('g-')))).toEqual([a[1], b[1]].map((x) => x!.bead_id));
    });

    it('reads only the bead types asked for, in global order, with after and limit counting only those', async () => {
      const start = await log.append('ty-start', [testBead('ty-start')]);
      const beat = (n: number) =>
        testBead('ty-beat', {
          bead_type: 'HEARTBEAT',
          correlation_id: `beat-${n}`,
          data: { status: 'HEALTHY', checks: { process_alive: true, ibkr_connected: true, semantic_healthy: true }, miss_count: 0 },
        });
      const beats: ReturnType<typeof beat>[] = [];
      const drills: ReturnType<typeof testBead>[] = [];
      for (let round = 0; round < 4; round++) {
        const d = testBeads('ty-drill', 3);
        const b = beat(round);
        drills.push(...d);
        beats.push(b);
        await log.append('ty-drill', d);
        await log.append('ty-beat', [b]);
      }
      const after = start.position;
      expect(ids(await collect(log.readAll({ after, types: ['HEARTBEAT'] })))).toEqual(beats.map((b) => b.bead_id));
      const both = await collect(log.readAll({ after, types: ['HEARTBEAT', 'DRILL'] }));
      expect(ids(both)).toEqual(ids(await collect(log.readAll({ after }))));
      expect(both).toHaveLength(16);
      const limited = await collect(log.readAll({ after, types: ['HEARTBEAT'], limit: 2 }));
      expect(ids(limited)).toEqual(beats.slice(0, 2).map((b) => b.bead_id));
      const rest = await collect(log.readAll({ after: limited[1]!.position, types: ['HEARTBEAT'] }));
      expect(ids(rest)).toEqual(beats.slice(2).map((b) => b.bead_id));
      expect(await collect(log.readAll({ after, types: ['BUNNY'] }))).toEqual([]);
    });

    it('lets the event loop turn during a long read, so the rest of the process is not held up', async () => {
      for (let i = 0; i < 5; i++) await log.append('turns', testBeads('turns', 1000));
      let read = 0;
      let readWhenTurned: number | undefined;
      setImmediate(() => {
        readWhenTurned = read;
      });
      for await (const _ of log.readAll()) read += 1;
      expect(read).toBe(5000);
      expect(readWhenTurned).toBeLessThan(read);
    });

    it('appends to several streams in one call, in the order given, with one result per stream', async () => {
      const a = testBeads('m-a', 2);
      const b = testBeads('m-b', 1);
      await log.append('m-b', [testBead('m-b')]);
      const results = await log.appendMany([
        { stream: 'm-a', beads: a, expected: 'no_stream' },
        { stream: 'm-b', beads: b, expected: 0 },
      ]);
      expect(results.map((r) => r.nextRevision)).toEqual([1, 1]);
      expect(results[0]!.position).toBeLessThan(results[1]!.position);
      const all = (await collect(log.readAll())).filter((e) => e.stream.startsWith('m-'));
      expect(ids(all).slice(1)).toEqual([...a, ...b].map((x) => x.bead_id));
      expect((await log.readStream('m-b')).map((e) => e.revision)).toEqual([0, 1]);
    });

    it('a multi-stream append refused part-way writes none of it where the adapter is atomic, and nothing after the refusal anywhere', async () => {
      await log.append('x-b', [testBead('x-b')]);
      const first = testBeads('x-a', 1);
      const err = await log
        .appendMany([
          { stream: 'x-a', beads: first, expected: 'no_stream' },
          { stream: 'x-b', beads: [testBead('x-b')], expected: 'no_stream' },
          { stream: 'x-c', beads: [testBead('x-c')] },
        ])
        .catch((e) => e);
      expect(err).toBeInstanceOf(WrongExpectedRevisionError);
      expect(err.stream).toBe('x-b');
      expect(await log.readStream('x-b')).toHaveLength(1);
      expect(await log.readStream('x-c')).toEqual([]);
      expect(ids(await log.readStream('x-a'))).toEqual(log.atomicAcrossStreams ? [] : [first[0]!.bead_id]);
      // The log stays usable, and its revisions are unbroken by the rolled-back part.
      await log.append('x-a', [testBead('x-a')], log.atomicAcrossStreams ? 'no_stream' : 0);
      expect((await log.readStream('x-a')).map((e) => e.revision)).toEqual(log.atomicAcrossStreams ? [0] : [0, 1]);
    });

    it('a bead that fails its schema anywhere in a multi-stream append is refused before anything is written', async () => {
      const bad = { ...testBead('v-b'), data: { runbook_id: 'RB-004', event: 'EXPLODED' } };
      const err = await log
        .appendMany([
          { stream: 'v-a', beads: [testBead('v-a')] },
          { stream: 'v-b', beads: [bad as never] },
        ])
        .catch((e) => e);
      expect(err).toBeInstanceOf(BeadValidationError);
      expect(await log.readStream('v-a')).toEqual([]);
    });

    it('subscribes: catches up, goes live, and starts strictly after its checkpoint', async () => {
      const early = testBeads('sub', 3);
      await log.append('sub', early);
      const seen: LogEntry[] = [];
      let caughtUp = false;
      subs.push(log.subscribe((e) => void seen.push(e), { onCaughtUp: () => (caughtUp = true) }));
      await waitFor(() => caughtUp && seen.length >= 3, 5000, 'catch-up');
      const late = testBeads('sub', 2);
      await log.append('sub', late);
      await waitFor(() => seen.filter((e) => e.stream === 'sub').length >= 5, 5000, 'live beads');
      expect(ids(seen.filter((e) => e.stream === 'sub'))).toEqual([...early, ...late].map((b) => b.bead_id));

      const checkpoint = seen.find((e) => e.kind === 'bead' && e.bead.bead_id === early[1]!.bead_id)!.position;
      const fromCheckpoint: LogEntry[] = [];
      subs.push(log.subscribe((e) => void fromCheckpoint.push(e), { after: checkpoint }));
      await waitFor(() => fromCheckpoint.filter((e) => e.stream === 'sub').length >= 3, 5000, 'resume');
      expect(ids(fromCheckpoint.filter((e) => e.stream === 'sub'))).toEqual(
        [early[2]!, ...late].map((b) => b.bead_id),
      );
    });

    it('wakes an urgent subscriber first after an append in this process, and the others still get every bead', async (ctx) => {
      if (log.name === 'eventstoredb') return ctx.skip(); // no in-process wake-ups to order (see SubscribeOptions.urgent)
      const order: string[] = [];
      const live = { views: 0, urgent: 0 };
      const reader = (name: 'views' | 'urgent') => (e: LogEntry) => {
        if (e.stream !== 'urg') return;
        order.push(`${name}:${e.kind === 'bead' ? e.bead.bead_id : '?'}`);
      };
      // Registered first, so without the option it would be told first.
      subs.push(log.subscribe(reader('views'), { onCaughtUp: () => (live.views = 1) }));
      subs.push(log.subscribe(reader('urgent'), { urgent: true, onCaughtUp: () => (live.urgent = 1) }));
      await waitFor(() => live.views && live.urgent, 5000, 'both live');
      const beads = testBeads('urg', 2);
      await log.append('urg', beads);
      await waitFor(() => order.length >= 4, 5000, 'both readers');
      const [a, b] = beads.map((x) => x.bead_id);
      expect(order).toEqual([`urgent:${a}`, `urgent:${b}`, `views:${a}`, `views:${b}`]);
    });

    it('delivers to a subscriber one entry at a time, in order, even with a slow handler', async () => {
      const seen: string[] = [];
      let busy = false;
      let overlapped = false;
      subs.push(
        log.subscribe(async (e) => {
          if (busy) overlapped = true;
          busy = true;
          await new Promise((r) => setTimeout(r, 2));
          if (e.kind === 'bead' && e.stream === 'slow') seen.push(e.bead.bead_id);
          busy = false;
        }),
      );
      const beads = testBeads('slow', 10);
      for (const b of beads) await log.append('slow', [b]);
      await waitFor(() => seen.length >= 10, 5000, 'slow handler');
      expect(seen).toEqual(beads.map((b) => b.bead_id));
      expect(overlapped).toBe(false);
    });

    it('never hands out system ($-prefixed) streams', async () => {
      await log.append('visible', [testBead('visible')]);
      const all = await collect(log.readAll());
      expect(all.some((e) => e.stream.startsWith('$'))).toBe(false);
      expect(all.some((e) => e.stream === 'visible')).toBe(true);
    });

    it('resubscribes from its checkpoint after the server goes away: nothing missed or repeated', async (ctx) => {
      if (!ut.restartServer) return ctx.skip();
      const seen: string[] = [];
      const drops: string[] = [];
      subs.push(
        log.subscribe((e) => void (e.kind === 'bead' && e.stream === 'restart' && seen.push(e.bead.bead_id)), {
          onDropped: (reason) => drops.push(reason),
        }),
      );
      const before = testBeads('restart', 3);
      await log.append('restart', before);
      await waitFor(() => seen.length >= 3, 5000, 'beads before restart');
      await ut.restartServer();
      const after = testBeads('restart', 3);
      // While the client reconnects the log is unavailable; that, and only that, is retried, and not for ever.
      await appendOnceBack(log, 'restart', after, 10_000);
      // One more bead behind them: once it is seen, anything repeated or missed before it would be in `seen` too.
      const last = testBead('restart');
      await log.append('restart', [last]);
      await waitFor(() => seen.includes(last.bead_id), 10_000, 'beads after restart');
      expect(seen).toEqual([...before, ...after, last].map((b) => b.bead_id));
      expect(drops.length).toBeGreaterThan(0);
    });

    it('shows an append from a second client to a subscriber on the first', async (ctx) => {
      if (!ut.openSecond) return ctx.skip();
      const second = await ut.openSecond();
      try {
        const seen: string[] = [];
        subs.push(log.subscribe((e) => void (e.kind === 'bead' && e.stream === 'x-client' && seen.push(e.bead.bead_id))));
        const bead = testBead('x-client');
        await second.append('x-client', [bead]);
        await waitFor(() => seen.length === 1, 5000, 'cross-client bead');
        expect(seen).toEqual([bead.bead_id]);
      } finally {
        await second.close();
      }
    });
  });
}
