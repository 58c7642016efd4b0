/**
 * The storage model behind the loopback EventStoreDB server: one transaction
 * log ($all) plus a per-stream index. It lives outside the gRPC server so a
 * stopped and restarted server keeps its data, as a real node keeps its disk.
 *
 * Positions imitate ESDB's: an event's commit and prepare positions are both
 * the byte offset of its record in the log, so they advance by a record-sized
 * amount (gaps), and every node start writes records that are not events.
 */

export interface StoredEvent {
  stream: string;
  revision: number;
  id: string;
  type: string;
  contentType: string;
  data: Uint8Array;
  customMetadata: Uint8Array;
  /** .NET ticks (100 ns) since the Unix epoch, as ESDB sends them. */
  createdTicks: bigint;
  position: bigint;
}

export interface ProposedEvent {
  id: string;
  type: string;
  contentType: string;
  data: Uint8Array;
  customMetadata: Uint8Array;
}

export type ExpectedState =
  | { kind: 'any' }
  | { kind: 'no_stream' }
  | { kind: 'stream_exists' }
  | { kind: 'revision'; revision: number };

export type AppendOutcome =
  | { kind: 'success'; currentRevision: number; position: bigint | undefined }
  | { kind: 'wrong_expected_version'; currentRevision: number; expected: ExpectedState };

/** What a new node writes to its own log before serving (chunk header, epoch, settings). */
const NODE_START_BYTES = 1_536n;
const RECORD_OVERHEAD_BYTES = 96;

export class FakeLog {
  private readonly all: StoredEvent[] = [];
  private readonly streams = new Map<string, StoredEvent[]>();
  /**
   * ESDB answers an idempotent `any` append from an in-memory cache of recent
   * event ids, not from the index, so a restart forgets it. Modelled here so
   * the adapter cannot lean on it.
   */
  private recentIds = new Map<string, StoredEvent>();
  private readonly listeners = new Set<(event: StoredEvent) => void>();
  private nextPosition = 0n;

  /** A node start: the log moves on by non-event records and the id cache is cold. */
  nodeStarted(nodeName: string): void {
    this.nextPosition += NODE_START_BYTES;
    this.recentIds = new Map();
    if (!this.streams.has('$users')) {
      this.writeSystem('$users', '$UserCreated', { LoginName: 'admin' });
      this.writeSystem('$$$users', '$metadata', { $maxAge: 86_400 });
    }
    this.writeSystem(`$stats-${nodeName}`, '$statsCollected', { 'proc-startTime': new Date().toISOString() });
  }

  /** Writes an event the node itself would write ($-prefixed stream and type). */
  writeSystem(stream: string, type: string, body: unknown): StoredEvent {
    const events = this.streams.get(stream) ?? [];
    const [event] = this.commit(stream, events.length - 1, [
      {
        id: globalThis.crypto.randomUUID(),
        type,
        contentType: 'application/json',
        data: new TextEncoder().encode(JSON.stringify(body)),
        customMetadata: new Uint8Array(),
      },
    ]);
    return event!;
  }

  /** Writes raw events straight into a stream, bypassing every check: for corrupt-record tests. */
  writeRaw(stream: string, proposed: ProposedEvent[]): StoredEvent[] {
    const events = this.streams.get(stream) ?? [];
    return this.commit(stream, events.length - 1, proposed);
  }

  /** ESDB's commit decision (IndexWriter.CheckCommit), then the write. */
  append(stream: string, expected: ExpectedState, proposed: ProposedEvent[]): AppendOutcome {
    const events = this.streams.get(stream) ?? [];
    const current = events.length - 1;
    const wrong = (): AppendOutcome => ({ kind: 'wrong_expected_version', currentRevision: current, expected });

    if (expected.kind === 'stream_exists' && current < 0) return wrong();
    if (expected.kind === 'any' || expected.kind === 'stream_exists') {
      const first = proposed[0] && this.recentIds.get(proposed[0].id);
      if (first && first.stream === stream) {
        const matched = proposed.map((p) => this.recentIds.get(p.id));
        const whole = matched.every((m, i) => m?.stream === stream && m.revision === first.revision + i);
        if (!whole) return wrong();
        return { kind: 'success', currentRevision: matched[matched.length - 1]!.revision, position: undefined };
      }
      return this.success(stream, current, proposed);
    }

    const expectedRevision = expected.kind === 'no_stream' ? -1 : expected.revision;
    if (expectedRevision === current) return this.success(stream, current, proposed);
    if (expectedRevision > current || proposed.length === 0) return wrong();
    // The stream moved past the expected revision: idempotent only if exactly these ids follow it.
    const following = events.slice(expectedRevision + 1, expectedRevision + 1 + proposed.length);
    const same = following.length === proposed.length && following.every((e, i) => e.id === proposed[i]!.id);
    if (!same) return wrong();
    return { kind: 'success', currentRevision: following[following.length - 1]!.revision, position: undefined };
  }

  stream(stream: string): readonly StoredEvent[] | undefined {
    return this.streams.get(stream);
  }

  /** Every event in log order, system events included. */
  get log(): readonly StoredEvent[] {
    return this.all;
  }

  /** Index of the first event at or after `position`. */
  indexAt(position: bigint): number {
    let lo = 0;
    let hi = this.all.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.all[mid]!.position < position) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** True when `position` is where an event starts (or the start of the log). */
  isEventBoundary(position: bigint): boolean {
    if (position === 0n) return true;
    return this.all[this.indexAt(position)]?.position === position;
  }

  get lastPosition(): bigint {
    return this.all[this.all.length - 1]?.position ?? 0n;
  }

  onCommit(listener: (event: StoredEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private success(stream: string, current: number, proposed: ProposedEvent[]): AppendOutcome {
    if (proposed.length === 0) return { kind: 'success', currentRevision: current, position: undefined };
    const written = this.commit(stream, current, proposed);
    const last = written[written.length - 1]!;
    return { kind: 'success', currentRevision: last.revision, position: last.position };
  }

  private commit(stream: string, current: number, proposed: ProposedEvent[]): StoredEvent[] {
    const events = this.streams.get(stream) ?? [];
    const written: StoredEvent[] = [];
    let revision = current;
    for (const p of proposed) {
      revision += 1;
      const event: StoredEvent = {
        ...p,
        stream,
        revision,
        createdTicks: BigInt(Date.now()) * 10_000n,
        position: this.nextPosition,
      };
      this.nextPosition += BigInt(
        RECORD_OVERHEAD_BYTES + stream.length + p.type.length + p.data.length + p.customMetadata.length,
      );
      events.push(event);
      this.all.push(event);
      this.recentIds.set(event.id, event);
      written.push(event);
    }
    this.streams.set(stream, events);
    for (const event of written) for (const listener of this.listeners) listener(event);
    return written;
  }
}
