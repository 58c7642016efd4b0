import type { BeadWriter } from '../../runtime/beadWriter.ts';
import { LABEL_ACTION } from '../notify/alertMessages.ts';
import { appendAlertLabel } from '../promotion/alertLabels.ts';
import type { TelegramRouter } from './telegramRouter.ts';
import type { CallbackContext, CallbackOutcome } from './telegramRouterTypes.ts';

/**
 * The 👍 useful / 👎 noise buttons on an alert's message (issue 14): the
 * router has already checked the chat and the user, so a press is an
 * authorised person's label. It goes through appendAlertLabel, the one
 * writer of ALERT_LABEL beads, exactly as `phoenix alerts label` does, with
 * channel TELEGRAM; the message keeps its buttons (a later press replaces
 * the label) and says who labelled it.
 */
export function registerAlertLabelCallbacks(router: TelegramRouter, deps: { writer: BeadWriter }): void {
  router.callback(LABEL_ACTION, async (ctx: CallbackContext): Promise<CallbackOutcome> => {
    const cut = ctx.payload.lastIndexOf(':');
    const alertId = ctx.payload.slice(0, cut);
    const label = { u: 'USEFUL', n: 'NOISE' }[ctx.payload.slice(cut + 1)] as 'USEFUL' | 'NOISE' | undefined;
    if (cut <= 0 || label === undefined) return { refuse: 'This button is not a label.' };
    const outcome = await appendAlertLabel(deps.writer, { alertId, label, who: `telegram:${ctx.who.userId}`, channel: 'TELEGRAM' });
    if (!outcome.ok) return { refuse: `Not labelled: ${outcome.why}` };
    const body = (ctx.messageText ?? '').replace(/\n🏷 labelled .*$/, '');
    return {
      answer: `Labelled ${label.toLowerCase()}: thank you`,
      edit: {
        text: `${body}\n🏷 labelled ${label} by ${ctx.who.label}`,
        buttons: [[{ text: '👍 useful', data: `${LABEL_ACTION}:${alertId}:u` }, { text: '👎 noise', data: `${LABEL_ACTION}:${alertId}:n` }]],
      },
    };
  });
}
