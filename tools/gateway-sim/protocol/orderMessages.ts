/**
 * Encoders for the order-side messages: openOrder, orderStatus, execDetails
 * and commissionReport. openOrder is the longest message in the protocol and
 * the one whose layout moves most between server versions; the sequence below
 * mirrors @stoqey/ib's OrderDecoder step by step (named in the comments).
 */
import type { Execution, SimOrder } from '../broker/brokerTypes.ts';
import { FX_PAIRS } from '../market/fxPairs.ts';
import { MIN_SERVER_VER, SERVER_MSG } from './messageIds.ts';
import type { Message } from './responses.ts';
import { DOUBLE_MAX } from './wire.ts';

const UNSET = '';

export function orderStatusMessage(serverVersion: number, o: SimOrder): Message {
  const m: Message = [SERVER_MSG.orderStatus];
  if (serverVersion < MIN_SERVER_VER.marketCapPrice) m.push(6);
  m.push(o.orderId, o.status, o.filled, o.remaining, o.avgFillPrice, o.permId, o.parentId, o.lastFillPrice, o.clientId);
  m.push(''); // whyHeld
  if (serverVersion >= MIN_SERVER_VER.marketCapPrice) m.push(0); // mktCapPrice
  return m;
}

export function openOrderMessage(serverVersion: number, o: SimOrder): Message {
  const v = serverVersion;
  const p = FX_PAIRS[o.pair];
  const m: Message = [SERVER_MSG.openOrder];
  if (v < MIN_SERVER_VER.orderContainer)
    throw new Error(`openOrder is not modelled below server version ${MIN_SERVER_VER.orderContainer}`);
  m.push(o.orderId);
  // readContractFields
  m.push(p.conId, p.symbol, 'CASH', '', 0, '', '', 'IDEALPRO', p.currency, p.localSymbol, p.localSymbol);
  // readAction .. readOrderRef
  m.push(o.action, o.totalQuantity, o.orderType, o.lmtPrice ?? UNSET, o.auxPrice ?? UNSET, o.tif, o.ocaGroup);
  m.push(o.account, '', 0, o.orderRef);
  // readClientId, readPermId, readOutsideRth, readHidden, readDiscretionaryAmount, readGoodAfterTime
  m.push(o.clientId, o.permId, 0, 0, 0, '');
  m.push(''); // skipSharesAllocation
  // readFAParams: faGroup, faMethod, faPercentage (+ faProfile before its desupport)
  m.push('', '', '');
  if (v < MIN_SERVER_VER.faProfileDesupport) m.push('');
  m.push(''); // readModelCode
  m.push(''); // readGoodTillDate
  m.push(''); // readRule80A
  m.push(UNSET); // readPercentOffset
  m.push(''); // readSettlingFirm
  m.push(0, '', -1); // readShortSaleParams: shortSaleSlot, designatedLocation, exemptCode
  m.push(0); // readAuctionStrategy
  m.push(UNSET, UNSET, UNSET); // readBoxOrderParams
  m.push(UNSET, UNSET); // readPegToStkOrVolOrderParams
  m.push(UNSET); // readDisplaySize
  m.push(0, 0, 0); // readBlockOrder, readSweepToFill, readAllOrNone
  m.push(UNSET); // readMinQty
  m.push(o.ocaType); // readOcaType
  m.push(0, 0, UNSET); // readETradeOnly, readFirmQuoteOnly, readNbboPriceCap
  m.push(o.parentId, 0); // readParentId, readTriggerMethod
  // readVolOrderParams: volatility, volatilityType, deltaNeutralOrderType (empty, so
  // no delta-neutral details follow), deltaNeutralAuxPrice, continuousUpdate, referencePriceType
  m.push(UNSET, 0, '', UNSET, 0, 0);
  m.push(UNSET, UNSET); // readTrailParams: trailStopPrice, trailingPercent
  m.push(UNSET, UNSET); // readBasisPoints
  m.push('', 0, 0); // readComboLegs: description, combo leg count, order combo leg count
  m.push(0); // readSmartComboRoutingParams
  m.push(UNSET, UNSET, UNSET); // readScaleOrderParams (no price increment: nothing more)
  m.push(''); // readHedgeParams: hedgeType (empty: no hedgeParam)
  m.push(0); // readOptOutSmartRouting
  m.push('', ''); // readClearingParams
  m.push(0); // readNotHeld
  m.push(0); // readDeltaNeutral: no delta-neutral contract
  m.push(''); // readAlgoParams: algoStrategy (empty: no params)
  m.push(0); // readSolicited
  // readWhatIfInfoAndCommission
  m.push(0, o.status);
  if (v >= MIN_SERVER_VER.whatIfExtFields) m.push(UNSET, UNSET, UNSET, UNSET, UNSET, UNSET);
  m.push(UNSET, UNSET, UNSET); // init/maint margin and equity with loan after
  m.push(UNSET, UNSET, UNSET, '', ''); // commission, min, max, commissionCurrency, warningText
  m.push(0, 0); // readVolRandomizeFlags
  // readPegToBenchParams: nothing for MKT, LMT or STP
  m.push(0); // readConditions: none
  // readAdjustedOrderParams
  m.push('', UNSET, UNSET, UNSET, UNSET, UNSET, UNSET, 0);
  m.push('', '', ''); // readSoftDollarTier
  m.push(UNSET); // readCashQty
  m.push(0); // readDontUseAutoPriceForHedge
  m.push(0); // readIsOmsContainer
  if (v >= MIN_SERVER_VER.dPegOrders) m.push(0); // readDiscretionaryUpToLimitPrice
  if (v >= MIN_SERVER_VER.priceMgmtAlgo) m.push(0); // readUsePriceMgmtAlgo
  if (v >= MIN_SERVER_VER.duration) m.push(UNSET);
  if (v >= MIN_SERVER_VER.postToAts) m.push(UNSET);
  if (v >= MIN_SERVER_VER.autoCancelParent) m.push(0);
  if (v >= MIN_SERVER_VER.pegbestPegmidOffsets) m.push(UNSET, UNSET, UNSET, UNSET, UNSET);
  if (v >= MIN_SERVER_VER.customerAccount) m.push('');
  if (v >= MIN_SERVER_VER.professionalCustomer) m.push(0);
  if (v >= MIN_SERVER_VER.bondAccruedInterest) m.push('');
  if (v >= MIN_SERVER_VER.includeOvernight) m.push(0);
  if (v >= MIN_SERVER_VER.cmeTaggingFieldsInOpenOrder) m.push('', UNSET);
  return m;
}

