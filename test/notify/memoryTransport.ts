import { DeliveryError, type Transport } from '../../actors/notify/transport.ts';

export type TransportMode = 'up' | 'down' | { retryAfterMs: number };

/** A transport that records what it was given, and can be switched down for outage tests. */
export class MemoryTransport implements Transport {
  readonly name = 'memory';
  readonly delivered: { at: number; text: string }[] = [];
  attempts = 0;
  mode: TransportMode = 'up';

  constructor(private readonly now: () => number) {}

  async send(text: string): Promise<string> {
    this.attempts += 1;
    if (this.mode === 'down') throw new DeliveryError('connection refused');
    if (typeof this.mode === 'object') throw new DeliveryError('429: Too Many Requests', this.mode.retryAfterMs);
    this.delivered.push({ at: this.now(), text });
    return String(this.delivered.length);
  }
}
