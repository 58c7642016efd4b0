import { randomBytes } from 'node:crypto';
import type { Clock } from '../../runtime/clock.ts';
import type { CallbackContext, CallbackOutcome, CommandContext, Who } from './telegramRouterTypes.ts';

/** The callback action every confirm / cancel button carries. */
export const CONFIRM_ACTION = 'CONFIRM';

export interface ConfirmSpec {
  /** The question to confirm, from the command's arguments; `{ usage }` refuses with a usage line instead. */
  ask(ctx: CommandContext): string | { usage: string };
  /** Runs at most once, on the first "confirm" within the time limit; returns the outcome shown in place of the question. */
  run(request: { args: string; requestedBy: Who; confirmedBy: Who }): Promise<string> | string;
  confirmLabel?: string;
  ttlMs?: number;
}

interface Pending {
  spec: ConfirmSpec;
  args: string;
  requestedBy: Who;
  expiresAt: number;
  /** The question's message, once Telegram has said which it is. */
  messageId?: number;
  state: 'open' | 'done';
}

const DEFAULT_TTL_MS = 120_000;

/**
 * Two-step commands (/halt, /resume): the command only asks; the action runs
 * when a confirm button is tapped. Each question has a random single-use nonce
 * that lives in memory only, so after a restart, or once expired, decided or
 * cancelled, its buttons are refused as stale.
 */
export class ConfirmationBook {
  private readonly pending = new Map<string, Pending>();

  constructor(
    private readonly clock: Clock,
    private readonly nonce: () => string = () => randomBytes(9).toString('base64url'),
  ) {}

  async open(ctx: CommandContext, spec: ConfirmSpec): Promise<void> {
    this.forgetExpired();
    const question = spec.ask(ctx);
    if (typeof question !== 'string') {
      await ctx.reply(question.usage);
      return;
    }
    const id = this.nonce();
    const ttlMs = spec.ttlMs ?? DEFAULT_TTL_MS;
    // Open (and start the clock) before the question goes out: the answer may come back before the reply does.
    const entry: Pending = { spec, args: ctx.args, requestedBy: ctx.who, expiresAt: this.clock.now() + ttlMs, state: 'open' };
    this.pending.set(id, entry);
    try {
      const { messageId } = await ctx.reply(`${question}\n(confirm within ${Math.round(ttlMs / 1000)} s)`, [
        [
          { text: spec.confirmLabel ?? 'Confirm', data: `${CONFIRM_ACTION}:${id}:y` },
          { text: 'Cancel', data: `${CONFIRM_ACTION}:${id}:n` },
        ],
      ]);
      entry.messageId = messageId;
    } catch (err) {
      this.pending.delete(id);
      throw err;
    }
  }

  async handle(ctx: CallbackContext): Promise<CallbackOutcome> {
    const [id, choice] = ctx.payload.split(':');
    const entry = id ? this.pending.get(id) : undefined;
    if (!entry || (entry.messageId !== undefined && entry.messageId !== ctx.messageId) || entry.state !== 'open') {
      return { refuse: 'This request is no longer open (already decided, cancelled or from before a restart). Send the command again.' };
    }
    if (this.clock.now() > entry.expiresAt) {
      this.pending.delete(id!);
      return { refuse: 'This confirmation has expired. Send the command again.' };
    }
    // Decided before anything is awaited: a double tap cannot run it twice.
    entry.state = 'done';
    this.pending.delete(id!);
    if (choice !== 'y') return { answer: 'Cancelled', edit: { text: `Cancelled by ${ctx.who.label}.` } };
    try {
      const outcome = await entry.spec.run({ args: entry.args, requestedBy: entry.requestedBy, confirmedBy: ctx.who });
      return { answer: 'Done', edit: { text: outcome } };
    } catch (err) {
      return { answer: 'Failed', edit: { text: `Failed: ${(err as Error).message}` } };
    }
  }

  private forgetExpired(): void {
    const now = this.clock.now();
    for (const [id, entry] of this.pending) if (now > entry.expiresAt) this.pending.delete(id);
  }
}
