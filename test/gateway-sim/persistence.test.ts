import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { StateFileError } from '../../tools/gateway-sim/broker/stateFile.ts';
import { FX_PAIRS } from '../../tools/gateway-sim/market/fxPairs.ts';
import type { OrderSpec } from '../../tools/gateway-sim/protocol/requests.ts';
import { GatewaySimulator, type GatewaySimOptions } from '../../tools/gateway-sim/simulator.ts';
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
