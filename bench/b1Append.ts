import { join } from 'node:path';
import { SqliteEventLog } from '../store/sqlite.ts';
import { benchBeads } from './beadMix.ts';
import { openRawLog, rawInserter } from './rawSqlite.ts';
import { nowMs, percentile } from './stats.ts';
import type { Measure } from './table.ts';

const SINGLE_WARMUP = 200;
const SINGLE_APPENDS = 3000;
const BATCH_SIZE = 1000;
const BATCHES = 200;

/**
 * Both sides write to their own file, one step each in turn, swapping who goes
 * first: whatever else the machine does at that moment (other processes, the
 * disk flushing) lands on both, so their ratio stays honest on a busy box.
 */
function alternate(i: number, ours: () => Promise<void>, raw: () => void): Promise<void> {
  if (i % 2 === 0) {
    raw();
    return ours();
  }
  return ours().then(raw);
}

/** One-bead appends, each its own durable transaction (an fsync each): latency samples in ms. */
async function singleAppends(dir: string): Promise<{ ours: number[]; raw: number[] }> {
  const beads = benchBeads(0, SINGLE_WARMUP + SINGLE_APPENDS);
  const rawDb = openRawLog(join(dir, 'b1-single-raw.db'));
  const insert = rawInserter(rawDb);
  const log = new SqliteEventLog(join(dir, 'b1-single.db'));
  const ours: number[] = [];
  const raw: number[] = [];
  for (const [i, bead] of beads.entries()) {
    const keep = i >= SINGLE_WARMUP;
    await alternate(
      i,
      async () => {
        const start = nowMs();
        await log.append(bead.stream, [bead]);
        if (keep) ours.push(nowMs() - start);
      },
      () => {
        const start = nowMs();
        insert([bead]);
        if (keep) raw.push(nowMs() - start);
      },
    );
  }
  await log.close();
  rawDb.close();
  return { ours, raw };
}

/** Beads per second appended BATCH_SIZE at a time, one transaction per batch. */
async function batchedAppends(dir: string): Promise<{ ours: number; raw: number }> {
  const batches = Array.from({ length: BATCHES }, (_, b) => benchBeads(b * BATCH_SIZE, BATCH_SIZE, `batch-${b}`));
  const rawDb = openRawLog(join(dir, 'b1-batch-raw.db'));
  const insert = rawInserter(rawDb);
  const log = new SqliteEventLog(join(dir, 'b1-batch.db'));
  let oursMs = 0;
  let rawMs = 0;
  for (const [i, batch] of batches.entries()) {
    await alternate(
      i,
      async () => {
        const start = nowMs();
        await log.append(batch[0]!.stream, batch, 'no_stream');
        oursMs += nowMs() - start;
      },
      () => {
        const start = nowMs();
        insert(batch);
        rawMs += nowMs() - start;
      },
    );
  }
  await log.close();
  rawDb.close();
  const total = BATCHES * BATCH_SIZE;
  return { ours: total / (oursMs / 1000), raw: total / (rawMs / 1000) };
}

/** B1 (S13): durable append through SqliteEventLog against raw better-sqlite3 on the same schema and pragmas. */
export async function benchAppend(dir: string): Promise<Measure[]> {
  const single = await singleAppends(dir);
  const batched = await batchedAppends(dir);
  const p50 = percentile(single.ours, 50);
  const p99 = percentile(single.ours, 99);
  const rawP99 = percentile(single.raw, 99);
  return [
    {
      id: 'B1',
      what: `single-bead append p50, own transaction (fsync), n=${SINGLE_APPENDS}`,
      value: p50,
      unit: 'ms',
      ratio: { value: percentile(single.raw, 50) / p50, baseline: `raw insert p50 (${percentile(single.raw, 50).toFixed(3)} ms)` },
    },
    {
      id: 'B1',
      what: `single-bead append p99, own transaction (fsync), n=${SINGLE_APPENDS}`,
      value: p99,
      unit: 'ms',
      target: { atMost: 2 },
      ratio: { value: rawP99 / p99, baseline: `raw insert p99 (${rawP99.toFixed(3)} ms)` },
    },
    {
      id: 'B1',
      what: `batched append, ${BATCH_SIZE} beads per transaction, ${BATCHES * BATCH_SIZE} beads`,
      value: batched.ours,
      unit: 'beads/s',
      target: { atLeast: 100_000 },
      ratio: { value: batched.ours / batched.raw, baseline: `raw inserts (${Math.round(batched.raw / 1e3)}k/s)`, atLeast: 0.6 },
    },
  ];
}
