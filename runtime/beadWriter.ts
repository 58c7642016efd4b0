import { type Bead, type BeadDraft, type Clock, type IdSource, type Mode, stamp } from '../beads/index.ts';
import { uuidV7Ids } from '../store/ids.ts';
import type { AppendResult, EventLog, ExpectedRevision } from '../store/port.ts';
import { isoAt } from './clock.ts';

/** Who writes, and with what time and ids: every bead a process writes carries the same host id and mode. */
export interface BeadIdentity {
  clock: Clock;
  /** Defaults to UUIDv7. */
  ids?: IdSource;
  hostId: string;
  mode: Mode;
}

export interface BeadWriterOptions extends BeadIdentity {
  log: EventLog;
}

export interface StampOptions {
  /** A machine's own event time (replay reads time from `ts`); default now. */
  at?: number;
  /** An id the caller chose (an alert's id is its RAISED bead's); default a fresh one. */
  beadId?: string;
}

export interface AppendOptions extends StampOptions {
  expected?: ExpectedRevision;
}

/**
 * THE place drafts become beads: identity and time are stamped here and
 * nowhere else. Builders that prepare beads to append later (the alert
 * outbox's delivery records, a token bead that rides with its write-ahead)
 * stamp through `stampBead` with the same identity; everything reaches the
 * log through a BeadWriter. The lease's own beads are the one exception:
 * they stay in store/lease.ts, below the runtime, because the single-writer
 * fence is the log's business.
 */
export function stampBead(identity: BeadIdentity, draft: BeadDraft, o: StampOptions = {}): Bead {
  const ids = identity.ids ?? uuidV7Ids;
  return stamp(draft, { bead_id: o.beadId ?? ids.next(), ts: isoAt(o.at ?? identity.clock.now()), host_id: identity.hostId, mode: identity.mode });
}

export class BeadWriter {
  constructor(private readonly options: BeadWriterOptions) {}

  get log(): EventLog {
    return this.options.log;
  }

  get identity(): BeadIdentity {
    return this.options;
  }

  /** `at` is for a machine's own event time; the default is now. */
  stamp(draft: BeadDraft, at?: number, beadId?: string): Bead {
    return stampBead(this.options, draft, { ...(at === undefined ? {} : { at }), ...(beadId === undefined ? {} : { beadId }) });
  }

  /** One draft, stamped and appended; answers with the bead as stored. */
  async append(draft: BeadDraft, o: AppendOptions = {}): Promise<Bead> {
    const bead = stampBead(this.options, draft, o);
    await this.options.log.append(bead.stream, [bead], o.expected ?? 'any');
    return bead;
  }

  /** Beads stamped earlier (stampBead), all of one stream, as one atomic append. */
  async appendStamped(beads: readonly Bead[], expected: ExpectedRevision = 'any'): Promise<AppendResult> {
    const stream = beads[0]?.stream;
    if (stream === undefined || beads.some((b) => b.stream !== stream)) throw new Error('BeadWriter.appendStamped takes beads of one stream');
    return this.options.log.append(stream, [...beads], expected);
  }

  /** Appends drafts that share one stream, in order, as one atomic append. */
  async write(drafts: BeadDraft | readonly BeadDraft[], expected: ExpectedRevision = 'any'): Promise<{ beads: Bead[]; result: AppendResult }> {
    const list = Array.isArray(drafts) ? (drafts as readonly BeadDraft[]) : [drafts as BeadDraft];
    const stream = list[0]?.stream;
    if (stream === undefined) throw new Error('BeadWriter.write needs at least one draft');
    if (list.some((d) => d.stream !== stream)) throw new Error('BeadWriter.write takes drafts of one stream; write each stream separately');
    const beads = list.map((d) => this.stamp(d));
    const result = await this.options.log.append(stream, beads, expected);
    return { beads, result };
  }

  /**
   * Stamped beads of any streams, in order, as one appendMany: one commit
   * where the log allows it (see EventLog.appendMany). Consecutive beads of
   * one stream share an entry; every stream is appended with 'any'.
   */
  async writeTogether(beads: readonly Bead[]): Promise<Bead[]> {
    const appends: { stream: string; beads: Bead[] }[] = [];
    for (const bead of beads) {
      const last = appends[appends.length - 1];
      if (last?.stream === bead.stream) last.beads.push(bead);
      else appends.push({ stream: bead.stream, beads: [bead] });
    }
    if (appends.length > 0) await this.options.log.appendMany(appends);
    return [...beads];
  }
}
