import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { SimSnapshot } from '../gateway-sim/simulatorSnapshot.ts';

/**
 * The gateway simulator a drill runs against: one it starts as its own
 * process (`phoenix gateway-sim`, ephemeral ports), or one already running
 * whose control channel proves it is a simulator. A drill cancels every
 * order on the gateway, so it never runs against anything else.
 */
export interface DrillSimulator {
  port: number;
  account: string;
  /** GET /state of the control channel. */
  state(): Promise<SimSnapshot>;
  /** Stops the simulator if the drill started it; leaves someone else's running. */
  stop(): Promise<void>;
}

const PHOENIX_BIN = fileURLToPath(new URL('../../bin/phoenix.mjs', import.meta.url));
const DRILL_ACCOUNT = 'DU123456';

async function stateAt(controlPort: number): Promise<SimSnapshot> {
  const response = await fetch(`http://127.0.0.1:${controlPort}/state`, { signal: AbortSignal.timeout(5_000) });
  if (!response.ok) throw new Error(`GET /state answered ${response.status}`);
  return (await response.json()) as SimSnapshot;
}

/** A running simulator, checked: its control channel answers and serves the API port we were given. */
export async function attachSimulator(port: number, controlPort: number): Promise<DrillSimulator> {
  let snapshot: SimSnapshot;
  try {
    snapshot = await stateAt(controlPort);
  } catch (err) {
    throw new Error(`no gateway simulator answers on control port ${controlPort} (${(err as Error).message}); a drill runs only against the simulator`);
  }
  if (snapshot.port !== port) throw new Error(`the simulator on control port ${controlPort} serves API port ${snapshot.port}, not ${port}`);
  return { port, account: snapshot.account, state: () => stateAt(controlPort), stop: async () => undefined };
}

export function startSimulator(timeoutMs = 30_000): Promise<DrillSimulator> {
  const args = [PHOENIX_BIN, 'gateway-sim', '--port', '0', '--control-port', '0', '--account', DRILL_ACCOUNT, '--tick-ms', '0'];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const force = setTimeout(() => child.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(force);
  };
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the gateway simulator did not start within ${timeoutMs} ms: ${stderr}`));
    }, timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the gateway simulator exited (${code}) before listening: ${stderr}`));
    });
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const newline = out.indexOf('\n');
      if (newline < 0) return;
      clearTimeout(timer);
      const line = JSON.parse(out.slice(0, newline)) as { port: number; controlPort: number };
      resolve({ port: line.port, account: DRILL_ACCOUNT, state: () => stateAt(line.controlPort), stop });
    });
  });
}
