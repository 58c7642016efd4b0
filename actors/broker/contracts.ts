import { type Contract, SecType } from '@stoqey/ib';
import { PAIRS, type Pair, pipSize } from '../../beads/index.ts';

/**
 * FX contracts on IDEALPRO (S4.2). IB names a CASH contract by its base
 * currency as `symbol` and its quote currency as `currency`: EURUSD is
 * symbol EUR, currency USD. Only the six capable pairs map; anything else is
 * refused here, before a byte is sent, with a reason a person can act on.
 */

export const FX_EXCHANGE = 'IDEALPRO';

export type ContractLookup = { ok: true; pair: Pair; contract: Contract } | { ok: false; reason: string };

export function isPair(symbol: string): symbol is Pair {
  return (PAIRS as readonly string[]).includes(symbol);
}

/** `EURUSD`, `EUR.USD`, `eur/usd` all name the same pair. */
export function normalisePair(symbol: string): string {
  return symbol.replace(/[./\s]/g, '').toUpperCase();
}

export function contractFor(symbol: string): ContractLookup {
  const name = normalisePair(symbol);
  if (!isPair(name)) {
    return { ok: false, reason: `unknown symbol ${JSON.stringify(symbol)}: Phoenix trades only ${PAIRS.join(', ')} on ${FX_EXCHANGE}` };
  }
  return {
    ok: true,
    pair: name,
    contract: { symbol: name.slice(0, 3), currency: name.slice(3), secType: SecType.CASH, exchange: FX_EXCHANGE },
  };
}

/** The pair an IB contract (from a position, an execution or an open order) stands for, if it is one of ours. */
export function pairOfContract(contract: Pick<Contract, 'symbol' | 'currency' | 'localSymbol'>): Pair | undefined {
  const joined = `${contract.symbol ?? ''}${contract.currency ?? ''}`.toUpperCase();
  if (isPair(joined)) return joined;
  const local = normalisePair(contract.localSymbol ?? '');
  return isPair(local) ? local : undefined;
}

/**
 * IDEALPRO quotes to a tenth of a pip: five decimals, three for JPY pairs
 * (whose pip is 0.01). Prices are rounded to that before they go out, so a
 * float artefact such as 1.0999999999 never reaches the broker.
 */
export function priceDecimals(pair: Pair): number {
  return pipSize(pair) === 0.01 ? 3 : 5;
}

export function roundPrice(pair: Pair, price: number): number {
  return Number(price.toFixed(priceDecimals(pair)));
}

/** A price distance in pips: 0.0010 on EURUSD and 0.10 on USDJPY are both 10 pips. */
export function pipsBetween(pair: Pair, a: number, b: number): number {
  return Number(((a - b) / pipSize(pair)).toFixed(1));
}
