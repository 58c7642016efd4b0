import { EventName, type Execution, type Order, OrderAction, OrderType, SecType } from '@stoqey/ib';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { IbTestClient } from '../support/gatewaySimClient.ts';
import { type GatewaySimHandle, startGatewaySim } from '../support/gatewaySimProcess.ts';
import { EURUSD, GBPUSD, marketOrder, UNKNOWN } from '../support/gatewaySimScript.ts';

// Trading behaviour a user of the simulator notices, against the simulator as
// its own process. Prices move only when a test steers them (tickMs 0).
let sim: GatewaySimHandle;
let client: IbTestClient | undefined;
let nextClientId = 20;

beforeAll(async () => {
  sim = await startGatewaySim({ serverVersion: 193, nextValidId: 500 });
}, 60_000);

afterAll(async () => {
  await sim?.stop();
});

afterEach(async () => {
  await client?.disconnect();
  client = undefined;
});

async function connect(): Promise<{ c: IbTestClient; firstId: number }> {
  const c = await IbTestClient.connect({ port: sim.port, clientId: nextClientId++, maxReqPerSec: 200 });
  client = c;
  // Each test starts past every id used so far, as a client would after reqIds.
  const since = c.mark();
  c.ib.reqIds(1);
  const [firstId] = await c.waitFor(EventName.nextValidId, undefined, { since });
  return { c, firstId: Number(firstId) };
}

function statusOf(c: IbTestClient, orderId: number, since = 0): string[] {
  return c
    .argsOf(EventName.orderStatus, since)
    .filter(([id]) => id === orderId)
    .map(([, status]) => String(status));
}

const limit = (action: OrderAction, qty: number, lmtPrice: number, extra: Partial<Order> = {}): Order => ({
  ...marketOrder(action, qty),
  orderType: OrderType.LMT,
  lmtPrice,
  ...extra,
});

