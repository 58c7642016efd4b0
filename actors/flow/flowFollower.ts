import { closeRequestOf } from '../../beads/closeRequest.ts';
import type { LiveListener } from '../../runtime/projectionEngine.ts';
import type { FlowActors, FlowParts } from './flowActors.ts';

/**
 * What the flow does with each live entry of the projection engine's one
 * subscription, after every fold has it (the views, the order book and the
 * restart notes are folds of the engine): the beads from other processes
 * reach their actor (S9: the log is the bus): a person's decision, a close
 * request; and an order's bead tells its position.
 */
export function flowListener(p: FlowParts, actors: FlowActors): LiveListener {
  return (entry) => {
    if (entry.kind !== 'bead') return;
    const bead = entry.bead;
    // The book has it already (a fold); this tells the position, for what the flow did not write itself (a fill a resync recorded).
    if (bead.bead_type === 'ORDER' || bead.bead_type === 'FILL') p.router.applyAndNotify(bead);
    if (bead.bead_type === 'APPROVAL' && bead.data.event === 'DECISION') actors.approvals.get(bead.data.intent_id)?.decide(bead);
    const close = closeRequestOf(bead);
    if (close) actors.positions.get(close.positionId)?.closeRequested(close.who);
  };
}
