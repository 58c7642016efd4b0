import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { type Bead, validateBead } from '../beads/index.ts';
import { ChainedLog } from '../runtime/chain/chainedLog.ts';
import { verifyLog } from '../runtime/chain/verifyLog.ts';
import type { AppendResult, EventLog, StreamAppend } from '../store/port.ts';
import { SqliteEventLog } from '../store/sqlite.ts';
import { benchBeads } from './beadMix.ts';
import { writeBulkLog } from './bulkLog.ts';
import { verifySqliteRows } from '../tools/replay/verify.ts';
import { openRawLog, rawInserter } from './rawSqlite.ts';
import { nowMs, percentile } from './stats.ts';
import type { Measure } from './table.ts';

/**
 * The chain's cost (issue 17). B1 with the chain on: the same durable
 * appends as B1, through the host's ChainedLog (a SEAL opens each commit),
 * against raw better-sqlite3 inserts in the same run, beside the unchained
 * adapter, so the two ratios can be set side by side. And the cost of
 * verifying B2's million-bead mix when the host sealed it: one seal per
 * 1000-bead commit (a bulk writer), and one per 4-bead commit (the host's
 * order path), against one raw read + JSON.parse of the same rows.
 */

const KEY = randomBytes(32);
const SINGLE_WARMUP = 200;
const SINGLE = 2000;
const BATCH = 1000;
const BATCHES = 150;
const TOTAL = 1_000_000;
const clock = { now: () => Date.now() };

const chained = (inner: EventLog) => ChainedLog.open(inner, { key: KEY, hostId: 'bench-host', mode: 'PAPER', clock });

/** One step each of raw, unchained and chained, in turn, rotating who goes first: machine noise lands on all three. */
async function rotate(i: number, steps: (() => Promise<void> | void)[]): Promise<void> {
  for (let k = 0; k < steps.length; k++) await steps[(i + k) % steps.length]!();
}

async function singles(dir: string): Promise<{ raw: number[]; plain: number[]; chain: number[] }> {
  const beads = benchBeads(0, SINGLE_WARMUP + SINGLE);
  const rawDb = openRawLog(join(dir, 'c1-raw.db'));
  const insert = rawInserter(rawDb);
  const plain = new SqliteEventLog(join(dir, 'c1-plain.db'));
  const chainLog = await chained(new SqliteEventLog(join(dir, 'c1-chain.db')));
  const out = { raw: [] as number[], plain: [] as number[], chain: [] as number[] };
  for (const [i, bead] of beads.entries()) {
    const keep = i >= SINGLE_WARMUP;
    const timed = (into: number[], run: () => unknown) => async () => {
      const start = nowMs();
      await run();
      if (keep) into.push(nowMs() - start);
    };
    await rotate(i, [timed(out.raw, () => insert([bead])), timed(out.plain, () => plain.append(bead.stream, [bead])), timed(out.chain, () => chainLog.append(bead.stream, [bead]))]);
  }
  await plain.close();
  await chainLog.close();
  rawDb.close();
  return out;
}

async function batched(dir: string): Promise<{ raw: number; plain: number; chain: number }> {
  const rawDb = openRawLog(join(dir, 'c2-raw.db'));
  const insert = rawInserter(rawDb);
  const plain = new SqliteEventLog(join(dir, 'c2-plain.db'));
  const chainLog = await chained(new SqliteEventLog(join(dir, 'c2-chain.db')));
  const ms = { raw: 0, plain: 0, chain: 0 };
  for (let b = 0; b < BATCHES; b++) {
    const batch = benchBeads(b * BATCH, BATCH, `c-batch-${b}`);
    const timed = (key: keyof typeof ms, run: () => unknown) => async () => {
      const start = nowMs();
      await run();
      ms[key] += nowMs() - start;
    };
    await rotate(b, [timed('raw', () => insert(batch)), timed('plain', () => plain.append(batch[0]!.stream, batch, 'no_stream')), timed('chain', () => chainLog.append(batch[0]!.stream, batch, 'no_stream'))]);
  }
  await plain.close();
  await chainLog.close();
  rawDb.close();
  const rate = (t: number) => (BATCHES * BATCH) / (t / 1000);
  return { raw: rate(ms.raw), plain: rate(ms.plain), chain: rate(ms.chain) };
}

/** An EventLog that only keeps what is appended, in order: the chain's output, to be bulk-written. */
function capture(): EventLog & { rows: Bead[] } {
  const rows: Bead[] = [];
  const none = async () => [];
  return {
    name: 'memory',
    atomicAcrossStreams: true,
    rows,
    append: async (_s, beads) => {
      rows.push(...beads);
      return { nextRevision: 0, position: rows.length };
    },
    appendMany: async (appends: readonly StreamAppend[]): Promise<AppendResult[]> => {
      for (const a of appends) rows.push(...a.beads);
      return appends.map(() => ({ nextRevision: 0, position: rows.length }));
    },
    readStream: none,
    readAll: () => ({ [Symbol.asyncIterator]: async function* () {} }),
    subscribe: () => ({ checkpoint: undefined, stop: async () => undefined }),
    close: async () => undefined,
  } as EventLog & { rows: Bead[] };
}

