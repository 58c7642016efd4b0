import { z } from 'zod';
import { PAIRS, type Pair } from '../../beads/index.ts';
import { parseMaintenanceWindow } from '../../machines/connectionWindow.ts';

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'], { message: 'must be true or false' })
  .transform((v) => v === 'true' || v === '1' || v === 'yes');
const int = (min: number, max: number) =>
  z
    .string()
    .regex(/^-?\d+$/, 'must be a whole number')
    .transform(Number)
    .pipe(z.number().int().min(min, `must be at least ${min}`).max(max, `must be at most ${max}`));
const num = (min: number, max: number) =>
  z
    .string()
    .regex(/^-?\d+(\.\d+)?$/, 'must be a number')
    .transform(Number)
    .pipe(z.number().min(min, `must be at least ${min}`).max(max, `must be at most ${max}`));
const port = int(0, 65535);
const pairList = z
  .string()
  .transform((s) => s.split(',').map((p) => p.trim().toUpperCase()).filter(Boolean))
  .pipe(z.array(z.enum(PAIRS, { message: `each pair must be one of ${PAIRS.join(', ')}` })).min(1, 'name at least one pair'))
  .transform((pairs) => [...new Set(pairs)] as Pair[]);
/** `23:45-00:45 America/New_York`, checked and normalised; the connection machine parses the same text. */
const maintenanceWindow = z.string().transform((text, ctx) => {
  const parsed = parseMaintenanceWindow(text);
  if (parsed.ok) return parsed.window.text;
  ctx.addIssue({ code: 'custom', message: parsed.reason });
  return z.NEVER;
});
const idList = z
  .string()
  .transform((s) => s.split(',').map((p) => p.trim()).filter(Boolean))
  .pipe(z.array(z.string().regex(/^-?\d+$/, 'each id must be a Telegram numeric id')));

/** A person's name as beads record it (`cli:<name>`): the one rule for PHOENIX_OPERATOR, `--as` and the OS user. */
export const OPERATOR_NAME = /^[A-Za-z0-9_.@-]{1,64}$/;
export const OPERATOR_NAME_RULE = 'a plain name (letters, digits, . _ @ -, at most 64)';

/**
 * Every variable Phoenix reads, with its default. `.env.example` documents the
 * same list, and a test keeps the two in step.
 */
export const ENV_SCHEMA = z.object({
  PHOENIX_HOME: z.string().min(1).default('./var'),
  PHOENIX_HOST_ID: z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'letters, digits, dot, dash, underscore').default('phoenix-1'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** pretty for people, json for machines; auto picks pretty when the log goes to a terminal. */
  LOG_FORMAT: z.enum(['auto', 'pretty', 'json']).default('auto'),
  /** Who is at this terminal, for every CLI command that records a person (else `--as`, else the OS user). */
  PHOENIX_OPERATOR: z.string().regex(OPERATOR_NAME, OPERATOR_NAME_RULE).optional(),
  TIME_SCALE: num(0.0001, 1).default(1),

  IBKR_MODE: z.enum(['mock', 'paper', 'live']).default('mock'),
  IBKR_ALLOW_LIVE: bool.default(false),
  IBKR_HOST: z.string().min(1).default('127.0.0.1'),
  IBKR_PORT: port.optional(),
  IBKR_PAPER_PORT: port.default(4002),
  IBKR_LIVE_PORT: port.default(4001),
  IBKR_CLIENT_ID: int(0, 2_147_483_647).default(1),
  IBKR_ACCOUNT: z.string().regex(/^[A-Z0-9]{2,16}$/, 'an IB account id such as DU1234567').optional(),
  /** IB Gateway's daily restart window and its zone (S3.1); unset: every loss is handled as unexpected. */
  IBKR_MAINTENANCE_WINDOW: maintenanceWindow.optional(),

  ACTIVE_PAIRS: pairList.default(['EURUSD']),
  ORDER_UNITS: int(1, 10_000_000).default(20_000),
  MAX_ORDER_UNITS: int(1, 10_000_000).default(100_000),
  STALE_GATE_MINUTES: num(0.01, 1440).default(15),
  APPROVAL_TOKEN_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  APPROVAL_TOKEN_TTL_S: int(1, 3600).default(120),

  HEARTBEAT_INTERVAL_S: num(1, 3600).default(30),
  HEARTBEAT_JITTER_S: num(0, 60).default(5),
  LEASE_TTL_S: num(1, 3600).default(90),
  RECONCILE_INTERVAL_S: num(1, 3600).default(300),
  ALERT_GROUP_WAIT_S: num(0, 600).default(10),
  /** The validation window before LIVE_ELIGIBLE (S3.6), in days; time-scaled by TIME_SCALE like every named delay. */
  PROMOTION_WINDOW_DAYS: num(0.0001, 365).default(5),

  TELEGRAM_BOT_TOKEN: z.string().regex(/^\d+:[A-Za-z0-9_-]{20,}$/, 'a Bot API token such as 123456:ABC…').optional(),
  TELEGRAM_CHAT_ID: z.string().regex(/^-?\d+$/, 'a numeric chat id').optional(),
  TELEGRAM_ALLOWED_USER_IDS: idList.default([]),
  TELEGRAM_API_ROOT: z.url({ message: 'must be a URL' }).default('https://api.telegram.org'),

  EVENTSTORE_CONNECTION_STRING: z.string().regex(/^(esdb|kurrentdb)(\+discover)?:\/\//, 'must start with esdb://').optional(),

  DASHBOARD_HOST: z.string().min(1).default('127.0.0.1'),
  DASHBOARD_PORT: port.default(7070),
  /** `phoenix watchdog`'s own /metrics on 127.0.0.1; unset: not served. */
  WATCHDOG_METRICS_PORT: port.optional(),
});

/**
 * Variables the product refuses to start with (issue 17): test hooks never
 * belong in a running desk. PHOENIX_TEST_PAUSE_BEFORE_SEND_MS held the order
 * path open between the write-ahead and the send, in every mode; the crash
 * tests now make that window with the simulator's own controls.
 */
export const REFUSED_KEYS: Record<string, string> = {
  PHOENIX_TEST_PAUSE_BEFORE_SEND_MS:
    'was a test hook and is not honoured by the product: a crash between the write-ahead and the send is made with the gateway simulator (POST /lose-next-order, /silent) and a real kill; unset it',
};

/** Values that are never printed, logged or written to a bead. */
export const SECRET_KEYS = ['APPROVAL_TOKEN_SECRET', 'TELEGRAM_BOT_TOKEN', 'EVENTSTORE_CONNECTION_STRING'] as const;

export type EnvConfig = z.output<typeof ENV_SCHEMA>;
export const ENV_KEYS = Object.keys(ENV_SCHEMA.shape) as (keyof EnvConfig)[];
