import type { Bead, BeadType, BeadOf, Intent, Mode } from '../beads/index.ts';
import type { ApprovalEvidence, ApprovalState, DecisionChannel } from '../machines/approvalVocabulary.ts';

/**
 * Where every approval stands, folded from APPROVAL beads: what `phoenix
 * approve` and `phoenix reject` check before a person's decision is written,
 * and what the dashboard and the bot list as pending. It follows the
 * machine's rules for decisions (a person, a channel, the content shown, in
 * time), so a decision bead the machine would ignore is ignored here too.
 */

export interface ApprovalRecord {
  intent_id: string;
  status: ApprovalState;
  mode: Mode;
  intent?: Intent;
  content_hash?: string;
  /** Epoch ms of the intent's created_at. */
  anchor_at?: number;
  stale_gate_ms?: number;
  /** The latest bundle shown, and its bead. */
  evidence?: ApprovalEvidence;
  evidence_bead_id?: string;
  evidence_shown_at?: string;
  decision?: { decision: 'APPROVE' | 'REJECT'; decided_by: string; channel: DecisionChannel; bead_id: string; ts: string; reason?: string };
  token?: { token_id: string; expires_at: string };
  end_reason?: string;
  received_at: string;
  updated_at: string;
}

export interface ApprovalsView {
  byId: Map<string, ApprovalRecord>;
}

const ENDED: ReadonlySet<ApprovalState> = new Set(['CONSUMED', 'REJECTED', 'EXPIRED', 'STATE_CONFLICT']);

export function emptyApprovalsView(): ApprovalsView {
  return { byId: new Map() };
}

export function isEnded(status: ApprovalState): boolean {
  return ENDED.has(status);
}

/** The first instant the anchor is stale (it is FRESH while its age is at most the gate); undefined if unknown. */
export function staleAtOf(record: ApprovalRecord): number | undefined {
  if (record.anchor_at === undefined || record.stale_gate_ms === undefined) return undefined;
  return record.anchor_at + record.stale_gate_ms + 1;
}

export function isStaleAt(record: ApprovalRecord, now: number): boolean {
  const at = staleAtOf(record);
  return at !== undefined && now >= at;
}

function countsAsDecision(record: ApprovalRecord, bead: BeadOf<'APPROVAL'>): boolean {
  const d = bead.data;
  if (record.status !== 'AWAITING_DECISION' || d.decision === undefined || d.channel === undefined) return false;
  if (!d.decided_by?.trim()) return false;
  if (d.content_hash !== undefined && d.content_hash !== record.content_hash) return false;
  return !isStaleAt(record, Date.parse(bead.ts));
}

function applyApproval(view: ApprovalsView, bead: BeadOf<'APPROVAL'>): void {
  const d = bead.data;
  let record = view.byId.get(d.intent_id);
  if (!record) {
    record = { intent_id: d.intent_id, status: 'RECEIVED', mode: bead.mode, received_at: bead.ts, updated_at: bead.ts };
    view.byId.set(d.intent_id, record);
  }
  if (isEnded(record.status)) return;
  record.updated_at = bead.ts;
  switch (d.event) {
    case 'RECEIVED': {
      const given = d.evidence as { intent?: Intent; stale_gate_ms?: number } | undefined;
      if (given?.intent) {
        record.intent = given.intent;
        record.anchor_at = Date.parse(given.intent.created_at);
      }
      if (given?.stale_gate_ms !== undefined) record.stale_gate_ms = given.stale_gate_ms;
      if (d.content_hash !== undefined) record.content_hash = d.content_hash;
      return;
    }
    case 'ANCHOR_CHECKED':
      record.status = d.verdict === 'STALE' ? 'STATE_CONFLICT' : 'VALIDATING';
      if (d.reason !== undefined) record.end_reason = d.reason;
      return;
    case 'EVIDENCE_SHOWN':
      record.status = 'AWAITING_DECISION';
      if (d.evidence !== undefined) record.evidence = d.evidence as ApprovalEvidence;
      record.evidence_bead_id = bead.bead_id;
      record.evidence_shown_at = bead.ts;
      return;
    case 'DECISION':
      if (!countsAsDecision(record, bead) || d.decision === undefined || d.channel === undefined) return;
      record.decision = {
        decision: d.decision,
        decided_by: d.decided_by ?? '',
        channel: d.channel,
        bead_id: bead.bead_id,
        ts: bead.ts,
        ...(d.reason === undefined ? {} : { reason: d.reason }),
      };
      record.status = d.decision === 'APPROVE' ? 'APPROVED' : 'REJECTED';
      if (d.decision === 'REJECT') record.end_reason = d.reason ?? `rejected by ${d.decided_by}`;
      return;
    case 'TOKEN_ISSUED':
      record.status = 'APPROVED';
      if (d.token_id !== undefined && d.expires_at !== undefined) record.token = { token_id: d.token_id, expires_at: d.expires_at };
      return;
    case 'CONSUMED':
    case 'EXPIRED':
    case 'STATE_CONFLICT':
    case 'REJECTED':
      record.status = d.event;
      if (d.reason !== undefined) record.end_reason = d.reason;
      return;
  }
}

/** The host refused a decision (issue 17: a forged or unproven one): it never counted, and the approval still awaits one. */
function applyAttestation(view: ApprovalsView, bead: BeadOf<'ATTESTATION'>): void {
  const d = bead.data;
  if (d.subject_type !== 'APPROVAL' || d.verdict !== 'REFUSED') return;
  const record = view.byId.get(bead.correlation_id);
  if (!record?.decision || record.decision.bead_id !== d.subject_id || record.status === 'CONSUMED') return;
  delete record.decision;
  delete record.end_reason;
  record.status = 'AWAITING_DECISION';
  record.updated_at = bead.ts;
}

/** The bead types foldApprovals reads. */
export const APPROVALS_READS = ['APPROVAL', 'ATTESTATION'] as const satisfies readonly BeadType[];

/** Folds one bead in place; beads other than APPROVAL (and the host's answers to decisions) leave the view untouched. */
export function foldApprovals(view: ApprovalsView, bead: Bead): ApprovalsView {
  if (bead.bead_type === 'APPROVAL') applyApproval(view, bead);
  else if (bead.bead_type === 'ATTESTATION') applyAttestation(view, bead);
  return view;
}

export function foldAllApprovals(beads: Iterable<Bead>, into: ApprovalsView = emptyApprovalsView()): ApprovalsView {
  for (const bead of beads) foldApprovals(into, bead);
  return into;
}

export function approvalRecord(view: ApprovalsView, intentId: string): ApprovalRecord | undefined {
  return view.byId.get(intentId);
}

/** Approvals a person could decide now: evidence shown and the anchor still fresh at `now`. */
export function pendingDecisions(view: ApprovalsView, now: number): ApprovalRecord[] {
  return [...view.byId.values()].filter((r) => r.status === 'AWAITING_DECISION' && !isStaleAt(r, now));
}
