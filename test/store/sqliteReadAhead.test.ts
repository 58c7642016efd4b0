import { readdirSync, renameSync } from 'node:fs';
import Database from 'better-sqlite3';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LogUnavailableError } from '../../store/errors.ts';
import type { LogEntry } from '../../store/port.ts';
import { defaultLogPath, SqliteEventLog, type SqliteEventLogOptions } from '../../store/sqlite.ts';
import { testBead, testBeads } from '../support/beads.ts';
import { makeTempDir } from '../support/tempDir.ts';
import { useTempSqliteLogs } from '../support/tempSqliteLogs.ts';
import { collect, eventLogConformance, waitFor } from './conformance.ts';

// Every read longer than one page goes through the worker thread here, so the
// whole S2 suite checks that reading ahead changes nothing a caller can see.
eventLogConformance('sqlite, read ahead on a worker thread', async () => {
  const temp = makeTempDir('phoenix-sqlite-ahead');
  const path = defaultLogPath(temp.dir);
  const options = { pageSize: 2, readAheadFrom: 1 };
  const log = new SqliteEventLog(path, options);
  return {
    log,
    openSecond: async () => new SqliteEventLog(path, options),
    cleanup: async () => {
      await log.close();
      temp.remove();
    },
  };
});

/** What a caller can see of an entry: where it is, and the whole bead. */
function seen(e: LogEntry): string {
  return e.kind === 'bead'
    ? `${e.position} ${e.stream}@${e.revision} ${JSON.stringify(e.bead)}`
    : `${e.position} ${e.stream}@${e.revision} corrupt: ${e.reason}`;
}

const IN_THREAD: SqliteEventLogOptions = { pageSize: 50, readAheadFrom: Number.POSITIVE_INFINITY };
const AHEAD: SqliteEventLogOptions = { pageSize: 50, readAheadFrom: 1 };

