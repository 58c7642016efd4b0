import { randomUUID } from 'node:crypto';
import type { RecordedEvent } from '@eventstore/db-client';
import { type AddressInfo, createServer, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { LogUnavailableError, WrongExpectedRevisionError } from '../../store/errors.ts';
import { EventStoreDbEventLog, type EventStoreDbOptions } from '../../store/eventstoredb.ts';
import { FakeEventStore, type FakeEventStoreOptions } from '../../tools/esdb-sim/fakeEventStore.ts';
import { realServerConnectionString } from '../esdb/realServer.ts';
import { findStoredBeads } from '../../store/esdb/storedBeads.ts';
import type { LogEntry } from '../../store/port.ts';
import { testBead, testBeads } from '../support/beads.ts';
import { settlesWithin } from '../support/settlesWithin.ts';
import { collect, eventLogConformance, waitFor } from './conformance.ts';

/**
 * Quick to notice a dead server, so the restart test stays fast; but an append
 * of a thousand beads to the in-process node must not time out on a loaded
 * two-core machine (the node answers on this same event loop).
 */
const TEST_TIMINGS = {
  appendTimeoutMs: 10_000,
  readTimeoutMs: 2_000,
  resubscribeBackoff: { initialMs: 20, maxMs: 200 },
} satisfies Partial<EventStoreDbOptions>;

function againstFake(name: string, options: FakeEventStoreOptions): void {
  eventLogConformance(name, async () => {
    const fake = new FakeEventStore(options);
    await fake.start();
    const open = () => new EventStoreDbEventLog({ connectionString: fake.connectionString, ...TEST_TIMINGS });
    const log = open();
    return {
      log,
      restartServer: () => fake.restart(),
      openSecond: async () => open(),
      cleanup: async () => {
        await log.close();
        await fake.stop();
      },
    };
  });
}

againstFake('eventstoredb (loopback gRPC, Append)', {});
againstFake('eventstoredb (loopback gRPC, BatchAppend)', { batchAppend: true });

const real = realServerConnectionString();
if (real) {
  eventLogConformance('eventstoredb (real server)', async () => {
    // Every test gets its own streams, so runs never meet on a shared server.
    const streamPrefix = `phoenix-test-${randomUUID().slice(0, 8)}-`;
    const open = () => new EventStoreDbEventLog({ connectionString: real, streamPrefix });
    const log = open();
    return { log, openSecond: async () => open(), cleanup: () => log.close() };
  });
}

describe('eventstoredb adapter against the loopback server', () => {
  let fake: FakeEventStore;
  const logs: EventStoreDbEventLog[] = [];
  const open = (options: Partial<EventStoreDbOptions> = {}) => {
    const log = new EventStoreDbEventLog({ connectionString: fake.connectionString, ...TEST_TIMINGS, ...options });
    logs.push(log);
    return log;
  };
  const startFake = async (options: FakeEventStoreOptions = {}) => {
    fake = new FakeEventStore(options);
    await fake.start();
  };
  afterEach(async () => {
    for (const log of logs.splice(0)) await log.close();
    await fake.stop();
  });

  const raw = (type: string, text: string, contentType = 'application/json') => ({
    id: randomUUID(),
    type,
    contentType,
    data: new TextEncoder().encode(text),
    customMetadata: new Uint8Array(),
  });

  it('hands out corrupt JSON and unknown bead types as corrupt entries, from every read', async () => {
    await startFake();
    const log = open();
    const good = testBead('mixed');
    fake.log.writeRaw('mixed', [
      raw('DRILL', '{"bead_type": "DRILL", '),
      raw('TELEPORT', JSON.stringify({ ...testBead('mixed'), bead_type: 'TELEPORT' })),
      raw('DRILL', '\u0000\u0001 not text', 'application/octet-stream'),
    ]);
    await log.append('mixed', [good]);
    const expectShape = (entries: LogEntry[]) => {
      expect(entries.map((e) => e.kind)).toEqual(['corrupt', 'corrupt', 'corrupt', 'bead']);
      expect(entries.map((e) => e.revision)).toEqual([0, 1, 2, 3]);
      const reasons = entries.flatMap((e) => (e.kind === 'corrupt' ? [e.reason] : []));
      expect(reasons[0]).toMatch(/corrupt JSON/);
      expect(reasons[1]).toMatch(/unknown bead_type "TELEPORT"/);
      expect(reasons[2]).toMatch(/corrupt JSON/);
    };
    expectShape(await log.readStream('mixed'));
    expectShape((await collect(log.readAll())).filter((e) => e.stream === 'mixed'));
    const seen: LogEntry[] = [];
    const sub = log.subscribe((e) => void seen.push(e));
    await waitFor(() => seen.length >= 4, 3000, 'subscribed entries');
    await sub.stop();
    expectShape(seen.filter((e) => e.stream === 'mixed'));
  });

  it('fails an append closed when the server is gone: refused at once, not left to run out a deadline', async () => {
    await startFake();
    // Deadlines far beyond the test: an append that waited for one would not settle in settlesWithin's 10 s.
    const log = open({ appendTimeoutMs: 10 * 60_000, readTimeoutMs: 10 * 60_000 });
    await log.append('down', [testBead('down')]);
    await fake.stop();
    const err = await settlesWithin(log.append('down', [testBead('down')]).catch((e) => e), 10_000, 'the append to a stopped server');
    expect(err).toBeInstanceOf(LogUnavailableError);
    expect(err.message).toMatch(/cannot append to down/);
    expect(err.message).not.toMatch(/got no answer within/);
  });

  it('fails an append closed at its deadline when the server accepts but never answers', async () => {
    await startFake();
    const sockets = new Set<Socket>();
    const blackHole = createServer((socket) => void sockets.add(socket));
    await new Promise<void>((resolve) => blackHole.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = blackHole.address() as AddressInfo;
      const log = new EventStoreDbEventLog({ connectionString: `esdb://127.0.0.1:${port}?tls=false`, appendTimeoutMs: 300 });
      logs.push(log);
      // Nothing ever answers: only the append's own 300 ms deadline can end it.
      const err = await settlesWithin(log.append('hole', [testBead('hole')]).catch((e) => e), 10_000, 'the append to a server that never answers');
      expect(err).toBeInstanceOf(LogUnavailableError);
      expect(err.message).toMatch(/^cannot append to hole: .*got no answer within 300 ms/);
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => blackHole.close(resolve));
    }
  });

  it('stores a retried append once even after the node forgot its id cache, or with a newer expected revision', async () => {
    await startFake();
    const log = open();
    const first = testBeads('retry', 2);
    const written = await log.append('retry', first, 'any');
    await fake.restart();
    const again = await eventually(() => log.append('retry', first, 'any'));
    expect(again).toEqual(written);
    await log.append('retry', [testBead('retry')], 1);
    const stale = await log.append('retry', first, 2);
    expect(stale.nextRevision).toBe(1);
    expect(fake.log.stream('retry')).toHaveLength(3);
  });

  it('writes only the missing beads of a partly stored batch', async () => {
    await startFake();
    const log = open();
    const [a, b, c] = testBeads('partial', 3);
    await log.append('partial', [a!, b!]);
    const result = await log.append('partial', [a!, b!, c!], 'any');
    expect(result.nextRevision).toBe(2);
    expect((await log.readStream('partial')).map((e) => e.kind === 'bead' && e.bead.bead_id)).toEqual([a, b, c].map((x) => x!.bead_id));
    const conflict = await log.append('partial', [testBead('partial'), c!], 0).catch((e) => e);
    expect(conflict).toBeInstanceOf(WrongExpectedRevisionError);
    expect(conflict.actual).toBe(2);
  });

  it('checks only the expected revision on an empty append', async () => {
    await startFake();
    const log = open();
    await log.append('empty', testBeads('empty', 2));
    expect(await log.append('empty', [], 1)).toMatchObject({ nextRevision: 1 });
    const err = await log.append('empty', [], 0).catch((e) => e);
    expect(err).toBeInstanceOf(WrongExpectedRevisionError);
    expect(fake.log.stream('empty')).toHaveLength(2);
  });

  it('appends through Append or BatchAppend, whichever the server lists in its features', async () => {
    await startFake();
    await open().append('path', [testBead('path')]);
    expect(fake.calls).toMatchObject({ append: 1, batchAppend: 0 });
    expect(fake.calls.serverFeatures).toBeGreaterThan(0);
    await fake.stop();

    await startFake({ batchAppend: true });
    const log = open();
    await log.append('path', [testBead('path')]);
    const conflict = await log.append('path', [testBead('path')], 'no_stream').catch((e) => e);
    expect(conflict).toBeInstanceOf(WrongExpectedRevisionError);
    expect(conflict.actual).toBe(0);
    expect(fake.calls.append).toBe(0);
    expect(fake.calls.batchAppend).toBeGreaterThan(0);
  });

  it('works with an older server: no CaughtUp message, no positions on stream reads', async () => {
    await startFake({ sendCaughtUp: false, streamReadPositions: false });
    const log = open();
    const beads = testBeads('old', 2);
    const written = await log.append('old', beads);
    expect(written.position).toBeGreaterThan(0);
    expect((await log.append('old', beads)).nextRevision).toBe(written.nextRevision);
    expect((await log.readStream('old')).map((e) => e.position)).toEqual([-1, -1]);
    let caughtUp = false;
    const seen: LogEntry[] = [];
    const sub = log.subscribe((e) => void seen.push(e), { onCaughtUp: () => (caughtUp = true) });
    await waitFor(() => caughtUp && seen.length === 2, 3000, 'caught up without a CaughtUp message');
    await sub.stop();
  });

  it('skips system events between beads and keeps the gaps in positions', async () => {
    await startFake();
    const log = open();
    await log.append('gaps', [testBead('gaps')]);
    await fake.restart();
    await eventually(() => log.append('gaps', [testBead('gaps')]));
    expect(fake.log.log.some((e) => e.stream.startsWith('$stats-') && e.revision > 0)).toBe(true);
    const all = await collect(log.readAll());
    expect(all.map((e) => e.stream)).toEqual(['gaps', 'gaps']);
    expect(all[1]!.position - all[0]!.position).toBeGreaterThan(1);
    const after = await collect(log.readAll({ after: all[0]!.position }));
    expect(after.map((e) => e.position)).toEqual([all[1]!.position]);
  });
});

