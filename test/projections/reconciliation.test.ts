import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { BeadDraft } from '../../beads/index.ts';
import {
  foldWorkingOrders,
  localOrders,
  type ReconOrder,
  type ReconPosition,
  type ReconView,
  reconcile,
  reconciliationData,
  type WorkingOrders,
} from '../../projections/reconciliation.ts';
import { stampAt, T0 } from '../machines/support.ts';

const view = (positions: ReconPosition[] = [], open_orders: ReconOrder[] = []): ReconView => ({ positions, open_orders });
const stop = { order_id: 102, order_ref: 'ph-102', status: 'Submitted' };
const target = { order_id: 103, order_ref: 'ph-103', status: 'Submitted' };

describe('reconciliation diff (S5.4)', () => {
  it('MATCH when the broker and the log agree, net per pair, whatever the order of the rows', () => {
    const broker = view([{ pair: 'EURUSD', quantity: 20_000, avg_price: 1.0851 }], [target, stop]);
    const local = view(
      [
        { pair: 'EURUSD', quantity: 5_000 },
        { pair: 'EURUSD', quantity: 15_000 },
      ],
      [stop, target],
    );
    expect(reconcile(broker, local)).toEqual({ result: 'MATCH', drift: [] });
  });

  it('names each kind of drift with both sides', () => {
    const broker = view([{ pair: 'EURUSD', quantity: 20_000 }, { pair: 'GBPUSD', quantity: -10_000 }], [stop, { order_id: 7, status: 'Submitted' }, { order_id: 999, order_ref: 'ph-103', status: 'Submitted' }]);
    const local = view([{ pair: 'EURUSD', quantity: 10_000 }, { pair: 'USDJPY', quantity: -20_000 }], [stop, target, { order_id: 104, order_ref: 'ph-104', status: 'SUBMIT_REQUESTED' }]);
    const { result, drift } = reconcile(broker, local);
    expect(result).toBe('DRIFT');
    expect(drift).toEqual([
      { kind: 'MISSING_AT_BROKER', subject: 'USDJPY', local: '-20000' },
      { kind: 'MISSING_ORDER_AT_BROKER', subject: 'ph-104', local: 'order 104 (ph-104) SUBMIT_REQUESTED' },
      { kind: 'ORDER_MISMATCH', subject: 'ph-103', broker: 'order 999 (ph-103) Submitted', local: 'order 103 (ph-103) Submitted' },
      { kind: 'POSITION_MISMATCH', subject: 'EURUSD', broker: '+20000', local: '+10000' },
      { kind: 'UNKNOWN_BROKER_ORDER', subject: '7', broker: 'order 7 Submitted' },
      { kind: 'UNKNOWN_BROKER_POSITION', subject: 'GBPUSD', broker: '-10000' },
    ]);
  });

  it('a flat pair is no position: zero rows on either side are not drift', () => {
    expect(reconcile(view([{ pair: 'EURUSD', quantity: 0 }]), view()).result).toBe('MATCH');
    expect(reconcile(view([{ pair: 'EURUSD', quantity: 10_000 }, { pair: 'EURUSD', quantity: -10_000 }]), view()).result).toBe('MATCH');
  });

  it('the bead data carries both views, the verdict and the trigger', () => {
    const data = reconciliationData(view([{ pair: 'EURUSD', quantity: 1 }]), view(), 'PERIODIC');
    expect(data).toMatchObject({ result: 'DRIFT', trigger: 'PERIODIC', broker: { positions: [{ pair: 'EURUSD', quantity: 1 }] }, local: { positions: [] } });
    expect(() => stampAt({ bead_type: 'RECONCILIATION', stream: 'reconciliation', correlation_id: 'r', data }, T0)).not.toThrow();
  });
});

const pair = fc.constantFrom('EURUSD', 'GBPUSD', 'USDJPY', 'AUDUSD');
const qty = fc.integer({ min: -5, max: 5 }).map((n) => n * 10_000);
const positions = fc.array(fc.record({ pair, quantity: qty }), { maxLength: 6 });
const orders = fc.uniqueArray(fc.integer({ min: 1, max: 50 }), { maxLength: 6 }).map((ids) => ids.map((id) => ({ order_id: id, order_ref: `ph-${id}`, status: 'Submitted' })));
const views = fc.record({ positions, open_orders: orders });

