import { randomBytes } from 'node:crypto';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { type BeadDraft, streams } from '../../beads/index.ts';
import { BeadWriter } from '../../runtime/beadWriter.ts';
import { ChainedLog } from '../../runtime/chain/chainedLog.ts';
import type { ChainFinding } from '../../runtime/chain/checker.ts';
import { isSealed } from '../../runtime/chain/seal.ts';
import { verifyLog } from '../../runtime/chain/verifyLog.ts';
import { uuidV7Ids } from '../../store/ids.ts';
import type { LogEntry } from '../../store/port.ts';
import { defaultLogPath, SqliteEventLog } from '../../store/sqlite.ts';
import { verifySqliteRows } from '../../tools/replay/verify.ts';
import { makeTempDir } from '../support/tempDir.ts';

/**
 * Issue 17, B1: on SQLite a bead the host seals at once, alone in its
 * commit, carries its seal in its own row (a tag, runtime/chain/tag.ts)
 * instead of a SEAL row opening the commit. What a person would notice:
 * such a bead is proven the moment it is durable, and every way of
 * tampering with the row or its tag is named by `phoenix replay --verify`
 * and refused by the host's reads, as a sealed row's would be.
 */

const KEY = randomBytes(32);
const HOST = 'tag-host';
const clock = { now: () => Date.parse('2026-12-07T09:00:00.000Z') };
const temps: (() => void)[] = [];
afterEach(() => {
  for (const remove of temps.splice(0)) remove();
});

const beat = (i: number): BeadDraft => ({ bead_type: 'HEARTBEAT', stream: streams.heartbeat(HOST), correlation_id: `hb-${i}`, data: { status: 'HEALTHY', checks: { process_alive: true, ibkr_connected: true, semantic_healthy: true }, miss_count: 0 } });
const fill = (id: string): BeadDraft => ({ bead_type: 'FILL', stream: streams.order(`ord-${id}`), correlation_id: id, data: { exec_id: `exec-${id}`, order_id: 7, order_ref: `ord-${id}`, position_id: `pos-${id}`, pair: 'EURUSD', side: 'BUY', quantity: 20_000, price: 1.085, commission: 1, time: '2026-12-07T09:00:00.000Z' } });

function home(): string {
  const temp = makeTempDir('phoenix-row-tag');
  temps.push(temp.remove);
  return temp.dir;
}

async function chained(dir: string, findings: ChainFinding[] = [], options: ConstructorParameters<typeof SqliteEventLog>[1] = {}) {
  const raw = new SqliteEventLog(defaultLogPath(dir), options);
  const log = await ChainedLog.open(raw, { key: KEY, hostId: HOST, mode: 'PAPER', clock, onFinding: (f) => findings.push(f) });
  return { raw, log, writer: new BeadWriter({ log, clock, ids: uuidV7Ids, hostId: HOST, mode: 'PAPER' }) };
}

interface Row {
  position: number;
  bead_id: string;
  bead_type: string;
  tag: string | null;
}

/** A host's log: the chain's first seal, three fills each sealed in its own row, and the seal of the block at a clean stop. */
async function sealedLog(): Promise<{ dir: string; fills: Row[] }> {
  const dir = home();
  const { log, writer } = await chained(dir);
  await writer.write(beat(0));
  for (const id of ['a', 'b', 'c']) await writer.write(fill(id));
  await log.close();
  return { dir, fills: rows(dir).filter((r) => r.bead_type === 'FILL') };
}

function rows(dir: string): Row[] {
  const db = new Database(defaultLogPath(dir), { readonly: true });
  try {
    return db.prepare<[], Row>('SELECT position, bead_id, bead_type, tag FROM beads ORDER BY position').all();
  } finally {
    db.close();
  }
}

function edit(dir: string, sql: string, ...params: unknown[]): void {
  const db = new Database(defaultLogPath(dir));
  try {
    db.prepare(sql).run(...params);
  } finally {
    db.close();
  }
}

/** What the audit names, and what the host's own read of the fill's stream gives. */
async function judged(dir: string, fillId: string): Promise<{ audit: [string, number][]; sqliteAudit: [string, number][]; read: string; findings: string[] }> {
  const findings: ChainFinding[] = [];
  const { raw, log } = await chained(dir, findings);
  const audit = (await verifyLog(raw, KEY)).findings.map((f): [string, number] => [f.kind, f.position]);
  const sqliteAudit = verifySqliteRows(raw.path, KEY).findings.map((f): [string, number] => [f.kind, f.position]);
  const [entry] = await log.readStream(streams.order(`ord-${fillId}`));
  await raw.close();
  return { audit, sqliteAudit, read: entry?.kind === 'bead' ? (isSealed(entry.bead) ? 'sealed' : 'unproven') : 'refused', findings: findings.map((f) => f.kind) };
}

