import { type Bead, intentSide } from '../../beads/index.ts';
import type { ApprovalEvent, OrderBinding } from '../../machines/approval.ts';
import type { ApprovalSnapshot } from '../../machines/approvalReplay.ts';
import type { PositionInput } from '../../machines/position.ts';
import type { OrderTicket } from '../broker/submitGuards.ts';
import { recordedHumanDecision } from '../broker/tokens.ts';
import type { ApprovalActorDeps } from './approvalDeps.ts';
import { entryBracket, positionIdOf } from './entryBracket.ts';

/**
 * The approval actor's two steps that touch the token (S3.2, issue 17): mint
 * it from a decision the host verified, for exactly the order approved, and
 * hand it with that order to the guard chain. The token's secret lives in
 * the actor's memory between the two, and nowhere else.
 */

export interface ApprovalInternals {
  readonly intentId: string;
  readonly snapshot: ApprovalSnapshot;
  readonly deps: ApprovalActorDeps;
  send(event: ApprovalEvent): void;
  /** The decision bead and the id of the host's ATTESTATION ACCEPTED of it, if there is one. */
  acceptedDecision(decisionBeadId: string): Promise<{ bead: Bead; attestationId: string } | undefined>;
  secrets: Map<string, string>;
  takeHeld(): Bead[];
  later(work: () => void | Promise<void>): void;
}

/** INV-NO-AUTO-APPROVAL: the token comes only from a DECISION bead the host verified, for the order it names. */
export async function mintFromDecision(a: ApprovalInternals, decisionBeadId: string, contentHash: string, expiresAt: number, binding: OrderBinding | undefined): Promise<void> {
  const now = a.deps.clock.now();
  const accepted = await a.acceptedDecision(decisionBeadId);
  const recorded = accepted === undefined ? { ok: false as const, why: `decision ${decisionBeadId} is not one the host verified` } : recordedHumanDecision(accepted.bead, accepted);
  const minted = !recorded.ok ? recorded : binding === undefined ? { ok: false as const, why: 'the decision names no order' } : a.deps.tokens.mint({ decision: recorded.decision, contentHash, binding, expiresAt });
  if (!minted.ok) {
    a.send({ type: 'MINT_FAILED', reason: minted.why, at: now });
    return;
  }
  a.secrets.set(minted.tokenId, minted.token);
  a.send({ type: 'TOKEN_MINTED', tokenId: minted.tokenId, expiresAt: minted.expiresAt, decisionBeadId, at: now, binding: binding! });
}

export async function submitBracket(a: ApprovalInternals, tokenId: string): Promise<void> {
  const { config, broker, clock, submitter } = a.deps;
  const c = a.snapshot.context;
  const token = a.secrets.get(tokenId) ?? '';
  a.secrets.delete(tokenId);
  const recordWith = a.takeHeld();
  const binding = c.token?.binding;
  let ids: number[];
  try {
    if (!binding) throw new Error('the token names no order');
    ids = broker.connector.orderIds.allocate(3);
  } catch (err) {
    if (recordWith.length > 0) await a.deps.writer.writeTogether(recordWith);
    a.send({ type: 'SUBMIT_REFUSED', reason: `not sent: ${(err as Error).message}`, at: clock.now() });
    return;
  }
  // The bracket is the order approved: its units, its side, its prices, its refs.
  const orders = entryBracket(c.intent, binding.units, [ids[0]!, ids[1]!, ids[2]!]);
  const submittedAt = clock.now();
  const result = await submitter.submit({
    kind: 'ENTRY',
    account: broker.account,
    orders,
    approval: { token, intentId: c.intentId, contentHash: c.contentHash, binding },
    recordWith,
  });
  const at = clock.now();
  if (result.tokenId === undefined) {
    const reason = result.outcome === 'REFUSED' ? `${result.step}: ${result.reason}` : result.outcome === 'SEND_FAILED' ? result.reason : 'no token was redeemed';
    a.send({ type: 'SUBMIT_REFUSED', reason, at });
    return;
  }
  a.send({ type: 'TOKEN_CONSUMED', tokenId: result.tokenId, outcome: result.outcome, at, ...(result.outcome === 'SENT' ? {} : { reason: result.reason }) });
  if (result.outcome === 'REFUSED') return;
  // Part of the bracket went out and part did not (or a halt landed between the write-ahead and the wire): nothing works
  // at the broker without the last child. The orders are given up on the record and the held ones cancelled.
  if (result.outcome === 'SEND_FAILED') await a.deps.abandon(orders, result.reason);
  if (result.outcome === 'SEND_FAILED' && result.sent.length === 0) return;
  const i = c.intent;
  const input: PositionInput = {
    positionId: positionIdOf(i.intent_id),
    intentId: i.intent_id,
    pair: i.pair,
    side: intentSide(i),
    quantity: binding.units,
    plannedEntry: i.entry,
    stop: i.stop,
    target: i.target,
    submittedAt,
    timeScale: config.TIME_SCALE,
  };
  // After the CONSUMED bead (queued by the send above): the token's story ends before the position's begins.
  a.later(() => a.deps.startPosition(input));
}

export type { OrderTicket };
