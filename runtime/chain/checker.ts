import type { Bead, BeadType } from '../../beads/index.ts';
import type { LogEntry } from '../../store/port.ts';
import { AwaitingSeals, type RowAt, type Waiting } from './awaiting.ts';
import { AWAIT, type ChainFinding, type CheckResult, edited, FOREIGN, rowAt, SEALED, type Settled, SKIPPED } from './verdicts.ts';
import { beadHash, hashesOfText, hostHint, textHash } from './canonical.ts';
import { isHostOnlyFact, unlistedBecause } from './hostOnly.ts';
import { brokenLink } from './links.ts';
import { hashMatches, isSeal, markSealed, parseSealEntry, RecentKeys, type SealBead, sealIsGenuine } from './seal.ts';
import { SealRun } from './sealRun.ts';
import { judgeTag, parseTag, unreadableTag } from './tag.ts';

/**
 * Reads a log in global order against the hosts' chains (issue 17). A seal
 * lists the beads of its own commit, which come after it, and the beads
 * its host wrote since its last seal, which came before it (block
 * sealing: see hostOnly.ts `sealsAtOnce`). A bead under a sealing host's
 * name with no seal in view waits for its host's next seal, which either
 * lists it with the same hash or shows it was written by something else.
 * `strict` (the full audit behind `phoenix replay --verify`) also checks
 * that each host's seals follow one another without a gap and that every
 * listed bead is there.
 */

export type { ChainFinding, CheckResult, FindingKind, Settled, Verdict } from './verdicts.ts';

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
/** In `recent` for a row seen and refused: a seal that lists it later does not count it missing. */
const REFUSED = '\u0000refused';

export class ChainChecker {
  readonly findings: ChainFinding[] = [];
  private readonly hosts = new Map<string, HostChain>();
  private readonly claims = new Map<string, { hash: string; host: string }>();
  private readonly waiting = new AwaitingSeals();
  /** Beads proven lately: a retried append lists a bead stored by an earlier commit. */
  private readonly recent = new RecentKeys<string>(RECENT);
  private readonly knownHosts: Set<string>;
  /** The rows right after the latest seal with a run: checked by position against its hashes. */
  private readonly run = new SealRun((f) => this.findings.push(f));
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

  check(entry: LogEntry): CheckResult {
    const inRun = entry.kind === 'bead' && isSeal(entry.bead) ? undefined : this.runAt(entry.position);
    if (entry.kind !== 'bead') {
      if (!this.options.strict) return FOREIGN;
      return this.broken({ kind: 'UNREADABLE', position: entry.position, stream: entry.stream, revision: entry.revision, why: `unreadable row: ${entry.reason}` });
    }
    const bead = entry.bead;
    if (isSeal(bead)) return this.seal(bead, rowAt(entry, bead));
    const tagged = entry.tag === undefined ? undefined : this.tagged(entry.tag, rowAt(entry, bead), () => [beadHash(bead)], bead);
    if (tagged) return tagged;
    // Most of a long read is beads no seal in view lists (another host's, or from before the chain): no lookup for them.
    const claim = inRun ?? (this.claims.size === 0 ? undefined : this.claims.get(bead.bead_id));
    if (claim) {
      if (!inRun) this.unclaim(bead.bead_id);
      if (this.skips(bead.bead_type)) {
        this.counts.skipped += 1;
        return SKIPPED;
      }
      const hash = beadHash(bead);
      if (!hashMatches(hash, claim.hash)) return this.broken(edited(rowAt(entry, bead), claim.host));
      this.recent.set(bead.bead_id, hash);
      if (this.options.mark !== false) markSealed(bead);
      this.counts.sealed += 1;
      return SEALED;
    }
    if (!this.knownHosts.has(bead.host_id)) {
      this.counts.foreign += 1;
      return FOREIGN;
    }
    const skipped = this.skips(bead.bead_type);
    const held = !skipped && isHostOnlyFact(bead);
    this.waiting.add(bead.bead_id, { host: bead.host_id, at: rowAt(entry, bead), bead, held, ...(skipped ? {} : { hash: beadHash(bead) }) });
    return held ? AWAIT : skipped ? SKIPPED : FOREIGN;
  }

