import { type AllStreamResolvedEvent, type AllStreamSubscription, EventStoreDBClient, jsonEvent, START } from '@eventstore/db-client';
import { credentials } from '@grpc/grpc-js';
import type { AppendResp } from '@eventstore/db-client/generated/streams_pb.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { waitFor } from '../store/conformance.ts';
import { FakeEventStore } from '../../tools/esdb-sim/fakeEventStore.ts';
import { streamIdentifier } from '../../tools/esdb-sim/messages.ts';
import { sharedPb, streamsGrpc, streamsPb } from '../../tools/esdb-sim/protos.ts';

const { Empty, UUID } = sharedPb;
const { AppendReq } = streamsPb;

/** The loopback server's own contract: the ESDB behaviours S2 says the suite must meet. */
describe('loopback EventStoreDB', () => {
  let fake: FakeEventStore;
  let client: EventStoreDBClient;

  beforeEach(async () => {
    fake = new FakeEventStore();
    await fake.start();
    client = EventStoreDBClient.connectionString(fake.connectionString);
  });
  afterEach(async () => {
    await client.dispose();
    await fake.stop();
  });

  const event = (n: number) => jsonEvent({ id: globalThis.crypto.randomUUID(), type: 'Thing', data: { n } });

  async function collect<T>(read: AsyncIterable<T>): Promise<T[]> {
    const out: T[] = [];
    for await (const item of read) out.push(item);
    return out;
  }

  it('numbers revisions from 0 and reads a stream from a revision inclusively', async () => {
    const result = await client.appendToStream('s', [event(0), event(1), event(2)], { expectedRevision: 'no_stream' });
    expect(result.nextExpectedRevision).toBe(2n);
    const read = await collect(client.readStream('s', { fromRevision: 1n }));
    expect(read.map((r) => r.event?.revision)).toEqual([1n, 2n]);
  });

  it('answers a wrong expected version with the AppendResp variant, not a gRPC error', async () => {
    await client.appendToStream('s', [event(0)]);
    const raw = new streamsGrpc.StreamsClient(`127.0.0.1:${fake.port}`, credentials.createInsecure());
    try {
      const resp = await new Promise<AppendResp>((resolve, reject) => {
        const call = raw.append((err, r) => (err ? reject(err) : resolve(r)));
        const options = new AppendReq.Options().setStreamIdentifier(streamIdentifier('s')).setNoStream(new Empty());
        call.write(new AppendReq().setOptions(options));
        const message = new AppendReq.ProposedMessage().setId(new UUID().setString(globalThis.crypto.randomUUID())).setData(new Uint8Array());
        message.getMetadataMap().set('type', 'Thing');
        message.getMetadataMap().set('content-type', 'application/json');
        call.write(new AppendReq().setProposedMessage(message));
        call.end();
      });
      expect(resp.hasWrongExpectedVersion()).toBe(true);
      expect(resp.getWrongExpectedVersion()?.getCurrentRevision()).toBe('0');
      expect(resp.getWrongExpectedVersion()?.hasExpectedNoStream()).toBe(true);
    } finally {
      raw.close();
    }
  });

  it('is idempotent on event ids for a repeated expected revision, and for any only while its cache lasts', async () => {
    const events = [event(0), event(1)];
    await client.appendToStream('s', events, { expectedRevision: 'no_stream' });
    await client.appendToStream('s', events, { expectedRevision: 'no_stream' });
    await client.appendToStream('s', events, { expectedRevision: 'any' });
    expect(fake.log.stream('s')).toHaveLength(2);
    // A node restart empties the id cache that `any` idempotency relies on: the adapter must look first.
    await fake.restart();
    await client.appendToStream('s', events, { expectedRevision: 'any' }).catch(async () => {
      await client.appendToStream('s', events, { expectedRevision: 'any' });
    });
    expect(fake.log.stream('s')).toHaveLength(4);
  });

  it('keeps system events in $all, with positions that have gaps', async () => {
    await client.appendToStream('a', [event(0), event(1)]);
    const all = await collect(client.readAll());
    const streams = all.map((r) => r.event?.streamId);
    expect(streams.filter((s) => s?.startsWith('$')).length).toBeGreaterThan(0);
    const positions = all.map((r) => r.event!.position.commit);
    for (let i = 1; i < positions.length; i++) expect(positions[i]! - positions[i - 1]!).toBeGreaterThan(1n);
    for (const r of all) expect(r.event!.position.prepare).toBe(r.event!.position.commit);
  });

  it('reads $all from a position inclusively but subscribes after it, and refuses an invented one', async () => {
    await client.appendToStream('a', [event(0), event(1), event(2)]);
    const ours = (await collect(client.readAll())).filter((r) => r.event?.streamId === 'a');
    const at = ours[1]!.event!.position;
    const read = await collect(client.readAll({ fromPosition: at, maxCount: 1 }));
    expect(read[0]!.event!.id).toBe(ours[1]!.event!.id);

    const seen: string[] = [];
    const sub = client.subscribeToAll({ fromPosition: at });
    sub.on('data', (r: AllStreamResolvedEvent) => void seen.push(r.event!.id));
    await waitFor(() => seen.length >= 1, 2000, 'subscription events');
    expect(seen[0]).toBe(ours[2]!.event!.id);
    await sub.unsubscribe();

    const invented = { commit: at.commit + 1n, prepare: at.commit + 1n };
    await expect(collect(client.readAll({ fromPosition: invented }))).rejects.toThrow(/not the position of an event/);
  });

  it('confirms a subscription, catches up, says so, goes live, and drops it when the node stops', async () => {
    await client.appendToStream('a', [event(0)]);
    const order: string[] = [];
    const sub: AllStreamSubscription = client.subscribeToAll({ fromPosition: START });
    sub.on('confirmation', () => order.push('confirmation'));
    sub.on('caughtUp', () => order.push('caughtUp'));
    sub.on('data', (r: AllStreamResolvedEvent) => order.push(r.event!.streamId));
    let dropped: Error | undefined;
    sub.on('error', (err) => (dropped = err));
    await waitFor(() => order.includes('caughtUp'), 2000, 'caught up');
    await client.appendToStream('a', [event(1)]);
    await waitFor(() => order.filter((o) => o === 'a').length === 2, 2000, 'live event');
    expect(order[0]).toBe('confirmation');
    expect(order.indexOf('caughtUp')).toBeGreaterThan(order.indexOf('a'));
    expect(order.lastIndexOf('a')).toBeGreaterThan(order.indexOf('caughtUp'));

    await fake.stop();
    await waitFor(() => dropped, 2000, 'a dropped subscription');
    await fake.start();
    expect(fake.log.stream('a')).toHaveLength(2);
  });
});
