import {
  type AllStreamResolvedEvent,
  type AppendExpectedRevision,
  ANY,
  BACKWARDS,
  END,
  EventStoreDBClient,
  excludeSystemEvents,
  FORWARDS,
  jsonEvent,
  NO_STREAM,
  type ReadPosition,
  START,
  STREAM_EXISTS,
  streamNameFilter,
} from '@eventstore/db-client';
import type { Bead } from '../beads/index.ts';
import { isSystemEvent, toEntry } from './esdb/decode.ts';
import { appendFailure, isStreamNotFound, readFailure, withDeadline } from './esdb/failures.ts';
import { toEsdbPosition, toLogPosition } from './esdb/position.ts';
import { findStoredBeads } from './esdb/storedBeads.ts';
import { type ScannedEvent, liveSubscription } from './esdb/subscription.ts';
import type {
  AppendResult,
  EntryHandler,
  EventLog,
  ExpectedRevision,
  LogEntry,
  LogPosition,
  ReadAllOptions,
  ReadStreamOptions,
  StreamAppend,
  SubscribeOptions,
  Subscription,
} from './port.ts';
import { prepareAppend } from './prepareAppend.ts';

export interface EventStoreDbOptions {
  /** `esdb://host:2113?tls=false`, `esdb+discover://…`: from the config, never from the environment here. */
  connectionString: string;
  /**
   * Put in front of every stream name on the server and stripped on the way
   * back; events in other streams are not this log's. Empty in production;
   * tests sharing one real server use it to keep runs apart.
   */
  streamPrefix?: string;
  /** How long an append may take, all in, before it counts as the log being unavailable. */
  appendTimeoutMs?: number;
  /** How long one page of a read may take. */
  readTimeoutMs?: number;
  pageSize?: number;
  /** Waits between resubscription attempts after a drop: doubling from initial up to max. */
  resubscribeBackoff?: { initialMs: number; maxMs: number };
  /** Bounds the look for already-stored beads before an append (see storedBeads.ts). */
  retryScan?: { maxEvents: number; clockSkewMs: number };
}

/** Small pages: a retried bead is normally within the last few events of its stream. */
const RETRY_SCAN_PAGE = 32;

const DEFAULTS = {
  streamPrefix: '',
  appendTimeoutMs: 5_000,
  readTimeoutMs: 10_000,
  pageSize: 500,
  resubscribeBackoff: { initialMs: 100, maxMs: 5_000 },
  retryScan: { maxEvents: 2_000, clockSkewMs: 5 * 60_000 },
} satisfies Required<Omit<EventStoreDbOptions, 'connectionString'>>;

/** The EventStoreDB adapter of the event-log port (S2), over the official gRPC client. */
export class EventStoreDbEventLog implements EventLog {
  readonly name = 'eventstoredb' as const;
  private readonly client: EventStoreDBClient;
  private readonly settings: Required<Omit<EventStoreDbOptions, 'connectionString'>>;
  private readonly subscriptions = new Set<Subscription>();

  constructor(options: EventStoreDbOptions) {
    const { connectionString, ...tuning } = options;
    this.client = EventStoreDBClient.connectionString(connectionString);
    this.settings = { ...DEFAULTS, ...withoutUndefined(tuning) };
  }

  /** EventStoreDB has no transaction across streams (see the port). */
  readonly atomicAcrossStreams = false;

  async appendMany(appends: readonly StreamAppend[]): Promise<AppendResult[]> {
    // Every bead is validated before the first stream is written: a bad bead must not leave half a batch behind.
    for (const a of appends) prepareAppend(a.stream, a.beads);
    const results: AppendResult[] = [];
    for (const a of appends) results.push(await this.append(a.stream, a.beads, a.expected));
    return results;
  }

  async append(stream: string, beads: readonly Bead[], expected: ExpectedRevision = 'any'): Promise<AppendResult> {
    const prepared = prepareAppend(stream, beads);
    const server = this.settings.streamPrefix + stream;
    const work = (async () => {
      const stored = await findStoredBeads(
        prepared.map((b) => b.bead_id),
        {
          readBackwards: (from, count) => this.readRecorded(server, from, count),
          pageSize: Math.min(this.settings.pageSize, RETRY_SCAN_PAGE),
          ...this.settings.retryScan,
        },
      );
      const last = beads.length > 0 ? stored.get(beads[beads.length - 1]!.bead_id) : undefined;
      if (prepared.length > 0 && last && prepared.every((b) => stored.has(b.bead_id))) {
        // A retried append: every bead is already stored, so it is a no-op.
        return { nextRevision: last.revision, position: last.position };
      }
      const fresh = prepared.filter((b) => !stored.has(b.bead_id));
      const result = await this.client.appendToStream(
        server,
        fresh.map((bead) => jsonEvent({ id: bead.bead_id, type: bead.bead_type, data: bead })),
        { expectedRevision: toExpected(expected), deadline: this.settings.appendTimeoutMs },
      );
      const nextRevision = Number(result.nextExpectedRevision);
      // ESDB answers an append it recognises as a repeat without a position; look the event up.
      const position = toLogPosition(result.position) ?? (await this.positionOf(server, nextRevision));
      return { nextRevision, position };
    })();
    try {
      return await withDeadline(work, this.settings.appendTimeoutMs, `append to ${stream}`);
    } catch (err) {
      throw appendFailure(err, stream, expected);
    }
  }

