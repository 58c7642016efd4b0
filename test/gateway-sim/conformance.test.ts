import { type Contract, EventName } from '@stoqey/ib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IbTestClient } from '../support/gatewaySimClient.ts';
import { byRef, completedOrders, IB_TIME, leaveFinishedOrders } from '../support/gatewaySimCompleted.ts';
import { type GatewaySimHandle, startGatewaySim } from '../support/gatewaySimProcess.ts';
import { exerciseEveryMessage, expectedEvents } from '../support/gatewaySimScript.ts';

// S4.3 conformance: the real @stoqey/ib client, against the simulator running
// as its own process, at each server version Phoenix is tested at. Every
// message type the simulator sends must decode without an underrun, leftover
// fields (error 505) or any other decoder complaint.
const VERSIONS = [176, 187, 193] as const;
const sims = new Map<number, GatewaySimHandle>();

beforeAll(async () => {
  const started = await Promise.all(VERSIONS.map((serverVersion) => startGatewaySim({ serverVersion, seed: 11 })));
  for (const [i, version] of VERSIONS.entries()) sims.set(version, started[i]!);
}, 90_000);

afterAll(async () => {
  const states = await Promise.all([...sims.values()].map((sim) => sim.state()));
  await Promise.all([...sims.values()].map((sim) => sim.stop()));
  expect(states.map((s) => s.counts.internalErrors)).toEqual(VERSIONS.map(() => 0));
});

