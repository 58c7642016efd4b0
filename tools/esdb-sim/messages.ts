import { Metadata, type StatusObject, status } from '@grpc/grpc-js';
import type { StreamIdentifier, UUID } from '@eventstore/db-client/generated/shared_pb.js';
import type { ReadResp } from '@eventstore/db-client/generated/streams_pb.js';
import type { ProposedEvent, StoredEvent } from './fakeLog.ts';
import { sharedPb, streamsPb } from './protos.ts';

/** ESDB's marker for "no $all position" in a stream read from servers before 22.x. */
export const NO_POSITION = 18_446_744_073_709_551_615n;

export function streamName(identifier: StreamIdentifier | undefined): string {
  return Buffer.from(identifier?.getStreamName_asU8() ?? new Uint8Array()).toString('utf8');
}

export function streamIdentifier(name: string): StreamIdentifier {
  return new sharedPb.StreamIdentifier().setStreamName(Uint8Array.from(Buffer.from(name, 'utf8')));
}

export function uuidString(uuid: UUID | undefined): string | undefined {
  if (!uuid) return undefined;
  if (uuid.hasString()) return uuid.getString();
  const structured = uuid.getStructured();
  if (!structured) return undefined;
  const bytes = Buffer.alloc(16);
  bytes.writeBigInt64BE(BigInt(structured.getMostSignificantBits()), 0);
  bytes.writeBigInt64BE(BigInt(structured.getLeastSignificantBits()), 8);
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}


/** Reads the fields every proposed message shares (Append and BatchAppend). */
export function proposedEvent(message: {
  getId(): UUID | undefined;
  getMetadataMap(): { get(key: string): string | undefined };
  getData_asU8(): Uint8Array;
  getCustomMetadata_asU8(): Uint8Array;
}): ProposedEvent | StatusObject {
  const id = uuidString(message.getId());
  const metadata = message.getMetadataMap();
  const type = metadata.get('type');
  const contentType = metadata.get('content-type');
  if (!id) return invalidArgument('a proposed message has no id');
  if (!type || !contentType) return requiredMetadataMissing(['type', 'content-type']);
  return { id, type, contentType, data: message.getData_asU8(), customMetadata: message.getCustomMetadata_asU8() };
}

export function isStatus(value: unknown): value is StatusObject {
  return typeof value === 'object' && value !== null && 'code' in value && 'details' in value;
}

export function invalidArgument(details: string): StatusObject {
  return { code: status.INVALID_ARGUMENT, details, metadata: new Metadata() };
}

function requiredMetadataMissing(properties: string[]): StatusObject {
  const metadata = new Metadata();
  metadata.set('exception', 'missing-required-metadata-property');
  metadata.set('required-metadata-properties', properties.join(','));
  return { code: status.INVALID_ARGUMENT, details: `missing required metadata: ${properties.join(', ')}`, metadata };
}

export type UuidFormat = 'string' | 'structured';

function uuidMessage(id: string, format: UuidFormat): UUID {
  const uuid = new sharedPb.UUID();
  if (format === 'string') return uuid.setString(id);
  const hex = Buffer.from(id.replaceAll('-', ''), 'hex');
  return uuid.setStructured(
    new sharedPb.UUID.Structured()
      .setMostSignificantBits(hex.readBigInt64BE(0).toString())
      .setLeastSignificantBits(hex.readBigInt64BE(8).toString()),
  );
}

export interface EventRendering {
  uuid: UuidFormat;
  /** $all reads always carry positions; stream reads only on servers from 22.x. */
  withPosition: boolean;
}

export function eventResponse(event: StoredEvent, rendering: EventRendering): ReadResp {
  const position = rendering.withPosition ? event.position : NO_POSITION;
  const recorded = new streamsPb.ReadResp.ReadEvent.RecordedEvent()
    .setId(uuidMessage(event.id, rendering.uuid))
    .setStreamIdentifier(streamIdentifier(event.stream))
    .setStreamRevision(String(event.revision))
    .setCommitPosition(String(position))
    .setPreparePosition(String(position))
    .setData(event.data)
    .setCustomMetadata(event.customMetadata);
  const metadata = recorded.getMetadataMap();
  metadata.set('type', event.type);
  metadata.set('content-type', event.contentType);
  metadata.set('created', String(event.createdTicks));
  const read = new streamsPb.ReadResp.ReadEvent().setEvent(recorded);
  if (rendering.withPosition) read.setCommitPosition(String(event.position));
  else read.setNoPosition(new sharedPb.Empty());
  return new streamsPb.ReadResp().setEvent(read);
}
