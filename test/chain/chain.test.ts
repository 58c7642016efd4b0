import { randomBytes } from 'node:crypto';
import Database from 'better-sqlite3';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { type Bead, type BeadDraft, streams, validateBead } from '../../beads/index.ts';
import { benchBeads } from '../../bench/beadMix.ts';
import { BeadWriter } from '../../runtime/beadWriter.ts';
import { canonicalBead } from '../../runtime/chain/canonical.ts';
import { ChainedLog } from '../../runtime/chain/chainedLog.ts';
import type { ChainFinding } from '../../runtime/chain/checker.ts';
import { isSealed } from '../../runtime/chain/seal.ts';
import { verifyLog } from '../../runtime/chain/verifyLog.ts';
import { MemoryEventLog } from '../../store/memory.ts';
import { uuidV7Ids } from '../../store/ids.ts';
import { defaultLogPath, SqliteEventLog } from '../../store/sqlite.ts';
import { makeTempDir } from '../support/tempDir.ts';

/**
 * Issue 17: the host's log is a chain. Every commit the host makes opens
 * with a seal listing its beads; `verifyLog` (phoenix replay --verify)
 * finds the row where a log was edited, cut or added to, and the host's own
 * reads hand such a row to no fold.
 */

const KEY = randomBytes(32);
const HOST = 'chain-host';
const clock = { now: () => Date.parse('2026-11-24T09:00:00.000Z') };
const temps: (() => void)[] = [];
afterEach(() => {
  for (const remove of temps.splice(0)) remove();
});

const order = (ref: string, quantity: number): BeadDraft => ({
  bead_type: 'ORDER',
  stream: streams.order(ref),
  correlation_id: 'intent-1',
  data: { event: 'SUBMIT_REQUESTED', order_ref: ref, order_id: 7, pair: 'EURUSD', action: 'BUY', quantity, order_type: 'MKT', role: 'ENTRY' },
});

async function chainedSqlite(findings: ChainFinding[] = []) {
  const temp = makeTempDir('phoenix-chain');
  temps.push(temp.remove);
  const raw = new SqliteEventLog(defaultLogPath(temp.dir));
  const log = await ChainedLog.open(raw, { key: KEY, hostId: HOST, mode: 'PAPER', clock, onFinding: (f) => findings.push(f) });
  const writer = new BeadWriter({ log, clock, ids: uuidV7Ids, hostId: HOST, mode: 'PAPER' });
  return { dir: temp.dir, raw, log, writer };
}

function editRow(dir: string, position: number, from: string, to: string): void {
  const db = new Database(defaultLogPath(dir));
  db.prepare('UPDATE beads SET json = replace(json, ?, ?) WHERE position = ?').run(from, to, position);
  db.close();
}

