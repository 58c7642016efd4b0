import type { Params } from './botApiWire.ts';

/** What the Bot API stand-in (botApi.ts) records and can be told to do. */

export type Failure = { kind: '429'; retryAfter: number } | { kind: 'hang' } | { kind: '5xx'; status?: number };

export interface RecordedCall {
  method: string;
  params: Params;
  /** By the fake's clock (tests may pass a virtual one). */
  at: number;
  outcome: 'ok' | 'error' | 'failed' | 'hung';
  /** Why the call was refused (outcome 'error'): the description Telegram would give. */
  refused?: string;
}

export interface SentMessage {
  message_id: number;
  chat_id: string;
  text: string;
  reply_markup?: unknown;
  at: number;
}

export interface BotApiSimOptions {
  /** The bot token clients must use; omitted, any well-formed token is taken (an operator's drill). */
  token?: string;
  now?: () => number;
}
