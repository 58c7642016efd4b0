import { appendDecision, approvalFor, type DecisionDeps, type DecisionProof, describeOrder } from '../approval/index.ts';
import { operatorOfTelegramUser } from '../../runtime/operators/enrolment.ts';
import { verifyOperatorCode } from '../../runtime/operators/presence.ts';
import type { TelegramRouter } from './telegramRouter.ts';
import type { CallbackContext, CallbackOutcome, CommandContext } from './telegramRouterTypes.ts';
import { APPROVE_ACTION, type ApprovalButtonKeys, fitMessage, REJECT_ACTION } from './approvalButtons.ts';

export const TELEGRAM_REJECT_REASON = 'rejected from Telegram';
/**
 * The LIVE confirm step's buttons. Not 'CONFIRM': the router keeps that name for
 * its two-step commands (/halt, /resume), and registering it twice refused every
 * LIVE host with Telegram at start. No longer than APPROVE, so a key that fits
 * an APPROVE button fits these too.
 */
export const PROCEED_ACTION = 'PROCEED';
export const CANCEL_ACTION = 'CANCEL';
/** How long a confirmed approval waits for its code. */
const CODE_WAIT_MS = 90_000;

/**
 * What an APPROVE or REJECT press does. The router has already checked the
 * chat and the user (a stranger gets a SECURITY bead and nothing else), so a
 * press here is an authorised person's decision: it goes through
 * appendDecision, the one writer of decisions, exactly as `phoenix approve`
 * does, with channel TELEGRAM. Whatever appendDecision refuses (decided
 * already, stale, ended, unknown) is refused to the person and changes nothing.
 *
 * In LIVE (issue 17) an APPROVE is three steps: the press shows the order
 * again (side and units first) with CONFIRM / CANCEL; CONFIRM asks for
 * `/code NNNNNN` from the authenticator the person enrolled
 * (`phoenix operator enroll --telegram-user ID`); the host verifies the code
 * and only then writes the decision, with the TOTP step it took.
 */
export function registerApprovalCallbacks(router: TelegramRouter, keys: ApprovalButtonKeys, decisions: DecisionDeps, presence?: { homeDir: string }): void {
  const live = decisions.mode === 'LIVE';
  const awaitingCode = new Map<string, { intentId: string; until: number; text: string }>();

  const write = async (intentId: string, decision: 'APPROVE' | 'REJECT', userId: string, label: string, proof: DecisionProof, text: string): Promise<string> => {
    const outcome = await appendDecision(decisions, {
      intentId,
      decision,
      decidedBy: `telegram:${userId}`,
      channel: 'TELEGRAM',
      proof,
      ...(decision === 'REJECT' ? { reason: TELEGRAM_REJECT_REASON } : {}),
    });
    if (!outcome.ok) throw new Error(`Not ${decision === 'APPROVE' ? 'approved' : 'rejected'}: ${outcome.why}`);
    const done = decision === 'APPROVE' ? 'APPROVED' : 'REJECTED';
    const line = `${decision === 'APPROVE' ? '✅' : '❌'} ${done} by ${label} at ${outcome.bead.ts}`;
    const next = decision === 'APPROVE' ? 'The host mints the token and sends the bracket.' : 'Nothing will be sent for this intent.';
    return fitMessage(`${line}\n${next}\n\n${text}`);
  };

  const decide =
    (decision: 'APPROVE' | 'REJECT') =>
    async (ctx: CallbackContext): Promise<CallbackOutcome> => {
      const intentId = keys.intentOf(ctx.payload);
      if (intentId === undefined) return { refuse: 'This approval request is from before a restart. Use phoenix approve, or look at /status.' };
      if (live && decision === 'APPROVE') return confirmStep(ctx, intentId);
      try {
        const text = await write(intentId, decision, ctx.who.userId, ctx.who.label, { method: 'TELEGRAM', operator: `telegram:${ctx.who.userId}` }, ctx.messageText ?? intentId);
        return { answer: `${decision === 'APPROVE' ? 'APPROVED' : 'REJECTED'}: ${intentId}`, edit: { text } };
      } catch (err) {
        return { refuse: (err as Error).message };
      }
    };

  /** LIVE, step 1: the order again, units and side first, to confirm or cancel. */
  const confirmStep = async (ctx: CallbackContext, intentId: string): Promise<CallbackOutcome> => {
    const found = await approvalFor(decisions.log, intentId, decisions.clock.now());
    if (!found.ok) return { refuse: `Not approved: ${found.why}` };
    const order = found.record.evidence?.order;
    if (!order) return { refuse: 'Not approved: the evidence names no order' };
    const key = keys.keyOf(intentId);
    return {
      answer: 'Confirm the order',
      edit: {
        text: fitMessage(`LIVE: confirm ${order.action} ${order.units.toLocaleString('en-US')} ${order.pair}?\n${describeOrder(order)}\n\n${ctx.messageText ?? intentId}`),
        buttons: [[{ text: `✅ CONFIRM ${order.action} ${order.units.toLocaleString('en-US')}`, data: `${PROCEED_ACTION}:${key}` }, { text: '✖ CANCEL', data: `${CANCEL_ACTION}:${key}` }]],
      },
    };
  };

  /** LIVE, step 2: the code, as a command of its own. */
  const confirmed = async (ctx: CallbackContext): Promise<CallbackOutcome> => {
    const intentId = keys.intentOf(ctx.payload);
    if (intentId === undefined) return { refuse: 'This approval request is from before a restart. Use phoenix approve.' };
    awaitingCode.set(ctx.who.userId, { intentId, until: decisions.clock.now() + CODE_WAIT_MS, text: ctx.messageText ?? intentId });
    return { answer: 'Send the code', edit: { text: fitMessage(`${ctx.messageText ?? intentId}\n\nSend /code NNNNNN with the code from your authenticator within 90 s.`) } };
  };

  const code = async (ctx: CommandContext): Promise<void> => {
    const pending = awaitingCode.get(ctx.who.userId);
    awaitingCode.delete(ctx.who.userId);
    if (!pending || pending.until < decisions.clock.now()) {
      await ctx.reply('No approval is waiting for a code from you: press APPROVE, then CONFIRM, first.');
      return;
    }
    const operator = presence ? operatorOfTelegramUser(presence.homeDir, ctx.who.userId) : undefined;
    if (!presence || !operator) {
      await ctx.reply(`Not approved: Telegram user ${ctx.who.userId} is not enrolled (phoenix operator enroll --as NAME --telegram-user ${ctx.who.userId}).`);
      return;
    }
    const verdict = verifyOperatorCode(presence.homeDir, operator.operator, ctx.args, decisions.clock.now());
    if (!verdict.ok) {
      await ctx.reply(`Not approved: ${verdict.why}.`);
      return;
    }
    try {
      await ctx.reply(await write(pending.intentId, 'APPROVE', ctx.who.userId, ctx.who.label, { method: 'TOTP', operator: operator.operator, step: verdict.step }, pending.text));
    } catch (err) {
      await ctx.reply((err as Error).message);
    }
  };

  router.callback(APPROVE_ACTION, decide('APPROVE')).callback(REJECT_ACTION, decide('REJECT'));
  if (live) {
    router
      .callback(PROCEED_ACTION, confirmed)
      .callback(CANCEL_ACTION, (ctx) => {
        awaitingCode.delete(ctx.who.userId);
        return { answer: 'Cancelled', edit: { text: fitMessage(`Cancelled: nothing approved.\n\n${ctx.messageText ?? ''}`) } };
      })
      .command('code', code, 'the code from your authenticator, after CONFIRM (LIVE approvals)');
  }
}
