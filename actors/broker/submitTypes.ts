import type { Bead, BeadDraft, Clock } from '../../beads/index.ts';
import type { OrderBinding } from '../../machines/approvalVocabulary.ts';
import type { KillSwitchEvent } from '../../machines/killswitch.ts';
import type { AlertRequest } from '../../machines/types.ts';
import type { Config } from '../../runtime/config/load.ts';
import type { ApprovalTokens, IssuedToken } from './tokens.ts';

/** The vocabulary of the submit guard chain (submitGuards.ts): the tickets, the requests, the ports and the results. */

export const SUBMIT_CHAIN = ['ACCOUNT', 'PORT', 'KILL_FLAG', 'ACTIVE_PAIR', 'TOKEN', 'PACING', 'WRITE_AHEAD', 'SEND'] as const;
export type SubmitStep = (typeof SUBMIT_CHAIN)[number];

/** One order as it goes on the wire; the connector maps it to IB's Order (with transmit set explicitly). */
export interface OrderTicket {
  orderId: number;
  /** Unique per order, never reused: the write-ahead stream is `order-<orderRef>`, and recovery looks orders up by it. */
  orderRef: string;
  /** A string, not a Pair: an unknown symbol must be refused clearly, not fail to compile upstream. */
  pair: string;
  action: 'BUY' | 'SELL';
  quantity: number;
  orderType: 'MKT' | 'LMT' | 'STP';
  limitPrice?: number;
  stopPrice?: number;
  role: 'ENTRY' | 'STOP' | 'TARGET' | 'CLOSE' | 'FLATTEN';
  parentId?: number;
  ocaGroup?: string;
  positionId?: string;
  /**
   * IB's transmit flag, always sent explicitly (an unset one holds the order
   * for ever). Omitted means true; a bracket's parent and first child carry
   * false so that the last child transmits all three (see bracket.ts).
   */
  transmit?: boolean;
}

type Tickets = readonly [OrderTicket, ...OrderTicket[]];

/** A new position: needs a person's T2 token. A bracket (entry, stop, target) goes through the chain as one. */
export interface EntryRequest {
  kind: 'ENTRY';
  account: string;
  orders: Tickets;
  /** The token, and the exact order it was minted for (issue 17): every ticket is held to `binding`. */
  approval: { token: string; intentId: string; contentHash: string; binding: OrderBinding };
  /**
   * Facts that must be in the log no later than the write-ahead (the token's
   * TOKEN_ISSUED bead): written in the same append, so the order path costs
   * one durable commit, or on their own if the chain stops before it.
   */
  recordWith?: readonly Bead[];
}

/** Reducing risk (a manual close, a halt's flatten): passes a SET kill flag, but never carries an ENTRY order. */
export interface ExitRequest {
  kind: 'EXIT';
  account: string;
  orders: Tickets;
  correlationId: string;
  authority: { who: string; reason: string };
}

/**
 * A bracket written ahead before a crash and not found at the broker (issue
 * 17): it goes again only as exactly the order its token was issued for,
 * proven by the host's sealed TOKEN_ISSUED, once, and mints nothing.
 */
export interface ResendRequest {
  kind: 'RESEND';
  account: string;
  orders: Tickets;
  issued: IssuedToken;
}

export type SubmitRequest = EntryRequest | ExitRequest | ResendRequest;

export type PacingVerdict = { ok: true } | { ok: false; reason: string };

/**
 * The connector's throttle (S4.2: 50 messages/s for everything it sends).
 * `acquire` resolves once `messages` may go out, queuing the excess; it refuses
 * only when it gives up (queue full, shutting down).
 */
export interface SubmitPacer {
  acquire(messages: number): Promise<PacingVerdict>;
}

/** What the connector is actually connected to, as opposed to what the configuration says. */
export interface SessionFacts {
  port: number;
  managedAccounts: readonly string[];
}

export type SubmitConfig = Pick<Config, 'mode' | 'IBKR_ACCOUNT' | 'ibkrPort' | 'IBKR_PAPER_PORT' | 'IBKR_LIVE_PORT' | 'ACTIVE_PAIRS'> & Partial<Pick<Config, 'MAX_ORDER_UNITS'>>;

export interface SubmitPorts {
  config: SubmitConfig;
  session(): SessionFacts;
  killFlag(): 'ARMED' | 'SET';
  tokens: Pick<ApprovalTokens, 'redeem'>;
  pacer: SubmitPacer;
  clock: Clock;
  /**
   * Appends `alongside`, then every write-ahead ORDER draft, as one appendMany
   * (one commit on SQLite); throws LogUnavailableError when the log cannot be
   * written. Called with no drafts to record `alongside` alone.
   */
  appendWriteAhead(drafts: readonly BeadDraft[], alongside: readonly Bead[]): Promise<unknown>;
  send(order: OrderTicket): Promise<void> | void;
}

/**
 * `tokenId` is set once the token has been redeemed: the caller records its
 * CONSUMED bead whatever happened next. `alert` and `killFlag` are requests
 * for the alert pipeline and the kill-switch actor.
 */
export type SubmitResult =
  | { outcome: 'SENT'; orderRefs: string[]; tokenId?: string }
  | { outcome: 'REFUSED'; step: Exclude<SubmitStep, 'SEND'>; reason: string; alert?: AlertRequest; killFlag?: KillSwitchEvent; tokenId?: string }
  | { outcome: 'SEND_FAILED'; reason: string; sent: string[]; unsent: string[]; tokenId?: string };
