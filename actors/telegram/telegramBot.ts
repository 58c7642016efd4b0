import { streams } from '../../beads/index.ts';
import { BeadWriter } from '../../runtime/beadWriter.ts';
import type { EventLog } from '../../store/port.ts';
import type { Logger } from '../../runtime/logger.ts';
import type { AlertSource } from '../notify/outbox.ts';
import { SECURITY_BEADS_PER_MINUTE, SecurityThrottle } from './securityThrottle.ts';
import { createTelegramApi, type TelegramSettings } from './telegramApi.ts';
import { type TelegramChat, TelegramChatClient, TelegramTransport } from './telegramChat.ts';
import { TelegramPoller } from './telegramPoller.ts';
import { type ReplyPolicy, RetryingChat } from './telegramReplies.ts';
import { TelegramRouter } from './telegramRouter.ts';
import type { SecurityRecorder } from './telegramRouterTypes.ts';
import type { Timers } from '../../runtime/timers.ts';
import { LogTransport, type Transport } from '../notify/transport.ts';

export interface TelegramBotOptions {
  settings: TelegramSettings;
  log: EventLog;
  /** Identity and clock for SECURITY beads; the clock also times confirmations and stale buttons. */
  source: AlertSource;
  timers: Timers;
  logger: Logger;
  /** Server-side long-poll wait in seconds (30 in production; tests use 1). */
  pollTimeoutS?: number;
  /** Backstop for any one request; the alert notifier and the replies apply their own, shorter deadlines. */
  requestTimeoutMs?: number;
  /** Deadline and retries of replies to the operator (telegramReplies.ts). */
  replyPolicy?: Partial<ReplyPolicy>;
}

/**
 * The Telegram actor: one client, the configured chat, the alert transport over
 * it (the notifier retries alerts), and inbound polling through the router,
 * whose replies are retried with a deadline per request (RetryingChat). The host registers its commands
 * and buttons on `router` before `start()`.
 */
export class TelegramBot {
  readonly chat: TelegramChat;
  readonly transport: Transport;
  readonly router: TelegramRouter;
  private readonly poller: TelegramPoller;

  constructor(options: TelegramBotOptions) {
    const { settings } = options;
    const logger = options.logger.child({ actor: 'telegram' });
    const api = createTelegramApi(settings, options.requestTimeoutMs);
    this.chat = new TelegramChatClient(api, settings.chatId, settings.token);
    this.transport = new TelegramTransport(this.chat);
    const replies = new RetryingChat(this.chat, { clock: options.source.clock, timers: options.timers }, logger, options.replyPolicy);
    this.router = new TelegramRouter({
      chat: replies,
      chatId: settings.chatId,
      allowedUserIds: settings.allowedUserIds,
      recordRefusal: securityRecorder(options.log, options.source),
      clock: options.source.clock,
      logger,
    });
    this.poller = new TelegramPoller({
      api,
      token: settings.token,
      timers: options.timers,
      logger,
      onUpdate: (update) => this.router.handle(update),
      ...(options.pollTimeoutS !== undefined ? { pollTimeoutS: options.pollTimeoutS } : {}),
    });
  }

  /** Starts polling; resolves once pending updates are dropped and nothing stale can fire. */
  async start(): Promise<void> {
    this.poller.start();
    await this.poller.ready;
  }

  async stop(): Promise<void> {
    await this.poller.stop();
  }
}

/**
 * Every refused Telegram update becomes a SECURITY bead (S7.2, S14), up to
 * SECURITY_BEADS_PER_MINUTE; past that they are counted (securityThrottle.ts).
 */
export function securityRecorder(log: EventLog, source: AlertSource): SecurityRecorder {
  const throttle = new SecurityThrottle(source.clock);
  const writer = new BeadWriter({ ...source, log });
  return async (refusal) => {
    const admitted = throttle.admit();
    if (!admitted.record) return;
    const skipped = admitted.notRecordedBefore;
    const note = skipped > 0 ? `${skipped} earlier refusals were counted, not recorded one by one (more than ${SECURITY_BEADS_PER_MINUTE} a minute)` : undefined;
    const detail = [refusal.detail, note].filter((x) => x !== undefined).join('; ');
    await writer.append({
      bead_type: 'SECURITY',
      stream: streams.security,
      correlation_id: `telegram-update-${refusal.updateId}`,
      data: { who: refusal.who, channel: 'TELEGRAM', why: refusal.why, ...(detail ? { detail } : {}) },
    });
  };
}

/** Telegram when configured; otherwise the log, and a warning at start that nobody's phone will ring. */
export function alertTransportFor(bot: TelegramBot | undefined, logger: Logger): Transport {
  if (bot) return bot.transport;
  logger.warn('TELEGRAM_BOT_TOKEN or TELEGRAM_CHAT_ID not set: alerts go to the log and the dashboard only');
  return new LogTransport(logger.child({ actor: 'notify' }));
}
