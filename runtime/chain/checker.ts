import type { BeadType } from '../../beads/index.ts';
import type { LogEntry } from '../../store/port.ts';
import { beadHash, textHash } from './canonical.ts';
import { isHostOnlyFact } from './hostOnly.ts';
import { GENESIS, isSeal, markSealed, parseSealEntry, RecentKeys, type SealBead, sealIsGenuine } from './seal.ts';

/**
 * Reads a log in global order against the hosts' chains (issue 17). A seal
 * comes first in its commit, so each bead it lists arrives after it and is
 * checked against the hash it lists. `strict` (the full audit behind
 * `phoenix replay --verify`) also checks that each host's seals follow one
 * another without a gap and that every listed bead is there; a reader that
 * starts part-way (a subscription from a checkpoint) checks what it sees and
 * asks for a lookup when a bead under a host's name arrives with no seal in
 * view.
 */

export type FindingKind = 'EDITED' | 'UNSEALED' | 'FORGED_SEAL' | 'MISSING' | 'BROKEN_LINK' | 'UNREADABLE';

export interface ChainFinding {
  kind: FindingKind;
  position: number;
  stream: string;
  revision: number;
  beadId?: string;
  beadType?: string;
  why: string;
}

/** SEALED: proven; FOREIGN: another process's bead, under no host's name; BROKEN: a finding; LOOKUP: under a host's name with no seal in view; SKIPPED: sealed, not a type this reader checks. */
export type Verdict = 'SEALED' | 'FOREIGN' | 'BROKEN' | 'LOOKUP' | 'SKIPPED';

interface HostChain {
  lastSeq?: number;
  lastMac?: string;
  /** Listed by the latest seal and not yet seen. */
  pending: Set<string>;
  lastSeal?: { position: number; seq: number };
}

export interface CheckerOptions {
  strict: boolean;
  /** Hosts whose name a bead may only carry under a seal (the reading host's own). */
  knownHosts?: Iterable<string>;
  /** Only these types are hashed (the rest are passed as SKIPPED or FOREIGN); default all. */
  verifyTypes?: ReadonlySet<BeadType>;
  /** Mark proven bead objects for isSealed (default true); a whole-log audit keeps no objects and skips it. */
  mark?: boolean;
}

const RECENT = 4096;

export class ChainChecker {
  readonly findings: ChainFinding[] = [];
  private readonly hosts = new Map<string, HostChain>();
  private readonly claims = new Map<string, { hash: string; host: string }>();
  /** Beads proven lately: a retried append lists a bead stored by an earlier commit. */
  private readonly recent = new RecentKeys<string>(RECENT);
  private readonly knownHosts: Set<string>;
  counts = { sealed: 0, seals: 0, foreign: 0, skipped: 0 };

  constructor(
    private readonly key: Buffer,
    private readonly options: CheckerOptions,
  ) {
    this.knownHosts = new Set(options.knownHosts ?? []);
  }

  /** Hosts seen sealing (or known from the start): their name on a bead needs a seal. */
  isSealingHost(hostId: string): boolean {
    return this.knownHosts.has(hostId);
  }

  check(entry: LogEntry): { verdict: Verdict; finding?: ChainFinding } {
    if (entry.kind !== 'bead') {
      if (!this.options.strict) return { verdict: 'FOREIGN' };
      return this.broken({ kind: 'UNREADABLE', position: entry.position, stream: entry.stream, revision: entry.revision, why: `unreadable row: ${entry.reason}` });
    }
    const bead = entry.bead;
    const where = { position: entry.position, stream: entry.stream, revision: entry.revision, beadId: bead.bead_id, beadType: bead.bead_type };
    if (isSeal(bead)) return this.seal(bead, where);
    const claim = this.claims.get(bead.bead_id);
    if (claim) {
      this.claims.delete(bead.bead_id);
      this.hosts.get(claim.host)?.pending.delete(bead.bead_id);
      if (this.options.verifyTypes && !this.options.verifyTypes.has(bead.bead_type)) {
        this.counts.skipped += 1;
        return { verdict: 'SKIPPED' };
      }
      const hash = beadHash(bead);
      if (hash !== claim.hash) return this.broken({ kind: 'EDITED', ...where, why: `${bead.bead_type} bead ${bead.bead_id} differs from what host ${claim.host} sealed: the row was edited` });
      this.remember(bead.bead_id, hash);
      if (this.options.mark !== false) markSealed(bead);
      this.counts.sealed += 1;
      return { verdict: 'SEALED' };
    }
    if (!this.knownHosts.has(bead.host_id) || !isHostOnlyFact(bead)) {
      this.counts.foreign += 1;
      return { verdict: 'FOREIGN' };
    }
    if (this.options.verifyTypes && !this.options.verifyTypes.has(bead.bead_type)) {
      this.counts.skipped += 1;
      return { verdict: 'SKIPPED' };
    }
    if (!this.options.strict) return { verdict: 'LOOKUP' };
    return this.broken({ kind: 'UNSEALED', ...where, why: `${bead.bead_type} bead ${bead.bead_id} carries host ${bead.host_id}'s name, and no seal of ${bead.host_id} lists it: written by something else` });
  }

