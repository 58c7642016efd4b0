import type { Bead } from '../../beads/index.ts';
import type { Logger } from '../../runtime/logger.ts';
import type { BrokerPosition, CompletedOrderView, ExecutionReport, IBKRConnector, OpenOrderView } from './connector.ts';
import type { FillRecorder } from './fillRecorder.ts';

/**
 * Step 2 of S3.1's recovery: what the broker holds now (open orders,
 * positions), how orders ended (completed orders), and every execution since
 * the loss. An execution Phoenix had not yet recorded happened while it was
 * away: it is recorded now, once. The trade flow records each order that
 * ended meanwhile as ended.
 */
export interface ResyncResult {
  at: number;
  /** Epoch ms of the loss the resync recovers from; null at startup (everything the broker still has). */
  since: number | null;
  openOrders: OpenOrderView[];
  /** Orders that ended at the broker (filled, cancelled, inactive), by orderRef; empty if the gateway could not say. */
  completedOrders: CompletedOrderView[];
  positions: BrokerPosition[];
  executions: ExecutionReport[];
  /** FILL beads written by this resync: fills made while Phoenix was not listening. */
  recoveredFills: Bead[];
}

export async function resyncWithBroker(
  connector: IBKRConnector,
  fills: FillRecorder,
  since: number | null,
  now: () => number,
  logger?: Logger,
): Promise<ResyncResult> {
  const openOrders = await connector.openOrders();
  // Without it an order that ended meanwhile stays "working" in the log; reconciliation will then say so as drift.
  const completedOrders = await connector.completedOrders().catch((err: Error) => {
    logger?.warn({ err: err.message }, 'completed orders not read: orders that ended while Phoenix was away stay open in the log until reconciled');
    return [];
  });
  const positions = await connector.positions();
  const executions = await connector.executionsSince(since);
  const recoveredFills: Bead[] = [];
  for (const e of executions) {
    const bead = await fills.record(e);
    if (bead) recoveredFills.push(bead);
  }
  return { at: now(), since, openOrders, completedOrders, positions, executions, recoveredFills };
}
