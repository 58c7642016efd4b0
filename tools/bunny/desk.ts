/**
 * One vector's scratch desk: its own PHOENIX_HOME, the gateway simulator and
 * the Bot API stand-in as processes, `phoenix run` in paper mode against
 * them, the watchdog when the vector needs it, and the CLI commands a person
 * would type. The vector reads the scratch log read-only, as `phoenix
 * replay` does, and waits with deadlines, never a fixed sleep.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { ALERT_TYPE_NAMES, ALERT_TYPES } from '../../actors/notify/alertTypes.ts';
import { loadConfig } from '../../runtime/config/load.ts';
import type { Bead, BeadOf, BeadType } from '../../beads/index.ts';
import { openEventLog } from '../../store/open.ts';
import type { EventLog } from '../../store/port.ts';
import { defaultLogPath } from '../../store/sqlite.ts';
import type { Command, CommandIo } from '../command.ts';
import { Missing } from './judge.ts';
import { GatewaySim, TelegramSim } from './standIns.ts';
import { childEnv, ProcessFailure, ROOT, spawnTool, type ToolProcess } from './toolProcess.ts';

export const ACCOUNT = 'DU123456';
export const CHAT_ID = '4242';
export const HOST_ID = 'bunny-host';

export interface DeskOptions {
  /** TIME_SCALE of every Phoenix process on the desk. */
  timeScale: number;
  /** More configuration for the host (and watchdog, CLI): a vector's own settings. */
  env?: Record<string, string>;
  sim?: { account?: string; nextValidId?: number; serverVersion?: number };
}

export interface Entry {
  position: number;
  bead: Bead;
}

export interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

export class ScratchDesk {
  host: ToolProcess | undefined;
  watchdog: ToolProcess | undefined;
  /** The scratch log's RAISED alerts by type, counted as the desk closes (undefined when the log could not be read). */
  alertsRaised: Record<string, number> | undefined;
  private reader: EventLog | undefined;
  private readonly procs: ToolProcess[] = [];

  private constructor(
    readonly home: string,
    readonly sim: GatewaySim,
    readonly tg: TelegramSim,
    readonly env: Record<string, string>,
  ) {}

  static async open(home: string, o: DeskOptions): Promise<ScratchDesk> {
    mkdirSync(home, { recursive: true });
    const token = `424242:${randomBytes(18).toString('base64url')}`;
    const account = o.sim?.account ?? ACCOUNT;
    const [sim, tg] = await Promise.all([
      GatewaySim.start({ account, stateFile: join(home, 'gateway-sim.json'), ...o.sim }),
      TelegramSim.start(token),
    ]);
    const env: Record<string, string> = {
      PHOENIX_HOME: home,
      PHOENIX_HOST_ID: HOST_ID,
      PHOENIX_OPERATOR: 'bunny',
      IBKR_MODE: 'paper',
      IBKR_ACCOUNT: account,
      IBKR_PORT: String(sim.port),
      IBKR_PAPER_PORT: String(sim.port),
      IBKR_LIVE_PORT: String(sim.port === 4001 ? 4003 : 4001),
      IBKR_CLIENT_ID: '7',
      TIME_SCALE: String(o.timeScale),
      APPROVAL_TOKEN_SECRET: randomBytes(32).toString('hex'),
      TELEGRAM_BOT_TOKEN: token,
      TELEGRAM_CHAT_ID: CHAT_ID,
      TELEGRAM_ALLOWED_USER_IDS: CHAT_ID,
      TELEGRAM_API_ROOT: tg.apiRoot,
      DASHBOARD_PORT: '0',
      LOG_LEVEL: 'warn',
      LOG_FORMAT: 'json',
      ...o.env,
    };
    return new ScratchDesk(home, sim, tg, env);
  }

