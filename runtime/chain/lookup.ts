import type { Bead } from '../../beads/index.ts';
import type { EventLog, LogPosition } from '../../store/port.ts';
import { beadHash } from './canonical.ts';
import { chainStreamOf, isSeal, markSealed, parseSealEntry, type SealBead, sealIsGenuine } from './seal.ts';

/**
 * A bead read out of order (one stream's `readStream`, a reader that started
 * part-way) is proven by finding its seal: the seal of its host's chain with
 * the highest position below the bead's, since a seal opens the commit of
 * the beads it lists. A binary search over the chain stream's revisions,
 * about twenty one-row reads on a million seals; the last seals found are
 * kept.
 */
export class SealLookup {
  private readonly cache = new Map<string, SealBead | undefined>();
  private readonly firstSeal = new Map<string, number>();

  constructor(
    private readonly log: Pick<EventLog, 'readStream'>,
    private readonly key: Buffer,
  ) {}

  /** Whether `bead` (stored at `position`) is listed, with its hash, by a genuine seal of its host; marks it sealed if so. */
  async prove(bead: Bead, position: LogPosition): Promise<{ ok: true } | { ok: false; why: string; legacy?: true }> {
    // A bead older than its host's first seal was written before the host kept a chain: unproven, not forged.
    if (position < (await this.firstSealAt(bead.host_id))) return { ok: false, legacy: true, why: `${bead.bead_type} bead ${bead.bead_id} predates ${bead.host_id}'s chain` };
    const seal = await this.sealBefore(bead.host_id, position);
    if (!seal) return { ok: false, why: `${bead.bead_type} bead ${bead.bead_id} carries host ${bead.host_id}'s name, and no seal of ${bead.host_id} comes before it` };
    const listed = seal.data.beads.map(parseSealEntry).find((e) => e?.id === bead.bead_id);
    if (!listed) return { ok: false, why: `${bead.bead_type} bead ${bead.bead_id} carries host ${bead.host_id}'s name, and the seal of its commit does not list it: written by something else` };
    if (listed.hash !== beadHash(bead)) return { ok: false, why: `${bead.bead_type} bead ${bead.bead_id} differs from what host ${bead.host_id} sealed: the row was edited` };
    markSealed(bead);
    return { ok: true };
  }

  /** The position of the host's first seal; +∞ while it has none (everything before is from before the chain). */
  private async firstSealAt(hostId: string): Promise<number> {
    const known = this.firstSeal.get(hostId);
    if (known !== undefined) return known;
    const [first] = await this.log.readStream(chainStreamOf(hostId), { from: 0, limit: 1 });
    const at = first?.position ?? Number.POSITIVE_INFINITY;
    if (first) this.firstSeal.set(hostId, at);
    return at;
  }

  private async sealBefore(hostId: string, position: LogPosition): Promise<SealBead | undefined> {
    const stream = chainStreamOf(hostId);
    const key = `${hostId}@${position}`;
    if (this.cache.has(key)) return this.cache.get(key);
    const [last] = await this.log.readStream(stream, { direction: 'backwards', limit: 1 });
    let found: SealBead | undefined;
    if (last) {
      let lo = 0;
      let hi = last.revision;
      while (lo <= hi) {
        const mid = Math.floor((lo + hi) / 2);
        const [entry] = await this.log.readStream(stream, { from: mid, limit: 1 });
        if (!entry) break;
        if (entry.position < position) {
          if (entry.kind === 'bead' && isSeal(entry.bead)) found = entry.bead;
          lo = mid + 1;
        } else hi = mid - 1;
      }
    }
    const genuine = found && sealIsGenuine(this.key, found) ? found : undefined;
    if (genuine) markSealed(genuine);
    this.cache.set(key, genuine);
    if (this.cache.size > 256) this.cache.delete(this.cache.keys().next().value as string);
    return genuine;
  }
}
