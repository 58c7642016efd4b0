import { z } from 'zod';

/**
 * Inbound Telegram updates, parsed at the boundary (S14). Only what Phoenix
 * reads is described; unknown fields are dropped, and an update of a kind we do
 * not handle parses to one with neither `message` nor `callback_query`.
 */

const TelegramId = z.number().int().safe();

const User = z.object({
  id: TelegramId,
  is_bot: z.boolean().optional(),
  username: z.string().max(64).optional(),
  first_name: z.string().max(256).optional(),
});

const Chat = z.object({ id: TelegramId, type: z.string().max(32).optional() });

const Message = z.object({
  message_id: TelegramId,
  date: z.number().int().nonnegative(),
  chat: Chat,
  from: User.optional(),
  text: z.string().max(8192).optional(),
});

const CallbackQuery = z.object({
  id: z.string().min(1).max(256),
  from: User,
  // Absent for buttons on inline-mode messages, which Phoenix never sends.
  message: z
    .object({ message_id: TelegramId, date: z.number().int().nonnegative().optional(), chat: Chat, text: z.string().max(8192).optional() })
    .optional(),
  data: z.string().max(256).optional(),
});

export const UpdateSchema = z.object({
  update_id: TelegramId.nonnegative(),
  message: Message.optional(),
  callback_query: CallbackQuery.optional(),
});

export type TelegramUpdate = z.infer<typeof UpdateSchema>;
export type TelegramUser = z.infer<typeof User>;
export type TelegramCallbackQuery = z.infer<typeof CallbackQuery>;

/** The update id of anything that carries one, so even an update we refuse to read is confirmed, not refetched. */
export function updateIdOf(raw: unknown): number | undefined {
  if (typeof raw !== 'object' || raw === null) return undefined;
  const id = (raw as { update_id?: unknown }).update_id;
  return typeof id === 'number' && Number.isSafeInteger(id) && id >= 0 ? id : undefined;
}

/** "update_id: expected number; message.chat.id: expected number": short enough for one log line. */
export function describeUpdateProblems(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((i) => `${i.path.map(String).join('.') || '(root)'}: ${i.message}`)
    .join('; ');
}