  async readStream(stream: string, options: ReadStreamOptions = {}): Promise<LogEntry[]> {
    const backwards = options.direction === 'backwards';
    const from = options.from === undefined ? undefined : BigInt(options.from);
    if (options.limit === 0 || (from !== undefined && from < 0n)) return [];
    const events = await this.readStreamEvents(this.settings.streamPrefix + stream, {
      fromRevision: from ?? (backwards ? END : START),
      direction: backwards ? BACKWARDS : FORWARDS,
      maxCount: options.limit ?? Number.MAX_SAFE_INTEGER,
    });
    return events.map((event) => toEntry(event, stream, toLogPosition(event.position) ?? -1));
  }

  async *readAll(options: ReadAllOptions = {}): AsyncIterable<LogEntry> {
    let left = options.limit ?? Number.POSITIVE_INFINITY;
    if (left <= 0) return;
    const types = options.types === undefined ? undefined : new Set<string | undefined>(options.types);
    for await (const { entry, type } of this.scanAfter(options.after)) {
      if (!entry || (types !== undefined && !types.has(type))) continue;
      yield entry;
      left -= 1;
      if (left <= 0) return;
    }
  }

  subscribe(handler: EntryHandler, options: SubscribeOptions = {}): Subscription {
    const prefix = this.settings.streamPrefix;
    const subscription = liveSubscription(
      {
        scanAfter: (after) => this.scanAfter(after),
        subscribeAfter: (after) =>
          this.client.subscribeToAll({
            fromPosition: after === undefined ? START : toEsdbPosition(after),
            filter: prefix ? streamNameFilter({ prefixes: [prefix] }) : excludeSystemEvents(),
          }),
        scanned: (resolved) => this.scanned(resolved),
        backoff: this.settings.resubscribeBackoff,
      },
      handler,
      options,
    );
    this.subscriptions.add(subscription);
    return {
      get checkpoint() {
        return subscription.checkpoint;
      },
      stop: async () => {
        this.subscriptions.delete(subscription);
        await subscription.stop();
      },
    };
  }

  async close(): Promise<void> {
    await Promise.all([...this.subscriptions].map((s) => s.stop()));
    this.subscriptions.clear();
    await this.client.dispose();
    await closeChannel(this.client);
  }

  /**
   * Every $all event strictly after `after`, page by page. A read from a
   * position includes the event at it, so that one is skipped; events that
   * are not Phoenix's come through with no entry so callers still see how far
   * the read got.
   */
  private async *scanAfter(after: LogPosition | undefined): AsyncIterable<ScannedEvent> {
    let from: ReadPosition = after === undefined ? START : toEsdbPosition(after);
    let seen = after;
    for (;;) {
      const page = await this.readAllPage(from);
      for (const resolved of page) {
        const scanned = this.scanned(resolved);
        if (!scanned || (seen !== undefined && scanned.position <= seen)) continue;
        seen = scanned.position;
        yield scanned;
      }
      if (page.length < this.settings.pageSize || seen === undefined) return;
      from = toEsdbPosition(seen);
    }
  }

  private scanned(resolved: AllStreamResolvedEvent): ScannedEvent | undefined {
    const event = resolved.event;
    const position = toLogPosition(event?.position);
    if (!event || position === undefined) return undefined;
    const prefix = this.settings.streamPrefix;
    if (isSystemEvent(event) || !event.streamId.startsWith(prefix)) return { position, entry: undefined };
    return { position, entry: toEntry(event, event.streamId.slice(prefix.length), position), type: event.type };
  }

  private async readAllPage(from: ReadPosition): Promise<AllStreamResolvedEvent[]> {
    const read = this.client.readAll({ fromPosition: from, direction: FORWARDS, maxCount: this.settings.pageSize });
    try {
      return await withDeadline(collect(read), this.settings.readTimeoutMs, 'a page of $all', () => void read.cancel());
    } catch (err) {
      throw readFailure(err, '$all');
    }
  }

  private async readStreamEvents(
    server: string,
    options: { fromRevision: bigint | typeof START | typeof END; direction: typeof FORWARDS | typeof BACKWARDS; maxCount: number },
  ) {
    const read = this.client.readStream(server, options);
    try {
      const resolved = await withDeadline(collect(read), this.settings.readTimeoutMs, `stream ${server}`, () => void read.cancel());
      return resolved.flatMap((r) => (r.event ? [r.event] : []));
    } catch (err) {
      if (isStreamNotFound(err)) return [];
      throw readFailure(err, `stream ${server}`);
    }
  }

  private readRecorded(server: string, from: bigint | undefined, count: number) {
    return this.readStreamEvents(server, { fromRevision: from ?? END, direction: BACKWARDS, maxCount: count });
  }

  private async positionOf(server: string, revision: number): Promise<LogPosition> {
    if (revision < 0) return -1;
    const [event] = await this.readRecorded(server, BigInt(revision), 1);
    return toLogPosition(event?.position) ?? -1;
  }
}

/**
 * dispose() only cancels the client's calls; its channel stays connected, so
 * a host that opens and closes logs would pile up connections on the server.
 * Client 6.2.1 has no public close, so this uses its (protected) getChannel,
 * which the class assigns in its constructor.
 */
async function closeChannel(client: EventStoreDBClient): Promise<void> {
  const { getChannel } = client as unknown as { getChannel?: () => Promise<{ close(): void }> };
  if (typeof getChannel !== 'function') return;
  try {
    (await getChannel()).close();
  } catch {
    // No channel could be made (for example the server is unreachable): nothing is open.
  }
}

function toExpected(expected: ExpectedRevision): AppendExpectedRevision {
  if (expected === 'any') return ANY;
  if (expected === 'no_stream') return NO_STREAM;
  if (expected === 'stream_exists') return STREAM_EXISTS;
  return BigInt(expected);
}

async function collect<T>(read: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of read) out.push(item);
  return out;
}

function withoutUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
