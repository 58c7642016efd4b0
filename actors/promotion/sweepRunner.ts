import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Sweep } from '../../machines/promotion.ts';
import { type Config, publicParams } from '../../runtime/config/load.ts';
import type { Logger } from '../../runtime/logger.ts';

/**
 * The revalidation sweep as its own process (S3.6, issue 14): `phoenix
 * bunny --sweep C … --with KEY=VALUE … --run-id R --triggered-by B`, run by
 * the host on the host's own log, so its verdicts come back as BUNNY beads
 * carrying the sweep's run id. One sweep at a time: a newer one replaces the
 * one running. The child leads its own process group, so stopping it stops
 * every desk it started; and it reads the pipe on its stdin, so a host that
 * dies without a word (SIGKILL) takes its sweep with it.
 */

const PHOENIX_BIN = fileURLToPath(new URL('../../bin/phoenix.mjs', import.meta.url));
const STOP_GRACE_MS = 5_000;

export interface SweepRunner {
  /** Starts the sweep (stopping one that runs); `triggeredBy` is the PROMOTION bead that asked for it. */
  start(sweep: Sweep, triggeredBy: string): Promise<void>;
  /** The run id of the sweep running now, if any. */
  running(): string | undefined;
  /** Resolves when the running sweep (if any) has ended on its own. */
  finished(): Promise<void>;
  stop(): Promise<void>;
}

/** The bunny command line of a sweep. */
export function sweepArgs(sweep: Sweep, triggeredBy: string): string[] {
  return [
    'bunny',
    ...sweep.components.flatMap((c) => ['--sweep', c]),
    ...Object.entries(sweep.settings).flatMap(([k, v]) => ['--with', `${k}=${v}`]),
    '--run-id',
    sweep.runId,
    '--triggered-by',
    triggeredBy,
    '--json',
  ];
}

/**
 * The child's environment, built from the host's configuration (every
 * parameter, so its BUNNY beads carry the host's configuration hash) and
 * never from a .env it might read differently. PATH, HOME and TMPDIR are the
 * operating system's, not configuration: a process cannot start without them.
 */
export function sweepEnv(config: Config): Record<string, string> {
  const env: Record<string, string> = {};
  for (const os of ['PATH', 'HOME', 'TMPDIR'] as const) {
    const value = process.env[os];
    if (value !== undefined) env[os] = value;
  }
  for (const [k, v] of Object.entries(publicParams(config))) env[k] = String(v);
  env.PHOENIX_HOME = config.homeDir;
  env.PHOENIX_ENV_FILE = '/nonexistent/.env';
  env.LOG_FORMAT = 'json';
  if (config.EVENTSTORE_CONNECTION_STRING) env.EVENTSTORE_CONNECTION_STRING = config.EVENTSTORE_CONNECTION_STRING;
  return env;
}

export function startSweepRunner(o: { config: Config; logger: Logger }): SweepRunner {
  const logger = o.logger.child({ actor: 'sweep' });
  let current: { child: ChildProcess; runId: string; exit: Promise<void> } | undefined;

  async function stopCurrent(): Promise<void> {
    const c = current;
    if (!c) return;
    current = undefined;
    signalGroup(c.child, 'SIGTERM');
    const timer = setTimeout(() => signalGroup(c.child, 'SIGKILL'), STOP_GRACE_MS);
    await c.exit;
    clearTimeout(timer);
  }

  return {
    async start(sweep, triggeredBy) {
      await stopCurrent();
      const dir = join(o.config.homeDir, 'logs');
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      const out = openSync(join(dir, `sweep-${sweep.runId}.log`), 'a', 0o600);
      const child = spawn(process.execPath, [PHOENIX_BIN, ...sweepArgs(sweep, triggeredBy)], { env: sweepEnv(o.config), detached: true, stdio: ['pipe', out, out] });
      closeSync(out);
      const exit = new Promise<void>((resolve) => {
        child.once('exit', (code, signal) => {
          logger.info({ run_id: sweep.runId, code, signal }, 'revalidation sweep ended');
          if (current?.child === child) current = undefined;
          resolve();
        });
        child.once('error', (err) => {
          logger.error({ run_id: sweep.runId, err: err.message }, 'revalidation sweep could not start');
          if (current?.child === child) current = undefined;
          resolve();
        });
      });
      // Nobody writes to it: it is there to close when this process goes.
      child.stdin?.on('error', () => undefined);
      current = { child, runId: sweep.runId, exit };
      logger.warn({ run_id: sweep.runId, components: sweep.components, vectors: sweep.vectors, settings: Object.keys(sweep.settings), pid: child.pid }, 'revalidation sweep started (phoenix bunny --sweep)');
    },
    running: () => current?.runId,
    finished: () => current?.exit ?? Promise.resolve(),
    stop: stopCurrent,
  };
}

function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    child.kill(signal);
  }
}
