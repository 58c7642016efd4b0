import type { Logger } from '../../runtime/logger.ts';
import type { ProbeOptions } from './livenessProbe.ts';
import type { OrderIdAllocator } from './orderIds.ts';
import type { MessagePacer } from './pacer.ts';

/** What the real client's connector is built with (createConnector.ts fills it from the configuration). */
export interface IbConnectorOptions {
  host: string;
  port: number;
  /** Fixed for the life of the process; never incremented, not even after 326. */
  clientId: number;
  /** Written on every order, so an order can only land on the account the guards checked. */
  account: string | undefined;
  pacer: MessagePacer;
  orderIds: OrderIdAllocator;
  probe: ProbeOptions;
  handshakeTimeoutMs: number;
  requestTimeoutMs: number;
  logger: Logger;
  now(): number;
}
