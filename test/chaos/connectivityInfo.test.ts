/**
 * IB's notices about the gateway's own link to IB (S4.2): 1100 lost, 1101
 * restored with data lost, 1102 restored with data kept, 2110 server broken.
 * They arrive as info (id -1), not errors, over a socket that stays up.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitUntil } from '../support/gatewaySimClient.ts';
import { type GatewaySimHandle, startGatewaySim } from '../support/gatewaySimProcess.ts';
import { type Rig, startRig } from './brokerRig.ts';

let sim: GatewaySimHandle;
let rig: Rig;

beforeAll(async () => {
  sim = await startGatewaySim({ serverVersion: 193, nextValidId: 50 });
  rig = await startRig(sim, { clientId: 51, timeScale: 0.2 });
  await rig.waitForState(['CONNECTED']);
}, 60_000);
afterAll(async () => {
  await rig?.stop();
  await sim?.stop();
});

const ticket = (orderId: number) => ({ orderId, orderRef: `conn-${orderId}`, pair: 'EURUSD', action: 'BUY' as const, quantity: 1_000, orderType: 'LMT' as const, limitPrice: 0.5, role: 'CLOSE' as const });

describe('connectivity notices from the gateway', () => {
  it('2110 is a warning, not an error: the session stays CONNECTED, nothing is alerted, orders still go through', async () => {
    const heard: number[] = [];
    const off = rig.broker.connector.on('connectivity', ({ code }) => heard.push(code));
    try {
      await sim.control('connectivity', { event: 'server-broken' });
      await waitUntil(() => heard.includes(2110), 'the 2110 notice at the connector', 10_000);
    } finally {
      off();
    }
    // After the notice an order is still accepted and reaches the gateway: no refusal, no reconnect.
    const [id] = rig.broker.connector.orderIds.allocate(1);
    await rig.broker.connector.placeOrder(ticket(id!));
    await sim.waitForState((s) => s.orders.some((o) => o.orderId === id), 'the order sent after 2110');
    await rig.broker.connection.settled();
    expect(rig.broker.connection.state).toBe('CONNECTED');
    expect((await rig.sessions()).map((s) => s.event)).toEqual(['CONNECT']);
    expect((await rig.beads('ALERT')).map((b) => b.data.alert_type)).toEqual([]);
  });

  it('1100 refuses orders and alerts; 1101 resubscribes market data, resyncs and resolves the alert', async () => {
    const sub = await rig.broker.connector.subscribe('EURUSD');
    await sim.waitForState((s) => s.clients.some((c) => c.marketDataReqIds.includes(sub)), 'the subscription');

    await sim.control('connectivity', { event: 'lost' });
    await rig.waitForBead('ALERT', (b) => b.data.alert_type === 'CONNECTION_LOST' && b.data.message.includes('(1100)'), 'the 1100 alert');
    const [id] = rig.broker.connector.orderIds.allocate(1);
    await expect(rig.broker.connector.placeOrder(ticket(id!))).rejects.toThrow(/link to IB is lost \(1100\)/);
    // The socket to the gateway is fine: this is not a reconnect.
    expect(rig.broker.connection.state).toBe('CONNECTED');

    const resyncsBefore = rig.broker.connection.brokerView?.at ?? 0;
    await sim.control('connectivity', { event: 'restored-data-lost' });
    await sim.waitForState((s) => s.clients.some((c) => c.marketDataReqIds.includes(sub)), 'the resubscription after 1101', 10_000);
    await waitUntil(() => (rig.broker.connection.brokerView?.at ?? 0) > resyncsBefore, 'a resync after 1101');
    await rig.waitForBead('ALERT', (b) => b.data.alert_type === 'CONNECTION_RESTORED' && b.data.event === 'RESOLVED', 'the resolution');
    await rig.broker.connector.placeOrder(ticket(rig.broker.connector.orderIds.allocate(1)[0]!));
  });

  it('1102 (data kept) lifts the refusal and resyncs, without resubscribing', async () => {
    const earlier = new Set((await rig.beads('ALERT')).map((b) => b.bead_id));
    await sim.control('connectivity', { event: 'lost' });
    // A second loss is a new incident: the operator is alerted again.
    await rig.waitForBead(
      'ALERT',
      (b) => !earlier.has(b.bead_id) && b.data.alert_type === 'CONNECTION_LOST' && b.data.event === 'RAISED' && b.data.message.includes('(1100)'),
      'the alert for the second 1100',
      10_000,
    );
    await expect(rig.broker.connector.placeOrder(ticket(rig.broker.connector.orderIds.allocate(1)[0]!))).rejects.toThrow(/\(1100\)/);
    const resyncsBefore = rig.broker.connection.brokerView?.at ?? 0;
    await sim.control('connectivity', { event: 'restored-data-kept' });
    await waitUntil(() => (rig.broker.connection.brokerView?.at ?? 0) > resyncsBefore, 'a resync after 1102');
    const [id] = rig.broker.connector.orderIds.allocate(1);
    await rig.broker.connector.placeOrder(ticket(id!));
    expect(rig.broker.connection.state).toBe('CONNECTED');
  });
});
