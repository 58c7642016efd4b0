import { describe, expect, it } from 'vitest';
import { initialTransition, transition } from 'xstate';
import type { Bead, BeadOf } from '../../beads/index.ts';
import {
  type ApprovalCommand,
  type ApprovalEmitted,
  type ApprovalEvent,
  approvalMachine,
  FUTURE_ANCHOR_TOLERANCE_MS,
} from '../../machines/approval.ts';
import { approvalReplayer, approvalStateOf, decisionEventOf, replayApproval } from '../../machines/approvalReplay.ts';
import { type BeadEmitted, comparableSnapshot, emittedBy } from '../../machines/types.ts';
import { ANCHOR_AT, approvalInput, BINDING, decisionBead, evidence, HASH, intent, STALE_AT, STALE_GATE_MS, T0, TOKEN_TTL_MS } from '../approval/fixtures.ts';
import { ApprovalFlow } from '../approval/flowHarness.ts';
import { decide } from './support.ts';

/** Given / when / then over the pure transition: the emitted APPROVAL beads and commands are the spec. */

type Snapshot = ReturnType<typeof initialTransition<typeof approvalMachine>>[0];

const given = (...events: ApprovalEvent[]): Snapshot => {
  let s = initialTransition(approvalMachine, approvalInput())[0];
  for (const e of events) s = transition(approvalMachine, s, e)[0];
  return s;
};
const when = (s: Snapshot, e: ApprovalEvent) => decide<typeof approvalMachine, ApprovalEmitted>(approvalMachine, s, e);
const beads = (emitted: ApprovalEmitted[]) =>
  emitted.filter((e): e is BeadEmitted => e.type === 'bead').map((e) => (e.draft.bead_type === 'APPROVAL' ? e.draft.data : undefined));
const commands = (emitted: ApprovalEmitted[]) => emitted.filter((e): e is ApprovalCommand => e.type === 'command');

const validate = { type: 'VALIDATE', at: T0 } as const;
const shown = { type: 'EVIDENCE_READY', evidence: evidence(), at: T0 + 5 } as const;
const approve = (at = T0 + 10, over: Partial<Extract<ApprovalEvent, { type: 'DECISION' }>> = {}): ApprovalEvent => ({
  type: 'DECISION',
  decision: 'APPROVE',
  decidedBy: 'alice',
  channel: 'TERMINAL',
  decisionBeadId: 'dec-1',
  contentHash: HASH,
  binding: BINDING,
  at,
  ...over,
});
const minted = { type: 'TOKEN_MINTED', tokenId: 'tok-1', expiresAt: T0 + 10 + TOKEN_TTL_MS, decisionBeadId: 'dec-1', at: T0 + 11 } as const;

