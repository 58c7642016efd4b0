/**
 * What a parameter change revalidates (S3.6): the component each parameter
 * drives, and the bunny vectors that exercise each component. One home for
 * both, below the host and the CLI: the promotion machine records which
 * vectors a sweep must pass, the host starts `phoenix bunny --sweep`, and
 * `phoenix bunny` (tools/bunny/suite.ts) reads the same table.
 */

/** The parts of the desk a vector exercises; `phoenix bunny --sweep COMPONENT` runs a component's vectors. */
export const COMPONENTS = ['broker', 'monitor', 'notify', 'approval', 'flow', 'config'] as const;
export type Component = (typeof COMPONENTS)[number];

/**
 * Component → the vectors that exercise it most directly, at most 5 each
 * (S3.6), the quickest first so that a sweep reports early. CV_S33_15 (a
 * parameter change) is in no sweep: a sweep it triggered would run it again,
 * and that one another, without end.
 */
export const SWEEPS: Record<Component, readonly string[]> = {
  broker: ['CV_S33_1', 'CV_S33_2', 'CV_S33_3', 'S10_HALF_OPEN', 'S10_CLIENT_ID_IN_USE'],
  monitor: ['CV_S33_5', 'CV_S33_4', 'CV_S33_6', 'S10_LOG_NOT_WRITABLE', 'S10_ESDB_UNREACHABLE'],
  notify: ['CV_S33_7', 'CV_S33_8', 'CV_S33_1', 'CV_S33_4'],
  approval: ['CV_S33_13', 'CV_S33_9', 'CV_S33_10', 'S10_KILL9_WRITE_AHEAD'],
  flow: ['CV_S33_10', 'CV_S33_11', 'CV_S33_12', 'S10_KILL9_WRITE_AHEAD', 'S10_FILLS_DURING_DISCONNECT'],
  config: ['CV_S33_13', 'CV_S33_9', 'CV_S33_6', 'CV_S33_14'],
};

/**
 * The strategist's parameters: a change to any of these is a CONFIG_CHANGE,
 * sends the desk back to SHADOW and sweeps the component it drives. A key
 * not named here or in WIRING counts as a parameter of `config`: a setting
 * nobody classified is revalidated rather than waved through.
 */
export const PARAMETER_COMPONENTS: Readonly<Record<string, Component>> = {
  TIME_SCALE: 'monitor',
  HEARTBEAT_INTERVAL_S: 'monitor',
  HEARTBEAT_JITTER_S: 'monitor',
  LEASE_TTL_S: 'monitor',
  IBKR_MAINTENANCE_WINDOW: 'broker',
  ACTIVE_PAIRS: 'flow',
  ORDER_UNITS: 'flow',
  MAX_ORDER_UNITS: 'flow',
  RECONCILE_INTERVAL_S: 'flow',
  STALE_GATE_MINUTES: 'approval',
  APPROVAL_TOKEN_TTL_S: 'approval',
  APPROVAL_TOKEN_SECRET: 'approval',
  ALERT_GROUP_WAIT_S: 'notify',
  TELEGRAM_BOT_TOKEN: 'notify',
  PROMOTION_WINDOW_DAYS: 'config',
};

/**
 * The desk's wiring, not its behaviour: where it connects and stores, who it
 * talks to, how it logs, and the mode itself. These are recorded in every
 * CONFIG bead but are no parameter change: going live means setting
 * IBKR_MODE, IBKR_ACCOUNT and the ports, and that must not send the desk
 * back to SHADOW the moment it is promoted.
 */
export const WIRING_KEYS: ReadonlySet<string> = new Set([
  'PHOENIX_HOME',
  'PHOENIX_HOST_ID',
  'LOG_LEVEL',
  'LOG_FORMAT',
  'PHOENIX_OPERATOR',
  'IBKR_MODE',
  'IBKR_ALLOW_LIVE',
  'IBKR_HOST',
  'IBKR_PORT',
  'IBKR_PAPER_PORT',
  'IBKR_LIVE_PORT',
  'IBKR_CLIENT_ID',
  'IBKR_ACCOUNT',
  'TELEGRAM_CHAT_ID',
  'TELEGRAM_ALLOWED_USER_IDS',
  'TELEGRAM_API_ROOT',
  'EVENTSTORE_CONNECTION_STRING',
  'DASHBOARD_HOST',
  'DASHBOARD_PORT',
  'WATCHDOG_METRICS_PORT',
  'PHOENIX_TEST_PAUSE_BEFORE_SEND_MS',
]);

/**
 * Parameters a sweep cannot lay over a scratch desk with `--with`: bunny
 * sets TIME_SCALE per vector itself, and a secret never goes on a command line.
 */
const NOT_PORTABLE: ReadonlySet<string> = new Set(['TIME_SCALE', 'APPROVAL_TOKEN_SECRET', 'TELEGRAM_BOT_TOKEN']);

export function isParameter(key: string): boolean {
  return !WIRING_KEYS.has(key);
}

export function componentOfParameter(key: string): Component {
  return PARAMETER_COMPONENTS[key] ?? 'config';
}

/** Whether a sweep runs its vectors with the new value (`--with KEY=VALUE`). */
export function isPortable(key: string): boolean {
  return isParameter(key) && !NOT_PORTABLE.has(key);
}

/** The vectors a sweep of these components runs, each once, in the order the table names them. */
export function sweepVectors(components: readonly string[]): string[] {
  const out: string[] = [];
  for (const c of components) for (const id of SWEEPS[c as Component] ?? []) if (!out.includes(id)) out.push(id);
  return out;
}
