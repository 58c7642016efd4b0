import { type Bead, type BeadType, type Clock, type IdSource, type Mode, stamp } from '../../beads/index.ts';
import type { AppendResult, EntryHandler, EventLog, ExpectedRevision, LogEntry, ReadAllOptions, ReadStreamOptions, StreamAppend, SubscribeOptions, Subscription } from '../../store/port.ts';
import { isoAt } from '../clock.ts';
import { type ChainFinding, ChainChecker } from './checker.ts';
import { isHostOnlyFact } from './hostOnly.ts';
import { SealLookup } from './lookup.ts';
import { chainStreamOf, GENESIS, isSeal, markSealed, RecentKeys, sealEntry, sealIds, sealIsGenuine, sealMac } from './seal.ts';

/**
 * The host's log (issue 17): every append this process makes, whichever
 * BeadWriter or store helper makes it, is one commit that opens with a SEAL
 * listing its beads, chained to the seal before and signed with the chain
 * key; and every read is checked against the chains. A bead that breaks
 * them (edited, slipped in under a host's name, sealed by a forged seal) is
 * reported as a finding and handed to the reader as an unreadable record, so
 * no fold that could move money or open a gate ever sees it. Beads other
 * processes wrote under their own names pass through unsealed: `isSealed`
 * tells them apart, and each must prove itself (a decision its TOTP, a
 * kill-flag clear its operator) to the host that acts on it.
 */

export interface ChainedLogOptions {
  key: Buffer;
  hostId: string;
  mode: Mode;
  clock: Clock;
  ids?: IdSource;
  /** Types whose beads reads check (default: all). Heartbeats move no money; a host's own readers may skip them. */
  verifyTypes?: ReadonlySet<BeadType>;
  onFinding?: (finding: ChainFinding) => void;
}

const RECENTLY_SEALED = 4096;

export class ChainedLog implements EventLog {
  readonly name: EventLog['name'];
  readonly atomicAcrossStreams: boolean;
  private seq = 0;
  private prev = GENESIS;
  private retract: number[] = [];
  private queue: Promise<unknown> = Promise.resolve();
  private readonly sealedIds = new RecentKeys(RECENTLY_SEALED);
  private readonly lookup: SealLookup;
  private readonly chainStream: string;
  private readonly ids = sealIds();

  private constructor(
    private readonly inner: EventLog,
    private readonly o: ChainedLogOptions,
  ) {
    this.name = inner.name;
    this.atomicAcrossStreams = inner.atomicAcrossStreams;
    this.lookup = new SealLookup(inner, o.key);
    this.chainStream = chainStreamOf(o.hostId);
  }

  /**
   * Picks the host's chain up where it ended: the last seal, if genuine, is
   * the one the next names. One that is not (the chain's tail was tampered
   * with) is reported, and the chain starts again from a marked restart.
   */
  static async open(inner: EventLog, o: ChainedLogOptions): Promise<ChainedLog> {
    const log = new ChainedLog(inner, o);
    const [last] = await inner.readStream(log.chainStream, { direction: 'backwards', limit: 1 });
    if (last?.kind === 'bead' && isSeal(last.bead) && sealIsGenuine(o.key, last.bead)) {
      log.seq = last.bead.data.seq + 1;
      log.prev = last.bead.data.mac;
    } else if (last) {
      o.onFinding?.({ kind: 'FORGED_SEAL', position: last.position, stream: last.stream, revision: last.revision, why: `the last seal of ${o.hostId} is not genuine: the chain goes on from a marked restart` });
      log.seq = last.revision + 1;
      log.prev = `RESTART after revision ${last.revision}`;
    }
    return log;
  }

  append(stream: string, beads: readonly Bead[], expected: ExpectedRevision = 'any'): Promise<AppendResult> {
    return this.appendSealed([{ stream, beads, expected }]).then((r) => r[0]!);
  }

  appendMany(appends: readonly StreamAppend[]): Promise<AppendResult[]> {
    return this.appendSealed(appends);
  }