describe('approval machine (S3.2)', () => {
  it('records RECEIVED with the intent and its limits, so the stream replays on its own', () => {
    const [s, actions] = initialTransition(approvalMachine, approvalInput());
    expect(approvalStateOf(s)).toBe('RECEIVED');
    const emitted = emittedBy<BeadEmitted>(actions);
    expect(emitted[0]?.draft).toMatchObject({
      stream: 'approval-cse-1',
      correlation_id: 'cse-1',
      data: { event: 'RECEIVED', content_hash: HASH, evidence: { intent: intent(), stale_gate_ms: STALE_GATE_MS, token_ttl_ms: TOKEN_TTL_MS } },
    });
  });

  it('a fresh anchor: ANCHOR_CHECKED FRESH, then the actor is asked for the evidence', () => {
    const { snapshot, emitted } = when(given(), validate);
    expect(approvalStateOf(snapshot)).toBe('VALIDATING');
    expect(beads(emitted)).toEqual([{ intent_id: 'cse-1', event: 'ANCHOR_CHECKED', verdict: 'FRESH', anchor_age_s: (T0 - ANCHOR_AT) / 1000 }]);
    expect(commands(emitted)).toEqual([{ type: 'command', command: 'gather-evidence', intentId: 'cse-1' }]);
  });

  it('a stale anchor at validation: ANCHOR_CHECKED STALE and STATE_CONFLICT; no evidence, nothing to decide', () => {
    const s = initialTransition(approvalMachine, approvalInput({ receivedAt: STALE_AT }))[0];
    const { snapshot, emitted } = when(s, { type: 'VALIDATE', at: STALE_AT });
    expect(approvalStateOf(snapshot)).toBe('STATE_CONFLICT');
    expect(beads(emitted).map((d) => [d?.event, d?.verdict])).toEqual([
      ['ANCHOR_CHECKED', 'STALE'],
      ['STATE_CONFLICT', 'STALE'],
    ]);
    expect(commands(emitted)).toEqual([]);
  });

  it('an anchor exactly at the gate is still FRESH; one millisecond later it is not', () => {
    const atGate = STALE_AT - 1;
    expect(approvalStateOf(when(initialTransition(approvalMachine, approvalInput({ receivedAt: atGate }))[0], { type: 'VALIDATE', at: atGate }).snapshot)).toBe('VALIDATING');
    expect(approvalStateOf(when(initialTransition(approvalMachine, approvalInput({ receivedAt: STALE_AT }))[0], { type: 'VALIDATE', at: STALE_AT }).snapshot)).toBe('STATE_CONFLICT');
  });

  it('an anchor far in the future is not believed (it would stay fresh for ever)', () => {
    const future = intent({ created_at: new Date(T0 + FUTURE_ANCHOR_TOLERANCE_MS + 1).toISOString() });
    const { snapshot, emitted } = when(initialTransition(approvalMachine, approvalInput({ intent: future }))[0], validate);
    expect(approvalStateOf(snapshot)).toBe('STATE_CONFLICT');
    expect(beads(emitted)[1]?.reason).toMatch(/in the future/);
  });

  it('the evidence shown is recorded whole in EVIDENCE_SHOWN; evidence for another intent is refused', () => {
    const { snapshot, emitted } = when(given(validate), shown);
    expect(approvalStateOf(snapshot)).toBe('AWAITING_DECISION');
    expect(beads(emitted)).toEqual([expect.objectContaining({ event: 'EVIDENCE_SHOWN', content_hash: HASH, evidence: evidence() })]);
    const other = when(given(validate), { ...shown, evidence: evidence(intent({ intent_id: 'other' })) });
    expect(approvalStateOf(other.snapshot)).toBe('VALIDATING');
    expect(other.emitted).toEqual([expect.objectContaining({ type: 'refused', event: 'EVIDENCE_READY' })]);
  });

  it('evidence that cannot be gathered ends the approval REJECTED: nothing unseen can be approved', () => {
    const { snapshot, emitted } = when(given(validate), { type: 'EVIDENCE_FAILED', reason: 'no EURUSD price', at: T0 + 1 });
    expect(approvalStateOf(snapshot)).toBe('REJECTED');
    expect(beads(emitted)).toEqual([expect.objectContaining({ event: 'REJECTED', reason: 'no EURUSD price' })]);
  });

  it('APPROVE asks for a token that dies with the TTL or the anchor, whichever is first, and writes no bead of its own', () => {
    const { snapshot, emitted } = when(given(validate, shown), approve());
    expect(approvalStateOf(snapshot)).toBe('APPROVED');
    expect(beads(emitted)).toEqual([]);
    expect(commands(emitted)).toEqual([
      { type: 'command', command: 'mint-token', intentId: 'cse-1', decisionBeadId: 'dec-1', contentHash: HASH, expiresAt: T0 + 10 + TOKEN_TTL_MS, binding: BINDING },
    ]);
    const late = STALE_AT - 50;
    expect(commands(when(given(validate, shown), approve(late)).emitted)[0]).toMatchObject({ expiresAt: STALE_AT });
  });

  it('REJECT ends REJECTED, naming who and where', () => {
    const { snapshot, emitted } = when(given(validate, shown), approve(T0 + 10, { decision: 'REJECT', reason: 'spread too wide' }));
    expect(approvalStateOf(snapshot)).toBe('REJECTED');
    expect(beads(emitted)).toEqual([expect.objectContaining({ event: 'REJECTED', reason: 'spread too wide', decided_by: 'alice', channel: 'TERMINAL' })]);
  });

  it('TOKEN_ISSUED carries the token id and expiry, caused by the decision bead, never a secret; then the submit is asked for', () => {
    const { snapshot, emitted } = when(given(validate, shown, approve()), minted);
    expect(snapshot.matches({ APPROVED: 'tokenIssued' })).toBe(true);
    const issued = emitted.find((e): e is BeadEmitted => e.type === 'bead');
    expect(issued?.draft).toMatchObject({ causation_id: 'dec-1', data: { event: 'TOKEN_ISSUED', token_id: 'tok-1', expires_at: new Date(minted.expiresAt).toISOString() } });
    expect(commands(emitted)).toEqual([{ type: 'command', command: 'submit', intentId: 'cse-1', tokenId: 'tok-1', contentHash: HASH }]);
  });

  it('a token minted from some other decision is refused and discarded', () => {
    const { snapshot, emitted } = when(given(validate, shown, approve()), { ...minted, decisionBeadId: 'dec-forged' });
    expect(snapshot.matches({ APPROVED: 'minting' })).toBe(true);
    expect(emitted.map((e) => (e.type === 'command' ? e.command : e.type))).toEqual(['refused', 'discard-token']);
  });

  it('CONSUMED ends it, with the guard chain’s outcome; an unused token EXPIRES at its expiry', () => {
    const consumed = when(given(validate, shown, approve(), minted), { type: 'TOKEN_CONSUMED', tokenId: 'tok-1', outcome: 'SENT', at: T0 + 12 });
    expect(approvalStateOf(consumed.snapshot)).toBe('CONSUMED');
    expect(beads(consumed.emitted)).toEqual([expect.objectContaining({ event: 'CONSUMED', token_id: 'tok-1', reason: 'SENT' })]);
    const expired = when(given(validate, shown, approve(), minted), { type: 'CLOCK', at: minted.expiresAt });
    expect(approvalStateOf(expired.snapshot)).toBe('EXPIRED');
    expect(commands(expired.emitted)).toEqual([expect.objectContaining({ command: 'discard-token', tokenId: 'tok-1' })]);
  });

  it('a decision that is not a person on a channel, or is for other content, moves nothing', () => {
    for (const bad of [{ decidedBy: ' ' }, { decisionBeadId: '' }, { channel: 'DASHBOARD' as 'TERMINAL' }, { contentHash: 'sha256:other' }]) {
      const { snapshot, emitted } = when(given(validate, shown), approve(T0 + 10, bad));
      expect(approvalStateOf(snapshot)).toBe('AWAITING_DECISION');
      expect(emitted).toEqual([expect.objectContaining({ type: 'refused', event: 'DECISION' })]);
    }
  });

  it('a decision past the stale gate is a STATE_CONFLICT, not an approval', () => {
    const { snapshot, emitted } = when(given(validate, shown), approve(STALE_AT));
    expect(approvalStateOf(snapshot)).toBe('STATE_CONFLICT');
    expect(commands(emitted)).toEqual([]);
  });

  it('ends are final: nothing moves a CONSUMED, REJECTED, EXPIRED or STATE_CONFLICT approval', () => {
    const ended = given(validate, shown, approve(), minted, { type: 'TOKEN_CONSUMED', tokenId: 'tok-1', outcome: 'SENT', at: T0 + 12 });
    for (const e of [approve(T0 + 20), minted, { type: 'CLOCK', at: STALE_AT + 1 } as const]) {
      const { snapshot, emitted } = when(ended, e);
      expect(comparableSnapshot(snapshot)).toEqual(comparableSnapshot(ended));
      expect(emitted).toEqual([]);
    }
  });
});

