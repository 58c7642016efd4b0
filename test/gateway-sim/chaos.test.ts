import { EventName, type Execution, type Order, OrderAction, OrderType } from '@stoqey/ib';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { IbTestClient } from '../support/gatewaySimClient.ts';
import { type GatewaySimHandle, startGatewaySim } from '../support/gatewaySimProcess.ts';
import { EURUSD, marketOrder } from '../support/gatewaySimScript.ts';

// The chaos controls, against the simulator as its own process with a state
// file. The tests share one simulator and run in order; the last ones kill it.
let sim: GatewaySimHandle;
const clients: IbTestClient[] = [];

beforeAll(async () => {
  sim = await startGatewaySim({ serverVersion: 193, nextValidId: 1000, stateFile: true });
}, 60_000);

afterAll(async () => {
  await sim?.stop();
});

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.disconnect()));
});

async function connect(clientId: number, maxReqPerSec = 200): Promise<IbTestClient> {
  const client = await IbTestClient.connect({ port: sim.port, clientId, maxReqPerSec });
  clients.push(client);
  return client;
}

/** Connects the same IBApi instance again, as Phoenix's reconnect machine does, and waits for nextValidId. */
async function reconnect(client: IbTestClient): Promise<number> {
  await sim.waitForState((s) => s.listening, 'the simulator to listen again', 10_000);
  const since = client.mark();
  client.ib.connect(client.options.clientId);
  const [id] = await client.waitFor(EventName.nextValidId, undefined, { since });
  return Number(id);
}

async function roundTrip(client: IbTestClient): Promise<void> {
  const since = client.mark();
  client.ib.reqCurrentTime();
  await client.waitFor(EventName.currentTime, undefined, { since });
}

const restingLimit = (orderRef: string): Order => ({
  ...marketOrder(OrderAction.BUY, 1000, { orderRef }),
  orderType: OrderType.LMT,
  lmtPrice: 0.9,
});

