import { randomUUID } from 'node:crypto';
import { Metadata, type ServerWritableStream, type StatusObject, status } from '@grpc/grpc-js';
import type { ReadReq, ReadResp } from '@eventstore/db-client/generated/streams_pb.js';
import type { FakeLog, StoredEvent } from './fakeLog.ts';
import { type EventRendering, eventResponse, invalidArgument, streamIdentifier, streamName } from './messages.ts';
import { streamsPb } from './protos.ts';

const { ReadReq: ReadRequest, ReadResp: ReadResponse } = streamsPb;

export interface ReadBehaviour {
  /** Servers from 23.10 send CaughtUp after a subscription's catch-up; older ones do not. */
  sendCaughtUp: boolean;
  /** Servers from 22.x put the $all position on events read from a stream. */
  streamReadPositions: boolean;
}

type ReadCall = ServerWritableStream<ReadReq, ReadResp>;
type Filter = (event: StoredEvent) => boolean;

const DEFAULT_FILTER_WINDOW = 32;

/** Streams.Read: stream reads, $all reads and $all subscriptions. */
export function handleRead(log: FakeLog, behaviour: ReadBehaviour, call: ReadCall): void {
  const failure = serveRead(log, behaviour, call);
  if (failure) call.emit('error', failure);
}

/** Serves the read, or says why it cannot. */
function serveRead(log: FakeLog, behaviour: ReadBehaviour, call: ReadCall): StatusObject | undefined {
  const options = call.request.getOptions();
  if (!options) return invalidArgument('read without options');
  const rendering: EventRendering = {
    uuid: options.getUuidOption()?.hasStructured() ? 'structured' : 'string',
    withPosition: true,
  };
  const subscription = options.getCountOptionCase() === ReadRequest.Options.CountOptionCase.SUBSCRIPTION;
  const count = subscription ? Number.POSITIVE_INFINITY : Number(options.getCount());
  const backwards = options.getReadDirection() === ReadRequest.Options.ReadDirection.BACKWARDS;

  const stream = options.getStream();
  if (stream) {
    if (subscription) return { code: status.UNIMPLEMENTED, details: 'stream subscriptions are not faked', metadata: new Metadata() };
    readStream(log, call, stream, { backwards, count, rendering: { ...rendering, withPosition: behaviour.streamReadPositions } });
    return undefined;
  }
  const all = options.getAll();
  if (!all) return invalidArgument('read of neither a stream nor $all');
  const filter = filterOf(options);
  if (filter instanceof Error) return invalidArgument(filter.message);
  const from = allStart(log, all);
  if (from instanceof Error) return invalidPosition(from.message);
  if (subscription) subscribeAll(log, behaviour, call, from, filter, rendering, windowOf(options));
  else readAll(log, call, from, { backwards, count, rendering, filter: filter?.matches });
  return undefined;
}

function readStream(
  log: FakeLog,
  call: ReadCall,
  options: ReadReq.Options.StreamOptions,
  how: { backwards: boolean; count: number; rendering: EventRendering },
): void {
  const name = streamName(options.getStreamIdentifier());
  const events = log.stream(name);
  if (!events || events.length === 0) {
    call.write(new ReadResponse().setStreamNotFound(new ReadResponse.StreamNotFound().setStreamIdentifier(streamIdentifier(name))));
    return void call.end();
  }
  const last = events.length - 1;
  let selected: StoredEvent[];
  if (how.backwards) {
    // A backward read from past the end starts at the last event, as ESDB does.
    const from = options.hasRevision() ? Math.min(Number(options.getRevision()), last) : options.hasStart() ? 0 : last;
    selected = events.slice(0, from + 1).reverse();
  } else {
    const from = options.hasRevision() ? Number(options.getRevision()) : options.hasEnd() ? last + 1 : 0;
    selected = events.slice(from);
  }
  for (const event of selected.slice(0, how.count)) call.write(eventResponse(event, how.rendering));
  call.end();
}

type AllStart = { kind: 'start' } | { kind: 'end' } | { kind: 'position'; position: bigint };