/**
 * What the malformed-message chaos control (server/malformedMessages.ts)
 * puts in place of a field the broker would send: another contract (conId,
 * symbol, secType, …, localSymbol, tradingClass), or a price as raw text ('NaN').
 */
export interface ExecDetailsOverrides {
  contract?: readonly (string | number)[];
  price?: string;
}

/** reqId is -1 for a live fill, or the reqExecutions request id when replaying. */
export function execDetailsMessage(serverVersion: number, reqId: number, e: Execution, over: ExecDetailsOverrides = {}): Message {
  const p = FX_PAIRS[e.pair];
  const m: Message = [SERVER_MSG.executionData];
  if (serverVersion < MIN_SERVER_VER.lastLiquidity) m.push(10);
  m.push(reqId, e.orderId);
  m.push(...(over.contract ?? [p.conId, p.symbol, 'CASH', '', 0, '', '', 'IDEALPRO', p.currency, p.localSymbol, p.localSymbol]));
  m.push(e.execId, e.time, e.account, 'IDEALPRO', e.side, e.shares, over.price ?? e.price, e.permId, e.clientId);
  m.push(0, e.cumQty, e.avgPrice, e.orderRef); // liquidation, cumQty, avgPrice, orderRef
  m.push('', ''); // evRule, evMultiplier
  if (serverVersion >= MIN_SERVER_VER.modelsSupport) m.push('');
  if (serverVersion >= MIN_SERVER_VER.lastLiquidity) m.push(2); // lastLiquidity: removed (taker)
  if (serverVersion >= MIN_SERVER_VER.pendingPriceRevision) m.push(0);
  return m;
}

export function commissionReportMessage(e: Execution): Message {
  return [
    SERVER_MSG.commissionReport,
    1,
    e.execId,
    e.commission,
    'USD',
    e.realizedPnl ?? DOUBLE_MAX,
    DOUBLE_MAX, // yield
    '', // yieldRedemptionDate
  ];
}
