import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { EventName } from '@stoqey/ib';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { StateFileError } from '../../tools/gateway-sim/broker/stateFile.ts';
import { FX_PAIRS } from '../../tools/gateway-sim/market/fxPairs.ts';
import type { OrderSpec } from '../../tools/gateway-sim/protocol/requests.ts';
import { GatewaySimulator, type GatewaySimOptions } from '../../tools/gateway-sim/simulator.ts';
import { IbTestClient } from '../support/gatewaySimClient.ts';
import { byRef, type CompletedOrder, completedOrders, leaveFinishedOrders } from '../support/gatewaySimCompleted.ts';
import { type GatewaySimHandle, startGatewaySim } from '../support/gatewaySimProcess.ts';
import { makeTempDir } from '../support/tempDir.ts';

const temp = makeTempDir('gateway-sim-state');
const sims: GatewaySimulator[] = [];

afterEach(async () => {
  await Promise.all(sims.splice(0).map((s) => s.stop()));
});

afterAll(() => temp.remove());

function create(stateFile: string, extra: Partial<GatewaySimOptions> = {}): GatewaySimulator {
  const sim = GatewaySimulator.create({
    port: 0,
    account: 'DU123456',
    serverVersion: 193,
    seed: 1,
    nextValidId: 1,
    tickMs: 0,
    stateFile,
    ...extra,
  });
  sims.push(sim);
  return sim;
}

function order(extra: Partial<OrderSpec> = {}): OrderSpec {
  return {
    action: 'BUY',
    totalQuantity: 1000,
    orderType: 'MKT',
    lmtPrice: undefined,
    auxPrice: undefined,
    tif: '',
    ocaGroup: '',
    account: '',
    orderRef: 'kept',
    transmit: '1',
    parentId: 0,
    ocaType: 0,
    ...extra,
  };
}

const flush = () => new Promise((resolve) => setImmediate(resolve));

describe('gateway simulator state file', () => {
  it('writes every change and reads it back at start', async () => {
    const file = join(temp.dir, 'a.json');
    const first = create(file);
    first.broker.placeOrder(7, 10, FX_PAIRS.EURUSD, order());
    first.broker.placeOrder(7, 11, FX_PAIRS.EURUSD, order({ orderType: 'LMT', lmtPrice: 0.9, orderRef: 'resting' }));
    await flush();
    expect(JSON.parse(readFileSync(file, 'utf8')).orders).toHaveLength(2);
    expect(readdirSync(temp.dir).filter((name) => name.endsWith('.tmp'))).toEqual([]);

    const second = create(file);
    expect(second.broker.nextValidId).toBe(12);
    expect(second.broker.state.orders.map((o) => [o.orderId, o.status, o.orderRef])).toEqual([
      [10, 'Filled', 'kept'],
      [11, 'Submitted', 'resting'],
    ]);
    expect(second.broker.state.executions.map((e) => e.orderRef)).toEqual(['kept']);
    expect(second.broker.positions().map((p) => [p.pair, p.position])).toEqual([['EURUSD', 1000]]);
  });

  it('keeps the saved next id over --next-valid-id, unless forced (a rollback)', async () => {
    const file = join(temp.dir, 'b.json');
    create(file).broker.placeOrder(1, 40, FX_PAIRS.GBPUSD, order());
    await flush();
    expect(create(file, { nextValidId: 5 }).broker.nextValidId).toBe(41);
    expect(create(file, { forceNextValidId: 5 }).broker.nextValidId).toBe(5);
  });

  it('refuses a file that is not its own, and starts fresh on a missing one', async () => {
    const bad = join(temp.dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ orders: 'many' }));
    expect(() => create(bad)).toThrow(StateFileError);
    const missing = join(temp.dir, 'missing', 'c.json');
    expect(create(missing).broker.state.orders).toEqual([]);
    await flush();
    expect(existsSync(missing)).toBe(true);
  });
});

describe('completed orders in the state file', () => {
  it('keeps when and how each order ended', async () => {
    const file = join(temp.dir, 'done.json');
    const first = create(file);
    first.broker.placeOrder(3, 20, FX_PAIRS.EURUSD, order({ orderRef: 'done-fill' }));
    first.broker.placeOrder(3, 21, FX_PAIRS.EURUSD, order({ orderType: 'LMT', lmtPrice: 0.9, orderRef: 'done-cancel' }));
    first.broker.cancelOrder(3, 21);
    await flush();

    const second = create(file);
    const done = second.broker.completedOrders().map((o) => [o.orderRef, o.status, o.completedStatus, o.filled]);
    expect(done).toEqual([
      ['done-fill', 'Filled', 'Filled', 1000],
      ['done-cancel', 'Cancelled', 'Cancelled by Trader', 0],
    ]);
    expect(second.broker.completedOrders()[0]?.completedAt).toBe(first.broker.order(20)?.completedAt);
  });

  it('lists finished orders from a file written before completion was recorded, timed by their last change', async () => {
    const file = join(temp.dir, 'old.json');
    create(file).broker.placeOrder(3, 30, FX_PAIRS.GBPUSD, order({ orderRef: 'old-fill' }));
    await flush();
    const json = JSON.parse(readFileSync(file, 'utf8'));
    for (const o of json.orders) {
      delete o.completedAt;
      delete o.completedStatus;
    }
    writeFileSync(file, JSON.stringify(json));
    const [old] = create(file).broker.completedOrders();
    expect(old).toMatchObject({ orderRef: 'old-fill', status: 'Filled' });
    expect(old?.completedAt).toBeUndefined();
  });
});

describe('completed orders across restarts of the simulator process', () => {
  let sim: GatewaySimHandle | undefined;
  const clients: IbTestClient[] = [];
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.disconnect()));
    await sim?.stop();
    sim = undefined;
  });

  async function connect(clientId: number): Promise<IbTestClient> {
    const client = await IbTestClient.connect({ port: sim!.port, clientId }, 10_000);
    clients.push(client);
    return client;
  }

  /** What a recovering client would compare: the order, how it ended and when. */
  const summary = (c: CompletedOrder | undefined) => [c?.order.permId, c?.orderState.status, c?.order.filledQuantity, c?.orderState.completedTime];

  it('survives kill -9 and a respawn with the same state file, then a chaos restart', async () => {
    sim = await startGatewaySim({ serverVersion: 187, stateFile: true });
    const trader = await connect(11);
    const refs = await leaveFinishedOrders(trader, 'kept');
    const before = await completedOrders(trader);
    expect(summary(byRef(before, refs.filled))).toEqual([expect.any(Number), 'Filled', 2000, expect.any(String)]);
    expect(summary(byRef(before, refs.cancelled))).toEqual([expect.any(Number), 'Cancelled', 0, expect.any(String)]);

    await sim.kill('SIGKILL');
    await trader.waitFor(EventName.disconnected);
    await sim.respawn();
    const afterKill = await completedOrders(await connect(12));
    for (const ref of [refs.filled, refs.cancelled]) expect(summary(byRef(afterKill, ref))).toEqual(summary(byRef(before, ref)));
    expect(byRef(afterKill, refs.open)).toBeUndefined();

    await sim.control('restart', { downtimeMs: 200 });
    await sim.waitForState((s) => !s.restarting && s.listening, 'the simulator to listen again', 10_000);
    const afterRestart = await completedOrders(await connect(13));
    for (const ref of [refs.filled, refs.cancelled]) expect(summary(byRef(afterRestart, ref))).toEqual(summary(byRef(before, ref)));
  }, 60_000);
});