  /**
   * One stored row as its text (the SQLite audit's fast path): a bead a seal
   * listed is checked by hashing the text the log holds, which is its
   * canonical form, with no parse; anything else is parsed and checked as
   * usual. `decode` turns the text into the entry a reader would get.
   */
  checkText(row: { position: number; stream: string; revision: number; beadId: string; beadType: string; json: string }, decode: (json: string) => LogEntry): { verdict: Verdict; finding?: ChainFinding } {
    const claim = row.stream.startsWith('chain-') ? undefined : this.claims.get(row.beadId);
    if (!claim || (this.options.verifyTypes !== undefined)) return this.check(decode(row.json));
    this.claims.delete(row.beadId);
    this.hosts.get(claim.host)?.pending.delete(row.beadId);
    let hash = textHash(row.json);
    // Text written some other way than the log's own validation (a bulk import) is checked in its canonical form.
    if (hash !== claim.hash) {
      const entry = decode(row.json);
      if (entry.kind === 'bead') hash = beadHash(entry.bead);
    }
    if (hash !== claim.hash) return this.broken({ kind: 'EDITED', position: row.position, stream: row.stream, revision: row.revision, beadId: row.beadId, beadType: row.beadType, why: `${row.beadType} bead ${row.beadId} differs from what host ${claim.host} sealed: the row was edited` });
    this.remember(row.beadId, hash);
    this.counts.sealed += 1;
    return { verdict: 'SEALED' };
  }

  /** At the end of a full audit: beads the last seals listed that never came. */
  finish(): ChainFinding[] {
    if (!this.options.strict) return [];
    for (const [host, chain] of this.hosts) this.reportMissing(host, chain, []);
    return this.findings;
  }

  private seal(seal: SealBead, where: Omit<ChainFinding, 'kind' | 'why'>): { verdict: Verdict; finding?: ChainFinding } {
    if (!sealIsGenuine(this.key, seal)) {
      return this.broken({ kind: 'FORGED_SEAL', ...where, why: `seal ${seal.data.seq} of ${seal.host_id} does not carry the chain key's MAC: forged, or edited` });
    }
    const host = seal.host_id;
    this.knownHosts.add(host);
    const chain = this.hosts.get(host) ?? { pending: new Set<string>() };
    this.hosts.set(host, chain);
    const d = seal.data;
    let finding: ChainFinding | undefined;
    if (this.options.strict) {
      this.reportMissing(host, chain, d.retracts ?? []);
      const retracted = new Set(d.retracts ?? []);
      const expected = chain.lastSeq === undefined ? undefined : chain.lastSeq + 1;
      const skipsRetracted = expected !== undefined && d.seq > expected && range(expected, d.seq).every((s) => retracted.has(s));
      if (chain.lastSeq === undefined ? d.prev !== GENESIS && d.seq !== 0 : d.seq !== expected && !skipsRetracted) {
        finding = this.broken({ kind: 'BROKEN_LINK', ...where, why: `seal ${d.seq} of ${host} follows seal ${chain.lastSeq ?? 'none'}: the seals between were removed` }).finding;
      } else if (chain.lastMac !== undefined && d.prev !== chain.lastMac && !skipsRetracted && !d.prev.startsWith('RESTART')) {
        finding = this.broken({ kind: 'BROKEN_LINK', ...where, why: `seal ${d.seq} of ${host} does not name seal ${chain.lastSeq} before it: a seal was replaced` }).finding;
      }
    }
    chain.lastSeq = d.seq;
    chain.lastMac = d.mac;
    chain.lastSeal = { position: where.position, seq: d.seq };
    chain.pending = new Set();
    for (const line of d.beads) {
      const e = parseSealEntry(line);
      if (!e) continue;
      if (this.recent.get(e.id) === e.hash) continue;
      this.claims.set(e.id, { hash: e.hash, host });
      chain.pending.add(e.id);
    }
    if (this.options.mark !== false) markSealed(seal);
    this.counts.seals += 1;
    return finding ? { verdict: 'BROKEN', finding } : { verdict: 'SEALED' };
  }

  private reportMissing(host: string, chain: HostChain, retracts: readonly number[]): void {
    const seq = chain.lastSeal?.seq;
    for (const id of chain.pending) {
      this.claims.delete(id);
      if (seq !== undefined && retracts.includes(seq)) continue;
      if (this.options.strict) this.findings.push({ kind: 'MISSING', position: chain.lastSeal?.position ?? -1, stream: `chain-${host}`, revision: -1, beadId: id, why: `bead ${id}, listed by seal ${seq ?? '?'} of ${host}, is not in the log after it: deleted` });
    }
    chain.pending.clear();
  }

  private remember(id: string, hash: string): void {
    this.recent.set(id, hash);
  }

  private broken(finding: ChainFinding): { verdict: 'BROKEN'; finding: ChainFinding } {
    if (this.options.strict) this.findings.push(finding);
    return { verdict: 'BROKEN', finding };
  }
}

function range(from: number, to: number): number[] {
  return Array.from({ length: Math.max(0, to - from) }, (_, i) => from + i);
}
