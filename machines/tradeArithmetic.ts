import { type BeadData, type Pair, pipSize, type Side } from '../beads/index.ts';

/**
 * The arithmetic of a trade (S3.3, S5.3 step 14), pure: the position machine
 * writes it into POSITION and AUTOPSY beads, and projections/autopsy.ts
 * re-exports it for views. Money is in
 * the pair's quote currency (USD for EURUSD, JPY for USDJPY) and gross of
 * commission: Phoenix records fills' commissions in FILL beads, in their own
 * currency, and does not net them here. Beads keep the quote currency; views
 * also show an amount in the account's currency with `convertMoney`, at a
 * rate the caller passes in (the broker's current quote), and say which.
 */

export type ExitReason = BeadData<'AUTOPSY'>['exit_reason'];

export interface ClosedTrade {
  positionId: string;
  pair: Pair;
  side: Side;
  quantity: number;
  /** The intent's entry: what the desk meant to pay. */
  plannedEntry: number;
  stop: number;
  entryPrice: number;
  exitPrice: number;
  /** Epoch ms of the first entry fill and of the last exit fill. */
  openedAt: number;
  closedAt: number;
  exitReason: ExitReason;
}

const sign = (side: Side) => (side === 'LONG' ? 1 : -1);

/** Money rounds to the cent (or sen); anything finer is float noise in a record. */
export function roundMoney(x: number): number {
  return Math.round(x * 100) / 100 || 0;
}

function round(x: number, places: number): number {
  const f = 10 ** places;
  return Math.round(x * f) / f || 0;
}

/** The quote currency: the last three letters of the pair. */
export function quoteCurrency(pair: Pair): string {
  return pair.slice(3);
}

/** P&L of `quantity` units bought (long) or sold (short) at `entry` and valued at `price`. */
export function pnlAt(side: Side, entry: number, price: number, quantity: number): number {
  return roundMoney((price - entry) * quantity * sign(side));
}

/** Pips from `from` to `to` in the trade's favour (negative: against it). */
export function pipsInFavour(pair: Pair, side: Side, from: number, to: number): number {
  return round(((to - from) * sign(side)) / pipSize(pair), 1);
}

/**
 * Slippage against the intent's entry, in pips: positive means the fill was
 * worse than planned (paid more on a long, sold lower on a short).
 */
export function slippagePips(pair: Pair, side: Side, planned: number, filled: number): number {
  return round(((filled - planned) * sign(side)) / pipSize(pair), 1);
}

/**
 * The R multiple: the result per unit over the risk per unit taken at entry.
 * The risk is measured from the actual fill; a fill at or through the stop
 * leaves no risk to divide by, so the planned entry's risk is used instead.
 */
export function rMultiple(trade: Pick<ClosedTrade, 'side' | 'plannedEntry' | 'stop' | 'entryPrice' | 'exitPrice'>): number {
  const filledRisk = (trade.entryPrice - trade.stop) * sign(trade.side);
  const risk = filledRisk > 0 ? filledRisk : Math.abs(trade.plannedEntry - trade.stop);
  if (risk === 0) return 0;
  return round(((trade.exitPrice - trade.entryPrice) * sign(trade.side)) / risk, 2);
}

/** The AUTOPSY bead's data for a closed trade. */
export function autopsyOf(trade: ClosedTrade): BeadData<'AUTOPSY'> {
  return {
    position_id: trade.positionId,
    pair: trade.pair,
    side: trade.side,
    quantity: trade.quantity,
    entry_price: trade.entryPrice,
    exit_price: trade.exitPrice,
    pnl: pnlAt(trade.side, trade.entryPrice, trade.exitPrice, trade.quantity),
    r_multiple: rMultiple(trade),
    duration_s: Math.max(0, trade.closedAt - trade.openedAt) / 1000,
    slippage_pips: slippagePips(trade.pair, trade.side, trade.plannedEntry, trade.entryPrice),
    exit_reason: trade.exitReason,
  };
}

/** An amount in another currency, and the quote it was converted at. */
export interface Converted {
  amount: number;
  currency: string;
  /** The pair whose mid was used, e.g. USDJPY for JPY → USD. */
  pair: string;
  rate: number;
}

/**
 * `amount` of `from` in `to`, at the mid of a pair that joins the two:
 * FROMTO multiplies (EUR → USD at EURUSD), TOFROM divides (JPY → USD at
 * USDJPY). Undefined when no such quote is known: never a guess.
 */
export function convertMoney(amount: number, from: string, to: string, midOf: (pair: string) => number | undefined): Converted | undefined {
  if (from === to) return { amount: roundMoney(amount), currency: to, pair: `${from}${to}`, rate: 1 };
  const direct = midOf(`${from}${to}`);
  if (direct !== undefined && direct > 0) return { amount: roundMoney(amount * direct), currency: to, pair: `${from}${to}`, rate: direct };
  const inverse = midOf(`${to}${from}`);
  if (inverse !== undefined && inverse > 0) return { amount: roundMoney(amount / inverse), currency: to, pair: `${to}${from}`, rate: inverse };
  return undefined;
}

/** Money with its currency: "6000.00 JPY". */
export function moneyText(amount: number, currency: string): string {
  return `${amount.toFixed(2)} ${currency}`;
}

/** "6000.00 JPY (40.00 USD at USDJPY 150.00)": the quote currency first, then the account's, labelled with its rate. */
export function moneyInBoth(amount: number, currency: string, converted: Converted | undefined, accountCurrency: string | null | undefined): string {
  const own = moneyText(amount, currency);
  if (!accountCurrency || accountCurrency === currency) return own;
  if (!converted) return `${own} (no ${currency}/${accountCurrency} rate yet)`;
  return `${own} (${moneyText(converted.amount, converted.currency)} at ${converted.pair} ${converted.rate})`;
}
