/**
 * The submit guard chain in front of the real client, with the simulator in
 * its own process as the broker: what it received is the proof.
 * INV-IBKR-ACCOUNT-CHECK-1 (CV_S33_13) and the order spam of CV_S33_14.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { submitGuarded } from '../../actors/broker/submitGuards.ts';
import { type GatewaySimHandle, startGatewaySim } from '../support/gatewaySimProcess.ts';
import { type Rig, restingExit, startRig } from '../chaos/brokerRig.ts';

let sim: GatewaySimHandle;
let rig: Rig;

beforeAll(async () => {
  sim = await startGatewaySim({ serverVersion: 193, nextValidId: 10 });
  rig = await startRig(sim, { clientId: 41, timeScale: 1 });
  await rig.waitForState(['CONNECTED']);
}, 60_000);
afterAll(async () => {
  await rig?.stop();
  await sim?.stop();
});

describe('INV-IBKR-ACCOUNT-CHECK-1', () => {
  it('INV-IBKR-ACCOUNT-CHECK-1: an order for another account is refused before any byte, with a CRITICAL GUARD_VIOLATION; the simulator received nothing', async () => {
    const before = await sim.state();
    const [id] = rig.broker.connector.orderIds.allocate(1);
    const result = await submitGuarded(restingExit('DU999999', id!, 'wrong-account'), rig.ports());
    expect(result).toMatchObject({ outcome: 'REFUSED', step: 'ACCOUNT' });
    if (result.outcome !== 'REFUSED') return;
    expect(result.reason).toMatch(/DU999999 is not IBKR_ACCOUNT DU123456/);
    expect(result.alert?.alertType).toBe('GUARD_VIOLATION');
    expect(result.killFlag?.type).toBe('GUARD_VIOLATION');
    const after = await sim.state();
    expect(after.counts.placeOrder).toBe(before.counts.placeOrder);
    expect(after.orders.some((o) => o.orderRef === 'wrong-account')).toBe(false);
    expect((await rig.beads('ORDER')).some((b) => b.data.order_ref === 'wrong-account')).toBe(false);
  });

  it('INV-IBKR-ACCOUNT-CHECK-1: an order over a port that is not the mode port is refused before any byte; the simulator received nothing', async () => {
    const before = await sim.state();
    const ports = rig.ports();
    // The session is on the simulator's port, but this desk's paper port says otherwise: wrong gateway.
    const wrongPort = { ...ports, config: { ...ports.config, IBKR_PAPER_PORT: sim.port + 1 } };
    const [id] = rig.broker.connector.orderIds.allocate(1);
    const result = await submitGuarded(restingExit('DU123456', id!, 'wrong-port'), wrongPort);
    expect(result).toMatchObject({ outcome: 'REFUSED', step: 'PORT' });
    if (result.outcome === 'REFUSED') expect(result.reason).toMatch(new RegExp(`port ${sim.port} is not the PAPER port`));
    const after = await sim.state();
    expect(after.counts.placeOrder).toBe(before.counts.placeOrder);
    expect(after.orders.some((o) => o.orderRef === 'wrong-port')).toBe(false);
  });
});

describe('order spam (CV_S33_14)', () => {
  it('CV_S33_14: a burst of 200 orders is paced: all reach the simulator, no error 100, no disconnect, a pacing WARNING', async () => {
    const before = await sim.state();
    const ids = rig.broker.connector.orderIds.allocate(200);
    const started = Date.now();
    const results = await Promise.all(ids.map((id, i) => submitGuarded(restingExit('DU123456', id, `spam-${i}`, { limitPrice: 0.5 + i / 10_000 }), rig.ports())));
    expect(results.filter((r) => r.outcome !== 'SENT')).toEqual([]);
    const state = await sim.waitForState((s) => s.counts.placeOrder - before.counts.placeOrder === 200, 'all 200 orders at the simulator', 30_000);
    const tookMs = Date.now() - started;

    expect(state.counts.error100Sent).toBe(0);
    expect(state.counts.pacingDisconnects).toBe(0);
    expect(state.clients.find((c) => c.clientId === 41)?.pacingViolations).toBe(0);
    expect(rig.broker.connection.state).toBe('CONNECTED');
    // Paced, not dumped: 200 orders at 25/s take several seconds.
    expect(tookMs).toBeGreaterThan(5_000);

    const warnings = (await rig.beads('ALERT')).filter((b) => b.data.alert_type === 'PACING_WARNING');
    expect(warnings.length).toBeGreaterThanOrEqual(1);
    expect(warnings[0]!.data).toMatchObject({ severity: 'WARNING', runbook_id: 'RB-008' });
    expect(warnings[0]!.data.message).toMatch(/queued/);
    // Every order was on record before it was sent.
    expect((await rig.beads('ORDER')).filter((b) => b.data.order_ref.startsWith('spam-'))).toHaveLength(200);

    await rig.broker.connector.globalCancel();
  }, 60_000);
});
