import { streams } from '../../beads/index.ts';
import { approvalRecord, type ApprovalsView, staleAtOf } from '../../projections/approvals.ts';
import type { OrderTicket, SubmitResult } from '../broker/submitGuards.ts';
import { type ApprovalTokens, recordedHumanDecision } from '../broker/tokens.ts';
import type { Resent } from './crashRecovery.ts';
import type { FlowDeps } from './flowDeps.ts';
import type { Submitter } from './submitter.ts';

/**
 * What crash recovery sends again, once it has looked an order up at the
 * broker by its orderRef and not found it (crashRecovery.ts): the exact
 * tickets that were written ahead, same order ids and refs.
 */

export interface ResendDeps extends FlowDeps {
  submitter: Submitter;
  tokens: ApprovalTokens;
  /** The approvals as the start-up scan folded them. */
  approvals: ApprovalsView;
  /** The story an exit belongs to (its position's intent). */
  correlationOf(positionId: string): string;
}

const outcomeOf = (result: SubmitResult): Resent =>
  result.outcome === 'SENT' ? { sent: true } : { sent: false, why: result.outcome === 'REFUSED' ? `${result.step}: ${result.reason}` : result.reason };

/** A bracket that never reached the broker goes again only on the person's recorded decision, with a fresh anchor. */
export async function resendEntry(d: ResendDeps, positionId: string, tickets: OrderTicket[]): Promise<Resent> {
  const record = approvalRecord(d.approvals, positionId);
  const staleAt = record ? staleAtOf(record) : undefined;
  const now = d.clock.now();
  if (record?.decision?.decision !== 'APPROVE' || !record.content_hash) return { sent: false, why: 'no recorded APPROVE decision for it' };
  if (staleAt === undefined || now >= staleAt) return { sent: false, why: 'the anchor is stale: a new intent and a new decision are needed' };
  const decisionBead = (await d.writer.log.readStream(streams.approval(positionId))).find((e) => e.kind === 'bead' && e.bead.bead_id === record.decision?.bead_id);
  const recorded = decisionBead?.kind === 'bead' ? recordedHumanDecision(decisionBead.bead) : { ok: false as const, why: 'the decision bead is not in the log' };
  if (!recorded.ok) return { sent: false, why: recorded.why };
  const expiresAt = Math.min(now + d.config.APPROVAL_TOKEN_TTL_S * 1000 * d.config.TIME_SCALE, staleAt);
  const minted = d.tokens.mint({ decision: recorded.decision, contentHash: record.content_hash, expiresAt });
  if (!minted.ok) return { sent: false, why: minted.why };
  const result = await d.submitter.submit({
    kind: 'ENTRY',
    account: d.broker.account,
    orders: tickets as [OrderTicket, ...OrderTicket[]],
    approval: { token: minted.token, intentId: positionId, contentHash: record.content_hash },
  });
  return outcomeOf(result);
}

/** Exits written ahead that never reached the broker go again exactly as recorded: a started close is finished (S3.3). */
export async function resendExit(d: ResendDeps, positionId: string, tickets: OrderTicket[]): Promise<Resent> {
  const result = await d.submitter.submit({
    kind: 'EXIT',
    account: d.broker.account,
    orders: tickets as [OrderTicket, ...OrderTicket[]],
    correlationId: d.correlationOf(positionId),
    authority: { who: 'phoenix:recovery', reason: `send again what was written ahead for ${positionId} and never reached the broker` },
  });
  return outcomeOf(result);
}
