import { describe, expect, it } from 'vitest';
import { readBrokerLogFacts } from '../../actors/broker/brokerLogFacts.ts';
import { benchBeads } from '../../bench/beadMix.ts';
import type { Bead } from '../../beads/index.ts';
import { MemoryEventLog } from '../../store/memory.ts';
import type { EventLog } from '../../store/port.ts';
import { useTempSqliteLogs } from '../support/tempSqliteLogs.ts';

/**
 * The facts a starting broker reads from the log: the highest order id ever
 * used, from ORDER and FILL beads alike, and every execution already recorded.
 * The bench mix is a desk's day: heartbeats, orders, fills, positions,
 * approvals, sessions and alerts; its trades use order ids 0, 1, 2, …
 */
const day = benchBeads(0, 2000);
const orderOnly: Bead = {
  ...day.find((b) => b.bead_type === 'ORDER')!,
  bead_id: '01a20c96-0000-7000-8000-000000000001',
  stream: 'order-late',
  data: { event: 'SUBMIT_REQUESTED', order_ref: 'late', order_id: 5000, pair: 'EURUSD', action: 'BUY', quantity: 25000, order_type: 'LMT', limit_price: 1.08 },
} as Bead;

async function fill(log: EventLog, beads: Bead[]): Promise<void> {
  for (const b of beads) await log.append(b.stream, [b]);
}

describe('readBrokerLogFacts', () => {
  const logs = useTempSqliteLogs('phoenix-broker-facts-');

  for (const [name, open] of [
    ['memory', () => new MemoryEventLog()],
    ['sqlite, read ahead on a worker thread', () => logs.open({ pageSize: 50, readAheadFrom: 1 })],
  ] as const) {
    it(`${name}: the highest order id of ORDER and FILL beads, and every recorded exec id, whatever else the log holds`, async () => {
      const log: EventLog = open();
      await fill(log, [...day, orderOnly]);
      const facts = await readBrokerLogFacts(log);
      // An order id written ahead of any fill still counts: the next order must not reuse it.
      expect(facts.highestOrderId).toBe(5000);
      const execIds = day.flatMap((b) => (b.bead_type === 'FILL' ? [b.data.exec_id] : []));
      expect(execIds.length).toBeGreaterThan(100);
      expect([...facts.recordedExecIds].sort()).toEqual([...execIds].sort());
      if (log instanceof MemoryEventLog) await log.close();
    });
  }

  it('an empty log: order ids start above 0, and nothing is recorded', async () => {
    const facts = await readBrokerLogFacts(new MemoryEventLog());
    expect(facts).toEqual({ highestOrderId: 0, recordedExecIds: new Set() });
  });
});