  /**
   * One stored row as its text (the SQLite audit's fast path): a bead a seal
   * lists is checked by hashing the text the log holds, which is its
   * canonical form, with no parse; so is one under a sealing host's name
   * that waits for its seal. Anything else is parsed and checked as usual.
   * `decode` turns the text into the entry a reader would get.
   */
  checkText(row: { position: number; stream: string; revision: number; beadId: string; beadType: string; json: string; tag?: string | null }, decode: (json: string) => LogEntry): CheckResult {
    if (this.options.verifyTypes !== undefined || row.stream.startsWith('chain-')) return this.check(decode(row.json));
    const inRun = this.runAt(row.position);
    const at: RowAt = { position: row.position, stream: row.stream, revision: row.revision, beadId: row.beadId, beadType: row.beadType };
    const reparse = () => {
      const entry = decode(row.json);
      return entry.kind === 'bead' ? entry.bead : undefined;
    };
    const tagged = row.tag == null ? undefined : this.tagged(row.tag, at, () => hashesOfText(row.json, reparse));
    if (tagged) return tagged;
    const claim = inRun ?? this.claims.get(row.beadId);
    if (!claim) {
      const host = hostHint(row.json);
      if (host === undefined || !this.knownHosts.has(host)) return this.check(decode(row.json));
      this.waiting.add(row.beadId, { host, at, hash: textHash(row.json), reparse, held: false });
      return FOREIGN;
    }
    if (!inRun) this.unclaim(row.beadId);
    const hash = textHash(row.json);
    if (!this.sameHash(hash, claim.hash, reparse)) return this.broken(edited(at, claim.host));
    this.recent.set(row.beadId, hash);
    this.counts.sealed += 1;
    return SEALED;
  }

  /** The reader settled a waiting bead itself (its own write, a bead from before the chain, a tail no seal follows). */
  forget(beadId: string): void {
    this.waiting.take(beadId);
  }

  /**
   * At the end of a read: beads the last seals listed that never came
   * (strict), and the beads still waiting, which no seal follows. In a full
   * audit each host's fact among them is UNSEALED; a reader that may have
   * started after their seal (LOOKUP) must look them up.
   */
  finish(): Settled[] {
    this.run.end(Number.POSITIVE_INFINITY, this.options.strict);
    if (this.options.strict) for (const [host, chain] of this.hosts) this.reportMissing(host, chain, []);
    const settled = this.waiting.takeAll().map(([id, w]) => this.unlisted(id, w, 'TAIL'));
    if (this.options.strict) this.findings.sort((a, b) => a.position - b.position);
    return settled;
  }

  private seal(seal: SealBead, at: RowAt): CheckResult {
    if (!sealIsGenuine(this.key, seal)) {
      return this.broken({ kind: 'FORGED_SEAL', ...at, why: `seal ${seal.data.seq} of ${seal.host_id} does not carry the chain key's MAC: forged, or edited` });
    }
    const host = seal.host_id;
    this.run.end(at.position, this.options.strict);
    this.knownHosts.add(host);
    const chain = this.hosts.get(host) ?? { pending: new Set<string>() };
    this.hosts.set(host, chain);
    const d = seal.data;
    const firstInView = chain.lastSeq === undefined;
    let finding: ChainFinding | undefined;
    if (this.options.strict) {
      this.reportMissing(host, chain, d.retracts ?? []);
      const why = brokenLink(seal, chain);
      if (why !== undefined) finding = this.broken({ kind: 'BROKEN_LINK', ...at, why }).finding;
    }
    chain.lastSeq = d.seq;
    chain.lastMac = d.mac;
    chain.lastSeal = { position: at.position, seq: d.seq };
    chain.pending = new Set();
    if (d.run !== undefined) this.run.start(host, d.seq, at.position, d.run);
    const settled: Settled[] = [];
    for (const line of d.beads) {
      const e = parseSealEntry(line);
      if (!e) continue;
      const w = this.waiting.take(e.id);
      const seen = w ? undefined : this.recent.get(e.id);
      if (w) settled.push(this.listed(e.id, w, e.hash));
      else if (seen !== e.hash && seen !== REFUSED) {
        this.claims.set(e.id, { hash: e.hash, host });
        chain.pending.add(e.id);
      }
    }
    // Everything the host wrote since its last seal is listed by this one: what is not was written by something else.
    for (const [id, w] of this.waiting.takeHost(host)) settled.push(this.unlisted(id, w, firstInView ? (d.seq === 0 ? 'GENESIS' : 'FIRST_IN_VIEW') : 'BETWEEN'));
    if (this.options.mark !== false) markSealed(seal);
    this.counts.seals += 1;
    return { verdict: finding ? 'BROKEN' : 'SEALED', ...(finding ? { finding } : {}), settled };
  }

