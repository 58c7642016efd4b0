/**
 * The S4.2 facts, against the simulator process with the real client: a
 * silent (half-open) gateway, a client id held "in use" (326), and a gateway
 * restart that rolls nextValidId back (CV_S33_3).
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { submitGuarded } from '../../actors/broker/submitGuards.ts';
import { PROBE_TIMEOUT_REASON } from '../../machines/connection.ts';
import { MemoryEventLog } from '../../store/memory.ts';
import { type GatewaySimHandle, startGatewaySim } from '../support/gatewaySimProcess.ts';
import { type Rig, restingExit, startRig } from './brokerRig.ts';

let sim: GatewaySimHandle;
const rigs: Rig[] = [];

beforeAll(async () => {
  sim = await startGatewaySim({ serverVersion: 193, nextValidId: 1_000, stateFile: true });
}, 60_000);
afterAll(async () => {
  await sim?.stop();
});
afterEach(async () => {
  await Promise.all(rigs.splice(0).map((r) => r.stop()));
});

async function rig(options: Parameters<typeof startRig>[1]): Promise<Rig> {
  const r = await startRig(sim, options);
  rigs.push(r);
  return r;
}

describe('gateway faults', () => {
  it('detects a silent (half-open) gateway within 10 s with the production probe timings', async () => {
    // TIME_SCALE 1: the real 2 s probe interval and 4 s probe timeout.
    const r = await rig({ clientId: 21, timeScale: 1 });
    await r.waitForState(['CONNECTED']);
    await sim.control('silent');
    const silentAt = Date.now();
    try {
      const disconnect = await r.waitForBead('IBKR_SESSION', (b) => b.data.event === 'DISCONNECT', 'the DISCONNECT bead', 15_000);
      const detectedAfter = Date.now() - silentAt;
      expect(detectedAfter).toBeLessThanOrEqual(10_000);
      expect(disconnect.data.reason).toBe(PROBE_TIMEOUT_REASON);
      expect(r.broker.connection.state).toBe('RECONNECTING');
      // The bead is dated at the last sign of life, not at the verdict: replay knows when it really went quiet.
      expect(Date.parse(disconnect.ts)).toBeLessThanOrEqual(silentAt + 3_000);
    } finally {
      await sim.control('unsilent');
    }
  }, 30_000);

  it('reports a client id in use (326) clearly, as a failed attempt, and connects once the id is free', async () => {
    await sim.control('hold-client-id', { clientId: 22, held: true });
    const r = await rig({ clientId: 22, timeScale: 0.2 });
    const failed = await r.waitForBead('IBKR_SESSION', (b) => b.data.event === 'DISCONNECT', 'the failed first connect');
    expect(failed.data.reason).toMatch(/client id 22 is already in use at the gateway \(IB 326/);
    expect(failed.data.reason).toMatch(/not changed/);
    await sim.control('hold-client-id', { clientId: 22, held: false });
    await r.waitForState(['CONNECTED'], 20_000);
    const ids = (await sim.state()).clients.map((c) => c.clientId);
    // The same id, never incremented.
    expect(ids).toEqual([22]);
  });

  it('CV_S33_3: after a gateway restart with a lower nextValidId no order id is reused, across a Phoenix restart too', async () => {
    const log = new MemoryEventLog();
    const first = await rig({ clientId: 23, timeScale: 0.2, log });
    await first.waitForState(['CONNECTED']);
    const used: number[] = [];
    for (const ref of ['cv3-a', 'cv3-b', 'cv3-c']) {
      const [id] = first.broker.connector.orderIds.allocate(1);
      expect((await submitGuarded(restingExit('DU123456', id!, ref), first.ports())).outcome).toBe('SENT');
      used.push(id!);
    }
    await sim.waitForState((s) => used.every((id) => s.orders.some((o) => o.orderId === id)), 'the three orders');
    const highest = Math.max(...used);

    // An auto-update: the gateway comes back offering ids below the ones already used.
    await sim.control('restart', { downtimeMs: 300, nextValidId: used[0]! - 50 });
    await first.waitForState(['RECONNECTING']);
    await first.waitForState(['CONNECTED'], 20_000);
    expect(first.broker.connector.session()?.nextValidId).toBe(used[0]! - 50);
    const [afterRestart] = first.broker.connector.orderIds.allocate(1);
    expect(afterRestart).toBe(highest + 1);
    expect((await submitGuarded(restingExit('DU123456', afterRestart!, 'cv3-d'), first.ports())).outcome).toBe('SENT');
    await sim.waitForState((s) => s.orders.some((o) => o.orderRef === 'cv3-d'), 'the order after the restart');
    await first.stop();
    rigs.splice(rigs.indexOf(first), 1);

    // Phoenix restarts on the same log against a gateway that rolled back again: the log remembers.
    await sim.control('restart', { downtimeMs: 200, nextValidId: 1 });
    await sim.waitForState((s) => s.listening && !s.restarting, 'the simulator back');
    const second = await rig({ clientId: 23, timeScale: 0.2, log });
    await second.waitForState(['CONNECTED']);
    expect(second.broker.connector.session()?.nextValidId).toBe(1);
    const [fresh] = second.broker.connector.orderIds.allocate(1);
    expect(fresh).toBe(afterRestart! + 1);
    expect((await submitGuarded(restingExit('DU123456', fresh!, 'cv3-e'), second.ports())).outcome).toBe('SENT');

    const state = await sim.waitForState((s) => s.orders.some((o) => o.orderRef === 'cv3-e'), 'the order after the Phoenix restart');
    const refsById = new Map(state.orders.map((o) => [o.orderId, o.orderRef]));
    expect([...used, afterRestart!, fresh!].map((id) => refsById.get(id))).toEqual(['cv3-a', 'cv3-b', 'cv3-c', 'cv3-d', 'cv3-e']);
    expect(state.rejections.filter((x) => x.code === 103)).toEqual([]);
    // The reconnect left its record: DISCONNECT, the attempt, CONNECT.
    expect((await second.sessions()).map((s) => s.event)).toContain('RECONNECT');
  });
});
