import { randomUUID } from 'node:crypto';
import type { Logger } from '../../runtime/logger.ts';

/** Where notifications go: Telegram, or the log when no bot is configured (S7.2). */
export interface Transport {
  /** Names the channel in `delivered_as`, e.g. "telegram" or "log". */
  readonly name: string;
  /** Sends one message of at most 4096 characters, with buttons where the channel has them; resolves to the message id it gave it. */
  send(text: string, signal: AbortSignal, buttons?: { text: string; data: string }[][]): Promise<string>;
}

/** A failed send, already made safe to log and store: no token, no URL. */
export class DeliveryError extends Error {
  override readonly name = 'DeliveryError';
  constructor(
    message: string,
    /** From a 429: how long the channel asked us to wait. */
    readonly retryAfterMs?: number,
    /** The channel refused the request itself (400, 401, 403, 404): sending it again changes nothing. */
    readonly permanent = false,
  ) {
    super(message);
  }
}

/**
 * Without a bot token alerts still reach a person: through the log, and the
 * dashboard reads the ALERT beads. Each message is one warn line.
 */
export class LogTransport implements Transport {
  readonly name = 'log';
  private count = 0;
  // Message ids must stay distinct across restarts: the throttle ledger is rebuilt from them.
  private readonly run = randomUUID().slice(0, 8);

  constructor(private readonly logger: Logger) {}

  async send(text: string): Promise<string> {
    this.count += 1;
    this.logger.warn({ alert_text: text }, 'alert (Telegram not configured, delivered to the log)');
    return `${this.run}-${this.count}`;
  }
}
