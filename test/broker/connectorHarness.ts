/**
 * One connector, either backend, plus the knobs a test needs to steer the
 * broker behind it: the mock's in-process broker, or the gateway simulator's
 * control channel. The connector suite is written once against this.
 */
import { createConnector } from '../../actors/broker/createConnector.ts';
import type { ConnectorEvents, IBKRConnector } from '../../actors/broker/connector.ts';
import type { MockConnector } from '../../actors/broker/mockConnector.ts';
import { systemClock } from '../../runtime/clock.ts';
import { loadConfig } from '../../runtime/config/load.ts';
import { silentLogger } from '../../runtime/logger.ts';
import type { Pair } from '../../beads/index.ts';
import { waitUntil } from '../support/gatewaySimClient.ts';
import type { GatewaySimHandle } from '../support/gatewaySimProcess.ts';

export interface ConnectorHarness {
  backend: 'mock' | 'ib';
  connector: IBKRConnector;
  account: string;
  /** Every event the connector emitted, in order. */
  events: { [K in keyof ConnectorEvents]: ConnectorEvents[K][] };
  setPrice(pair: Pair, price: number): Promise<void>;
  rejectNextOrder(reason: string): Promise<void>;
  /** Orders that reached the broker so far, accepted or not. */
  ordersReceived(): Promise<number>;
  close(): Promise<void>;
}

function record(connector: IBKRConnector): ConnectorHarness['events'] {
  const events: ConnectorHarness['events'] = { orderStatus: [], execution: [], orderRejected: [], tick: [], notice: [], connectivity: [], lost: [], refused: [] };
  for (const name of Object.keys(events) as (keyof ConnectorEvents)[]) {
    connector.on(name, (payload) => (events[name] as unknown[]).push(payload));
  }
  return events;
}

export function mockHarness(): ConnectorHarness {
  const config = loadConfig({ IBKR_MODE: 'mock', IBKR_ACCOUNT: 'DU123456' });
  const connector = createConnector({ config, clock: systemClock, logger: silentLogger, highestOrderId: 0 }) as MockConnector;
  return {
    backend: 'mock',
    connector,
    account: 'DU123456',
    events: record(connector),
    setPrice: async (pair, price) => connector.broker.setPrice(pair, price),
    rejectNextOrder: async (reason) => {
      connector.broker.rejectNext = reason;
    },
    ordersReceived: async () => connector.broker.received,
    close: () => connector.close(),
  };
}

export function ibHarness(sim: GatewaySimHandle, clientId: number, env: Record<string, string> = {}): ConnectorHarness {
  const config = loadConfig({
    IBKR_MODE: 'paper',
    IBKR_ACCOUNT: 'DU123456',
    IBKR_PORT: String(sim.port),
    IBKR_PAPER_PORT: String(sim.port),
    IBKR_CLIENT_ID: String(clientId),
    ...env,
  });
  const connector = createConnector({ config, clock: systemClock, logger: silentLogger, highestOrderId: 0 });
  return {
    backend: 'ib',
    connector,
    account: 'DU123456',
    events: record(connector),
    setPrice: async (pair, price) => {
      await sim.control('set-price', { pair, price });
    },
    rejectNextOrder: async (reason) => {
      await sim.control('reject-next-order', { reason });
    },
    ordersReceived: async () => (await sim.state()).counts.placeOrder,
    close: () => connector.close(),
  };
}

/** Waits for an event that matches; polls, so a slow box only makes it slower, not red. */
export function eventually<K extends keyof ConnectorEvents>(
  h: ConnectorHarness,
  name: K,
  match: (payload: ConnectorEvents[K]) => boolean,
  timeoutMs = 10_000,
): Promise<ConnectorEvents[K]> {
  return waitUntil(() => (h.events[name] as ConnectorEvents[K][]).find(match), `${h.backend} ${name}`, timeoutMs);
}
