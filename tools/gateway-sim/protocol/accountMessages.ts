/**
 * The answers to reqAccountUpdates (updateAccountValue, updatePortfolio,
 * updateAccountTime, accountDownloadEnd) and reqAccountUpdatesMulti
 * (accountUpdateMulti, accountUpdateMultiEnd). None of their layouts moves
 * between the server versions the simulator speaks; each is what
 * @stoqey/ib's decoder reads for the version number sent with it.
 */
import type { PortfolioRow } from '../broker/ledger.ts';
import { FX_PAIRS } from '../market/fxPairs.ts';
import { SERVER_MSG } from './messageIds.ts';
import type { Message } from './responses.ts';

export function accountValueMessage(key: string, value: string, currency: string, account: string): Message {
  return [SERVER_MSG.acctValue, 2, key, value, currency, account];
}

/** Version 8: conId, multiplier, primaryExch and tradingClass are all there. */
export function portfolioMessage(row: PortfolioRow): Message {
  const p = FX_PAIRS[row.pair];
  return [
    SERVER_MSG.portfolioValue,
    8,
    p.conId,
    p.symbol,
    'CASH',
    '', // lastTradeDateOrContractMonth
    0, // strike
    '', // right
    '', // multiplier
    '', // primaryExch
    p.currency,
    p.localSymbol,
    p.localSymbol, // tradingClass
    row.position,
    row.marketPrice,
    row.marketValue,
    row.avgCost,
    row.unrealizedPnl,
    row.realizedPnl,
    row.account,
  ];
}

/** IB stamps account updates with the time of day only, `HH:mm`. */
export function accountTimeMessage(epochMs: number): Message {
  return [SERVER_MSG.acctUpdateTime, 1, new Date(epochMs).toISOString().slice(11, 16)];
}

export function accountDownloadEndMessage(account: string): Message {
  return [SERVER_MSG.acctDownloadEnd, 1, account];
}

export function accountUpdateMultiMessage(
  reqId: number,
  account: string,
  modelCode: string,
  key: string,
  value: string,
  currency: string,
): Message {
  return [SERVER_MSG.accountUpdateMulti, 1, reqId, account, modelCode, key, value, currency];
}

export function accountUpdateMultiEndMessage(reqId: number): Message {
  return [SERVER_MSG.accountUpdateMultiEnd, 1, reqId];
}