  /** One commit at a time: a seal's number and the seal it names are those of the commit before it. */
  private appendSealed(appends: readonly StreamAppend[]): Promise<AppendResult[]> {
    const run = this.queue.then(() => this.commit(appends));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async commit(appends: readonly StreamAppend[]): Promise<AppendResult[]> {
    const covered: Bead[] = [];
    const listed = new Set<string>();
    for (const a of appends) {
      for (const b of a.beads) {
        if (listed.has(b.bead_id) || this.sealedIds.has(b.bead_id)) continue;
        listed.add(b.bead_id);
        covered.push(b);
      }
    }
    if (covered.length === 0) return this.inner.appendMany(appends);
    const fields = { hostId: this.o.hostId, seq: this.seq, prev: this.prev, beads: covered.map(sealEntry), ...(this.retract.length > 0 ? { retracts: [...this.retract] } : {}) };
    const mac = sealMac(this.o.key, fields);
    const seal = stamp(
      { bead_type: 'SEAL', stream: this.chainStream, correlation_id: this.chainStream, data: { seq: fields.seq, prev: fields.prev, beads: fields.beads, mac, ...(fields.retracts ? { retracts: fields.retracts } : {}) } },
      { bead_id: (this.o.ids ?? this.ids).next(), ts: isoAt(this.o.clock.now()), host_id: this.o.hostId, mode: this.o.mode },
    );
    let results: AppendResult[];
    try {
      results = await this.inner.appendMany([{ stream: this.chainStream, beads: [seal], expected: 'any' }, ...appends]);
    } catch (err) {
      // All or nothing where the log allows it; elsewhere the seal may stand without its beads, and the next seal says so.
      if (!this.inner.atomicAcrossStreams) this.advance(mac, [this.seq]);
      throw err;
    }
    this.advance(mac, []);
    markSealed(seal);
    for (const b of covered) {
      markSealed(b);
      this.sealedIds.set(b.bead_id, true);
    }
    return results.slice(1);
  }

  private advance(mac: string, retract: number[]): void {
    this.retract = retract;
    this.prev = mac;
    this.seq += 1;
  }

  async readStream(stream: string, options?: ReadStreamOptions): Promise<LogEntry[]> {
    const entries = await this.inner.readStream(stream, options);
    const out: LogEntry[] = [];
    for (const entry of entries) out.push(await this.proveOne(entry));
    return out;
  }

  readAll(options: ReadAllOptions = {}): AsyncIterable<LogEntry> {
    const { types, limit, ...rest } = options;
    // A reader of a few types still sees the seals, or it could prove nothing.
    const inner = this.inner.readAll(types === undefined ? options : { ...rest, types: [...types, 'SEAL'] });
    const checker = this.checker();
    const self = this;
    return {
      async *[Symbol.asyncIterator]() {
        let given = 0;
        for await (const entry of inner) {
          const checked = await self.checked(checker, entry);
          if (types !== undefined && checked.kind === 'bead' && checked.bead.bead_type === 'SEAL' && !types.includes('SEAL')) continue;
          yield checked;
          given += 1;
          if (types !== undefined && limit !== undefined && given >= limit) return;
        }
      },
    };
  }

  subscribe(handler: EntryHandler, options?: SubscribeOptions): Subscription {
    const checker = this.checker();
    return this.inner.subscribe(async (entry) => handler(await this.checked(checker, entry)), options);
  }

  close(): Promise<void> {
    return this.inner.close();
  }

  private checker(): ChainChecker {
    return new ChainChecker(this.o.key, { strict: false, knownHosts: [this.o.hostId], ...(this.o.verifyTypes ? { verifyTypes: this.o.verifyTypes } : {}) });
  }

  private async checked(checker: ChainChecker, entry: LogEntry): Promise<LogEntry> {
    const { verdict, finding } = checker.check(entry);
    if (verdict === 'LOOKUP') return this.proveOne(entry);
    if (verdict === 'BROKEN' && finding) return this.refuse(entry, finding);
    return entry;
  }

  /** One bead out of global order: proven by its seal when it carries a sealing host's name. */
  private async proveOne(entry: LogEntry): Promise<LogEntry> {
    if (entry.kind !== 'bead') return entry;
    const bead = entry.bead;
    if (isSeal(bead)) {
      if (sealIsGenuine(this.o.key, bead)) {
        markSealed(bead);
        return entry;
      }
      return this.refuse(entry, { kind: 'FORGED_SEAL', position: entry.position, stream: entry.stream, revision: entry.revision, beadId: bead.bead_id, beadType: 'SEAL', why: `seal ${bead.data.seq} of ${bead.host_id} does not carry the chain key's MAC: forged, or edited` });
    }
    if (bead.host_id !== this.o.hostId || !isHostOnlyFact(bead)) return entry;
    if (this.o.verifyTypes && !this.o.verifyTypes.has(bead.bead_type)) return entry;
    const proven = await this.lookup.prove(bead, entry.position);
    if (proven.ok || proven.legacy) return entry;
    const kind = proven.why.includes('edited') ? 'EDITED' : 'UNSEALED';
    return this.refuse(entry, { kind, position: entry.position, stream: entry.stream, revision: entry.revision, beadId: bead.bead_id, beadType: bead.bead_type, why: proven.why });
  }

  private refuse(entry: LogEntry, finding: ChainFinding): LogEntry {
    this.o.onFinding?.(finding);
    return { kind: 'corrupt', position: entry.position, stream: entry.stream, revision: entry.revision, reason: `SECURITY: ${finding.why}` };
  }
}
