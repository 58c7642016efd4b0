import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Command } from '../../../tools/command.ts';
import { COMMANDS } from '../../../tools/cli.ts';
import { cleanEnv, type Finished, type RunningPhoenix, startPhoenix } from '../../support/phoenixProcess.ts';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const RUN_TS = fileURLToPath(new URL('../../../bin/run-ts.mjs', import.meta.url));

/** Spawns a TypeScript entry file as its own process, with the same handle startPhoenix gives. */
export function startScript(file: string, args: string[], env: Record<string, string>): RunningPhoenix {
  const child = spawn(process.execPath, [RUN_TS, file, ...args], { cwd: ROOT, env: cleanEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const done = new Promise<Finished>((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stdout: out, stderr: err })));
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
        if (child.exitCode !== null) throw new Error(`${file} exited ${child.exitCode} before ${pattern}: ${err}`);
        if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${pattern}; stdout: ${out} stderr: ${err}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
  };
}

/**
 * `phoenix <name> …` as a real process: through the CLI once the command is
 * registered there, else through a runner that calls the same Command.
 */
export function startCommand(command: Command, modulePath: string, exportName: string, args: string[], env: Record<string, string>): RunningPhoenix {
  if (COMMANDS.some((c) => c.name === command.name)) return startPhoenix([command.name, ...args], env);
  return startScript('test/monitor/support/commandMain.ts', [modulePath, exportName, ...args], env);
}

export async function runCommandProcess(command: Command, modulePath: string, exportName: string, args: string[], env: Record<string, string>, timeoutMs = 20_000): Promise<Finished> {
  const p = startCommand(command, modulePath, exportName, args, env);
  const timer = setTimeout(() => p.child.kill('SIGKILL'), timeoutMs);
  try {
    return await p.done;
  } finally {
    clearTimeout(timer);
  }
}
