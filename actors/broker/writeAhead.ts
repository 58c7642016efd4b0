import type { Bead, BeadDraft } from '../../beads/index.ts';
import type { BeadWriter } from '../../runtime/beadWriter.ts';
import type { IBKRConnector } from './connector.ts';

/**
 * The write-ahead step of the submit chain, for every caller that sends
 * orders (the host's broker, a direct halt). `alongside` goes first, then the
 * ORDER beads, all in one appendMany: on SQLite one fsync for the lot. An id
 * in a write-ahead bead counts as used before the append, whatever happens
 * next, so it is never handed out again.
 */
export function appendWriteAhead(
  writer: BeadWriter,
  connector: Pick<IBKRConnector, 'orderIds'>,
  drafts: readonly BeadDraft[],
  alongside: readonly Bead[],
): Promise<Bead[]> {
  for (const draft of drafts) if (draft.bead_type === 'ORDER' && draft.data.order_id !== undefined) connector.orderIds.markUsed(draft.data.order_id);
  return writer.writeTogether([...alongside, ...drafts.map((d) => writer.stamp(d))]);
}
