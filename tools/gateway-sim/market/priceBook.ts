/**
 * Prices of the six pairs: a seeded random walk that tests and operators can
 * steer. The path depends only on the seed and the number of steps taken, so
 * a run is reproducible; `set` moves a pair to a chosen mid and the walk goes
 * on from there.
 */
import { FX_PAIRS, type FxPair, PAIR_NAMES, type PairName, roundPrice } from './fxPairs.ts';

/** mulberry32: small, fast, and good enough for a price walk. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface Quote {
  bid: number;
  ask: number;
  mid: number;
}

/** Half the spread, in pips: quotes are mid ± 0.5 pip. */
const HALF_SPREAD_PIPS = 0.5;
/** Standard deviation of one walk step, in pips. */
const STEP_PIPS = 0.3;

export class PriceBook {
  private readonly random: () => number;
  private readonly mids = new Map<PairName, number>();

  constructor(seed: number) {
    this.random = seededRandom(seed);
    for (const name of PAIR_NAMES) this.mids.set(name, FX_PAIRS[name].startPrice);
  }

  mid(name: PairName): number {
    return this.mids.get(name) ?? FX_PAIRS[name].startPrice;
  }

  quote(name: PairName): Quote {
    const pair = FX_PAIRS[name];
    const mid = this.mid(name);
    const half = HALF_SPREAD_PIPS * pair.pipSize;
    return {
      bid: roundPrice(pair, mid - half),
      ask: roundPrice(pair, mid + half),
      mid,
    };
  }

  set(name: PairName, price: number): void {
    this.mids.set(name, roundPrice(FX_PAIRS[name], price));
  }

  /** One step for every pair, in a fixed order so the path is reproducible. */
  step(): PairName[] {
    for (const name of PAIR_NAMES) {
      const pair: FxPair = FX_PAIRS[name];
      const move = this.gaussian() * STEP_PIPS * pair.pipSize;
      const next = Math.max(pair.pipSize, this.mid(name) + move);
      this.mids.set(name, roundPrice(pair, next));
    }
    return [...PAIR_NAMES];
  }

  snapshot(): Record<PairName, Quote> {
    const out = {} as Record<PairName, Quote>;
    for (const name of PAIR_NAMES) out[name] = this.quote(name);
    return out;
  }

  private gaussian(): number {
    // Box-Muller; 1 - u keeps the log argument away from zero.
    const u = 1 - this.random();
    const v = this.random();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }
}
