import type { EventLog } from '../../store/port.ts';

/**
 * What the broker actor must know from the log before it may trade: the
 * highest order id ever used (so none is reused after a restart) and the
 * executions already recorded as FILL beads (so a resync records each missed
 * fill exactly once). One pass over the log at start; both are kept current
 * in memory after that. Only ORDER and FILL beads are read: on a long log,
 * mostly heartbeats, the rest is skipped without being decoded.
 */
export interface BrokerLogFacts {
  highestOrderId: number;
  recordedExecIds: Set<string>;
}

export async function readBrokerLogFacts(log: EventLog): Promise<BrokerLogFacts> {
  let highestOrderId = 0;
  const recordedExecIds = new Set<string>();
  for await (const entry of log.readAll({ types: ['ORDER', 'FILL'] })) {
    if (entry.kind !== 'bead') continue;
    const bead = entry.bead;
    if (bead.bead_type === 'ORDER') {
      const id = bead.data.order_id;
      if (id !== undefined && id > highestOrderId) highestOrderId = id;
    } else if (bead.bead_type === 'FILL') {
      recordedExecIds.add(bead.data.exec_id);
      if (bead.data.order_id > highestOrderId) highestOrderId = bead.data.order_id;
    }
  }
  return { highestOrderId, recordedExecIds };
}
