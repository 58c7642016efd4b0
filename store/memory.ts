import type { Bead } from '../beads/index.ts';
import type { AppendResult, EntryHandler, EventLog, ExpectedRevision, LogEntry, ReadAllOptions, ReadStreamOptions, StreamAppend, SubscribeOptions, Subscription } from './port.ts';
import { AppendSignal } from './appendSignal.ts';
import { ENTRIES_PER_TURN, nextTurn } from './nextTurn.ts';
import { prepareAppend } from './prepareAppend.ts';
import { pumpSubscription } from './pump.ts';
import { checkExpectedRevision } from './revision.ts';

/** The in-memory adapter, for unit tests and benchmarks. Same semantics as the others. */
export class MemoryEventLog implements EventLog {
  readonly name = 'memory' as const;
  private readonly all: Extract<LogEntry, { kind: 'bead' }>[] = [];
  private readonly byStream = new Map<string, number[]>();
  private readonly ids = new Map<string, { stream: string; revision: number; position: number }>();
  private readonly appended = new AppendSignal();
  private closed = false;

  readonly atomicAcrossStreams = true;

  async append(stream: string, beads: readonly Bead[], expected: ExpectedRevision = 'any'): Promise<AppendResult> {
    return (await this.appendMany([{ stream, beads, expected }]))[0]!;
  }

  async appendMany(appends: readonly StreamAppend[]): Promise<AppendResult[]> {
    if (this.closed) throw new Error('memory log is closed');
    const prepared = appends.map((a) => ({ ...a, beads: prepareAppend(a.stream, a.beads) }));
    const mark = this.all.length;
    try {
      const results = prepared.map((a) => this.store(a.stream, a.beads, a.expected ?? 'any'));
      this.appended.fire();
      return results;
    } catch (err) {
      this.rollBackTo(mark);
      throw err;
    }
  }

  private store(stream: string, beads: readonly Bead[], expected: ExpectedRevision): AppendResult {
    const fresh = beads.filter((b) => !this.ids.has(b.bead_id));
    const indexes = this.byStream.get(stream) ?? [];
    const actual = indexes.length - 1;
    if (fresh.length === 0 && beads.length > 0) {
      // A retried append: every bead is already stored, so it is a no-op.
      const last = this.ids.get(beads[beads.length - 1]!.bead_id)!;
      return { nextRevision: last.revision, position: last.position };
    }
    checkExpectedRevision(stream, expected, actual);
    let revision = actual;
    for (const bead of fresh) {
      revision += 1;
      const position = this.all.length;
      this.all.push({ kind: 'bead', position, stream, revision, bead });
      indexes.push(position);
      this.ids.set(bead.bead_id, { stream, revision, position });
    }
    this.byStream.set(stream, indexes);
    return { nextRevision: revision, position: this.all.length - 1 };
  }

  /** Undoes a multi-stream append that failed part-way: all or none, as on SQLite. */
  private rollBackTo(length: number): void {
    for (const entry of this.all.splice(length)) {
      this.ids.delete(entry.bead.bead_id);
      const indexes = this.byStream.get(entry.stream)!;
      indexes.pop();
      if (indexes.length === 0) this.byStream.delete(entry.stream);
    }
  }

  async readStream(stream: string, options: ReadStreamOptions = {}): Promise<LogEntry[]> {
    const indexes = this.byStream.get(stream) ?? [];
    const entries = indexes.map((i) => this.all[i]!);
    return sliceStream(entries, options);
  }

  /** Hand-rolled rather than an async generator, as pagesAfter is: a replay takes a million entries through it. */
  readAll(options: ReadAllOptions = {}): AsyncIterable<LogEntry> {
    const all = this.all;
    const start = options.after === undefined ? 0 : options.after + 1;
    const limit = options.limit ?? Number.POSITIVE_INFINITY;
    const types = options.types === undefined ? undefined : new Set<string>(options.types);
    const done: IteratorReturnResult<undefined> = { done: true, value: undefined };
    return {
      [Symbol.asyncIterator]: () => {
        let i = start;
        let handed = 0;
        // The log as it stood when the read began; a subscriber reads again for what came after.
        const end = types === undefined ? Math.min(all.length, start + limit) : all.length;
        const next = (): IteratorResult<LogEntry> => {
          if (types !== undefined) while (i < end && !types.has(all[i]!.bead.bead_type)) i += 1;
          if (i >= end || handed >= limit) return done;
          handed += 1;
          return { done: false, value: all[i++]! };
        };
        // A turn of the event loop every so many entries handed out, as on SQLite (see nextTurn.ts).
        return { next: () => (handed > 0 && handed % ENTRIES_PER_TURN === 0 && i < end && handed < limit ? nextTurn().then(next) : Promise.resolve(next())) };
      },
    };
  }

  subscribe(handler: EntryHandler, options: SubscribeOptions = {}): Subscription {
    return pumpSubscription(
      {
        readAfter: (after) => this.readAll(after === undefined ? {} : { after }),
        onAppend: (wake) => this.appended.listen(wake, options.urgent),
        pollMs: 0,
      },
      handler,
      options,
    );
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}

/** Applies from / direction / limit to a stream's entries held in revision order. */
export function sliceStream(entries: LogEntry[], options: ReadStreamOptions): LogEntry[] {
  const backwards = options.direction === 'backwards';
  let list = backwards ? [...entries].reverse() : entries;
  if (options.from !== undefined) {
    const from = options.from;
    list = list.filter((e) => (backwards ? e.revision <= from : e.revision >= from));
  }
  return options.limit === undefined ? list : list.slice(0, options.limit);
}
