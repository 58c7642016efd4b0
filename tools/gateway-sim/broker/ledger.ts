/**
 * The account side of the broker: executions, positions, commissions and the
 * account summary values derived from them. Amounts are converted to USD, the
 * account's base currency.
 */
import { FX_PAIRS, type PairName } from '../market/fxPairs.ts';
import type { PriceBook } from '../market/priceBook.ts';
import type { ExecutionFilterSpec } from '../protocol/requests.ts';
import type { BrokerState, Execution, Position, SimOrder } from './brokerTypes.ts';

/** The cash a fresh simulated account starts with, in USD. */
export const STARTING_CASH_USD = 1_000_000;
/** Fraction of gross notional held as margin; drives AvailableFunds and BuyingPower. */
const MARGIN_RATE = 0.03;
const LEVERAGE = 4;

function round(value: number, decimals: number): number {
  return Number(value.toFixed(decimals));
}

/** Converts an amount in the pair's quote currency to USD at `price`. */
function quoteToUsd(pair: PairName, amount: number, price: number): number {
  return FX_PAIRS[pair].currency === 'USD' ? amount : amount / price;
}

function notionalUsd(pair: PairName, quantity: number, price: number): number {
  return FX_PAIRS[pair].symbol === 'USD' ? quantity : quantity * price;
}

/** IB's execution time form: `20240115 10:30:00 UTC`. */
export function ibTime(ms: number): string {
  const iso = new Date(ms).toISOString();
  return `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)} ${iso.slice(11, 19)} UTC`;
}

/** Parses an execution filter time (`yyyymmdd-hh:mm:ss` or with a space), read as UTC. */
export function parseFilterTime(text: string): number | undefined {
  const match = /^(\d{4})(\d{2})(\d{2})[-\s]+(\d{2}):(\d{2})(?::(\d{2}))?/.exec(text.trim());
  if (!match) return undefined;
  const [, y, mo, d, h, mi, s] = match;
  return Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s ?? '0'));
}

/** One held position as reqAccountUpdates reports it (updatePortfolio). */
export interface PortfolioRow {
  account: string;
  pair: PairName;
  position: number;
  /** The current mid. */
  marketPrice: number;
  /** Market value and unrealized P&L are in the pair's quote currency, as IB reports a CASH position. */
  marketValue: number;
  avgCost: number;
  unrealizedPnl: number;
  /** USD: the sum of the pair's closing fills, as the executions book it. */
  realizedPnl: number;
}

export class Ledger {
  constructor(
    private readonly state: BrokerState,
    private readonly account: string,
    private readonly clock: () => number,
  ) {}

  positions(): Position[] {
    return this.state.positions;
  }

  /** Books one fill: an execution, its commission, and the position change. */
  recordFill(order: SimOrder, quantity: number, price: number): { execution: Execution; position: Position } {
    const now = this.clock();
    const position = this.positionFor(order.pair);
    const signed = order.action === 'BUY' ? quantity : -quantity;
    const realizedQuote = this.applyToPosition(position, signed, price);
    const realizedPnl = realizedQuote === null ? null : round(quoteToUsd(order.pair, realizedQuote, price), 2);
    const commission = round(Math.max(2, 0.00002 * notionalUsd(order.pair, quantity, price)), 2);
    this.state.realizedPnlUsd = round(this.state.realizedPnlUsd + (realizedPnl ?? 0), 2);
    this.state.commissionsUsd = round(this.state.commissionsUsd + commission, 2);

    const seq = this.state.nextExecSeq;
    this.state.nextExecSeq += 1;
    const execution: Execution = {
      execId: `${seq.toString(16).padStart(8, '0')}.${Math.floor(now / 1000).toString(16)}.01.01`,
      orderId: order.orderId,
      clientId: order.clientId,
      permId: order.permId,
      orderRef: order.orderRef,
      account: order.account,
      pair: order.pair,
      side: order.action === 'BUY' ? 'BOT' : 'SLD',
      shares: quantity,
      price,
      cumQty: order.filled,
      avgPrice: order.avgFillPrice,
      time: ibTime(now),
      timeMs: now,
      commission,
      realizedPnl,
    };
    this.state.executions.push(execution);
    return { execution, position };
  }

