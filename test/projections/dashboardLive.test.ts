import { describe, expect, it } from 'vitest';
import type { Bead } from '../../beads/index.ts';
import { equityCurve, withLive } from '../../projections/dashboardLive.ts';
import { applyBead, type DashboardModel, initialDashboard } from '../../projections/dashboardModel.ts';
import { moneyTotalText, positionLines } from '../../projections/dashboardText.ts';
import { dashboardView } from '../../projections/dashboardView.ts';
import { emptyLatencyFold, foldLatency } from '../../projections/opsLatency.ts';
import { at, bead, beads, T0 } from '../dashboard/beads.ts';

/**
 * Issue 18 in the pure views: live marks joined from the broker's quotes,
 * money per currency and in the account's (never one sum of two
 * currencies), the equity curve, a host killed without a stop, the drift
 * card's zero positions, an alert's own text, and the latencies /metrics
 * reads from the log.
 */

function given(list: Bead[]): DashboardModel {
  return list.reduce((model, b, i) => applyBead(model, b, i), initialDashboard());
}

const viewAt = (model: DashboardModel, seconds: number) => dashboardView(model, T0 + seconds * 1000);

const desk = () =>
  given([
    beads.position('eur', 'MANAGED', { pair: 'EURUSD', avg_price: 1.085, stop: 1.082, target: 1.091, unrealised_pnl: 0 }, { t: 1 }),
    beads.position('jpy', 'MANAGED', { pair: 'USDJPY', avg_price: 150, stop: 149.7, target: 150.6, unrealised_pnl: 0 }, { t: 2 }),
    beads.position('cad', 'CLOSED', { pair: 'USDCAD', avg_price: 1.35, stop: 1.347, target: 1.356, realised_pnl: 120 }, { t: 3 }),
  ]);

const QUOTES = {
  EURUSD: { bid: 1.0869, ask: 1.0871, mid: 1.087, at: T0 + 9_000 },
  USDJPY: { bid: 150.29, ask: 150.31, mid: 150.3, at: T0 + 9_500 },
  USDCAD: { mid: 1.35, at: T0 + 9_000 },
};

describe('live marks: the positions at the broker’s current prices', () => {
  it('shows each open position’s price, unrealised P&L in its quote currency and the account’s, and pips to stop and target', () => {
    const live = withLive(viewAt(desk(), 10), { quotes: QUOTES, accountCurrency: 'USD' });
    const [jpy, eur] = live.positions.open;
    expect(eur).toMatchObject({ position_id: 'eur', currency: 'USD', unrealised_pnl: 40, mark: { price: 1.087, pips_to_stop: 50, pips_to_target: 40 } });
    expect(eur?.unrealised_account).toEqual({ amount: 40, currency: 'USD', pair: 'USDUSD', rate: 1 });
    expect(jpy).toMatchObject({ position_id: 'jpy', currency: 'JPY', unrealised_pnl: 6000, mark: { price: 150.3, pips_to_stop: 60, pips_to_target: 30 } });
    expect(jpy?.unrealised_account).toEqual({ amount: 39.92, currency: 'USD', pair: 'USDJPY', rate: 150.3 });
    expect(live.positions.marks_at).toBe(at(9.5));
  });

  it('never adds two currencies: one total per currency, and the account’s total at current rates with its rates named', () => {
    const live = withLive(viewAt(desk(), 10), { quotes: QUOTES, accountCurrency: 'USD' });
    expect(live.positions.unrealised).toEqual({ by_currency: { USD: 40, JPY: 6000 }, account: { currency: 'USD', amount: 79.92, rates: ['USDJPY 150.3'], missing: [] } });
    expect(live.positions.realised).toEqual({ by_currency: { CAD: 120 }, account: { currency: 'USD', amount: 88.89, rates: ['USDCAD 1.35'], missing: [] } });
    expect(moneyTotalText(live.positions.unrealised)).toBe('+40.00 USD, +6000.00 JPY (= +79.92 USD at current rates: USDJPY 150.3)');
  });

  it('leaves out and names a currency it has no rate for, rather than adding it as if it were dollars', () => {
    const live = withLive(viewAt(desk(), 10), { quotes: { EURUSD: QUOTES.EURUSD, USDJPY: QUOTES.USDJPY }, accountCurrency: 'USD' });
    expect(live.positions.realised.account).toEqual({ currency: 'USD', amount: 0, rates: [], missing: ['CAD'] });
    expect(moneyTotalText(live.positions.realised)).toBe('+120.00 CAD (= +0.00 USD at current rates; CAD left out: no rate yet)');
  });

  it('without the host’s prices, shows the P&L of the last bead and says so', () => {
    const lines = positionLines(viewAt(desk(), 10));
    expect(lines[0]).toBe('Positions: 2 open, unrealised +0.00 JPY, +0.00 USD, realised +120.00 CAD');
    expect(lines[1]).toBe("  no live prices in this view: P&L as of each position's last bead");
    const marked = positionLines(withLive(viewAt(desk(), 10), { quotes: QUOTES, accountCurrency: 'USD' }));
    expect(marked).toContain('  jpy USDJPY LONG 20000 @ 150 MANAGED: now 150.3 (09:00:09Z), unrealised +6000.00 JPY (+39.92 USD at USDJPY 150.3), 60 pips to stop 149.7, 30 pips to target 150.6');
  });

  it('draws the equity curve in the account’s currency: realised steps, then realised + unrealised now', () => {
    const live = withLive(viewAt(desk(), 10), { quotes: QUOTES, accountCurrency: 'USD' });
    expect(equityCurve(live.positions, QUOTES, T0 + 10_000)).toEqual({
      currency: 'USD',
      points: [
        { t: T0 + 3_000, realised: 88.89, equity: 88.89 },
        { t: T0 + 10_000, realised: 88.89, equity: 168.81 },
      ],
      missing: [],
    });
  });

  it('says an autopsy’s P&L in its quote currency, and in the account’s at the current rate', () => {
    const autopsy = bead('AUTOPSY', {
      position_id: 'jpy',
      pair: 'USDJPY',
      side: 'LONG',
      quantity: 20000,
      entry_price: 150,
      exit_price: 150.6,
      pnl: 12000,
      r_multiple: 2,
      duration_s: 60,
      slippage_pips: 0,
      exit_reason: 'TARGET',
    });
    const [row] = withLive(viewAt(given([autopsy]), 1), { quotes: QUOTES, accountCurrency: 'USD' }).activity;
    expect(row?.summary).toBe('jpy TARGET P&L 12000.00 JPY R 2.00 in 60s slippage 0 pips');
    expect(row?.pnl_account).toEqual({ amount: 79.84, currency: 'USD', pair: 'USDJPY', rate: 150.3 });
  });

  it('joins the check time the host measured to its own beats', () => {
    const model = given([beads.heartbeat({ t: 30 }), beads.heartbeat({ t: 60 })]);
    const live = withLive(viewAt(model, 61), { quotes: {}, accountCurrency: null, checkMs: new Map([[at(60), 3.4]]) });
    expect(live.heartbeats.points.map((p) => p.check_ms)).toEqual([undefined, 3.4]);
  });
});

