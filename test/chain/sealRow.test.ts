import { randomBytes } from 'node:crypto';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { type Bead, BeadValidationError, stamp, streams, validateBead } from '../../beads/index.ts';
import { BlockSealer } from '../../runtime/chain/blockSealer.ts';
import { ChainedLog } from '../../runtime/chain/chainedLog.ts';
import { sealIdNear } from '../../runtime/chain/seal.ts';
import { isoAt } from '../../runtime/clock.ts';
import { verifyLog } from '../../runtime/chain/verifyLog.ts';
import { uuidV7Ids } from '../../store/ids.ts';
import { MemoryEventLog } from '../../store/memory.ts';
import { defaultLogPath, SqliteEventLog } from '../../store/sqlite.ts';
import { verifySqliteRows } from '../../tools/replay/verify.ts';
import { makeTempDir } from '../support/tempDir.ts';

/**
 * Issue 17, B1: on SQLite the chain's seal is stored as the chain made it,
 * without a second parse, and its id sorts beside its commit's first bead
 * (so it shares that bead's index page). What must still hold: the stored
 * seal is the very text a parse of it would give, every seal verifies, a
 * malformed head is refused, and a caller's bead is still parsed in full.
 */

const KEY = randomBytes(32);
const HOST = 'seal-row-host';
const clock = { now: () => Date.parse('2026-12-07T09:00:00.000Z') };
const temps: (() => void)[] = [];
afterEach(() => {
  for (const remove of temps.splice(0)) remove();
});

function tempLog(): SqliteEventLog {
  const temp = makeTempDir('phoenix-seal-row');
  temps.push(temp.remove);
  return new SqliteEventLog(defaultLogPath(temp.dir));
}

/** A fill (sealed at once), stamped ahead of its append as a batch of beads made earlier would be. */
const fill = (i: number): Bead =>
  stamp(
    { bead_type: 'FILL', stream: streams.order(`ord-${i}`), correlation_id: `c-${i}`, data: { exec_id: `exec-${i}`, order_id: i, order_ref: `ord-${i}`, position_id: `pos-${i}`, pair: 'EURUSD', side: 'BUY', quantity: 1000, price: 1.085, commission: 1, time: '2026-12-07T09:00:00.000Z' } },
    { bead_id: uuidV7Ids.next(), ts: '2026-12-07T09:00:00.000Z', host_id: HOST, mode: 'PAPER' },
  );
const beat = (i: number): Bead =>
  stamp(
    { bead_type: 'HEARTBEAT', stream: streams.heartbeat(HOST), correlation_id: `hb-${i}`, data: { status: 'HEALTHY', checks: { process_alive: true, ibkr_connected: true, semantic_healthy: true }, miss_count: 0 } },
    { bead_id: uuidV7Ids.next(), ts: '2026-12-07T09:00:00.000Z', host_id: HOST, mode: 'PAPER' },
  );

