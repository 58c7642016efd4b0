import type { Intent, Pair } from '../../beads/index.ts';

/**
 * Price bands a quote must fall in to be believable. They are deliberately
 * wide: they catch a JPY price typed for EURUSD (or a misplaced decimal), not
 * market moves. The seam and mock-cse both read this one table.
 */
export interface PriceBand {
  min: number;
  max: number;
}

const JPY_QUOTED: PriceBand = { min: 50, max: 500 };
const NEAR_ONE: PriceBand = { min: 0.3, max: 3 };

export function priceBand(pair: Pair): PriceBand {
  return pair.endsWith('JPY') ? JPY_QUOTED : NEAR_ONE;
}

/** One reason per implausible price; empty when all three are believable. */
export function implausiblePrices(intent: Pick<Intent, 'pair' | 'entry' | 'stop' | 'target'>): string[] {
  const band = priceBand(intent.pair);
  const reasons: string[] = [];
  for (const field of ['entry', 'stop', 'target'] as const) {
    const price = intent[field];
    if (price < band.min || price > band.max) {
      reasons.push(`${field} ${price} is implausible for ${intent.pair} (expected ${band.min} to ${band.max})`);
    }
  }
  return reasons;
}