/** B2's million beads as the host would have sealed them, `perCommit` beads a commit, written in bulk (setup, not measured). */
async function sealedMix(path: string, perCommit: number): Promise<number> {
  const sink = capture();
  const log = await chained(sink);
  for (let from = 0; from < TOTAL; from += 10_000) {
    const chunk = benchBeads(from, 10_000);
    for (let i = 0; i < chunk.length; i += perCommit) {
      const commit = chunk.slice(i, i + perCommit);
      await log.appendMany(commit.map((b) => ({ stream: b.stream, beads: [b] })));
    }
  }
  // Each bead its own stream revision is not needed for the verifier: it reads in global order.
  // As the log's own append stores them: validated, in the schema's key order.
  await writeBulkLog(path, (function* () {
    for (let i = 0; i < sink.rows.length; i += 10_000) yield sink.rows.slice(i, i + 10_000).map((b) => validateBead(b));
  })());
  return sink.rows.length;
}

async function verifyCost(dir: string, perCommit: number): Promise<Measure[]> {
  const path = join(dir, `c3-sealed-${perCommit}.db`);
  const rows = await sealedMix(path, perCommit);
  const log = new SqliteEventLog(path, { readonly: true });
  const report = await verifyLog(log, KEY);
  await log.close();
  if (report.findings.length > 0) throw new Error(`the sealed bench log does not verify: ${report.findings[0]!.why}`);
  const raw = rawRowsRate(path, rows);
  const seconds = report.ms / 1000;
  // What phoenix replay --verify runs on SQLite: each sealed row's stored text hashed, no parse.
  const text = verifySqliteRows(path, KEY);
  if (text.findings.length > 0) throw new Error(`the sealed bench log does not verify by its rows: ${text.findings[0]!.why}`);
  return [
    {
      id: 'B2C',
      what: `phoenix replay --verify on SQLite: 1M beads sealed ${perCommit} a commit, stored text hashed`,
      value: text.ms / 1000,
      unit: 's',
      ratio: { value: rows / (text.ms / 1000) / raw, baseline: `one raw read + JSON.parse of the same rows (${Math.round(raw / 1000)}k rows/s)` },
    },
    {
      id: 'B2C',
      what: `verify through the log port (parse, canonical form, hash): 1M beads sealed ${perCommit} a commit (${report.seals.toLocaleString('en')} seals, ${rows.toLocaleString('en')} rows)`,
      value: seconds,
      unit: 's',
      ratio: { value: rows / seconds / raw, baseline: `one raw read + JSON.parse of the same rows (${Math.round(raw / 1000)}k rows/s)` },
    },
  ];
}

function rawRowsRate(path: string, rows: number): number {
  const db = openRawLog(path);
  const start = nowMs();
  let n = 0;
  for (const json of db.prepare<[], string>('SELECT json FROM beads ORDER BY position').pluck().iterate()) if (JSON.parse(json) !== null) n += 1;
  db.close();
  if (n !== rows) throw new Error(`raw read ${n} rows, expected ${rows}`);
  return n / ((nowMs() - start) / 1000);
}

export async function benchChain(dir: string): Promise<Measure[]> {
  const s = await singles(dir);
  const b = await batched(dir);
  const ratio = (ours: number[], p: number) => percentile(s.raw, p) / percentile(ours, p);
  return [
    { id: 'B1C', what: `single append p50 through the chain (seal in the same commit), n=${SINGLE}`, value: percentile(s.chain, 50), unit: 'ms', ratio: { value: ratio(s.chain, 50), baseline: `raw p50 ${percentile(s.raw, 50).toFixed(3)} ms; unchained ${ratio(s.plain, 50).toFixed(2)}×` } },
    { id: 'B1C', what: `single append p99 through the chain, n=${SINGLE}`, value: percentile(s.chain, 99), unit: 'ms', target: { atMost: 2 }, ratio: { value: ratio(s.chain, 99), baseline: `raw p99 ${percentile(s.raw, 99).toFixed(3)} ms; unchained ${ratio(s.plain, 99).toFixed(2)}×` } },
    { id: 'B1C', what: `batched append through the chain, ${BATCH} a commit, ${BATCH * BATCHES} beads`, value: b.chain, unit: 'beads/s', ratio: { value: b.chain / b.raw, baseline: `raw ${Math.round(b.raw / 1000)}k/s; unchained ${(b.plain / b.raw).toFixed(2)}×` } },
    ...(await verifyCost(dir, 1000)),
    ...(await verifyCost(dir, 4)),
  ];
}
