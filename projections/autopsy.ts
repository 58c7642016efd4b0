import type { Bead, BeadType, BeadOf } from '../beads/index.ts';
import { type ExitReason, quoteCurrency, roundMoney } from '../machines/tradeArithmetic.ts';

/**
 * The desk's record of closed trades, folded from AUTOPSY beads. The
 * arithmetic of one trade (P&L, R multiple, duration, slippage in pips
 * against the intent's entry) lives with the position machine, which writes
 * the beads; it is re-exported here for views that need it.
 */
export * from '../machines/tradeArithmetic.ts';

export type AutopsyRow = BeadOf<'AUTOPSY'>['data'] & { ts: string; correlation_id: string; mode: Bead['mode'] };

export interface AutopsySummary {
  trades: number;
  wins: number;
  losses: number;
  /** Summed per quote currency: Phoenix does not convert. */
  pnlByCurrency: Record<string, number>;
  /** Sum of R multiples: the average is this over `trades`. */
  rTotal: number;
  slippagePipsTotal: number;
  byExit: Partial<Record<ExitReason, number>>;
  /** The newest last, at most RECENT_KEPT. */
  recent: AutopsyRow[];
}

export const RECENT_KEPT = 20;

export function emptyAutopsySummary(): AutopsySummary {
  return { trades: 0, wins: 0, losses: 0, pnlByCurrency: {}, rTotal: 0, slippagePipsTotal: 0, byExit: {}, recent: [] };
}

/** The bead types foldAutopsy reads. */
export const AUTOPSY_READS = ['AUTOPSY'] as const satisfies readonly BeadType[];

/** Folds one bead into the summary, in place (like the intents view): replaying a long log copies nothing. */
export function foldAutopsy(summary: AutopsySummary, bead: Bead): AutopsySummary {
  if (bead.bead_type !== 'AUTOPSY') return summary;
  const d = bead.data;
  summary.trades += 1;
  if (d.pnl > 0) summary.wins += 1;
  if (d.pnl < 0) summary.losses += 1;
  const ccy = quoteCurrency(d.pair);
  summary.pnlByCurrency[ccy] = roundMoney((summary.pnlByCurrency[ccy] ?? 0) + d.pnl);
  summary.rTotal += d.r_multiple;
  summary.slippagePipsTotal += d.slippage_pips;
  summary.byExit[d.exit_reason] = (summary.byExit[d.exit_reason] ?? 0) + 1;
  summary.recent.push({ ...d, ts: bead.ts, correlation_id: bead.correlation_id, mode: bead.mode });
  if (summary.recent.length > RECENT_KEPT) summary.recent.shift();
  return summary;
}

export function averageR(summary: AutopsySummary): number | undefined {
  return summary.trades === 0 ? undefined : Math.round((summary.rTotal / summary.trades) * 100) / 100;
}