describe('dashboard fold: issue 18 fixes', () => {
  it('a host killed with SIGKILL: the connection gap runs from its last sign of life, not from the next start', () => {
    const model = given([
      beads.hostStarted({ t: 0 }),
      beads.session('CONNECT', {}, { t: 1 }),
      beads.heartbeat({ t: 30 }),
      beads.heartbeat({ t: 60 }),
      // SIGKILL at about 70 s: no STOPPING, no DISCONNECT. The next host starts at 100 s and connects 0.1 s later.
      beads.hostStarted({ t: 100 }),
      beads.session('CONNECT', {}, { t: 100.1 }),
    ]);
    const [gap] = viewAt(model, 101).connection.gaps;
    expect(gap).toMatchObject({ from: at(60), to: at(100.1), seconds: 40.1 });
    expect(gap?.why).toMatch(/ended without a stop/);
  });

  it('a clean stop: the gap runs from the stop, as before', () => {
    const model = given([beads.hostStarted({ t: 0 }), beads.session('CONNECT', {}, { t: 1 }), beads.hostStopping({ t: 50 }), beads.hostStarted({ t: 80 }), beads.session('CONNECT', {}, { t: 81 })]);
    expect(viewAt(model, 82).connection.gaps).toEqual([{ from: at(50), to: at(81), seconds: 31 }]);
  });

  it('the drift card counts positions that hold something: IB’s zero-quantity rows are not positions', () => {
    const recon = bead('RECONCILIATION', {
      result: 'MATCH',
      trigger: 'PERIODIC',
      broker: { positions: [{ pair: 'EURUSD', quantity: 0 }], open_orders: [] },
      local: { positions: [], open_orders: [] },
      drift: [],
    });
    expect(viewAt(given([recon]), 1).drift.last).toMatchObject({ result: 'MATCH', broker_positions: 0, local_positions: 0 });
  });

  it('an alert keeps its own text; the delivery’s words ("sent at once") are kept beside it', () => {
    const model = given([
      beads.alert('a-1', 'RAISED', { message: 'IB Gateway connection lost: socket closed' }, { t: 0 }),
      beads.alert('a-1', 'SENT', { message: 'sent at once' }, { t: 1 }),
    ]);
    expect(viewAt(model, 2).alerts.recent[0]).toMatchObject({ message: 'IB Gateway connection lost: socket closed', delivery: 'sent at once', status: 'SENT' });
  });

  it('counts down each pending approval to its stale moment, from the anchor its beads recorded', () => {
    const evidence = { anchor: { created_at: at(-100), age_s: 100, stale_after_s: 900 } };
    const model = given([beads.approval('int-1', 'EVIDENCE_SHOWN', { verdict: 'FRESH', evidence }, { t: 0 })]);
    expect(viewAt(model, 1).approvals.pending[0]?.stale_at).toBe(at(800));
  });
});

describe('latencies /metrics reads from the log', () => {
  it('pairs an APPROVE decision with its entry write-ahead, and an alert RAISED with its SENT', () => {
    const fold = emptyLatencyFold();
    const seen = [
      beads.approval('int-1', 'DECISION', { decision: 'APPROVE' }, { t: 0, correlation: 'int-1' }),
      bead('ORDER', { event: 'SUBMIT_REQUESTED', order_ref: 'int-1-entry', role: 'ENTRY' }, { t: 0.004, correlation: 'int-1' }),
      beads.alert('a-1', 'RAISED', {}, { t: 10 }),
      beads.alert('a-1', 'SENT', {}, { t: 10.25 }),
      beads.alert('a-1', 'SENT', {}, { t: 11 }),
    ].flatMap((b) => foldLatency(fold, b));
    expect(seen).toEqual([
      { kind: 'decision_to_order', seconds: 0.004 },
      { kind: 'alert_delivery', seconds: 0.25, severity: 'CRITICAL', alert_type: 'CONNECTION_LOST' },
    ]);
  });
});
