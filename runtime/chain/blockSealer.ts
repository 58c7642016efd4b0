import { type Bead, type Clock, CURRENT_SCHEMA_VERSION, type IdSource, type Mode } from '../../beads/index.ts';
import type { StreamAppend } from '../../store/port.ts';
import { isoAt } from '../clock.ts';
import { beadHash } from './canonical.ts';
import { chainStreamOf, GENESIS, type SealBead, sealIdNear, sealIds, sealMac } from './seal.ts';
import { tagMac, tagText } from './tag.ts';

/**
 * The writing half of a host's chain (issue 17), held in memory under the
 * writer's lease: the chain's head (the next seal's number and the MAC it
 * names) and the block of beads written since the last seal.
 *
 * Why blocks: a seal is a row, and on SQLite a second row in a one-bead
 * commit costs that commit about a fifth more (B1: the bytes a durable
 * commit writes), so a seal per commit cannot keep B1 within 10%. A bead
 * the host acts on by the log's word alone (`sealsAtOnce`: write-aheads,
 * tokens, fills, positions, the kill flag, halts, answers, promotion) is
 * sealed in its own commit: alone in it on SQLite, by a tag in its own row
 * (tag.ts); else by a seal opening the commit, with the block before it.
 * Every bead, tagged or not, joins the block, which the next seal lists: at
 * the latest after BLOCK_BEADS beads, or BLOCK_MS after the block began (a
 * seal of its own then). Until then this process proves its own beads from
 * the block it keeps.
 */

export const BLOCK_BEADS = 128;
export const BLOCK_MS = 250;

export interface SealerOptions {
  key: Buffer;
  hostId: string;
  mode: Mode;
  clock: Clock;
  ids?: IdSource;
}

export class BlockSealer {
  readonly chainStream: string;
  seq = 0;
  prev = GENESIS;
  private retract: number[] = [];
  /** bead_id → hash, in the order written: listed by the next seal. */
  private block = new Map<string, string>();
  private blockSince = 0;
  private readonly ids: { next(): string };
  private sealedOnce = false;
  private minuteStart = Number.NaN;
  private minute = '';

  constructor(private readonly o: SealerOptions) {
    this.chainStream = chainStreamOf(o.hostId);
    this.ids = o.ids ?? sealIds();
  }

  /** Goes on from the last seal of the chain (or from a marked restart after a tampered one). */
  resume(seq: number, prev: string): void {
    this.seq = seq;
    this.prev = prev;
  }

  get blockSize(): number {
    return this.block.size;
  }

  /** This process's own proof of a bead it wrote and has not sealed yet: the hash it wrote. */
  blockHash(beadId: string): string | undefined {
    return this.block.get(beadId);
  }

  /**
   * The beads a commit's seal lists: each once (the log drops a bead repeated
   * within one stream's append). A retried append's beads are listed again;
   * readers know a bead a seal lists twice (the checker's recent beads).
   */
  fresh(appends: readonly StreamAppend[]): Bead[] {
    if (appends.length === 1) return appends[0]!.beads as Bead[];
    const out: Bead[] = [];
    const seen = new Set<string>();
    for (const a of appends) {
      for (const b of a.beads) {
        if (seen.has(b.bead_id)) continue;
        seen.add(b.bead_id);
        out.push(b);
      }
    }
    return out;
  }

  /** Whether a commit of `count` fresh beads opens with a seal: the chain's first, one with a bead sealed at once, a full block, an old one. */
  mustSeal(count: number, atOnce: boolean): boolean {
    if (atOnce || !this.sealedOnce || this.block.size + count >= BLOCK_BEADS) return true;
    return this.block.size > 0 && this.o.clock.now() - this.blockSince >= BLOCK_MS;
  }

  /** Each bead's hash over the canonical form (a log that does not hand over the text it stores). */
  hashes(fresh: readonly Bead[]): string[] {
    return fresh.map(beadHash);
  }

