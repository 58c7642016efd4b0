/**
 * A real @stoqey/ib `IBApi` client that records every event, for tests that
 * talk to the gateway simulator. Waits poll the recorded events, so a test
 * states what it expects to see and how long it is willing to wait, never a
 * fixed sleep.
 *
 *   const client = await IbTestClient.connect({ port, clientId: 7 });
 *   client.ib.reqCurrentTime();
 *   const [time] = await client.waitFor(EventName.currentTime);
 *   expect(client.protocolErrors()).toEqual([]);
 *   await client.disconnect();
 */
import { EventName, IBApi } from '@stoqey/ib';

export interface RecordedEvent {
  name: string;
  args: unknown[];
}

export interface ErrorEvent {
  message: string;
  code: number;
  reqId: number;
}

export interface IbTestClientOptions {
  port: number;
  clientId: number;
  /** The library throttles to 40 messages/s by default; pacing tests raise it. */
  maxReqPerSec?: number;
}

/** Polls `check` until it returns something other than undefined or false. */
export async function waitUntil<T>(
  check: () => T | undefined | false,
  what: string,
  timeoutMs = 5_000,
  intervalMs = 10,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

const IGNORED = new Set<string>([EventName.received, EventName.sent, EventName.result, EventName.all]);

export class IbTestClient {
  readonly ib: IBApi;
  readonly events: RecordedEvent[] = [];

  private constructor(readonly options: IbTestClientOptions) {
    this.ib = new IBApi({ host: '127.0.0.1', port: options.port, maxReqPerSec: options.maxReqPerSec ?? 40 });
    this.ib.on(EventName.all, (name: string, args: unknown[]) => {
      if (!IGNORED.has(name)) this.events.push({ name, args });
    });
  }

  /** Starts connecting and returns at once; use `waitFor` for what should follow. */
  static open(options: IbTestClientOptions): IbTestClient {
    const client = new IbTestClient(options);
    client.ib.connect(options.clientId);
    return client;
  }

  /** Connects and waits for nextValidId, which is when the library starts sending requests. */
  static async connect(options: IbTestClientOptions, timeoutMs = 5_000): Promise<IbTestClient> {
    const client = IbTestClient.open(options);
    try {
      await client.waitFor(EventName.nextValidId, undefined, { timeoutMs });
    } catch (error) {
      client.ib.disconnect();
      throw error;
    }
    return client;
  }

  /** The number of events so far: pass it as `since` to wait only for later ones. */
  mark(): number {
    return this.events.length;
  }

  argsOf(name: string, since = 0): unknown[][] {
    return this.events
      .slice(since)
      .filter((e) => e.name === name)
      .map((e) => e.args);
  }

  async waitFor(
    name: string,
    match?: (args: unknown[]) => boolean,
    options: { since?: number; timeoutMs?: number } = {},
  ): Promise<unknown[]> {
    const since = options.since ?? 0;
    return waitUntil(
      () => this.argsOf(name, since).find((args) => !match || match(args)),
      `event ${name}`,
      options.timeoutMs ?? 5_000,
    );
  }

  /** Error events: those the gateway sent about a request, and the library's own. */
  errors(since = 0): ErrorEvent[] {
    return this.argsOf(EventName.error, since).map(([error, code, reqId]) => ({
      message: error instanceof Error ? error.message : String(error),
      code: Number(code),
      reqId: Number(reqId),
    }));
  }

  /** Messages with id -1 (farm status, 326, 100) arrive as info, not error. */
  infos(since = 0): Array<{ message: string; code: number }> {
    return this.argsOf(EventName.info, since).map(([message, code]) => ({
      message: String(message),
      code: Number(code),
    }));
  }

  /** The library's complaints about what it received: underruns, leftover fields, unknown ids. */
  protocolErrors(): ErrorEvent[] {
    return this.errors().filter(
      (e) => e.code === 505 || e.code === 508 || /underrun|unprocessed|decoding|no parser/i.test(e.message),
    );
  }

  get connected(): boolean {
    return this.ib.isConnected;
  }

  /** Disconnects and waits until the library has noticed. */
  async disconnect(): Promise<void> {
    if (!this.ib.isConnected) {
      this.ib.disconnect();
      return;
    }
    const since = this.mark();
    this.ib.disconnect();
    await this.waitFor(EventName.disconnected, undefined, { since, timeoutMs: 2_000 }).catch(() => undefined);
  }
}
