import { type Bead, type BeadOf, streams } from '../../beads/index.ts';
import { resendVerdict } from '../../machines/approvalResend.ts';
import type { ApprovalsView } from '../../projections/approvals.ts';
import { ChainedLog } from '../../runtime/chain/chainedLog.ts';
import { isSealed } from '../../runtime/chain/seal.ts';
import type { OrderTicket, SubmitResult } from '../broker/submitGuards.ts';
import { type ApprovalTokens, issuedTokenOf } from '../broker/tokens.ts';
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

async function streamBeads(d: ResendDeps, stream: string): Promise<Bead[]> {
  return (await d.writer.log.readStream(stream)).flatMap((e) => (e.kind === 'bead' ? [e.bead] : []));
}

/**
 * A bracket that never reached the broker goes again only as the order its
 * token was issued for (issue 17). The proof is the host's own: its sealed
 * TOKEN_ISSUED (binding and token id), its sealed write-ahead ORDER beads for
 * exactly these tickets, the approval machine's replayed record that allows
 * it (a verified APPROVE, the anchor still fresh), and the broker lookup that
 * found none of them. No token is minted: the guard chain holds the tickets
 * to the issued token's binding and MAX_ORDER_UNITS, once. ORDER beads
 * written into the log by anything else prove nothing and are given up.
 */
export async function resendEntry(d: ResendDeps, positionId: string, tickets: OrderTicket[]): Promise<Resent> {
  const proven = (b: Bead) => !(d.writer.log instanceof ChainedLog) || isSealed(b);
  // A person's decision is another process's bead; it counts through the host's sealed answer to it.
  const approval = (await streamBeads(d, streams.approval(positionId))).filter((b) => proven(b) || (b.bead_type === 'APPROVAL' && b.data.event === 'DECISION'));
  const verdict = resendVerdict(approval, d.clock.now());
  if (!verdict.ok) return refused(d, positionId, verdict.why, false);
  const issuedBead = approval.find((b): b is BeadOf<'APPROVAL'> => b.bead_type === 'APPROVAL' && b.data.event === 'TOKEN_ISSUED' && b.data.token_id === verdict.tokenId);
  const issued = issuedBead ? issuedTokenOf(issuedBead, proven(issuedBead)) : { ok: false as const, why: `no TOKEN_ISSUED for token ${verdict.tokenId}` };
  if (!issued.ok) return refused(d, positionId, issued.why, true);
  for (const t of tickets) {
    const written = (await streamBeads(d, streams.order(t.orderRef))).filter((b) => b.bead_type === 'ORDER' && b.data.event === 'SUBMIT_REQUESTED');
    const forged = written.find((b) => !proven(b));
    if (written.length === 0 || forged) return refused(d, positionId, `the write-ahead of ${t.orderRef} is ${forged ? `not sealed by this host (bead ${forged.bead_id})` : 'missing'}: it proves nothing`, true);
  }
  const result = await d.submitter.submit({ kind: 'RESEND', account: d.broker.account, orders: tickets as [OrderTicket, ...OrderTicket[]], issued: issued.token });
  if (result.outcome === 'REFUSED' && result.step === 'TOKEN') await security(d, positionId, result.reason);
  return outcomeOf(result);
}

async function refused(d: ResendDeps, positionId: string, why: string, isSecurity: boolean): Promise<Resent> {
  if (isSecurity) await security(d, positionId, why);
  return { sent: false, why };
}

async function security(d: ResendDeps, positionId: string, why: string): Promise<void> {
  d.logger.error({ positionId }, `SECURITY: a bracket written ahead before the restart is not sent again: ${why}`);
  await d.writer
    .write({ bead_type: 'SECURITY', stream: streams.security, correlation_id: positionId, data: { who: 'log', channel: 'LOG', why: `re-send refused: ${why}`, detail: `position ${positionId}` } })
    .catch((err: Error) => d.logger.error({ err: err.message }, 'could not record the SECURITY bead'));
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
