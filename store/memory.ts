import type { Bead } from '../beads/index.ts';
import type { AppendResult, EntryHandler, EventLog, ExpectedRevision, LogEntry, ReadAllOptions, ReadStreamOptions, SubscribeOptions, Subscription } from './port.ts';
import { prepareAppend } from './prepareAppend.ts';
import { pumpSubscription } from './pump.ts';
import { checkExpectedRevision } from './revision.ts';

/** The in-memory adapter, for unit tests and benchmarks. Same semantics as the others. */
export class MemoryEventLog implements EventLog {
  readonly name = 'memory' as const;
  private readonly all: Extract<LogEntry, { kind: 'bead' }>[] = [];
  private readonly byStream = new Map<string, number[]>();
  private readonly ids = new Map<string, { stream: string; revision: number; position: number }>();
  private readonly listeners = new Set<() => void>();
  private closed = false;

  async append(stream: string, beads: readonly Bead[], expected: ExpectedRevision = 'any'): Promise<AppendResult> {
    if (this.closed) throw new Error('memory log is closed');
    const fresh = prepareAppend(stream, beads).filter((b) => !this.ids.has(b.bead_id));
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
    for (const wake of this.listeners) wake();
    return { nextRevision: revision, position: this.all.length - 1 };
  }

  async readStream(stream: string, options: ReadStreamOptions = {}): Promise<LogEntry[]> {
    const indexes = this.byStream.get(stream) ?? [];
    const entries = indexes.map((i) => this.all[i]!);
    return sliceStream(entries, options);
  }

  async *readAll(options: ReadAllOptions = {}): AsyncIterable<LogEntry> {
    const start = options.after === undefined ? 0 : options.after + 1;
    const end = options.limit === undefined ? this.all.length : Math.min(this.all.length, start + options.limit);
    for (let i = start; i < end; i++) yield this.all[i]!;
  }

  subscribe(handler: EntryHandler, options: SubscribeOptions = {}): Subscription {
    return pumpSubscription(
      {
        readAfter: (after) => this.readAll(after === undefined ? {} : { after }),
        onAppend: (wake) => {
          this.listeners.add(wake);
          return () => this.listeners.delete(wake);
        },
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