describe('the seal row on SQLite', () => {
  it('is stored as the text a parse of it gives, sorts beside its commit’s first bead, and the log verifies whole', async () => {
    const raw = tempLog();
    const log = await ChainedLog.open(raw, { key: KEY, hostId: HOST, mode: 'PAPER', clock });
    const beads = Array.from({ length: 30 }, (_, i) => (i % 3 === 2 ? fill(i) : beat(i)));
    for (const b of beads) await log.append(b.stream, [b]);
    await log.close();

    const db = new Database(raw.path, { readonly: true });
    const rows = db.prepare<[], { position: number; bead_id: string; bead_type: string; json: string }>('SELECT position, bead_id, bead_type, json FROM beads ORDER BY position').all();
    db.close();
    const seals = rows.filter((r) => r.bead_type === 'SEAL');
    // The chain's first commit and the close's: each fill carries its seal in its own row (a tag), and joins the block the close seals.
    expect(seals.length).toBe(2);
    for (const seal of seals) {
      expect(seal.json).toBe(JSON.stringify(validateBead(JSON.parse(seal.json))));
      const next = rows.find((r) => r.position === seal.position + 1);
      // The close's seal opens a commit of its own; every other shares its first 64 bits with the bead after it.
      if (next !== undefined) expect(seal.bead_id.slice(0, 24)).toBe(next.bead_id.slice(0, 24));
      expect(seal.bead_id).not.toBe(next?.bead_id);
    }
    expect(new Set(rows.map((r) => r.bead_id)).size).toBe(rows.length);
    const again = new SqliteEventLog(raw.path, { readonly: true });
    expect((await verifyLog(again, KEY)).findings).toEqual([]);
    await again.close();
    expect(verifySqliteRows(raw.path, KEY).findings).toEqual([]);
  });

  it('refuses a malformed head, writing nothing of its commit, and still parses a caller’s bead in full', async () => {
    const raw = tempLog();
    const good = fill(1);
    const head = { ...beat(2), data: { status: 'HEALTHY', miss_count: -1 } } as unknown as Bead;
    // Made inside the commit, a refused head fails the commit as the log's own failure would.
    await expect(raw.appendOpened([{ stream: good.stream, beads: [good] }], { make: () => ({ head }) })).rejects.toThrow(/invalid HEARTBEAT bead: data\.checks/);
    const badId = { ...beat(3), bead_id: 'not-a-uuid' } as Bead;
    await expect(raw.appendOpened([{ stream: good.stream, beads: [good] }], { make: () => ({ head: badId }) })).rejects.toThrow(/invalid HEARTBEAT bead: bead_id/);
    const badCaller = { ...good, data: { ...good.data, quantity: 'lots' } } as unknown as Bead;
    await expect(raw.appendOpened([{ stream: good.stream, beads: [badCaller] }], { make: () => undefined })).rejects.toBeInstanceOf(BeadValidationError);
    expect(await raw.readStream(good.stream)).toEqual([]);
    await raw.close();
  });
});

describe('what a seal is made of, cheaply', () => {
  it('writes its time as isoAt does, across seconds, minutes, days and years', () => {
    let now = Date.parse('2026-12-31T23:58:59.990Z');
    const sealer = new BlockSealer({ key: KEY, hostId: HOST, mode: 'PAPER', clock: { now: () => now } });
    const steps = [0, 1, 9, 10, 99, 100, 999, 1000, 59_999, 60_000, 61_001, 3_600_000, 86_400_000];
    for (let i = 0; i < 2000; i++) {
      now += steps[i % steps.length]! + (i % 7);
      const seal = sealer.sealOf({ run: 'abcdefghijklmnop' });
      expect(seal.ts).toBe(isoAt(now));
      sealer.sealed(seal);
    }
    now = Date.parse('1969-12-31T23:59:59.999Z');
    expect(sealer.sealOf({ run: 'abcdefghijklmnop' }).ts).toBe(isoAt(now));
  });

  it('a seal with no bead beside it (a block sealed on its own, any log) also ends its id in its MAC, so no writer can foresee it', async () => {
    const log = await ChainedLog.open(new MemoryEventLog(), { key: KEY, hostId: HOST, mode: 'PAPER', clock });
    await log.append(streams.heartbeat(HOST), [beat(1)]);
    await log.append(streams.heartbeat(HOST), [beat(2)]);
    await log.flush();
    const seals = (await log.readStream(`chain-${HOST}`)).flatMap((e) => (e.kind === 'bead' && e.bead.bead_type === 'SEAL' ? [e.bead] : []));
    expect(seals.length).toBeGreaterThanOrEqual(2);
    for (const seal of seals) {
      expect(seal.bead_id.replaceAll('-', '').slice(-12)).toBe(Buffer.from((seal.data as { mac: string }).mac.slice(0, 8), 'base64url').toString('hex'));
      expect(() => validateBead(seal)).not.toThrow();
    }
    await log.close();
  });

  it('takes its id’s last 48 bits from the MAC, as a Buffer would read them', () => {
    for (let i = 0; i < 500; i++) {
      const mac = randomBytes(32).toString('base64url');
      const near = uuidV7Ids.next();
      expect(sealIdNear(near, mac)).toBe(`${near.slice(0, 24)}${Buffer.from(mac.slice(0, 8), 'base64url').toString('hex')}`);
    }
  });
});
