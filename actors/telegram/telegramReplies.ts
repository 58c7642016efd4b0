import type { Clock } from '../../runtime/clock.ts';
import type { Logger } from '../../runtime/logger.ts';
import type { Timers } from '../../runtime/timers.ts';
import { DeliveryError } from '../notify/transport.ts';
import type { ButtonRows, TelegramChat } from './telegramChat.ts';

/**
 * How replies to the operator (command answers, confirm questions, button
 * toasts and the outcomes edited in) are delivered. Each request has its own
 * deadline, so one that hangs is given up and tried again instead of holding
 * its command for the client's minute-long backstop; failures are retried
 * like alerts are, with backoff, and a 429's retry_after is honoured. Times
 * run on the injected timers and clock (time-scaled in tests).
 */
export interface ReplyPolicy {
  /** One request that has not answered by then is abandoned and counts as failed. */
  deadlineMs: number;
  /** No new attempt starts after this long since the first: a reply that late is no use to anyone. */
  budgetMs: number;
  backoffBaseMs: number;
  backoffMaxMs: number;
}

export const DEFAULT_REPLY_POLICY: ReplyPolicy = { deadlineMs: 5_000, budgetMs: 60_000, backoffBaseMs: 1_000, backoffMaxMs: 10_000 };

/**
 * A TelegramChat that retries. The alert transport does not use it: the
 * notifier owns the retry of alerts (and records each attempt as a bead);
 * this is for what the router sends back to a person. A retry after a
 * deadline may repeat a reply Telegram did take; for an answer to /status
 * that beats silence.
 */
export class RetryingChat implements TelegramChat {
  private readonly policy: ReplyPolicy;

  constructor(
    private readonly inner: TelegramChat,
    private readonly time: { clock: Clock; timers: Timers },
    private readonly logger: Logger,
    policy: Partial<ReplyPolicy> = {},
  ) {
    this.policy = { ...DEFAULT_REPLY_POLICY, ...policy };
  }

  sendMessage(text: string, options: { buttons?: ButtonRows } = {}): Promise<{ messageId: number }> {
    return this.retry('sendMessage', (signal) => this.inner.sendMessage(text, { ...options, signal }));
  }

  editMessageText(messageId: number, text: string, options: { buttons?: ButtonRows } = {}): Promise<void> {
    return this.retry('editMessageText', (signal) => this.inner.editMessageText(messageId, text, { ...options, signal }));
  }

  answerCallbackQuery(callbackQueryId: string, text?: string, options: { alert?: boolean } = {}): Promise<void> {
    return this.retry('answerCallbackQuery', (signal) => this.inner.answerCallbackQuery(callbackQueryId, text, { ...options, signal }));
  }

  private async retry<T>(method: string, call: (signal: AbortSignal) => Promise<T>): Promise<T> {
    const { clock } = this.time;
    const started = clock.now();
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.withDeadline(call);
      } catch (err) {
        const failure = err instanceof DeliveryError ? err : new DeliveryError(err instanceof Error ? err.message : String(err));
        const waitMs = failure.retryAfterMs ?? Math.min(this.policy.backoffBaseMs * 2 ** (attempt - 1), this.policy.backoffMaxMs);
        const spent = clock.now() - started;
        if (failure.permanent || spent + waitMs > this.policy.budgetMs) {
          this.logger.warn({ method, attempt, error: failure.message }, 'Telegram reply not delivered; giving up');
          throw failure;
        }
        this.logger.warn({ method, attempt, error: failure.message, retry_in_ms: waitMs }, 'Telegram reply failed; retrying');
        await new Promise<void>((resolve) => this.time.timers.set(waitMs, resolve));
      }
    }
  }

  private async withDeadline<T>(call: (signal: AbortSignal) => Promise<T>): Promise<T> {
    const controller = new AbortController();
    const { deadlineMs } = this.policy;
    const expired = new DeliveryError(`no answer within ${deadlineMs / 1000} s`);
    // Raced, not only signalled: a request that ignored the abort must still not hold the reply.
    let giveUp: (err: DeliveryError) => void = () => undefined;
    const deadline = new Promise<never>((_, reject) => {
      giveUp = reject;
    });
    const cancel = this.time.timers.set(deadlineMs, () => {
      controller.abort(expired);
      giveUp(expired);
    });
    const request = call(controller.signal);
    request.catch(() => undefined);
    try {
      return await Promise.race([request, deadline]);
    } catch (err) {
      // Our own abort says more than whatever the client made of it.
      throw controller.signal.aborted ? expired : err;
    } finally {
      cancel();
    }
  }
}
