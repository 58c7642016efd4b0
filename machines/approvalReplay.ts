import { initialTransition, type SnapshotFrom, transition } from 'xstate';
import { type Bead, type BeadOf, type Intent, streams } from '../beads/index.ts';
import {
  type ApprovalEmitted,
  type ApprovalEvent,
  type ApprovalEvidence,
  type ApprovalInput,
  type ApprovalState,
  approvalMachine,
  describeAge,
  staleAt,
} from './approval.ts';
import { type BeadEmitted, emittedBy, type MachineReplayerShape, type ReplayResult } from './types.ts';

/**
 * Rebuilds an approval from its `approval-<intent>` stream through XState's
 * pure `transition()`. The first bead (RECEIVED) carries the machine's input;
 * every later bead is read back as the event that produced it. One event may
 * produce several beads (a stale anchor: ANCHOR_CHECKED then STATE_CONFLICT),
 * so the beads a transition emitted beyond the one being read are expected
 * next, in order. A DECISION bead was written by a person's command, not by
 * the machine, so it produces no bead of its own kind.
 */

export type ApprovalSnapshot = SnapshotFrom<typeof approvalMachine>;

/** The input a RECEIVED bead recorded; undefined for any other bead. */
export function approvalInputOf(bead: BeadOf<'APPROVAL'>): ApprovalInput | undefined {
  const d = bead.data;
  const recorded = d.evidence as { intent?: Intent; stale_gate_ms?: number; token_ttl_ms?: number } | undefined;
  if (d.event !== 'RECEIVED' || recorded?.intent === undefined || d.content_hash === undefined) return undefined;
  return {
    intent: recorded.intent,
    contentHash: d.content_hash,
    receivedAt: Date.parse(bead.ts),
    ...(recorded.stale_gate_ms === undefined ? {} : { staleGateMs: recorded.stale_gate_ms }),
    ...(recorded.token_ttl_ms === undefined ? {} : { tokenTtlMs: recorded.token_ttl_ms }),
  };
}

/**
 * The DECISION event for a decision bead. The host uses it live too, so the
 * time the machine records is the bead's own `ts`, and replay lands on the
 * same snapshot.
 */
export function decisionEventOf(bead: BeadOf<'APPROVAL'>): ApprovalEvent | undefined {
  const d = bead.data;
  if (d.event !== 'DECISION' || d.decision === undefined || d.channel === undefined) return undefined;
  return {
    type: 'DECISION',
    decision: d.decision,
    decidedBy: d.decided_by ?? '',
    channel: d.channel,
    decisionBeadId: bead.bead_id,
    at: Date.parse(bead.ts),
    ...(d.content_hash === undefined ? {} : { contentHash: d.content_hash }),
    ...(d.reason === undefined ? {} : { reason: d.reason }),
    ...(d.binding === undefined ? {} : { binding: d.binding }),
  };
}

/** The top-level state: the S3.2 name. */
export function approvalStateOf(s: ApprovalSnapshot): ApprovalState {
  return (typeof s.value === 'string' ? s.value : Object.keys(s.value)[0]) as ApprovalState;
}

function consumedEvent(bead: BeadOf<'APPROVAL'>, at: number): ApprovalEvent {
  const text = bead.data.reason ?? '';
  const cut = text.indexOf(': ');
  const head = cut === -1 ? text : text.slice(0, cut);
  const outcome = head === 'REFUSED' || head === 'SEND_FAILED' ? head : 'SENT';
  return { type: 'TOKEN_CONSUMED', tokenId: bead.data.token_id ?? '', outcome, at, ...(cut === -1 ? {} : { reason: text.slice(cut + 2) }) };
}