function allStart(log: FakeLog, options: ReadReq.Options.AllOptions): AllStart | Error {
  if (options.hasStart()) return { kind: 'start' };
  if (options.hasEnd()) return { kind: 'end' };
  const p = options.getPosition();
  if (!p) return new Error('$all read without a start');
  const commit = BigInt(p.getCommitPosition());
  const prepare = BigInt(p.getPreparePosition());
  // Newer servers refuse a position that is not where a record starts, so the adapter must never invent one.
  if (commit !== prepare || !log.isEventBoundary(commit)) {
    return new Error(`C:${commit}/P:${prepare} is not the position of an event`);
  }
  return { kind: 'position', position: commit };
}

function readAll(
  log: FakeLog,
  call: ReadCall,
  from: AllStart,
  how: { backwards: boolean; count: number; rendering: EventRendering; filter: Filter | undefined },
): void {
  const events = log.log;
  let selected: readonly StoredEvent[];
  if (how.backwards) {
    // Backwards, a position is exclusive (it points just past the records to return).
    const end = from.kind === 'start' ? 0 : from.kind === 'end' ? events.length : log.indexAt(from.position);
    selected = events.slice(0, end).reverse();
  } else {
    // Forwards, a position is inclusive: the event at it comes first.
    const start = from.kind === 'start' ? 0 : from.kind === 'end' ? events.length : log.indexAt(from.position);
    selected = events.slice(start);
  }
  let sent = 0;
  for (const event of selected) {
    if (sent >= how.count) break;
    if (how.filter && !how.filter(event)) continue;
    call.write(eventResponse(event, how.rendering));
    sent += 1;
  }
  call.end();
}

function subscribeAll(
  log: FakeLog,
  behaviour: ReadBehaviour,
  call: ReadCall,
  from: AllStart,
  filter: { matches: Filter } | undefined,
  rendering: EventRendering,
  checkpointEvery: number,
): void {
  call.write(new ReadResponse().setConfirmation(new ReadResponse.SubscriptionConfirmation().setSubscriptionId(randomUUID())));
  let considered = 0;
  const deliver = (event: StoredEvent) => {
    considered += 1;
    if (!filter || filter.matches(event)) call.write(eventResponse(event, rendering));
    if (filter && considered % checkpointEvery === 0) {
      const position = String(event.position);
      call.write(new ReadResponse().setCheckpoint(new ReadResponse.Checkpoint().setCommitPosition(position).setPreparePosition(position)));
    }
  };
  // A subscription starts after its position, unlike a read.
  const start = from.kind === 'start' ? 0 : from.kind === 'end' ? log.log.length : log.indexAt(from.position + 1n);
  // Catch-up and the live registration happen in one turn, so no append can fall between them.
  for (const event of log.log.slice(start)) deliver(event);
  if (behaviour.sendCaughtUp) call.write(new ReadResponse().setCaughtUp(new ReadResponse.CaughtUp()));
  const unsubscribe = log.onCommit(deliver);
  call.on('cancelled', unsubscribe);
  call.on('close', unsubscribe);
  call.on('error', unsubscribe);
}

function filterOf(options: ReadReq.Options): { matches: Filter } | undefined | Error {
  const filter = options.getFilter();
  if (!filter) return undefined;
  const onStream = filter.getStreamIdentifier();
  const expression = onStream ?? filter.getEventType();
  if (!expression) return new Error('a filter with neither a stream nor an event-type expression');
  const prefixes = expression.getPrefixList();
  const regex = expression.getRegex() ? new RegExp(expression.getRegex()) : undefined;
  const key = onStream ? (e: StoredEvent) => e.stream : (e: StoredEvent) => e.type;
  return {
    matches: (event) => {
      const value = key(event);
      if (prefixes.length > 0 && !prefixes.some((p) => value.startsWith(p))) return false;
      return regex ? regex.test(value) : true;
    },
  };
}

function windowOf(options: ReadReq.Options): number {
  const filter = options.getFilter();
  if (!filter) return DEFAULT_FILTER_WINDOW;
  const window = filter.hasMax() ? filter.getMax() : DEFAULT_FILTER_WINDOW;
  return Math.max(1, window * Math.max(1, filter.getCheckpointintervalmultiplier()));
}

function invalidPosition(details: string): StatusObject {
  const metadata = new Metadata();
  metadata.set('exception', 'invalid-position');
  return { code: status.INVALID_ARGUMENT, details, metadata };
}
