import { type Contract, EventName, type Execution, OrderAction } from '@stoqey/ib';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { IbTestClient } from '../support/gatewaySimClient.ts';
import { type GatewaySimHandle, startGatewaySim } from '../support/gatewaySimProcess.ts';
import { EURUSD, marketOrder } from '../support/gatewaySimScript.ts';

/**
 * The `malformed` chaos control: each kind reaches a real @stoqey/ib client as
 * the message it names (the client's boundary must then refuse it), and the
 * control channel checks its body like every other command.
 */
let sim: GatewaySimHandle;
const clients: IbTestClient[] = [];

beforeAll(async () => {
  sim = await startGatewaySim({ serverVersion: 193, nextValidId: 500 });
}, 60_000);
afterAll(async () => {
  await sim?.stop();
});
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.disconnect()));
});

async function clientWithAnOrder(clientId: number): Promise<{ client: IbTestClient; orderId: number }> {
  const client = await IbTestClient.connect({ port: sim.port, clientId });
  clients.push(client);
  const [id] = await client.waitFor(EventName.nextValidId);
  const orderId = Number(id);
  await sim.control('set-price', { pair: 'EURUSD', price: 1.085 });
  client.ib.placeOrder(orderId, EURUSD, marketOrder(OrderAction.BUY, 1_000));
  await client.waitFor(EventName.orderStatus, (args) => args[0] === orderId && args[1] === 'Filled');
  return { client, orderId };
}

describe('gateway-sim malformed messages (POST /malformed)', () => {
  it('missing-field: an orderStatus cut short, which the client decoder refuses as an underrun (505) and never emits', async () => {
    const { client, orderId } = await clientWithAnOrder(31);
    const since = client.mark();
    expect(await sim.control('malformed', { kind: 'missing-field', clientId: 31 })).toMatchObject({ ok: true, clients: 1 });
    const [error] = await client.waitFor(EventName.error, (args) => Number(args[1]) === 505, { since });
    expect(String((error as Error).message)).toMatch(/Underrun error on ORDER_STATUS/);
    expect(client.argsOf(EventName.orderStatus, since).filter((a) => a[0] === orderId)).toEqual([]);
  });

  it('nan-price: an execution of the client\'s latest order priced NaN', async () => {
    const { client, orderId } = await clientWithAnOrder(32);
    const since = client.mark();
    await sim.control('malformed', { kind: 'nan-price', clientId: 32 });
    const [, contract, execution] = await client.waitFor(EventName.execDetails, (args) => (args[2] as Execution).execId?.startsWith('sim-malformed-nan-') === true, { since });
    expect((execution as Execution).orderId).toBe(orderId);
    expect((execution as Execution).price).toBeNaN();
    expect((contract as Contract).symbol).toBe('EUR');
    expect(client.protocolErrors()).toEqual([]);
  });

  it('unknown-order: a well-formed orderStatus for an order id no client used', async () => {
    const client = await IbTestClient.connect({ port: sim.port, clientId: 33 });
    clients.push(client);
    await sim.control('malformed', { kind: 'unknown-order', clientId: 33 });
    const [orderId, status] = await client.waitFor(EventName.orderStatus);
    expect([orderId, status]).toEqual([999_999_999, 'Submitted']);
    expect(client.protocolErrors()).toEqual([]);
  });

  it('unknown-contract: an execution for XAUUSD, none of the six pairs', async () => {
    const { client } = await clientWithAnOrder(34);
    const since = client.mark();
    await sim.control('malformed', { kind: 'unknown-contract', clientId: 34 });
    const [, contract, execution] = await client.waitFor(EventName.execDetails, (args) => (args[2] as Execution).execId?.startsWith('sim-malformed-contract-') === true, { since });
    expect(contract).toMatchObject({ symbol: 'XAUUSD', secType: 'CMDTY', currency: 'USD' });
    expect((execution as Execution).price).toBe(2_000);
    expect(client.protocolErrors()).toEqual([]);
    const state = await sim.state();
    expect(state.counts.malformedSent).toBeGreaterThanOrEqual(4);
    expect(state.counts.internalErrors).toBe(0);
  });

  it('refuses a bad body with 400 and the reason', async () => {
    await expect(sim.control('malformed', { kind: 'gibberish' })).rejects.toThrow(/400.*kind/);
    await expect(sim.control('malformed', {})).rejects.toThrow(/400/);
  });
});
