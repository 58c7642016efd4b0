/**
 * The TCP side of the gateway: listening (and re-listening on the same port
 * after a simulated restart), the set of live sessions, and the outgoing
 * message path where the chaos controls act: silence and dropped messages.
 */
import { createServer, type Server, type Socket } from 'node:net';
import type { ClientRequest } from '../protocol/requests.ts';
import { errorMessage, type Message } from '../protocol/responses.ts';
import { encodeFrame } from '../protocol/wire.ts';
import type { PacingOptions } from './pacing.ts';
import { Session, type SessionHost } from './session.ts';

export interface TrafficStats {
  connectionsAccepted: number;
  messagesReceived: number;
  receivedByName: Record<string, number>;
  messagesSent: number;
  /** Outgoing messages swallowed by drop-next. */
  messagesDropped: number;
  /** Incoming placeOrder messages lost by lose-next-order: read, never acted on. */
  ordersLost: number;
  /** Outgoing bytes withheld while silent (messages and handshakes). */
  messagesSilenced: number;
  error100Sent: number;
  pacingDisconnects: number;
  clientIdRefusals: number;
  /** Requests whose handling threw: simulator bugs. */
  internalErrors: number;
  /** Messages sent by the `malformed` chaos control, one per client told. */
  malformedSent: number;
}

function emptyStats(): TrafficStats {
  return {
    connectionsAccepted: 0,
    messagesReceived: 0,
    receivedByName: {},
    messagesSent: 0,
    messagesDropped: 0,
    ordersLost: 0,
    messagesSilenced: 0,
    error100Sent: 0,
    pacingDisconnects: 0,
    clientIdRefusals: 0,
    internalErrors: 0,
    malformedSent: 0,
  };
}

/** IB's connection time form: `20240115 10:30:00 UTC`. */
function connectionTime(ms: number): string {
  const iso = new Date(ms).toISOString();
  return `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)} ${iso.slice(11, 19)} UTC`;
}

export interface GatewayServerOptions {
  host: string;
  port: number;
  serverVersion: number;
  pacing: PacingOptions;
  onRequest(session: Session, request: ClientRequest): void;
  onSessionClosed?(session: Session): void;
  /** Runs before queued messages go out; the simulator persists its state here. */
  beforeFlush?(): void;
  now?(): number;
}

type Outgoing =
  | { session: Session; kind: 'handshake' | 'message'; message: Message }
  | { session: Session; kind: 'end' };

export class GatewayServer implements SessionHost {
  offeredServerVersion: number;
  readonly pacing: PacingOptions;
  readonly sessions = new Set<Session>();
  readonly stats: TrafficStats = emptyStats();
  /** Half-open mode: read everything, write nothing. */
  silent = false;
  /** The next this-many outgoing messages are dropped. */
  dropNext = 0;
  /** The next N incoming orders are lost before the broker sees them, as in a gateway that dies with them in its buffer. */
  loseNextOrders = 0;
  private server: Server | undefined;
  private boundPort: number;
  private restartTimer: NodeJS.Timeout | undefined;
  private outbox: Outgoing[] = [];

  constructor(private readonly options: GatewayServerOptions) {
    this.offeredServerVersion = options.serverVersion;
    this.pacing = options.pacing;
    this.boundPort = options.port;
  }

  get port(): number {
    return this.boundPort;
  }

  get listening(): boolean {
    return this.server?.listening ?? false;
  }

  now(): number {
    return this.options.now ? this.options.now() : Date.now();
  }

  /** Starts listening; with port 0 the first time, the port chosen is kept for every later restart. */
  async listen(): Promise<number> {
    const server = createServer((socket) => this.accept(socket));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.boundPort, this.options.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    const address = server.address();
    if (address && typeof address === 'object') this.boundPort = address.port;
    return this.boundPort;
  }

