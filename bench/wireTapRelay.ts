import { createConnection, createServer, type Server, type Socket } from 'node:net';

/**
 * A loopback TCP relay between a client and the gateway simulator that notes
 * the moment each placeOrder frame from the client arrives, by order id. It
 * runs in its own process (wireTapMain.ts): B3's end point is "placeOrder
 * bytes at the simulator", and a relay inside the process under test would
 * only read them once that process's event loop let it.
 */

/** Wall-clock milliseconds with performance.now()'s precision: comparable across processes once calibrated. */
export const epochNow = () => performance.timeOrigin + performance.now();

/** TWS outgoing message id of placeOrder. */
const PLACE_ORDER = '3';

export class WireTapRelay {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  port = 0;

  constructor(
    private readonly upstreamPort: number,
    /** Called with the order id and the arrival time (epoch ms, sub-ms precision) of each placeOrder frame. */
    private readonly onPlaceOrder: (id: number, at: number) => void,
  ) {}

  async listen(): Promise<number> {
    this.server = createServer((client) => this.relay(client));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    const address = this.server.address();
    this.port = typeof address === 'object' && address ? address.port : 0;
    return this.port;
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
      const at = epochNow();
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
        this.onPlaceOrder(Number(fields[1]), at);
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
