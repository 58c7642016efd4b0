import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { approvalStateOf } from '../../machines/approvalReplay.ts';
import { approvalRecord, foldAllApprovals, pendingDecisions, staleAtOf } from '../../projections/approvals.ts';
import { evidence, STALE_AT, T0 } from '../approval/fixtures.ts';
import { ApprovalFlow } from '../approval/flowHarness.ts';

type Step = (flow: ApprovalFlow) => Promise<unknown>;
const steps: fc.Arbitrary<Step>[] = [
  fc.constant((f: ApprovalFlow) => f.send({ type: 'VALIDATE', at: f.now })),
  fc.constant((f: ApprovalFlow) => f.send({ type: 'EVIDENCE_READY', evidence: evidence(), at: f.now })),
  fc.constant((f: ApprovalFlow) => f.decide()),
  fc.constant((f: ApprovalFlow) => f.decide({ decision: 'REJECT', reason: 'no' })),
  fc.constant((f: ApprovalFlow) => f.decide({ decided_by: '' })),
  fc.constant((f: ApprovalFlow) => f.decide({ content_hash: 'sha256:other' })),
  fc.integer({ min: 1, max: 500 }).map((ms) => (f: ApprovalFlow) => f.wait(ms)),
  fc.constant(async (f: ApprovalFlow) => {
    f.killFlag = f.killFlag === 'SET' ? 'ARMED' : 'SET';
  }),
  fc.constant(async (f: ApprovalFlow) => {
    f.holdSubmits = !f.holdSubmits;
  }),
];

describe('approvals view', () => {
  it('says what the machine says, from the same beads, after every step of any story', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.oneof(...steps), { maxLength: 14 }), async (story) => {
        const flow = new ApprovalFlow();
        for (const step of story) {
          await step(flow);
          const record = approvalRecord(foldAllApprovals(flow.beads), 'cse-1');
          expect(record?.status).toBe(approvalStateOf(flow.actor.getSnapshot()));
        }
      }),
      { numRuns: 80 },
    );
  });

  it('keeps the evidence shown, the decision and the anchor’s deadline; lists what a person may still decide', async () => {
    const flow = new ApprovalFlow();
    flow.holdSubmits = true;
    await flow.validateAndShow();
    let view = foldAllApprovals(flow.beads);
    const waiting = approvalRecord(view, 'cse-1')!;
    expect(waiting).toMatchObject({ status: 'AWAITING_DECISION', content_hash: expect.any(String), evidence: evidence() });
    expect(staleAtOf(waiting)).toBe(STALE_AT);
    expect(pendingDecisions(view, T0).map((r) => r.intent_id)).toEqual(['cse-1']);
    expect(pendingDecisions(view, STALE_AT)).toEqual([]);
    const decision = await flow.decide();
    view = foldAllApprovals(flow.beads);
    expect(approvalRecord(view, 'cse-1')).toMatchObject({
      status: 'APPROVED',
      decision: { decision: 'APPROVE', decided_by: 'alice', channel: 'TERMINAL', bead_id: decision.bead_id },
      token: { token_id: 'tok-1' },
    });
  });
});
