import type { Api } from 'node-telegram-bot-api';
import { z } from 'zod';
import type { Logger } from '../../runtime/logger.ts';
import { describeTelegramFailure } from './telegramApi.ts';
import { describeUpdateProblems, type TelegramUpdate, UpdateSchema, updateIdOf } from './telegramUpdates.ts';
import type { Timers } from '../../runtime/timers.ts';

export interface PollerOptions {
  api: Api;
  /** Only for scrubbing error text. */
  token: string;
  timers: Timers;
  logger: Logger;
  onUpdate: (update: TelegramUpdate) => Promise<void>;
  /** Server-side long-poll wait, in seconds. */
  pollTimeoutS?: number;
  backoffBaseMs?: number;
  backoffMaxMs?: number;
}

const RawUpdates = z.array(z.unknown());

/** Updates being handled at once; past this, polling waits for one to finish (a flood must not grow without bound). */
const MAX_IN_FLIGHT = 16;

/**
 * Long polling of getUpdates, our own loop rather than the library's so that
 * we control three things: pending updates are dropped before anything is
 * obeyed (a stale /halt or APPROVE must never fire after a restart), every
 * update is parsed with zod (a bad one is logged and skipped, never a crash),
 * and backoff runs on the injected timers. Updates are handled side by side.
 */
export class TelegramPoller {
  private readonly controller = new AbortController();
  private loop: Promise<void> | undefined;
  private offset: number | undefined;
  private fetchFailures = 0;
  private readonly inFlight = new Set<Promise<void>>();
  private markReady: () => void = () => undefined;
  /** Resolves once pending updates have been dropped and live polling has begun. */
  readonly ready: Promise<void> = new Promise((resolve) => {
    this.markReady = resolve;
  });

  constructor(private readonly options: PollerOptions) {}

  start(): void {
    this.loop ??= this.run();
  }

  async stop(): Promise<void> {
    this.controller.abort();
    await this.loop;
    await Promise.all(this.inFlight);
  }

  private get stopped(): boolean {
    return this.controller.signal.aborted;
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (!this.stopped && !(await this.dropPending())) {
      failures += 1;
      await this.pause(this.backoff(failures));
    }
    this.markReady();
    while (!this.stopped) {
      for (const raw of await this.fetch()) await this.dispatch(raw);
    }
  }

  /**
   * Each update is handled on its own, not after the one before it: a reply
   * stuck at the Bot API holds up its own command only, never the next
   * /status or a button press, and never the polling itself.
   */
  private async dispatch(raw: unknown): Promise<void> {
    while (this.inFlight.size >= MAX_IN_FLIGHT) await Promise.race(this.inFlight);
    const handling = this.handle(raw).finally(() => this.inFlight.delete(handling));
    this.inFlight.add(handling);
  }

  /** Telegram: a negative offset returns the newest update and forgets everything before it; we skip that one too. */
  private async dropPending(): Promise<boolean> {
    try {
      const raw = RawUpdates.parse(await this.options.api.getUpdates({ offset: -1, timeout: 0 }, this.controller.signal));
      const last = raw.map(updateIdOf).filter((id) => id !== undefined).at(-1);
      if (last !== undefined) this.offset = last + 1;
      this.options.logger.info({ dropped_through: last ?? null }, 'Telegram polling started; pending updates dropped');
      return true;
    } catch (err) {
      if (!this.stopped) this.logFailure(err, 'could not drop pending Telegram updates; retrying');
      return false;
    }
  }

  private async fetch(): Promise<unknown[]> {
    let retryAfterMs: number | undefined;
    try {
      const raw = await this.options.api.getUpdates(
        {
          ...(this.offset !== undefined ? { offset: this.offset } : {}),
          timeout: this.options.pollTimeoutS ?? 30,
          allowed_updates: ['message', 'callback_query'],
        },
        this.controller.signal,
      );
      const list = RawUpdates.safeParse(raw);
      if (list.success) {
        this.fetchFailures = 0;
        return list.data;
      }
      this.options.logger.warn('Telegram getUpdates answered something other than a list; ignoring it');
    } catch (err) {
      if (this.stopped) return [];
      retryAfterMs = this.logFailure(err, 'Telegram getUpdates failed; backing off').retryAfterMs;
    }
    this.fetchFailures += 1;
    await this.pause(retryAfterMs ?? this.backoff(this.fetchFailures));
    return [];
  }

  private async handle(raw: unknown): Promise<void> {
    const id = updateIdOf(raw);
    if (id !== undefined) this.offset = Math.max(this.offset ?? 0, id + 1);
    const parsed = UpdateSchema.safeParse(raw);
    if (!parsed.success) {
      this.options.logger.warn({ update_id: id ?? null, problems: describeUpdateProblems(parsed.error) }, 'ignored a malformed Telegram update');
      return;
    }
    try {
      await this.options.onUpdate(parsed.data);
    } catch (err) {
      this.options.logger.error({ update_id: id, error: describeTelegramFailure(err, this.options.token).message }, 'Telegram update handler failed');
    }
  }

  private backoff(failures: number): number {
    const base = this.options.backoffBaseMs ?? 1_000;
    return Math.min(base * 2 ** Math.max(0, failures - 1), this.options.backoffMaxMs ?? 60_000);
  }

  private logFailure(err: unknown, what: string) {
    const failure = describeTelegramFailure(err, this.options.token);
    this.options.logger.warn({ error: failure.message }, what);
    return failure;
  }

  private pause(ms: number): Promise<void> {
    const signal = this.controller.signal;
    return new Promise((resolve) => {
      if (signal.aborted) return resolve();
      const onAbort = () => {
        cancel();
        resolve();
      };
      const cancel = this.options.timers.set(ms, () => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      });
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }
}
