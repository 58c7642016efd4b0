/**
 * What the gateway answers to each client request. Order-side consequences
 * (acknowledgements, fills, cancels) do not come from here but from the
 * broker's events, so they reach the client however the change came about.
 */
import type { Broker } from '../broker/broker.ts';
import { FX_PAIRS, type FxPair, resolvePair } from '../market/fxPairs.ts';
import type { PriceBook } from '../market/priceBook.ts';
import {
  commissionReportMessage,
  execDetailsMessage,
  openOrderMessage,
  orderStatusMessage,
} from '../protocol/orderMessages.ts';
import type { ClientRequest } from '../protocol/requests.ts';
import {
  accountSummaryEndMessage,
  accountSummaryMessage,
  contractDetailsEndMessage,
  contractDetailsMessage,
  currentTimeMessage,
  errorMessage,
  execDetailsEndMessage,
  managedAccountsMessage,
  type Message,
  marketDataTypeMessage,
  nextValidIdMessage,
  openOrderEndMessage,
  positionEndMessage,
  positionMessage,
  TICK,
  tickPriceMessage,
  tickReqParamsMessage,
  tickSizeMessage,
  tickSnapshotEndMessage,
} from '../protocol/responses.ts';
import { answerAccountUpdates, answerAccountUpdatesMulti, answerCompletedOrders } from './accountRequests.ts';
import type { Session } from './session.ts';

export interface GatewayContext {
  readonly account: string;
  readonly broker: Broker;
  readonly prices: PriceBook;
  now(): number;
  /** Why this client id may not connect now, or undefined if it may. */
  clientIdRefusal(clientId: number, session: Session): string | undefined;
  onClientIdRefused(): void;
}

export const CLIENT_ID_IN_USE = 'Unable to connect as the client id is already in use. Retry with a unique client id.';

const FARM_STATUS: ReadonlyArray<[number, string]> = [
  [2104, 'Market data farm connection is OK:usfarm'],
  [2104, 'Market data farm connection is OK:cashfarm'],
  [2106, 'HMDS data farm connection is OK:ushmds'],
  [2158, 'Sec-def data farm connection is OK:secdefnj'],
];

/** Sizes shown with every quote; IDEALPRO quotes in millions of the base currency. */
const QUOTE_SIZE = 1_000_000;
const LAST_SIZE = 100_000;

/** The three prices of a pair, as one burst of ticks for one subscription. */
export function quoteTicks(reqId: number, pair: FxPair, prices: PriceBook): Message[] {
  const quote = prices.quote(pair.name);
  const last = Number(quote.mid.toFixed(pair.priceDecimals));
  return [
    tickPriceMessage(reqId, TICK.bid, quote.bid, QUOTE_SIZE),
    tickPriceMessage(reqId, TICK.ask, quote.ask, QUOTE_SIZE),
    tickPriceMessage(reqId, TICK.last, last, LAST_SIZE),
  ];
}

