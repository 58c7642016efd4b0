import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { encodeFrame, type Field } from '../../tools/gateway-sim/protocol/wire.ts';
import { GatewaySimulator } from '../../tools/gateway-sim/simulator.ts';
import { waitUntil } from '../support/gatewaySimClient.ts';

// Bytes on the wire, without a client library in between: what the simulator
// does with input that a well-behaved client would never send.
let sim: GatewaySimulator | undefined;
const sockets: Socket[] = [];

afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.destroy();
  await sim?.stop();
  sim = undefined;
});

async function startSim(serverVersion = 193): Promise<number> {
  sim = GatewaySimulator.create({ port: 0, account: 'DU123456', serverVersion, seed: 1, nextValidId: 1, tickMs: 0 });
  return sim.start();
}

interface RawClient {
  frames: string[][];
  closed: () => boolean;
  send(fields: Field[]): void;
  write(bytes: Buffer): void;
}

function rawClient(port: number): RawClient {
  const socket = connect(port, '127.0.0.1');
  sockets.push(socket);
  const frames: string[][] = [];
  let buffer = Buffer.alloc(0);
  let closed = false;
  socket.on('data', (chunk: Buffer) => {
    buffer = Buffer.concat([buffer, chunk]);
    while (buffer.length >= 4 && buffer.length >= 4 + buffer.readUInt32BE(0)) {
      const length = buffer.readUInt32BE(0);
      frames.push(
        buffer
          .subarray(4, 4 + length)
          .toString()
          .split('\0')
          .slice(0, -1),
      );
      buffer = buffer.subarray(4 + length);
    }
  });
  socket.on('close', () => {
    closed = true;
  });
  socket.on('error', () => undefined);
  return {
    frames,
    closed: () => closed,
    send: (fields) => socket.write(encodeFrame(fields)),
    write: (bytes) => socket.write(bytes),
  };
}

function greeting(range: string): Buffer {
  const body = Buffer.from(range);
  const length = Buffer.alloc(4);
  length.writeUInt32BE(body.length);
  return Buffer.concat([Buffer.from('API\0'), length, body]);
}

/** Greets, starts the API as client 5, and waits for the farm-status infos. */
async function started(port: number): Promise<RawClient> {
  const client = rawClient(port);
  client.write(greeting('v100..193'));
  client.send([71, 2, 5, '']);
  await waitUntil(() => client.frames.some((f) => f[0] === '4' && f[3] === '2158'), 'the farm-status infos');
  return client;
}

describe('gateway simulator on the raw wire', () => {
  it('answers the greeting with its version and connection time, then the startApi sequence', async () => {
    const client = await started(await startSim(187));
    expect(client.frames[0]?.[0]).toBe('187');
    expect(client.frames[0]?.[1]).toMatch(/^\d{8} \d{2}:\d{2}:\d{2} UTC$/);
    expect(client.frames.slice(1, 3)).toEqual([
      ['15', '1', 'DU123456'],
      ['9', '1', '1'],
    ]);
  });

  it('answers an unknown message id with error 320 and keeps serving', async () => {
    const client = await started(await startSim());
    client.send([999, 1, 2, 3]);
    client.send([49, 1]);
    const error = await waitUntil(() => client.frames.find((f) => f[0] === '4' && f[3] === '320'), 'error 320');
    expect(error.slice(0, 5)).toEqual(['4', '2', '-1', '320', 'Error reading request. Unknown message id 999']);
    await waitUntil(() => client.frames.some((f) => f[0] === '49'), 'the current time');
    expect(client.closed()).toBe(false);
  });

  it('answers a real request it does not serve with error 321, and a short one with error 320', async () => {
    const client = await started(await startSim());
    client.send([20, 6, 1]);
    client.send([62, 1]);
    await waitUntil(() => client.frames.some((f) => f[3] === '321'), 'error 321');
    const short = await waitUntil(() => client.frames.find((f) => f[3] === '320'), 'error 320');
    expect(short[4]).toMatch(/missing field reqId/);
    expect(client.closed()).toBe(false);
  });

  it('hangs up on a stream that is not the TWS protocol', async () => {
    const client = rawClient(await startSim());
    client.write(Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n'));
    await waitUntil(() => client.closed(), 'the simulator to hang up');
    expect(client.frames).toEqual([]);
  });

  it('hangs up on a client whose versions it cannot speak', async () => {
    const client = rawClient(await startSim(176));
    client.write(greeting('v180..193'));
    await waitUntil(() => client.closed(), 'the simulator to hang up');
    expect(client.frames).toEqual([]);
  });

  it('ignores requests sent before startApi', async () => {
    const port = await startSim();
    const client = rawClient(port);
    client.write(greeting('v100..193'));
    client.send([49, 1]);
    await waitUntil(() => sim?.server.stats.receivedByName['reqCurrentTime'] === 1, 'the request to arrive');
    client.send([71, 2, 6, '']);
    await waitUntil(() => client.frames.some((f) => f[0] === '9'), 'nextValidId');
    expect(client.frames.some((f) => f[0] === '49')).toBe(false);
  });
});
