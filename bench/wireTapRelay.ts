import { createConnection, createServer, type Server, type Socket } from 'node:net';

/**
 * A loopback TCP relay between a client and the gateway simulator that notes
 * the moment each placeOrder frame from the client arrives, by order id. B3's
 * end point is "placeOrder bytes at the simulator": the relay sees them one
 * hop before the simulator does, on this process's clock, so the start and
 * end of every sample are read from the same clock.
 */

/** TWS outgoing message id of placeOrder. */
const PLACE_ORDER = '3';

export class WireTap {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  /** Order id → performance.now() when its placeOrder frame arrived. */
  readonly arrivals = new Map<number, number>();
  private readonly waiters = new Map<number, (at: number) => void>();
  port = 0;

  constructor(private readonly upstreamPort: number) {}

  async listen(): Promise<number> {
    this.server = createServer((client) => this.relay(client));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    const address = this.server.address();
    this.port = typeof address === 'object' && address ? address.port : 0;
    return this.port;
  }

  /** Resolves with the arrival time of order `id`'s placeOrder frame. */
  arrival(id: number): Promise<number> {
    const seen = this.arrivals.get(id);
    if (seen !== undefined) return Promise.resolve(seen);
    return new Promise((resolve) => this.waiters.set(id, resolve));
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private relay(client: Socket): void {
    const upstream = createConnection({ host: '127.0.0.1', port: this.upstreamPort });
    this.sockets.add(client);
    this.sockets.add(upstream);
    client.setNoDelay(true);
    upstream.setNoDelay(true);
    let buffer = Buffer.alloc(0);
    let handshakeDone = false;
    client.on('data', (chunk: Buffer) => {
      const at = performance.now();
      upstream.write(chunk);
      buffer = Buffer.concat([buffer, chunk]);
      if (!handshakeDone) {
        // "API\0", then a length-prefixed version range.
        if (buffer.length < 8) return;
        const length = buffer.readUInt32BE(4);
        if (buffer.length < 8 + length) return;
        buffer = buffer.subarray(8 + length);
        handshakeDone = true;
      }
      while (buffer.length >= 4) {
        const length = buffer.readUInt32BE(0);
        if (buffer.length < 4 + length) break;
        const fields = buffer.subarray(4, 4 + length).toString('utf8').split('\0');
        buffer = buffer.subarray(4 + length);
        if (fields[0] !== PLACE_ORDER) continue;
        const id = Number(fields[1]);
        this.arrivals.set(id, at);
        this.waiters.get(id)?.(at);
        this.waiters.delete(id);
      }
    });
    upstream.on('data', (chunk: Buffer) => client.write(chunk));
    const end = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('close', end);
    upstream.on('close', end);
    client.on('error', end);
    upstream.on('error', end);
  }
}
