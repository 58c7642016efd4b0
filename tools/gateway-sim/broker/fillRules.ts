/**
 * When a working order executes, and at what price. Buyers deal on the ask,
 * sellers on the bid, as on a real FX venue:
 *
 * - MKT fills at once at the touch;
 * - LMT buy fills once ask <= limit, at the better of the two (sell: bid >= limit);
 * - STP buy triggers once ask >= stop and fills at the ask (sell: bid <= stop, at the bid).
 */
import type { Quote } from '../market/priceBook.ts';
import type { SimOrder } from './brokerTypes.ts';

type Priced = Pick<SimOrder, 'action' | 'orderType' | 'lmtPrice' | 'auxPrice'>;

export function isMarketable(order: Priced, quote: Quote): boolean {
  const buy = order.action === 'BUY';
  switch (order.orderType) {
    case 'MKT':
      return true;
    case 'LMT':
      if (order.lmtPrice === null) return false;
      return buy ? quote.ask <= order.lmtPrice : quote.bid >= order.lmtPrice;
    case 'STP':
      if (order.auxPrice === null) return false;
      return buy ? quote.ask >= order.auxPrice : quote.bid <= order.auxPrice;
  }
}

export function fillPrice(order: Priced, quote: Quote): number {
  const buy = order.action === 'BUY';
  const touch = buy ? quote.ask : quote.bid;
  if (order.orderType === 'LMT' && order.lmtPrice !== null) {
    return buy ? Math.min(touch, order.lmtPrice) : Math.max(touch, order.lmtPrice);
  }
  return touch;
}

/** The next fill's quantity: all of it, or half (rounded down, at least 1) when a partial fill was asked for. */
export function fillQuantity(remaining: number, partial: boolean): number {
  if (!partial || remaining <= 1) return remaining;
  return Math.max(1, Math.floor(remaining / 2));
}
