import { describe, expect, it } from 'vitest';
import { type Bead, type BeadDraft, closeRequestDraft, stamp, validateBead } from '../../beads/index.ts';
import { ageText, deadSubscriptions, sessionOpenedAt } from '../../projections/healthTicks.ts';
import { DEFAULT_SEMANTIC_THRESHOLDS, emptySemanticView, foldSemantic, type SemanticView, semanticFindings } from '../../projections/semanticChecks.ts';

const T0 = Date.parse('2026-11-24T09:00:00.000Z'); // a Tuesday
const MIN = 60_000;
let seq = 0;

function bead(at: number, draft: BeadDraft): Bead {
  seq += 1;
  const id = `0190a000-0000-7000-8000-${String(seq).padStart(12, '0')}`;
  return validateBead(stamp(draft, { bead_id: id, ts: new Date(at).toISOString(), host_id: 'h', mode: 'PAPER' }));
}

const order = (at: number, ref: string, data: Partial<Extract<BeadDraft, { bead_type: 'ORDER' }>['data']>) =>
  bead(at, { bead_type: 'ORDER', stream: `order-${ref}`, correlation_id: ref, data: { event: 'STATUS', order_ref: ref, ...data } });
const position = (at: number, id: string, state: string) =>
  bead(at, {
    bead_type: 'POSITION',
    stream: `position-${id}`,
    correlation_id: id,
    data: { position_id: id, state: state as 'MANAGED', pair: 'EURUSD', side: 'LONG', quantity: 20000, stop: 1.08, target: 1.09 },
  });
const fill = (at: number, ref: string, positionId?: string) =>
  bead(at, {
    bead_type: 'FILL',
    stream: `order-${ref}`,
    correlation_id: ref,
    data: { exec_id: `x-${seq}`, order_id: 1, order_ref: ref, ...(positionId ? { position_id: positionId } : {}), pair: 'EURUSD', side: 'BUY', quantity: 10000, price: 1.085, time: new Date(at).toISOString() },
  });
const reconciliation = (at: number, result: 'MATCH' | 'DRIFT') =>
  bead(at, {
    bead_type: 'RECONCILIATION',
    stream: 'reconciliation',
    correlation_id: 'r',
    data: { result, broker: { positions: [], open_orders: [] }, local: { positions: [], open_orders: [] }, drift: result === 'DRIFT' ? [{ kind: 'POSITION_QUANTITY', subject: 'EURUSD' }] : [] },
  });

function viewOf(beads: Bead[]): SemanticView {
  const view = emptySemanticView();
  for (const b of beads) foldSemantic(view, b);
  return view;
}

function findings(beads: Bead[], now: number, startedAt = now) {
  // startedAt = now by default: the host has just started, so reconciliation is not yet due.
  return semanticFindings(viewOf(beads), { now, startedAt, thresholds: DEFAULT_SEMANTIC_THRESHOLDS });
}