/** Retries while the client reconnects to a restarted server. */
async function eventually<T>(work: () => Promise<T>, timeoutMs = 3000): Promise<T> {
  const started = Date.now();
  for (;;) {
    try {
      return await work();
    } catch (err) {
      if (!(err instanceof LogUnavailableError) || Date.now() - started > timeoutMs) throw err;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

describe('looking for already-stored beads before an append', () => {
  const recorded = (id: string, revision: number) => ({ id, revision: BigInt(revision) }) as RecordedEvent;
  const mintedAt = (ms: number) => {
    const hex = ms.toString(16).padStart(12, '0');
    return `${hex.slice(0, 8)}-${hex.slice(8)}-7000-8000-${randomUUID().slice(-12)}`;
  };

  it('walks back from the tail and stops at events minted well before the beads', async () => {
    const now = Date.parse('2026-11-24T09:00:00Z');
    const stream = [
      ...Array.from({ length: 50 }, (_, i) => recorded(mintedAt(now - 3_600_000 + i), i)),
      recorded(mintedAt(now), 50),
      ...Array.from({ length: 5 }, (_, i) => recorded(mintedAt(now + 1000 + i), 51 + i)),
    ];
    const reads: number[] = [];
    const scan = {
      readBackwards: async (from: bigint | undefined, count: number) => {
        const top = from === undefined ? stream.length - 1 : Number(from);
        reads.push(top);
        return stream.slice(Math.max(0, top - count + 1), top + 1).reverse();
      },
      pageSize: 4,
      maxEvents: 1000,
      clockSkewMs: 60_000,
    };
    const wanted = stream[50]!.id;
    expect(await findStoredBeads([wanted], scan)).toEqual(new Map([[wanted, { revision: 50, position: -1 }]]));
    const missing = mintedAt(now + 10);
    expect((await findStoredBeads([missing], scan)).size).toBe(0);
    // It gave up at the first hour-old event instead of reading the whole stream.
    expect(reads.length).toBeLessThan(5);
  });
});
