import { OrderAction, OrderType, SecType } from '@stoqey/ib';
// The library's own encoder, reached past its public API, so that the
// simulator's request decoder is checked against the exact bytes the real
// client sends at each server version.
import { Encoder } from '@stoqey/ib/dist/core/io/encoder.js';
import { describe, expect, it } from 'vitest';
import { type ClientRequest, decodeRequest } from '../../tools/gateway-sim/protocol/requests.ts';

type Token = string | number | boolean | undefined | null | Token[];

function flatten(tokens: Token[], out: string[] = []): string[] {
  for (const token of tokens) {
    if (Array.isArray(token)) flatten(token, out);
    else if (typeof token === 'boolean') out.push(token ? '1' : '0');
    else out.push(token === undefined || token === null ? '' : String(token));
  }
  return out;
}

/** Encodes one request with @stoqey/ib's encoder at `serverVersion` and decodes it with the simulator's. */
function roundTrip(serverVersion: number, send: (encoder: Encoder) => void): ClientRequest {
  const sent: string[][] = [];
  const encoder = new Encoder({
    serverVersion,
    sendMsg: (tokens: Token[]) => sent.push(flatten(tokens)),
    emitError: (message: string) => {
      throw new Error(message);
    },
  } as never);
  send(encoder);
  expect(sent).toHaveLength(1);
  return decodeRequest(sent[0]!, serverVersion);
}

const EURUSD = { symbol: 'EUR', currency: 'USD', secType: SecType.CASH, exchange: 'IDEALPRO' };
const VERSIONS = [145, 163, 176, 177, 187, 189, 190, 192, 193];

describe.each(VERSIONS)('requests as @stoqey/ib encodes them at server version %i', (v) => {
  it('placeOrder: contract, prices, OCA, orderRef, transmit and parent', () => {
    const request = roundTrip(v, (e) =>
      e.placeOrder(42, EURUSD, {
        action: OrderAction.SELL,
        orderType: OrderType.STP,
        totalQuantity: 25000,
        auxPrice: 1.0795,
        tif: 'GTC',
        ocaGroup: 'bracket-41',
        ocaType: 1,
        orderRef: 'intent-7',
        parentId: 41,
        transmit: true,
      }),
    );
    expect(request).toEqual({
      kind: 'placeOrder',
      orderId: 42,
      contract: { conId: 0, symbol: 'EUR', secType: 'CASH', exchange: 'IDEALPRO', currency: 'USD', localSymbol: '' },
      order: {
        action: 'SELL',
        totalQuantity: 25000,
        orderType: 'STP',
        lmtPrice: undefined,
        auxPrice: 1.0795,
        tif: 'GTC',
        ocaGroup: 'bracket-41',
        account: '',
        orderRef: 'intent-7',
        transmit: '1',
        parentId: 41,
        ocaType: 1,
      },
    });
  });

  it('placeOrder with transmit left unset sends it empty', () => {
    const request = roundTrip(v, (e) =>
      e.placeOrder(43, EURUSD, { action: OrderAction.BUY, orderType: OrderType.MKT, totalQuantity: 1 }),
    );
    expect(request.kind === 'placeOrder' && request.order.transmit).toBe('');
  });

  it('cancelOrder, reqGlobalCancel, reqExecutions, reqMktData, reqAccountSummary, reqContractDetails', () => {
    const cancel = { manualOrderCancelTime: undefined, extOperator: '', manualOrderIndicator: undefined };
    expect(roundTrip(v, (e) => e.cancelOrder(42, cancel))).toEqual({ kind: 'cancelOrder', orderId: 42 });
    expect(roundTrip(v, (e) => e.reqGlobalCancel(cancel))).toEqual({ kind: 'reqGlobalCancel' });
    expect(roundTrip(v, (e) => e.reqExecutions(9, { clientId: '7', side: 'BUY' }))).toEqual({
      kind: 'reqExecutions',
      reqId: 9,
      filter: { clientId: 7, acctCode: '', time: '', symbol: '', secType: '', exchange: '', side: 'BUY' },
    });
    expect(roundTrip(v, (e) => e.reqMktData(3, EURUSD, '', true, false))).toMatchObject({
      kind: 'reqMktData',
      reqId: 3,
      snapshot: true,
      contract: { symbol: 'EUR', currency: 'USD' },
    });
    expect(roundTrip(v, (e) => e.reqAccountSummary(4, 'All', 'NetLiquidation,BuyingPower'))).toEqual({
      kind: 'reqAccountSummary',
      reqId: 4,
      group: 'All',
      tags: ['NetLiquidation', 'BuyingPower'],
    });
    expect(roundTrip(v, (e) => e.reqContractDetails(5, EURUSD))).toMatchObject({
      kind: 'reqContractDetails',
      reqId: 5,
      contract: { symbol: 'EUR', exchange: 'IDEALPRO' },
    });
  });

  it('reqAccountUpdates, reqAccountUpdatesMulti and its cancel, reqCompletedOrders', () => {
    expect(roundTrip(v, (e) => e.reqAccountUpdates(true, 'DU123456'))).toEqual({
      kind: 'reqAccountUpdates',
      subscribe: true,
      account: 'DU123456',
    });
    expect(roundTrip(v, (e) => e.reqAccountUpdates(false, ''))).toEqual({
      kind: 'reqAccountUpdates',
      subscribe: false,
      account: '',
    });
    expect(roundTrip(v, (e) => e.reqAccountUpdatesMulti(8, 'DU123456', 'model', true))).toEqual({
      kind: 'reqAccountUpdatesMulti',
      reqId: 8,
      account: 'DU123456',
      modelCode: 'model',
      ledgerAndNLV: true,
    });
    expect(roundTrip(v, (e) => e.cancelAccountUpdatesMulti(8))).toEqual({ kind: 'cancelAccountUpdatesMulti', reqId: 8 });
    // @stoqey/ib does not send reqCompletedOrders below server version 150; 145 is below it.
    if (v >= 150) expect(roundTrip(v, (e) => e.reqCompletedOrders(true))).toEqual({ kind: 'reqCompletedOrders', apiOnly: true });
  });
});
