import type { DecisionDeps } from '../approval/index.ts';
import type { TelegramBot } from './telegramBot.ts';
import type { LogPosition } from '../../store/port.ts';
import type { Logger } from '../../runtime/logger.ts';
import type { Timers } from '../../runtime/timers.ts';
import { ApprovalButtonKeys } from './approvalButtons.ts';
import { registerApprovalCallbacks } from './approvalCallbacks.ts';
import { type ApprovalRequests, followApprovalRequests } from './approvalRequests.ts';

export interface TelegramApprovalDeps {
  /** The log, clock and identity decisions are written with: the same as `phoenix approve`'s. */
  decisions: DecisionDeps;
  timers: Timers;
  logger: Logger;
  /** See ApprovalRequestDeps.after: the host passes its lease bead's position. */
  after?: LogPosition;
  retryDelaysMs?: readonly number[];
  /** PHOENIX_HOME, where enrolled operators are kept: LIVE approvals verify their TOTP codes (issue 17). */
  homeDir?: string;
}

/**
 * Approval from the phone (S7.2): requests out, button presses in. Register
 * before the bot starts polling, so no press arrives with no handler.
 */
export function startTelegramApprovals(bot: Pick<TelegramBot, 'router' | 'chat'>, deps: TelegramApprovalDeps): ApprovalRequests {
  const keys = new ApprovalButtonKeys();
  registerApprovalCallbacks(bot.router, keys, deps.decisions, deps.homeDir === undefined ? undefined : { homeDir: deps.homeDir });
  return followApprovalRequests({
    log: deps.decisions.log,
    chat: bot.chat,
    keys,
    clock: deps.decisions.clock,
    timers: deps.timers,
    logger: deps.logger,
    ...(deps.after === undefined ? {} : { after: deps.after }),
    ...(deps.retryDelaysMs === undefined ? {} : { retryDelaysMs: deps.retryDelaysMs }),
  });
}
