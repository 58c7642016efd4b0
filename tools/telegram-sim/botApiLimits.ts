import { z } from 'zod';

/**
 * The Bot API's limits, as api.telegram.org enforces them: a message text of
 * at most 4096 characters, callback_data of 1–64 bytes, an
 * answerCallbackQuery text of at most 200 characters, and a reply_markup that
 * is one of the four keyboard objects. A client that passes here would pass
 * there; the descriptions are Telegram's own.
 */

export const MAX_MESSAGE_TEXT = 4096;
export const MAX_CALLBACK_DATA_BYTES = 64;
export const MAX_CALLBACK_ANSWER_TEXT = 200;

export const TOO_LONG = 'Bad Request: message is too long';
export const BUTTON_DATA_INVALID = 'Bad Request: BUTTON_DATA_INVALID';
export const ANSWER_TOO_LONG = 'Bad Request: MESSAGE_TOO_LONG';
export const BAD_MARKUP = "Bad Request: can't parse reply keyboard markup JSON object";

/** The optional fields of which an inline button must carry exactly one. */
const BUTTON_ACTIONS = ['url', 'callback_data', 'login_url', 'switch_inline_query', 'switch_inline_query_current_chat', 'switch_inline_query_chosen_chat', 'web_app', 'pay', 'copy_text', 'callback_game'] as const;

const InlineButton = z
  .object({ text: z.string().min(1) })
  .loose()
  .refine((b) => BUTTON_ACTIONS.filter((k) => (b as Record<string, unknown>)[k] !== undefined).length === 1, 'an inline button needs exactly one action');

const ReplyButton = z.union([z.string().min(1), z.object({ text: z.string().min(1) }).loose()]);

const ReplyMarkup = z.union([
  z.object({ inline_keyboard: z.array(z.array(InlineButton)) }).loose(),
  z.object({ keyboard: z.array(z.array(ReplyButton)) }).loose(),
  z.object({ remove_keyboard: z.literal(true) }).loose(),
  z.object({ force_reply: z.literal(true) }).loose(),
]);

/** Why a message text is refused, or undefined when Telegram would take it. */
export function textProblem(text: string): string | undefined {
  if (text.length === 0) return 'Bad Request: message text is empty';
  if (text.length > MAX_MESSAGE_TEXT) return TOO_LONG;
  return undefined;
}

/** Why a reply_markup (already JSON-decoded where it came as a string) is refused; undefined when none was sent or it is valid. */
export function markupProblem(markup: unknown): string | undefined {
  if (markup === undefined) return undefined;
  if (typeof markup !== 'object' || markup === null) return BAD_MARKUP;
  if (!ReplyMarkup.safeParse(markup).success) return BAD_MARKUP;
  const rows = (markup as { inline_keyboard?: unknown[][] }).inline_keyboard ?? [];
  for (const row of rows) {
    for (const button of row as { callback_data?: unknown }[]) {
      const data = button.callback_data;
      if (data === undefined) continue;
      if (typeof data !== 'string') return BUTTON_DATA_INVALID;
      const bytes = Buffer.byteLength(data, 'utf8');
      if (bytes < 1 || bytes > MAX_CALLBACK_DATA_BYTES) return BUTTON_DATA_INVALID;
    }
  }
  return undefined;
}

/** Why an answerCallbackQuery text is refused. */
export function answerProblem(text: unknown): string | undefined {
  if (text === undefined) return undefined;
  if (typeof text !== 'string') return 'Bad Request: text must be a string';
  return text.length > MAX_CALLBACK_ANSWER_TEXT ? ANSWER_TOO_LONG : undefined;
}
