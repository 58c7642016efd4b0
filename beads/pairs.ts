import { z } from 'zod';

/** The six pairs Phoenix is capable of; ACTIVE_PAIRS chooses which may trade. */
export const PAIRS = ['EURUSD', 'GBPUSD', 'USDJPY', 'AUDUSD', 'USDCAD', 'NZDUSD'] as const;
export const PairSchema = z.enum(PAIRS);
export type Pair = z.infer<typeof PairSchema>;

/** JPY quotes carry two decimals, so one pip is 0.01 there and 0.0001 elsewhere. */
export function pipSize(pair: Pair): number {
  return pair.endsWith('JPY') ? 0.01 : 0.0001;
}

export const ModeSchema = z.enum(['MOCK', 'PAPER', 'LIVE']);
export type Mode = z.infer<typeof ModeSchema>;
