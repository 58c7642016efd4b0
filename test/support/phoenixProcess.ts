import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { onTestFinished } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BIN = fileURLToPath(new URL('../../bin/phoenix.mjs', import.meta.url));

export interface Finished {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** An environment with nothing from the developer's shell that Phoenix reads (and the dashboard on an ephemeral port), plus `env`. */
export function cleanEnv(env: Record<string, string>): Record<string, string> {
  const base: Record<string, string> = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', PHOENIX_ENV_FILE: '/nonexistent/.env', DASHBOARD_PORT: '0' };
  return { ...base, ...env };
}

/** Runs `phoenix <args>` as its own process to completion. */
export function runPhoenix(args: string[], env: Record<string, string>, timeoutMs = 20_000): Promise<Finished> {
  return finished(startPhoenix(args, env), timeoutMs);
}

export interface RunningPhoenix {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  waitForOutput(pattern: RegExp, timeoutMs?: number): Promise<string>;
  done: Promise<Finished>;
}

const running = new Set<ChildProcess>();
const reap = (child: ChildProcess) => {
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
};
process.once('exit', () => {
  for (const child of running) reap(child);
});

/** Children still running when their test ends are killed: a failed assertion must not leave a host running on the box. */
function reapWhenDone(child: ChildProcess): void {
  running.add(child);
  child.once('exit', () => running.delete(child));
  try {
    onTestFinished(() => reap(child));
  } catch {
    // Started outside a test (a beforeAll): the worker's exit is the last chance.
  }
}

/** Starts a long-running `phoenix <args>` (run, watchdog, gateway-sim) as its own process. */
export function startPhoenix(args: string[], env: Record<string, string>): RunningPhoenix {
  const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env: cleanEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
  reapWhenDone(child);
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const done = new Promise<Finished>((resolve) => {
    child.on('close', (code, signal) => resolve({ code, signal, stdout: out, stderr: err }));
  });
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    done,
    async waitForOutput(pattern, timeoutMs = 15_000) {
      const start = Date.now();
      for (;;) {
        const m = pattern.exec(out) ?? pattern.exec(err);
        if (m) return m[0];
        if (child.exitCode !== null) throw new Error(`phoenix ${args.join(' ')} exited ${child.exitCode} before ${pattern}: ${err}`);
        if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${pattern}; stdout: ${out} stderr: ${err}`);
        await new Promise((r) => setTimeout(r, 25));
      }
    },
  };
}

async function finished(p: RunningPhoenix, timeoutMs: number): Promise<Finished> {
  const timer = setTimeout(() => p.child.kill('SIGKILL'), timeoutMs);
  try {
    return await p.done;
  } finally {
    clearTimeout(timer);
  }
}
