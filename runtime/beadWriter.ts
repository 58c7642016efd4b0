import { type Bead, type BeadDraft, type Clock, type IdSource, type Mode, stamp } from '../beads/index.ts';
import type { AppendResult, EventLog, ExpectedRevision } from '../store/port.ts';
import { isoAt } from './clock.ts';

export interface BeadWriterOptions {
  log: EventLog;
  clock: Clock;
  ids: IdSource;
  hostId: string;
  mode: Mode;
}

/**
 * The one place drafts become beads: identity and time are stamped from the
 * host's ports, then the beads are appended. Every actor writes through it,
 * so every bead carries the same host id and mode.
 */
export class BeadWriter {
  constructor(private readonly options: BeadWriterOptions) {}

  get log(): EventLog {
    return this.options.log;
  }

  /** `at` is for a machine's own event time; the default is now. */
  stamp(draft: BeadDraft, at?: number): Bead {
    const { clock, ids, hostId, mode } = this.options;
    return stamp(draft, { bead_id: ids.next(), ts: isoAt(at ?? clock.now()), host_id: hostId, mode });
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
