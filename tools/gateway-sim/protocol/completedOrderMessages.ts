/**
 * completedOrder and completedOrdersEnd, the answer to reqCompletedOrders.
 * A completed order is an openOrder without the order id, client id and a
 * few open-order attributes, plus what only a finished order has: the filled
 * quantity, the parent's permId, and when and how it ended. Neither message
 * carries a version field. The sequence mirrors @stoqey/ib's
 * decodeMsg_COMPLETED_ORDER step by step (named in the comments); the decoder
 * runs its OrderDecoder with version = MAX_VALUE there, so every
 * version-gated read happens whatever the server version, and only the reads
 * gated on the server version itself move.
 */
import type { SimOrder } from '../broker/brokerTypes.ts';
import { completedAtOf } from '../broker/completion.ts';
import { ibTime } from '../broker/ledger.ts';
import { FX_PAIRS } from '../market/fxPairs.ts';
import { MIN_SERVER_VER, SERVER_MSG } from './messageIds.ts';
import type { Message } from './responses.ts';

const UNSET = '';

/** `parentPermId` is the permId of the order's parent, 0 when it has none. */
export function completedOrderMessage(serverVersion: number, o: SimOrder, parentPermId: number): Message {
  const v = serverVersion;
  const p = FX_PAIRS[o.pair];
  const m: Message = [SERVER_MSG.completedOrder];
  // readContractFields
  m.push(p.conId, p.symbol, 'CASH', '', 0, '', '', 'IDEALPRO', p.currency, p.localSymbol, p.localSymbol);
  // readAction .. readOrderRef: action, totalQuantity, orderType, lmtPrice, auxPrice, tif,
  // ocaGroup, account, openClose, origin (0 = customer), orderRef
  m.push(o.action, o.totalQuantity, o.orderType, o.lmtPrice ?? UNSET, o.auxPrice ?? UNSET, o.tif, o.ocaGroup);
  m.push(o.account, '', 0, o.orderRef);
  m.push(o.permId); // readPermId
  m.push(0, 0, 0, ''); // readOutsideRth, readHidden, readDiscretionaryAmount, readGoodAfterTime
  // readFAParams: faGroup, faMethod, faPercentage. No faProfile here at any
  // version: the version the decoder tests it against is MAX_VALUE.
  m.push('', '', '');
  m.push(''); // readModelCode
  m.push(''); // readGoodTillDate
  m.push(''); // readRule80A
  m.push(UNSET); // readPercentOffset
  m.push(''); // readSettlingFirm
  m.push(0, '', -1); // readShortSaleParams: shortSaleSlot, designatedLocation, exemptCode
  m.push(UNSET, UNSET, UNSET); // readBoxOrderParams
  m.push(UNSET, UNSET); // readPegToStkOrVolOrderParams
  m.push(UNSET); // readDisplaySize
  m.push(0, 0); // readSweepToFill, readAllOrNone
  m.push(UNSET); // readMinQty
  m.push(o.ocaType); // readOcaType
  m.push(0); // readTriggerMethod
  // readVolOrderParams(false): volatility, volatilityType, deltaNeutralOrderType
  // (empty: no delta-neutral details), deltaNeutralAuxPrice, continuousUpdate, referencePriceType
  m.push(UNSET, 0, '', UNSET, 0, 0);
  m.push(UNSET, UNSET); // readTrailParams: trailStopPrice, trailingPercent
  m.push('', 0, 0); // readComboLegs: description, combo leg count, order combo leg count
  m.push(0); // readSmartComboRoutingParams
  m.push(UNSET, UNSET, UNSET); // readScaleOrderParams (no price increment: nothing more)
  m.push(''); // readHedgeParams: hedgeType (empty: no hedgeParam)
  m.push('', ''); // readClearingParams
  m.push(0); // readNotHeld
  m.push(0); // readDeltaNeutral: no delta-neutral contract
  m.push(''); // readAlgoParams: algoStrategy (empty: no params)
  m.push(0); // readSolicited
  m.push(o.status); // readOrderStatus: the final status
  m.push(0, 0); // readVolRandomizeFlags
  // readPegToBenchParams: nothing for MKT, LMT or STP
  m.push(0); // readConditions: none
  m.push(UNSET, UNSET); // readStopPriceAndLmtPriceOffset
  m.push(UNSET); // readCashQty
  m.push(0); // readDontUseAutoPriceForHedge
  m.push(0); // readIsOmsContainer
  m.push(''); // readAutoCancelDate
  m.push(o.filled); // readFilledQuantity
  m.push(0); // readRefFuturesConId
  m.push(0); // readAutoCancelParent
  m.push(''); // readShareholder
  m.push(0, 0); // readImbalanceOnly, readRouteMarketableToBbo
  m.push(parentPermId); // readParentPermId
  m.push(ibTime(Date.parse(completedAtOf(o)))); // readCompletedTime
  m.push(o.completedStatus ?? o.status); // readCompletedStatus
  if (v >= MIN_SERVER_VER.pegbestPegmidOffsets) m.push(UNSET, UNSET, UNSET, UNSET, UNSET);
  if (v >= MIN_SERVER_VER.customerAccount) m.push(''); // readCustomerAccount
  if (v >= MIN_SERVER_VER.professionalCustomer) m.push(0); // readProfessionalCustomer
  return m;
}

export function completedOrdersEndMessage(): Message {
  return [SERVER_MSG.completedOrdersEnd];
}
