import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createConnector } from '../../actors/broker/createConnector.ts';
import { systemClock } from '../../runtime/clock.ts';
import { loadConfig } from '../../runtime/config/load.ts';
import { silentLogger } from '../../runtime/logger.ts';
import { simEnv } from '../chaos/brokerRig.ts';
import { type GatewaySimHandle, startGatewaySim } from '../support/gatewaySimProcess.ts';
import { runPhoenix } from '../support/phoenixProcess.ts';
import { makeTempDir } from '../support/tempDir.ts';

/**
 * Issue 17, the halt's two small holes, against the gateway simulator in its
 * own process with `phoenix halt` as its own process and no host running:
 * the direct halt runs the port and managed-account guards before its global
 * cancel, and a halt without --flatten says loudly which positions it left
 * without their stops.
 */

let sim: GatewaySimHandle;
let home: ReturnType<typeof makeTempDir>;
beforeAll(async () => {
  sim = await startGatewaySim({ nextValidId: 900 });
}, 60_000);
afterAll(async () => {
  await sim?.stop();
});
beforeEach(() => {
  home = makeTempDir('phoenix-halt-guards');
});
afterEach(() => home.remove());

const env = (clientId: number, over: Record<string, string> = {}) => ({ ...simEnv(sim, clientId, 0.05), PHOENIX_HOME: home.dir, LOG_LEVEL: 'warn', PHOENIX_HOST_ID: 'guard-host', ...over });

describe('phoenix halt with no host running', () => {
  it('refuses to cancel on a gateway that does not manage IBKR_ACCOUNT: the guards run first, nothing is cancelled', async () => {
    const desk = createConnector({ config: loadConfig(env(81)), clock: systemClock, logger: silentLogger, highestOrderId: 900 });
    expect((await desk.connect()).ok).toBe(true);
    await desk.placeOrder({ orderId: desk.orderIds.allocate(1)[0]!, orderRef: 'guard-w1', pair: 'EURUSD', action: 'BUY', quantity: 1_000, orderType: 'LMT', limitPrice: 0.5, role: 'CLOSE' });
    await expect.poll(async () => (await sim.state()).orders.find((o) => o.orderRef === 'guard-w1')?.status, { timeout: 10_000 }).toBe('Submitted');
    const halted = await runPhoenix(['halt', '--reason', 'wrong desk', '--as', 'alice'], env(82, { IBKR_ACCOUNT: 'DU7777777' }), 60_000);
    expect(halted.code).toBe(1);
    expect(halted.stdout).toMatch(/halt FAILED .*refused by the guards before any cancel: the gateway does not manage IBKR_ACCOUNT=DU7777777/);
    expect((await sim.state()).orders.find((o) => o.orderRef === 'guard-w1')?.status).toBe('Submitted');
    await desk.disconnect('test').catch(() => undefined);
    await desk.close();
  }, 90_000);

  it('without --flatten it names the positions left open with no stop and no target', async () => {
    const desk = createConnector({ config: loadConfig(env(83)), clock: systemClock, logger: silentLogger, highestOrderId: 950 });
    expect((await desk.connect()).ok).toBe(true);
    await desk.placeOrder({ orderId: desk.orderIds.allocate(1)[0]!, orderRef: 'guard-open', pair: 'AUDUSD', action: 'BUY', quantity: 3_000, orderType: 'MKT', role: 'CLOSE' });
    await expect.poll(async () => (await sim.state()).positions.find((p) => p.pair === 'AUDUSD')?.position, { timeout: 10_000 }).toBe(3_000);
    await desk.disconnect('test').catch(() => undefined);
    await desk.close();
    const halted = await runPhoenix(['halt', '--reason', 'no flatten', '--as', 'alice'], env(84), 60_000);
    expect(halted.code, halted.stderr).toBe(0);
    expect(halted.stdout).toMatch(/UNPROTECTED: .*AUDUSD \+3000 still open with no stop and no target/);
  }, 90_000);
});
