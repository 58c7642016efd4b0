import { join } from 'node:path';
import type { Bead } from '../beads/index.ts';
import { MemoryEventLog } from '../store/memory.ts';
import { SqliteEventLog } from '../store/sqlite.ts';
import { benchBeads } from './beadMix.ts';
import { foldAll } from './foldAll.ts';
import { writeBulkLog } from './bulkLog.ts';
import { openRawLog } from './rawSqlite.ts';
import { nowMs } from './stats.ts';
import type { Measure } from './table.ts';

const TOTAL = 1_000_000;
const CHUNK = 10_000;
const ROUNDS = 2;

/** The million beads of the mix, a chunk at a time (B2, and B5's log). */
export function* mixChunks(total = TOTAL): Generator<Bead[]> {
  for (let from = 0; from < total; from += CHUNK) yield benchBeads(from, Math.min(CHUNK, total - from));
}

async function replayRate(path: string): Promise<number> {
  const log = new SqliteEventLog(path, { readonly: true });
  const start = nowMs();
  const { entries } = await foldAll(log.readAll());
  const seconds = (nowMs() - start) / 1000;
  await log.close();
  if (entries !== TOTAL) throw new Error(`replay read ${entries} entries, expected ${TOTAL}`);
  return entries / seconds;
}

/** The baseline: the same rows read with better-sqlite3 and JSON.parse, nothing else, on one thread. */
export function rawParseRate(path: string): number {
  const db = openRawLog(path);
  const start = nowMs();
  let parsed = 0;
  for (const json of db.prepare<[], string>('SELECT json FROM beads ORDER BY position').pluck().iterate()) {
    if (JSON.parse(json) !== null) parsed += 1;
  }
  const seconds = (nowMs() - start) / 1000;
  db.close();
  if (parsed !== TOTAL) throw new Error(`raw read parsed ${parsed} rows, expected ${TOTAL}`);
  return parsed / seconds;
}

function byStream(beads: Bead[]): Map<string, Bead[]> {
  const groups = new Map<string, Bead[]>();
  for (const b of beads) {
    const group = groups.get(b.stream);
    if (group) group.push(b);
    else groups.set(b.stream, [b]);
  }
  return groups;
}

async function memoryReplayRate(): Promise<number> {
  const log = new MemoryEventLog();
  for (let from = 0; from < TOTAL; from += CHUNK) {
    for (const [stream, beads] of byStream(benchBeads(from, CHUNK))) await log.append(stream, beads);
  }
  let best = 0;
  for (let round = 0; round < ROUNDS; round++) {
    const start = nowMs();
    const { entries } = await foldAll(log.readAll());
    best = Math.max(best, entries / ((nowMs() - start) / 1000));
  }
  await log.close();
  return best;
}

/** B2 (S13): replay a million beads through every projection, from SQLite and from memory. */
export async function benchReplay(dir: string): Promise<Measure[]> {
  const path = join(dir, 'b2-replay.db');
  await writeBulkLog(path, mixChunks());
  let ours = 0;
  let raw = 0;
  for (let round = 0; round < ROUNDS; round++) {
    raw = Math.max(raw, rawParseRate(path));
    ours = Math.max(ours, await replayRate(path));
  }
  const memory = await memoryReplayRate();
  return [
    {
      id: 'B2',
      what: `replay ${TOTAL / 1e6}M beads from SQLite (readAll, read ahead on a worker thread) through all projections`,
      value: ours,
      unit: 'beads/s',
      target: { atLeast: 300_000 },
      ratio: { value: ours / raw, baseline: `raw read + JSON.parse (${Math.round(raw / 1e3)}k/s)`, atLeast: 0.6 },
    },
    {
      id: 'B2',
      what: `replay ${TOTAL / 1e6}M beads from MemoryEventLog through all projections`,
      value: memory,
      unit: 'beads/s',
      target: { atLeast: 1_000_000 },
    },
  ];
}
