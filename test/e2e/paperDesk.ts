/**
 * A paper desk for end-to-end tests: the gateway simulator in its own
 * process, `phoenix run` as its own process against it (the real @stoqey/ib
 * client, the SQLite log in a temp PHOENIX_HOME), and the CLI commands a
 * person would type, each its own process. The test reads the log the way
 * `phoenix replay` does, read-only, and waits by polling with generous
 * limits: nothing here depends on how fast a busy box is.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Bead, BeadOf, BeadType } from '../../beads/index.ts';
import { defaultLogPath, SqliteEventLog } from '../../store/sqlite.ts';
import { type GatewaySimHandle, startGatewaySim } from '../support/gatewaySimProcess.ts';
import { type Finished, type RunningPhoenix, runPhoenix, startPhoenix } from '../support/phoenixProcess.ts';
import { makeTempDir } from '../support/tempDir.ts';

export const SECRET = 'e2e-approval-secret-0123456789abcdef';

export interface PaperDesk {
  sim: GatewaySimHandle;
  home: string;
  env: Record<string, string>;
  host: RunningPhoenix | undefined;
  startHost(extra?: Record<string, string>): Promise<RunningPhoenix>;
  /** SIGTERM (clean) or SIGKILL (a crash); waits for the process to end. */
  stopHost(signal?: NodeJS.Signals): Promise<Finished | undefined>;
  cli(args: string[], extra?: Record<string, string>): Promise<Finished>;
  /** `phoenix mock-cse --signal READY --pair EURUSD …` with the given id. */
  readyIntent(id: string, over?: { entry?: string; stop?: string; target?: string }): Promise<void>;
  beads(): Promise<Bead[]>;
  ofType<T extends BeadType>(type: T): Promise<BeadOf<T>[]>;
  waitForBead<T extends BeadType>(type: T, match: (b: BeadOf<T>) => boolean, what: string, timeoutMs?: number): Promise<BeadOf<T>>;
  response(): Promise<string>;
  waitForResponse(pattern: RegExp, what: string, timeoutMs?: number): Promise<string>;
  /**
   * One whole paper round trip for `id` on a running host: READY intent,
   * evidence, approve, MANAGED, the target hit by steering the price, the
   * AUTOPSY; the price is put back afterwards for the next trip.
   */
  roundTrip(id: string): Promise<BeadOf<'AUTOPSY'>>;
  /** Every sim order for a position, by its orderRef prefix. */
  simOrders(positionId: string): Promise<{ orderId: number; orderRef: string; status: string }[]>;
  close(): Promise<void>;
}

export interface DeskOptions {
  account?: string;
  env?: Record<string, string>;
}

async function poll<T>(check: () => Promise<T | undefined>, what: string, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = await check();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export async function openPaperDesk(o: DeskOptions = {}): Promise<PaperDesk> {
  const account = o.account ?? 'DU123456';
  const sim = await startGatewaySim({ account, stateFile: true });
  const temp = makeTempDir('phoenix-e2e');
  const env: Record<string, string> = {
    PHOENIX_HOME: temp.dir,
    PHOENIX_HOST_ID: 'e2e-host',
    IBKR_MODE: 'paper',
    IBKR_ACCOUNT: account,
    IBKR_PORT: String(sim.port),
    IBKR_PAPER_PORT: String(sim.port),
    IBKR_CLIENT_ID: '7',
    TIME_SCALE: '0.01',
    APPROVAL_TOKEN_SECRET: SECRET,
    RECONCILE_INTERVAL_S: '60',
    LOG_LEVEL: 'warn',
    USER: 'alice',
    ...o.env,
  };
  let log: SqliteEventLog | undefined;
  const readLog = () => {
    log ??= new SqliteEventLog(defaultLogPath(temp.dir), { readonly: true });
    return log;
  };
  const beads = async () => {
    const out: Bead[] = [];
    for await (const e of readLog().readAll()) if (e.kind === 'bead') out.push(e.bead);
    return out;
  };
  const ofType = async <T extends BeadType>(type: T): Promise<BeadOf<T>[]> => (await beads()).filter((b) => b.bead_type === type) as unknown as BeadOf<T>[];
  const response = () => readFile(join(temp.dir, 'responses', 'response.md'), 'utf8').catch(() => '');

  const desk: PaperDesk = {
    sim,
    home: temp.dir,
    env,
    host: undefined,
    async startHost(extra = {}) {
      const host = startPhoenix(['run'], { ...env, ...extra });
      desk.host = host;
      await host.waitForOutput(/running in (PAPER|LIVE) mode/, 30_000);
      return host;
    },
    async stopHost(signal = 'SIGTERM') {
      const host = desk.host;
      desk.host = undefined;
      if (!host || host.child.exitCode !== null) return undefined;
      host.child.kill(signal);
      return host.done;
    },
    cli: (args, extra = {}) => runPhoenix(args, { ...env, ...extra }, 30_000),
    async readyIntent(id, over = {}) {
      const args = ['mock-cse', '--signal', 'READY', '--pair', 'EURUSD', '--confidence', '0.85'];
      args.push('--entry', over.entry ?? '1.0850', '--stop', over.stop ?? '1.0820', '--target', over.target ?? '1.0910');
      args.push('--setup-type', 'FVG_ENTRY', '--intent-id', id);
      const run = await desk.cli(args);
      if (run.code !== 0) throw new Error(`mock-cse failed (${run.code}): ${run.stderr}`);
    },
    beads,
    ofType,
    waitForBead: (type, match, what, timeoutMs = 20_000) => poll(async () => (await ofType(type)).find(match), what, timeoutMs),
    response,
    waitForResponse: (pattern, what, timeoutMs = 20_000) =>
      poll(async () => {
        const text = await response();
        return pattern.test(text) ? text : undefined;
      }, what, timeoutMs),
    async roundTrip(id) {
      await desk.sim.control('set-price', { pair: 'EURUSD', price: 1.085 });
      await desk.readyIntent(id);
      await desk.waitForBead('APPROVAL', (b) => b.data.intent_id === id && b.data.event === 'EVIDENCE_SHOWN', `evidence for ${id}`);
      const approve = await desk.cli(['approve', id, '--yes', '--as', 'alice']);
      if (approve.code !== 0) throw new Error(`approve ${id} failed (${approve.code}): ${approve.stderr}`);
      await desk.waitForBead('POSITION', (b) => b.data.position_id === id && b.data.state === 'MANAGED', `${id} MANAGED`);
      await desk.sim.control('set-price', { pair: 'EURUSD', price: 1.0915 });
      const autopsy = await desk.waitForBead('AUTOPSY', (b) => b.data.position_id === id, `the autopsy of ${id}`);
      await desk.sim.control('set-price', { pair: 'EURUSD', price: 1.085 });
      return autopsy;
    },
    async simOrders(positionId) {
      const state = await sim.state();
      return state.orders.filter((x) => x.orderRef.startsWith(`${positionId}-`)).map((x) => ({ orderId: x.orderId, orderRef: x.orderRef, status: x.status }));
    },
    async close() {
      await desk.stopHost('SIGKILL').catch(() => undefined);
      await log?.close();
      await sim.stop();
      temp.remove();
    },
  };
  return desk;
}
