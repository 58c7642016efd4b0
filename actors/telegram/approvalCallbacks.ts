import { appendDecision, type DecisionDeps } from '../approval/index.ts';
import type { TelegramRouter } from './telegramRouter.ts';
import type { CallbackContext, CallbackOutcome } from './telegramRouterTypes.ts';
import { APPROVE_ACTION, type ApprovalButtonKeys, fitMessage, REJECT_ACTION } from './approvalButtons.ts';

export const TELEGRAM_REJECT_REASON = 'rejected from Telegram';

/**
 * What an APPROVE or REJECT press does. The router has already checked the
 * chat and the user (a stranger gets a SECURITY bead and nothing else), so a
 * press here is an authorised person's decision: it goes through
 * appendDecision, the one writer of decisions, exactly as `phoenix approve`
 * does, with channel TELEGRAM. Whatever appendDecision refuses (decided
 * already, stale, ended, unknown) is refused to the person and changes nothing.
 */
export function registerApprovalCallbacks(router: TelegramRouter, keys: ApprovalButtonKeys, decisions: DecisionDeps): void {
  const decide =
    (decision: 'APPROVE' | 'REJECT') =>
    async (ctx: CallbackContext): Promise<CallbackOutcome> => {
      const intentId = keys.intentOf(ctx.payload);
      if (intentId === undefined) return { refuse: 'This approval request is from before a restart. Use phoenix approve, or look at /status.' };
      const outcome = await appendDecision(decisions, {
        intentId,
        decision,
        decidedBy: `telegram:${ctx.who.userId}`,
        channel: 'TELEGRAM',
        ...(decision === 'REJECT' ? { reason: TELEGRAM_REJECT_REASON } : {}),
      });
      if (!outcome.ok) return { refuse: `Not ${decision === 'APPROVE' ? 'approved' : 'rejected'}: ${outcome.why}` };
      const done = decision === 'APPROVE' ? 'APPROVED' : 'REJECTED';
      const line = `${decision === 'APPROVE' ? '✅' : '❌'} ${done} by ${ctx.who.label} at ${outcome.bead.ts}`;
      const next = decision === 'APPROVE' ? 'The host mints the token and sends the bracket.' : 'Nothing will be sent for this intent.';
      return {
        answer: `${done}: ${intentId}`,
        edit: { text: fitMessage(`${line}\n${next}\n\n${ctx.messageText ?? intentId}`) },
      };
    };
  router.callback(APPROVE_ACTION, decide('APPROVE')).callback(REJECT_ACTION, decide('REJECT'));
}