  /** Sets a position outright, the way drift shows up at a real broker. */
  spoofPosition(pair: PairName, quantity: number, avgCost: number | undefined): Position {
    const position = this.positionFor(pair);
    position.position = quantity;
    if (avgCost !== undefined) position.avgCost = avgCost;
    return position;
  }

  findExecutions(filter: ExecutionFilterSpec): Execution[] {
    const since = filter.time === '' ? undefined : parseFilterTime(filter.time);
    const side = filter.side.toUpperCase();
    return this.state.executions.filter((e) => {
      const pair = FX_PAIRS[e.pair];
      if (filter.clientId !== 0 && e.clientId !== filter.clientId) return false;
      if (filter.acctCode !== '' && filter.acctCode !== e.account) return false;
      if (since !== undefined && e.timeMs < since) return false;
      if (filter.symbol !== '' && filter.symbol.toUpperCase() !== pair.symbol) return false;
      if (filter.secType !== '' && filter.secType.toUpperCase() !== 'CASH') return false;
      if (filter.exchange !== '' && filter.exchange.toUpperCase() !== 'IDEALPRO') return false;
      if ((side === 'BUY' || side === 'BOT') && e.side !== 'BOT') return false;
      if ((side === 'SELL' || side === 'SLD') && e.side !== 'SLD') return false;
      return true;
    });
  }

  /** The four account summary tags Phoenix reads, in USD, marked to the current mids. */
  accountValues(prices: PriceBook): Record<string, string> {
    let unrealized = 0;
    let gross = 0;
    for (const p of this.state.positions) {
      if (p.position === 0) continue;
      const mid = prices.mid(p.pair);
      unrealized += quoteToUsd(p.pair, (mid - p.avgCost) * p.position, mid);
      gross += notionalUsd(p.pair, Math.abs(p.position), mid);
    }
    const cash = STARTING_CASH_USD + this.state.realizedPnlUsd - this.state.commissionsUsd;
    const netLiquidation = cash + unrealized;
    const availableFunds = netLiquidation - MARGIN_RATE * gross;
    return {
      NetLiquidation: netLiquidation.toFixed(2),
      TotalCashValue: cash.toFixed(2),
      BuyingPower: (availableFunds * LEVERAGE).toFixed(2),
      AvailableFunds: availableFunds.toFixed(2),
    };
  }

  /** Positions held now (zero ones left out), marked to the current mids. */
  portfolio(prices: PriceBook): PortfolioRow[] {
    return this.state.positions
      .filter((p) => p.position !== 0)
      .map((p) => {
        const mid = round(prices.mid(p.pair), FX_PAIRS[p.pair].priceDecimals);
        const realized = this.state.executions
          .filter((e) => e.pair === p.pair && e.realizedPnl !== null)
          .reduce((sum, e) => sum + (e.realizedPnl ?? 0), 0);
        return {
          account: p.account,
          pair: p.pair,
          position: p.position,
          marketPrice: mid,
          marketValue: round(p.position * mid, 2),
          avgCost: p.avgCost,
          unrealizedPnl: round((mid - p.avgCost) * p.position, 2),
          realizedPnl: round(realized, 2),
        };
      });
  }

  private positionFor(pair: PairName): Position {
    let position = this.state.positions.find((p) => p.pair === pair && p.account === this.account);
    if (!position) {
      position = { account: this.account, pair, position: 0, avgCost: 0 };
      this.state.positions.push(position);
    }
    return position;
  }

  /** Returns the realized P&L in the quote currency, or null when nothing was closed. */
  private applyToPosition(position: Position, signed: number, price: number): number | null {
    const before = position.position;
    const after = before + signed;
    if (before === 0 || Math.sign(before) === Math.sign(signed)) {
      const total = Math.abs(before) + Math.abs(signed);
      position.avgCost = round((Math.abs(before) * position.avgCost + Math.abs(signed) * price) / total, 6);
      position.position = after;
      return null;
    }
    const closed = Math.min(Math.abs(before), Math.abs(signed));
    const realized = closed * (price - position.avgCost) * Math.sign(before);
    position.position = after;
    if (after === 0) position.avgCost = 0;
    else if (Math.sign(after) !== Math.sign(before)) position.avgCost = price;
    return realized;
  }
}
