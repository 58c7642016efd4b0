/**
 * Encoders for the gateway's small messages. Each returns the field list of
 * one message; layouts are those @stoqey/ib's decoder (like IB's EDecoder)
 * expects at the given server version, field for field, so that it neither
 * underruns nor leaves data unprocessed (its error 505).
 */
import { FX_PAIRS, type FxPair, type PairName } from '../market/fxPairs.ts';
import { MIN_SERVER_VER, SERVER_MSG } from './messageIds.ts';
import type { Field } from './wire.ts';

export type Message = Field[];

/** Error and info messages share one layout; id -1 means "not about a request". */
export function errorMessage(serverVersion: number, id: number, code: number, text: string): Message {
  const fields: Message = [SERVER_MSG.errMsg, 2, id, code, text];
  if (serverVersion >= MIN_SERVER_VER.advancedOrderReject) fields.push(''); // advancedOrderRejectJson
  return fields;
}

export function nextValidIdMessage(orderId: number): Message {
  return [SERVER_MSG.nextValidId, 1, orderId];
}

export function managedAccountsMessage(accounts: readonly string[]): Message {
  return [SERVER_MSG.managedAccts, 1, accounts.join(',')];
}

export function currentTimeMessage(epochSeconds: number): Message {
  return [SERVER_MSG.currentTime, 1, epochSeconds];
}

export function accountSummaryMessage(
  reqId: number,
  account: string,
  tag: string,
  value: string,
  currency: string,
): Message {
  return [SERVER_MSG.accountSummary, 1, reqId, account, tag, value, currency];
}

export function accountSummaryEndMessage(reqId: number): Message {
  return [SERVER_MSG.accountSummaryEnd, 1, reqId];
}

export function positionMessage(account: string, pairName: PairName, position: number, avgCost: number): Message {
  const p = FX_PAIRS[pairName];
  return [
    SERVER_MSG.position,
    3,
    account,
    p.conId,
    p.symbol,
    'CASH',
    '', // lastTradeDateOrContractMonth
    0, // strike
    '', // right
    '', // multiplier
    '', // exchange: IB leaves it empty on positions
    p.currency,
    p.localSymbol,
    p.localSymbol, // tradingClass
    position,
    avgCost,
  ];
}

export function positionEndMessage(): Message {
  return [SERVER_MSG.positionEnd, 1];
}

export function openOrderEndMessage(): Message {
  return [SERVER_MSG.openOrderEnd, 1];
}

export function execDetailsEndMessage(reqId: number): Message {
  return [SERVER_MSG.executionDataEnd, 1, reqId];
}

/** IB's tick types used here. */
export const TICK = {
  bidSize: 0,
  bid: 1,
  ask: 2,
  askSize: 3,
  last: 4,
  lastSize: 5,
} as const;

/** Version 3: the price carries its size, and a bit mask of attributes (0 = none). */
export function tickPriceMessage(tickerId: number, tickType: number, price: number, size: number): Message {
  return [SERVER_MSG.tickPrice, 3, tickerId, tickType, price, size, 0];
}

export function tickSizeMessage(tickerId: number, tickType: number, size: number): Message {
  return [SERVER_MSG.tickSize, 1, tickerId, tickType, size];
}

/** Sent once per subscription: 1 = real-time data. */
export function marketDataTypeMessage(reqId: number, marketDataType: number): Message {
  return [SERVER_MSG.marketDataType, 1, reqId, marketDataType];
}

export function tickReqParamsMessage(tickerId: number, pair: FxPair): Message {
  // No version field on this one. minTick is half a tenth of a pip, as IB quotes FX.
  return [SERVER_MSG.tickReqParams, tickerId, pair.pipSize / 20, 'IDEALPRO', 3];
}

export function tickSnapshotEndMessage(reqId: number): Message {
  return [SERVER_MSG.tickSnapshotEnd, 1, reqId];
}

export function contractDetailsMessage(serverVersion: number, reqId: number, pair: FxPair): Message {
  const v = serverVersion;
  const m: Message = [SERVER_MSG.contractData];
  if (v < MIN_SERVER_VER.sizeRules) m.push(8);
  m.push(reqId, pair.symbol, 'CASH', '');
  if (v >= MIN_SERVER_VER.lastTradeDate) m.push('');
  m.push(0, '', 'IDEALPRO', pair.currency, pair.localSymbol, pair.localSymbol, pair.localSymbol, pair.conId);
  m.push(pair.pipSize / 20);
  if (v >= MIN_SERVER_VER.mdSizeMultiplier && v < MIN_SERVER_VER.sizeRules) m.push(1);
  m.push('', 'ACTIVETIM,ADJUST,ALERT,ALLOC,AVGCOST,BASKET,GTC,LMT,MKT,STP,STPLMT', 'IDEALPRO');
  m.push(1, 0, pair.longName, '');
  // contractMonth, industry, category, subcategory, timeZoneId, tradingHours, liquidHours
  m.push('', '', '', '', 'US/Eastern', '', '');
  m.push('', ''); // evRule, evMultiplier
  m.push(0); // secIdList count
  m.push(4); // aggGroup
  m.push('', ''); // underSymbol, underSecType
  m.push('239'); // marketRuleIds
  m.push(''); // realExpirationDate
  if (v >= MIN_SERVER_VER.stockType) m.push(''); // stockType
  if (v >= MIN_SERVER_VER.fractionalSizeSupport && v < MIN_SERVER_VER.sizeRules) m.push('');
  if (v >= MIN_SERVER_VER.sizeRules) m.push(1, 1, 1);
  if (v >= MIN_SERVER_VER.ineligibilityReasons) m.push(0);
  return m;
}

export function contractDetailsEndMessage(reqId: number): Message {
  return [SERVER_MSG.contractDataEnd, 1, reqId];
}
