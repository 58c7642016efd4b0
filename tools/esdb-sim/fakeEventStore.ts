import { type ServerUnaryCall, Server, ServerCredentials, type sendUnaryData, status } from '@grpc/grpc-js';
import type { SupportedMethods } from '@eventstore/db-client/generated/serverfeatures_pb.js';
import type { Empty } from '@eventstore/db-client/generated/shared_pb.js';
import type { IStreamsServer } from '@eventstore/db-client/generated/streams_grpc_pb.js';
import { handleAppend, handleBatchAppend } from './appendHandler.ts';
import { FakeLog } from './fakeLog.ts';
import { serverFeaturesGrpc, serverFeaturesPb, streamsGrpc } from './protos.ts';
import { handleRead, type ReadBehaviour } from './readHandler.ts';

export interface FakeEventStoreOptions extends Partial<ReadBehaviour> {
  /**
   * Servers from 21.10 list BatchAppend in ServerFeatures and the client then
   * appends through it; older ones only have Append.
   */
  batchAppend?: boolean;
}

const STREAMS_SERVICE = 'event_store.client.streams.Streams';

/**
 * A loopback EventStoreDB node: enough of the Streams and ServerFeatures gRPC
 * services for the official client, built from the service definitions the
 * client package ships. Its log outlives stop()/start(), and start() after a
 * stop reuses the port, so a client can reconnect to "the same server".
 */
export class FakeEventStore {
  readonly log = new FakeLog();
  /** How often each RPC was called, so tests can tell which path the client took. */
  readonly calls = { read: 0, append: 0, batchAppend: 0, serverFeatures: 0 };
  private server: Server | undefined;
  private boundPort: number | undefined;
  private readonly behaviour: ReadBehaviour;
  private readonly batchAppend: boolean;

  constructor(options: FakeEventStoreOptions = {}) {
    this.behaviour = { sendCaughtUp: options.sendCaughtUp ?? true, streamReadPositions: options.streamReadPositions ?? true };
    this.batchAppend = options.batchAppend ?? false;
  }

  get port(): number {
    if (this.boundPort === undefined) throw new Error('the fake EventStoreDB has not been started');
    return this.boundPort;
  }

  /** Single node, no discovery, plain HTTP/2 on loopback. */
  get connectionString(): string {
    return `esdb://127.0.0.1:${this.port}?tls=false`;
  }

  async start(): Promise<void> {
    if (this.server) return;
    const server = new Server();
    server.addService(streamsGrpc.StreamsService, this.streams());
    server.addService(serverFeaturesGrpc.ServerFeaturesService, {
      getSupportedMethods: (call: ServerUnaryCall<Empty, SupportedMethods>, done: sendUnaryData<SupportedMethods>) =>
        this.features(call, done),
    });
    this.boundPort = await bindWithRetry(server, this.boundPort ?? 0);
    this.server = server;
    this.log.nodeStarted(`127.0.0.1:${this.boundPort}`);
  }

  /** The node goes away: every open call is cut, as when the process dies. */
  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    server?.forceShutdown();
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }

  private streams(): IStreamsServer {
    const unimplemented = (_call: unknown, done: sendUnaryData<never>) =>
      done({ code: status.UNIMPLEMENTED, details: 'not faked' });
    return {
      read: (call) => {
        this.calls.read += 1;
        handleRead(this.log, this.behaviour, call);
      },
      append: (call, done) => {
        this.calls.append += 1;
        handleAppend(this.log, call, done);
      },
      batchAppend: (call) => {
        this.calls.batchAppend += 1;
        if (this.batchAppend) handleBatchAppend(this.log, call);
        else call.emit('error', { code: status.UNIMPLEMENTED, details: 'not faked' });
      },
      delete: unimplemented,
      tombstone: unimplemented,
    };
  }

  private features(_call: ServerUnaryCall<Empty, SupportedMethods>, done: sendUnaryData<SupportedMethods>): void {
    this.calls.serverFeatures += 1;
    const methods = ['Read', 'Append', ...(this.batchAppend ? ['BatchAppend'] : [])].map((name) =>
      new serverFeaturesPb.SupportedMethod().setServiceName(STREAMS_SERVICE).setMethodName(name),
    );
    const version = this.batchAppend ? '23.10.0-loopback' : '20.10.0-loopback';
    done(null, new serverFeaturesPb.SupportedMethods().setEventStoreServerVersion(version).setMethodsList(methods));
  }
}

/** A port just released by a stopped server can take a moment to be free again. */
async function bindWithRetry(server: Server, port: number): Promise<number> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await new Promise<number>((resolve, reject) =>
        server.bindAsync(`127.0.0.1:${port}`, ServerCredentials.createInsecure(), (err, bound) => (err ? reject(err) : resolve(bound))),
      );
    } catch (err) {
      if (attempt >= 20 || port === 0) throw err;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}