describe('reconciliation diff, properties', () => {
  it('a view always matches itself, shuffled or split into several positions per pair', () => {
    fc.assert(
      fc.property(views, fc.integer(), (v, seed) => {
        const shuffled = { positions: [...v.positions].sort(() => (seed % 2 ? 1 : -1)), open_orders: [...v.open_orders].reverse() };
        const split = { ...v, positions: v.positions.flatMap((p) => [{ ...p, quantity: p.quantity / 2 }, { ...p, quantity: p.quantity / 2 }]) };
        expect(reconcile(v, shuffled).result).toBe('MATCH');
        expect(reconcile(split, v).result).toBe('MATCH');
      }),
    );
  });

  it('swapping the sides swaps the kinds and keeps the count', () => {
    const swap: Record<string, string> = {
      UNKNOWN_BROKER_POSITION: 'MISSING_AT_BROKER',
      MISSING_AT_BROKER: 'UNKNOWN_BROKER_POSITION',
      UNKNOWN_BROKER_ORDER: 'MISSING_ORDER_AT_BROKER',
      MISSING_ORDER_AT_BROKER: 'UNKNOWN_BROKER_ORDER',
      POSITION_MISMATCH: 'POSITION_MISMATCH',
      ORDER_MISMATCH: 'ORDER_MISMATCH',
    };
    fc.assert(
      fc.property(views, views, (a, b) => {
        const there = reconcile(a, b).drift.map((d) => `${swap[d.kind]} ${d.subject}`).sort();
        const back = reconcile(b, a).drift.map((d) => `${d.kind} ${d.subject}`).sort();
        expect(back).toEqual(there);
      }),
    );
  });

  it('any one change to a matching pair of views is seen as drift on that subject', () => {
    fc.assert(
      fc.property(views, pair, fc.integer({ min: 1, max: 9 }), (v, p, n) => {
        const moved = { ...v, positions: [...v.positions, { pair: p, quantity: n * 1_000 }] };
        const { result, drift } = reconcile(moved, v);
        expect(result).toBe('DRIFT');
        expect(drift.map((d) => d.subject)).toEqual([p]);
      }),
    );
  });
});

describe('the log’s working orders', () => {
  const order = (data: Partial<Extract<BeadDraft, { bead_type: 'ORDER' }>['data']> & { order_ref: string }) =>
    stampAt({ bead_type: 'ORDER', stream: `order-${data.order_ref}`, correlation_id: 'cse-1', data: { event: 'STATUS', ...data } }, T0);

  it('a write-ahead order counts as working until the broker ends it', () => {
    const working: WorkingOrders = new Map();
    for (const b of [
      order({ event: 'SUBMIT_REQUESTED', order_ref: 'ph-101', order_id: 101, role: 'ENTRY' }),
      order({ event: 'SUBMIT_REQUESTED', order_ref: 'ph-102', order_id: 102, role: 'STOP' }),
      order({ event: 'SENT', order_ref: 'ph-101' }),
      order({ order_ref: 'ph-102', status: 'PreSubmitted' }),
      order({ order_ref: 'ph-101', status: 'Filled' }),
    ])
      foldWorkingOrders(working, b);
    expect(localOrders(working)).toEqual([{ order_id: 102, order_ref: 'ph-102', status: 'PreSubmitted' }]);
    foldWorkingOrders(working, order({ event: 'CANCELLED', order_ref: 'ph-102' }));
    expect(localOrders(working)).toEqual([]);
  });

  it('an order whose fills add up to its quantity is no longer working, even if its Filled status never reached the log', () => {
    const fill = (execId: string, quantity: number) =>
      stampAt(
        {
          bead_type: 'FILL',
          stream: 'order-ph-101',
          correlation_id: 'cse-1',
          data: { exec_id: execId, order_id: 101, order_ref: 'ph-101', pair: 'EURUSD', side: 'BUY', quantity, price: 1.085, time: new Date(T0).toISOString() },
        },
        T0,
      );
    const working: WorkingOrders = new Map();
    foldWorkingOrders(working, order({ event: 'SUBMIT_REQUESTED', order_ref: 'ph-101', order_id: 101, role: 'ENTRY', quantity: 20000 }));
    foldWorkingOrders(working, order({ order_ref: 'ph-101', status: 'Submitted' }));
    foldWorkingOrders(working, fill('x-1', 10000));
    // The same execution heard twice is one fill.
    foldWorkingOrders(working, fill('x-1', 10000));
    expect(localOrders(working)).toEqual([{ order_id: 101, order_ref: 'ph-101', status: 'Submitted' }]);
    foldWorkingOrders(working, fill('x-2', 10000));
    expect(localOrders(working)).toEqual([]);
    // A stale status the broker sends after the fill that completed the order does not bring it back.
    foldWorkingOrders(working, order({ order_ref: 'ph-101', order_id: 101, status: 'PreSubmitted' }));
    expect(localOrders(working)).toEqual([]);
  });
});
