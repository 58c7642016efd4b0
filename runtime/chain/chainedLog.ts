import type { Bead, BeadType, Clock, IdSource, Mode } from '../../beads/index.ts';
import type { AppendResult, CommitOpener, EntryHandler, EventLog, ExpectedRevision, LogEntry, ReadAllOptions, ReadStreamOptions, StreamAppend, SubscribeOptions, Subscription, WrittenRows } from '../../store/port.ts';
import { BLOCK_MS, BlockSealer } from './blockSealer.ts';
import { beadHash, textHash } from './canonical.ts';
import { type ChainFinding, ChainChecker } from './checker.ts';
import { ChainReader } from './chainReader.ts';
import { isHostOnlyFact, sealsAtOnce } from './hostOnly.ts';
import { SealLookup } from './lookup.ts';
import { isSeal, markSealed, RUN_HASH, type SealBead, sealIsGenuine } from './seal.ts';

/**
 * The host's log (issue 17): every bead this process appends, whichever
 * BeadWriter or store helper appends it, is sealed into the host's chain
 * (a SEAL listing it with its hash, chained to the seal before and signed
 * with the chain key), in its own commit or in a block (blockSealer.ts),
 * or on SQLite, alone in its commit, by a tag in its own row (tag.ts);
 * and every read is checked against the chains (chainReader.ts). A bead that
 * breaks them (edited, slipped in under a host's name, sealed by a forged
 * seal) is reported as a finding and handed to the reader as an unreadable
 * record, so no fold that could move money or open a gate ever sees it.
 * Beads other processes wrote under their own names pass through unsealed:
 * `isSealed` tells them apart, and each must prove itself (a decision its
 * TOTP, a kill-flag clear its operator) to the host that acts on it.
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

/** What a commit's seal work came to: a seal, or beads for the block (one of them tagged: its own row carries its seal). */
interface Made {
  seal?: SealBead;
  ids?: string[];
  hashes?: string[];
  tag?: string;
}

export class ChainedLog implements EventLog {
  readonly name: EventLog['name'];
  readonly atomicAcrossStreams: boolean;
  private queue: Promise<unknown> = Promise.resolve();
  private readonly sealer: BlockSealer;
  private readonly lookup: SealLookup;
  private flushTimer: ReturnType<typeof setTimeout> | undefined;

  private constructor(
    private readonly inner: EventLog,
    private readonly o: ChainedLogOptions,
  ) {
    this.name = inner.name;
    this.atomicAcrossStreams = inner.atomicAcrossStreams;
    this.lookup = new SealLookup(inner, o.key);
    this.sealer = new BlockSealer(o);
  }

  /**
   * Picks the host's chain up where it ended: the last seal, if genuine, is
   * the one the next names. One that is not (the chain's tail was tampered
   * with) is reported, and the chain starts again from a marked restart.
   */
  static async open(inner: EventLog, o: ChainedLogOptions): Promise<ChainedLog> {
    const log = new ChainedLog(inner, o);
    const [last] = await inner.readStream(log.sealer.chainStream, { direction: 'backwards', limit: 1 });
    if (last?.kind === 'bead' && isSeal(last.bead) && sealIsGenuine(o.key, last.bead)) {
      log.sealer.resume(last.bead.data.seq + 1, last.bead.data.mac);
    } else if (last) {
      o.onFinding?.({ kind: 'FORGED_SEAL', position: last.position, stream: last.stream, revision: last.revision, why: `the last seal of ${o.hostId} is not genuine: the chain goes on from a marked restart` });
      log.sealer.resume(last.revision + 1, `RESTART after revision ${last.revision}`);
    }
    return log;
  }

  append(stream: string, beads: readonly Bead[], expected: ExpectedRevision = 'any'): Promise<AppendResult> {
    return this.inTurn(() => this.commit([{ stream, beads, expected }])).then((r) => r[0]!);
  }

  appendMany(appends: readonly StreamAppend[]): Promise<AppendResult[]> {
    return this.inTurn(() => this.commit(appends));
  }

