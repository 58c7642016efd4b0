/**
 * One client connection: the greeting and version handshake, pacing, and the
 * decoding of each message into a request for the host. The session never
 * throws on bad input: a stream that is not TWS protocol is dropped, and a
 * malformed message is answered with error 320.
 */
import type { Socket } from 'node:net';
import type { PairName } from '../market/fxPairs.ts';
import { MalformedMessage } from '../protocol/fieldReader.ts';
import { SUPPORTED_SERVER_VERSIONS } from '../protocol/messageIds.ts';
import { type ClientRequest, decodeRequest, requestName } from '../protocol/requests.ts';
import { errorMessage, type Message } from '../protocol/responses.ts';
import { ServerWireReader } from '../protocol/wire.ts';
import { type PacingOptions, PacingMeter } from './pacing.ts';

export type SessionPhase = 'greeting' | 'awaitingStartApi' | 'ready' | 'closed';

export interface SessionHost {
  /** The version the server offers; a session speaks min(this, the client's max). */
  readonly offeredServerVersion: number;
  readonly pacing: PacingOptions;
  now(): number;
  sendHandshake(session: Session, serverVersion: number): void;
  send(session: Session, message: Message): void;
  /** Closes the connection once what was sent before has gone out. */
  end(session: Session): void;
  onRequest(session: Session, request: ClientRequest): void;
  onReceived(session: Session, name: string): void;
  onPacingViolation(session: Session, disconnecting: boolean): void;
  onClosed(session: Session): void;
}

let nextSessionId = 1;

export class Session {
  readonly id = nextSessionId++;
  readonly connectedAt: number;
  readonly remote: string;
  phase: SessionPhase = 'greeting';
  serverVersion = 0;
  clientId: number | undefined;
  received = 0;
  /** Market data subscriptions: request id to pair. */
  readonly marketData = new Map<number, PairName>();
  positionsSubscribed = false;
  private readonly reader = new ServerWireReader();
  private readonly meter: PacingMeter;

  constructor(
    readonly socket: Socket,
    private readonly host: SessionHost,
  ) {
    this.connectedAt = host.now();
    this.remote = `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'}`;
    this.meter = new PacingMeter(host.pacing, this.connectedAt);
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', () => this.socket.destroy());
    socket.on('close', () => this.onClose());
  }

  get pacingViolations(): number {
    return this.meter.violations;
  }

  get receivedThisSecond(): number {
    return this.meter.receivedThisSecond;
  }

  get open(): boolean {
    return this.phase !== 'closed' && !this.socket.destroyed;
  }

  send(message: Message): void {
    if (this.open) this.host.send(this, message);
  }

  /** Sends the last words (if any) and closes once they are flushed. */
  closeAfter(messages: readonly Message[]): void {
    for (const message of messages) this.send(message);
    this.phase = 'closed';
    this.host.end(this);
  }

  /** Drops the connection at once, as a dying gateway does. */
  destroy(): void {
    this.phase = 'closed';
    this.socket.destroy();
  }

  private onData(chunk: Buffer): void {
    if (this.phase === 'closed') return;
    for (const event of this.reader.push(chunk)) {
      if (!this.open) return;
      if (event.type === 'protocolError') {
        this.destroy();
        return;
      }
      if (event.type === 'greeting') {
        const range = event.range;
        if (!range || this.host.offeredServerVersion < range.min || range.max < SUPPORTED_SERVER_VERSIONS.min) {
          // No version both sides speak: a real gateway hangs up.
          this.destroy();
          return;
        }
        this.serverVersion = Math.min(this.host.offeredServerVersion, range.max);
        this.phase = 'awaitingStartApi';
        this.host.sendHandshake(this, this.serverVersion);
        continue;
      }
      this.onMessage(event.fields);
    }
  }

  private onMessage(fields: string[]): void {
    this.received += 1;
    const msgId = Number(fields[0]);
    this.host.onReceived(this, Number.isInteger(msgId) ? requestName(msgId) : 'malformed');
    const verdict = this.meter.record(this.host.now());
    if (verdict !== 'ok') {
      if (verdict === 'violation' || verdict === 'disconnect') {
        this.host.onPacingViolation(this, verdict === 'disconnect');
      }
      return;
    }
    let request: ClientRequest;
    try {
      request = decodeRequest(fields, this.serverVersion);
    } catch (error) {
      if (!(error instanceof MalformedMessage)) throw error;
      this.send(errorMessage(this.serverVersion, -1, 320, `Error reading request: ${error.message}`));
      return;
    }
    // Before startApi the gateway knows no client id; it ignores everything else.
    if (this.phase === 'awaitingStartApi' && request.kind !== 'startApi') return;
    if (this.phase === 'ready' && request.kind === 'startApi') return;
    this.host.onRequest(this, request);
  }

  private onClose(): void {
    this.phase = 'closed';
    this.host.onClosed(this);
  }
}
