import type { Bead } from '../../beads/index.ts';
import type { BrokerPosition, ExecutionReport, IBKRConnector, OpenOrderView } from './connector.ts';
import type { FillRecorder } from './fillRecorder.ts';

/**
 * Step 2 of S3.1's recovery: what the broker holds now (open orders,
 * positions) and every execution since the loss. An execution Phoenix had
 * not yet recorded happened while it was away: it is recorded now, once.
 */
export interface ResyncResult {
  at: number;
  /** Epoch ms of the loss the resync recovers from; null at startup (everything the broker still has). */
  since: number | null;
  openOrders: OpenOrderView[];
  positions: BrokerPosition[];
  executions: ExecutionReport[];
  /** FILL beads written by this resync: fills made while Phoenix was not listening. */
  recoveredFills: Bead[];
}

export async function resyncWithBroker(connector: IBKRConnector, fills: FillRecorder, since: number | null, now: () => number): Promise<ResyncResult> {
  const openOrders = await connector.openOrders();
  const positions = await connector.positions();
  const executions = await connector.executionsSince(since);
  const recoveredFills: Bead[] = [];
  for (const e of executions) {
    const bead = await fills.record(e);
    if (bead) recoveredFills.push(bead);
  }
  return { at: now(), since, openOrders, positions, executions, recoveredFills };
}
