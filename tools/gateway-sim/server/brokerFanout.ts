/**
 * Tells connected clients what the broker did. Order news goes to the client
 * id that placed the order (as TWS routes it); position news to every client
 * subscribed with reqPositions. A client that is not connected hears nothing
 * and must ask (reqOpenOrders, reqExecutions, reqPositions) when it is back.
 */
import type { BrokerListener, OrderChange } from '../broker/broker.ts';
import type { Execution, Position, SimOrder } from '../broker/brokerTypes.ts';
import {
  commissionReportMessage,
  execDetailsMessage,
  openOrderMessage,
  orderStatusMessage,
} from '../protocol/orderMessages.ts';
import { errorMessage, positionMessage } from '../protocol/responses.ts';
import type { GatewayServer } from './gatewayServer.ts';

export class BrokerFanout implements BrokerListener {
  constructor(
    private readonly server: GatewayServer,
    private readonly markDirty: () => void,
  ) {}

  orderChanged(order: SimOrder, change: OrderChange): void {
    if (order.status === 'Untransmitted') return;
    for (const session of this.server.readySessions(order.clientId)) {
      const sv = session.serverVersion;
      if (change === 'placed' || change === 'modified') session.send(openOrderMessage(sv, order));
      session.send(orderStatusMessage(sv, order));
      if (change === 'cancelled') session.send(errorMessage(sv, order.orderId, 202, 'Order Canceled - reason:'));
    }
  }

  executed(execution: Execution, order: SimOrder): void {
    for (const session of this.server.readySessions(order.clientId)) {
      session.send(execDetailsMessage(session.serverVersion, -1, execution));
      session.send(commissionReportMessage(execution));
    }
  }

  positionChanged(position: Position): void {
    for (const session of this.server.readySessions()) {
      if (!session.positionsSubscribed) continue;
      session.send(positionMessage(position.account, position.pair, position.position, position.avgCost));
    }
  }

  stateChanged(): void {
    this.markDirty();
  }
}
