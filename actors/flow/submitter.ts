import { type SubmitPorts, type SubmitRequest, type SubmitResult, submitGuarded } from '../broker/submitGuards.ts';
import type { ApprovalTokens } from '../broker/tokens.ts';
import type { FlowDeps } from './flowDeps.ts';
import type { OrderRouter } from './orderRouter.ts';

/**
 * Every order the flow sends goes through the S4.1 guard chain here: entries
 * with a person's T2 token, exits (a close) without one. Each write-ahead
 * ORDER bead is folded into the order book as soon as it is in the log, so
 * the broker's first answer about the order already has a home. What the
 * chain asks for on a refusal (an alert, the kill flag) is passed on.
 */
export class Submitter {
  constructor(
    private readonly deps: FlowDeps,
    private readonly tokens: Pick<ApprovalTokens, 'redeem'>,
    private readonly router: OrderRouter,
  ) {}

  async submit(request: SubmitRequest): Promise<SubmitResult> {
    const result = await submitGuarded(request, this.ports());
    if (result.outcome === 'REFUSED') await this.passOn(result);
    return result;
  }

  private ports(): SubmitPorts {
    const { broker, killSwitch } = this.deps;
    const base = broker.submitPorts();
    return {
      ...base,
      killFlag: () => killSwitch.flag(),
      tokens: this.tokens,
      appendWriteAhead: async (drafts, alongside) => {
        const written = await base.appendWriteAhead(drafts, alongside);
        for (const bead of written) this.router.applyAndNotify(bead);
        return written;
      },
      send: async (ticket) => {
        await base.send(ticket);
        const price = ticket.limitPrice ?? ticket.stopPrice;
        this.deps.logger.info({ orderRef: ticket.orderRef, orderId: ticket.orderId, positionId: ticket.positionId, role: ticket.role, pair: ticket.pair, side: ticket.action, quantity: ticket.quantity, type: ticket.orderType, ...(price === undefined ? {} : { price }) }, 'order sent');
      },
    };
  }

  private async passOn(result: Extract<SubmitResult, { outcome: 'REFUSED' }>): Promise<void> {
    const { alerts, killSwitch, logger } = this.deps;
    logger.warn({ step: result.step }, `order refused by the guard chain: ${result.reason}`);
    if (result.alert) {
      await alerts
        .raise(result.alert)
        .catch((err: Error) => logger.error({ err: err.message }, 'could not raise the guard alert'));
    }
    if (result.killFlag) await killSwitch.request(result.killFlag).catch((err: Error) => logger.error({ err: err.message }, 'could not set the kill flag'));
  }
}
