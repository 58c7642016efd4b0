import { pipSize } from '../beads/index.ts';
import { type Converted, convertMoney, pipsInFavour, pnlAt, roundMoney } from '../machines/tradeArithmetic.ts';
import type { DashboardView, MoneyTotal, PositionView, PositionsView } from './dashboardView.ts';

/**
 * What the log cannot hold joined into a dashboard view: the broker's current
 * prices (ticks are not beads, S5.3 step 11), the account's currency, and the
 * heartbeat check times the host measured. Pure: the caller reads the host's
 * price book and passes a copy; the same inputs always make the same view.
 *
 * Money rule: a total is per currency, and the account-currency total is
 * made only of amounts converted at a known current rate; a currency with no
 * rate is named as missing rather than guessed or added as if it were USD.
 */

export interface LiveQuote {
  bid?: number;
  ask?: number;
  mid: number;
  /** Epoch ms the quote was seen. */
  at: number;
}

export interface LiveInputs {
  /** Latest quote per pair name. */
  quotes: Readonly<Record<string, LiveQuote>>;
  /** From the broker's account summary; null until it has said. */
  accountCurrency: string | null;
  /** Heartbeat check durations measured in this process, by the beat's ts. */
  checkMs?: ReadonlyMap<string, number>;
}

/** The marks as `GET /api/marks` serves them, for `phoenix status` in another process. */
export interface MarksDocument {
  generated_at: string;
  account_currency: string | null;
  quotes: Record<string, LiveQuote>;
}

function markOf(row: PositionView, quote: LiveQuote): PositionView {
  // The mid of two quotes carries float noise (1.0870000000000002); a hundredth of a pip is plenty.
  const price = Number(quote.mid.toFixed(pipSize(row.pair) === 0.01 ? 4 : 6));
  const mark: NonNullable<PositionView['mark']> = {
    price,
    at: new Date(quote.at).toISOString(),
    pips_to_stop: pipsInFavour(row.pair, row.side, row.stop, price),
    pips_to_target: pipsInFavour(row.pair, row.side, price, row.target),
  };
  if (quote.bid !== undefined) mark.bid = quote.bid;
  if (quote.ask !== undefined) mark.ask = quote.ask;
  const holds = row.avg_price !== undefined && row.quantity > 0;
  // Valued at the mid, as the position machine values it between beads.
  return holds ? { ...row, mark, unrealised_pnl: pnlAt(row.side, row.avg_price as number, price, row.quantity) } : { ...row, mark };
}

function accountTotal(parts: { amount: number; currency: string }[], account: string | null, midOf: (pair: string) => number | undefined): MoneyTotal['account'] {
  if (!account) return null;
  let amount = 0;
  const rates = new Set<string>();
  const missing = new Set<string>();
  for (const p of parts) {
    const converted = convertMoney(p.amount, p.currency, account, midOf);
    if (!converted) {
      missing.add(p.currency);
      continue;
    }
    amount += converted.amount;
    if (converted.rate !== 1) rates.add(`${converted.pair} ${converted.rate}`);
  }
  return { currency: account, amount: roundMoney(amount), rates: [...rates].sort(), missing: [...missing].sort() };
}

function totalOf(byCurrency: Record<string, number>, account: string | null, midOf: (pair: string) => number | undefined): MoneyTotal {
  const parts = Object.entries(byCurrency).map(([currency, amount]) => ({ currency, amount }));
  return { by_currency: { ...byCurrency }, account: accountTotal(parts, account, midOf) };
}

function inAccount(amount: number | undefined, currency: string, account: string | null, midOf: (pair: string) => number | undefined): Converted | undefined {
  return amount === undefined || !account ? undefined : convertMoney(amount, currency, account, midOf);
}

/** The positions with their live marks, P&L per currency and in the account's currency. */
export function livePositions(positions: PositionsView, live: LiveInputs): PositionsView {
  const midOf = (pair: string) => live.quotes[pair]?.mid;
  const account = live.accountCurrency;
  const withAccount = (row: PositionView): PositionView => {
    const unrealised = inAccount(row.unrealised_pnl, row.currency, account, midOf);
    const realised = inAccount(row.realised_pnl, row.currency, account, midOf);
    return { ...row, ...(unrealised ? { unrealised_account: unrealised } : {}), ...(realised ? { realised_account: realised } : {}) };
  };
  const open = positions.open.map((row) => {
    const quote = live.quotes[row.pair];
    return withAccount(quote ? markOf(row, quote) : row);
  });
  const unrealisedBy: Record<string, number> = {};
  for (const row of open) if (row.unrealised_pnl !== undefined) unrealisedBy[row.currency] = roundMoney((unrealisedBy[row.currency] ?? 0) + row.unrealised_pnl);
  const newest = Math.max(...Object.values(live.quotes).map((q) => q.at), Number.NEGATIVE_INFINITY);
  return {
    ...positions,
    open,
    closed: positions.closed.map(withAccount),
    unrealised: totalOf(unrealisedBy, account, midOf),
    realised: totalOf(positions.realised.by_currency, account, midOf),
    account_currency: account,
    marks_at: Number.isFinite(newest) ? new Date(newest).toISOString() : null,
  };
}

/** The whole view with what only the running host knows joined in. */
export function withLive<V extends DashboardView>(view: V, live: LiveInputs): V {
  const checkMs = live.checkMs;
  const points = checkMs?.size ? view.heartbeats.points.map((p) => (checkMs.has(p.ts) ? { ...p, check_ms: checkMs.get(p.ts) } : p)) : view.heartbeats.points;
  const midOf = (pair: string) => live.quotes[pair]?.mid;
  const activity = view.activity.map((row) => {
    const converted = row.pnl && live.accountCurrency && row.pnl.currency !== live.accountCurrency ? convertMoney(row.pnl.amount, row.pnl.currency, live.accountCurrency, midOf) : undefined;
    return converted ? { ...row, pnl_account: converted } : row;
  });
  return { ...view, positions: livePositions(view.positions, live), heartbeats: { ...view.heartbeats, points }, activity };
}

/**
 * The equity curve in the account's currency at current rates: realised P&L
 * summed close by close, then the unrealised now on top. Closes in a
 * currency with no rate are left out and named.
 */
export function equityCurve(positions: PositionsView, quotes: Readonly<Record<string, LiveQuote>>, nowMs: number): { currency: string | null; points: { t: number; realised: number; equity: number }[]; missing: string[] } {
  const account = positions.account_currency;
  if (!account) return { currency: null, points: [], missing: [] };
  const midOf = (pair: string) => quotes[pair]?.mid;
  const missing = new Set<string>();
  let realised = 0;
  const points: { t: number; realised: number; equity: number }[] = [];
  for (const close of positions.closes) {
    const converted = convertMoney(close.pnl, close.currency, account, midOf);
    if (!converted) {
      missing.add(close.currency);
      continue;
    }
    realised = roundMoney(realised + converted.amount);
    points.push({ t: Date.parse(close.ts), realised, equity: realised });
  }
  const unrealised = positions.unrealised.account;
  for (const ccy of unrealised?.missing ?? []) missing.add(ccy);
  points.push({ t: nowMs, realised, equity: roundMoney(realised + (unrealised?.amount ?? 0)) });
  return { currency: account, points, missing: [...missing].sort() };
}
