import type { BeadData, Pair, Side } from '../beads/index.ts';
import type { AlertRequest, BeadEmitted } from './types.ts';

/**
 * The position machine's vocabulary (S3.3): what the broker actor tells it,
 * the timeouts, and the codec of the POSITION bead's `reason`. The machine is
 * in position.ts, which re-exports all of this.
 */

/** How long each live state may go without broker progress before it is STALLED; times TIME_SCALE. */
export const PROGRESS_TIMEOUT_MS = {
  /** SUBMITTED: the broker has not acknowledged the entry. */
  ack: 30_000,
  /** PARTIAL: the rest of a partially filled entry has not come. */
  fill: 60_000,
  /** FILLED: the stop and target are not yet working: the position is unprotected. */
  protection: 30_000,
  /** CLOSING: the close has not filled. */
  closeFill: 60_000,
} as const;
export type ProgressTimeout = keyof typeof PROGRESS_TIMEOUT_MS;

/** S3.3: a stall longer than this raises POSITION_STALLED (WARNING, RB-003). */
export const STALL_WARNING_MS = 5 * 60_000;

export type PositionPhase = 'SUBMITTED' | 'PARTIAL' | 'FILLED' | 'MANAGED' | 'CLOSING' | 'CLOSED' | 'REJECTED' | 'CANCELLED' | 'STALLED';
/** The states a stall can interrupt, and that a broker update returns it to. */
export type StallablePhase = 'SUBMITTED' | 'PARTIAL' | 'FILLED' | 'CLOSING';
export const POSITION_END_STATES = ['CLOSED', 'REJECTED', 'CANCELLED'] as const;

export type ExitReason = BeadData<'AUTOPSY'>['exit_reason'];
const EXIT_REASONS: readonly ExitReason[] = ['STOP', 'TARGET', 'MANUAL', 'FLATTEN', 'BROKER'];

export interface PositionInput {
  positionId: string;
  /** The story's correlation id. */
  intentId: string;
  pair: Pair;
  side: Side;
  /** Units ordered for the entry. */
  quantity: number;
  /** The intent's entry: slippage is measured against it. */
  plannedEntry: number;
  stop: number;
  target: number;
  /** Epoch ms the entry bracket went to the broker. */
  submittedAt: number;
  /** Multiplies every timeout; 1 in production. */
  timeScale?: number;
}

export interface PositionContext {
  positionId: string;
  intentId: string;
  pair: Pair;
  side: Side;
  orderedQty: number;
  plannedEntry: number;
  stop: number;
  target: number;
  timeScale: number;
  submittedAt: number;
  /** The time of the latest bead: time moves only with facts, so replay recovers it. */
  lastAt: number;
  /** The S3.3 state the machine is in (STALLED included); kept to write `previous_state`. */
  phase: PositionPhase;
  /** When the current state must show broker progress by; null where no timeout runs. */
  deadline: number | null;
  /** The true state a stall interrupted. */
  stalledFrom: StallablePhase | null;
  filledQty: number;
  avgEntry: number | null;
  firstFillAt: number | null;
  protectionWorking: boolean;
  closeRequestedBy: string | null;
  exitQty: number;
  avgExit: number | null;
  exitBy: ExitReason | null;
  closedAt: number | null;
  /** Why it ended REJECTED or CANCELLED. */
  endReason: string | null;
  /**
   * The latest tick. Not recorded bead by bead (a tick is not a transition), so
   * it is the one part of the context replay does not rebuild.
   */
  mark: { price: number; at: number } | null;
}

/** One order as the broker left it: the order book's record, as far as the machine needs it. */
export interface OrderFact {
  acknowledged: boolean;
  status?: string;
  rejected?: { code?: number; reason: string };
  abandoned?: string;
  /** Filled quantity and average price, from fills and statuses together. */
  filled: number;
  avgPrice: number | undefined;
}

export interface PositionFacts<O extends OrderFact = OrderFact> {
  entry?: O;
  stop?: O;
  target?: O;
  closes: O[];
  exit: {
    filled: number;
    avgPrice: number | undefined;
    by: ExitReason | undefined;
  };
}

