/**
 * THE connector suite (S4.2): the same behaviour, asserted the same way, on
 * the mock backend and on the real @stoqey/ib client against the gateway
 * simulator in its own process. What is checked is what a trader would
 * notice: the session, the account, positions after a fill, a bracket that
 * works as a bracket, cancels, and clear rejections.
 */
import { beforeAll, expect, it } from 'vitest';
import { bracketOrders } from '../../actors/broker/bracket.ts';
import { OrderRefusedError } from '../../actors/broker/connector.ts';
import type { OrderTicket } from '../../actors/broker/submitGuards.ts';
import { type ConnectorHarness, eventually } from './connectorHarness.ts';

export function connectorSuite(harness: () => ConnectorHarness): void {
  let h: ConnectorHarness;
  let ref = 0;
  const nextRef = (what: string) => {
    ref += 1;
    return `${what}-${Date.now().toString(36)}-${ref}`;
  };
  const ticket = (over: Partial<OrderTicket> & Pick<OrderTicket, 'orderId'>): OrderTicket => ({
    orderRef: nextRef('t'),
    pair: 'EURUSD',
    action: 'BUY',
    quantity: 20_000,
    orderType: 'MKT',
    role: 'ENTRY',
    ...over,
  });

  beforeAll(async () => {
    h = harness();
    const outcome = await h.connector.connect();
    expect(outcome).toMatchObject({ ok: true });
  });

  it('connects: the session names the managed account and gives fresh order ids', () => {
    const session = h.connector.session();
    expect(session?.managedAccounts).toContain(h.account);
    expect(session?.nextValidId).toBeGreaterThan(0);
    const [a, b] = h.connector.orderIds.allocate(2);
    expect(b).toBe(a! + 1);
    expect(a).toBeGreaterThanOrEqual(session!.nextValidId);
  });

  it('reads the account summary', async () => {
    const summary = await h.connector.accountSummary();
    expect(summary.account).toBe(h.account);
    expect(Number(summary.values['NetLiquidation']?.value)).toBeGreaterThan(0);
    expect(summary.values['NetLiquidation']?.currency).toBe('USD');
  });

  it('fills a market order with its commission, and the position shows it', async () => {
    await h.setPrice('GBPUSD', 1.27);
    const before = (await h.connector.positions()).find((p) => p.pair === 'GBPUSD')?.quantity ?? 0;
    const [id] = h.connector.orderIds.allocate(1);
    const orderRef = nextRef('mkt');
    await h.connector.placeOrder(ticket({ orderId: id!, orderRef, pair: 'GBPUSD' }));
    const fill = await eventually(h, 'execution', (e) => e.orderId === id);
    expect(fill).toMatchObject({ orderRef, pair: 'GBPUSD', side: 'BUY', quantity: 20_000 });
    expect(fill.price).toBeCloseTo(1.27, 3);
    expect(fill.commission).toBeGreaterThan(0);
    await eventually(h, 'orderStatus', (s) => s.orderId === id && s.status === 'Filled');
    const after = (await h.connector.positions()).find((p) => p.pair === 'GBPUSD')?.quantity;
    expect(after).toBe(before + 20_000);
    const since = await h.connector.executionsSince(Date.now() - 60_000);
    expect(since.map((e) => e.execId)).toContain(fill.execId);
  });

  it('works a bracket: held until the last child, children after the entry, OCA cancels the stop', async () => {
    await h.setPrice('EURUSD', 1.1);
    const [entry, target, stop] = h.connector.orderIds.allocate(3) as [number, number, number];
    const base = nextRef('br');
    const bracket = bracketOrders({
      entry: { orderId: entry, orderRef: `${base}-entry`, pair: 'EURUSD', action: 'BUY', quantity: 20_000, orderType: 'LMT', limitPrice: 1.099 },
      target: { orderId: target, orderRef: `${base}-target`, pair: 'EURUSD', action: 'SELL', quantity: 20_000, limitPrice: 1.105 },
      stop: { orderId: stop, orderRef: `${base}-stop`, pair: 'EURUSD', action: 'SELL', quantity: 20_000, stopPrice: 1.095 },
    });
    await h.connector.placeBracket(bracket);
    await eventually(h, 'orderStatus', (s) => s.orderId === stop && s.status === 'PreSubmitted');
    const open = await h.connector.openOrders();
    const mine = open.filter((o) => [entry, target, stop].includes(o.orderId)).sort((a, b) => a.orderId - b.orderId);
    expect(mine.map((o) => [o.orderRef, o.parentId ?? 0])).toEqual([
      [`${base}-entry`, 0],
      [`${base}-target`, entry],
      [`${base}-stop`, entry],
    ]);
    expect(mine[1]?.ocaGroup).toBe(mine[2]?.ocaGroup);

    await h.setPrice('EURUSD', 1.0985);
    const entryFill = await eventually(h, 'execution', (e) => e.orderId === entry);
    expect(entryFill.price).toBeLessThanOrEqual(1.099);
    await eventually(h, 'orderStatus', (s) => s.orderId === stop && s.status === 'Submitted');

    await h.setPrice('EURUSD', 1.106);
    const targetFill = await eventually(h, 'execution', (e) => e.orderId === target);
    expect(targetFill).toMatchObject({ side: 'SELL', quantity: 20_000 });
    await eventually(h, 'orderStatus', (s) => s.orderId === stop && s.status === 'Cancelled');
    expect(h.events.execution.some((e) => e.orderId === stop)).toBe(false);
  });

  it('cancels a working order, and it leaves the open orders', async () => {
    const [id] = h.connector.orderIds.allocate(1);
    await h.connector.placeOrder(ticket({ orderId: id!, pair: 'AUDUSD', orderType: 'LMT', limitPrice: 0.5 }));
    await eventually(h, 'orderStatus', (s) => s.orderId === id && s.status === 'Submitted');
    await h.connector.cancelOrder(id!);
    await eventually(h, 'orderStatus', (s) => s.orderId === id && s.status === 'Cancelled');
    expect((await h.connector.openOrders()).some((o) => o.orderId === id)).toBe(false);
  });

  it('lists the orders that ended, filled or cancelled, by orderRef with their final status; open orders are not', async () => {
    await h.setPrice('EURUSD', 1.09);
    const [filledId, cancelledId, openId] = h.connector.orderIds.allocate(3) as [number, number, number];
    const [filledRef, cancelledRef, openRef] = [nextRef('done-fill'), nextRef('done-cancel'), nextRef('still-open')];
    await h.connector.placeOrder(ticket({ orderId: filledId, orderRef: filledRef }));
    await eventually(h, 'orderStatus', (s) => s.orderId === filledId && s.status === 'Filled');
    await h.connector.placeOrder(ticket({ orderId: cancelledId, orderRef: cancelledRef, orderType: 'LMT', limitPrice: 0.9 }));
    await eventually(h, 'orderStatus', (s) => s.orderId === cancelledId && s.status === 'Submitted');
    await h.connector.cancelOrder(cancelledId);
    await eventually(h, 'orderStatus', (s) => s.orderId === cancelledId && s.status === 'Cancelled');
    await h.connector.placeOrder(ticket({ orderId: openId, orderRef: openRef, orderType: 'LMT', limitPrice: 0.9 }));
    await eventually(h, 'orderStatus', (s) => s.orderId === openId && s.status === 'Submitted');

    const done = new Map((await h.connector.completedOrders()).map((o) => [o.orderRef, o]));
    expect(done.get(filledRef)).toMatchObject({ pair: 'EURUSD', action: 'BUY', quantity: 20_000, orderType: 'MKT', status: 'Filled', filled: 20_000, account: h.account });
    expect(done.get(cancelledRef)).toMatchObject({ pair: 'EURUSD', orderType: 'LMT', status: 'Cancelled', filled: 0, completedStatus: 'Cancelled by Trader' });
    expect(done.has(openRef)).toBe(false);
    for (const ref of [filledRef, cancelledRef]) expect(done.get(ref)?.completedTime).toMatch(/^\d{8} \d{2}:\d{2}:\d{2} UTC$/);
    expect(done.get(filledRef)?.permId).toBeGreaterThan(0);
    expect(done.get(filledRef)?.permId).not.toBe(done.get(cancelledRef)?.permId);

    await h.connector.cancelOrder(openId);
    await eventually(h, 'orderStatus', (s) => s.orderId === openId && s.status === 'Cancelled');
  });

  it('cancels everything on a global cancel', async () => {
    const [a, b] = h.connector.orderIds.allocate(2) as [number, number];
    await h.connector.placeOrder(ticket({ orderId: a, pair: 'NZDUSD', orderType: 'LMT', limitPrice: 0.3 }));
    await h.connector.placeOrder(ticket({ orderId: b, pair: 'USDCAD', action: 'SELL', orderType: 'LMT', limitPrice: 2.5 }));
    await eventually(h, 'orderStatus', (s) => s.orderId === b && s.status === 'Submitted');
    await h.connector.globalCancel();
    await eventually(h, 'orderStatus', (s) => s.orderId === b && s.status === 'Cancelled');
    await eventually(h, 'orderStatus', (s) => s.orderId === a && s.status === 'Cancelled');
    expect(await h.connector.openOrders()).toEqual([]);
  });

  it('refuses an unknown symbol clearly, before anything reaches the broker', async () => {
    const before = await h.ordersReceived();
    const [id] = h.connector.orderIds.allocate(1);
    const sent = h.connector.placeOrder(ticket({ orderId: id!, pair: 'EURXXX' }));
    await expect(sent).rejects.toThrow(OrderRefusedError);
    await expect(sent).rejects.toThrow(/unknown symbol "EURXXX": Phoenix trades only EURUSD, GBPUSD, USDJPY/);
    await expect(h.connector.subscribe('BTCUSD')).rejects.toThrow(/unknown symbol/);
    expect(await h.ordersReceived()).toBe(before);
  });

  it('reports a rejection by the broker (201) against the order', async () => {
    await h.rejectNextOrder('margin');
    const [id] = h.connector.orderIds.allocate(1);
    await h.connector.placeOrder(ticket({ orderId: id!, pair: 'USDJPY', quantity: 10_000 }));
    const rejected = await eventually(h, 'orderRejected', (r) => r.orderId === id);
    expect(rejected).toMatchObject({ code: 201 });
    expect(rejected.message).toMatch(/margin/);
  });

  it('streams ticks for a subscribed pair, JPY priced to 0.01 pips', async () => {
    const sub = await h.connector.subscribe('USDJPY');
    await h.setPrice('USDJPY', 151.234);
    const tick = await eventually(h, 'tick', (t) => t.subscriptionId === sub && t.bid !== undefined && Math.abs(t.bid - 151.229) < 0.0015);
    expect(tick.pair).toBe('USDJPY');
    const ask = await eventually(h, 'tick', (t) => t.subscriptionId === sub && t.ask !== undefined && t.ask > 151.2);
    expect(ask.ask).toBeCloseTo(151.239, 3);
    expect(h.connector.subscriptions().get(sub)).toBe('USDJPY');
    await h.connector.unsubscribe(sub);
  });

  it('refuses nothing of a normal session: every message the broker sent so far passed the boundary checks (S14)', () => {
    expect(h.events.refused).toEqual([]);
  });

  it('closes cleanly: nothing is sent after close', async () => {
    await h.close();
    expect(h.connector.session()).toBeUndefined();
    await expect(h.connector.placeOrder(ticket({ orderId: 999_999 }))).rejects.toThrow(/not connected/);
  });
}