  /** Stops listening and drops every connection at once (no goodbye on the wire). */
  async stop(): Promise<void> {
    if (this.restartTimer) clearTimeout(this.restartTimer);
    this.restartTimer = undefined;
    this.dropAll();
    const server = this.server;
    this.server = undefined;
    if (server?.listening) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /**
   * Drops everyone, stays deaf for `downtimeMs`, then listens on the same port
   * again, optionally offering another server version.
   */
  async restart(downtimeMs: number, serverVersion?: number): Promise<void> {
    await this.stop();
    if (serverVersion !== undefined) this.offeredServerVersion = serverVersion;
    await new Promise<void>((resolve) => {
      this.restartTimer = setTimeout(resolve, downtimeMs);
    });
    this.restartTimer = undefined;
    await this.listen();
  }

  dropAll(): void {
    for (const session of this.sessions) session.destroy();
    this.sessions.clear();
  }

  /** Sessions past startApi, optionally only those of one client id. */
  readySessions(clientId?: number): Session[] {
    return [...this.sessions].filter(
      (s) => s.phase === 'ready' && s.open && (clientId === undefined || s.clientId === clientId),
    );
  }

  sendHandshake(session: Session, serverVersion: number): void {
    this.enqueue({
      session,
      kind: 'handshake',
      message: [serverVersion, connectionTime(this.now())],
    });
  }

  send(session: Session, message: Message): void {
    this.enqueue({ session, kind: 'message', message });
  }

  end(session: Session): void {
    this.enqueue({ session, kind: 'end' });
  }

  /**
   * Everything outgoing waits in one queue that is flushed at the end of the
   * current turn, after `beforeFlush` (which saves the state file). So a
   * client never hears of an order or a fill that a kill -9 could still undo.
   */
  private enqueue(item: Outgoing): void {
    this.outbox.push(item);
    if (this.outbox.length === 1) queueMicrotask(() => this.flush());
  }

  private flush(): void {
    this.options.beforeFlush?.();
    const items = this.outbox;
    this.outbox = [];
    for (const item of items) {
      const socket = item.session.socket;
      if (socket.destroyed) continue;
      if (item.kind === 'end') {
        socket.end();
        continue;
      }
      if (this.silent) {
        this.stats.messagesSilenced += 1;
        continue;
      }
      if (item.kind === 'message' && this.dropNext > 0) {
        this.dropNext -= 1;
        this.stats.messagesDropped += 1;
        continue;
      }
      if (item.kind === 'message') this.stats.messagesSent += 1;
      socket.write(encodeFrame(item.message));
    }
  }

  /**
   * A bug in a handler must not take the gateway down with every client on
   * it: the request is answered with error 320, the stack goes to stderr and
   * `internalErrors` counts it (tests assert it stays 0).
   */
  onRequest(session: Session, request: ClientRequest): void {
    if (request.kind === 'placeOrder' && this.loseNextOrders > 0) {
      this.loseNextOrders -= 1;
      this.stats.ordersLost += 1;
      return;
    }
    try {
      this.options.onRequest(session, request);
    } catch (error) {
      this.stats.internalErrors += 1;
      process.stderr.write(`gateway-sim: internal error on ${request.kind}: ${(error as Error).stack}\n`);
      session.send(errorMessage(session.serverVersion, -1, 320, `Error processing request: internal simulator error`));
    }
  }

  onReceived(_session: Session, name: string): void {
    this.stats.messagesReceived += 1;
    this.stats.receivedByName[name] = (this.stats.receivedByName[name] ?? 0) + 1;
  }

  onPacingViolation(session: Session, disconnecting: boolean): void {
    const text =
      `Max rate of messages per second has been exceeded:max=${this.pacing.maxPerSecond} ` +
      `rec=${session.receivedThisSecond} (${session.pacingViolations})`;
    const message = errorMessage(session.serverVersion, -1, 100, text);
    this.stats.error100Sent += 1;
    if (!disconnecting) {
      session.send(message);
      return;
    }
    this.stats.pacingDisconnects += 1;
    session.closeAfter([message]);
  }

  onClosed(session: Session): void {
    this.sessions.delete(session);
    this.options.onSessionClosed?.(session);
  }

  private accept(socket: Socket): void {
    this.stats.connectionsAccepted += 1;
    this.sessions.add(new Session(socket, this));
  }
}