  /**
   * The seal of the block and of its commit's beads, chained to the seal
   * before: the block as "<bead_id> <hash>" lines; the commit's beads as a
   * run of hashes where the log writes them at the positions right after
   * the seal (SQLite), else as lines too.
   */
  sealOf(commit: { run: string; near?: string } | { fresh: readonly Bead[]; hashes: readonly string[] }): SealBead {
    const lines: string[] = [];
    for (const [id, hash] of this.block) lines.push(`${id} ${hash}`);
    if ('fresh' in commit) for (let i = 0; i < commit.fresh.length; i++) lines.push(`${commit.fresh[i]!.bead_id} ${commit.hashes[i]!}`);
    const run = 'run' in commit ? commit.run : undefined;
    const retracts = this.retract.length > 0 ? [...this.retract] : undefined;
    const mac = sealMac(this.o.key, { hostId: this.o.hostId, seq: this.seq, prev: this.prev, beads: lines, retracts, run });
    const data: SealBead['data'] = { seq: this.seq, prev: this.prev, beads: lines, mac };
    if (retracts) data.retracts = retracts;
    if (run !== undefined) data.run = run;
    // Every seal's id ends in bits of its MAC: one a writer could foresee (the counter's random base shows in every stored seal) could be
    // taken first by a bead of theirs, and a retried append that looks ids up would then skip the seal as already written.
    const near = this.o.ids === undefined ? ('near' in commit && commit.near !== undefined ? commit.near : this.ids.next()) : undefined;
    // Keys in the schema's order: the text SQLite stores of this object is then the one a zod parse of it would give (the store takes the chain's seal as made).
    return {
      bead_id: near === undefined ? this.ids.next() : sealIdNear(near, mac),
      stream: this.chainStream,
      ts: this.isoNow(),
      host_id: this.o.hostId,
      mode: this.o.mode,
      correlation_id: this.chainStream,
      schema_version: CURRENT_SCHEMA_VERSION.SEAL,
      bead_type: 'SEAL',
      data,
    };
  }

  /**
   * The seal's time, as isoAt writes it: the minute's prefix is kept and
   * the seconds and milliseconds written on it, as a Date and its
   * toISOString cost a commit that starts cold (after the last one's fsync)
   * about 5 µs.
   */
  private isoNow(): string {
    const now = this.o.clock.now();
    const into = now - this.minuteStart;
    if (!(into >= 0 && into < 60_000) || !Number.isInteger(now)) {
      const iso = isoAt(now);
      // "YYYY-MM-DDTHH:MM:" then "SS.mmmZ"; a time outside years 0 to 9999 is written whole each time.
      this.minuteStart = iso.length === 24 && Number.isInteger(now) ? now - (((now % 60_000) + 60_000) % 60_000) : Number.NaN;
      this.minute = iso.slice(0, 17);
      return iso;
    }
    const ms = into % 1000;
    const s = (into - ms) / 1000;
    return `${this.minute}${s < 10 ? '0' : ''}${s}.${ms < 10 ? '00' : ms < 100 ? '0' : ''}${ms}Z`;
  }

  /** The tag of a bead sealed at once in its own row (tag.ts): bound to the seal before it and the number of the next. */
  tagOf(hash: string): string {
    return tagText({ host: this.o.hostId, seq: this.seq, mac: tagMac(this.o.key, this.o.hostId, this.seq, this.prev, hash) });
  }

  /** The seal is durable: the block it listed is done with. */
  sealed(seal: SealBead): void {
    this.block = new Map();
    this.sealedOnce = true;
    this.advance(seal.data.mac, []);
  }

  /** Committed without a seal: the beads join the block. */
  deferred(ids: readonly string[], hashes: readonly string[]): void {
    if (this.block.size === 0) this.blockSince = this.o.clock.now();
    for (let i = 0; i < ids.length; i++) this.block.set(ids[i]!, hashes[i]!);
  }

  /** A seal whose commit failed on a log that is not all-or-nothing: it may stand without its beads, and the next seal says so. */
  failed(seal: SealBead): void {
    this.advance(seal.data.mac, [seal.data.seq]);
  }

  private advance(mac: string, retract: number[]): void {
    this.retract = retract;
    this.prev = mac;
    this.seq += 1;
  }
}
