import type { BrokerHooks } from '../broker/connectionActor.ts';
import { recoverUnacknowledged } from './crashRecovery.ts';
import { recordEndedOrders } from './endedOrders.ts';
import type { FlowActors, FlowParts } from './flowActors.ts';
import type { ReconciliationActor } from './reconciliationActor.ts';
import { type ResendDeps, resendEntry, resendExit } from './resend.ts';

/**
 * What the flow does each time the broker is (re)connected and resynced
 * (S3.1 steps 2–5): record how orders ended while nobody listened, look up
 * what was written ahead and never acknowledged (once, after a start),
 * reconcile, and only then declare the broker ready, so approvals, closes and
 * positions carry on against a broker and a log that were just compared.
 */
export function flowBrokerHooksOf(p: FlowParts, actors: FlowActors, reconciliation: ReconciliationActor): Required<Pick<BrokerHooks, 'reconcile' | 'onResync'>> {
  const resendDeps: ResendDeps = { ...p, approvals: p.startup.approvals, correlationOf: (id) => actors.positions.get(id)?.intentId ?? id };
  let recovered = false;
  return {
    onResync: async () => {
      await p.prices.ensure();
    },
    reconcile: async ({ trigger, resync }) => {
      if (resync) {
        // What the broker already said in this resync is in the book first: only true silence counts as "never arrived".
        await p.router.settled();
        const ended = await recordEndedOrders(resync, p.book, p.router);
        if (ended.length > 0) p.logger.warn({ orders: ended }, 'orders that ended at the broker while Phoenix was not listening');
        if (!recovered) {
          recovered = true;
          const report = await recoverUnacknowledged(resync, {
            book: p.book,
            router: p.router,
            logger: p.logger,
            resendEntry: (id, tickets) => resendEntry(resendDeps, id, tickets),
            resendExit: (id, tickets) => resendExit(resendDeps, id, tickets),
          });
          if (report.found.length + report.resent.length + report.abandoned.length > 0) p.logger.warn(report, 'recovered orders written ahead before a restart');
        }
      }
      await reconciliation.run(trigger, resync);
      if (resync && p.broker.connection.connected) p.ready.markReady();
    },
  };
}
