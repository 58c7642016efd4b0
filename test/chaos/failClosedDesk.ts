/**
 * A paper desk for the fail-closed tests (S2): the gateway simulator in its
 * own process, the Bot API stand-in in this one, `phoenix run` as its own
 * process on a log the test can take away (a SQLite file on a disk it can
 * fill, or the loopback EventStoreDB it can stop), and the CLI commands a
 * person would type. Every wait polls against a deadline.
 */
import type { Bead, BeadOf, BeadType } from '../../beads/index.ts';
import type { EventLog } from '../../store/port.ts';
import { FakeBotApi, type SentMessage } from '../fakes/botApi.ts';
import { type GatewaySimHandle, startGatewaySim } from '../support/gatewaySimProcess.ts';
import { type Finished, type RunningPhoenix, runPhoenix, startPhoenix } from '../support/phoenixProcess.ts';

export const CHAT_ID = '4242';
export const OPERATOR_ID = 77;
const TOKEN = '123456:fail-closed-test-token-abcdefghijkl';

export interface FailClosedDesk {
  sim: GatewaySimHandle;
  bot: FakeBotApi;
  env: Record<string, string>;
  host: RunningPhoenix;
  /** The host's dashboard, e.g. http://127.0.0.1:1234/ */
  dashboardUrl: string;
  cli(args: string[]): Promise<Finished>;
  /** A READY EURUSD intent through `phoenix mock-cse`, and its evidence shown. */
  readyIntent(id: string): Promise<void>;
  approve(id: string): Promise<Finished>;
  beads<T extends BeadType>(type: T): Promise<BeadOf<T>[]>;
  waitForBead<T extends BeadType>(type: T, match: (b: BeadOf<T>) => boolean, what: string, timeoutMs?: number): Promise<BeadOf<T>>;
  waitForMessage(pattern: RegExp, what: string, timeoutMs?: number): Promise<SentMessage>;
  /** Orders for an intent that reached the simulator (orderRefs start with the intent id). */
  simOrders(id: string): Promise<string[]>;
  close(): Promise<void>;
}

export async function until<T>(check: () => Promise<T | undefined> | T | undefined, what: string, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    // A read that fails (the log is away) is "not yet", not the end of the wait.
    const found = await Promise.resolve()
      .then(check)
      .catch(() => undefined);
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export interface DeskOptions {
  home: string;
  /** Opens the log for reading, as the test sees it (the host has its own). */
  readLog: () => Promise<EventLog>;
  env?: Record<string, string>;
  /** For the host process only (a test's preload, say), not for the CLI commands. */
  hostEnv?: Record<string, string>;
}

export async function openFailClosedDesk(o: DeskOptions): Promise<FailClosedDesk> {
  const sim = await startGatewaySim({ account: 'DU123456', stateFile: true });
  const bot = await FakeBotApi.start({ token: TOKEN });
  const env: Record<string, string> = {
    PHOENIX_HOME: o.home,
    PHOENIX_HOST_ID: 'fc-host',
    IBKR_MODE: 'paper',
    IBKR_ACCOUNT: 'DU123456',
    IBKR_PORT: String(sim.port),
    IBKR_PAPER_PORT: String(sim.port),
    IBKR_CLIENT_ID: '7',
    TIME_SCALE: '0.02',
    APPROVAL_TOKEN_SECRET: 'fail-closed-approval-secret-0123456789',
    TELEGRAM_BOT_TOKEN: TOKEN,
    TELEGRAM_CHAT_ID: CHAT_ID,
    TELEGRAM_ALLOWED_USER_IDS: String(OPERATOR_ID),
    TELEGRAM_API_ROOT: bot.apiRoot,
    LOG_LEVEL: 'warn',
    LOG_FORMAT: 'json',
    USER: 'alice',
    ...o.env,
  };
  const host = startPhoenix(['run'], { ...env, ...o.hostEnv });
  await host.waitForOutput(/running in PAPER mode/, 40_000);
  const dashboardUrl = (await host.waitForOutput(/dashboard: http:\/\/127\.0\.0\.1:\d+\//, 10_000)).replace('dashboard: ', '');
  let log: EventLog | undefined;
  const beads = async <T extends BeadType>(type: T): Promise<BeadOf<T>[]> => {
    log ??= await o.readLog();
    const out: Bead[] = [];
    for await (const e of log.readAll()) if (e.kind === 'bead' && e.bead.bead_type === type) out.push(e.bead);
    return out as unknown as BeadOf<T>[];
  };
  const cli = (args: string[]) => runPhoenix(args, env, 30_000);
  const desk: FailClosedDesk = {
    sim,
    bot,
    env,
    host,
    dashboardUrl,
    cli,
    async readyIntent(id) {
      await sim.control('set-price', { pair: 'EURUSD', price: 1.085 });
      const args = ['mock-cse', '--signal', 'READY', '--pair', 'EURUSD', '--confidence', '0.85', '--entry', '1.0850', '--stop', '1.0820', '--target', '1.0910', '--setup-type', 'FVG_ENTRY', '--intent-id', id];
      const made = await cli(args);
      if (made.code !== 0) throw new Error(`mock-cse ${id} failed (${made.code}): ${made.stderr}`);
      await desk.waitForBead('APPROVAL', (b) => b.data.intent_id === id && b.data.event === 'EVIDENCE_SHOWN', `the evidence for ${id}`);
    },
    approve: (id) => cli(['approve', id, '--yes', '--as', 'alice']),
    beads,
    waitForBead: (type, match, what, timeoutMs = 20_000) => until(async () => (await beads(type)).find(match), what, timeoutMs),
    waitForMessage: (pattern, what, timeoutMs = 20_000) => until(() => bot.messages.find((m) => pattern.test(m.text)), what, timeoutMs),
    async simOrders(id) {
      return (await sim.state()).orders.filter((x) => x.orderRef.startsWith(`${id}-`)).map((x) => x.orderRef);
    },
    async close() {
      if (host.child.exitCode === null) host.child.kill('SIGKILL');
      await host.done;
      await log?.close();
      await bot.close();
      await sim.stop();
    },
  };
  return desk;
}
