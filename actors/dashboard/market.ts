import type { IBKRConnector } from '../broker/connector.ts';
import { PriceBook } from '../flow/priceBook.ts';
import type { Logger } from '../../runtime/logger.ts';
import type { LiveQuote } from '../../projections/dashboardLive.ts';

/**
 * The dashboard's port onto the market: the latest quote per pair, from the
 * same connector ticks and the same merge (actors/flow/priceBook.ts) the
 * trade flow values positions with, and the account's currency from the
 * broker's account summary. It subscribes to nothing itself: it hears the
 * pairs the flow asked for. Memory only; ticks are never beads.
 */
export interface MarketView {
  quotes(): Record<string, LiveQuote>;
  accountCurrency(): string | null;
  /** Called on every new quote. */
  onChange(listener: () => void): () => void;
}

export const NO_MARKET: MarketView = { quotes: () => ({}), accountCurrency: () => null, onChange: () => () => undefined };

/** How often to ask again for the account's currency while the broker has not said it. */
const ACCOUNT_RETRY_MS = 30_000;

export function followMarket(connector: IBKRConnector, logger: Logger, now: () => number): MarketView {
  const book = new PriceBook(connector, logger);
  const quotes: Record<string, LiveQuote> = {};
  const listeners = new Set<() => void>();
  let currency: string | null = null;
  let askedAt = Number.NEGATIVE_INFINITY;
  const askCurrency = () => {
    if (currency !== null || !connector.session() || now() - askedAt < ACCOUNT_RETRY_MS) return;
    askedAt = now();
    connector
      .accountSummary()
      .then((summary) => {
        currency = (summary.values.NetLiquidation ?? summary.values.TotalCashValue)?.currency ?? null;
        for (const l of listeners) l();
      })
      .catch((err: Error) => logger.debug({ err: err.message }, 'account currency not known yet'));
  };
  book.onQuote((pair, q) => {
    quotes[pair] = { mid: q.mid, at: q.at, ...(q.bid === undefined ? {} : { bid: q.bid }), ...(q.ask === undefined ? {} : { ask: q.ask }) };
    askCurrency();
    for (const l of listeners) l();
  });
  return {
    quotes: () => ({ ...quotes }),
    accountCurrency: () => currency,
    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
