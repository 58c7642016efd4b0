import { createHash } from 'node:crypto';
import { userInfo } from 'node:os';
import { resolve } from 'node:path';
import type { z } from 'zod';
import type { Mode } from '../../beads/index.ts';
import { readDotenv } from './dotenv.ts';
import { ENV_KEYS, ENV_SCHEMA, type EnvConfig, REFUSED_KEYS, SECRET_KEYS } from './schema.ts';

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(readonly problems: string[]) {
    super(`configuration is invalid:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

export type Config = Readonly<
  EnvConfig & {
    /** Mode in bead spelling; fixed for the life of the process (no hot flip). */
    mode: Mode;
    /** The port this mode must use: IBKR_PORT, or the mode's default. */
    ibkrPort: number;
    homeDir: string;
    logBackend: 'sqlite' | 'eventstoredb';
    configHash: string;
    /** The OS user at this terminal (USER, else LOGNAME, else the account): who a CLI command records when neither --as nor PHOENIX_OPERATOR names one. */
    osUser?: string;
  }
>;

function describe(error: z.ZodError, env: Record<string, string | undefined>): string[] {
  return error.issues.map((issue) => {
    const key = String(issue.path[0] ?? '');
    const secret = (SECRET_KEYS as readonly string[]).includes(key);
    const got = env[key];
    const shown = got === undefined ? '' : secret ? ' (value hidden)' : ` (got ${JSON.stringify(got)})`;
    return `${key}: ${issue.message}${shown}`;
  });
}

/**
 * The one place the environment is read. `env` defaults to process.env merged
 * over `.env` (or PHOENIX_ENV_FILE); tests pass their own.
 */
export function loadConfig(env?: Record<string, string | undefined>, cwd = process.cwd()): Config {
  const source = env ?? {
    ...readDotenv(resolve(cwd, process.env.PHOENIX_ENV_FILE ?? '.env')),
    ...process.env,
  };
  const relevant: Record<string, string | undefined> = {};
  for (const key of ENV_KEYS) {
    const value = source[key];
    // An empty value means "not set", as in most .env tooling.
    if (value !== undefined && value !== '') relevant[key] = value;
  }
  const refused = Object.keys(REFUSED_KEYS).filter((key) => source[key] !== undefined && source[key] !== '');
  if (refused.length > 0) throw new ConfigError(refused.map((key) => `${key}: ${REFUSED_KEYS[key]}`));
  const parsed = ENV_SCHEMA.safeParse(relevant);
  if (!parsed.success) throw new ConfigError(describe(parsed.error, relevant));
  const c = parsed.data;
  const problems: string[] = [];
  if (c.IBKR_PAPER_PORT === c.IBKR_LIVE_PORT) {
    problems.push(`IBKR_PAPER_PORT and IBKR_LIVE_PORT must differ (both ${c.IBKR_PAPER_PORT})`);
  }
  if (c.ORDER_UNITS > c.MAX_ORDER_UNITS) {
    problems.push(`ORDER_UNITS (${c.ORDER_UNITS}) must not exceed MAX_ORDER_UNITS (${c.MAX_ORDER_UNITS})`);
  }
  if (problems.length > 0) throw new ConfigError(problems);
  const mode = c.IBKR_MODE.toUpperCase() as Mode;
  const ibkrPort = c.IBKR_PORT ?? (c.IBKR_MODE === 'live' ? c.IBKR_LIVE_PORT : c.IBKR_PAPER_PORT);
  const config = {
    ...c,
    mode,
    ibkrPort,
    homeDir: resolve(cwd, c.PHOENIX_HOME),
    logBackend: c.EVENTSTORE_CONNECTION_STRING ? ('eventstoredb' as const) : ('sqlite' as const),
    configHash: '',
    ...optional('osUser', osUserOf(source)),
  };
  config.configHash = hashParams(publicParams(config));
  return deepFreeze(config);
}

function osUserOf(env: Record<string, string | undefined>): string | undefined {
  const named = env.USER?.trim() || env.LOGNAME?.trim();
  if (named) return named;
  try {
    return userInfo().username || undefined;
  } catch {
    return undefined; // no passwd entry for this uid (some containers)
  }
}

const optional = <K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } => (value === undefined ? {} : ({ [key]: value } as { [P in K]: V }));

/**
 * The same configuration with the approval secret put in: `phoenix run` in
 * mock mode supplies one kept under PHOENIX_HOME when none is configured.
 */
export function withApprovalTokenSecret(config: Config, secret: string): Config {
  return deepFreeze({ ...config, APPROVAL_TOKEN_SECRET: secret });
}

/** The non-secret parameter set: what `CONFIG` beads record and the hash covers. */
export function publicParams(config: EnvConfig): Record<string, string | number | boolean> {
  const out: Record<string, string | number | boolean> = {};
  for (const key of ENV_KEYS) {
    if ((SECRET_KEYS as readonly string[]).includes(key)) continue;
    const value = config[key];
    if (value === undefined) continue;
    out[key] = Array.isArray(value) ? value.join(',') : (value as string | number | boolean);
  }
  return out;
}

export function hashParams(params: Record<string, string | number | boolean>): string {
  const canonical = JSON.stringify(Object.keys(params).sort().map((k) => [k, params[k]]));
  return createHash('sha256').update(canonical).digest('hex').slice(0, 16);
}

/** Shows a secret's presence without its value; keeps a URL's host readable. */
export function maskSecret(key: string, value: string): string {
  if (key === 'EVENTSTORE_CONNECTION_STRING') return value.replace(/\/\/[^@/]*@/, '//***:***@');
  return value.length <= 4 ? '****' : `****${value.slice(-2)} (${value.length} chars)`;
}

/** The effective configuration for people: every variable, secrets masked. */
export function describeConfig(config: Config): [string, string][] {
  return ENV_KEYS.map((key) => {
    const value = config[key];
    if (value === undefined || (Array.isArray(value) && value.length === 0)) return [key, '(not set)'];
    const text = Array.isArray(value) ? value.join(',') : String(value);
    return [key, (SECRET_KEYS as readonly string[]).includes(key) ? maskSecret(key, text) : text];
  });
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}
