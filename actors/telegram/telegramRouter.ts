import type { Clock } from '../../runtime/clock.ts';
import type { Logger } from '../../runtime/logger.ts';
import { ConfirmationBook, CONFIRM_ACTION, type ConfirmSpec } from './telegramConfirm.ts';
import type { TelegramChat } from './telegramChat.ts';
import type {
  CallbackContext,
  CallbackHandler,
  CallbackOutcome,
  CommandContext,
  CommandHandler,
  SecurityRecorder,
  Who,
} from './telegramRouterTypes.ts';
import type { TelegramCallbackQuery, TelegramUpdate, TelegramUser } from './telegramUpdates.ts';

export interface RouterOptions {
  chat: TelegramChat;
  /** The one chat Phoenix obeys. */
  chatId: string;
  /** The users Phoenix obeys in that chat; empty means nobody (fail closed). */
  allowedUserIds: readonly string[];
  recordRefusal: SecurityRecorder;
  clock: Clock;
  logger: Logger;
  /** A button on a message older than this is refused as stale, whatever its handler would say. */
  callbackMaxAgeMs?: number;
}

const COMMAND = /^\/([A-Za-z0-9_]{1,32})(?:@\w+)?(?:\s+([\s\S]*))?$/;
const DEFAULT_CALLBACK_MAX_AGE_MS = 24 * 3_600_000;

/**
 * Inbound Telegram: authorisation, then dispatch to the handlers the host
 * registers (/status, /halt, APPROVE…). An update from any other chat or user
 * does nothing except leave a SECURITY bead; no reply tells a stranger the bot
 * is listening.
 */
export class TelegramRouter {
  private readonly commands = new Map<string, { handler: CommandHandler; summary: string }>();
  private readonly callbacks = new Map<string, CallbackHandler>();
  private readonly confirmations: ConfirmationBook;
  private readonly allowed: ReadonlySet<string>;

  constructor(private readonly options: RouterOptions) {
    this.allowed = new Set(options.allowedUserIds);
    this.confirmations = new ConfirmationBook(options.clock);
    this.callbacks.set(CONFIRM_ACTION, (ctx) => this.confirmations.handle(ctx));
    this.command('help', (ctx) => ctx.reply(this.helpText()).then(() => undefined), 'this list');
    if (this.allowed.size === 0) {
      options.logger.warn('TELEGRAM_ALLOWED_USER_IDS is empty: no Telegram command or button will be obeyed');
    }
  }

  /** Registers `/name`. A later registration of the same name replaces the earlier one. */
  command(name: string, handler: CommandHandler, summary = ''): this {
    this.commands.set(normalise(name), { handler, summary });
    return this;
  }

  /** Registers `/name` as a two-step command: it asks, and a Confirm button runs it (once). */
  confirmedCommand(name: string, spec: ConfirmSpec, summary = ''): this {
    return this.command(name, (ctx) => this.confirmations.open(ctx, spec), summary);
  }

  /** Registers the handler for buttons whose data is `ACTION:payload`. */
  callback(action: string, handler: CallbackHandler): this {
    if (!/^[A-Z_]{1,16}$/.test(action)) throw new Error(`callback action must be A-Z or _, up to 16: ${action}`);
    if (action === CONFIRM_ACTION) throw new Error(`${CONFIRM_ACTION} is reserved for confirmations`);
    this.callbacks.set(action, handler);
    return this;
  }

  async handle(update: TelegramUpdate): Promise<void> {
    if (update.callback_query) return this.handleCallback(update.update_id, update.callback_query);
    const message = update.message;
    if (!message?.text) return;
    const who = whoOf(message.from);
    const refusal = this.refusalFor(String(message.chat.id), message.from);
    if (refusal) {
      return this.refuse(update.update_id, who.label, refusal, `chat ${message.chat.id}: ${message.text}`);
    }
    const match = COMMAND.exec(message.text.trim());
    if (!match) return;
    const name = normalise(match[1]!);
    const entry = this.commands.get(name);
    const ctx: CommandContext = {
      command: name,
      args: (match[2] ?? '').trim(),
      who,
      chatId: this.options.chatId,
      messageId: message.message_id,
      reply: (text, buttons) => this.options.chat.sendMessage(text, buttons ? { buttons } : {}),
    };
    if (!entry) {
      await ctx.reply(`Unknown command /${name}.\n${this.helpText()}`);
      return;
    }
    this.options.logger.info({ command: name, who: who.label }, 'Telegram command');
    try {
      await entry.handler(ctx);
    } catch (err) {
      this.options.logger.error({ command: name, error: (err as Error).message }, 'Telegram command failed');
      await ctx.reply(`/${name} failed: ${(err as Error).message}`).catch(() => undefined);
    }
  }

