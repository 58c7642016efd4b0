/**
 * Phoenix's own processes as bunny runs them: the gateway simulator, the
 * Bot API stand-in, the host and the watchdog, each a real OS process that
 * can be killed, stopped and continued. Every child is tracked and killed
 * when bunny exits, so an interrupted run leaves nothing behind.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const PHOENIX_BIN = fileURLToPath(new URL('../../bin/phoenix.mjs', import.meta.url));
const RUN_TS = fileURLToPath(new URL('../../bin/run-ts.mjs', import.meta.url));

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** A process bunny started; it could not start, or it stopped, and the vector says so. */
export class ProcessFailure extends Error {
  override readonly name = 'ProcessFailure';
}

const live = new Set<ChildProcess>();
let reaperInstalled = false;

function installReaper(): void {
  if (reaperInstalled) return;
  reaperInstalled = true;
  process.once('exit', () => {
    for (const child of live) {
      child.kill('SIGCONT');
      child.kill('SIGKILL');
    }
  });
}

export interface ToolProcess {
  readonly name: string;
  readonly child: ChildProcess;
  readonly pid: number;
  readonly exit: Promise<Exit>;
  readonly exited: boolean;
  /** The last few KB of stderr: for a failure's reason when a process would not start, never for a verdict. */
  stderrTail(): string;
  /** The likeliest line of stderr to say why it stopped. */
  whyStopped(): string;
  signal(sig: NodeJS.Signals): void;
  /** SIGKILL (default) or another signal, then waits for the exit. */
  kill(sig?: NodeJS.Signals): Promise<Exit>;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves once it is gone. */
  stop(graceMs?: number): Promise<Exit>;
}

export interface SpawnOptions {
  env: Record<string, string>;
  /** Wait for the first stdout line (the simulators' JSON "listening" line), or the first matching this, and hand it back. */
  firstLine?: boolean | RegExp;
  startTimeoutMs?: number;
  /** A folder to keep the process's output in (<name>-<pid>.log), for a person reading a failed vector. */
  logDir?: string;
}

/** `phoenix <args>` (entry 'phoenix') or a tool's own main.ts through tsx. */
export async function spawnTool(name: string, entry: { phoenix: string[] } | { main: string; args: string[] }, options: SpawnOptions): Promise<{ proc: ToolProcess; line?: string }> {
  installReaper();
  const argv = 'phoenix' in entry ? [PHOENIX_BIN, ...entry.phoenix] : [RUN_TS, entry.main, ...entry.args];
  const child = spawn(process.execPath, argv, { cwd: ROOT, env: options.env, stdio: ['ignore', 'pipe', 'pipe'] });
  live.add(child);
  let tail = '';
  child.stderr!.on('data', (d: Buffer) => {
    tail = (tail + d.toString()).slice(-4000);
  });
  if (options.logDir) {
    mkdirSync(options.logDir, { recursive: true });
    const file = createWriteStream(join(options.logDir, `${name.replace(/\W+/g, '-')}-${child.pid}.log`));
    file.on('error', () => undefined);
    child.stdout!.pipe(file, { end: false });
    child.stderr!.pipe(file, { end: false });
    child.once('close', () => file.end());
  }
  let exited = false;
  const exit = new Promise<Exit>((resolve) => {
    child.once('exit', (code, signal) => {
      exited = true;
      live.delete(child);
      resolve({ code, signal });
    });
  });
  // Output nobody reads must still be drained, or a chatty child blocks on a full pipe.
  let out = '';
  let found = false;
  const wanted = options.firstLine instanceof RegExp ? options.firstLine : /^/;
  const firstLine = new Promise<string>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      if (found) return;
      out += d.toString();
      const lines = out.split('\n');
      out = lines.pop() ?? '';
      const line = lines.find((l) => wanted.test(l));
      if (line !== undefined) {
        found = true;
        resolve(line);
      }
    });
    void exit.then((e) => reject(new ProcessFailure(`${name} exited (${e.code ?? e.signal}) before it was ready: ${whyOf(tail)}`)));
  });
  firstLine.catch(() => undefined);
  if (child.pid === undefined) throw new ProcessFailure(`${name} could not be started`);
  const proc: ToolProcess = {
    name,
    child,
    pid: child.pid,
    exit,
    get exited() {
      return exited;
    },
    stderrTail: () => tail,
    whyStopped: () => whyOf(tail),
    signal(sig) {
      if (!exited) child.kill(sig);
    },
    async kill(sig = 'SIGKILL') {
      if (!exited) {
        if (sig === 'SIGKILL') child.kill('SIGCONT');
        child.kill(sig);
      }
      return exit;
    },
    async stop(graceMs = 5_000) {
      if (exited) return exit;
      child.kill('SIGCONT');
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      const e = await exit;
      clearTimeout(timer);
      return e;
    },
  };
  if (!options.firstLine) return { proc };
  const timeoutMs = options.startTimeoutMs ?? 30_000;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new ProcessFailure(`${name} did not say it was listening within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    return { proc, line: await Promise.race([firstLine, timeout]) };
  } catch (err) {
    await proc.kill();
    throw err;
  } finally {
    clearTimeout(timer);
  }
}

function whyOf(tail: string): string {
  const lines = tail.trim().split('\n').map((l) => l.trim()).filter(Boolean);
  const telling = lines.find((l) => /^(phoenix [a-z-]+:|Error|\w+Error\b)|"level":(50|60)/.test(l));
  return (telling ?? lines.at(-1) ?? 'no output').slice(0, 400);
}

/** The environment a child gets: nothing from bunny's own shell that Phoenix reads, only what is given. */
export function childEnv(extra: Record<string, string>): Record<string, string> {
  return { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', TMPDIR: process.env.TMPDIR ?? '/tmp', PHOENIX_ENV_FILE: '/nonexistent/.env', ...extra };
}

/** The JSON "listening" line both simulators print. */
export function listeningLine(name: string, line: string | undefined): { port: number; controlPort: number; pid: number } {
  try {
    const parsed = JSON.parse(line ?? '') as { event?: string; port?: number; controlPort?: number; pid?: number };
    if (parsed.event === 'listening' && typeof parsed.port === 'number' && typeof parsed.controlPort === 'number' && typeof parsed.pid === 'number') {
      return { port: parsed.port, controlPort: parsed.controlPort, pid: parsed.pid };
    }
  } catch {
    // reported below
  }
  throw new ProcessFailure(`${name} printed an unexpected first line: ${line ?? '(none)'}`);
}
