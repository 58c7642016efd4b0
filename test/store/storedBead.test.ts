import type { RecordedEvent } from '@eventstore/db-client';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readDashboardView } from '../../actors/telegram/logViews.ts';
import { BeadSchema } from '../../beads/index.ts';
import { ALL_PROJECTIONS, foldAll } from '../../bench/foldAll.ts';
import { summarizeBead } from '../../projections/timeline.ts';
import { toEntry } from '../../store/esdb/decode.ts';
import type { EventLog, LogEntry } from '../../store/port.ts';
import { entryOf } from '../../store/sqlite/decode.ts';
import { defaultLogPath, SqliteEventLog } from '../../store/sqlite.ts';
import { checkStored, decodeChecked } from '../../store/storedBead.ts';
import { replay } from '../../tools/replay/replay.ts';
import { testBead } from '../support/beads.ts';
import { makeTempDir } from '../support/tempDir.ts';
import { badRows, insertRows } from './badRows.ts';
import { sampleBeads } from './sampleBeads.ts';

/**
 * Stored beads are checked on the way out (S1, S2, S14): a bead whose data
 * does not fit its type is a corrupt entry naming the field, on every read
 * path of every adapter, and whatever passes the check crashes no reader.
 */

const SAMPLES = sampleBeads();

describe('the shape check on stored beads', () => {
  let temp: { dir: string; remove: () => void };
  beforeEach(() => {
    temp = makeTempDir('phoenix-stored-bead');
  });
  afterEach(() => temp.remove());

  it('every SQLite read path refuses a misshapen bead with its position and field, and hands the good ones through', async () => {
    const path = defaultLogPath(temp.dir);
    // Small pages and an early read-ahead: the worker-thread path decodes these rows too.
    const log = new SqliteEventLog(path, { pageSize: 2, readAheadFrom: 2 });
    for (const b of SAMPLES) await log.append(b.stream, [b]);
    const rows = badRows('paths');
    const positions = insertRows(path, rows);
    for (let i = 0; i < 8; i++) await log.append('drill', [testBead('drill')]);

    const all: LogEntry[] = [];
    for await (const e of log.readAll()) all.push(e);
    const corrupt = all.filter((e) => e.kind === 'corrupt');
    expect(corrupt.map((e) => e.position)).toEqual(positions);
    corrupt.forEach((e, i) => {
      expect(e.kind === 'corrupt' && e.reason).toMatch(new RegExp(`^\\w+ bead does not fit its type: ${rows[i]!.field.replace('.', '\\.')}: `));
    });
    expect(all.filter((e) => e.kind === 'bead')).toHaveLength(SAMPLES.length + 8);

    const byType: LogEntry[] = [];
    for await (const e of log.readAll({ types: ['INTENT', 'POSITION'] })) byType.push(e);
    expect(byType.filter((e) => e.kind === 'corrupt').map((e) => e.position)).toEqual([positions[0], positions[2]]);
    const stream = await log.readStream(rows[0]!.stream);
    expect(stream).toEqual([expect.objectContaining({ kind: 'corrupt', position: positions[0], reason: 'INTENT bead does not fit its type: data: Invalid input: expected object, received string' })]);
    await log.close();
  });

  it('a stored bead missing a field that has a default is trusted with the default filled in, as at append', () => {
    const heartbeat = SAMPLES.find((b) => b.bead_type === 'HEARTBEAT')!;
    const { miss_count: _, ...data } = heartbeat.data as Record<string, unknown>;
    const entry = entryOf(7, heartbeat.stream, 0, JSON.stringify({ ...heartbeat, data }));
    expect(entry).toMatchObject({ kind: 'bead', bead: { data: { miss_count: 0 } } });
  });

  it('EventStoreDB records are checked the same way, whether the client parsed them or not', () => {
    const record = (data: unknown, isJson = true) => ({ id: 'x', revision: 3n, streamId: 'intent-1', type: 'INTENT', isJson, data, metadata: {}, created: new Date() }) as unknown as RecordedEvent;
    const bad = { ...SAMPLES[0]!, bead_type: 'INTENT', data: 'x' };
    expect(toEntry(record(bad), 'intent-1', 12)).toEqual({ kind: 'corrupt', position: 12, stream: 'intent-1', revision: 3, reason: 'INTENT bead does not fit its type: data: Invalid input: expected object, received string' });
    expect(toEntry(record(new TextEncoder().encode(JSON.stringify(bad)), false), 'intent-1', 12).kind).toBe('corrupt');
    expect(toEntry(record(SAMPLES[0]), 'connection-phoenix-1', 12)).toMatchObject({ kind: 'bead', bead: SAMPLES[0] });
  });

  it('every valid bead takes the fast path: the check hands back the very bead, zod is never asked', () => {
    for (const b of SAMPLES) expect(checkStored(b)).toEqual({ ok: true, bead: b });
  });
});

