/**
 * The gateway simulator as one object: prices, broker, TCP server and the
 * chaos knobs the control channel turns. The process entry (cli.ts) and
 * in-process tests both build it through `GatewaySimulator.create`.
 */
import { Broker } from './broker/broker.ts';
import { type BrokerState, emptyBrokerState } from './broker/brokerTypes.ts';
import { loadBrokerState, saveBrokerState } from './broker/stateFile.ts';
import { FX_PAIRS, PAIR_NAMES, type PairName } from './market/fxPairs.ts';
import { PriceBook } from './market/priceBook.ts';
import { errorMessage } from './protocol/responses.ts';
import { BrokerFanout } from './server/brokerFanout.ts';
import { type MalformedKind, malformedMessages } from './server/malformedMessages.ts';
import { GatewayServer } from './server/gatewayServer.ts';
import { DEFAULT_PACING, type PacingOptions } from './server/pacing.ts';
import { CLIENT_ID_IN_USE, type GatewayContext, handleRequest, quoteTicks } from './server/requestHandlers.ts';
import type { Session } from './server/session.ts';
import { type SimSnapshot, snapshotOf } from './simulatorSnapshot.ts';

export interface GatewaySimOptions {
  port: number;
  host?: string;
  account: string;
  serverVersion: number;
  seed: number;
  /** The first nextValidId of a fresh state. */
  nextValidId: number;
  /** Overrides a loaded state's next id (a respawn that rolls ids back). */
  forceNextValidId?: number;
  stateFile?: string;
  /** Walk step interval; 0 stops the walk (prices move only when set). */
  tickMs: number;
  pacing?: PacingOptions;
}

export type ConnectivityEvent = 'lost' | 'restored-data-lost' | 'restored-data-kept' | 'server-broken';

const CONNECTIVITY_MESSAGES: Record<ConnectivityEvent, [number, string]> = {
  lost: [1100, 'Connectivity between IB and Trader Workstation has been lost.'],
  'restored-data-lost': [1101, 'Connectivity between IB and Trader Workstation has been restored - data lost.'],
  'restored-data-kept': [1102, 'Connectivity between IB and Trader Workstation has been restored - data maintained.'],
  'server-broken': [
    2110,
    'Connectivity between Trader Workstation and server is broken. It will be restored automatically.',
  ],
};

export interface RestartOptions {
  downtimeMs: number;
  nextValidId?: number;
  serverVersion?: number;
}

export class GatewaySimulator implements GatewayContext {
  readonly prices: PriceBook;
  readonly broker: Broker;
  readonly server: GatewayServer;
  readonly account: string;
  /** Client ids held "in use": id to the epoch ms the hold ends (undefined: until released). */
  readonly heldClientIds = new Map<number, number | undefined>();
  restarting = false;
  lastRestartError: string | undefined;
  private walkTimer: NodeJS.Timeout | undefined;
  private dirty = false;

  private constructor(
    readonly options: GatewaySimOptions,
    state: BrokerState,
  ) {
    this.account = options.account;
    this.prices = new PriceBook(options.seed);
    this.server = new GatewayServer({
      host: options.host ?? '127.0.0.1',
      port: options.port,
      serverVersion: options.serverVersion,
      pacing: options.pacing ?? DEFAULT_PACING,
      onRequest: (session, request) => handleRequest(this, session, request),
      beforeFlush: () => this.saveIfDirty(),
    });
    const fanout = new BrokerFanout(this.server, () => this.markDirty());
    this.broker = new Broker(state, this.prices, options.account, fanout);
  }

  /** Builds a simulator, loading the state file if there is one (StateFileError if it is bad). */
  static create(options: GatewaySimOptions): GatewaySimulator {
    const loaded = options.stateFile ? loadBrokerState(options.stateFile) : undefined;
    const state = loaded ?? emptyBrokerState(options.nextValidId);
    if (options.forceNextValidId !== undefined) state.nextValidId = options.forceNextValidId;
    const sim = new GatewaySimulator(options, state);
    sim.markDirty();
    return sim;
  }

  async start(): Promise<number> {
    const port = await this.server.listen();
    if (this.options.tickMs > 0) {
      this.walkTimer = setInterval(() => this.step(), this.options.tickMs);
      this.walkTimer.unref?.();
    }
    return port;
  }

  async stop(): Promise<void> {
    if (this.walkTimer) clearInterval(this.walkTimer);
    this.walkTimer = undefined;
    this.broker.dispose();
    await this.server.stop();
    this.saveIfDirty();
  }

