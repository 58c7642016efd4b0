import { createHash } from 'node:crypto';
import type { ButtonRows } from './telegramChat.ts';

/**
 * The APPROVE / REJECT buttons of an approval request (S7.2). Telegram gives
 * a button 64 bytes of callback data; an intent id may be up to 128, so a
 * long one travels as a digest that this process remembers. A digest the
 * process does not know (it was restarted) resolves to nothing and the press
 * is refused as stale: `phoenix approve` still works.
 */

export const APPROVE_ACTION = 'APPROVE';
export const REJECT_ACTION = 'REJECT';

const MAX_CALLBACK_DATA_BYTES = 64;
/** Never a character of an intent id, so a digest cannot be mistaken for an id. */
const DIGEST_MARK = '~';

export class ApprovalButtonKeys {
  private readonly byDigest = new Map<string, string>();

  /** The payload that names `intentId` in a button's data: the id itself when it fits. */
  keyOf(intentId: string): string {
    const longest = `${REJECT_ACTION.length > APPROVE_ACTION.length ? REJECT_ACTION : APPROVE_ACTION}:${intentId}`;
    if (Buffer.byteLength(longest) <= MAX_CALLBACK_DATA_BYTES) return intentId;
    const digest = `${DIGEST_MARK}${createHash('sha256').update(intentId).digest('base64url').slice(0, 24)}`;
    this.byDigest.set(digest, intentId);
    return digest;
  }

  /** The intent a button names, or undefined when its digest is not one this process handed out. */
  intentOf(key: string): string | undefined {
    return key.startsWith(DIGEST_MARK) ? this.byDigest.get(key) : key || undefined;
  }

  buttons(intentId: string): ButtonRows {
    const key = this.keyOf(intentId);
    return [
      [
        { text: '✅ APPROVE', data: `${APPROVE_ACTION}:${key}` },
        { text: '❌ REJECT', data: `${REJECT_ACTION}:${key}` },
      ],
    ];
  }
}

/** Telegram refuses a message over 4096 characters; the head of the bundle (warnings, order, risk) is what matters. */
export const MAX_MESSAGE_CHARS = 4096;

export function fitMessage(text: string, max = MAX_MESSAGE_CHARS): string {
  if (text.length <= max) return text;
  const tail = '\n… (cut to fit Telegram; the whole bundle is in response.md and the EVIDENCE_SHOWN bead)';
  return text.slice(0, max - tail.length) + tail;
}