export function handleRequest(ctx: GatewayContext, session: Session, request: ClientRequest): void {
  const sv = session.serverVersion;
  const send = (message: Message) => session.send(message);
  const clientId = session.clientId ?? 0;
  switch (request.kind) {
    case 'startApi': {
      const refusal = ctx.clientIdRefusal(request.clientId, session);
      if (refusal !== undefined) {
        ctx.onClientIdRefused();
        session.closeAfter([errorMessage(sv, -1, 326, refusal)]);
        return;
      }
      session.clientId = request.clientId;
      session.phase = 'ready';
      send(managedAccountsMessage([ctx.account]));
      send(nextValidIdMessage(ctx.broker.nextValidId));
      for (const [code, text] of FARM_STATUS) send(errorMessage(sv, -1, code, text));
      return;
    }
    case 'reqCurrentTime':
      send(currentTimeMessage(Math.floor(ctx.now() / 1000)));
      return;
    case 'reqIds':
      send(nextValidIdMessage(ctx.broker.nextValidId));
      return;
    case 'reqManagedAccts':
      send(managedAccountsMessage([ctx.account]));
      return;
    case 'reqAccountSummary': {
      const values = ctx.broker.accountValues();
      const wanted = request.tags.length === 0 ? Object.keys(values) : request.tags;
      for (const tag of wanted) {
        const value = values[tag];
        if (value !== undefined) send(accountSummaryMessage(request.reqId, ctx.account, tag, value, 'USD'));
      }
      send(accountSummaryEndMessage(request.reqId));
      return;
    }
    case 'reqAccountUpdates':
      answerAccountUpdates(session, ctx.broker, ctx.now(), request);
      return;
    case 'reqAccountUpdatesMulti':
      answerAccountUpdatesMulti(session, ctx.broker, request);
      return;
    case 'reqCompletedOrders':
      answerCompletedOrders(session, ctx.broker);
      return;
    case 'reqPositions': {
      session.positionsSubscribed = true;
      for (const p of ctx.broker.positions()) send(positionMessage(p.account, p.pair, p.position, p.avgCost));
      send(positionEndMessage());
      return;
    }
    case 'cancelPositions':
      session.positionsSubscribed = false;
      return;
    case 'reqOpenOrders':
    case 'reqAllOpenOrders': {
      const orders = ctx.broker.openOrders(request.kind === 'reqOpenOrders' ? clientId : undefined);
      for (const order of orders) {
        send(openOrderMessage(sv, order));
        send(orderStatusMessage(sv, order));
      }
      send(openOrderEndMessage());
      return;
    }
    case 'reqExecutions': {
      for (const execution of ctx.broker.findExecutions(request.filter)) {
        send(execDetailsMessage(sv, request.reqId, execution));
        send(commissionReportMessage(execution));
      }
      send(execDetailsEndMessage(request.reqId));
      return;
    }
    case 'reqMktData':
      subscribeMarketData(ctx, session, request.reqId, resolvePair(request.contract), request.snapshot);
      return;
    case 'cancelMktData':
      session.marketData.delete(request.reqId);
      return;
    case 'reqContractDetails': {
      const pair = resolvePair(request.contract);
      if (!pair) {
        send(errorMessage(sv, request.reqId, 200, 'No security definition has been found for the request'));
        return;
      }
      send(contractDetailsMessage(sv, request.reqId, pair));
      send(contractDetailsEndMessage(request.reqId));
      return;
    }
    case 'placeOrder': {
      const pair = request.contract.secType.toUpperCase() === 'BAG' ? undefined : resolvePair(request.contract);
      const verdict = ctx.broker.placeOrder(clientId, request.orderId, pair, request.order);
      if (!verdict.ok) send(errorMessage(sv, request.orderId, verdict.code, verdict.message));
      return;
    }
    case 'cancelOrder': {
      const verdict = ctx.broker.cancelOrder(clientId, request.orderId);
      if (!verdict.ok) send(errorMessage(sv, request.orderId, verdict.code, verdict.message));
      return;
    }
    case 'reqGlobalCancel':
      ctx.broker.globalCancel();
      return;
    case 'cancelAccountSummary':
    case 'cancelAccountUpdatesMulti':
    case 'reqAutoOpenOrders':
    case 'reqMarketDataType':
    case 'setServerLogLevel':
      return;
    case 'unsupported':
      send(
        errorMessage(
          sv,
          -1,
          321,
          `Error validating request.-'${request.name}' : cause - not served by the gateway simulator`,
        ),
      );
      return;
    case 'unknown':
      send(errorMessage(sv, -1, 320, `Error reading request. Unknown message id ${request.msgId}`));
      return;
  }
}

function subscribeMarketData(
  ctx: GatewayContext,
  session: Session,
  reqId: number,
  pair: FxPair | undefined,
  snapshot: boolean,
): void {
  const sv = session.serverVersion;
  if (!pair) {
    session.send(errorMessage(sv, reqId, 200, 'No security definition has been found for the request'));
    return;
  }
  if (!snapshot && session.marketData.has(reqId)) {
    session.send(errorMessage(sv, reqId, 322, `Error processing request.-'${reqId}' : cause - Duplicate ticker id`));
    return;
  }
  session.send(marketDataTypeMessage(reqId, 1));
  session.send(tickReqParamsMessage(reqId, pair));
  for (const message of quoteTicks(reqId, pair, ctx.prices)) session.send(message);
  session.send(tickSizeMessage(reqId, TICK.bidSize, QUOTE_SIZE));
  session.send(tickSizeMessage(reqId, TICK.askSize, QUOTE_SIZE));
  if (snapshot) {
    session.send(tickSnapshotEndMessage(reqId));
    return;
  }
  session.marketData.set(reqId, FX_PAIRS[pair.name].name);
}