describe('the chain of a host’s beads', () => {
  it('a clean log verifies whole: every bead the host wrote is sealed, one seal per commit', async () => {
    const { raw, writer } = await chainedSqlite();
    await writer.write(order('a-entry', 20_000));
    await writer.writeTogether([writer.stamp(order('b-entry', 20_000)), writer.stamp(order('b-stop', 20_000))]);
    const report = await verifyLog(raw, KEY);
    expect(report.findings).toEqual([]);
    expect(report.seals).toBe(2);
    expect(report.sealed).toBe(5);
  });

  it('one edited row is named by its position, stream and bead; the host’s reads hand it to no fold and report it', async () => {
    const findings: ChainFinding[] = [];
    const { dir, raw, log, writer } = await chainedSqlite(findings);
    await writer.write(order('a-entry', 20_000));
    const { beads } = await writer.write(order('b-entry', 20_000));
    const edited = (await raw.readStream(streams.order('b-entry')))[0]!;
    editRow(dir, edited.position, '"quantity":20000', '"quantity":5000000');

    const report = await verifyLog(raw, KEY);
    expect(report.findings).toHaveLength(1);
    expect(report.findings[0]).toMatchObject({ kind: 'EDITED', position: edited.position, stream: 'order-b-entry', beadId: beads[0]!.bead_id });

    const seen: string[] = [];
    for await (const e of log.readAll()) seen.push(e.kind === 'bead' ? e.bead.bead_type : e.reason);
    expect(seen.filter((s) => s.startsWith('SECURITY:'))).toHaveLength(1);
    expect(findings.map((f) => f.kind)).toEqual(['EDITED']);
    // One stream read on its own is proven through its seal just the same.
    const [alone] = await log.readStream(streams.order('b-entry'));
    expect(alone?.kind).toBe('corrupt');
  });

  it('a bead slipped in under the host’s name, a row deleted and a seal forged are each found', async () => {
    const { dir, raw, log, writer } = await chainedSqlite();
    await writer.write(order('a-entry', 20_000));
    await writer.write(order('b-entry', 20_000));
    const forged = validateBead({ ...writer.stamp(order('c-entry', 5_000_000)) });
    await raw.append(forged.stream, [forged]);
    const gone = (await raw.readStream(streams.order('a-entry')))[0]!;
    const db = new Database(defaultLogPath(dir));
    db.prepare('DELETE FROM beads WHERE position = ?').run(gone.position);
    db.close();

    const report = await verifyLog(raw, KEY);
    expect(report.findings.map((f) => f.kind).sort()).toEqual(['MISSING', 'UNSEALED']);
    expect(report.findings.find((f) => f.kind === 'UNSEALED')?.beadId).toBe(forged.bead_id);

    const [read] = await log.readStream(streams.order('c-entry'));
    expect(read?.kind).toBe('corrupt');
    const [sealed] = await log.readStream(streams.order('b-entry'));
    expect(sealed?.kind === 'bead' && isSealed(sealed.bead)).toBe(true);

    const chain = await raw.readStream(streams.chain(HOST));
    editRow(dir, chain[0]!.position, '"seq":0', '"seq":7');
    expect((await verifyLog(raw, KEY)).findings.map((f) => f.kind)).toContain('FORGED_SEAL');
  });

  it('a host that starts again goes on with its chain; another key proves nothing', async () => {
    const { raw, writer } = await chainedSqlite();
    await writer.write(order('a-entry', 20_000));
    const again = await ChainedLog.open(raw, { key: KEY, hostId: HOST, mode: 'PAPER', clock });
    await new BeadWriter({ log: again, clock, ids: uuidV7Ids, hostId: HOST, mode: 'PAPER' }).write(order('b-entry', 20_000));
    expect((await verifyLog(raw, KEY)).findings).toEqual([]);
    expect((await verifyLog(raw, randomBytes(32))).findings.map((f) => f.kind)).toEqual(['FORGED_SEAL', 'FORGED_SEAL']);
  });

  it('the canonical form of a bead is the same as stamped (any key order, defaults left out) and as the log stores it', () => {
    const sample = benchBeads(0, 40);
    const shuffled = (value: unknown, order: number[]): unknown => {
      if (Array.isArray(value) || typeof value !== 'object' || value === null) return value;
      const entries = Object.entries(value).map(([k, v]) => [k, shuffled(v, order)] as const);
      const sorted = entries.map((e, i) => [e, order[i % order.length]!] as const).sort((a, b) => a[1] - b[1]).map(([e]) => e);
      return Object.fromEntries(sorted);
    };
    fc.assert(
      fc.property(fc.integer({ min: 0, max: sample.length - 1 }), fc.array(fc.integer(), { minLength: 1, maxLength: 12 }), (i, order) => {
        const bead = sample[i]!;
        const stored = JSON.parse(JSON.stringify(validateBead(bead))) as Bead;
        expect(canonicalBead(shuffled(bead, order) as Bead)).toBe(canonicalBead(stored));
        expect(canonicalBead(stored)).toBe(JSON.stringify(stored));
      }),
      { numRuns: 200, verbose: 1 },
    );
  });

  it('beads a host wrote before it kept a chain are read as unproven, not as forgeries (an upgrade keeps its history)', async () => {
    const findings: ChainFinding[] = [];
    const temp = makeTempDir('phoenix-chain-legacy');
    temps.push(temp.remove);
    const raw = new SqliteEventLog(defaultLogPath(temp.dir));
    const old = await new BeadWriter({ log: raw, clock, ids: uuidV7Ids, hostId: HOST, mode: 'PAPER' }).write(order('old-entry', 20_000));
    const log = await ChainedLog.open(raw, { key: KEY, hostId: HOST, mode: 'PAPER', clock, onFinding: (f) => findings.push(f) });
    await new BeadWriter({ log, clock, ids: uuidV7Ids, hostId: HOST, mode: 'PAPER' }).write(order('new-entry', 20_000));
    const read: Bead[] = [];
    for await (const e of log.readAll()) if (e.kind === 'bead') read.push(e.bead);
    expect(read.map((b) => b.bead_type)).toEqual(['ORDER', 'SEAL', 'ORDER']);
    expect(isSealed(read[0]!)).toBe(false);
    expect(read[0]!.bead_id).toBe(old.beads[0]!.bead_id);
    expect(isSealed(read[2]!)).toBe(true);
    const [alone] = await log.readStream(streams.order('old-entry'));
    expect(alone?.kind).toBe('bead');
    expect(findings).toEqual([]);
    expect((await verifyLog(raw, KEY)).findings).toEqual([]);
  });

  it('on a log without atomic multi-stream commits the seal still opens the commit (memory log)', async () => {
    const raw = new MemoryEventLog();
    const log = await ChainedLog.open(raw, { key: KEY, hostId: HOST, mode: 'MOCK', clock });
    await new BeadWriter({ log, clock, ids: uuidV7Ids, hostId: HOST, mode: 'MOCK' }).write(order('a-entry', 20_000));
    const all: string[] = [];
    for await (const e of raw.readAll()) all.push(e.kind === 'bead' ? e.bead.bead_type : 'corrupt');
    expect(all).toEqual(['SEAL', 'ORDER']);
  });
});
