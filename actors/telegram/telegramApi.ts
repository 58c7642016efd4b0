import { Api, TelegramApiError } from 'node-telegram-bot-api';
import type { Config } from '../../runtime/config/load.ts';
import { DeliveryError } from '../notify/transport.ts';

/** What the Telegram actors need from configuration (S7.2). */
export interface TelegramSettings {
  token: string;
  chatId: string;
  allowedUserIds: readonly string[];
  apiRoot: string;
}

/** The Telegram settings, or undefined when no bot token is configured (alerts then go to the log). */
export function telegramSettingsFrom(config: Config): TelegramSettings | undefined {
  if (!config.TELEGRAM_BOT_TOKEN || !config.TELEGRAM_CHAT_ID) return undefined;
  return {
    token: config.TELEGRAM_BOT_TOKEN,
    chatId: config.TELEGRAM_CHAT_ID,
    allowedUserIds: config.TELEGRAM_ALLOWED_USER_IDS,
    apiRoot: config.TELEGRAM_API_ROOT,
  };
}

/**
 * The node-telegram-bot-api v2 client with its own retries off: its retry of a
 * sendMessage is not idempotent (a timeout after Telegram accepted the message
 * would send it twice), so Phoenix owns retry and dedupe (S7.1).
 * `timeoutMs` is only a backstop; callers pass their own abort signal.
 */
export function createTelegramApi(settings: Pick<TelegramSettings, 'token' | 'apiRoot'>, timeoutMs = 60_000): Api {
  return new Api(settings.token, { apiRoot: settings.apiRoot, maxRetries: 0, timeoutMs });
}

/** Anything that looks like a bot token, or the bot path the library builds into its URLs. */
const TOKEN_PATTERN = /\d{3,}:[A-Za-z0-9_-]{20,}/g;

/** The library puts the token in every URL; no error text leaves this module without this. */
export function redactToken(text: string, token?: string): string {
  const plain = token ? text.split(token).join('<token>') : text;
  return plain.replace(TOKEN_PATTERN, '<token>');
}

/** Telegram's answers that no retry can change: a bad request, a bad token, a chat the bot may not write to. */
const PERMANENT_CODES: ReadonlySet<number> = new Set([400, 401, 403, 404]);

/** Turns whatever the client threw into a DeliveryError that is safe to log and to store in a bead. */
export function describeTelegramFailure(err: unknown, token?: string): DeliveryError {
  if (err instanceof DeliveryError) return new DeliveryError(redactToken(err.message, token), err.retryAfterMs, err.permanent);
  if (err instanceof TelegramApiError) {
    const retryAfter = err.retryAfter;
    return new DeliveryError(
      redactToken(`Telegram ${err.errorCode}: ${err.description}`, token),
      retryAfter !== undefined ? retryAfter * 1000 : undefined,
      PERMANENT_CODES.has(err.errorCode),
    );
  }
  return new DeliveryError(redactToken(causeChain(err), token));
}

/** "Network request failed: sendMessage: fetch failed: connect ECONNREFUSED 127.0.0.1:4711" */
function causeChain(err: unknown): string {
  const parts: string[] = [];
  let current: unknown = err;
  for (let depth = 0; current !== undefined && current !== null && depth < 4; depth++) {
    if (current instanceof Error) {
      const code = (current as Error & { code?: unknown }).code;
      parts.push(typeof code === 'string' && !current.message.includes(code) ? `${current.message} (${code})` : current.message);
      current = current.cause;
    } else {
      parts.push(String(current));
      break;
    }
  }
  return parts.filter(Boolean).join(': ') || 'unknown error';
}
