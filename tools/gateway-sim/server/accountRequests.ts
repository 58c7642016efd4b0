/**
 * The answers to reqAccountUpdates, reqAccountUpdatesMulti and
 * reqCompletedOrders. Account updates are one-shot, like reqAccountSummary:
 * the snapshot and its end marker, then nothing until asked again (IB would
 * go on pushing changes every few minutes; no Phoenix code waits for that).
 */
import type { Broker } from '../broker/broker.ts';
import {
  accountDownloadEndMessage,
  accountTimeMessage,
  accountUpdateMultiEndMessage,
  accountUpdateMultiMessage,
  accountValueMessage,
  portfolioMessage,
} from '../protocol/accountMessages.ts';
import { completedOrderMessage, completedOrdersEndMessage } from '../protocol/completedOrderMessages.ts';
import type { ClientRequest } from '../protocol/requests.ts';
import { errorMessage } from '../protocol/responses.ts';
import type { Session } from './session.ts';

type Request<K extends ClientRequest['kind']> = Extract<ClientRequest, { kind: K }>;

/** What a "ledger and NLV only" multi request gets: the cash ledger and the net liquidation value. */
const LEDGER_AND_NLV_TAGS = new Set(['NetLiquidation', 'TotalCashValue']);

/** An empty code or `All` means the managed account; any other code is not one this gateway has. */
function refusesAccount(broker: Broker, code: string): boolean {
  return code !== '' && code !== 'All' && code !== broker.account;
}

function unknownAccount(session: Session, id: number, code: string): void {
  const text = `Error validating request.-'${code}' : cause - account ${code} is not managed by this gateway`;
  session.send(errorMessage(session.serverVersion, id, 321, text));
}

/**
 * updateAccountValue for each account value (USD), updatePortfolio for each
 * held position, updateAccountTime, then accountDownloadEnd. Unsubscribing
 * is accepted and answered with nothing, as at IB.
 */
export function answerAccountUpdates(
  session: Session,
  broker: Broker,
  nowMs: number,
  request: Request<'reqAccountUpdates'>,
): void {
  if (!request.subscribe) return;
  if (refusesAccount(broker, request.account)) {
    unknownAccount(session, -1, request.account);
    return;
  }
  const account = broker.account;
  for (const [key, value] of Object.entries(broker.accountValues())) {
    session.send(accountValueMessage(key, value, 'USD', account));
  }
  for (const row of broker.portfolio()) session.send(portfolioMessage(row));
  session.send(accountTimeMessage(nowMs));
  session.send(accountDownloadEndMessage(account));
}

/** accountUpdateMulti per account value (USD), echoing the model code, then accountUpdateMultiEnd. */
export function answerAccountUpdatesMulti(session: Session, broker: Broker, request: Request<'reqAccountUpdatesMulti'>): void {
  if (refusesAccount(broker, request.account)) {
    unknownAccount(session, request.reqId, request.account);
    return;
  }
  for (const [key, value] of Object.entries(broker.accountValues())) {
    if (request.ledgerAndNLV && !LEDGER_AND_NLV_TAGS.has(key)) continue;
    session.send(accountUpdateMultiMessage(request.reqId, broker.account, request.modelCode, key, value, 'USD'));
  }
  session.send(accountUpdateMultiEndMessage(request.reqId));
}

/** Every finished order of every client, oldest first; apiOnly changes nothing, since every order here came through the API. */
export function answerCompletedOrders(session: Session, broker: Broker): void {
  for (const order of broker.completedOrders()) {
    const parentPermId = broker.parentOf(order)?.permId ?? 0;
    session.send(completedOrderMessage(session.serverVersion, order, parentPermId));
  }
  session.send(completedOrdersEndMessage());
}
