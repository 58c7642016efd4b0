/**
 * The connection actor over the mock backend (IBKR_MODE=mock): the same
 * story as against the simulator, in process and in well under a second.
 */
import { describe, expect, it } from 'vitest';
import { startBroker } from '../../actors/broker/brokerActor.ts';
import type { MockConnector } from '../../actors/broker/mockConnector.ts';
import { systemClock } from '../../runtime/clock.ts';
import { loadConfig } from '../../runtime/config/load.ts';
import { BeadWriter } from '../../runtime/beadWriter.ts';
import { silentLogger } from '../../runtime/logger.ts';
import type { Bead } from '../../beads/index.ts';
import { uuidV7Ids } from '../../store/ids.ts';
import { MemoryEventLog } from '../../store/memory.ts';

async function beads(log: MemoryEventLog): Promise<Bead[]> {
  const out: Bead[] = [];
  for await (const e of log.readAll()) if (e.kind === 'bead') out.push(e.bead);
  return out;
}

describe('the connection actor on the mock backend', () => {
  it('connects, loses the link, reconnects after the backoff and records the fill made while away, once', async () => {
    const config = loadConfig({ TIME_SCALE: '0.01', PHOENIX_HOST_ID: 'mock-host' });
    const log = new MemoryEventLog();
    const writer = new BeadWriter({ log, clock: systemClock, ids: uuidV7Ids, hostId: 'mock-host', mode: 'MOCK' });
    const reconciled: string[] = [];
    const broker = await startBroker({
      config,
      writer,
      clock: systemClock,
      logger: silentLogger,
      runId: 'run-mock',
      hooks: { reconcile: ({ trigger, resync }) => void reconciled.push(`${trigger}:${resync?.recoveredFills.length ?? '-'}`) },
    });
    try {
      await broker.connection.waitFor(['CONNECTED']);
      await broker.connection.settled();
      const mock = broker.connector as MockConnector;
      const [id] = mock.orderIds.allocate(1);
      await mock.placeOrder({ orderId: id!, orderRef: 'away', pair: 'EURUSD', action: 'BUY', quantity: 1_000, orderType: 'LMT', limitPrice: 1.0, role: 'ENTRY' });

      mock.sever();
      expect(broker.connection.state).toBe('RECONNECTING');
      mock.broker.setPrice('EURUSD', 0.99);
      await broker.connection.waitFor(['CONNECTED']);
      await broker.connection.settled();

      const all = await beads(log);
      const sessions = all.filter((b) => b.bead_type === 'IBKR_SESSION').map((b) => (b.bead_type === 'IBKR_SESSION' ? `${b.data.event}:${b.data.reconnect_attempt}` : ''));
      expect(sessions).toEqual(['CONNECT:0', 'DISCONNECT:0', 'RECONNECT:1', 'CONNECT:1']);
      const fills = all.filter((b) => b.bead_type === 'FILL');
      expect(fills.map((f) => (f.bead_type === 'FILL' ? [f.data.order_ref, f.data.price] : []))).toEqual([['away', 1.0]]);
      expect(reconciled).toEqual(['STARTUP:0', 'RECONNECT:1']);
      expect(all.some((b) => b.bead_type === 'ALERT' && b.data.alert_type === 'CONNECTION_LOST')).toBe(true);
      expect(all.some((b) => b.bead_type === 'ALERT' && b.data.alert_type === 'CONNECTION_RESTORED')).toBe(true);
    } finally {
      await broker.stop();
    }
  });

  it('manages IBKR_ACCOUNT when one is set, so the submit guards judge orders against that account', async () => {
    const config = loadConfig({ IBKR_ACCOUNT: 'DU111111', TIME_SCALE: '0.01' });
    const log = new MemoryEventLog();
    const writer = new BeadWriter({ log, clock: systemClock, ids: uuidV7Ids, hostId: 'mock-host', mode: 'MOCK' });
    const broker = await startBroker({ config, writer, clock: systemClock, logger: silentLogger, runId: 'run-mock-2' });
    try {
      await broker.connection.waitFor(['CONNECTED', 'GUARD_FAILED']);
      expect(broker.connection.state).toBe('CONNECTED');
      expect(broker.account).toBe('DU111111');
      expect(broker.submitPorts().session().managedAccounts).toEqual(['DU111111']);
    } finally {
      await broker.stop();
    }
  });
});
