import type { ButtonRows } from './telegramChat.ts';

/** Who sent an update: an authorised Telegram user, by id. */
export interface Who {
  userId: string;
  username?: string;
  /** "telegram:123456 (@alice)": how beads and messages name them. */
  label: string;
}

export interface CommandContext {
  /** Without the slash or a @botname suffix: "halt". */
  command: string;
  /** Everything after the command, trimmed ("" if none). */
  args: string;
  who: Who;
  chatId: string;
  messageId: number;
  reply(text: string, buttons?: ButtonRows): Promise<{ messageId: number }>;
}

export type CommandHandler = (ctx: CommandContext) => Promise<void> | void;

export interface CallbackContext {
  /** The part of the button's data before the first colon: "APPROVE". */
  action: string;
  /** The rest: an intent id, a confirmation nonce… */
  payload: string;
  who: Who;
  chatId: string;
  callbackQueryId: string;
  /** The message the button sits on. */
  messageId: number;
  messageText?: string;
}

/**
 * What to do with a tapped button. `answer` is the toast the user sees; `edit`
 * replaces the message (and its buttons) to show the outcome. `refuse` is the
 * stale case: shown as an alert, nothing edited, nothing done.
 */
export type CallbackOutcome =
  | { answer: string; edit?: { text: string; buttons?: ButtonRows } }
  | { refuse: string };

export type CallbackHandler = (ctx: CallbackContext) => Promise<CallbackOutcome> | CallbackOutcome;

/** A refused update, to be recorded as a SECURITY bead (S7.2, S14). */
export interface Refusal {
  who: string;
  why: string;
  detail?: string;
  updateId: number;
}

export type SecurityRecorder = (refusal: Refusal) => Promise<void>;
