/**
 * Decodes client messages into typed requests. Layouts follow @stoqey/ib's
 * encoder (which follows IB's EClient) for the negotiated server version.
 * Only the fields the simulator acts on are kept; the rest are read past so
 * that a short message is still detected.
 */
import type { ContractSpec } from '../market/fxPairs.ts';
import { FieldReader, MalformedMessage } from './fieldReader.ts';
import { CLIENT_MSG, clientMessageName, MIN_SERVER_VER } from './messageIds.ts';

export interface OrderSpec {
  action: string;
  totalQuantity: number;
  orderType: string;
  lmtPrice: number | undefined;
  auxPrice: number | undefined;
  tif: string;
  ocaGroup: string;
  account: string;
  orderRef: string;
  /** `'1'`, `'0'` or `''`: IB holds an order unless transmit is explicitly 1. */
  transmit: string;
  parentId: number;
  ocaType: number;
}

export interface ExecutionFilterSpec {
  clientId: number;
  acctCode: string;
  time: string;
  symbol: string;
  secType: string;
  exchange: string;
  side: string;
}

export type ClientRequest =
  | { kind: 'startApi'; clientId: number; optionalCapabilities: string }
  | { kind: 'reqCurrentTime' }
  | { kind: 'reqIds' }
  | { kind: 'reqManagedAccts' }
  | { kind: 'reqAccountSummary'; reqId: number; group: string; tags: string[] }
  | { kind: 'cancelAccountSummary'; reqId: number }
  | { kind: 'reqAccountUpdates'; subscribe: boolean; account: string }
  | { kind: 'reqAccountUpdatesMulti'; reqId: number; account: string; modelCode: string; ledgerAndNLV: boolean }
  | { kind: 'cancelAccountUpdatesMulti'; reqId: number }
  | { kind: 'reqCompletedOrders'; apiOnly: boolean }
  | { kind: 'reqPositions' }
  | { kind: 'cancelPositions' }
  | { kind: 'reqOpenOrders' }
  | { kind: 'reqAllOpenOrders' }
  | { kind: 'reqAutoOpenOrders' }
  | { kind: 'reqExecutions'; reqId: number; filter: ExecutionFilterSpec }
  | {
      kind: 'reqMktData';
      reqId: number;
      contract: ContractSpec;
      snapshot: boolean;
    }
  | { kind: 'cancelMktData'; reqId: number }
  | { kind: 'reqMarketDataType'; marketDataType: number }
  | { kind: 'reqContractDetails'; reqId: number; contract: ContractSpec }
  | {
      kind: 'placeOrder';
      orderId: number;
      contract: ContractSpec;
      order: OrderSpec;
    }
  | { kind: 'cancelOrder'; orderId: number }
  | { kind: 'reqGlobalCancel' }
  | { kind: 'setServerLogLevel' }
  /** A real TWS message the simulator does not serve. */
  | { kind: 'unsupported'; msgId: number; name: string }
  /** Not a TWS message id at all. */
  | { kind: 'unknown'; msgId: number };

export { MalformedMessage };

/** The display name used in counts: the EClient method name, or `msg<id>`. */
export function requestName(msgId: number): string {
  return clientMessageName(msgId) ?? `msg${msgId}`;
}

/** Contract fields as reqMktData, reqContractDetails and placeOrder send them. */
function readContract(r: FieldReader, serverVersion: number): ContractSpec & { secType: string } {
  const conId = r.int('conId');
  const symbol = r.str('symbol');
  const secType = r.str('secType');
  r.skip(3, 'lastTradeDate/strike/right');
  r.str('multiplier');
  const exchange = r.str('exchange');
  r.str('primaryExch');
  const currency = r.str('currency');
  const localSymbol = r.str('localSymbol');
  if (serverVersion >= MIN_SERVER_VER.tradingClass) r.str('tradingClass');
  return { conId, symbol, secType, exchange, currency, localSymbol };
}