/** Broker facts, from the broker actor. Quantities are cumulative, as IB's orderStatus reports them. */
export type PositionEvent =
  | { type: 'ENTRY_ACKNOWLEDGED'; at: number }
  | { type: 'ENTRY_FILLED'; filled: number; avgPrice: number; at: number }
  | { type: 'ENTRY_REJECTED'; reason: string; at: number }
  | { type: 'ENTRY_CANCELLED'; reason: string; at: number }
  /** Send once the entry is filled and both bracket children are working at the broker. */
  | { type: 'PROTECTION_WORKING'; at: number }
  | { type: 'PROTECTION_LOST'; reason: string; at: number }
  /** A person asked to close (`phoenix close`); `by` as in whoOf: `cli:alice`. */
  | { type: 'CLOSE_REQUESTED'; by: string; at: number }
  /** The close order was refused or cancelled; `protectionWorking` says whether stop and target still are. */
  | { type: 'CLOSE_FAILED'; reason: string; protectionWorking: boolean; at: number }
  /** Cumulative over every exit fill (stop, target, close, flatten). */
  | { type: 'EXIT_FILLED'; filled: number; avgPrice: number; by: ExitReason; at: number }
  /** Reconciliation or a status update found the position exactly as the machine last knew it: that is progress too. */
  | { type: 'BROKER_CONFIRMED'; at: number }
  /** A market price for paper P&L; it updates the mark, not the record. */
  | { type: 'TICK'; price: number; at: number }
  /** Time passes: catches a deadline whose timer was lost in a restart. */
  | { type: 'CLOCK'; at: number }
  /**
   * The broker is connected and resynced after a restart or a reconnect (S3.1 step 5): carry on what was
   * started. A waiting state gets its full timeout again from now; a close goes on; an unprotected position
   * is protected again.
   */
  | { type: 'RESUME'; at: number }
  /** Everything the broker has said about the position's orders; the machine decides what it amounts to (positionFacts.ts). */
  | { type: 'BROKER_FACTS'; facts: PositionFacts; at: number };

/** Alert types this machine raises; a test keeps them inside the classification table. */
export type PositionAlertType = 'POSITION_STALLED' | 'ORDER_REJECTED' | 'POSITION_UNPROTECTED' | 'CLOSE_FAILED';

export type PositionAlertRequest = AlertRequest<PositionAlertType>;

/**
 * What the machine asks the actor to do at the broker. `close`: cancel the stop and target, then close what is
 * open at market (idempotent: an order already working is waited for, one written ahead and never sent is sent).
 * `protect`: put a stop and a target back for what is open, once the old ones have ended.
 */
export interface PositionCommand {
  type: 'command';
  command: 'close' | 'protect';
  positionId: string;
  /** Who the close is for (`cli:alice`), or `phoenix` for protection. */
  by: string;
}

export type PositionEmitted = BeadEmitted | PositionAlertRequest | PositionCommand;

/**
 * The POSITION bead's `reason` is `CODE key=value…: words`. The code and the
 * values are the fact that moved the machine, so a position stream replays
 * on its own; the words are for people, and are the event's own text (a
 * broker's reject reason, who asked to close) where it has one.
 */
export type ReasonCode =
  | 'SUBMITTED'
  | 'ACKNOWLEDGED'
  | 'ENTRY_FILLED'
  | 'ENTRY_REJECTED'
  | 'ENTRY_CANCELLED'
  | 'PROTECTION_WORKING'
  | 'PROTECTION_LOST'
  | 'CLOSE_REQUESTED'
  | 'CLOSE_FAILED'
  | 'EXIT_FILLED'
  | 'CONFIRMED'
  | 'STALLED'
  | 'RESUMED';

export interface ParsedReason {
  code: ReasonCode | string;
  values: Record<string, string>;
  text: string;
}

export function formatReason(code: ReasonCode, values: Record<string, string | number>, text: string): string {
  const pairs = Object.entries(values).map(([k, v]) => `${k}=${String(v)}`);
  return `${[code, ...pairs].join(' ')}: ${text}`;
}

export function parseReason(reason: string | undefined): ParsedReason {
  const text = reason ?? '';
  const cut = text.indexOf(': ');
  const head = cut === -1 ? text : text.slice(0, cut);
  const [code = '', ...rest] = head.split(' ');
  const values: Record<string, string> = {};
  for (const token of rest) {
    const eq = token.indexOf('=');
    if (eq > 0) values[token.slice(0, eq)] = token.slice(eq + 1);
  }
  return { code, values, text: cut === -1 ? '' : text.slice(cut + 2) };
}

/** A number written by formatReason: String(n) round-trips exactly, so replay gets the very same value. */
export function reasonNumber(values: Record<string, string>, key: string): number | undefined {
  const raw = values[key];
  if (raw === undefined) return undefined;
  const n = Number(raw);
  return Number.isFinite(n) ? n : undefined;
}

export function exitReasonOf(text: string | undefined): ExitReason | undefined {
  return EXIT_REASONS.find((r) => r === text);
}

/** Profit per unit moved, by side: +1 for a long, -1 for a short. */
export function direction(side: Side): 1 | -1 {
  return side === 'LONG' ? 1 : -1;
}