  private async handleCallback(updateId: number, query: TelegramCallbackQuery): Promise<void> {
    const who = whoOf(query.from);
    const chatId = query.message ? String(query.message.chat.id) : '(none)';
    const refusal = this.refusalFor(chatId, query.from);
    if (refusal) return this.refuse(updateId, who.label, refusal, `button ${query.data ?? ''} in chat ${chatId}`);
    const data = query.data ?? '';
    const colon = data.indexOf(':');
    const action = colon < 0 ? data : data.slice(0, colon);
    const ctx: CallbackContext = {
      action,
      payload: colon < 0 ? '' : data.slice(colon + 1),
      who,
      chatId,
      callbackQueryId: query.id,
      messageId: query.message!.message_id,
      ...(query.message?.text !== undefined ? { messageText: query.message.text } : {}),
    };
    const outcome = await this.decide(ctx, query.message?.date);
    this.options.logger.info({ action, who: who.label, refused: 'refuse' in outcome }, 'Telegram button');
    const chat = this.options.chat;
    if ('refuse' in outcome) {
      await chat.answerCallbackQuery(query.id, outcome.refuse, { alert: true });
      return;
    }
    await chat.answerCallbackQuery(query.id, outcome.answer);
    if (outcome.edit) {
      await chat.editMessageText(ctx.messageId, outcome.edit.text, outcome.edit.buttons ? { buttons: outcome.edit.buttons } : {});
    }
  }

  private async decide(ctx: CallbackContext, messageDate: number | undefined): Promise<CallbackOutcome> {
    const handler = this.callbacks.get(ctx.action);
    if (!handler) return { refuse: 'This button is no longer valid.' };
    const maxAge = this.options.callbackMaxAgeMs ?? DEFAULT_CALLBACK_MAX_AGE_MS;
    if (messageDate && this.options.clock.now() - messageDate * 1000 > maxAge) {
      return { refuse: 'This button is too old to act on. Ask again.' };
    }
    try {
      return await handler(ctx);
    } catch (err) {
      this.options.logger.error({ action: ctx.action, error: (err as Error).message }, 'Telegram button handler failed');
      return { refuse: `Failed: ${(err as Error).message}` };
    }
  }

  private refusalFor(chatId: string, from: TelegramUser | undefined): string | undefined {
    if (chatId !== this.options.chatId) return 'not the configured chat';
    if (!from || !this.allowed.has(String(from.id))) return 'user not in TELEGRAM_ALLOWED_USER_IDS';
    return undefined;
  }

  private async refuse(updateId: number, who: string, why: string, detail: string): Promise<void> {
    this.options.logger.warn({ who, why, update_id: updateId }, 'refused a Telegram update');
    await this.options.recordRefusal({ who, why, detail: detail.slice(0, 200), updateId });
  }

  private helpText(): string {
    const lines = [...this.commands].map(([name, c]) => `/${name}${c.summary ? ` — ${c.summary}` : ''}`);
    return `Commands:\n${lines.join('\n')}`;
  }
}

function normalise(name: string): string {
  return name.replace(/^\//, '').toLowerCase();
}

function whoOf(user: TelegramUser | undefined): Who {
  if (!user) return { userId: '(unknown)', label: 'telegram:(unknown)' };
  const username = user.username;
  return {
    userId: String(user.id),
    ...(username ? { username } : {}),
    label: `telegram:${user.id}${username ? ` (@${username})` : ''}`,
  };
}
