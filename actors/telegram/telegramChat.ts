import type { Api } from 'node-telegram-bot-api';
import { z } from 'zod';
import { describeTelegramFailure } from './telegramApi.ts';
import { fitAnswer, fitMessage, splitMessage } from './telegramText.ts';
import type { Transport } from '../notify/transport.ts';

/** One inline button; `data` comes back in the callback query (Telegram allows 64 bytes). */
export interface InlineButton {
  text: string;
  data: string;
}

/** Rows of buttons, as Telegram lays them out. */
export type ButtonRows = InlineButton[][];

/**
 * The outbound side of the configured chat: what the router, the approval
 * flow and the alert transport use. Errors come out as DeliveryError, token-free.
 * Every text is fitted to the Bot API's limits on the way out (telegramText.ts).
 */
export interface TelegramChat {
  /** A text over 4096 characters goes as several messages (cut instead when it carries buttons); resolves with the first. */
  sendMessage(text: string, options?: { buttons?: ButtonRows; signal?: AbortSignal }): Promise<{ messageId: number }>;
  /** Replaces a message's text; buttons omitted means the buttons are removed. */
  editMessageText(messageId: number, text: string, options?: { buttons?: ButtonRows; signal?: AbortSignal }): Promise<void>;
  answerCallbackQuery(callbackQueryId: string, text?: string, options?: { alert?: boolean; signal?: AbortSignal }): Promise<void>;
}

const MAX_CALLBACK_DATA_BYTES = 64;

/** The part of a sent Message we read; the client hands the answer over unparsed. */
const SentMessage = z.object({ message_id: z.number().int() });

export class TelegramChatClient implements TelegramChat {
  constructor(
    private readonly api: Api,
    private readonly chatId: string,
    private readonly token: string,
  ) {}

  async sendMessage(text: string, options: { buttons?: ButtonRows; signal?: AbortSignal } = {}): Promise<{ messageId: number }> {
    // Buttons belong to one message, so a text that carries them is cut; any other is split.
    const parts = options.buttons ? [fitMessage(text)] : splitMessage(text);
    let first: number | undefined;
    for (const [i, part] of parts.entries()) {
      const markup = options.buttons && i === 0 ? { reply_markup: inlineKeyboard(options.buttons) } : {};
      try {
        const answer = SentMessage.safeParse(await this.api.sendMessage({ chat_id: this.chatId, text: part, ...markup }, options.signal));
        // ok:true means Telegram took it; an odd answer must not turn a delivered message into a retried one.
        first ??= answer.success ? answer.data.message_id : 0;
      } catch (err) {
        throw describeTelegramFailure(err, this.token);
      }
    }
    return { messageId: first ?? 0 };
  }

  async editMessageText(messageId: number, text: string, options: { buttons?: ButtonRows; signal?: AbortSignal } = {}): Promise<void> {
    try {
      await this.api.editMessageText(
        { chat_id: this.chatId, message_id: messageId, text: fitMessage(text), reply_markup: inlineKeyboard(options.buttons ?? []) },
        options.signal,
      );
    } catch (err) {
      throw describeTelegramFailure(err, this.token);
    }
  }

  async answerCallbackQuery(callbackQueryId: string, text?: string, options: { alert?: boolean; signal?: AbortSignal } = {}): Promise<void> {
    try {
      await this.api.answerCallbackQuery(
        {
          callback_query_id: callbackQueryId,
          ...(text !== undefined ? { text: fitAnswer(text) } : {}),
          ...(options.alert ? { show_alert: true } : {}),
        },
        options.signal,
      );
    } catch (err) {
      throw describeTelegramFailure(err, this.token);
    }
  }
}

function inlineKeyboard(rows: ButtonRows) {
  for (const button of rows.flat()) {
    // A programmer error: Telegram would refuse the whole message.
    if (Buffer.byteLength(button.data) > MAX_CALLBACK_DATA_BYTES) {
      throw new Error(`callback data over ${MAX_CALLBACK_DATA_BYTES} bytes: ${button.data}`);
    }
  }
  return { inline_keyboard: rows.map((row) => row.map((b) => ({ text: b.text, callback_data: b.data }))) };
}

/** The alert transport over the configured chat: plain text, one message per call. */
export class TelegramTransport implements Transport {
  readonly name = 'telegram';

  constructor(private readonly chat: TelegramChat) {}

  async send(text: string, signal: AbortSignal, buttons?: ButtonRows): Promise<string> {
    const { messageId } = await this.chat.sendMessage(text, { signal, ...(buttons ? { buttons } : {}) });
    return messageId === 0 ? 'unknown' : String(messageId);
  }
}
