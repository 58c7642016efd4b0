import type { z } from 'zod';
import { type BeadOf, type Clock, type IdSource, type Mode, type ProofData, streams, validateBead } from '../../beads/index.ts';
import { bindingHash } from '../../runtime/orderBinding.ts';
import { BeadWriter } from '../../runtime/beadWriter.ts';
import type { DecisionChannel, OrderBinding } from '../../machines/approval.ts';
import { type ApprovalRecord, approvalRecord, foldAllApprovals, isStaleAt, staleAtOf } from '../../projections/approvals.ts';
import { foldAllIntents, intentRecord } from '../../projections/intents.ts';
import { isWrongExpectedRevision } from '../../store/errors.ts';
import type { EventLog, LogEntry } from '../../store/port.ts';
import { isoAt } from '../../runtime/clock.ts';

/**
 * A person's APPROVE or REJECT, written to the log: the one way a decision
 * enters the system (S9: the log is the bus). `phoenix approve`, `phoenix
 * reject` and Telegram's buttons all call `appendDecision`; the host's
 * approval actor reads the bead through its subscription and only then asks
 * for a token. The bead is appended at the stream's expected revision, so a
 * decision never lands on an approval that moved on meanwhile (another
 * person's decision, the host's STATE_CONFLICT): it is re-checked instead.
 */

export interface DecisionRequest {
  intentId: string;
  decision: 'APPROVE' | 'REJECT';
  /** The person: an operator's name on the terminal, a Telegram user. */
  decidedBy: string;
  channel: DecisionChannel;
  reason?: string;
  /**
   * Who decided, proven (issue 17): the operator's name (PAPER, MOCK), or an
   * HMAC keyed with a fresh TOTP code over this decision for this order
   * (LIVE), or the Telegram user the host heard. Given the order shown, so
   * that a proof can cover it: see `proofFor`.
   */
  proof?: DecisionProof | ((order: OrderBinding | undefined) => DecisionProof);
}

export type DecisionProof = z.input<typeof ProofData>;

export interface DecisionDeps {
  log: EventLog;
  clock: Clock;
  ids: IdSource;
  /** Written into the bead's `host_id`: the desk the decision belongs to. */
  hostId: string;
  mode: Mode;
}

export type DecisionRefusal =
  /** No such intent, or it never went to approval: a usage problem. */
  | 'UNKNOWN_INTENT'
  | 'NOT_AWAITING'
  | 'ALREADY_DECIDED'
  | 'STALE'
  | 'NO_PERSON'
  /** The stream kept moving under us; try again. */
  | 'CHANGED_MEANWHILE';

export type DecisionOutcome =
  | { ok: true; bead: BeadOf<'APPROVAL'>; record: ApprovalRecord }
  | { ok: false; code: DecisionRefusal; why: string; record?: ApprovalRecord };

export type DecisionRefused = Extract<DecisionOutcome, { ok: false }>;

const ATTEMPTS = 3;

const beadsOf = (entries: readonly LogEntry[]) => entries.flatMap((e) => (e.kind === 'bead' ? [e.bead] : []));

/** The approval as its stream tells it, and the revision to append after. */
export async function readApproval(log: EventLog, intentId: string): Promise<{ record: ApprovalRecord | undefined; revision: number | undefined }> {
  const entries = await log.readStream(streams.approval(intentId));
  return { record: approvalRecord(foldAllApprovals(beadsOf(entries)), intentId), revision: entries.at(-1)?.revision };
}

/** Why an intent with no approval stream is not awaiting a decision, from its INTENT beads. */
async function whyNoApproval(log: EventLog, intentId: string): Promise<DecisionRefused> {
  const intent = intentRecord(foldAllIntents(beadsOf(await log.readStream(streams.intent(intentId)))), intentId);
  if (intent === undefined) return { ok: false, code: 'UNKNOWN_INTENT', why: `no intent ${intentId} in the log` };
  if (intent.outcome === 'REJECTED') return { ok: false, code: 'UNKNOWN_INTENT', why: `intent ${intentId} was refused at the intent seam (see its .reason.txt)` };
  if (intent.signal !== 'READY') return { ok: false, code: 'NOT_AWAITING', why: `intent ${intentId} is ${intent.signal}: recorded as information, not for approval` };
  return { ok: false, code: 'NOT_AWAITING', why: `intent ${intentId} has not been taken up for approval yet: is the host running?` };
}

