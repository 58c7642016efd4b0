/** The six FX pairs the simulator quotes and trades, as IB lists them on IDEALPRO. */

export const PAIR_NAMES = ['EURUSD', 'GBPUSD', 'USDJPY', 'AUDUSD', 'USDCAD', 'NZDUSD'] as const;
export type PairName = (typeof PAIR_NAMES)[number];

export interface FxPair {
  name: PairName;
  /** Base currency: IB's `symbol` for a CASH contract. */
  symbol: string;
  /** Quote currency: IB's `currency`. */
  currency: string;
  conId: number;
  /** `EUR.USD`: IB's localSymbol and tradingClass for FX. */
  localSymbol: string;
  pipSize: number;
  /** Quotes are kept to a tenth of a pip. */
  priceDecimals: number;
  startPrice: number;
  longName: string;
}

function pair(name: PairName, conId: number, startPrice: number, longName: string): FxPair {
  const symbol = name.slice(0, 3);
  const currency = name.slice(3);
  const jpy = currency === 'JPY';
  return {
    name,
    symbol,
    currency,
    conId,
    localSymbol: `${symbol}.${currency}`,
    pipSize: jpy ? 0.01 : 0.0001,
    priceDecimals: jpy ? 3 : 5,
    startPrice,
    longName,
  };
}

export const FX_PAIRS: Readonly<Record<PairName, FxPair>> = {
  EURUSD: pair('EURUSD', 12087792, 1.085, 'European Monetary Union Euro'),
  GBPUSD: pair('GBPUSD', 12087797, 1.265, 'British pound'),
  USDJPY: pair('USDJPY', 15016059, 150.0, 'US dollar'),
  AUDUSD: pair('AUDUSD', 14433401, 0.655, 'Australian dollar'),
  USDCAD: pair('USDCAD', 15016062, 1.36, 'US dollar'),
  NZDUSD: pair('NZDUSD', 39453441, 0.6, 'New Zealand dollar'),
};

export function isPairName(value: string): value is PairName {
  return (PAIR_NAMES as readonly string[]).includes(value);
}

/** The contract fields a client sends; everything else in IB's Contract is irrelevant here. */
export interface ContractSpec {
  conId: number;
  symbol: string;
  secType: string;
  exchange: string;
  currency: string;
  localSymbol: string;
}

/**
 * Resolves a client contract to a pair the way IB's contract lookup would for
 * FX: by conId, or by CASH + symbol + currency on IDEALPRO. Anything else is
 * "no security definition" (error 200).
 */
export function resolvePair(contract: ContractSpec): FxPair | undefined {
  const all = Object.values(FX_PAIRS);
  if (contract.conId > 0) {
    const byId = all.find((p) => p.conId === contract.conId);
    if (byId) return byId;
    return undefined;
  }
  if (contract.secType.toUpperCase() !== 'CASH') return undefined;
  if (contract.exchange.toUpperCase() !== 'IDEALPRO') return undefined;
  const symbol = contract.symbol.toUpperCase();
  const currency = contract.currency.toUpperCase();
  const byLocal = contract.localSymbol.toUpperCase();
  return all.find(
    (p) => (p.symbol === symbol && p.currency === currency) || (symbol === '' && byLocal === p.localSymbol),
  );
}

export function roundPrice(p: FxPair, price: number): number {
  return Number(price.toFixed(p.priceDecimals));
}
