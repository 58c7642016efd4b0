import { EventEmitter } from 'node:events';
import { EventName, type IBApi } from '@stoqey/ib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CompletedOrderView, ConnectorEmitter } from '../../actors/broker/connector.ts';
import { gather } from '../../actors/broker/gather.ts';
import { IbInbound } from '../../actors/broker/ibInbound.ts';
import { type GatewaySimHandle, startGatewaySim } from '../support/gatewaySimProcess.ts';
import { ibHarness, mockHarness } from './connectorHarness.ts';
import { connectorSuite } from './connectorSuite.ts';

// One suite, two backends (S4.2).
describe('IBKRConnector on the mock backend', () => {
  connectorSuite(() => mockHarness());
});

describe('IBKRConnector on the real @stoqey/ib client against the gateway simulator process', () => {
  let sim: GatewaySimHandle;
  beforeAll(async () => {
    sim = await startGatewaySim({ serverVersion: 193, nextValidId: 100 });
  }, 60_000);
  afterAll(async () => {
    await sim?.stop();
  });
  connectorSuite(() => ibHarness(sim, 7));
});

// What a real gateway below server version 177 would do to @stoqey/ib 1.6.10:
// its completedOrder carries a faProfile field the library does not read, so
// every later field shifts and the library says so (505) but still emits the
// order. The connector must refuse that answer, not report a garbled status.
describe('completed orders the client could not read', () => {
  it('are refused whole, with the reason, instead of listed with shifted fields', async () => {
    const ib = new EventEmitter();
    const inbound = new IbInbound(new ConnectorEmitter(), {
      now: Date.now,
      alive: () => undefined,
      isOurOrder: () => false,
      nextValidId: () => undefined,
      commissionWaitMs: 10,
    });
    inbound.wire(ib as unknown as IBApi);
    const answer = gather<CompletedOrderView>('completed orders', 5_000, (g) => {
      inbound.completed = g;
    });
    const contract = { symbol: 'EUR', currency: 'USD', secType: 'CASH' };
    ib.emit(EventName.completedOrder, contract, { action: 'BUY', totalQuantity: 2000, orderRef: 'x', orderType: 'MKT' }, { status: '0' });
    const text = 'Decoding error on COMPLETED_ORDER: unprocessed data left on queue (["Filled",null]). Please report to https://github.com/stoqey/ib';
    ib.emit(EventName.error, new Error(text), 505, -1);
    ib.emit(EventName.completedOrdersEnd);
    await expect(answer).rejects.toThrow(/completed orders: an answer the client could not read \(505 Decoding error on COMPLETED_ORDER/);
  });
});