describe('sqlite read-ahead', () => {
  const logs = useTempSqliteLogs('phoenix-read-ahead');
  const openLog = logs.open;

  /** `total` beads over three streams; at the given indexes a corrupt row instead: bad JSON at even ones, an unknown type at odd ones. */
  async function seed(total: number, corruptAt: readonly number[] = []): Promise<void> {
    const writer = openLog(IN_THREAD);
    const raw = new Database(logs.path);
    const insert = raw.prepare('INSERT INTO beads (stream, revision, bead_id, bead_type, ts, json) VALUES (?, ?, ?, ?, ?, ?)');
    const revisions = new Map<string, number>();
    for (let i = 0; i < total; i++) {
      const stream = `s-${i % 3}`;
      const revision = revisions.get(stream) ?? 0;
      revisions.set(stream, revision + 1);
      // Some text beyond ASCII, as a person's reason may hold: it travels between threads as UTF-8.
      const bead = testBead(stream, i % 7 === 0 ? { correlation_id: `corr-${i}-Zürich ✓ 🚀` } : {});
      if (corruptAt.includes(i)) {
        const json = i % 2 === 0 ? '{"bead_type": "DRILL", ' : JSON.stringify({ ...bead, bead_type: 'TELEPORT' });
        insert.run(stream, revision, bead.bead_id, 'DRILL', bead.ts, json);
      } else {
        await writer.append(stream, [bead], revision === 0 ? 'no_stream' : revision - 1);
      }
    }
    raw.close();
  }

  it('hands out exactly what the in-thread read does: order, positions, revisions, corrupt rows', async () => {
    await seed(1_000, [3, 60, 61, 499, 998]);
    const here = (await collect(openLog(IN_THREAD).readAll())).map(seen);
    const ahead = (await collect(openLog(AHEAD).readAll())).map(seen);
    expect(ahead).toHaveLength(1_000);
    expect(ahead).toEqual(here);
    expect(ahead.filter((s) => s.includes('corrupt: corrupt JSON'))).toHaveLength(2);
    expect(ahead.filter((s) => s.includes('corrupt: unknown bead_type "TELEPORT"'))).toHaveLength(3);
    expect(ahead.filter((s) => s.includes('Zürich ✓ 🚀'))).toHaveLength(143);
  });

  it('keeps to `after` and `limit`, and reads beads appended while it runs', async () => {
    await seed(600);
    const log = openLog(AHEAD);
    const all = await collect(log.readAll());
    const window = await collect(log.readAll({ after: all[120]!.position, limit: 301 }));
    expect(window.map(seen)).toEqual(all.slice(121, 422).map(seen));

    const read: LogEntry[] = [];
    let appended = false;
    for await (const e of log.readAll()) {
      read.push(e);
      if (!appended) {
        appended = true;
        await log.append('late', testBeads('late', 3));
      }
    }
    expect(read).toHaveLength(603);
    expect(read.slice(-3).map((e) => e.stream)).toEqual(['late', 'late', 'late']);
    const positions = read.map((e) => e.position);
    expect(positions).toEqual([...positions].sort((a, b) => a - b));
    expect(new Set(positions).size).toBe(positions.length);
  });

  // The worker is an OS thread of this process: Linux lists each under /proc/self/task.
  it.runIf(process.platform === 'linux')('stops its worker when the reader stops early, and the log reads on', async () => {
    await seed(500);
    const log = openLog(AHEAD);
    const threads = () => readdirSync('/proc/self/task').length;
    let n = 0;
    let whileReading = 0;
    for await (const _ of log.readAll()) {
      if (++n === 70) {
        whileReading = threads();
        break;
      }
    }
    await waitFor(() => threads() < whileReading, 5000, 'the read-ahead thread to end');
    expect(await collect(log.readAll())).toHaveLength(500);
  });

  it('reads on in its own thread when the worker cannot open the log, and says why', async () => {
    await seed(400);
    const log = openLog(AHEAD);
    // The connection keeps its open file; the worker, opening by name, finds nothing there.
    renameSync(logs.path, `${logs.path}.moved`);
    const warnings: string[] = [];
    const onWarning = (w: Error) => {
      if (w.name === 'PhoenixReadAhead') warnings.push(w.message);
    };
    process.on('warning', onWarning);
    try {
      const all = await collect(log.readAll());
      expect(all).toHaveLength(400);
      await new Promise((r) => setImmediate(r));
      expect(warnings.join('\n')).toMatch(/read-ahead thread: .*reading on without it/);
    } finally {
      process.off('warning', onWarning);
      renameSync(`${logs.path}.moved`, logs.path);
    }
  });

  it('fails the read, not ends it, when the log is closed under it', async () => {
    await seed(500);
    const log = new SqliteEventLog(logs.path, AHEAD);
    const reading = log.readAll()[Symbol.asyncIterator]();
    for (let i = 0; i < 60; i++) expect((await reading.next()).done).toBe(false);
    await log.close();
    let failure: unknown;
    try {
      for (let i = 0; i < 500; i++) if ((await reading.next()).done) break;
    } catch (err) {
      failure = err;
    }
    expect(failure).toBeInstanceOf(LogUnavailableError);
    expect(String(failure)).toMatch(/closed/);
  });

  it('matches the in-thread read for any log, page size, start and limit (property)', async () => {
    await seed(240, [5, 77, 150]);
    const here = (await collect(openLog(IN_THREAD).readAll())).map(seen);
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 64 }),
        fc.integer({ min: -1, max: 240 }),
        fc.option(fc.integer({ min: 0, max: 260 }), { nil: undefined }),
        async (pageSize, afterIndex, limit) => {
          const log = new SqliteEventLog(logs.path, { pageSize, readAheadFrom: 1 });
          try {
            const after = afterIndex < 0 ? undefined : Number(here[afterIndex]?.split(' ')[0] ?? 10_000);
            const got = (await collect(log.readAll({ ...(after !== undefined && { after }), ...(limit !== undefined && { limit }) }))).map(seen);
            const from = after === undefined ? 0 : here.findIndex((s) => Number(s.split(' ')[0]) > after);
            const expected = from < 0 ? [] : here.slice(from, limit === undefined ? undefined : from + limit);
            expect(got).toEqual(expected);
          } finally {
            await log.close();
          }
        },
      ),
      { numRuns: 30 },
    );
  });
});
