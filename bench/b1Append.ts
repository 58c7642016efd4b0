import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { Bead } from '../beads/index.ts';
import { ChainedLog } from '../runtime/chain/chainedLog.ts';
import type { EventLog } from '../store/port.ts';
import { SqliteEventLog } from '../store/sqlite.ts';
import { sealsAtOnce } from '../runtime/chain/hostOnly.ts';
import { benchBeads } from './beadMix.ts';
import { openRawLog, rawInserter } from './rawSqlite.ts';
import { nowMs, percentile } from './stats.ts';
import type { Measure } from './table.ts';

const SINGLE_WARMUP = 200;
const SINGLE_APPENDS = 3000;
const BATCH_SIZE = 1000;
const BATCHES = 150;
/** Issue 17: with the chain on, B1 keeps its ratio within 10% of the ratio without it. */
const CHAIN_KEEPS = 0.9;

/** The host's log: the same adapter under the chain (issue 17), its beads sealed in blocks. */
async function chainedLog(path: string): Promise<EventLog> {
  return ChainedLog.open(new SqliteEventLog(path), { key: randomBytes(32), hostId: 'phoenix-bench', mode: 'PAPER', clock: { now: () => Date.now() } });
}

type Side = 'raw' | 'plain' | 'chain';
const SIDES: readonly Side[] = ['raw', 'plain', 'chain'];

interface Sides {
  step: Record<Side, (beads: Bead[], expected?: 'no_stream') => Promise<void> | void>;
  close(): Promise<void>;
}

/** Raw better-sqlite3, the adapter, and the adapter under the chain, each on its own file. */
async function openSides(dir: string, name: string): Promise<Sides> {
  const rawDb = openRawLog(join(dir, `${name}-raw.db`));
  const insert = rawInserter(rawDb);
  const plain = new SqliteEventLog(join(dir, `${name}-plain.db`));
  const chain = await chainedLog(join(dir, `${name}-chain.db`));
  const append = (log: EventLog) => async (beads: Bead[], expected?: 'no_stream') => {
    await log.append(beads[0]!.stream, beads, expected);
  };
  return {
    step: { raw: (beads) => insert(beads), plain: append(plain), chain: append(chain) },
    close: async () => {
      await plain.close();
      await chain.close();
      rawDb.close();
    },
  };
}

/**
 * One step each in turn, rotating who goes first: whatever else the machine
 * does at that moment (other processes, the disk flushing) lands on all
 * three, so their ratios stay honest on a busy box.
 */
async function rotate(i: number, run: (side: Side) => Promise<void>): Promise<void> {
  for (let k = 0; k < SIDES.length; k++) await run(SIDES[(i + k) % SIDES.length]!);
}

interface SingleSamples {
  ms: Record<Side, number[]>;
  /** Per sample: whether its bead is one the chain seals in its own commit (the same on every side: the mix repeats every 20). */
  atOnce: boolean[];
}

/** One-bead appends, each its own durable transaction (an fsync each): latency samples in ms. */
async function singleAppends(dir: string): Promise<SingleSamples> {
  const beads = [0, 1, 2].map((k) => benchBeads(k * 100_000, SINGLE_WARMUP + SINGLE_APPENDS));
  const sides = await openSides(dir, 'b1-single');
  const ms: Record<Side, number[]> = { raw: [], plain: [], chain: [] };
  const atOnce: boolean[] = [];
  for (let i = 0; i < SINGLE_WARMUP + SINGLE_APPENDS; i++) {
    await rotate(i, async (side) => {
      const bead = beads[SIDES.indexOf(side)]![i]!;
      const start = nowMs();
      await sides.step[side]([bead]);
      if (i >= SINGLE_WARMUP) ms[side].push(nowMs() - start);
    });
    if (i >= SINGLE_WARMUP) atOnce.push(sealsAtOnce(beads[0]![i]!));
  }
  await sides.close();
  return { ms, atOnce };
}

/** What the chain keeps of a single append's p50, over the samples of one kind of bead only. */
function keepsOf(single: SingleSamples, atOnce: boolean): { keeps: number; share: number } {
  const pick = (side: Side) => single.ms[side].filter((_, i) => single.atOnce[i] === atOnce);
  return { keeps: percentile(pick('plain'), 50) / percentile(pick('chain'), 50), share: pick('plain').length / single.ms.plain.length };
}

