/**
 * The checks IB makes before accepting an order. Each failure carries the IB
 * error code and text the client will see.
 */
import type { OrderSpec } from '../protocol/requests.ts';
import { ORDER_TYPES, type OrderType, type SimOrder } from './brokerTypes.ts';

export type Verdict = { ok: true } | { ok: false; code: number; message: string };

export const NO_SECURITY_DEFINITION = 'No security definition has been found for the request';

export function rejected(reason: string): Verdict {
  return { ok: false, code: 201, message: `Order rejected - reason:${reason}` };
}

function isOrderType(value: string): value is OrderType {
  return (ORDER_TYPES as readonly string[]).includes(value);
}

export interface ValidationContext {
  account: string;
  clientId: number;
  parent: SimOrder | undefined;
}

export function validateNewOrder(spec: OrderSpec, ctx: ValidationContext): Verdict {
  if (spec.action !== 'BUY' && spec.action !== 'SELL') return rejected(`Invalid action ${JSON.stringify(spec.action)}`);
  if (!isOrderType(spec.orderType)) {
    return rejected(`Unsupported order type ${JSON.stringify(spec.orderType)} (the simulator takes MKT, LMT and STP)`);
  }
  if (!(spec.totalQuantity > 0)) return rejected('The order size must be positive');
  if (spec.orderType === 'LMT' && spec.lmtPrice === undefined) return rejected('A LMT order needs a limit price');
  if (spec.orderType === 'STP' && spec.auxPrice === undefined) return rejected('A STP order needs a stop price');
  if (spec.account !== '' && spec.account !== ctx.account) {
    return rejected(`Account ${spec.account} is not managed by this login`);
  }
  if (spec.parentId !== 0) {
    const parent = ctx.parent;
    if (!parent || parent.clientId !== ctx.clientId) return rejected(`Parent order ${spec.parentId} not found`);
    if (parent.status === 'Cancelled' || parent.status === 'Inactive') {
      return rejected(`Parent order ${spec.parentId} is ${parent.status}`);
    }
  }
  return { ok: true };
}

export function validateModification(spec: OrderSpec, existing: SimOrder): Verdict {
  if (spec.action !== existing.action || spec.orderType !== existing.orderType) {
    return rejected('An order modification cannot change the action or the order type');
  }
  if (!(spec.totalQuantity >= existing.filled && spec.totalQuantity > 0)) {
    return rejected('The order size cannot go below the filled quantity');
  }
  if (spec.orderType === 'LMT' && spec.lmtPrice === undefined) return rejected('A LMT order needs a limit price');
  if (spec.orderType === 'STP' && spec.auxPrice === undefined) return rejected('A STP order needs a stop price');
  return { ok: true };
}
