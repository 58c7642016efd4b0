import { closeRequestOf } from '../../beads/closeRequest.ts';
import type { Subscription } from '../../store/port.ts';
import type { FlowActors, FlowParts } from './flowActors.ts';
import { noteForRestart } from './startupScan.ts';

/**
 * The flow's one subscription to the log, after the start-up scan: every
 * bead folds into the views, and the ones from other processes reach their
 * actor (S9: the log is the bus): a person's decision, a close request.
 */
export function followLog(p: FlowParts, actors: FlowActors): Subscription {
  return p.writer.log.subscribe(
    (entry) => {
      if (entry.kind !== 'bead') return;
      const bead = entry.bead;
      p.views.apply(bead);
      noteForRestart(p.startup, bead);
      // The book hears its own writes at once; this catches what it could not (a fill a resync recorded before the flow listened).
      if (bead.bead_type === 'ORDER' || bead.bead_type === 'FILL') p.router.applyAndNotify(bead);
      if (bead.bead_type === 'APPROVAL' && bead.data.event === 'DECISION') actors.approvals.get(bead.data.intent_id)?.decide(bead);
      const close = closeRequestOf(bead);
      if (close) actors.positions.get(close.positionId)?.closeRequested(close.who);
    },
    {
      urgent: true,
      ...(p.startup.checkpoint === undefined ? {} : { after: p.startup.checkpoint }),
      onError: (err) => p.logger.error({ err: err.message }, 'the trade flow stopped following the log'),
    },
  );
}
