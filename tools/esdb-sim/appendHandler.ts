import type { ServerDuplexStream, ServerReadableStream, StatusObject, sendUnaryData } from '@grpc/grpc-js';
import type { AppendReq, AppendResp, BatchAppendReq, BatchAppendResp } from '@eventstore/db-client/generated/streams_pb.js';
import type { AppendOutcome, ExpectedState, FakeLog, ProposedEvent } from './fakeLog.ts';
import { invalidArgument, isStatus, proposedEvent, streamIdentifier, streamName, uuidString } from './messages.ts';
import { anyPb, codePb, emptyPb, sharedPb, statusPb, streamsPb } from './protos.ts';

const { Empty, AllStreamPosition, WrongExpectedVersion } = sharedPb;
/** BatchAppend's messages use google.protobuf.Empty where Append's use ESDB's own Empty. */
const ProtobufEmpty = emptyPb.Empty;

/**
 * Streams.Append: options first, then the proposed messages. A wrong expected
 * version is a result variant of a successful call, not a gRPC error.
 */
export function handleAppend(log: FakeLog, call: ServerReadableStream<AppendReq, AppendResp>, done: sendUnaryData<AppendResp>): void {
  let options: AppendReq.Options | undefined;
  const proposed: ProposedEvent[] = [];
  let failure: StatusObject | undefined;
  call.on('data', (req: AppendReq) => {
    if (failure) return;
    if (!options) {
      options = req.getOptions();
      if (!options) failure = invalidArgument('the first append message must be its options');
      return;
    }
    const message = req.getProposedMessage();
    const event = message ? proposedEvent(message) : invalidArgument('expected a proposed message');
    if (isStatus(event)) failure = event;
    else proposed.push(event);
  });
  call.on('end', () => {
    if (failure || !options) return done(failure ?? invalidArgument('an append without options'));
    const outcome = log.append(streamName(options.getStreamIdentifier()), expectedOfAppend(options), proposed);
    done(null, appendResponse(outcome));
  });
}

function expectedOfAppend(options: AppendReq.Options): ExpectedState {
  if (options.hasRevision()) return { kind: 'revision', revision: Number(options.getRevision()) };
  if (options.hasNoStream()) return { kind: 'no_stream' };
  if (options.hasStreamExists()) return { kind: 'stream_exists' };
  return { kind: 'any' };
}

function appendResponse(outcome: AppendOutcome): AppendResp {
  if (outcome.kind === 'success') {
    const success = new streamsPb.AppendResp.Success();
    if (outcome.currentRevision < 0) success.setNoStream(new Empty());
    else success.setCurrentRevision(String(outcome.currentRevision));
    if (outcome.position === undefined) success.setNoPosition(new Empty());
    else {
      const p = String(outcome.position);
      success.setPosition(new streamsPb.AppendResp.Position().setCommitPosition(p).setPreparePosition(p));
    }
    return new streamsPb.AppendResp().setSuccess(success);
  }
  const wrong = new streamsPb.AppendResp.WrongExpectedVersion();
  if (outcome.currentRevision < 0) wrong.setCurrentNoStream(new Empty());
  else wrong.setCurrentRevision(String(outcome.currentRevision));
  const expected = outcome.expected;
  if (expected.kind === 'revision') wrong.setExpectedRevision(String(expected.revision));
  else if (expected.kind === 'no_stream') wrong.setExpectedNoStream(new Empty());
  else if (expected.kind === 'stream_exists') wrong.setExpectedStreamExists(new Empty());
  else wrong.setExpectedAny(new Empty());
  return new streamsPb.AppendResp().setWrongExpectedVersion(wrong);
}

interface PendingBatch {
  options: BatchAppendReq.Options;
  proposed: ProposedEvent[];
}

/**
 * Streams.BatchAppend, which clients use when ServerFeatures lists it: many
 * appends multiplexed by correlation id over one duplex call. Here a wrong
 * expected version is a google.rpc.Status carrying WrongExpectedVersion.
 */
export function handleBatchAppend(log: FakeLog, call: ServerDuplexStream<BatchAppendReq, BatchAppendResp>): void {
  const pending = new Map<string, PendingBatch>();
  call.on('data', (req: BatchAppendReq) => {
    const correlation = req.getCorrelationId();
    const key = uuidString(correlation);
    if (!correlation || !key) return call.emit('error', invalidArgument('a batch append without a correlation id'));
    const options = req.getOptions();
    const batch = pending.get(key) ?? (options ? { options, proposed: [] } : undefined);
    if (!batch) return call.emit('error', invalidArgument('the first batch of an append must carry its options'));
    pending.set(key, batch);
    for (const message of req.getProposedMessagesList()) {
      const event = proposedEvent(message);
      if (isStatus(event)) return call.emit('error', event);
      batch.proposed.push(event);
    }
    if (!req.getIsFinal()) return;
    pending.delete(key);
    const name = streamName(batch.options.getStreamIdentifier());
    const outcome = log.append(name, expectedOfBatch(batch.options), batch.proposed);
    call.write(batchResponse(outcome, batch.options).setCorrelationId(correlation).setStreamIdentifier(streamIdentifier(name)));
  });
  call.on('end', () => call.end());
}

function expectedOfBatch(options: BatchAppendReq.Options): ExpectedState {
  if (options.hasStreamPosition()) return { kind: 'revision', revision: Number(options.getStreamPosition()) };
  if (options.hasNoStream()) return { kind: 'no_stream' };
  if (options.hasStreamExists()) return { kind: 'stream_exists' };
  return { kind: 'any' };
}

function batchResponse(outcome: AppendOutcome, options: BatchAppendReq.Options): BatchAppendResp {
  const resp = new streamsPb.BatchAppendResp();
  if (options.hasStreamPosition()) resp.setStreamPosition(options.getStreamPosition());
  else if (options.hasNoStream()) resp.setNoStream(new ProtobufEmpty());
  else if (options.hasStreamExists()) resp.setStreamExists(new ProtobufEmpty());
  else resp.setAny(new ProtobufEmpty());

  if (outcome.kind === 'success') {
    const success = new streamsPb.BatchAppendResp.Success();
    if (outcome.currentRevision < 0) success.setNoStream(new ProtobufEmpty());
    else success.setCurrentRevision(String(outcome.currentRevision));
    if (outcome.position === undefined) success.setNoPosition(new ProtobufEmpty());
    else {
      const p = String(outcome.position);
      success.setPosition(new AllStreamPosition().setCommitPosition(p).setPreparePosition(p));
    }
    return resp.setSuccess(success);
  }
  const details = new WrongExpectedVersion();
  if (outcome.currentRevision < 0) details.setCurrentNoStream(new ProtobufEmpty());
  else details.setCurrentStreamRevision(String(outcome.currentRevision));
  const expected = outcome.expected;
  if (expected.kind === 'revision') details.setExpectedStreamPosition(String(expected.revision));
  else if (expected.kind === 'no_stream') details.setExpectedNoStream(new ProtobufEmpty());
  else if (expected.kind === 'stream_exists') details.setExpectedStreamExists(new ProtobufEmpty());
  else details.setExpectedAny(new ProtobufEmpty());
  const packed = new anyPb.Any();
  packed.pack(details.serializeBinary(), 'event_store.client.WrongExpectedVersion');
  const error = new statusPb.Status().setCode(codePb.Code.FAILED_PRECONDITION).setMessage('wrong expected version').setDetails(packed);
  return resp.setError(error);
}
