import { afterEach, describe, expect, it } from 'vitest';
import { openPaperDesk, type PaperDesk } from '../e2e/paperDesk.ts';

/**
 * Every paper start used to log IB error 322 "Duplicate ticker id": the
 * first connect's resync subscribed the active pairs (the price book), and
 * the connection machine's resubscribe step asked for the same ids again on
 * the same socket. Against the simulator in its own process and the real
 * host: one market data request per pair per connection, at start and after
 * a reconnect, and no 322 in the host's output.
 */

let desk: PaperDesk | undefined;
afterEach(async () => {
  await desk?.close();
  desk = undefined;
});

const reqMktData = (s: { counts: { receivedByName: Record<string, number> } }) => s.counts.receivedByName.reqMktData ?? 0;

describe('market data subscriptions on a paper start (error 322)', () => {
  it('asks once per active pair per connection, at start and after the gateway comes back, and never logs 322', async () => {
    desk = await openPaperDesk({ env: { ACTIVE_PAIRS: 'EURUSD,USDJPY', LOG_LEVEL: 'info', TIME_SCALE: '0.2' } });
    const d = desk;
    const host = await d.startHost();
    // Reconnect backoffs of 1, 3 and 9 s: time for the simulator to come back as its own process.
    // Reconciliation follows the resubscribe step (S3.1: resync, resubscribe, reconcile): by then both have been asked.
    await d.waitForBead('RECONCILIATION', (b) => b.data.trigger === 'STARTUP', 'the startup reconciliation', 30_000);
    await d.waitForBead('HEARTBEAT', (b) => b.data.status === 'HEALTHY', 'a HEALTHY heartbeat', 30_000);
    const first = await d.sim.state();
    expect(reqMktData(first)).toBe(2);
    expect(first.clients.flatMap((c) => c.marketDataReqIds)).toHaveLength(2);

    const lostAt = Date.now();
    await d.sim.kill();
    await d.sim.respawn();
    await d.waitForBead('RECONCILIATION', (b) => b.data.trigger === 'RECONNECT' && Date.parse(b.ts) > lostAt, 'the reconciliation after the reconnect', 60_000);
    const again = await d.sim.waitForState((s) => s.clients.some((c) => c.marketDataReqIds.length === 2), 'both pairs subscribed on the new socket', 20_000);
    expect(reqMktData(again)).toBe(2);

    const output = host.stdout() + host.stderr();
    expect(output).not.toMatch(/Duplicate ticker id/i);
    expect(output).not.toMatch(/"code":322\b/);
  }, 120_000);
});
