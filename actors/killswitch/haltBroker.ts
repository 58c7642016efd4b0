import { PAIRS } from '../../beads/index.ts';
import type { BrokerPosition, IBKRConnector } from '../broker/connector.ts';
import { type OrderTicket, type SubmitPorts, submitGuarded } from '../broker/submitGuards.ts';
import type { ApprovalTokens } from '../broker/tokens.ts';
import type { HaltBroker } from './haltExecutor.ts';
import type { HaltRequest } from './haltRequest.ts';

/** Exits never redeem a token; a halt has none to give, and the chain refuses any ENTRY before asking for one. */
export const NO_TOKENS: Pick<ApprovalTokens, 'redeem'> = {
  redeem: () => ({ ok: false, code: 'MALFORMED', why: 'a halt carries no approval token' }),
};

export interface HaltBrokerDeps {
  /** A getter: the direct halt creates its connector only once the kill flag is SET. */
  connector(): IBKRConnector;
  /** The trading account: only its positions are flattened. */
  account: string;
  connected(): boolean;
  /** The full submit chain: flatten orders go through it like any exit (write-ahead bead first). */
  submitPorts(): SubmitPorts;
}

const isOurPair = (p: BrokerPosition) => (PAIRS as readonly string[]).includes(p.pair);

/**
 * The broker as a halt sees it. Flattening sends one market order per open
 * position, the opposite side, through the submit chain as an EXIT: a SET
 * kill flag lets it pass, and its write-ahead ORDER bead is on the log before
 * IB hears of it.
 */
export function haltBrokerOf(deps: HaltBrokerDeps): HaltBroker {
  const { connector, account } = deps;
  return {
    connected: deps.connected,
    openOrders: () => connector().openOrders(),
    globalCancel: () => connector().globalCancel(),
    // Only what Phoenix can trade and close: another account's or symbol's position is the operator's to handle.
    positions: async () => (await connector().positions()).filter((p) => p.account === account && isOurPair(p)),
    async flatten(positions, request: HaltRequest) {
      const ids = connector().orderIds.allocate(positions.length);
      const orders = positions.map(
        (p, i): OrderTicket => ({
          orderId: ids[i]!,
          orderRef: `${request.haltId}-flatten-${p.pair}`,
          pair: p.pair,
          action: p.quantity > 0 ? 'SELL' : 'BUY',
          quantity: Math.abs(p.quantity),
          orderType: 'MKT',
          role: 'FLATTEN',
        }),
      );
      const result = await submitGuarded(
        { kind: 'EXIT', account, orders: orders as [OrderTicket, ...OrderTicket[]], correlationId: request.haltId, authority: { who: request.who, reason: `halt --flatten: ${request.reason}` } },
        deps.submitPorts(),
      );
      if (result.outcome !== 'SENT') throw new Error(`flatten orders not sent (${result.outcome}): ${result.reason}`);
    },
  };
}