describe('semantic checks: orders flowing', () => {
  it('CV_S33_5: an order whose status has been stale for 10 min is a finding that names it', () => {
    const beads = [order(T0, 'ord-1', { event: 'SUBMIT_REQUESTED', role: 'ENTRY', pair: 'EURUSD' }), order(T0 + 1000, 'ord-1', { event: 'SENT' }), order(T0 + 2000, 'ord-1', { status: 'Submitted' })];
    expect(findings(beads, T0 + 2000 + 5 * MIN - 1)).toEqual([]);
    expect(findings(beads, T0 + 2000 + 10 * MIN)).toEqual([
      { check: 'orders_flowing', subject: 'ord-1', message: 'order ord-1 (ENTRY EURUSD) stuck at Submitted for 10 min with no status change' },
    ]);
  });

  it('a repeated status is not progress; a new status or a partial fill is', () => {
    const base = [order(T0, 'o', { status: 'Submitted' })];
    expect(findings([...base, order(T0 + 4 * MIN, 'o', { status: 'Submitted' })], T0 + 5 * MIN)).toHaveLength(1);
    expect(findings([...base, order(T0 + 4 * MIN, 'o', { status: 'PreSubmitted' })], T0 + 5 * MIN)).toEqual([]);
    expect(findings([...base, order(T0 + 4 * MIN, 'o', { status: 'Submitted', filled: 5000 })], T0 + 5 * MIN)).toEqual([]);
  });

  it('a final order is forgotten: filled, cancelled, rejected, inactive', () => {
    for (const last of [{ status: 'Filled' }, { event: 'CANCELLED' as const }, { event: 'REJECTED' as const }, { status: 'Inactive' }, { remaining: 0, filled: 20000 }]) {
      const view = viewOf([order(T0, 'o', { event: 'SENT' }), order(T0 + 1, 'o', last)]);
      expect(view.orders.size).toBe(0);
    }
  });

  it('a person’s close request is not a pending order: health does not turn DEGRADED after the position closes', () => {
    const request = bead(T0, closeRequestDraft({ positionId: 'p1', intentId: 'p1', pair: 'EURUSD', who: 'cli:alice', reason: 'done for the day' }));
    expect(findings([request], T0 + 60 * MIN, T0 + 60 * MIN)).toEqual([]);
  });

  it('an order whose fills add up to its quantity is done, even if its Filled status never reached the log', () => {
    const entry = [order(T0, 'e1', { event: 'SUBMIT_REQUESTED', role: 'ENTRY', order_id: 1, quantity: 20000 }), order(T0 + 1, 'e1', { status: 'Submitted' })];
    // Each fill is 10 000 units: one leaves the order half done (and its age restarts), two finish it.
    expect(findings([...entry, fill(T0 + 2, 'e1')], T0 + 10 * MIN, T0 + 10 * MIN).map((f) => f.subject)).toEqual(['e1']);
    expect(viewOf([...entry, fill(T0 + 2, 'e1'), fill(T0 + 3, 'e1')]).orders.size).toBe(0);
  });

  it('a bracket’s working stop and target rest for hours without a finding, but not while still pending', () => {
    const legs = [order(T0, 'stop', { event: 'SUBMIT_REQUESTED', role: 'STOP' }), order(T0, 'tgt', { event: 'SUBMIT_REQUESTED', role: 'TARGET', parent_id: 7 })];
    const working = [...legs, order(T0 + 1000, 'stop', { status: 'PreSubmitted' }), order(T0 + 1000, 'tgt', { status: 'Submitted' })];
    expect(findings(working, T0 + 3 * 60 * MIN, T0 + 3 * 60 * MIN)).toEqual([]);
    expect(findings(legs, T0 + 6 * MIN, T0 + 6 * MIN).map((f) => f.subject)).toEqual(['stop', 'tgt']);
  });
});

describe('semantic checks: fills updating', () => {
  it('a position waiting on fills with none for over 10 min is a finding; a MANAGED position is not', () => {
    const partial = [position(T0, 'p1', 'SUBMITTED'), order(T0, 'e1', { event: 'SENT', position_id: 'p1' }), fill(T0 + MIN, 'e1'), position(T0 + MIN, 'p1', 'PARTIAL')];
    const fills = (beads: Bead[], now: number, startedAt = now) => findings(beads, now, startedAt).filter((f) => f.check === 'fills_updating');
    expect(fills(partial, T0 + 11 * MIN - 1)).toEqual([]);
    expect(fills(partial, T0 + 11 * MIN + 1)).toEqual([
      { check: 'fills_updating', subject: 'p1', message: 'position p1 PARTIAL for 10 min, last fill 10 min ago' },
    ]);
    expect(fills([...partial, fill(T0 + 8 * MIN, 'e1')], T0 + 11 * MIN + 1)).toEqual([]);
    expect(fills([...partial, position(T0 + 2 * MIN, 'p1', 'MANAGED')], T0 + 5 * 60 * MIN)).toEqual([]);
  });
});

describe('semantic checks: reconciliation fresh', () => {
  it('a new host has the full window; then the last run must be under 10 min old', () => {
    expect(findings([], T0 + 9 * MIN, T0)).toEqual([]);
    expect(findings([], T0 + 10 * MIN, T0)).toEqual([
      { check: 'reconciliation_fresh', subject: 'reconciliation', message: 'no reconciliation since the host started 10 min ago' },
    ]);
    expect(findings([reconciliation(T0 + 5 * MIN, 'MATCH')], T0 + 14 * MIN, T0)).toEqual([]);
    expect(findings([reconciliation(T0 + 5 * MIN, 'MATCH')], T0 + 16 * MIN, T0)[0]!.message).toBe('last reconciliation 11 min ago (limit 10 min)');
  });

  it('drift is unresolved until a MATCH; a STALLED position is a finding until it moves', () => {
    const drift = [reconciliation(T0, 'DRIFT')];
    expect(findings(drift, T0 + MIN, T0).map((f) => f.subject)).toEqual(['drift']);
    expect(findings([...drift, reconciliation(T0 + 2 * MIN, 'MATCH')], T0 + 3 * MIN, T0)).toEqual([]);
    const stalled = [position(T0, 'p2', 'SUBMITTED'), position(T0 + MIN, 'p2', 'STALLED')];
    expect(findings(stalled, T0 + 7 * MIN, T0 + 7 * MIN)).toEqual([{ check: 'reconciliation_fresh', subject: 'p2', message: 'position p2 STALLED for 6 min' }]);
    expect(findings([...stalled, position(T0 + 8 * MIN, 'p2', 'FILLED')], T0 + 9 * MIN, T0 + 9 * MIN)).toEqual([]);
  });
});