describe('a bead’s seal in its own row (SQLite)', () => {
  it('a bead sealed at once is written with its tag and no SEAL row in its commit, and is proven in order and out of order', async () => {
    const { dir, fills } = await sealedLog();
    expect(rows(dir).map((r) => r.bead_type)).toEqual(['SEAL', 'HEARTBEAT', 'FILL', 'FILL', 'FILL', 'SEAL']);
    expect(fills.every((f) => f.tag !== null)).toBe(true);
    const reader = new SqliteEventLog(defaultLogPath(dir), { readonly: true });
    expect((await verifyLog(reader, KEY)).findings).toEqual([]);
    await reader.close();
    expect(verifySqliteRows(defaultLogPath(dir), KEY).findings).toEqual([]);
    const { raw, log } = await chained(dir);
    const inOrder: LogEntry[] = [];
    for await (const e of log.readAll()) inOrder.push(e);
    expect(inOrder.filter((e) => e.kind === 'bead' && e.bead.bead_type === 'FILL' && isSealed(e.bead))).toHaveLength(3);
    expect(await judged(dir, 'b')).toEqual({ audit: [], sqliteAudit: [], read: 'sealed', findings: [] });
    await raw.close();
  });

  it('an edited tagged row is named and refused', async () => {
    const { dir, fills } = await sealedLog();
    edit(dir, "UPDATE beads SET json = replace(json, '\"quantity\":20000', '\"quantity\":5000000') WHERE position = ?", fills[1]!.position);
    const edited = await judged(dir, 'b');
    expect(edited.audit).toContainEqual(['EDITED', fills[1]!.position]);
    expect(edited.sqliteAudit).toContainEqual(['EDITED', fills[1]!.position]);
    expect(edited.read).toBe('refused');
    expect(edited.findings).toContain('EDITED');
  });

  it('a tag copied onto another bead, or made up, is named and refused', async () => {
    const { dir, fills } = await sealedLog();
    edit(dir, 'UPDATE beads SET tag = ? WHERE position = ?', fills[0]!.tag, fills[1]!.position);
    const seq = fills[2]!.tag!.split(' ')[0];
    edit(dir, 'UPDATE beads SET tag = ? WHERE position = ?', `${seq} ${'A'.repeat(43)} ${HOST}`, fills[2]!.position);
    const copied = await judged(dir, 'b');
    expect(copied.audit).toEqual([
      ['EDITED', fills[1]!.position],
      ['EDITED', fills[2]!.position],
    ]);
    expect(copied.sqliteAudit).toEqual(copied.audit);
    expect(copied.read).toBe('refused');
    expect((await judged(dir, 'c')).read).toBe('refused');
  });

  it('a tagged row moved past the next seal is named where it now stands', async () => {
    const { dir, fills } = await sealedLog();
    const end = Math.max(...rows(dir).map((r) => r.position)) + 1;
    edit(dir, 'UPDATE beads SET position = ? WHERE position = ?', end, fills[0]!.position);
    const moved = await judged(dir, 'a');
    expect(moved.audit).toContainEqual(['BROKEN_LINK', end]);
    expect(moved.sqliteAudit).toContainEqual(['BROKEN_LINK', end]);
  });

  it('a tagged row deleted is named MISSING, as the next seal lists it', async () => {
    const { dir, fills } = await sealedLog();
    edit(dir, 'DELETE FROM beads WHERE position = ?', fills[2]!.position);
    const { audit, sqliteAudit } = await judged(dir, 'a');
    expect(audit.map(([kind]) => kind)).toEqual(['MISSING']);
    expect(sqliteAudit.map(([kind]) => kind)).toEqual(['MISSING']);
  });

  it('a tag comes through the read-ahead thread of a long read', async () => {
    const dir = home();
    const { log, writer } = await chained(dir);
    await writer.write(beat(0));
    for (let i = 0; i < 60; i++) await writer.write(fill(`f${i}`));
    await log.close();
    const stored = new Map(rows(dir).map((r) => [r.position, r.tag]));
    const raw = new SqliteEventLog(defaultLogPath(dir), { readonly: true, pageSize: 16, readAheadFrom: 1 });
    const tags: [number, string | null][] = [];
    for await (const e of raw.readAll()) tags.push([e.position, e.kind === 'bead' ? (e.tag ?? null) : null]);
    await raw.close();
    expect(tags).toEqual([...stored]);
    expect(tags.filter(([, tag]) => tag !== null)).toHaveLength(60);
  });

  it('a log of schema 1 is read as untagged, and gains the tag column when a writer opens it', async () => {
    const dir = home();
    const path = defaultLogPath(dir);
    const old = new Database(path);
    old.exec('CREATE TABLE beads (position INTEGER PRIMARY KEY AUTOINCREMENT, stream TEXT NOT NULL, revision INTEGER NOT NULL, bead_id TEXT NOT NULL UNIQUE, bead_type TEXT NOT NULL, ts TEXT NOT NULL, json TEXT NOT NULL, UNIQUE (stream, revision))');
    old.pragma('user_version = 1');
    old.close();
    const before = await chained(dir);
    const { beads } = await before.writer.write(fill('a'));
    await before.log.close();
    edit(dir, 'ALTER TABLE beads DROP COLUMN tag');
    edit(dir, 'PRAGMA user_version = 1');
    const reader = new SqliteEventLog(path, { readonly: true });
    const [entry] = await reader.readStream(streams.order('ord-a'));
    expect(entry).toMatchObject({ kind: 'bead', bead: { bead_id: beads[0]!.bead_id } });
    expect(entry && 'tag' in entry).toBe(false);
    expect(verifySqliteRows(path, KEY).findings).toEqual([]);
    await reader.close();
    const writer = new SqliteEventLog(path);
    await writer.close();
    const db = new Database(path, { readonly: true });
    expect(db.pragma('user_version', { simple: true })).toBe(2);
    expect(db.prepare('SELECT count(*) FROM beads WHERE tag IS NULL').pluck().get()).toBe(rows(dir).length);
    db.close();
  });
});
