import { uuidV7Ids } from '../../store/ids.ts';
import { type ApprovalTokens, createApprovalTokens } from '../broker/tokens.ts';
import { BrokerReadiness } from './brokerReadiness.ts';
import type { FlowParts } from './flowActors.ts';
import type { FlowDeps } from './flowDeps.ts';
import { type FlowFolds, FlowViews } from './flowViews.ts';
import { OrderRouter } from './orderRouter.ts';
import { PriceBook } from './priceBook.ts';
import { Submitter } from './submitter.ts';

/**
 * What the flow's actors share, built once at start, after the projection
 * engine has read the log (its folds are `folds`): the views and the order book, the approval tokens (with the ones
 * already used), the order router, the guard chain's submitter, the prices,
 * and whether the broker is ready. `notify` tells a position its orders moved.
 */

const refusingTokens: ApprovalTokens = {
  mint: () => ({ ok: false, why: 'APPROVAL_TOKEN_SECRET is not set: no approval token can be minted' }),
  verify: () => ({ ok: false, code: 'MALFORMED', why: 'APPROVAL_TOKEN_SECRET is not set' }),
  redeem: () => ({ ok: false, code: 'MALFORMED', why: 'APPROVAL_TOKEN_SECRET is not set' }),
};

export function buildFlowParts(o: FlowDeps & { pauseBeforeSendMs?: number }, folds: FlowFolds, notify: (positionId: string) => void): FlowParts {
  const { config, writer, broker } = o;
  const logger = o.logger.child({ actor: 'trade-flow' });
  const views = new FlowViews(undefined, folds);
  // Taken once caught up: from here on the folds change these objects in place.
  const book = folds.book();
  const startup = folds.restart();
  const tokens = config.APPROVAL_TOKEN_SECRET
    ? createApprovalTokens({ secret: config.APPROVAL_TOKEN_SECRET, ids: uuidV7Ids, consumed: startup.consumedTokens })
    : refusingTokens;
  const router = new OrderRouter(book, writer, logger, notify);
  router.awaitLookup(book.unacknowledged().map((u) => u.orderRef));
  router.listen(broker.connector, broker.fills);
  const ready = new BrokerReadiness();
  broker.connection.onState((state) => {
    if (state !== 'CONNECTED') ready.markLost();
  });
  return {
    ...o,
    logger,
    views,
    book,
    startup,
    tokens,
    router,
    submitter: new Submitter(o, tokens, router),
    prices: new PriceBook(broker.connector, logger),
    ready,
  };
}