describe('semantic checks: the view holds only what is open', () => {
  it('a thousand complete trade stories leave nothing behind, so a check costs the same on any log length', () => {
    const view = emptySemanticView();
    for (let i = 0; i < 1000; i++) {
      const at = T0 + i * MIN;
      for (const b of [
        position(at, `p${i}`, 'SUBMITTED'),
        order(at, `e${i}`, { event: 'SUBMIT_REQUESTED', role: 'ENTRY', position_id: `p${i}` }),
        order(at, `s${i}`, { event: 'SUBMIT_REQUESTED', role: 'STOP', position_id: `p${i}` }),
        fill(at, `e${i}`),
        order(at, `e${i}`, { status: 'Filled' }),
        position(at, `p${i}`, 'MANAGED'),
        order(at, `s${i}`, { status: 'Filled' }),
        position(at, `p${i}`, 'CLOSED'),
        reconciliation(at, 'MATCH'),
      ]) {
        foldSemantic(view, b);
      }
    }
    expect([view.orders.size, view.positions.size, view.positionOfOrder.size, view.ordersOfPosition.size]).toEqual([0, 0, 0, 0]);
  });
});

describe('subscriptions alive', () => {
  const sub = { pair: 'EURUSD', subscribedAt: T0, lastTickAt: T0 + MIN };
  it('a feed silent for longer than the limit in market hours is dead and named', () => {
    expect(deadSubscriptions([sub], { now: T0 + 3 * MIN, deadAfterMs: 2 * MIN, hours: 'fx' })).toEqual([]);
    expect(deadSubscriptions([sub], { now: T0 + 3 * MIN + 1, deadAfterMs: 2 * MIN, hours: 'fx' })).toEqual([
      { check: 'subscriptions_alive', subject: 'EURUSD', message: 'EURUSD market data silent for 2 min (last tick 2 min ago)' },
    ]);
    expect(deadSubscriptions([{ pair: 'GBPUSD', subscribedAt: T0 }], { now: T0 + 5 * MIN, deadAfterMs: 2 * MIN, hours: 'fx' })[0]!.message).toMatch(/no tick since it was subscribed/);
  });

  it('weekend silence is not death, and Monday counts from the Sunday open', () => {
    const friday = Date.parse('2026-11-27T20:59:00.000Z');
    const saturday = Date.parse('2026-11-28T12:00:00.000Z');
    const sundayOpen = Date.parse('2026-11-29T22:00:00.000Z');
    expect(sessionOpenedAt(saturday, 'fx')).toBeUndefined();
    expect(sessionOpenedAt(Date.parse('2026-11-29T21:59:00.000Z'), 'fx')).toBeUndefined();
    expect(sessionOpenedAt(sundayOpen + 1000, 'fx')).toBe(sundayOpen);
    expect(sessionOpenedAt(T0, 'fx')).toBe(Date.parse('2026-11-22T22:00:00.000Z'));
    const lastFridayTick = { pair: 'EURUSD', subscribedAt: friday - MIN, lastTickAt: friday };
    expect(deadSubscriptions([lastFridayTick], { now: saturday, deadAfterMs: 2 * MIN, hours: 'fx' })).toEqual([]);
    expect(deadSubscriptions([lastFridayTick], { now: sundayOpen + MIN, deadAfterMs: 2 * MIN, hours: 'fx' })).toEqual([]);
    expect(deadSubscriptions([lastFridayTick], { now: sundayOpen + 3 * MIN, deadAfterMs: 2 * MIN, hours: 'fx' })).toHaveLength(1);
    expect(deadSubscriptions([lastFridayTick], { now: saturday, deadAfterMs: 2 * MIN, hours: 'always' })).toHaveLength(1);
  });

  it('ages read as an operator would say them', () => {
    expect([ageText(42_000), ageText(6 * MIN), ageText(185 * MIN), ageText(120 * MIN)]).toEqual(['42 s', '6 min', '3 h 5 min', '2 h']);
  });
});