describe('gateway simulator: orders', () => {
  it('works a bracket: parent fills, children start working, the target fills and OCA cancels the stop', async () => {
    const { c, firstId: parent } = await connect();
    const target = parent + 1;
    const stop = parent + 2;
    await sim.control('set-price', { pair: 'EURUSD', price: 1.1 });

    c.ib.placeOrder(parent, EURUSD, limit(OrderAction.BUY, 20000, 1.099, { transmit: false, orderRef: 'rt-entry' }));
    c.ib.placeOrder(
      target,
      EURUSD,
      limit(OrderAction.SELL, 20000, 1.105, {
        parentId: parent,
        ocaGroup: 'rt',
        transmit: false,
        orderRef: 'rt-target',
      }),
    );
    // Held until the last child transmits: the broker knows them, the client hears nothing.
    const held = await sim.waitForState(
      (s) => s.orders.filter((o) => o.orderId === parent || o.orderId === target).length === 2,
      'the two held orders',
    );
    expect(held.orders.filter((o) => o.orderId >= parent).map((o) => o.status)).toEqual([
      'Untransmitted',
      'Untransmitted',
    ]);
    expect(c.argsOf(EventName.openOrder)).toEqual([]);

    c.ib.placeOrder(stop, EURUSD, {
      ...marketOrder(OrderAction.SELL, 20000, {
        parentId: parent,
        ocaGroup: 'rt',
        transmit: true,
        orderRef: 'rt-stop',
      }),
      orderType: OrderType.STP,
      auxPrice: 1.095,
    });
    await c.waitFor(EventName.orderStatus, ([id, status]) => id === stop && status === 'PreSubmitted');
    expect(statusOf(c, parent)).toEqual(['Submitted']);
    const refs = c.argsOf(EventName.openOrder).map(([, , order]) => (order as Order).orderRef);
    expect(refs).toEqual(['rt-entry', 'rt-target', 'rt-stop']);

    // The entry limit is reached: the parent fills and both children start working.
    await sim.control('set-price', { pair: 'EURUSD', price: 1.0985 });
    await c.waitFor(EventName.orderStatus, ([id, status]) => id === stop && status === 'Submitted');
    expect(statusOf(c, parent)).toEqual(['Submitted', 'Filled']);
    expect(statusOf(c, target)).toEqual(['PreSubmitted', 'Submitted']);

    // The target is reached: it fills, and the stop is cancelled by OCA.
    await sim.control('set-price', { pair: 'EURUSD', price: 1.106 });
    await c.waitFor(EventName.orderStatus, ([id, status]) => id === stop && status === 'Cancelled');
    expect(statusOf(c, target).at(-1)).toBe('Filled');

    const since = c.mark();
    c.ib.reqExecutions(1, { symbol: 'EUR' });
    await c.waitFor(EventName.execDetailsEnd, undefined, { since });
    const execs = c.argsOf(EventName.execDetails, since).map(([, , e]) => e as Execution);
    expect(execs.map((e) => [e.orderId, e.side, e.shares, e.orderRef])).toEqual([
      [parent, 'BOT', 20000, 'rt-entry'],
      [target, 'SLD', 20000, 'rt-target'],
    ]);
    expect(execs[0]!.price).toBeLessThanOrEqual(1.099);
    expect(execs[1]!.price).toBeGreaterThanOrEqual(1.105);

    c.ib.reqPositions();
    const [, contract, position] = await c.waitFor(
      EventName.position,
      ([, k]) => (k as { symbol: string }).symbol === 'EUR',
    );
    expect([(contract as { localSymbol: string }).localSymbol, position]).toEqual(['EUR.USD', 0]);

    const state = await sim.state();
    const byId = new Map(state.orders.map((o) => [o.orderId, o]));
    expect([parent, target, stop].map((id) => [byId.get(id)?.status, byId.get(id)?.orderRef])).toEqual([
      ['Filled', 'rt-entry'],
      ['Filled', 'rt-target'],
      ['Cancelled', 'rt-stop'],
    ]);
    expect(client?.protocolErrors()).toEqual([]);
  });

  it('holds an order whose transmit flag is left unset, and never works it', async () => {
    const { c, firstId } = await connect();
    c.ib.placeOrder(firstId, GBPUSD, { action: OrderAction.BUY, orderType: OrderType.MKT, totalQuantity: 1000 });
    const since = c.mark();
    c.ib.reqCurrentTime();
    await c.waitFor(EventName.currentTime, undefined, { since });
    const state = await sim.state();
    expect(state.orders.find((o) => o.orderId === firstId)?.status).toBe('Untransmitted');
    expect(statusOf(c, firstId)).toEqual([]);
  });

  it('fills partially when asked, and the rest on a fill-order', async () => {
    const { c, firstId: id } = await connect();
    await sim.control('partial-next');
    c.ib.placeOrder(id, GBPUSD, marketOrder(OrderAction.BUY, 20000, { orderRef: 'partial' }));
    const [, , filled, remaining] = await c.waitFor(EventName.orderStatus, ([oid, , f]) => oid === id && f === 10000);
    expect([filled, remaining]).toEqual([10000, 10000]);
    expect((await sim.state()).orders.find((o) => o.orderId === id)?.status).toBe('Submitted');

    await sim.control('fill-order', { orderId: id });
    await c.waitFor(EventName.orderStatus, ([oid, status]) => oid === id && status === 'Filled');
    const fills = c
      .argsOf(EventName.execDetails)
      .map(([, , e]) => e as Execution)
      .filter((e) => e.orderId === id);
    expect(fills.map((e) => [e.shares, e.cumQty])).toEqual([
      [10000, 10000],
      [10000, 20000],
    ]);
  });

  it('delays fills when told to, and reports them once they happen', async () => {
    const { c, firstId: id } = await connect();
    await sim.control('delay-fills', { ms: 300 });
    try {
      c.ib.placeOrder(id, GBPUSD, marketOrder(OrderAction.SELL, 1000));
      await c.waitFor(EventName.orderStatus, ([oid, status]) => oid === id && status === 'Filled');
      expect(statusOf(c, id)).toEqual(['Submitted', 'Filled']);
    } finally {
      await sim.control('delay-fills', { ms: 0 });
    }
  });

  it('cancels every working order on a global cancel', async () => {
    const { c, firstId: id } = await connect();
    c.ib.placeOrder(id, EURUSD, limit(OrderAction.BUY, 1000, 0.9));
    c.ib.placeOrder(id + 1, GBPUSD, limit(OrderAction.SELL, 1000, 2.0));
    await c.waitFor(EventName.orderStatus, ([oid]) => oid === id + 1);
    c.ib.reqGlobalCancel();
    await c.waitFor(EventName.orderStatus, ([oid, status]) => oid === id + 1 && status === 'Cancelled');
    expect(statusOf(c, id).at(-1)).toBe('Cancelled');
    const state = await sim.state();
    expect(state.orders.filter((o) => o.status === 'Submitted' || o.status === 'PreSubmitted')).toEqual([]);
  });

  it('rejects an unknown contract with 200 and a refused order with 201', async () => {
    const { c, firstId: id } = await connect();
    const before = (await sim.state()).counts.placeOrder;
    c.ib.placeOrder(id, UNKNOWN, marketOrder(OrderAction.BUY, 1000));
    const [error200] = await c.waitFor(EventName.error, ([, code, reqId]) => code === 200 && reqId === id);
    expect(String(error200)).toMatch(/No security definition/);

    await sim.control('reject-next-order', { reason: 'margin' });
    c.ib.placeOrder(id + 1, EURUSD, marketOrder(OrderAction.BUY, 1000, { orderRef: 'refused' }));
    const [error201] = await c.waitFor(EventName.error, ([, code, reqId]) => code === 201 && reqId === id + 1);
    expect(String(error201)).toBe('Error: Order rejected - reason:margin');

    const state = await sim.state();
    expect(state.counts.placeOrder - before).toBe(2);
    expect(state.rejections.slice(-2).map((r) => [r.orderId, r.code, r.orderRef])).toEqual([
      [id, 200, ''],
      [id + 1, 201, 'refused'],
    ]);
    expect(state.orders.some((o) => o.orderId === id || o.orderId === id + 1)).toBe(false);
  });
});

