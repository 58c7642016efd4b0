import type { Pair } from '../../beads/index.ts';
import type { IBKRConnector, Tick } from '../broker/connector.ts';
import type { Logger } from '../../runtime/logger.ts';

/**
 * The latest quote per pair, from the broker's market data: the evidence
 * bundle's current price and the positions' paper P&L. Ticks are too many to
 * be beads; this is memory only, and a quote says when it was seen.
 */
export interface Quote {
  bid?: number;
  ask?: number;
  mid: number;
  at: number;
}

export class PriceBook {
  private readonly quotes = new Map<string, Quote>();
  private readonly listeners = new Set<(pair: Pair, quote: Quote) => void>();
  private readonly wanted = new Set<Pair>();
  private readonly subscribed = new Set<Pair>();

  constructor(
    private readonly connector: IBKRConnector,
    private readonly logger: Logger,
  ) {
    connector.on('tick', (t) => this.onTick(t));
  }

  quote(pair: string): Quote | undefined {
    return this.quotes.get(pair);
  }

  onQuote(listener: (pair: Pair, quote: Quote) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Asks for market data on `pair` now if connected, else at the next `ensure` (after a (re)connect). */
  async watch(pair: Pair): Promise<void> {
    this.wanted.add(pair);
    await this.ensure();
  }

  /** Subscribes every wanted pair not yet subscribed; the connector itself resubscribes after a reconnect. */
  async ensure(): Promise<void> {
    if (!this.connector.session()) return;
    for (const pair of this.wanted) {
      if (this.subscribed.has(pair)) continue;
      this.subscribed.add(pair);
      try {
        await this.connector.subscribe(pair);
      } catch (err) {
        this.subscribed.delete(pair);
        this.logger.warn({ pair, err: (err as Error).message }, 'market data subscription failed; will retry');
      }
    }
  }

  /** Resolves with a quote for `pair`, waiting up to `timeoutMs` for the first one. */
  async waitForQuote(pair: string, timeoutMs: number): Promise<Quote | undefined> {
    const seen = this.quotes.get(pair);
    if (seen) return seen;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        off();
        resolve(this.quotes.get(pair));
      }, timeoutMs);
      const off = this.onQuote((p, q) => {
        if (p !== pair) return;
        clearTimeout(timer);
        off();
        resolve(q);
      });
    });
  }

  private onTick(t: Tick): void {
    const before = this.quotes.get(t.pair);
    const bid = t.bid ?? before?.bid;
    const ask = t.ask ?? before?.ask;
    const mid = bid !== undefined && ask !== undefined ? (bid + ask) / 2 : (t.last ?? before?.mid);
    if (mid === undefined) return;
    const quote: Quote = {
      mid,
      at: t.at,
      ...(bid === undefined ? {} : { bid }),
      ...(ask === undefined ? {} : { ask }),
    };
    this.quotes.set(t.pair, quote);
    for (const listener of this.listeners) listener(t.pair, quote);
  }
}