describe('approval replay', () => {
  it('rebuilds the live snapshot from the stream, decision beads included, and describes it', async () => {
    const flow = new ApprovalFlow();
    await flow.validateAndShow();
    await flow.decide();
    expect(flow.state()).toBe('CONSUMED');
    const { snapshot, anomalies } = replayApproval(flow.beads);
    expect(anomalies).toEqual([]);
    expect(comparableSnapshot(snapshot)).toEqual(comparableSnapshot(flow.actor.getSnapshot()));
    expect(approvalReplayer.stateAfter(flow.beads)).toBe('CONSUMED: SENT');
    expect(approvalReplayer.owns('approval-cse-1')).toBe(true);
    expect(approvalReplayer.owns('position-cse-1')).toBe(false);
  });

  it('says which beads do not fit', () => {
    const decision = decisionBead(T0) as BeadOf<'APPROVAL'>;
    const { anomalies } = replayApproval([decision]);
    expect(anomalies[0]).toMatch(/must start with a RECEIVED bead/);
    expect(decisionEventOf(decision)).toMatchObject({ type: 'DECISION', decisionBeadId: decision.bead_id, at: T0 });
  });

  it('a stream cut between two beads of one transition says what is missing', async () => {
    const flow = new ApprovalFlow(approvalInput({ receivedAt: STALE_AT }));
    await flow.send({ type: 'VALIDATE', at: flow.now });
    const cut: Bead[] = flow.beads.slice(0, 2);
    expect(replayApproval(cut).anomalies).toEqual(['the stream ends before APPROVAL STATE_CONFLICT']);
  });
});
