import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ApprovalEvent } from '../../machines/approval.ts';
import { replayApproval } from '../../machines/approvalReplay.ts';
import { comparableSnapshot } from '../../machines/types.ts';
import { BINDING, evidence, HASH, STALE_AT, TOKEN_TTL_MS } from '../approval/fixtures.ts';
import { ApprovalFlow } from '../approval/flowHarness.ts';

/**
 * The approval machine with the real token module and the real submit guard
 * chain around it (test/approval/flowHarness.ts), on XState's simulated clock
 * with the S3.2 limits time-scaled (15 min → 900 ms, 120 s → 120 ms).
 */

const approvalEvents = (flow: ApprovalFlow) => flow.beads.flatMap((b) => (b.bead_type === 'APPROVAL' ? [b.data.event] : []));

describe('the approval flow against the guard chain', () => {
  it('APPROVE → TOKEN_ISSUED → guard chain → CONSUMED, one order sent, every bead on approval-<intent> with the intent as correlation', async () => {
    const flow = new ApprovalFlow();
    await flow.validateAndShow();
    const decision = await flow.decide();
    expect(flow.state()).toBe('CONSUMED');
    expect(flow.sent).toHaveLength(1);
    expect(approvalEvents(flow)).toEqual(['RECEIVED', 'ANCHOR_CHECKED', 'EVIDENCE_SHOWN', 'DECISION', 'TOKEN_ISSUED', 'CONSUMED']);
    expect(flow.beads.every((b) => b.stream === 'approval-cse-1' && b.correlation_id === 'cse-1')).toBe(true);
    const issued = flow.beads.find((b) => b.bead_type === 'APPROVAL' && b.data.event === 'TOKEN_ISSUED');
    expect(issued?.causation_id).toBe(decision.bead_id);
    // The token's secret never reaches a bead.
    expect(JSON.stringify(flow.beads)).not.toContain(flow.minted[0]!);
  });

  it('INV-NO-AUTO-APPROVAL: no token is minted and nothing is sent without a recorded human DECISION bead', async () => {
    // Left alone, an approval only ever ends in STATE_CONFLICT.
    const idle = new ApprovalFlow();
    await idle.validateAndShow();
    await idle.wait(STALE_AT - idle.now + 10);
    expect(idle.state()).toBe('STATE_CONFLICT');
    expect(idle.commands('mint-token')).toEqual([]);
    expect(idle.sent).toEqual([]);

    // A DECISION event with no bead behind it: the machine asks, the token module refuses, nothing is sent.
    const spoofed = new ApprovalFlow();
    await spoofed.validateAndShow();
    await spoofed.send({ type: 'DECISION', decision: 'APPROVE', decidedBy: 'mallory', channel: 'TELEGRAM', decisionBeadId: 'not-in-the-log', binding: BINDING, at: spoofed.now });
    expect(spoofed.state()).toBe('REJECTED');
    expect(spoofed.minted).toEqual([]);
    expect(spoofed.sent).toEqual([]);

    // Whatever else happens, a mint is asked for only after a DECISION APPROVE.
    const noDecision: fc.Arbitrary<(at: number) => ApprovalEvent> = fc.oneof(
      fc.constant((at: number): ApprovalEvent => ({ type: 'VALIDATE', at })),
      fc.constant((at: number): ApprovalEvent => ({ type: 'EVIDENCE_READY', evidence: evidence(), at })),
      fc.constant((at: number): ApprovalEvent => ({ type: 'CLOCK', at })),
      fc.constant((at: number): ApprovalEvent => ({ type: 'TOKEN_MINTED', tokenId: 'tok-x', expiresAt: at + 50, decisionBeadId: 'dec-x', at })),
      fc.constant((at: number): ApprovalEvent => ({ type: 'TOKEN_CONSUMED', tokenId: 'tok-x', outcome: 'SENT', at })),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(noDecision, fc.integer({ min: 0, max: 300 })), { maxLength: 12 }), async (steps) => {
        const flow = new ApprovalFlow();
        for (const [event, wait] of steps) {
          await flow.wait(wait);
          await flow.send(event(flow.now));
        }
        expect(flow.commands('mint-token')).toEqual([]);
        expect(flow.minted).toEqual([]);
        expect(flow.sent).toEqual([]);
      }),
      { numRuns: 60 },
    );
  });

  it('CV_S33_9: waiting past the stale gate gives STATE_CONFLICT, blocks a later approval, and sends nothing', async () => {
    const flow = new ApprovalFlow();
    await flow.validateAndShow();
    expect(flow.state()).toBe('AWAITING_DECISION');
    await flow.wait(STALE_AT - flow.now - 1);
    expect(flow.state()).toBe('AWAITING_DECISION');
    await flow.wait(1);
    expect(flow.state()).toBe('STATE_CONFLICT');
    const conflict = flow.beads.at(-1);
    expect(conflict).toMatchObject({ ts: new Date(STALE_AT).toISOString(), data: { event: 'STATE_CONFLICT', verdict: 'STALE' } });
    // The person comes back and approves: too late. The ended machine takes no more events.
    const before = flow.emitted.length;
    await flow.decide();
    expect(flow.emitted.length).toBe(before);
    expect(flow.commands('mint-token')).toEqual([]);
    expect(flow.sent).toEqual([]);
    // And the log says so on replay.
    expect(comparableSnapshot(replayApproval(flow.beads).snapshot)).toEqual(comparableSnapshot(flow.actor.getSnapshot()));
  });

  it('CV_S33_9: a token never outlives the anchor, so the guard chain itself refuses it once the anchor is stale', async () => {
    const flow = new ApprovalFlow();
    flow.killFlag = 'SET';
    await flow.validateAndShow();
    await flow.wait(STALE_AT - flow.now - 40);
    await flow.decide();
    const mint = flow.commands('mint-token')[0]?.event;
    expect(mint).toMatchObject({ expiresAt: STALE_AT });
    // The kill flag held the order back; the approval ends, and its token is discarded.
    expect(flow.state()).toBe('REJECTED');
    await flow.wait(STALE_AT - flow.now);
    flow.killFlag = 'ARMED';
    const late = await flow.guardChain(flow.minted[0]!, 'cse-1', HASH);
    expect(late).toMatchObject({ outcome: 'REFUSED', step: 'TOKEN', reason: expect.stringMatching(/expired/) });
    expect(flow.sent).toEqual([]);
  });

  it('an expired token is refused by the guard, and the approval ends EXPIRED', async () => {
    const flow = new ApprovalFlow();
    await flow.validateAndShow();
    // Hold the submit back with the kill flag… then let the token run out.
    flow.killFlag = 'SET';
    await flow.decide();
    expect(flow.state()).toBe('REJECTED');
    flow.killFlag = 'ARMED';
    await flow.wait(TOKEN_TTL_MS);
    const result = await flow.guardChain(flow.minted[0]!, 'cse-1', HASH);
    expect(result).toMatchObject({ outcome: 'REFUSED', step: 'TOKEN' });
    expect(flow.sent).toEqual([]);

    // The same story with the submit stuck (pacing, say): the machine's own timer ends it EXPIRED and drops the token.
    const quiet = new ApprovalFlow();
    quiet.holdSubmits = true;
    await quiet.validateAndShow();
    await quiet.decide();
    await quiet.wait(TOKEN_TTL_MS - 1);
    expect(quiet.actor.getSnapshot().matches({ APPROVED: 'tokenIssued' })).toBe(true);
    await quiet.wait(1);
    expect(quiet.state()).toBe('EXPIRED');
    expect(quiet.commands('discard-token')).toHaveLength(1);
    expect(quiet.secrets.size).toBe(0);
    expect(comparableSnapshot(replayApproval(quiet.beads).snapshot)).toEqual(comparableSnapshot(quiet.actor.getSnapshot()));
  });

  it('a reused token is refused: one approval, one order', async () => {
    const flow = new ApprovalFlow();
    await flow.validateAndShow();
    await flow.decide();
    expect(flow.sent).toHaveLength(1);
    const again = await flow.guardChain(flow.minted[0]!, 'cse-1', HASH);
    expect(again).toMatchObject({ outcome: 'REFUSED', step: 'TOKEN', reason: expect.stringMatching(/ALREADY_CONSUMED/) });
    expect(flow.sent).toHaveLength(1);
  });

  it('a token for a different intent hash, or a different intent, is refused', async () => {
    const flow = new ApprovalFlow();
    flow.killFlag = 'SET';
    await flow.validateAndShow();
    await flow.decide();
    flow.killFlag = 'ARMED';
    const token = flow.minted[0]!;
    expect(await flow.guardChain(token, 'cse-1', 'sha256:edited-after-approval')).toMatchObject({ outcome: 'REFUSED', step: 'TOKEN', reason: expect.stringMatching(/WRONG_HASH/) });
    expect(await flow.guardChain(token, 'cse-2', HASH)).toMatchObject({ outcome: 'REFUSED', step: 'TOKEN', reason: expect.stringMatching(/WRONG_INTENT/) });
    expect(flow.sent).toEqual([]);
  });

  it('a decision bead for other content than was shown never gets a token; a decision on the content shown still does', async () => {
    const flow = new ApprovalFlow();
    await flow.validateAndShow();
    const shownAt = flow.beads.length;
    await flow.decide({ content_hash: 'sha256:other' });
    expect(flow.state()).toBe('AWAITING_DECISION');
    expect(flow.minted).toEqual([]);
    expect(flow.commands('mint-token')).toEqual([]);
    expect(flow.sent).toEqual([]);
    // The machine says why it ignored the bead (the host logs it) and records nothing of its own for it.
    expect(flow.emitted.filter((e) => e.event.type === 'refused').map((e) => e.event)).toEqual([
      { type: 'refused', intentId: 'cse-1', event: 'DECISION', why: 'the decision is for other content than the intent shown' },
    ]);
    expect(approvalEvents(flow).slice(-1)).toEqual(['DECISION']);
    expect(flow.beads.slice(shownAt).map((b) => b.bead_type)).toEqual(['APPROVAL']);

    // The stray bead did not use the approval up: the person's decision on what was shown gets the one token and the one order.
    const decision = await flow.decide();
    expect(flow.state()).toBe('CONSUMED');
    expect(flow.commands('mint-token').map((c) => c.event.type === 'command' && c.event.command === 'mint-token' && c.event.decisionBeadId)).toEqual([decision.bead_id]);
    expect(flow.minted).toHaveLength(1);
    expect(flow.sent).toHaveLength(1);
  });
});
