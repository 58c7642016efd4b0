/**
 * Runs the gateway simulator as its own OS process, for connector and chaos
 * tests that need to kill it for real.
 *
 *   const sim = await startGatewaySim({ serverVersion: 193, stateFile: true });
 *   const ib = new IBApi({ host: '127.0.0.1', port: sim.port });
 *   await sim.control('set-price', { pair: 'EURUSD', price: 1.09 });
 *   expect((await sim.state()).counts.placeOrder).toBe(0);
 *   await sim.kill();            // SIGKILL: sockets die with the process
 *   await sim.respawn();         // same port, same state file
 *   await sim.stop();            // always, in afterEach/afterAll
 *
 * Control commands and their bodies are listed in tools/gateway-sim/README.md.
 * Defaults suit tests: prices move only when a test sets them (`tickMs: 0`),
 * both ports are ephemeral, and `stateFile: true` means a fresh temp file.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { SimSnapshot } from '../../tools/gateway-sim/simulatorSnapshot.ts';
import { makeTempDir } from './tempDir.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const RUN_TS = join(ROOT, 'bin', 'run-ts.mjs');
const MAIN = join('tools', 'gateway-sim', 'main.ts');

export type { SimSnapshot };

export interface GatewaySimProcessOptions {
  account?: string;
  /** 145..193; default 193. */
  serverVersion?: number;
  seed?: number;
  /** Walk step interval; default 0: prices move only through set-price or step. */
  tickMs?: number;
  nextValidId?: number;
  /** A path, or true for a fresh file in a temp dir that stop() removes. */
  stateFile?: string | true;
  /** Default 0 (ephemeral); respawns reuse the port first bound. */
  port?: number;
  controlPort?: number;
  /** How long to wait for the "listening" line; default 30 s (a loaded 2-core CI box is slow to start tsx). */
  startTimeoutMs?: number;
}

export interface RespawnOptions {
  serverVersion?: number;
  /** Forces the next order id over the saved state: a rollback across a real restart. */
  nextValidId?: number;
  seed?: number;
  tickMs?: number;
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface GatewaySimHandle {
  /** The API port; stable across respawns. */
  readonly port: number;
  /** The control channel port; stable across respawns. */
  readonly controlPort: number;
  /** The pid of the current process. */
  readonly pid: number;
  readonly stateFile: string | undefined;
  /** True once the current process has exited. */
  readonly exited: boolean;
  /** Everything the process (and earlier incarnations) wrote to stderr. */
  stderr(): string;
  /** POST /<command> with a JSON body; resolves with the reply, rejects on a non-2xx answer. */
  control<T = Record<string, unknown>>(command: string, body?: object): Promise<T>;
  /** GET /state. */
  state(): Promise<SimSnapshot>;
  /** Polls GET /state until `predicate` holds. */
  waitForState(predicate: (state: SimSnapshot) => boolean, what: string, timeoutMs?: number): Promise<SimSnapshot>;
  /** Sends a signal (default SIGKILL) and waits for the process to exit. */
  kill(signal?: NodeJS.Signals): Promise<Exit>;
  /** Resolves when the current process exits by itself (e.g. after the kill command). */
  waitForExit(): Promise<Exit>;
  /** Starts a new process on the same ports and state file, killing the old one first if it still runs. */
  respawn(options?: RespawnOptions): Promise<void>;
  /** Stops the process (SIGTERM, then SIGKILL after 5 s) and removes a temp state file. */
  stop(): Promise<void>;
}

const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

interface Spawned {
  child: ChildProcess;
  pid: number;
  port: number;
  controlPort: number;
  exit: Promise<Exit>;
}

function buildArgs(o: Required<Omit<GatewaySimProcessOptions, 'stateFile' | 'startTimeoutMs'>>, stateFile?: string) {
  const args = [
    '--port',
    String(o.port),
    '--control-port',
    String(o.controlPort),
    '--account',
    o.account,
    '--server-version',
    String(o.serverVersion),
    '--seed',
    String(o.seed),
    '--tick-ms',
    String(o.tickMs),
    '--next-valid-id',
    String(o.nextValidId),
  ];
  if (stateFile) args.push('--state-file', stateFile);
  return args;
}

function spawnSim(args: string[], timeoutMs: number, appendStderr: (text: string) => void): Promise<Spawned> {
  const child = spawn(process.execPath, [RUN_TS, MAIN, ...args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', TMPDIR: process.env.TMPDIR ?? '/tmp' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  live.add(child);
  const exit = new Promise<Exit>((resolve) => {
    child.once('exit', (code, signal) => {
      live.delete(child);
      resolve({ code, signal });
    });
  });
  child.stderr?.on('data', (chunk: Buffer) => appendStderr(chunk.toString()));
  return new Promise<Spawned>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`gateway-sim did not report listening within ${timeoutMs} ms (args: ${args.join(' ')})`));
    }, timeoutMs);
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const newline = out.indexOf('\n');
      if (newline < 0) return;
      clearTimeout(timer);
      try {
        const line = JSON.parse(out.slice(0, newline)) as { port: number; controlPort: number; pid: number };
        resolve({ child, pid: line.pid, port: line.port, controlPort: line.controlPort, exit });
      } catch {
        reject(new Error(`gateway-sim printed an unexpected first line: ${out.slice(0, newline)}`));
      }
    });
    void exit.then((e) => {
      clearTimeout(timer);
      reject(new Error(`gateway-sim exited (${e.code ?? e.signal}) before listening`));
    });
  });
}

