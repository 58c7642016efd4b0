import { approvalFor, renderEvidenceText } from '../approval/index.ts';
import { Mailbox } from '../../runtime/mailbox.ts';
import type { BeadOf } from '../../beads/index.ts';
import type { ApprovalEvidence } from '../../machines/approval.ts';
import { staleAtOf } from '../../projections/approvals.ts';
import type { EventLog, LogPosition, Subscription } from '../../store/port.ts';
import { type Clock, isoAt } from '../../runtime/clock.ts';
import type { Logger } from '../../runtime/logger.ts';
import type { TelegramChat } from './telegramChat.ts';
import type { Timers } from '../../runtime/timers.ts';
import { type ApprovalButtonKeys, fitMessage } from './approvalButtons.ts';

export interface ApprovalRequestDeps {
  log: EventLog;
  chat: TelegramChat;
  keys: ApprovalButtonKeys;
  clock: Clock;
  timers: Timers;
  logger: Logger;
  /**
   * Follow from just after this position (the host passes its lease bead):
   * every EVIDENCE_SHOWN after it is new to this process. Omitted: read the
   * whole log and send only for beads that arrive once it has caught up.
   * Either way a restart never sends again what an earlier run announced.
   */
  after?: LogPosition;
  /** Pauses between send attempts while Telegram is unreachable (real ms); the last one repeats. */
  retryDelaysMs?: readonly number[];
}

export interface ApprovalRequests {
  /** Intent ids announced by this process, in order: for tests and logs. */
  readonly sent: readonly string[];
  stop(): Promise<void>;
}

const DEFAULT_RETRY_DELAYS_MS = [1_000, 2_000, 5_000, 10_000];

/**
 * Announces each approval that reaches AWAITING_DECISION in the operator's
 * chat: the evidence bundle as the terminal shows it, with APPROVE / REJECT
 * buttons. It follows the log (the approval actor's EVIDENCE_SHOWN bead),
 * so it never holds up the trade flow; a send that fails is retried for as
 * long as the approval can still be decided, and then given up.
 */
export function followApprovalRequests(deps: ApprovalRequestDeps): ApprovalRequests {
  const logger = deps.logger.child({ actor: 'telegram-approvals' });
  const delays = deps.retryDelaysMs ?? DEFAULT_RETRY_DELAYS_MS;
  const announced = new Set<string>();
  const sent: string[] = [];
  let live = deps.after !== undefined;
  let stopped = false;
  const mailbox = new Mailbox(logger, 'approval announcements');
  const cancels = new Set<() => void>();

  /** A wait that stop() cuts short, so stopping never waits out a backoff. */
  const pause = (ms: number) =>
    new Promise<void>((resolve) => {
      const wake = () => {
        cancelTimer();
        cancels.delete(wake);
        resolve();
      };
      const cancelTimer = deps.timers.set(ms, wake);
      cancels.add(wake);
    });

  async function announce(bead: BeadOf<'APPROVAL'>): Promise<void> {
    const intentId = bead.data.intent_id;
    for (let attempt = 0; !stopped; attempt++) {
      // Checked before every attempt: a decision from the terminal meanwhile makes the request moot.
      const found = await approvalFor(deps.log, intentId, deps.clock.now());
      if (!found.ok) {
        logger.info({ intentId, why: found.why }, 'approval no longer awaiting a decision; not announced');
        return;
      }
      const evidence = found.record.evidence ?? (bead.data.evidence as ApprovalEvidence | undefined);
      if (!evidence) {
        logger.warn({ intentId }, 'EVIDENCE_SHOWN without a bundle; not announced');
        return;
      }
      const staleAt = staleAtOf(found.record);
      const text = renderEvidenceText(evidence, { beadId: bead.bead_id, ...(staleAt === undefined ? {} : { staleAt: isoAt(staleAt) }) });
      try {
        await deps.chat.sendMessage(fitMessage(text), { buttons: deps.keys.buttons(intentId) });
        sent.push(intentId);
        logger.info({ intentId }, 'approval request sent to Telegram');
        return;
      } catch (err) {
        const wait = delays[Math.min(attempt, delays.length - 1)] ?? 1_000;
        logger.warn({ intentId, err: (err as Error).message, retryInMs: wait }, 'approval request not delivered; retrying');
        await pause(wait);
      }
    }
  }

  const subscription: Subscription = deps.log.subscribe(
    (entry) => {
      if (entry.kind !== 'bead' || !live) return;
      const bead = entry.bead;
      if (bead.bead_type !== 'APPROVAL' || bead.data.event !== 'EVIDENCE_SHOWN') return;
      if (announced.has(bead.data.intent_id)) return;
      announced.add(bead.data.intent_id);
      // Queued, not awaited: Telegram hanging must not stall the subscription.
      void mailbox.run(() => announce(bead));
    },
    {
      ...(deps.after === undefined ? {} : { after: deps.after }),
      onCaughtUp: () => {
        live = true;
      },
      onError: (err) => logger.error({ err: err.message }, 'the approval follower stopped: approvals are not announced on Telegram'),
    },
  );

  return {
    sent,
    async stop() {
      stopped = true;
      for (const wake of [...cancels]) wake();
      await subscription.stop();
      await mailbox.settled();
    },
  };
}
