import { describe, expect, it } from 'vitest';
import { OrderBook } from '../../actors/flow/orderBook.ts';
import { factsOf } from '../../actors/flow/positionFacts.ts';
import { type MachineView, nextEvent } from '../../machines/positionFacts.ts';
import type { Bead, BeadData } from '../../beads/index.ts';
import { stampAt, T0 } from '../machines/support.ts';

/**
 * Broker facts arrive in whatever order the wire and the fill recorder
 * deliver them; the position machine must hear them in its own order. Given
 * the order book, `nextEvent` names the one event the machine needs next.
 */

const order = (ref: string, data: Omit<BeadData<'ORDER'>, 'order_ref'>): Bead =>
  stampAt({ bead_type: 'ORDER', stream: `order-${ref}`, correlation_id: 'p', data: { order_ref: ref, ...data } }, T0);

function bracketBook(): OrderBook {
  const book = new OrderBook();
  const common = { event: 'SUBMIT_REQUESTED', position_id: 'p', pair: 'EURUSD', quantity: 20_000 } as const;
  book.apply(order('p-entry', { ...common, order_id: 10, role: 'ENTRY', action: 'BUY', order_type: 'MKT' }));
  book.apply(order('p-target', { ...common, order_id: 11, role: 'TARGET', action: 'SELL', order_type: 'LMT', limit_price: 1.091, parent_id: 10 }));
  book.apply(order('p-stop', { ...common, order_id: 12, role: 'STOP', action: 'SELL', order_type: 'STP', stop_price: 1.082, parent_id: 10 }));
  return book;
}

const status = (ref: string, id: number, s: string, filled = 0, avg?: number) =>
  order(ref, { event: 'STATUS', order_id: id, status: s, filled, ...(avg ? { avg_fill_price: avg } : {}) });

const view = (phase: MachineView['phase'], over: Partial<MachineView['context']> = {}, awaitingAck = false): MachineView => ({
  phase,
  awaitingAck,
  context: { filledQty: 0, exitQty: 0, stalledFrom: null, orderedQty: 20_000, ...over },
});

describe('position facts → the next machine event', () => {
  it('nothing from the broker yet: nothing to say', () => {
    expect(nextEvent(view('SUBMITTED', {}, true), factsOf(bracketBook(), 'p'), T0)).toBeUndefined();
  });

  it('children working before the entry fill is heard: the fill first, protection after', () => {
    const book = bracketBook();
    book.apply(status('p-target', 11, 'Submitted'));
    book.apply(status('p-stop', 12, 'Submitted'));
    book.apply(status('p-entry', 10, 'Filled', 20_000, 1.08505));
    expect(nextEvent(view('SUBMITTED', {}, true), factsOf(book, 'p'), T0)).toMatchObject({ type: 'ENTRY_FILLED', filled: 20_000, avgPrice: 1.08505 });
    expect(nextEvent(view('FILLED', { filledQty: 20_000 }), factsOf(book, 'p'), T0)).toEqual({ type: 'PROTECTION_WORKING', at: T0 });
    expect(nextEvent(view('MANAGED', { filledQty: 20_000 }), factsOf(book, 'p'), T0)).toBeUndefined();
  });

  it('a rejected entry with nothing filled is ENTRY_REJECTED with the broker’s reason', () => {
    const book = bracketBook();
    book.apply(order('p-entry', { event: 'REJECTED', order_id: 10, error_code: 201, reason: '201: Order rejected - reason:No security definition' }));
    expect(nextEvent(view('SUBMITTED', {}, true), factsOf(book, 'p'), T0)).toMatchObject({ type: 'ENTRY_REJECTED', reason: expect.stringContaining('No security definition') });
  });

  it('the target fills and OCA cancels the stop: the exit closes the position, it is not "protection lost"', () => {
    const book = bracketBook();
    book.apply(status('p-entry', 10, 'Filled', 20_000, 1.08505));
    book.apply(status('p-target', 11, 'Filled', 20_000, 1.0915));
    book.apply(status('p-stop', 12, 'Cancelled'));
    expect(nextEvent(view('MANAGED', { filledQty: 20_000 }), factsOf(book, 'p'), T0)).toMatchObject({ type: 'EXIT_FILLED', filled: 20_000, avgPrice: 1.0915, by: 'TARGET' });
  });

  it('a child cancelled at the broker with no exit: PROTECTION_LOST', () => {
    const book = bracketBook();
    book.apply(status('p-entry', 10, 'Filled', 20_000, 1.08505));
    book.apply(status('p-target', 11, 'Submitted'));
    book.apply(status('p-stop', 12, 'Cancelled'));
    expect(nextEvent(view('MANAGED', { filledQty: 20_000 }), factsOf(book, 'p'), T0)).toMatchObject({ type: 'PROTECTION_LOST' });
  });

  it('a STALLED position hears the same facts as the state it stalled in', () => {
    const book = bracketBook();
    book.apply(status('p-entry', 10, 'Submitted'));
    expect(nextEvent(view('STALLED', { stalledFrom: 'SUBMITTED' }), factsOf(book, 'p'), T0)).toEqual({ type: 'ENTRY_ACKNOWLEDGED', at: T0 });
  });

  it('a fill recovered after a restart counts, by execution id, once', () => {
    const book = bracketBook();
    const fill = stampAt(
      { bead_type: 'FILL', stream: 'order-p-entry', correlation_id: 'p', data: { exec_id: 'x1', order_id: 10, order_ref: 'p-entry', pair: 'EURUSD', side: 'BUY', quantity: 20_000, price: 1.0851, time: new Date(T0).toISOString() } },
      T0,
    );
    book.apply(fill);
    book.apply(fill);
    const facts = factsOf(book, 'p');
    expect(facts.entry?.filled).toBe(20_000);
    expect(book.unacknowledged().map((o) => o.orderRef).sort()).toEqual(['p-stop', 'p-target']);
  });
});
