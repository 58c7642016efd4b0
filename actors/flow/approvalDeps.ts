import type { PositionInput } from '../../machines/position.ts';
import type { OrderTicket } from '../broker/submitGuards.ts';
import type { ApprovalTokens } from '../broker/tokens.ts';
import type { BrokerReadiness } from './brokerReadiness.ts';
import type { FlowDeps } from './flowDeps.ts';
import type { FlowViews } from './flowViews.ts';
import type { PriceBook } from './priceBook.ts';
import type { Submitter } from './submitter.ts';

/** What an approval actor stands on: the flow's deps, its views and prices, the tokens, the guard chain's submitter. */
export interface ApprovalActorDeps extends FlowDeps {
  views: FlowViews;
  prices: PriceBook;
  tokens: ApprovalTokens;
  submitter: Submitter;
  /** A decision waits for the broker: no token is minted or redeemed while it is away. */
  ready: BrokerReadiness;
  /** The bracket was sent and the token consumed: the position's life begins. */
  startPosition(input: PositionInput): void;
  /** A bracket only partly sent: record the orders as given up and cancel what the broker holds. */
  abandon(orders: readonly OrderTicket[], reason: string): Promise<void>;
}