/** Whether a person may decide this approval at `now`, and if not, why not. */
export function decidable(record: ApprovalRecord, now: number): DecisionRefused | undefined {
  const id = record.intent_id;
  const d = record.decision;
  if (d !== undefined) {
    return { ok: false, code: 'ALREADY_DECIDED', why: `intent ${id} was already decided: ${d.decision} by ${d.decided_by} on ${d.channel} at ${d.ts}`, record };
  }
  switch (record.status) {
    case 'AWAITING_DECISION':
      if (isStaleAt(record, now)) {
        const at = staleAtOf(record);
        return { ok: false, code: 'STALE', why: `intent ${id}'s anchor went stale at ${at === undefined ? '?' : isoAt(at)}: the approval is blocked (STATE_CONFLICT)`, record };
      }
      return undefined;
    case 'RECEIVED':
    case 'VALIDATING':
      return { ok: false, code: 'NOT_AWAITING', why: `intent ${id}'s evidence has not been shown yet`, record };
    default:
      return { ok: false, code: 'NOT_AWAITING', why: `intent ${id}'s approval has ended ${record.status}${record.end_reason ? `: ${record.end_reason}` : ''}`, record };
  }
}

/** The approval a person may decide now, or why there is none: what `phoenix approve` shows before it asks. */
export async function approvalFor(log: EventLog, intentId: string, now: number): Promise<{ ok: true; record: ApprovalRecord; revision: number } | DecisionRefused> {
  const { record, revision } = await readApproval(log, intentId);
  if (record === undefined || revision === undefined) return whyNoApproval(log, intentId);
  return decidable(record, now) ?? { ok: true, record, revision };
}

export async function appendDecision(deps: DecisionDeps, request: DecisionRequest): Promise<DecisionOutcome> {
  const who = request.decidedBy.trim();
  if (who === '') return { ok: false, code: 'NO_PERSON', why: 'a decision must name the person who takes it' };
  const stream = streams.approval(request.intentId);
  for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
    const now = deps.clock.now();
    const found = await approvalFor(deps.log, request.intentId, now);
    if (!found.ok) return found;
    const { record, revision } = found;
    const reason = request.reason?.trim();
    const writer = new BeadWriter(deps);
    // Issue 17: the decision names the exact order it was shown, and carries its proof.
    const order = record.evidence?.order;
    const proof = typeof request.proof === 'function' ? request.proof(order) : request.proof;
    const bead = validateBead(
      writer.stamp(
        {
          bead_type: 'APPROVAL',
          stream,
          correlation_id: request.intentId,
          data: {
            intent_id: request.intentId,
            event: 'DECISION',
            decision: request.decision,
            decided_by: who,
            channel: request.channel,
            ...(record.content_hash === undefined ? {} : { content_hash: record.content_hash }),
            ...(reason ? { reason } : {}),
            ...(order === undefined ? {} : { binding: order, binding_hash: bindingHash(order) }),
            ...(proof === undefined ? {} : { proof }),
          },
          ...(record.evidence_bead_id === undefined ? {} : { causation_id: record.evidence_bead_id }),
        },
        now,
      ),
    ) as BeadOf<'APPROVAL'>;
    try {
      await writer.appendStamped([bead], revision);
      return { ok: true, bead, record };
    } catch (err) {
      if (!isWrongExpectedRevision(err)) throw err;
    }
  }
  return { ok: false, code: 'CHANGED_MEANWHILE', why: `approval-${request.intentId} kept changing while the decision was being written; try again` };
}