/** The event that produced a bead, given where the machine is; undefined when none could have. */
export function approvalEventOf(bead: BeadOf<'APPROVAL'>, s: ApprovalSnapshot): ApprovalEvent | undefined {
  const d = bead.data;
  const at = Date.parse(bead.ts);
  switch (d.event) {
    case 'RECEIVED':
      return undefined;
    case 'ANCHOR_CHECKED':
      return { type: 'VALIDATE', at };
    case 'EVIDENCE_SHOWN':
      return d.evidence === undefined ? undefined : { type: 'EVIDENCE_READY', evidence: d.evidence as ApprovalEvidence, at };
    case 'DECISION':
      return decisionEventOf(bead);
    case 'TOKEN_ISSUED':
      if (d.token_id === undefined || d.expires_at === undefined || bead.causation_id === undefined) return undefined;
      return { type: 'TOKEN_MINTED', tokenId: d.token_id, expiresAt: Date.parse(d.expires_at), decisionBeadId: bead.causation_id, at, ...(d.binding === undefined ? {} : { binding: d.binding }) };
    case 'CONSUMED':
      return consumedEvent(bead, at);
    // Timers leave no event of their own: their beads are replayed as time reaching the bead's moment.
    case 'EXPIRED':
    case 'STATE_CONFLICT':
      return { type: 'CLOCK', at };
    case 'REJECTED': {
      const reason = d.reason ?? '';
      if (s.matches('VALIDATING')) return { type: 'EVIDENCE_FAILED', reason, at };
      if (s.matches({ APPROVED: 'minting' })) return { type: 'MINT_FAILED', reason, at };
      if (s.matches({ APPROVED: 'tokenIssued' })) return { type: 'SUBMIT_REFUSED', reason, at };
      return undefined;
    }
  }
}

function beadsOf(emitted: readonly ApprovalEmitted[]): BeadEmitted[] {
  return emitted.filter((e): e is BeadEmitted => e.type === 'bead');
}

function sameFact(expected: BeadEmitted, bead: BeadOf<'APPROVAL'>): boolean {
  const draft = expected.draft;
  if (draft.bead_type !== 'APPROVAL') return false;
  const d = draft.data;
  return d.event === bead.data.event && d.verdict === bead.data.verdict && d.token_id === bead.data.token_id;
}

/**
 * A DECISION bead is another process's claim until the host answers it
 * (issue 17): it counts from the host's ATTESTATION ACCEPTED that names it
 * (or, in a stream written before attestations, from the host bead that
 * followed from it: its TOKEN_ISSUED or its REJECTED), and a REFUSED one
 * never counts.
 */
export function replayApproval(beads: readonly Bead[]): ReplayResult<ApprovalSnapshot> {
  const anomalies: string[] = [];
  let snapshot: ApprovalSnapshot | undefined;
  let expected: BeadEmitted[] = [];
  const pending = new Map<string, BeadOf<'APPROVAL'>>();

  const step = (bead: BeadOf<'APPROVAL'>): void => {
    if (snapshot === undefined) return;
    const head = expected[0];
    if (head !== undefined) {
      if (sameFact(head, bead)) {
        expected = expected.slice(1);
        return;
      }
      anomalies.push(`${bead.bead_id}: expected ${describeDraft(head)} next, found ${bead.data.event}`);
      expected = [];
    }
    const event = approvalEventOf(bead, snapshot);
    if (event === undefined) {
      anomalies.push(`${bead.bead_id}: ${bead.data.event} does not follow ${describeApproval(snapshot)}`);
      return;
    }
    const [next, actions] = transition(approvalMachine, snapshot, event);
    const produced = beadsOf(emittedBy<ApprovalEmitted>(actions));
    if (bead.data.event === 'DECISION') {
      expected = produced;
    } else if (produced[0] !== undefined && sameFact(produced[0], bead)) {
      expected = produced.slice(1);
    } else {
      anomalies.push(`${bead.bead_id}: ${bead.data.event} does not follow ${describeApproval(snapshot)}`);
      return;
    }
    snapshot = next;
  };

  for (const bead of beads) {
    if (bead.bead_type === 'ATTESTATION') {
      const decision = pending.get(bead.data.subject_id);
      if (decision === undefined) continue;
      pending.delete(bead.data.subject_id);
      if (bead.data.verdict === 'ACCEPTED') step(decision);
      continue;
    }
    if (bead.bead_type !== 'APPROVAL') {
      anomalies.push(`${bead.bead_id}: a ${bead.bead_type} bead does not belong to an approval stream`);
      continue;
    }
    if (snapshot === undefined) {
      const input = approvalInputOf(bead);
      if (input === undefined) {
        anomalies.push(`${bead.bead_id}: the stream must start with a RECEIVED bead carrying the intent, not ${bead.data.event}`);
        continue;
      }
      snapshot = initialTransition(approvalMachine, input)[0];
      continue;
    }
    if (bead.data.event === 'DECISION') {
      pending.set(bead.bead_id, bead);
      continue;
    }
    const answered = answeredDecision(bead, pending);
    if (answered) {
      pending.delete(answered.bead_id);
      step(answered);
    }
    step(bead);
  }
  for (const missing of expected) anomalies.push(`the stream ends before ${describeDraft(missing)}`);
  return { snapshot: snapshot ?? emptySnapshot(), anomalies };
}