  /** `phoenix run` on the desk; resolves once its HOST STARTED bead is in the log (and, by default, its paper CONNECT). */
  async startHost(o: { env?: Record<string, string>; until?: 'connected' | 'started'; timeoutMs?: number; withWatchdog?: boolean } = {}): Promise<ToolProcess> {
    const before = await this.tail();
    const { proc } = await spawnTool('phoenix run', { phoenix: ['run'] }, { env: childEnv({ ...this.env, ...o.env }), logDir: join(this.home, 'logs') });
    this.procs.push(proc);
    this.host = proc;
    const timeoutMs = o.timeoutMs ?? 30_000;
    const started = await this.waitFor('HOST', (b) => b.data.event === 'STARTED' && b.data.pid === proc.pid, 'the host’s HOST STARTED bead', timeoutMs, { after: before });
    // The watchdog starts once the host is on record, while the host connects: it needs the log to exist, not the gateway.
    const watchdog = o.withWatchdog ? this.startWatchdog() : undefined;
    watchdog?.catch(() => undefined);
    if ((o.until ?? 'connected') === 'connected') {
      await this.waitFor('IBKR_SESSION', (b) => b.data.event === 'CONNECT', 'the host’s IBKR_SESSION CONNECT to the simulator', timeoutMs, { after: started.position });
    }
    await watchdog;
    return proc;
  }

  /** `phoenix watchdog` beside the host, on the same log; ready once it says what it watches. */
  async startWatchdog(): Promise<ToolProcess> {
    const { proc } = await spawnTool('phoenix watchdog', { phoenix: ['watchdog'] }, { env: childEnv(this.env), firstLine: /watching host/, logDir: join(this.home, 'logs') });
    this.procs.push(proc);
    this.watchdog = proc;
    return proc;
  }

  /** Runs a CLI command in this process, as a person at the desk would type it. */
  async cli(command: Command, argv: string[]): Promise<Ran> {
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    let out = '';
    let err = '';
    stdout.on('data', (d: Buffer) => (out += d.toString()));
    stderr.on('data', (d: Buffer) => (err += d.toString()));
    const io: CommandIo = { stdout, stderr, stdin: new PassThrough(), env: { ...this.env, USER: 'bunny' }, cwd: ROOT, signal: new AbortController().signal };
    const code = await command.run(argv, io).catch((e: Error) => {
      err += e.message;
      return 2;
    });
    return { code, stdout: out, stderr: err };
  }

  /** The scratch log, read-only; undefined until a host has created it (a reader must never create it). */
  private async log(): Promise<EventLog | undefined> {
    if (this.reader) return this.reader;
    if (!this.env.EVENTSTORE_CONNECTION_STRING && !existsSync(defaultLogPath(this.env.PHOENIX_HOME ?? this.home))) return undefined;
    try {
      this.reader = await openEventLog(loadConfig(this.env, ROOT), { readonly: true });
    } catch (err) {
      // The host is creating it this very moment: its schema is not written yet.
      if (/log schema 0\b/.test((err as Error).message)) return undefined;
      throw err;
    }
    return this.reader;
  }

  /** Every bead of the scratch log with its position, read as `phoenix replay` reads it. */
  async entries(): Promise<Entry[]> {
    const out: Entry[] = [];
    const log = await this.log();
    if (!log) return out;
    for await (const e of log.readAll()) if (e.kind === 'bead') out.push({ position: e.position, bead: e.bead });
    return out;
  }

  /** The beads of one type after a position, each with its own position. */
  async beads<T extends BeadType>(type: T, after = -1): Promise<(BeadOf<T> & { position: number })[]> {
    return (await this.entries()).filter((e) => e.position > after && e.bead.bead_type === type).map((e) => Object.assign(e.bead as BeadOf<T>, { position: e.position }));
  }

  async tail(): Promise<number> {
    return (await this.entries()).at(-1)?.position ?? -1;
  }

