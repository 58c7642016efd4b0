import { OrderType, SecType } from '@stoqey/ib';
import { describe, expect, it } from 'vitest';
import { bracketOrders, bracketProblem, bracketSequence } from '../../actors/broker/bracket.ts';
import { OrderRefusedError } from '../../actors/broker/connector.ts';
import { contractFor, pairOfContract, pipsBetween, roundPrice } from '../../actors/broker/contracts.ts';
import { executionFilterTime, executionTimeIso, wireOrder } from '../../actors/broker/ibOrders.ts';
import { OrderIdAllocator } from '../../actors/broker/orderIds.ts';
import { PAIRS } from '../../beads/index.ts';

describe('FX contracts on IDEALPRO', () => {
  it('maps all six pairs to CASH contracts, base as symbol and quote as currency, and back', () => {
    for (const pair of PAIRS) {
      const lookup = contractFor(pair);
      expect(lookup.ok).toBe(true);
      if (!lookup.ok) continue;
      expect(lookup.contract).toEqual({ symbol: pair.slice(0, 3), currency: pair.slice(3), secType: SecType.CASH, exchange: 'IDEALPRO' });
      expect(pairOfContract(lookup.contract)).toBe(pair);
    }
    expect(contractFor('eur.usd')).toMatchObject({ ok: true, pair: 'EURUSD' });
    expect(pairOfContract({ localSymbol: 'USD.JPY' })).toBe('USDJPY');
  });

  it('prices JPY pairs in 0.01 pips and the others in 0.0001', () => {
    expect(pipsBetween('USDJPY', 150.1, 150.0)).toBe(10);
    expect(pipsBetween('EURUSD', 1.101, 1.1)).toBe(10);
    expect(roundPrice('USDJPY', 150.12345)).toBe(150.123);
    expect(roundPrice('EURUSD', 1.0999999999)).toBe(1.1);
  });

  it('refuses an unknown symbol with a reason that names the pairs it knows', () => {
    const lookup = contractFor('EURXXX');
    expect(lookup).toEqual({ ok: false, reason: expect.stringMatching(/^unknown symbol "EURXXX": Phoenix trades only EURUSD, GBPUSD, USDJPY, AUDUSD, USDCAD, NZDUSD on IDEALPRO$/) });
    expect(() => wireOrder({ orderId: 1, orderRef: 'x', pair: 'BTCUSD', action: 'BUY', quantity: 1, orderType: 'MKT', role: 'ENTRY' }, 'DU1')).toThrow(OrderRefusedError);
  });
});

describe('orders on the wire', () => {
  const entry = { orderId: 10, orderRef: 'e', pair: 'EURUSD', action: 'BUY' as const, quantity: 20_000, orderType: 'LMT' as const, limitPrice: 1.1 };
  const bracket = bracketOrders({
    entry,
    target: { orderId: 11, orderRef: 't', pair: 'EURUSD', action: 'SELL', quantity: 20_000, limitPrice: 1.105 },
    stop: { orderId: 12, orderRef: 's', pair: 'EURUSD', action: 'SELL', quantity: 20_000, stopPrice: 1.095 },
  });

  it('sets transmit explicitly on every order: held parent and first child, the last child transmits', () => {
    const wires = bracketSequence(bracket).map((t) => wireOrder(t, 'DU123456').order);
    expect(wires.map((o) => o.transmit)).toEqual([false, false, true]);
    expect(wires.map((o) => o.parentId ?? 0)).toEqual([0, 10, 10]);
    expect(wires[1]?.ocaGroup).toBe('oca-10');
    expect(wires[2]?.ocaGroup).toBe('oca-10');
    expect(wires[2]).toMatchObject({ orderType: OrderType.STP, auxPrice: 1.095, account: 'DU123456' });
    // A lone order transmits; nothing ever goes out with transmit unset.
    expect(wireOrder({ ...entry, role: 'CLOSE' }, 'DU123456').order.transmit).toBe(true);
  });

  it('refuses a bracket whose target and stop are on the wrong sides', () => {
    expect(bracketProblem(bracket)).toBeUndefined();
    expect(bracketProblem({ ...bracket, target: { ...bracket.target, limitPrice: 1.09 } })).toMatch(/profit side/);
    expect(bracketProblem({ ...bracket, stop: { ...bracket.stop, action: 'BUY' } })).toMatch(/opposite side/);
  });

  it("reads IB's execution times and writes its filter time in UTC", () => {
    expect(executionTimeIso('20261124  09:00:01', 0)).toBe('2026-11-24T09:00:01.000Z');
    expect(executionTimeIso('20261124-09:00:01 UTC', 0)).toBe('2026-11-24T09:00:01.000Z');
    expect(executionFilterTime(Date.parse('2026-11-24T09:00:01.000Z'))).toBe('20261124-09:00:01');
  });
});

describe('order ids', () => {
  it('take max(nextValidId, highest used + 1): a lower nextValidId after a restart never brings an old id back', () => {
    const ids = new OrderIdAllocator(1_040);
    expect(() => ids.allocate()).toThrow(/nextValidId/);
    ids.adopt(1_000);
    expect(ids.allocate(2)).toEqual([1_041, 1_042]);
    ids.adopt(900);
    expect(ids.allocate()).toEqual([1_043]);
    ids.adopt(5_000);
    expect(ids.allocate()).toEqual([5_000]);
    ids.markUsed(6_000);
    expect(ids.allocate()).toEqual([6_001]);
  });
});
