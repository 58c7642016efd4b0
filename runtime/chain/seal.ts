import { randomBytes, timingSafeEqual } from 'node:crypto';
import { hmacSha256 } from './hmac.ts';
import type { Bead, BeadOf } from '../../beads/index.ts';
import { beadHash } from './canonical.ts';

/**
 * Seals (issue 17). A SEAL bead on `chain-<host>` lists beads of the host
 * with their hashes: those of the commit it opens, and the block written
 * since the seal before (blockSealer.ts); it names the MAC of the seal
 * before it and carries its own MAC under the host's chain key. One HMAC
 * per seal, not per bead: a bulk append of a thousand beads costs one HMAC
 * and a thousand hashes of the text the log writes anyway. (A bead sealed
 * at once alone in a SQLite commit carries its seal in its own row instead:
 * tag.ts.) Removing, reordering or editing a sealed bead, a seal, or
 * slipping a bead in under the host's name breaks the chain at that row.
 */

export const GENESIS = 'GENESIS';

export type SealBead = BeadOf<'SEAL'>;

export interface SealFields {
  hostId: string;
  seq: number;
  prev: string;
  beads: readonly string[];
  retracts?: readonly number[] | undefined;
  run?: string | undefined;
}

/** "<bead_id> <hash>": one line of a seal. */
export function sealEntry(bead: Bead): string {
  return `${bead.bead_id} ${beadHash(bead)}`;
}

/**
 * The width of one hash in a seal's run: 96 bits of SHA-256 (a second
 * preimage is 2^96 work), where a bead listed by id keeps 128. A thousand
 * rows' run is then 16 KB, not 22, which a batch writes once more.
 */
export const RUN_HASH = 16;

/** Whether a bead's hash is the one a seal gives it: the seal's may be the shorter prefix of a run. */
export function hashMatches(hash: string, sealed: string): boolean {
  return sealed.length >= RUN_HASH && hash.startsWith(sealed);
}

/** The hash a seal's run gives the row `index` places after the seal; undefined past its end. */
export function runHash(seal: SealBead, index: number): string | undefined {
  const run = seal.data.run;
  if (run === undefined || index < 0 || (index + 1) * RUN_HASH > run.length) return undefined;
  return run.slice(index * RUN_HASH, (index + 1) * RUN_HASH);
}

export function parseSealEntry(entry: string): { id: string; hash: string } | undefined {
  const space = entry.indexOf(' ');
  return space <= 0 ? undefined : { id: entry.slice(0, space), hash: entry.slice(space + 1) };
}

export function sealMac(key: Buffer, f: SealFields): string {
  const text = `phoenix-seal-v1\n${f.hostId}\n${f.seq}\n${f.prev}\n${(f.retracts ?? []).join(',')}\n${f.beads.join('\n')}${f.run === undefined ? '' : `\nrun ${f.run}`}`;
  return hmacSha256(key, text);
}

/** The chain stream a seal must be on: `chain-<its host>`. */
export const chainStreamOf = (hostId: string) => `chain-${hostId}`;

export function isSeal(bead: Bead): bead is SealBead {
  return bead.bead_type === 'SEAL';
}

/** Whether a seal is the host's own: on its host's chain stream, with a MAC only the chain key makes. */
export function sealIsGenuine(key: Buffer, seal: SealBead): boolean {
  if (seal.stream !== chainStreamOf(seal.host_id)) return false;
  const d = seal.data;
  const wanted = Buffer.from(sealMac(key, { hostId: seal.host_id, seq: d.seq, prev: d.prev, beads: d.beads, ...(d.retracts ? { retracts: d.retracts } : {}), ...(d.run === undefined ? {} : { run: d.run }) }), 'base64url');
  const given = Buffer.from(d.mac, 'base64url');
  return given.length === wanted.length && timingSafeEqual(given, wanted);
}

/**
 * Bead objects this process has seen proven: read back and matched against
 * a genuine seal, or sealed and appended by this process itself. Consumers
 * that move money ask `isSealed(bead)`; a bead another process wrote (a
 * decision, a halt) is not sealed and must prove itself some other way.
 */
const sealed = new WeakSet<object>();

export function markSealed(bead: Bead): void {
  sealed.add(bead);
}

export function isSealed(bead: Bead): boolean {
  return sealed.has(bead);
}

/**
 * Ids for seals: UUIDv7 (RFC 9562) from the clock and a counter over a random
 * base drawn once, so a seal costs no draw from the system's random source
 * (a fresh v7 per commit was most of a single append's extra time).
 */
export function sealIds(now: () => number = Date.now): { next(): string } {
  const base = randomBytes(8);
  let counter = 0;
  return {
    next() {
      counter = (counter + 1) >>> 0;
      const ms = now();
      const b = Buffer.alloc(16);
      b.writeUIntBE(ms, 0, 6);
      b[6] = 0x70 | ((counter >>> 8) & 0x0f);
      b[7] = counter & 0xff;
      b[8] = 0x80 | (base[0]! & 0x3f);
      base.copy(b, 9, 1, 8);
      b.writeUInt32BE((b.readUInt32BE(12) ^ (counter >>> 12)) >>> 0, 12);
      const h = b.toString('hex');
      return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
    },
  };
}

/**
 * The id of a seal that opens a commit on SQLite: the commit's first bead's
 * id with its last 48 bits taken from the seal's MAC. It sorts beside that
 * bead in the log's bead_id index, so the seal dirties no index page of its
 * own there: on B1's single appends an index page was a tenth of a durable
 * commit's bytes. Only the chain key makes the MAC, so no other writer can
 * claim the id first; and no two seals share a MAC.
 */
export function sealIdNear(beadId: string, mac: string): string {
  // The MAC's first 8 base64url characters are its first 48 bits, written here as 12 hex digits in plain JS: a Buffer round trip cost a commit that starts cold (after the last one's fsync) about 5 µs.
  let bits = 0;
  let hex = '';
  for (let i = 0; i < 8; i++) {
    bits = (bits << 6) | BASE64URL.indexOf(mac[i]!);
    if (i % 2 === 1) {
      hex += (bits & 0xfff).toString(16).padStart(3, '0');
      bits = 0;
    }
  }
  return `${beadId.slice(0, 24)}${hex}`;
}

const BASE64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/**
 * The last few thousand keys seen, in two generations: O(1) to add and ask.
 * (Dropping the oldest entry of one Set or Map each time makes V8 skip ever
 * more deleted slots from the front: that cost a single append 0.1 ms.)
 */
export class RecentKeys<V = true> {
  private current = new Map<string, V>();
  private previous = new Map<string, V>();
  constructor(private readonly generation: number) {}
  get(key: string): V | undefined {
    return this.current.get(key) ?? this.previous.get(key);
  }
  has(key: string): boolean {
    return this.current.has(key) || this.previous.has(key);
  }
  set(key: string, value: V): void {
    this.current.set(key, value);
    if (this.current.size >= this.generation) {
      this.previous = this.current;
      this.current = new Map();
    }
  }
}