describe('gateway simulator chaos controls', () => {
  it('refuses a client id already connected with 326', async () => {
    await connect(31);
    const second = IbTestClient.open({ port: sim.port, clientId: 31 });
    clients.push(second);
    await second.waitFor(EventName.info, ([, code]) => code === 326);
    await second.waitFor(EventName.disconnected);
    expect((await sim.state()).counts.clientIdRefusals).toBeGreaterThanOrEqual(1);
  });

  it('goes silent: the socket stays open, requests are read, nothing is answered', async () => {
    const client = await connect(32);
    await sim.control('silent');
    try {
      const before = (await sim.state()).counts.receivedByName['reqCurrentTime'] ?? 0;
      const since = client.mark();
      client.ib.reqCurrentTime();
      await sim.waitForState(
        (s) => (s.counts.receivedByName['reqCurrentTime'] ?? 0) > before,
        'the simulator to read reqCurrentTime',
      );
      // The request has arrived; an answer would be on its way within milliseconds.
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(client.argsOf(EventName.currentTime, since)).toEqual([]);
      expect(client.connected).toBe(true);

      // A new connection is accepted but never gets its handshake answered.
      const halfOpen = IbTestClient.open({ port: sim.port, clientId: 33 });
      clients.push(halfOpen);
      await sim.waitForState((s) => s.clients.some((c) => c.phase === 'awaitingStartApi'), 'the half-open session');
      expect(halfOpen.argsOf(EventName.connected)).toEqual([]);
    } finally {
      await sim.control('unsilent');
    }
    await roundTrip(client);
  });

  it('disconnects a client that breaks the pacing limit three seconds running', async () => {
    const client = await connect(34, 1000);
    const burst = setInterval(() => {
      for (let i = 0; i < 60; i += 1) client.ib.reqCurrentTime();
    }, 250);
    try {
      await client.waitFor(EventName.disconnected, undefined, { timeoutMs: 10_000 });
    } finally {
      clearInterval(burst);
    }
    expect(client.infos().filter((i) => i.code === 100).length).toBeGreaterThanOrEqual(3);
    const state = await sim.state();
    expect(state.counts.pacingDisconnects).toBe(1);
    expect(state.counts.error100Sent).toBeGreaterThanOrEqual(3);
  });

  it('fills an order while its client is away; the fill is found through reqExecutions', async () => {
    const client = await connect(35);
    const id = Number((await client.waitFor(EventName.nextValidId))[0]);
    client.ib.placeOrder(id, EURUSD, restingLimit('filled-offline'));
    await client.waitFor(EventName.orderStatus, ([oid, status]) => oid === id && status === 'Submitted');
    await client.disconnect();

    await sim.control('fill-order', { orderId: id, price: 0.9 });
    await reconnect(client);
    const since = client.mark();
    client.ib.reqExecutions(5, { clientId: '35' }); // typed as a string by @stoqey/ib
    await client.waitFor(EventName.execDetailsEnd, undefined, { since });
    const fills = client.argsOf(EventName.execDetails, since).map(([, , e]) => e as Execution);
    expect(fills.map((e) => [e.orderId, e.orderRef, e.shares, e.price])).toEqual([[id, 'filled-offline', 1000, 0.9]]);
    expect(client.argsOf(EventName.commissionReport, since)).toHaveLength(1);
  });

  it('loses the next order before the broker sees it: no order, no answer; the order after it goes through', async () => {
    const client = await connect(36);
    const id = Number((await client.waitFor(EventName.nextValidId))[0]);
    await sim.control('lose-next-order', {});
    client.ib.placeOrder(id, EURUSD, restingLimit('lost-on-the-way'));
    await sim.waitForState((s) => s.counts.ordersLost === 1, 'the order lost');
    client.ib.placeOrder(id + 1, EURUSD, restingLimit('after-the-loss'));
    await client.waitFor(EventName.orderStatus, ([oid, status]) => oid === id + 1 && status === 'Submitted');
    const state = await sim.state();
    expect(state.orders.map((o) => o.orderRef)).not.toContain('lost-on-the-way');
    expect(state.orders.map((o) => o.orderRef)).toContain('after-the-loss');
    expect(client.argsOf(EventName.orderStatus).filter(([oid]) => oid === id)).toEqual([]);
    expect(state.chaos.loseNextOrders).toBe(0);
  });

  it('restarts on the same port with a lower nextValidId and another server version', async () => {
    const client = await connect(36);
    const before = Number((await client.waitFor(EventName.nextValidId))[0]);
    expect(before).toBeGreaterThan(1000);
    await sim.control('restart', { downtimeMs: 300, nextValidId: 900, serverVersion: 176 });
    await client.waitFor(EventName.disconnected);
    expect(await reconnect(client)).toBe(900);
    expect(client.ib.serverVersion).toBe(176);
    await roundTrip(client);
    expect(client.protocolErrors()).toEqual([]);
  });

  it('survives a real kill -9: a respawn on the same port still has the orders and fills', async () => {
    const client = await connect(37);
    const id = Number((await client.waitFor(EventName.nextValidId))[0]);
    client.ib.placeOrder(id, EURUSD, restingLimit('survivor'));
    client.ib.placeOrder(id + 1, EURUSD, marketOrder(OrderAction.BUY, 2000, { orderRef: 'filled-before-kill' }));
    await client.waitFor(EventName.orderStatus, ([oid, status]) => oid === id + 1 && status === 'Filled');
    const port = sim.port;

    expect((await sim.kill('SIGKILL')).signal).toBe('SIGKILL');
    await client.waitFor(EventName.disconnected);
    await sim.respawn();
    expect(sim.port).toBe(port);

    expect(await reconnect(client)).toBe(id + 2);
    const since = client.mark();
    client.ib.reqOpenOrders();
    client.ib.reqExecutions(6, { clientId: '37' });
    await client.waitFor(EventName.execDetailsEnd, undefined, { since });
    await client.waitFor(EventName.openOrderEnd, undefined, { since });
    const open = client.argsOf(EventName.openOrder, since).map(([oid, , order]) => [oid, (order as Order).orderRef]);
    expect(open).toEqual([[id, 'survivor']]);
    const fills = client.argsOf(EventName.execDetails, since).map(([, , e]) => (e as Execution).orderRef);
    expect(fills).toEqual(['filled-before-kill']);
  });

  it('kill on the control channel resets the connections and ends the process', async () => {
    const client = await connect(38);
    await sim.control('kill');
    await client.waitFor(EventName.disconnected);
    expect(await sim.waitForExit()).toEqual({ code: 137, signal: null });
    expect(sim.exited).toBe(true);
  });
});
