import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Bead } from '../../beads/index.ts';
import { autopsyOf, averageR, type ClosedTrade, emptyAutopsySummary, foldAutopsy, pnlAt, rMultiple, slippagePips } from '../../projections/autopsy.ts';
import { stampAt, T0 } from '../machines/support.ts';

const trade = (over: Partial<ClosedTrade> = {}): ClosedTrade => ({
  positionId: 'p1',
  pair: 'EURUSD',
  side: 'LONG',
  quantity: 20_000,
  plannedEntry: 1.085,
  stop: 1.082,
  entryPrice: 1.0851,
  exitPrice: 1.091,
  openedAt: T0,
  closedAt: T0 + 3_600_000,
  exitReason: 'TARGET',
  ...over,
});

describe('trade arithmetic', () => {
  it('P&L in the quote currency, R against the risk taken at the fill, slippage in pips against the intent', () => {
    expect(autopsyOf(trade())).toEqual({
      position_id: 'p1',
      pair: 'EURUSD',
      side: 'LONG',
      quantity: 20_000,
      entry_price: 1.0851,
      exit_price: 1.091,
      pnl: 118,
      r_multiple: 1.9,
      duration_s: 3600,
      slippage_pips: 1,
      exit_reason: 'TARGET',
    });
    // USDJPY pips are 0.01; a short sold above plan has negative (favourable) slippage.
    expect(slippagePips('USDJPY', 'SHORT', 150.2, 150.23)).toBe(-3);
    expect(pnlAt('SHORT', 150.2, 149.6, 20_000)).toBe(12_000);
  });

  it('a stop-out is -1 R, whatever the side, and a fill through the stop still has a risk to divide by', () => {
    expect(rMultiple({ side: 'LONG', plannedEntry: 1.085, stop: 1.082, entryPrice: 1.085, exitPrice: 1.082 })).toBe(-1);
    expect(rMultiple({ side: 'SHORT', plannedEntry: 1.085, stop: 1.088, entryPrice: 1.085, exitPrice: 1.088 })).toBe(-1);
    expect(rMultiple({ side: 'LONG', plannedEntry: 1.085, stop: 1.082, entryPrice: 1.081, exitPrice: 1.082 })).toBeCloseTo(0.33, 2);
  });

  it('P&L and R always have the same sign', () => {
    fc.assert(
      fc.property(
        fc.constantFrom<'LONG' | 'SHORT'>('LONG', 'SHORT'),
        fc.double({ min: 1.05, max: 1.12, noNaN: true }),
        fc.double({ min: 1.05, max: 1.12, noNaN: true }),
        (side, entryPrice, exitPrice) => {
          const t = trade({ side, entryPrice, exitPrice, stop: side === 'LONG' ? 1.0 : 1.2 });
          const a = autopsyOf(t);
          if (a.pnl !== 0 && a.r_multiple !== 0) expect(Math.sign(a.pnl)).toBe(Math.sign(a.r_multiple));
        },
      ),
    );
  });
});

describe('autopsy fold', () => {
  it('sums the record per currency and keeps the recent ones', () => {
    const beads: Bead[] = [trade(), trade({ exitPrice: 1.082, exitReason: 'STOP' }), trade({ pair: 'USDJPY', plannedEntry: 150, stop: 149.7, entryPrice: 150, exitPrice: 150.6 })].map((t) =>
      stampAt({ bead_type: 'AUTOPSY', stream: `position-${t.positionId}`, correlation_id: 'c', data: autopsyOf(t) }, T0),
    );
    const summary = beads.reduce(foldAutopsy, emptyAutopsySummary());
    expect(summary).toMatchObject({ trades: 3, wins: 2, losses: 1, pnlByCurrency: { USD: 56, JPY: 12_000 }, byExit: { TARGET: 2, STOP: 1 } });
    expect(averageR(summary)).toBe(0.97); // (1.9 - 1 + 2) / 3
    expect(summary.recent.map((r) => r.exit_reason)).toEqual(['TARGET', 'STOP', 'TARGET']);
  });
});