describe.each(VERSIONS)('gateway simulator process at server version %i', (serverVersion) => {
  const sim = () => sims.get(serverVersion)!;

  it('handshakes, then sends managed accounts, nextValidId and the farm-status infos', async () => {
    const client = await IbTestClient.connect({ port: sim().port, clientId: 1 });
    try {
      expect(client.ib.serverVersion).toBe(serverVersion);
      expect(client.argsOf(EventName.managedAccounts)).toEqual([['DU123456']]);
      expect(client.argsOf(EventName.nextValidId)).toEqual([[1]]);
      await client.waitFor(EventName.info, ([, code]) => code === 2158);
      expect(client.infos().map((i) => i.code)).toEqual([2104, 2104, 2106, 2158]);
      expect(client.protocolErrors()).toEqual([]);
    } finally {
      await client.disconnect();
    }
  });

  it('every message type decodes cleanly in @stoqey/ib', async () => {
    const client = await IbTestClient.connect({ port: sim().port, clientId: 2, maxReqPerSec: 200 });
    try {
      await exerciseEveryMessage(
        client,
        {
          rejectNextOrder: async () => void (await sim().control('reject-next-order', { reason: 'conformance' })),
          setPrice: async (pair, price) => void (await sim().control('set-price', { pair, price })),
        },
        100,
      );
      const seen = new Set(client.events.map((e) => e.name));
      expect(expectedEvents(serverVersion).filter((name) => !seen.has(name))).toEqual([]);
      const codes = new Set(client.errors().map((e) => e.code));
      expect([...codes].sort()).toEqual([200, 201, 202]);
      expect(client.protocolErrors()).toEqual([]);
    } finally {
      await client.disconnect();
    }
  });

  it('lists every finished order with reqCompletedOrders, to any client; open orders are not listed', async () => {
    const trader = await IbTestClient.connect({ port: sim().port, clientId: 5 });
    const recovering = await IbTestClient.connect({ port: sim().port, clientId: 6 });
    try {
      const refs = await leaveFinishedOrders(trader, `conf-${serverVersion}`);
      const list = await completedOrders(recovering);
      const filled = byRef(list, refs.filled);
      const cancelled = byRef(list, refs.cancelled);
      expect(byRef(list, refs.open)).toBeUndefined();

      expect(filled?.contract).toMatchObject({ symbol: 'EUR', currency: 'USD', secType: 'CASH', conId: 12087792 });
      expect(filled?.order).toMatchObject({ action: 'BUY', totalQuantity: 2000, orderType: 'MKT', filledQuantity: 2000, account: 'DU123456' });
      expect(filled?.orderState).toMatchObject({ status: 'Filled', completedStatus: 'Filled' });
      expect(filled?.orderState.completedTime).toMatch(IB_TIME);

      expect(cancelled?.order).toMatchObject({ action: 'SELL', totalQuantity: 2000, orderType: 'LMT', lmtPrice: 2, filledQuantity: 0 });
      expect(cancelled?.orderState).toMatchObject({ status: 'Cancelled', completedStatus: 'Cancelled by Trader' });
      expect(cancelled?.order.parentPermId).toBe(filled?.order.permId);
      expect(filled?.order.permId).toBeGreaterThan(0);
      expect(cancelled?.order.permId).not.toBe(filled?.order.permId);
      expect([...trader.protocolErrors(), ...recovering.protocolErrors()]).toEqual([]);
      trader.ib.cancelOrder(refs.ids[2]);
      await trader.waitFor(EventName.orderStatus, ([orderId, status]) => orderId === refs.ids[2] && status === 'Cancelled');
    } finally {
      await Promise.all([trader.disconnect(), recovering.disconnect()]);
    }
  });

  it('answers reqAccountUpdates with values, the held positions, the time and accountDownloadEnd', async () => {
    const client = await IbTestClient.connect({ port: sim().port, clientId: 7 });
    try {
      client.ib.reqAccountUpdates(true, 'DU123456');
      const [account] = await client.waitFor(EventName.accountDownloadEnd);
      expect(account).toBe('DU123456');
      const values = new Map(client.argsOf(EventName.updateAccountValue).map(([key, value, currency, acct]) => [key, { value, currency, acct }]));
      for (const tag of ['NetLiquidation', 'TotalCashValue', 'BuyingPower', 'AvailableFunds']) {
        expect(values.get(tag)).toMatchObject({ currency: 'USD', acct: 'DU123456' });
        expect(Number(values.get(tag)?.value)).toBeGreaterThan(0);
      }
      const portfolio = client.argsOf(EventName.updatePortfolio).map(([contract, position, price, , , , , acct]) => ({
        local: (contract as Contract).localSymbol,
        position,
        price,
        acct,
      }));
      expect(portfolio.find((p) => p.local === 'EUR.USD')).toMatchObject({ acct: 'DU123456' });
      expect(portfolio.every((p) => Number(p.position) !== 0 && Number(p.price) > 0)).toBe(true);
      expect(String(client.argsOf(EventName.updateAccountTime)[0]?.[0])).toMatch(/^\d{2}:\d{2}$/);
      expect(client.protocolErrors()).toEqual([]);
    } finally {
      await client.disconnect();
    }
  });

  it('answers reqAccountUpdatesMulti with rows and its end, and refuses an account it does not manage', async () => {
    const client = await IbTestClient.connect({ port: sim().port, clientId: 8 });
    try {
      client.ib.reqAccountUpdatesMulti(41, 'DU123456', 'model-a', true);
      await client.waitFor(EventName.accountUpdateMultiEnd, ([reqId]) => Number(reqId) === 41);
      const rows = client.argsOf(EventName.accountUpdateMulti).map(([reqId, acct, model, key, , currency]) => [reqId, acct, model, key, currency]);
      expect(rows).toEqual([
        [41, 'DU123456', 'model-a', 'NetLiquidation', 'USD'],
        [41, 'DU123456', 'model-a', 'TotalCashValue', 'USD'],
      ]);
      client.ib.cancelAccountUpdatesMulti(41);
      client.ib.reqAccountUpdatesMulti(42, 'U9999999', '', false);
      const [, code] = await client.waitFor(EventName.error, ([, , reqId]) => reqId === 42);
      expect(code).toBe(321);
      expect(client.protocolErrors()).toEqual([]);
    } finally {
      await client.disconnect();
    }
  });

  it('refuses a held client id with 326 and closes the socket; the message decodes as info', async () => {
    await sim().control('hold-client-id', { clientId: 9 });
    const client = IbTestClient.open({ port: sim().port, clientId: 9 });
    try {
      const [message] = await client.waitFor(EventName.info, ([, code]) => code === 326);
      expect(String(message)).toMatch(/client id is already in use/);
      await client.waitFor(EventName.disconnected);
      expect(client.argsOf(EventName.nextValidId)).toEqual([]);
      expect(client.protocolErrors()).toEqual([]);
    } finally {
      await client.disconnect();
      await sim().control('hold-client-id', { clientId: 9, held: false });
    }
  });

  it('answers 60 messages in a second with error 100 and keeps the connection', async () => {
    const client = await IbTestClient.connect({ port: sim().port, clientId: 4, maxReqPerSec: 1000 });
    try {
      for (let i = 0; i < 60; i += 1) client.ib.reqCurrentTime();
      const [text] = await client.waitFor(EventName.info, ([, code]) => code === 100);
      expect(String(text)).toMatch(/Max rate of messages per second has been exceeded/);
      expect(client.connected).toBe(true);
      expect(client.protocolErrors()).toEqual([]);
    } finally {
      await client.disconnect();
    }
  });
});
