import { ATTEMPT_TIMEOUT_MS } from '../../machines/connection.ts';
import type { Clock } from '../../runtime/clock.ts';
import type { Config } from '../../runtime/config/load.ts';
import type { Logger } from '../../runtime/logger.ts';
import type { IBKRConnector } from './connector.ts';
import { IbConnector } from './ibConnector.ts';
import { scaledProbe } from './livenessProbe.ts';
import { MockConnector } from './mockConnector.ts';
import { OrderIdAllocator } from './orderIds.ts';
import { MessagePacer } from './pacer.ts';

/** The account the mock backend manages when IBKR_ACCOUNT is not set (mock may trade any account it is given). */
export const MOCK_ACCOUNT = 'DUMOCK01';

export type ConnectorConfig = Pick<Config, 'mode' | 'IBKR_HOST' | 'ibkrPort' | 'IBKR_CLIENT_ID' | 'IBKR_ACCOUNT' | 'TIME_SCALE'>;

export interface ConnectorDeps {
  config: ConnectorConfig;
  clock: Clock;
  logger: Logger;
  /** The largest order id in the log (brokerLogFacts.ts). */
  highestOrderId: number;
  pacer?: MessagePacer;
}

/** The account orders go to: IBKR_ACCOUNT, or the mock's own. */
export function tradingAccount(config: Pick<Config, 'mode' | 'IBKR_ACCOUNT'>): string {
  return config.IBKR_ACCOUNT ?? (config.mode === 'MOCK' ? MOCK_ACCOUNT : '');
}

/** The backend is chosen once, by the mode fixed at start (no hot flip). */
export function createConnector({ config, clock, logger, highestOrderId, pacer }: ConnectorDeps): IBKRConnector {
  const orderIds = new OrderIdAllocator(highestOrderId);
  const messagePacer = pacer ?? new MessagePacer();
  const now = () => clock.now();
  if (config.mode === 'MOCK') {
    return new MockConnector({ account: tradingAccount(config), port: config.ibkrPort, pacer: messagePacer, orderIds, now });
  }
  const attemptMs = ATTEMPT_TIMEOUT_MS * config.TIME_SCALE;
  return new IbConnector({
    host: config.IBKR_HOST,
    port: config.ibkrPort,
    clientId: config.IBKR_CLIENT_ID,
    account: config.IBKR_ACCOUNT,
    pacer: messagePacer,
    orderIds,
    probe: scaledProbe(config.TIME_SCALE),
    // Shorter than the machine's attempt timeout, so a silent handshake ends as a clear failure first.
    handshakeTimeoutMs: Math.max(500, attemptMs * 0.8),
    // Not scaled: a request may wait behind an order burst in the pacer, and pacing runs in real seconds.
    requestTimeoutMs: 30_000,
    logger: logger.child({ actor: 'broker-ib' }),
    now,
  });
}