/** Every node of a JSON value, by path. */
function pathsOf(value: unknown, at: (string | number)[] = []): (string | number)[][] {
  if (typeof value !== 'object' || value === null) return [at];
  const children = Object.entries(value).flatMap(([k, v]) => pathsOf(v, [...at, Array.isArray(value) ? Number(k) : k]));
  return [at, ...children];
}

type Damage = { sample: number; path: number; kind: 'replace' | 'delete'; value: unknown };

/** A stored bead damaged at one node: replaced by any JSON value, or removed. */
function damaged(d: Damage): unknown {
  const bead = structuredClone(SAMPLES[d.sample % SAMPLES.length]) as unknown as Record<string, unknown>;
  const paths = pathsOf(bead).filter((p) => p.length > 0 && p[0] !== 'bead_type');
  const path = paths[d.path % paths.length]!;
  let parent = bead as Record<string | number, unknown>;
  for (const key of path.slice(0, -1)) parent = parent[key] as Record<string | number, unknown>;
  const last = path.at(-1)!;
  if (d.kind === 'delete' && !Array.isArray(parent)) delete parent[last];
  else parent[last] = d.value;
  return bead;
}

const damage = fc.record({ sample: fc.nat(), path: fc.nat(), kind: fc.constantFrom('replace' as const, 'delete' as const), value: fc.jsonValue({ maxDepth: 2 }) });

function seeded(name: string): number {
  const seed = Date.now() ^ (Math.random() * 0x7fffffff);
  console.log(`${name}: seed ${seed}`);
  return seed;
}

describe('stored beads damaged at random (properties)', () => {
  it('zod has the last word: a damaged bead the check passes is one zod accepts, bar string formats it does not look at', () => {
    fc.assert(
      fc.property(damage, (d) => {
        const bead = damaged(d);
        const decoded = decodeChecked(JSON.stringify(bead));
        const zod = BeadSchema.safeParse(bead);
        if (!decoded.ok) {
          expect(zod.success).toBe(false);
          expect(decoded.reason).toMatch(/ bead does not fit its type: |unknown bead_type|schema_version/);
          return;
        }
        if (!zod.success) expect(zod.error.issues.every((i) => i.code === 'invalid_format')).toBe(true);
      }),
      { numRuns: 2000, seed: seeded('shape check vs zod') },
    );
  });

  it('no reader crashes on what the check lets through: every projection, the timeline, the dashboard view, phoenix replay', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(damage, { minLength: 1, maxLength: 6 }), async (damages) => {
        const stored = [...SAMPLES, ...damages.map(damaged)];
        const entries = stored.map((b, i) => entryOf(i, 's', 0, JSON.stringify(b)));
        const log = { readAll: async function* () { yield* entries; }, readStream: async () => entries } as unknown as EventLog;
        await foldAll(log.readAll(), ALL_PROJECTIONS);
        for (const e of entries) if (e.kind === 'bead') summarizeBead(e.bead);
        await readDashboardView(log, Date.parse('2026-11-24T10:00:00Z'), 35_000);
        await replay(log, {}, { line: () => undefined });
        await replay(log, { json: true, from: 0, to: Date.parse('2030-01-01T00:00:00Z') }, { line: () => undefined });
      }),
      { numRuns: 150, seed: seeded('readers on checked data') },
    );
  });
});