export async function startGatewaySim(options: GatewaySimProcessOptions = {}): Promise<GatewaySimHandle> {
  const settings = {
    account: options.account ?? 'DU123456',
    serverVersion: options.serverVersion ?? 193,
    seed: options.seed ?? 1,
    tickMs: options.tickMs ?? 0,
    nextValidId: options.nextValidId ?? 1,
    port: options.port ?? 0,
    controlPort: options.controlPort ?? 0,
  };
  const timeoutMs = options.startTimeoutMs ?? 30_000;
  const temp = options.stateFile === true ? makeTempDir('gateway-sim') : undefined;
  const stateFile = temp ? join(temp.dir, 'state.json') : (options.stateFile as string | undefined);
  let stderrText = '';
  const appendStderr = (text: string) => {
    stderrText += text;
  };

  let current = await spawnSim(buildArgs(settings, stateFile), timeoutMs, appendStderr);
  settings.port = current.port;
  settings.controlPort = current.controlPort;
  let exited = false;
  const watch = (spawned: Spawned) => {
    void spawned.exit.then(() => {
      if (spawned === current) exited = true;
    });
  };
  watch(current);

  const url = (path: string) => `http://127.0.0.1:${settings.controlPort}/${path}`;

  async function control<T>(command: string, body: object = {}): Promise<T> {
    const response = await fetch(url(command), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    const reply = (await response.json()) as T & { ok: boolean; error?: string };
    if (!response.ok) throw new Error(`gateway-sim ${command} failed (${response.status}): ${reply.error}`);
    return reply;
  }

  async function state(): Promise<SimSnapshot> {
    const response = await fetch(url('state'));
    return (await response.json()) as SimSnapshot;
  }

  async function kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<Exit> {
    if (!exited) current.child.kill(signal);
    return current.exit;
  }

  return {
    get port() {
      return settings.port;
    },
    get controlPort() {
      return settings.controlPort;
    },
    get pid() {
      return current.pid;
    },
    stateFile,
    get exited() {
      return exited;
    },
    stderr: () => stderrText,
    control,
    state,
    async waitForState(predicate, what, waitMs = 5_000) {
      const deadline = Date.now() + waitMs;
      for (;;) {
        const snapshot = await state().catch(() => undefined);
        if (snapshot && predicate(snapshot)) return snapshot;
        if (Date.now() > deadline) throw new Error(`timed out after ${waitMs} ms waiting for ${what}`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    },
    kill,
    waitForExit: () => current.exit,
    async respawn(respawn = {}) {
      await kill('SIGKILL');
      Object.assign(settings, {
        serverVersion: respawn.serverVersion ?? settings.serverVersion,
        seed: respawn.seed ?? settings.seed,
        tickMs: respawn.tickMs ?? settings.tickMs,
      });
      const args = buildArgs(settings, stateFile);
      if (respawn.nextValidId !== undefined) args.push('--force-next-valid-id', String(respawn.nextValidId));
      current = await spawnSim(args, timeoutMs, appendStderr);
      exited = false;
      watch(current);
    },
    async stop() {
      if (!exited) {
        current.child.kill('SIGTERM');
        const timer = setTimeout(() => current.child.kill('SIGKILL'), 5_000);
        await current.exit;
        clearTimeout(timer);
      }
      temp?.remove();
    },
  };
}