export function decodeRequest(fields: readonly string[], serverVersion: number): ClientRequest {
  const r = new FieldReader(fields);
  const msgId = r.int('msgId');
  switch (msgId) {
    case CLIENT_MSG.startApi: {
      r.int('version');
      const clientId = r.int('clientId');
      return { kind: 'startApi', clientId, optionalCapabilities: r.optStr() };
    }
    case CLIENT_MSG.reqCurrentTime:
      return { kind: 'reqCurrentTime' };
    case CLIENT_MSG.reqIds:
      return { kind: 'reqIds' };
    case CLIENT_MSG.reqManagedAccts:
      return { kind: 'reqManagedAccts' };
    case CLIENT_MSG.reqAccountSummary: {
      r.int('version');
      const reqId = r.int('reqId');
      const group = r.str('group');
      const tags = r
        .str('tags')
        .split(',')
        .map((t) => t.trim())
        .filter((t) => t !== '');
      return { kind: 'reqAccountSummary', reqId, group, tags };
    }
    case CLIENT_MSG.cancelAccountSummary:
      r.int('version');
      return { kind: 'cancelAccountSummary', reqId: r.int('reqId') };
    case CLIENT_MSG.reqAccountUpdates:
      r.int('version');
      return { kind: 'reqAccountUpdates', subscribe: r.bool('subscribe'), account: r.str('acctCode') };
    case CLIENT_MSG.reqAccountUpdatesMulti: {
      r.int('version');
      const reqId = r.int('reqId');
      const account = r.str('acctCode');
      const modelCode = r.str('modelCode');
      return { kind: 'reqAccountUpdatesMulti', reqId, account, modelCode, ledgerAndNLV: r.bool('ledgerAndNLV') };
    }
    case CLIENT_MSG.cancelAccountUpdatesMulti:
      r.int('version');
      return { kind: 'cancelAccountUpdatesMulti', reqId: r.int('reqId') };
    case CLIENT_MSG.reqCompletedOrders:
      // No version field: the message was born after IB stopped versioning requests.
      return { kind: 'reqCompletedOrders', apiOnly: r.bool('apiOnly') };
    case CLIENT_MSG.reqPositions:
      return { kind: 'reqPositions' };
    case CLIENT_MSG.cancelPositions:
      return { kind: 'cancelPositions' };
    case CLIENT_MSG.reqOpenOrders:
      return { kind: 'reqOpenOrders' };
    case CLIENT_MSG.reqAllOpenOrders:
      return { kind: 'reqAllOpenOrders' };
    case CLIENT_MSG.reqAutoOpenOrders:
      return { kind: 'reqAutoOpenOrders' };
    case CLIENT_MSG.reqExecutions:
      return decodeReqExecutions(r);
    case CLIENT_MSG.reqMktData:
      return decodeReqMktData(r, serverVersion);
    case CLIENT_MSG.cancelMktData:
      r.int('version');
      return { kind: 'cancelMktData', reqId: r.int('reqId') };
    case CLIENT_MSG.reqMarketDataType:
      r.int('version');
      return {
        kind: 'reqMarketDataType',
        marketDataType: r.int('marketDataType'),
      };
    case CLIENT_MSG.reqContractDetails: {
      r.int('version');
      const reqId = r.int('reqId');
      return {
        kind: 'reqContractDetails',
        reqId,
        contract: readContract(r, serverVersion),
      };
    }
    case CLIENT_MSG.placeOrder:
      return decodePlaceOrder(r, serverVersion);
    case CLIENT_MSG.cancelOrder: {
      if (serverVersion < MIN_SERVER_VER.cmeTaggingFields) r.int('version');
      return { kind: 'cancelOrder', orderId: r.int('orderId') };
    }
    case CLIENT_MSG.reqGlobalCancel:
      return { kind: 'reqGlobalCancel' };
    case CLIENT_MSG.setServerLogLevel:
      return { kind: 'setServerLogLevel' };
    default: {
      const name = clientMessageName(msgId);
      return name ? { kind: 'unsupported', msgId, name } : { kind: 'unknown', msgId };
    }
  }
}

function decodeReqExecutions(r: FieldReader): ClientRequest {
  r.int('version');
  const reqId = r.int('reqId');
  const filter: ExecutionFilterSpec = {
    clientId: r.int('filter.clientId'),
    acctCode: r.str('filter.acctCode'),
    time: r.str('filter.time'),
    symbol: r.str('filter.symbol'),
    secType: r.str('filter.secType'),
    exchange: r.str('filter.exchange'),
    side: r.str('filter.side'),
  };
  return { kind: 'reqExecutions', reqId, filter };
}

function decodeReqMktData(r: FieldReader, serverVersion: number): ClientRequest {
  r.int('version');
  const reqId = r.int('reqId');
  const contract = readContract(r, serverVersion);
  if (contract.secType.toUpperCase() === 'BAG') {
    // Combo legs: a count, then four fields per leg. Read past them so the
    // reply (error 200: no FX combos here) goes to the right request id.
    const legs = r.int('comboLegCount');
    r.skip(legs * 4, 'comboLeg');
  }
  if (r.bool('hasDeltaNeutralContract')) r.skip(3, 'deltaNeutralContract');
  r.str('genericTickList');
  const snapshot = r.bool('snapshot');
  return { kind: 'reqMktData', reqId, contract, snapshot };
}

function decodePlaceOrder(r: FieldReader, serverVersion: number): ClientRequest {
  if (serverVersion < MIN_SERVER_VER.orderContainer) r.int('version');
  const orderId = r.int('orderId');
  const contract = readContract(r, serverVersion);
  r.skip(2, 'secIdType/secId');
  const action = r.str('action').toUpperCase();
  const quantityText = r.str('totalQuantity');
  const totalQuantity = quantityText === '' ? 0 : Number(quantityText);
  if (!Number.isFinite(totalQuantity)) throw new MalformedMessage(`totalQuantity is not a number: ${quantityText}`);
  const orderType = r.str('orderType').toUpperCase();
  const lmtPrice = r.optFloat('lmtPrice');
  const auxPrice = r.optFloat('auxPrice');
  const tif = r.str('tif');
  const ocaGroup = r.str('ocaGroup');
  const account = r.str('account');
  r.str('openClose');
  r.str('origin');
  const orderRef = r.str('orderRef');
  const transmit = r.str('transmit');
  const parentId = r.int('parentId');
  const order: OrderSpec = {
    action,
    totalQuantity,
    orderType,
    lmtPrice,
    auxPrice,
    tif,
    ocaGroup,
    account,
    orderRef,
    transmit,
    parentId,
    ocaType: 0,
  };
  if (contract.secType.toUpperCase() === 'BAG') {
    // Combos are not FX: stop reading here; the order is refused with error 200.
    return { kind: 'placeOrder', orderId, contract, order };
  }
  // blockOrder, sweepToFill, displaySize, triggerMethod, outsideRth, hidden,
  // the deprecated sharesAllocation, discretionaryAmt, goodAfterTime,
  // goodTillDate, faGroup, faMethod, faPercentage.
  r.skip(13, 'order attributes');
  if (serverVersion < MIN_SERVER_VER.faProfileDesupport) r.str('faProfile');
  r.str('modelCode');
  r.skip(3, 'shortSaleSlot/designatedLocation/exemptCode');
  order.ocaType = r.int('ocaType');
  return { kind: 'placeOrder', orderId, contract, order };
}
