import type { Bead } from '../../beads/index.ts';
import type { EventLog, LogPosition } from '../../store/port.ts';
import { beadHash } from './canonical.ts';
import { unlistedBecause } from './hostOnly.ts';
import { chainStreamOf, hashMatches, isSeal, markSealed, parseSealEntry, runHash, type SealBead, sealIsGenuine } from './seal.ts';
import { judgeTag, parseTag, unreadableTag } from './tag.ts';

/**
 * A bead read out of order (one stream's `readStream`, a reader that started
 * part-way) is proven by finding its seal: the last seal of its host's chain
 * before it (a seal opens the commit of the beads it lists), or else the
 * first after it (which seals the block the bead was written in). A binary
 * search over the chain stream's revisions, about twenty one-row reads on a
 * million seals; the last seals found are kept.
 */
interface Around {
  before?: SealBead;
  beforeAt?: number;
  after?: SealBead;
}

export class SealLookup {
  private readonly cache = new Map<string, Around>();
  private readonly firstSeal = new Map<string, number>();
  private readonly lastSeal = new Map<string, number>();

  constructor(
    private readonly log: Pick<EventLog, 'readStream'>,
    private readonly key: Buffer,
  ) {}

  /**
   * Whether `bead` (stored at `position`, with the tag its row carries, if
   * any) is sealed by a genuine seal of its host: in its own row, in the run
   * of its commit's seal, or listed there or by the next seal. Marks it
   * sealed if so.
   */
  async prove(bead: Bead, position: LogPosition, tag?: string): Promise<{ ok: true } | { ok: false; why: string; legacy?: true }> {
    // A bead older than its host's first seal was written before the host kept a chain: unproven, not forged.
    if (position < (await this.firstSealAt(bead.host_id))) return { ok: false, legacy: true, why: `${bead.bead_type} bead ${bead.bead_id} predates ${bead.host_id}'s chain` };
    const { before, beforeAt, after } = await this.sealsAround(bead.host_id, position);
    // A row that carries its own seal is judged by it alone, as a reader in order judges it (checker.ts).
    if (tag !== undefined) return this.proveTagged(bead, tag, before);
    // In the run of the seal of its commit (the rows right after it), else listed by id there or by the next seal.
    const inRun = before && beforeAt !== undefined ? runHash(before, position - beforeAt - 1) : undefined;
    const listed = inRun !== undefined ? { hash: inRun } : [before, after].flatMap((seal) => (seal ? seal.data.beads.map(parseSealEntry).filter((e) => e?.id === bead.bead_id) : []))[0];
    if (!listed) {
      const where = after ? `neither the seal of its commit nor the next seal lists it: ${unlistedBecause(bead)}` : `no seal of ${bead.host_id} follows it: the host stopped before sealing it, or it was slipped in`;
      return { ok: false, why: `${bead.bead_type} bead ${bead.bead_id} carries host ${bead.host_id}'s name, and ${where}` };
    }
    if (!hashMatches(beadHash(bead), listed.hash)) return { ok: false, why: `${bead.bead_type} bead ${bead.bead_id} differs from what host ${bead.host_id} sealed: the row was edited` };
    markSealed(bead);
    return { ok: true };
  }

  private proveTagged(bead: Bead, text: string, before: SealBead | undefined): { ok: true } | { ok: false; why: string } {
    const row = { beadId: bead.bead_id, beadType: bead.bead_type };
    const tag = parseTag(text);
    // The seal before is the bead's host's: a tag naming another host's chain is not one this row's host wrote.
    if (tag?.host !== bead.host_id) return { ok: false, why: unreadableTag(row) };
    const judged = judgeTag(this.key, tag, before && { seq: before.data.seq, mac: before.data.mac }, row, () => [beadHash(bead)]);
    if (!judged.ok) return judged;
    markSealed(bead);
    return { ok: true };
  }

  /** The position of the host's first seal; +∞ while it has none (everything before is from before the chain). */
  async firstSealAt(hostId: string): Promise<number> {
    const known = this.firstSeal.get(hostId);
    if (known !== undefined) return known;
    const [first] = await this.log.readStream(chainStreamOf(hostId), { from: 0, limit: 1 });
    const at = first?.position ?? Number.POSITIVE_INFINITY;
    if (first) this.firstSeal.set(hostId, at);
    return at;
  }

  knownFirstSeal(hostId: string): number | undefined {
    return this.firstSeal.get(hostId);
  }

  knownSealAfter(hostId: string, position: LogPosition): boolean {
    return (this.lastSeal.get(hostId) ?? -1) > position;
  }

  /** Whether a seal of the host comes after `position` (read again only when the last one known does not). */
  async sealFollows(hostId: string, position: LogPosition): Promise<boolean> {
    const known = this.lastSeal.get(hostId);
    if (known !== undefined && known > position) return true;
    const [last] = await this.log.readStream(chainStreamOf(hostId), { direction: 'backwards', limit: 1 });
    if (last) this.lastSeal.set(hostId, last.position);
    return last !== undefined && last.position > position;
  }

  private async sealsAround(hostId: string, position: LogPosition): Promise<Around> {
    const key = `${hostId}@${position}`;
    const cached = this.cache.get(key);
    if (cached) return cached;
    const stream = chainStreamOf(hostId);
    const [last] = await this.log.readStream(stream, { direction: 'backwards', limit: 1 });
    let before: SealBead | undefined;
    let beforeAt: number | undefined;
    let beforeRevision = -1;
    let lo = 0;
    let hi = last?.revision ?? -1;
    while (lo <= hi) {
      const mid = Math.floor((lo + hi) / 2);
      const [entry] = await this.log.readStream(stream, { from: mid, limit: 1 });
      if (!entry) break;
      if (entry.position < position) {
        if (entry.kind === 'bead' && isSeal(entry.bead)) {
          before = entry.bead;
          beforeAt = entry.position;
          beforeRevision = entry.revision;
        }
        lo = mid + 1;
      } else hi = mid - 1;
    }
    let after: SealBead | undefined;
    if (last && last.position > position) {
      const [next] = await this.log.readStream(stream, { from: beforeRevision + 1, limit: 1 });
      if (next?.kind === 'bead' && isSeal(next.bead) && next.position > position) after = next.bead;
    }
    const genuineBefore = this.genuine(before);
    const found: Around = { ...(genuineBefore ? { before: genuineBefore, beforeAt } : {}), ...(this.genuine(after) ? { after: after! } : {}) };
    // Without a seal after it, a later seal may yet come: only a complete answer is kept.
    if (found.after) {
      this.cache.set(key, found);
      if (this.cache.size > 256) this.cache.delete(this.cache.keys().next().value as string);
    }
    return found;
  }

  private genuine(seal: SealBead | undefined): SealBead | undefined {
    if (!seal || !sealIsGenuine(this.key, seal)) return undefined;
    markSealed(seal);
    return seal;
  }
}
