import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { type Bead, validateBead } from '../beads/index.ts';
import { ChainedLog } from '../runtime/chain/chainedLog.ts';
import { HOST_VERIFIED_TYPES } from '../runtime/chain/hostOnly.ts';
import { verifyLog } from '../runtime/chain/verifyLog.ts';
import type { AppendResult, CommitOpener, EventLog, StreamAppend } from '../store/port.ts';
import { SqliteEventLog } from '../store/sqlite.ts';
import { verifySqliteRows } from '../tools/replay/verify.ts';
import { benchBeads } from './beadMix.ts';
import { writeBulkLog } from './bulkLog.ts';
import { openRawLog } from './rawSqlite.ts';
import { nowMs } from './stats.ts';
import type { Measure } from './table.ts';

/**
 * The chain's read side (issue 17; its append cost is B1's "with the
 * chain" rows). B2's million-bead mix as the host would have sealed it on
 * SQLite: the beads it acts on by the log's word in their own commits, the
 * rest in blocks, each seal made from the text the log stores; once as a
 * bulk writer's 1000-bead commits, once as the host's 4-bead commits. What
 * `phoenix replay --verify` costs on it, whole; what the same audit costs
 * through the log port; and what the host's own read pays for checking the
 * beads that can move money or open a gate, against the same read unchained.
 */

const KEY = randomBytes(32);
const TOTAL = 1_000_000;
/** The mix's own host: its beads join the chain's blocks (a bead under another name is sealed at once). */
const HOST = 'phoenix-bench';

/** An EventLog that only keeps what is appended, in order, as SQLite would write it: the chain's output, to be bulk-written. */
function capture(): EventLog & { rows: Bead[] } {
  const rows: Bead[] = [];
  const none = async () => [];
  const store = (appends: readonly StreamAppend[]): AppendResult[] => {
    for (const a of appends) rows.push(...a.beads.map((b) => validateBead(b)));
    return appends.map(() => ({ nextRevision: 0, position: rows.length }));
  };
  return {
    name: 'sqlite',
    atomicAcrossStreams: true,
    rows,
    append: async (stream, beads) => store([{ stream, beads }])[0]!,
    appendMany: async (appends) => store(appends),
    // As SqliteEventLog: the seal is made from the rows' stored text and written first.
    appendOpened: async (appends: readonly StreamAppend[], opener: CommitOpener) => {
      const written = appends.map((a) => {
        const beads = a.beads.map((b) => validateBead(b));
        return { beads, texts: beads.map((b) => JSON.stringify(b)) };
      });
      const head = opener.make(written);
      if (head) rows.push(validateBead(head));
      return store(appends);
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
  const log = await ChainedLog.open(sink, { key: KEY, hostId: HOST, mode: 'PAPER', clock: { now: () => Date.now() } });
  for (let from = 0; from < TOTAL; from += 10_000) {
    const chunk = benchBeads(from, 10_000);
    for (let i = 0; i < chunk.length; i += perCommit) {
      const commit = chunk.slice(i, i + perCommit);
      await log.appendMany(commit.map((b) => ({ stream: b.stream, beads: [b] })));
    }
  }
  await log.close();
  await writeBulkLog(path, (function* () {
    for (let i = 0; i < sink.rows.length; i += 10_000) yield sink.rows.slice(i, i + 10_000);
  })());
  return sink.rows.length;
}

/** The host's own read of the whole log, as its start-up read does it: checked through the chain, or not. */
async function hostRead(path: string, chained: boolean): Promise<number> {
  const inner = new SqliteEventLog(path, { readonly: true });
  const log = chained ? await ChainedLog.open(inner, { key: KEY, hostId: HOST, mode: 'PAPER', clock: { now: () => Date.now() }, verifyTypes: HOST_VERIFIED_TYPES }) : inner;
  const start = nowMs();
  let corrupt = 0;
  for await (const e of log.readAll()) if (e.kind !== 'bead') corrupt += 1;
  const ms = nowMs() - start;
  await inner.close();
  if (corrupt > 0) throw new Error(`the host's read refused ${corrupt} rows of a clean sealed log`);
  return ms;
}

async function verifyCost(dir: string, perCommit: number): Promise<Measure[]> {
  const path = join(dir, `chain-sealed-${perCommit}.db`);
  const rows = await sealedMix(path, perCommit);
  const raw = rawRowsRate(path, rows);
  const baseline = `one raw read + JSON.parse of the same rows (${Math.round(raw / 1000)}k rows/s)`;
  // What phoenix replay --verify runs on SQLite: each sealed row's stored text hashed, no parse.
  const text = verifySqliteRows(path, KEY);
  if (text.findings.length > 0) throw new Error(`the sealed bench log does not verify by its rows: ${text.findings[0]!.why}`);
  const log = new SqliteEventLog(path, { readonly: true });
  const report = await verifyLog(log, KEY);
  await log.close();
  if (report.findings.length > 0) throw new Error(`the sealed bench log does not verify: ${report.findings[0]!.why}`);
  const plainMs = await hostRead(path, false);
  const chainMs = await hostRead(path, true);
  const how = `1M beads sealed ${perCommit} a commit (${report.seals.toLocaleString('en')} seals, ${rows.toLocaleString('en')} rows)`;
  return [
    { id: 'B2C', what: `phoenix replay --verify on SQLite, whole log, stored text hashed: ${how}`, value: text.ms / 1000, unit: 's', ratio: { value: rows / (text.ms / 1000) / raw, baseline } },
    { id: 'B2C', what: `the same audit through the log port (parse, canonical form, hash): ${how}`, value: report.ms / 1000, unit: 's', ratio: { value: rows / (report.ms / 1000) / raw, baseline } },
    { id: 'B2C', what: "the host's own read of that log through the chain, checking every bead that can move money or open a gate", value: chainMs / 1000, unit: 's', ratio: { value: plainMs / chainMs, baseline: `the same read unchained (${(plainMs / 1000).toFixed(2)} s)` } },
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
  return [...(await verifyCost(dir, 1000)), ...(await verifyCost(dir, 4))];
}