/** Beads per second appended BATCH_SIZE at a time, one transaction per batch. */
async function batchedAppends(dir: string): Promise<Record<Side, number>> {
  const sides = await openSides(dir, 'b1-batch');
  const ms: Record<Side, number> = { raw: 0, plain: 0, chain: 0 };
  for (let b = 0; b < BATCHES; b++) {
    await rotate(b, async (side) => {
      const batch = benchBeads((b * 3 + SIDES.indexOf(side)) * BATCH_SIZE, BATCH_SIZE, `batch-${side}-${b}`);
      const start = nowMs();
      await sides.step[side](batch, 'no_stream');
      ms[side] += nowMs() - start;
    });
  }
  await sides.close();
  const rate = (t: number) => (BATCHES * BATCH_SIZE) / (t / 1000);
  return { raw: rate(ms.raw), plain: rate(ms.plain), chain: rate(ms.chain) };
}

/**
 * B1 (S13): durable append through SqliteEventLog against raw better-sqlite3
 * on the same schema and pragmas; and the same through the host's chained
 * log (issue 17), whose ratio must stay within 10% of the plain adapter's.
 */
export async function benchAppend(dir: string): Promise<Measure[]> {
  const single = await singleAppends(dir);
  const batched = await batchedAppends(dir);
  const p = (side: Side, q: number) => percentile(single.ms[side], q);
  const inBlocks = keepsOf(single, false);
  const sealedAtOnce = keepsOf(single, true);
  const raw50 = `raw insert p50 (${p('raw', 50).toFixed(3)} ms)`;
  const raw99 = `raw insert p99 (${p('raw', 99).toFixed(3)} ms)`;
  const rawBatch = `raw inserts (${Math.round(batched.raw / 1e3)}k/s)`;
  return [
    { id: 'B1', what: `single-bead append p50, own transaction (fsync), n=${SINGLE_APPENDS}`, value: p('plain', 50), unit: 'ms', ratio: { value: p('raw', 50) / p('plain', 50), baseline: raw50, atLeast: 0.75 } },
    { id: 'B1', what: `single-bead append p99, own transaction (fsync), n=${SINGLE_APPENDS}`, value: p('plain', 99), unit: 'ms', target: { atMost: 2 }, ratio: { value: p('raw', 99) / p('plain', 99), baseline: raw99 } },
    { id: 'B1', what: `batched append, ${BATCH_SIZE} beads per transaction, ${BATCHES * BATCH_SIZE} beads`, value: batched.plain, unit: 'beads/s', target: { atLeast: 100_000 }, ratio: { value: batched.plain / batched.raw, baseline: rawBatch, atLeast: 0.75 } },
    { id: 'B1', what: `with the chain: single-bead append p50 (sealed in blocks; write-aheads in their own commit)`, value: p('chain', 50), unit: 'ms', ratio: { value: p('raw', 50) / p('chain', 50), baseline: raw50, atLeast: 0.75 } },
    { id: 'B1', what: 'with the chain: single-bead append p99', value: p('chain', 99), unit: 'ms', target: { atMost: 2 }, ratio: { value: p('raw', 99) / p('chain', 99), baseline: raw99 } },
    { id: 'B1', what: `with the chain: batched append, ${BATCH_SIZE} beads per transaction (one seal each)`, value: batched.chain, unit: 'beads/s', target: { atLeast: 100_000 }, ratio: { value: batched.chain / batched.raw, baseline: rawBatch, atLeast: 0.75 } },
    { id: 'B1', what: 'the chain keeps B1’s ratio: single p50, chained ratio over plain ratio', value: p('plain', 50) / p('chain', 50), unit: 'x', target: { atLeast: CHAIN_KEEPS } },
    { id: 'B1', what: 'the chain keeps B1’s ratio: batched, chained ratio over plain ratio', value: batched.chain / batched.plain, unit: 'x', target: { atLeast: CHAIN_KEEPS } },
    // Where a single append's cost is: a real desk's log is nearly all heartbeats, which join blocks; a bead a restart rebuilds from is sealed in its own commit.
    { id: 'B1', what: `of which beads sealed in blocks (heartbeats, sessions: ${Math.round(inBlocks.share * 100)}% of the mix, nearly all of a desk's day): single p50 kept`, value: inBlocks.keeps, unit: 'x', target: { atLeast: CHAIN_KEEPS } },
    { id: 'B1', what: `of which beads sealed at once (orders, fills, positions, approvals, alerts: ${Math.round(sealedAtOnce.share * 100)}%): single p50 kept (its seal in its own row, a tag)`, value: sealedAtOnce.keeps, unit: 'x' },
  ];
}