  /** The first bead of `type` after `after` that matches, with its position; Missing at the deadline. */
  async waitFor<T extends BeadType>(type: T, match: (b: BeadOf<T>) => boolean, what: string, timeoutMs = 20_000, o: { after?: number } = {}): Promise<BeadOf<T> & { position: number }> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const hit = (await this.entries()).find((e) => e.position > (o.after ?? -1) && e.bead.bead_type === type && match(e.bead as BeadOf<T>));
      if (hit) return Object.assign(hit.bead as BeadOf<T>, { position: hit.position });
      this.hostStillUp(what);
      this.stillOpen(what);
      if (Date.now() > deadline) throw missing(what, timeoutMs);
      await sleep(50);
    }
  }

  /** Polls any condition with a deadline; Missing names what never came. */
  async until<T>(check: () => Promise<T | undefined>, what: string, timeoutMs = 20_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = await check();
      if (found !== undefined) return found;
      this.stillOpen(what);
      if (Date.now() > deadline) throw missing(what, timeoutMs);
      await sleep(50);
    }
  }

  /** A host that died on its own while bunny waited is the answer, not a timeout. */
  private hostStillUp(what: string): void {
    const h = this.host;
    if (h?.exited && !this.stopped.has(h)) {
      throw new ProcessFailure(`phoenix run exited on its own while bunny waited for ${what}: ${h.whyStopped()}`);
    }
  }

  private readonly stopped = new Set<ToolProcess>();
  private closed = false;

  /** A vector cut off (its budget spent, or bunny interrupted) stops waiting at once rather than polling on. */
  private stillOpen(what: string): void {
    if (this.closed) throw new Missing(`${what}: the desk was closed before it came`);
  }

  /** Ends the host on purpose (SIGTERM for a clean stop, SIGKILL for a crash). */
  async stopHost(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    const h = this.host;
    if (!h) return;
    this.stopped.add(h);
    if (signal === 'SIGTERM') await h.stop();
    else await h.kill(signal);
  }

  /** Marks the host as meant to die by a signal sent elsewhere (SIGSTOP games, a kill bunny times itself). */
  expectHostExit(): void {
    if (this.host) this.stopped.add(this.host);
  }

  /** Every process down, the reader closed; the home stays for the runner to keep or remove. */
  private closing: Promise<void> | undefined;

  /** Closing twice closes once: the runner closes a desk on a cut-off vector, and again once the vector's own code has ended. */
  close(): Promise<void> {
    this.closing ??= this.closeOnce();
    return this.closing;
  }

  private async closeOnce(): Promise<void> {
    this.closed = true;
    for (const p of this.procs) this.stopped.add(p);
    // The verdict is in: a short grace for a clean stop, then SIGKILL (a scratch desk keeps nothing that needs it).
    await Promise.all(this.procs.map((p) => p.stop(1_000)));
    // What reached the phone, read before the stand-in goes: an alert raised from memory (the log down) has no bead.
    const phone = await this.tg.state().then((st) => st.messages.map((m) => m.text), () => [] as string[]);
    await Promise.all([this.sim.stop(), this.tg.stop()]);
    this.alertsRaised = await this.countRaised(phone).catch(() => undefined);
    await this.reader?.close().catch(() => undefined);
  }

  /**
   * Every process has stopped: the log's RAISED alerts by type, and any type
   * whose title reached the phone without a bead (raised from memory while
   * the log was down) counted once.
   */
  private async countRaised(phone: readonly string[]): Promise<Record<string, number>> {
    const out: Record<string, number> = {};
    for (const { bead } of await this.entries()) if (bead.bead_type === 'ALERT' && bead.data.event === 'RAISED') out[bead.data.alert_type] = (out[bead.data.alert_type] ?? 0) + 1;
    for (const type of ALERT_TYPE_NAMES) {
      const title = ALERT_TYPES[type].title;
      // A message of its own ("🔴 CRITICAL · <title> · host") or a line of a group ("• <title>: …").
      if (out[type] === undefined && phone.some((text) => text.includes(` · ${title} · `) || text.includes(`• ${title}:`))) out[type] = 1;
    }
    return out;
  }
}

/** "no CRITICAL message … within 8.0 s": what never came, without its article. */
const missing = (what: string, ms: number) => new Missing(`no ${what.replace(/^(a|an|the) /, '')} within ${(ms / 1000).toFixed(1)} s`);

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
