/**
 * The simulator's state as the control channel's GET /state returns it:
 * everything a test or an operator needs to check what the "broker" saw.
 */
import type { Broker, Rejection } from './broker/broker.ts';
import type { Execution, Position, SimOrder } from './broker/brokerTypes.ts';
import type { PairName } from './market/fxPairs.ts';
import type { PriceBook, Quote } from './market/priceBook.ts';
import type { GatewayServer, TrafficStats } from './server/gatewayServer.ts';

/** What a snapshot is taken of: the simulator's parts, named here so this file does not import the simulator back. */
export interface SnapshotSource {
  readonly server: GatewayServer;
  readonly broker: Broker;
  readonly prices: PriceBook;
  readonly account: string;
  readonly heldClientIds: ReadonlyMap<number, number | undefined>;
  readonly restarting: boolean;
  readonly lastRestartError: string | undefined;
}

export interface ClientSnapshot {
  sessionId: number;
  clientId: number | null;
  phase: string;
  remote: string;
  serverVersion: number;
  connectedAt: string;
  messagesReceived: number;
  pacingViolations: number;
  marketDataReqIds: number[];
}

export interface SimSnapshot {
  pid: number;
  port: number;
  listening: boolean;
  restarting: boolean;
  lastRestartError: string | null;
  serverVersion: number;
  account: string;
  nextValidId: number;
  chaos: {
    silent: boolean;
    dropNext: number;
    loseNextOrders: number;
    delayFillsMs: number;
    rejectNext: string | null;
    partialNext: boolean;
    heldClientIds: Array<{ clientId: number; until: string | null }>;
  };
  clients: ClientSnapshot[];
  orders: SimOrder[];
  positions: Position[];
  executions: Execution[];
  rejections: Rejection[];
  prices: Record<PairName, Quote>;
  counts: TrafficStats & { placeOrder: number };
}

export function snapshotOf(sim: SnapshotSource): SimSnapshot {
  const { server, broker } = sim;
  const stats = server.stats;
  return {
    pid: process.pid,
    port: server.port,
    listening: server.listening,
    restarting: sim.restarting,
    lastRestartError: sim.lastRestartError ?? null,
    serverVersion: server.offeredServerVersion,
    account: sim.account,
    nextValidId: broker.nextValidId,
    chaos: {
      silent: server.silent,
      dropNext: server.dropNext,
      loseNextOrders: server.loseNextOrders,
      delayFillsMs: broker.flags.delayFillsMs,
      rejectNext: broker.flags.rejectNext ?? null,
      partialNext: broker.flags.partialNext,
      heldClientIds: [...sim.heldClientIds].map(([clientId, until]) => ({
        clientId,
        until: until === undefined ? null : new Date(until).toISOString(),
      })),
    },
    clients: [...server.sessions].map((s) => ({
      sessionId: s.id,
      clientId: s.clientId ?? null,
      phase: s.phase,
      remote: s.remote,
      serverVersion: s.serverVersion,
      connectedAt: new Date(s.connectedAt).toISOString(),
      messagesReceived: s.received,
      pacingViolations: s.pacingViolations,
      marketDataReqIds: [...s.marketData.keys()],
    })),
    orders: structuredClone(broker.state.orders),
    positions: structuredClone(broker.state.positions),
    executions: structuredClone(broker.state.executions),
    rejections: [...broker.rejections],
    prices: sim.prices.snapshot(),
    counts: {
      ...structuredClone(stats),
      placeOrder: stats.receivedByName['placeOrder'] ?? 0,
    },
  };
}