describe('gateway simulator: market data and account', () => {
  it('streams bid/ask/last for a pair, follows a steered price, and stops on cancel', async () => {
    const { c } = await connect();
    await sim.control('set-price', { pair: 'USDJPY', price: 151.234 });
    c.ib.reqMktData(
      7,
      { symbol: 'USD', currency: 'JPY', secType: SecType.CASH, exchange: 'IDEALPRO' },
      '',
      false,
      false,
    );
    await c.waitFor(EventName.tickPrice, ([id, type]) => id === 7 && type === 4);
    const ticks = () =>
      new Map(
        c
          .argsOf(EventName.tickPrice)
          .filter(([id]) => id === 7)
          .map(([, type, price]) => [type, price]),
      );
    expect([ticks().get(1), ticks().get(2), ticks().get(4)]).toEqual([151.229, 151.239, 151.234]);

    await sim.control('set-price', { pair: 'USDJPY', price: 150 });
    await c.waitFor(EventName.tickPrice, ([id, type, price]) => id === 7 && type === 4 && price === 150);
    c.ib.cancelMktData(7);
    await sim.waitForState((s) => s.clients.every((cl) => cl.marketDataReqIds.length === 0), 'the cancel');
    const since = c.mark();
    await sim.control('set-price', { pair: 'USDJPY', price: 149 });
    c.ib.reqCurrentTime();
    await c.waitFor(EventName.currentTime, undefined, { since });
    expect(c.argsOf(EventName.tickPrice, since)).toEqual([]);
  });

  it('reports the account summary and a spoofed position', async () => {
    const { c } = await connect();
    await sim.control('spoof-position', { pair: 'NZDUSD', position: 50000, avgCost: 0.6 });
    c.ib.reqAccountSummary(3, 'All', 'NetLiquidation,TotalCashValue,BuyingPower,AvailableFunds');
    await c.waitFor(EventName.accountSummaryEnd);
    const tags = c.argsOf(EventName.accountSummary).map(([, account, tag, , currency]) => [account, tag, currency]);
    expect(tags).toEqual([
      ['DU123456', 'NetLiquidation', 'USD'],
      ['DU123456', 'TotalCashValue', 'USD'],
      ['DU123456', 'BuyingPower', 'USD'],
      ['DU123456', 'AvailableFunds', 'USD'],
    ]);
    c.ib.reqPositions();
    const [account, , position, avgCost] = await c.waitFor(
      EventName.position,
      ([, k]) => (k as { symbol: string }).symbol === 'NZD',
    );
    expect([account, position, avgCost]).toEqual(['DU123456', 50000, 0.6]);
  });

  it('drops the next outgoing messages when told to', async () => {
    const { c } = await connect();
    await sim.control('drop-next', { count: 1 });
    const since = c.mark();
    c.ib.reqCurrentTime();
    c.ib.reqCurrentTime();
    await c.waitFor(EventName.currentTime, undefined, { since });
    const state = await sim.state();
    expect(state.counts.messagesDropped).toBe(1);
    expect(c.argsOf(EventName.currentTime, since)).toHaveLength(1);
  });
});
