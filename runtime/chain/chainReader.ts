import type { LogEntry } from '../../store/port.ts';
import { beadHash } from './canonical.ts';
import type { ChainChecker, ChainFinding, Settled } from './checker.ts';
import { markSealed } from './seal.ts';

/** What a reader of the host's log leans on: its own block, the seal lookup, and how a refused row is reported. */
export interface ReaderPorts {
  hostId: string;
  /** The hash this process wrote for a bead it has not sealed yet. */
  blockHash(beadId: string): string | undefined;
  /** Whether the bead's type is one the reader checks. */
  checks(type: string): boolean;
  firstSealAt(hostId: string): Promise<number>;
  sealFollows(hostId: string, position: number): Promise<boolean>;
  /** The same from what is known already, without I/O: undefined when not known. */
  knownFirstSeal(hostId: string): number | undefined;
  knownSealAfter(hostId: string, position: number): boolean;
  /** A bead whose seal the reader never saw: proven (or refused) by looking its seal up. */
  proveOne(entry: LogEntry): Promise<LogEntry>;
  refuse(entry: LogEntry, finding: ChainFinding): LogEntry;
}

interface Item {
  entry: LogEntry;
  out?: LogEntry | Promise<LogEntry>;
}

/**
 * One reader's pass over the host's log, in order (issue 17). A host's fact
 * whose seal comes later (block sealing) is held back, and everything after
 * it with it, until that seal settles it: so a fold sees each bead in log
 * order, and only once it is proven. Nothing is held that no seal will
 * settle: this process's own unsealed beads are proven from its block, a
 * bead from before its host's chain passes as unproven, and one after its
 * host's last seal (a crash's tail, or slipped in) is refused at once.
 */
export class ChainReader {
  private readonly items: Item[] = [];
  private readonly heldById = new Map<string, Item>();

  constructor(
    private readonly checker: ChainChecker,
    private readonly ports: ReaderPorts,
  ) {}

  /**
   * Takes the next entry of the read; returns the entries now ready, in
   * order. Synchronous unless a bead must be looked up (a replay takes a
   * million entries through here, and a promise each is a tenth of its time).
   */
  take(entry: LogEntry): LogEntry[] | Promise<LogEntry[]> {
    if (entry.kind === 'bead' && entry.bead.host_id === this.ports.hostId && entry.bead.bead_type !== 'SEAL') {
      const own = this.ports.blockHash(entry.bead.bead_id);
      if (own !== undefined) {
        // Written by this process and not sealed yet: proven by the hash it wrote (checked where it matters).
        const ok = !this.ports.checks(entry.bead.bead_type) || beadHash(entry.bead) === own;
        if (ok) markSealed(entry.bead);
        this.items.push({ entry, out: ok ? entry : this.ports.refuse(entry, edited(entry)) });
        return this.release();
      }
    }
    const result = this.checker.check(entry);
    // Nothing held back and nothing to settle: the entry goes straight out (most of a long read).
    if (this.items.length === 0 && result.settled === undefined && (result.verdict === 'FOREIGN' || result.verdict === 'SKIPPED' || result.verdict === 'SEALED')) return [entry];
    const item: Item = { entry };
    this.items.push(item);
    if (result.verdict === 'AWAIT') {
      const known = this.judgeKnown(entry);
      if (known === undefined) return this.judge(entry).then((out) => this.place(item, out, result.settled));
      return this.place(item, known, result.settled);
    }
    if (result.verdict === 'BROKEN' && result.finding) item.out = this.ports.refuse(entry, result.finding);
    else if (result.verdict === 'LOOKUP') item.out = this.ports.proveOne(entry);
    else item.out = entry;
    for (const s of result.settled ?? []) this.settle(s);
    return this.release();
  }

  /** The read is over: what still waits has no seal after it in this read, and is looked up. */
  end(): LogEntry[] | Promise<LogEntry[]> {
    for (const s of this.checker.finish()) this.settle(s);
    for (const item of this.heldById.values()) item.out = this.ports.proveOne(item.entry);
    this.heldById.clear();
    return this.release();
  }

  private place(item: Item, out: LogEntry | Promise<LogEntry> | 'HOLD', settled: readonly Settled[] | undefined): LogEntry[] | Promise<LogEntry[]> {
    if (out === 'HOLD') this.heldById.set((item.entry as Extract<LogEntry, { kind: 'bead' }>).bead.bead_id, item);
    else item.out = out;
    for (const s of settled ?? []) this.settle(s);
    return this.release();
  }

  /** The common case, from what the lookup already knows: a bead of the chain (no I/O), held for the seal that follows it. */
  private judgeKnown(entry: LogEntry): 'HOLD' | undefined {
    const { bead, position } = entry as Extract<LogEntry, { kind: 'bead' }>;
    const first = this.ports.knownFirstSeal(bead.host_id);
    return first !== undefined && position > first && this.ports.knownSealAfter(bead.host_id, position) ? 'HOLD' : undefined;
  }

  private async judge(entry: LogEntry): Promise<LogEntry | Promise<LogEntry> | 'HOLD'> {
    const { bead, position } = entry as Extract<LogEntry, { kind: 'bead' }>;
    if (position < (await this.ports.firstSealAt(bead.host_id))) {
      this.checker.forget(bead.bead_id);
      return entry;
    }
    if (await this.ports.sealFollows(bead.host_id, position)) return 'HOLD';
    this.checker.forget(bead.bead_id);
    return this.ports.proveOne(entry);
  }

  private settle(s: Settled): void {
    if (!s.held) return;
    const item = this.heldById.get(s.beadId);
    if (!item) return;
    this.heldById.delete(s.beadId);
    if (s.verdict === 'BROKEN' && s.finding) item.out = this.ports.refuse(item.entry, s.finding);
    else if (s.verdict === 'LOOKUP') item.out = this.ports.proveOne(item.entry);
    else item.out = item.entry;
  }

  private release(): LogEntry[] | Promise<LogEntry[]> {
    const ready: LogEntry[] = [];
    while (this.items.length > 0 && this.items[0]!.out !== undefined) {
      const out = this.items[0]!.out;
      if (out instanceof Promise) return this.releaseAsync(ready);
      this.items.shift();
      ready.push(out);
    }
    return ready;
  }

  private async releaseAsync(ready: LogEntry[]): Promise<LogEntry[]> {
    while (this.items.length > 0 && this.items[0]!.out !== undefined) ready.push(await this.items.shift()!.out!);
    return ready;
  }
}

function edited(entry: LogEntry): ChainFinding {
  const { bead } = entry as Extract<LogEntry, { kind: 'bead' }>;
  return { kind: 'EDITED', position: entry.position, stream: entry.stream, revision: entry.revision, beadId: bead.bead_id, beadType: bead.bead_type, why: `${bead.bead_type} bead ${bead.bead_id} differs from what this host wrote: the row was edited` };
}
