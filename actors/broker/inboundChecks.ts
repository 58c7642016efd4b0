import { z } from 'zod';

/**
 * What the gateway says is checked at the boundary (S14), like an intent
 * file or a Telegram update: @stoqey/ib decodes fields by position and hands
 * on whatever it read (a `NaN` price, an order id that is not a number, an
 * execution for a contract Phoenix does not trade). A message that does not
 * fit is refused (ibInbound.ts): a log line, a SECURITY bead (brokerActor.ts),
 * and nothing downstream ever sees it.
 */

/** A refused broker message: which one, why, and enough of it to investigate. */
export interface BrokerRefusal {
  /** IB's message name: orderStatus, execDetails, … */
  message: string;
  why: string;
  /** The message's fields as received, cut short. */
  detail: string;
  /** One refusal is recorded once per key in a process: a repeated bad tick is one bead, not thousands. */
  key: string;
}

// zod 4's number refuses NaN and ±Infinity by itself.
const finite = z.number();
const nonNegative = finite.min(0);
const orderId = z.number().int().min(0);
/** IB sends Double.MAX_VALUE for "no value"; the library turns it into undefined. */
const optionalFinite = finite.optional();

export const ORDER_STATUS = z.object({
  orderId,
  status: z.string().min(1),
  filled: nonNegative,
  remaining: finite,
  avgFillPrice: nonNegative,
  permId: z.number().int().optional(),
  parentId: z.number().int().optional(),
  lastFillPrice: optionalFinite,
});

export const EXECUTION = z.object({
  execId: z.string().min(1),
  orderId,
  shares: finite.positive(),
  price: finite.positive(),
  side: z.enum(['BOT', 'SLD', 'BUY', 'SELL']),
});

export const OPEN_ORDER = z.object({
  orderId,
  totalQuantity: nonNegative,
  filledQuantity: nonNegative.optional(),
  lmtPrice: optionalFinite.nullable(),
  auxPrice: optionalFinite.nullable(),
});

export const COMMISSION = z.object({ execId: z.string().min(1), commission: finite });

export const POSITION = z.object({ pos: finite, avgCost: optionalFinite });

export const NEXT_VALID_ID = z.number().int().positive();

/** What a message's fields look like in a refusal: short, and never a secret (the gateway sends none). */
export function describeFields(fields: unknown): string {
  let text: string;
  try {
    text = JSON.stringify(fields, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : typeof v === 'bigint' ? String(v) : v));
  } catch {
    text = String(fields);
  }
  return text.length > 500 ? `${text.slice(0, 500)}…` : text;
}

/** The first problem zod found, in words: `price: expected number, received NaN`. */
export function firstProblem(error: z.ZodError): string {
  const issue = error.issues[0]!;
  const field = issue.path.length > 0 ? `${issue.path.map(String).join('.')}: ` : '';
  return `${field}${issue.message}${error.issues.length > 1 ? ` (and ${error.issues.length - 1} more)` : ''}`;
}
