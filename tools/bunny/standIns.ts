/**
 * The two stand-ins every vector runs against, each its own process: the
 * gateway simulator (the broker) and the Bot API stand-in (the operator's
 * phone). Their control channels inject the faults; their /state is
 * evidence.
 */
import type { SimSnapshot } from '../gateway-sim/simulatorSnapshot.ts';
import type { FailRequest, TelegramSimSnapshot } from '../telegram-sim/control.ts';
import { childEnv, type Exit, listeningLine, ProcessFailure, spawnTool, type ToolProcess } from './toolProcess.ts';

async function controlCall<T>(name: string, port: number, path: string, body?: object): Promise<T> {
  const response = await fetch(`http://127.0.0.1:${port}/${path}`, body === undefined ? {} : { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }).catch((err: Error) => {
    throw new ProcessFailure(`${name} control channel did not answer ${path}: ${err.message}`);
  });
  const reply = (await response.json()) as T & { ok: boolean; error?: string };
  if (!response.ok) throw new ProcessFailure(`${name} refused ${path} (${response.status}): ${reply.error}`);
  return reply;
}

export interface GatewaySimOptions {
  account: string;
  stateFile: string;
  serverVersion?: number;
  nextValidId?: number;
  /** Only on a respawn: the next order id even over the saved state (a rollback across a real restart). */
  forceNextValidId?: number;
}

export class GatewaySim {
  private constructor(
    private proc: ToolProcess,
    readonly port: number,
    readonly controlPort: number,
    private readonly options: GatewaySimOptions,
  ) {}

  static async start(options: GatewaySimOptions, ports: { port?: number; controlPort?: number } = {}): Promise<GatewaySim> {
    const args = ['--port', String(ports.port ?? 0), '--control-port', String(ports.controlPort ?? 0), '--account', options.account, '--tick-ms', '0', '--state-file', options.stateFile];
    args.push('--server-version', String(options.serverVersion ?? 193), '--next-valid-id', String(options.nextValidId ?? 1));
    if (options.forceNextValidId !== undefined) args.push('--force-next-valid-id', String(options.forceNextValidId));
    const { proc, line } = await spawnTool('gateway-sim', { main: 'tools/gateway-sim/main.ts', args }, { env: childEnv({}), firstLine: true });
    const at = listeningLine('gateway-sim', line);
    return new GatewaySim(proc, at.port, at.controlPort, options);
  }

  get pid(): number {
    return this.proc.pid;
  }

  get exited(): boolean {
    return this.proc.exited;
  }

  control<T = Record<string, unknown>>(command: string, body: object = {}): Promise<T> {
    return controlCall<T>('gateway-sim', this.controlPort, command, body);
  }

  state(): Promise<SimSnapshot> {
    return controlCall<SimSnapshot>('gateway-sim', this.controlPort, 'state');
  }

  kill(sig: NodeJS.Signals = 'SIGKILL'): Promise<Exit> {
    return this.proc.kill(sig);
  }

  /** A new process on the same ports and state file: the gateway back after a crash or an update. */
  async respawn(over: Partial<GatewaySimOptions> = {}): Promise<void> {
    await this.proc.kill();
    const next = await GatewaySim.start({ ...this.options, ...over }, { port: this.port, controlPort: this.controlPort });
    this.proc = next.proc;
  }

  async stop(): Promise<void> {
    await this.proc.stop();
  }
}

export class TelegramSim {
  private constructor(
    private readonly proc: ToolProcess,
    readonly port: number,
    readonly controlPort: number,
  ) {}

  static async start(token: string): Promise<TelegramSim> {
    const args = ['--port', '0', '--control-port', '0', '--token', token];
    const { proc, line } = await spawnTool('telegram-sim', { main: 'tools/telegram-sim/main.ts', args }, { env: childEnv({}), firstLine: true });
    const at = listeningLine('telegram-sim', line);
    return new TelegramSim(proc, at.port, at.controlPort);
  }

  get apiRoot(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  fail(request: FailRequest): Promise<unknown> {
    return controlCall('telegram-sim', this.controlPort, 'fail', request);
  }

  clear(): Promise<unknown> {
    return controlCall('telegram-sim', this.controlPort, 'clear', {});
  }

  state(): Promise<TelegramSimSnapshot> {
    return controlCall<TelegramSimSnapshot>('telegram-sim', this.controlPort, 'state');
  }

  /** The operator pressing a button of a message the bot sent. */
  pressButton(press: { chatId: string; userId: number; data: string; messageId: number }): Promise<{ callback_query_id: string }> {
    return controlCall('telegram-sim', this.controlPort, 'inject-callback', { ...press, chatId: Number(press.chatId) });
  }

  async stop(): Promise<void> {
    await this.proc.stop();
  }
}