  /**
   * A bead that carries its own seal in its row (tag.ts): proven against the
   * seal of its host in view before it, which the tag names. Undefined when
   * no seal of that host is in view yet (a reader that started part-way):
   * it is then settled as any bead is, by the next seal (which lists it) or
   * a lookup.
   */
  private tagged(text: string, at: RowAt, hashes: () => Iterable<string>, bead?: Bead): CheckResult | undefined {
    const tag = parseTag(text);
    if (!tag) return this.broken({ kind: 'EDITED', ...at, why: unreadableTag(at) });
    const chain = this.hosts.get(tag.host);
    if (chain?.lastSeq === undefined || chain.lastMac === undefined) return undefined;
    if (this.skips(at.beadType)) {
      this.counts.skipped += 1;
      return SKIPPED;
    }
    // The row is here, proven or not: a seal that lists it does not count it missing.
    this.unclaim(at.beadId);
    const judged = judgeTag(this.key, tag, { seq: chain.lastSeq, mac: chain.lastMac }, at, hashes);
    this.recent.set(at.beadId, judged.ok ? judged.hash : REFUSED);
    if (!judged.ok) return this.broken({ kind: judged.kind, ...at, why: judged.why });
    if (bead && this.options.mark !== false) markSealed(bead);
    this.counts.sealed += 1;
    return SEALED;
  }

  /** A bead a seal listed has come: no longer pending. */
  private unclaim(id: string): void {
    const claim = this.claims.get(id);
    if (!claim) return;
    this.claims.delete(id);
    this.hosts.get(claim.host)?.pending.delete(id);
  }

  private runAt(position: number): { hash: string; host: string } | undefined {
    return this.run.at(position, this.options.strict);
  }

  /** A waiting bead its seal lists: proven, or edited since. */
  private listed(id: string, w: Waiting, hash: string): Settled {
    if (w.hash === undefined) {
      this.counts.skipped += 1;
      return { beadId: id, verdict: 'SKIPPED', held: w.held };
    }
    if (!this.sameHash(w.hash, hash, w.reparse)) return { beadId: id, held: w.held, ...this.broken(edited(w.at, w.host)) };
    this.recent.set(id, w.hash);
    if (w.bead && this.options.mark !== false) markSealed(w.bead);
    this.counts.sealed += 1;
    return { beadId: id, verdict: 'SEALED', held: w.held };
  }

  /**
   * A waiting bead no seal of its host lists. Not a host's fact: another
   * process's word. A host's fact: written by something else, unless it
   * came before the host's chain began (GENESIS), or before the reader
   * could see the seal that listed it (FIRST_IN_VIEW, not in a full audit).
   */
  private unlisted(id: string, w: Waiting, when: 'BETWEEN' | 'GENESIS' | 'FIRST_IN_VIEW' | 'TAIL'): Settled {
    const bead = w.bead ?? w.reparse?.();
    if (!bead || !isHostOnlyFact(bead) || this.skips(bead.bead_type) || when === 'GENESIS') {
      this.counts.foreign += 1;
      return { beadId: id, verdict: 'FOREIGN', held: w.held };
    }
    if (!this.options.strict && (when === 'FIRST_IN_VIEW' || when === 'TAIL')) return { beadId: id, verdict: 'LOOKUP', held: w.held };
    const why =
      when === 'TAIL'
        ? `${bead.bead_type} bead ${id} carries host ${w.host}'s name, and no seal of ${w.host} follows it: the host stopped before sealing it, or it was slipped in`
        : `${bead.bead_type} bead ${id} carries host ${w.host}'s name, and no seal of ${w.host} lists it: ${unlistedBecause(bead as Bead)}`;
    return { beadId: id, held: w.held, ...this.broken({ kind: 'UNSEALED', ...w.at, why }) };
  }

  private sameHash(hash: string, sealed: string, reparse?: () => { bead_type: string } | undefined): boolean {
    if (hashMatches(hash, sealed)) return true;
    // Text written some other way than the log's own validation (a bulk import) is checked in its canonical form.
    const bead = reparse?.();
    return bead !== undefined && hashMatches(beadHash(bead as Parameters<typeof beadHash>[0]), sealed);
  }

  private skips(type: string): boolean {
    return this.options.verifyTypes !== undefined && !this.options.verifyTypes.has(type as BeadType);
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

  private broken(finding: ChainFinding): { verdict: 'BROKEN'; finding: ChainFinding } {
    if (this.options.strict) this.findings.push(finding);
    return { verdict: 'BROKEN', finding };
  }
}