/** A host bead that could only follow from a pending decision: the token minted from it, or the rejection it asked for. */
function answeredDecision(bead: BeadOf<'APPROVAL'>, pending: ReadonlyMap<string, BeadOf<'APPROVAL'>>): BeadOf<'APPROVAL'> | undefined {
  if (bead.data.event === 'TOKEN_ISSUED' && bead.causation_id !== undefined) return pending.get(bead.causation_id);
  if (bead.data.event === 'REJECTED' && bead.data.decided_by !== undefined) {
    if (bead.causation_id !== undefined && pending.has(bead.causation_id)) return pending.get(bead.causation_id);
    return [...pending.values()].reverse().find((d) => d.data.decision === 'REJECT' && d.data.decided_by === bead.data.decided_by);
  }
  return undefined;
}

/** The DECISION beads of a stream that the host has not answered yet (a restart judges them again). */
export function unansweredDecisions(beads: readonly Bead[]): BeadOf<'APPROVAL'>[] {
  const answered = new Set<string>();
  for (const b of beads) {
    if (b.bead_type === 'ATTESTATION') answered.add(b.data.subject_id);
    if (b.bead_type === 'APPROVAL' && b.data.event === 'TOKEN_ISSUED' && b.causation_id) answered.add(b.causation_id);
  }
  return beads.filter((b): b is BeadOf<'APPROVAL'> => b.bead_type === 'APPROVAL' && b.data.event === 'DECISION' && !answered.has(b.bead_id));
}

function describeDraft(e: BeadEmitted): string {
  return e.draft.bead_type === 'APPROVAL' ? `APPROVAL ${e.draft.data.event}` : e.draft.bead_type;
}

function emptySnapshot(): ApprovalSnapshot {
  const intent: Intent = {
    intent_id: 'none',
    signal: 'READY',
    pair: 'EURUSD',
    confidence: 0,
    entry: 1,
    stop: 0.9,
    target: 1.1,
    setup_type: 'FVG_ENTRY',
    created_at: new Date(0).toISOString(),
  };
  return initialTransition(approvalMachine, { intent, contentHash: '', receivedAt: 0 })[0];
}

/** The state for people: where the approval is and why. */
export function describeApproval(s: ApprovalSnapshot): string {
  const c = s.context;
  const state = approvalStateOf(s);
  switch (state) {
    case 'RECEIVED':
      return 'RECEIVED: anchor not yet checked';
    case 'VALIDATING':
      return `VALIDATING: anchor fresh (${describeAge(c.anchorAgeMs ?? 0)} old), gathering the evidence`;
    case 'AWAITING_DECISION':
      return `AWAITING_DECISION: evidence shown; stale at ${new Date(staleAt(c)).toISOString()}`;
    case 'APPROVED':
      return c.token
        ? `APPROVED by ${c.decision?.decidedBy ?? '?'} on ${c.decision?.channel ?? '?'}: token ${c.token.tokenId} until ${new Date(c.token.expiresAt).toISOString()}`
        : `APPROVED by ${c.decision?.decidedBy ?? '?'} on ${c.decision?.channel ?? '?'}: minting the token`;
    default:
      return `${state}${c.endReason ? `: ${c.endReason}` : ''}`;
  }
}

/** The `phoenix replay` hook; registered in tools/replay/machineReplayers.ts. */
export const approvalReplayer: MachineReplayerShape = {
  machine: 'approval',
  owns: (stream) => stream.startsWith(streams.approval('')),
  stateAfter(beads) {
    const { snapshot, anomalies } = replayApproval(beads);
    return anomalies.length === 0 ? describeApproval(snapshot) : `${describeApproval(snapshot)} [${anomalies.length} bead(s) did not fit]`;
  },
};