  now(): number {
    return Date.now();
  }

  clientIdRefusal(clientId: number, session: Session): string | undefined {
    const until = this.heldClientIds.get(clientId);
    if (this.heldClientIds.has(clientId)) {
      if (until === undefined || until > this.now()) return CLIENT_ID_IN_USE;
      this.heldClientIds.delete(clientId);
    }
    const other = this.server.readySessions(clientId).find((s) => s !== session);
    return other ? CLIENT_ID_IN_USE : undefined;
  }

  onClientIdRefused(): void {
    this.server.stats.clientIdRefusals += 1;
  }

  /** One step of the walk: every pair moves, working orders are re-checked, subscribers get ticks. */
  step(): void {
    this.prices.step();
    this.pricesMoved([...PAIR_NAMES]);
  }

  setPrice(pair: PairName, price: number): void {
    this.prices.set(pair, price);
    this.pricesMoved([pair]);
  }

  setSilent(silent: boolean): void {
    this.server.silent = silent;
  }

  holdClientId(clientId: number, held: boolean, forMs?: number): void {
    if (!held) {
      this.heldClientIds.delete(clientId);
      return;
    }
    this.heldClientIds.set(clientId, forMs === undefined ? undefined : this.now() + forMs);
  }

  /** Drops every connection, then listens on the same port after `downtimeMs`; returns at once. */
  restart(options: RestartOptions): void {
    if (this.restarting) throw new Error('a restart is already under way');
    this.restarting = true;
    this.lastRestartError = undefined;
    if (options.nextValidId !== undefined) this.broker.setNextValidId(options.nextValidId);
    this.server
      .restart(options.downtimeMs, options.serverVersion)
      .catch((error: Error) => {
        this.lastRestartError = error.message;
        process.stderr.write(`gateway-sim: could not listen again on port ${this.server.port}: ${error.message}\n`);
      })
      .finally(() => {
        this.restarting = false;
      });
  }

  /**
   * Tells every connected client about the gateway's own link to IB (codes
   * 1100, 1101, 1102, 2110, all with id -1). After 1101 ("data lost") IB has
   * dropped the market data subscriptions, so the simulator drops them too and
   * the client must subscribe again. Returns how many clients were told.
   */
  announceConnectivity(event: ConnectivityEvent): number {
    const [code, text] = CONNECTIVITY_MESSAGES[event];
    const sessions = this.server.readySessions();
    for (const session of sessions) {
      session.send(errorMessage(session.serverVersion, -1, code, text));
      if (code === 1101) session.marketData.clear();
    }
    return sessions.length;
  }

  /**
   * Sends a malformed message of one kind (see server/malformedMessages.ts)
   * to every ready client, or those of one client id. Returns how many got one.
   */
  sendMalformed(kind: MalformedKind, clientId?: number): number {
    const sessions = this.server.readySessions(clientId);
    for (const session of sessions) {
      const own = this.broker.state.orders.filter((o) => o.clientId === session.clientId && o.status !== 'Untransmitted');
      this.server.stats.malformedSent += 1;
      const ctx = { serverVersion: session.serverVersion, clientId: session.clientId ?? 0, account: this.account, lastOrder: own.at(-1), seq: this.server.stats.malformedSent, now: this.now() };
      for (const message of malformedMessages(kind, ctx)) session.send(message);
    }
    return sessions.length;
  }

  /** Resets every client connection (RST, not FIN), for a kill that looks like a crash. */
  abortConnections(): void {
    for (const session of this.server.sessions) session.socket.resetAndDestroy();
  }

  snapshot(): SimSnapshot {
    return snapshotOf(this);
  }

  private pricesMoved(pairs: PairName[]): void {
    this.broker.evaluate(pairs);
    for (const session of this.server.readySessions()) {
      for (const [reqId, pair] of session.marketData) {
        if (!pairs.includes(pair)) continue;
        for (const message of quoteTicks(reqId, FX_PAIRS[pair], this.prices)) session.send(message);
      }
    }
  }

  private markDirty(): void {
    if (!this.options.stateFile || this.dirty) return;
    this.dirty = true;
    queueMicrotask(() => this.saveIfDirty());
  }

  private saveIfDirty(): void {
    if (!this.dirty || !this.options.stateFile) return;
    this.dirty = false;
    saveBrokerState(this.options.stateFile, this.broker.state);
  }
}