  /** Seals the block now (a commit of the seal alone): at close, and when a block has waited BLOCK_MS with no commit to carry its seal. */
  flush(): Promise<void> {
    return this.inTurn(async () => {
      if (this.sealer.blockSize === 0) return;
      const seal = this.sealer.sealOf({ fresh: [], hashes: [] });
      await this.inner.appendMany([{ stream: this.sealer.chainStream, beads: [seal], expected: 'any' }]);
      this.sealer.sealed(seal);
    });
  }

  /** One commit at a time: a seal's number and the seal it names are those of the commit before it. */
  private inTurn<T>(work: () => Promise<T>): Promise<T> {
    const run = this.queue.then(work);
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** What the commit under way made: one commit at a time (inTurn), so one field, and one opener for every commit. */
  private made: Made = {};
  private readonly opener: CommitOpener = {
    make: (rows) => {
      this.made = this.fromRows(rows);
      const { seal, tag } = this.made;
      return seal ? { head: seal } : tag === undefined ? undefined : { tag };
    },
  };

  private async commit(appends: readonly StreamAppend[]): Promise<AppendResult[]> {
    let made: Made = {};
    let results: AppendResult[];
    try {
      if (this.inner.appendOpened) {
        this.made = {};
        try {
          results = await this.inner.appendOpened(appends, this.opener);
        } finally {
          made = this.made;
        }
      } else {
        made = this.fromBeads(this.sealer.fresh(appends));
        const head = made.seal;
        results = head ? (await this.inner.appendMany([{ stream: head.stream, beads: [head], expected: 'any' }, ...appends])).slice(1) : await this.inner.appendMany(appends);
      }
    } catch (err) {
      // All or nothing where the log allows it; elsewhere the seal may stand without its beads, and the next seal says so.
      if (made.seal && !this.inner.atomicAcrossStreams) this.sealer.failed(made.seal);
      throw err;
    }
    // Neither the beads appended nor their seal are marked: every log hands its readers its own copies, which their reads prove.
    if (made.seal) {
      this.sealer.sealed(made.seal);
    } else if (made.ids && made.ids.length > 0) {
      this.sealer.deferred(made.ids, made.hashes!);
      this.flushLater();
    }
    return results;
  }

  /** A bead under another name is sealed at once: a reader waits for a later seal only for beads under the sealing host's own name. */
  private readonly atOnce = (bead: Bead): boolean => bead.host_id !== this.o.hostId || sealsAtOnce(bead);

  /** The seal of a commit from the rows the log writes (SQLite): each row's hash over the text it stores, as a run. */
  private fromRows(rows: readonly WrittenRows[]): Made {
    let count = 0;
    let atOnce = false;
    let near: string | undefined;
    for (const r of rows) {
      count += r.beads.length;
      near ??= r.beads[0]?.bead_id;
      if (!atOnce) atOnce = r.beads.some(this.atOnce);
    }
    if (count === 0) return {};
    // One bead sealed at once, and nothing else due: its seal goes in its own row (tag.ts), and it joins the block too.
    if (count === 1 && atOnce && !this.sealer.mustSeal(count, false)) {
      const bead = rows.find((r) => r.beads.length === 1)!;
      const hash = textHash(bead.texts[0]!);
      return { ids: [bead.beads[0]!.bead_id], hashes: [hash], tag: this.sealer.tagOf(hash) };
    }
    if (this.sealer.mustSeal(count, atOnce)) {
      let run = '';
      for (const r of rows) for (const text of r.texts) run += textHash(text).slice(0, RUN_HASH);
      return { seal: this.sealer.sealOf({ run, near }) };
    }
    const ids: string[] = [];
    const hashes: string[] = [];
    for (const r of rows) {
      for (let i = 0; i < r.beads.length; i++) {
        ids.push(r.beads[i]!.bead_id);
        hashes.push(textHash(r.texts[i]!));
      }
    }
    return { ids, hashes };
  }

  /** The same on a log that does not hand over its rows: hashes over the canonical form, each bead listed by id. */
  private fromBeads(fresh: readonly Bead[]): Made {
    if (fresh.length === 0) return {};
    const hashes = this.sealer.hashes(fresh);
    if (this.sealer.mustSeal(fresh.length, fresh.some(this.atOnce))) return { seal: this.sealer.sealOf({ fresh, hashes }) };
    return { ids: fresh.map((b) => b.bead_id), hashes };
  }

  /** A block that no later commit carries is sealed on its own once it is BLOCK_MS old (the timer holds no process open). */
  private flushLater(): void {
    if (this.flushTimer !== undefined) return;
    this.flushTimer = setTimeout(() => {
      this.flushTimer = undefined;
      // A failing log says so to the next append; the block stays and is sealed by the next commit that can be.
      this.flush().catch(() => undefined);
    }, BLOCK_MS);
    this.flushTimer.unref?.();
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
    const self = this;
    const wanted = (e: LogEntry) => types === undefined || types.includes('SEAL') || !(e.kind === 'bead' && e.bead.bead_type === 'SEAL');
    return {
      async *[Symbol.asyncIterator]() {
        const reader = self.reader();
        let given = 0;
        for await (const entry of inner) {
          const ready = reader.take(entry);
          for (const out of ready instanceof Promise ? await ready : ready) {
            if (!wanted(out)) continue;
            yield out;
            given += 1;
            if (types !== undefined && limit !== undefined && given >= limit) return;
          }
        }
        const rest = reader.end();
        for (const out of rest instanceof Promise ? await rest : rest) if (wanted(out)) yield out;
      },
    };
  }

  subscribe(handler: EntryHandler, options?: SubscribeOptions): Subscription {
    const reader = this.reader();
    return this.inner.subscribe(async (entry) => {
      const ready = reader.take(entry);
      for (const out of ready instanceof Promise ? await ready : ready) await handler(out);
    }, options);
  }

  async close(): Promise<void> {
    clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    // The block is sealed before the log closes; a log that cannot take it leaves it for the next start to read as unproven.
    await this.flush().catch(() => undefined);
    return this.inner.close();
  }

  private reader(): ChainReader {
    const checker = new ChainChecker(this.o.key, { strict: false, knownHosts: [this.o.hostId], ...(this.o.verifyTypes ? { verifyTypes: this.o.verifyTypes } : {}) });
    return new ChainReader(checker, {
      hostId: this.o.hostId,
      blockHash: (id) => this.sealer.blockHash(id),
      checks: (type) => !this.o.verifyTypes || this.o.verifyTypes.has(type as BeadType),
      firstSealAt: (host) => this.lookup.firstSealAt(host),
      sealFollows: (host, position) => this.lookup.sealFollows(host, position),
      knownFirstSeal: (host) => this.lookup.knownFirstSeal(host),
      knownSealAfter: (host, position) => this.lookup.knownSealAfter(host, position),
      proveOne: (entry) => this.proveOne(entry),
      refuse: (entry, finding) => this.refuse(entry, finding),
    });
  }

  /** One bead out of global order: proven by its seal (or this process's block) when it carries a sealing host's name. */
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
    const own = this.sealer.blockHash(bead.bead_id);
    if (own !== undefined && own === beadHash(bead)) {
      markSealed(bead);
      return entry;
    }
    const proven = await this.lookup.prove(bead, entry.position, entry.tag);
    if (proven.ok || proven.legacy) return entry;
    const kind = proven.why.includes('edited') ? 'EDITED' : 'UNSEALED';
    return this.refuse(entry, { kind, position: entry.position, stream: entry.stream, revision: entry.revision, beadId: bead.bead_id, beadType: bead.bead_type, why: proven.why });
  }

  private refuse(entry: LogEntry, finding: ChainFinding): LogEntry {
    this.o.onFinding?.(finding);
    return { kind: 'corrupt', position: entry.position, stream: entry.stream, revision: entry.revision, reason: `SECURITY: ${finding.why}` };
  }
}
