import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Bead } from '../../beads/index.ts';
import { APPROVAL_END_STATES, type ApprovalEmitted, type ApprovalEvent, approvalMachine } from '../../machines/approval.ts';
import { approvalStateOf, replayApproval } from '../../machines/approvalReplay.ts';
import { comparableSnapshot } from '../../machines/types.ts';
import { approvalInput, evidence, STALE_AT, T0 } from '../approval/fixtures.ts';
import { ApprovalFlow } from '../approval/flowHarness.ts';
import { PureRun } from './virtualTimers.ts';

/**
 * Model-based: random stories (evidence, decisions good and bad, spoofed
 * events, a kill flag, time passing) drive the live actor with the real token
 * module and guard chain (the real system) and, event for event, the pure
 * transition on a virtual timeline (the model). After every step they must
 * agree, replay of the log must land on the same snapshot, and S3.2's
 * invariants must hold. A failure prints its seed and path.
 */

type Model = PureRun<typeof approvalMachine, ApprovalEmitted>;
interface Real {
  flow: ApprovalFlow;
  fed: number;
  ended: string | undefined;
}

function feedModel(model: Model, real: Real): void {
  for (const { at, event } of real.flow.received.slice(real.fed)) {
    model.advance(at - model.now);
    model.send(event);
  }
  real.fed = real.flow.received.length;
  model.advance(real.flow.now - model.now);
}

const isApproval = (b: Bead, event: string) => b.bead_type === 'APPROVAL' && b.data.event === event;

function checkInvariants(model: Model, real: Real): void {
  const { flow } = real;
  const live = flow.actor.getSnapshot();
  expect(comparableSnapshot(live)).toEqual(comparableSnapshot(model.snapshot));
  expect(flow.emitted).toEqual(model.emitted);

  const { snapshot, anomalies } = replayApproval(flow.beads);
  expect(anomalies).toEqual([]);
  expect(comparableSnapshot(snapshot)).toEqual(comparableSnapshot(live));

  // No order without a consumed token, minted from a person's recorded APPROVE, in that order.
  for (const ticket of flow.sent) {
    const consumed = flow.beads.findIndex((b) => isApproval(b, 'CONSUMED'));
    const issued = flow.beads.findIndex((b) => isApproval(b, 'TOKEN_ISSUED'));
    const decision = flow.beads.findIndex((b) => b.bead_id === flow.beads[issued]?.causation_id);
    const d = flow.beads[decision];
    expect({ ticket: ticket.orderRef, consumed, issued, decision }).toEqual({ ticket: ticket.orderRef, consumed, issued, decision: expect.any(Number) });
    expect(decision).toBeGreaterThanOrEqual(0);
    expect(decision < issued && issued < consumed).toBe(true);
    expect(d?.bead_type === 'APPROVAL' && d.data.decision === 'APPROVE' && d.data.decided_by?.trim() && d.data.channel).toBeTruthy();
  }
  expect(flow.sent.length).toBeLessThanOrEqual(1);

  // Ends are ends.
  const state = approvalStateOf(live);
  if (real.ended !== undefined) expect(state).toBe(real.ended);
  if ((APPROVAL_END_STATES as readonly string[]).includes(state)) real.ended = state;

  // Past the gate, anything not already ended otherwise is a STATE_CONFLICT.
  if (flow.now >= STALE_AT) expect(APPROVAL_END_STATES as readonly string[]).toContain(state);
}

class Step implements fc.AsyncCommand<Model, Real> {
  constructor(
    private readonly name: string,
    private readonly act: (flow: ApprovalFlow) => Promise<unknown>,
  ) {}
  check = () => true;
  async run(model: Model, real: Real): Promise<void> {
    await this.act(real.flow);
    feedModel(model, real);
    checkInvariants(model, real);
  }
  toString = () => this.name;
}

const send = (make: (at: number) => ApprovalEvent) => (flow: ApprovalFlow) => flow.send(make(flow.now));

const commands: fc.Arbitrary<fc.AsyncCommand<Model, Real>>[] = [
  fc.constant(new Step('validate', send((at) => ({ type: 'VALIDATE', at })))),
  fc.constant(new Step('evidence', send((at) => ({ type: 'EVIDENCE_READY', evidence: evidence(), at })))),
  fc.constant(new Step('evidence fails', send((at) => ({ type: 'EVIDENCE_FAILED', reason: 'no price', at })))),
  fc
    .tuple(fc.constantFrom<'APPROVE' | 'REJECT'>('APPROVE', 'APPROVE', 'REJECT'), fc.constantFrom<'TERMINAL' | 'TELEGRAM'>('TERMINAL', 'TELEGRAM'))
    .map(([decision, channel]) => new Step(`${decision} on ${channel}`, (flow) => flow.decide({ decision, channel }))),
  fc.constant(new Step('decision with no person', send((at) => ({ type: 'DECISION', decision: 'APPROVE', decidedBy: '', channel: 'TERMINAL', decisionBeadId: 'x', at })))),
  // A DECISION event with no bead behind it breaks the host's contract (decisions come from the log); approval.flow.test.ts shows it still mints nothing.
  fc.constant(new Step('decision bead naming nobody', (flow) => flow.decide({ decided_by: ' ' }))),
  fc.constant(new Step('forged TOKEN_MINTED', send((at) => ({ type: 'TOKEN_MINTED', tokenId: 'forged', expiresAt: at + 100, decisionBeadId: 'ghost', at })))),
  fc.constant(new Step('clock', send((at) => ({ type: 'CLOCK', at })))),
  fc.integer({ min: 1, max: 400 }).map((ms) => new Step(`wait ${ms} ms`, (flow) => flow.wait(ms))),
  fc.constant(
    new Step('toggle kill flag', async (flow) => {
      flow.killFlag = flow.killFlag === 'SET' ? 'ARMED' : 'SET';
    }),
  ),
  fc.constant(
    new Step('toggle stuck submits', async (flow) => {
      flow.holdSubmits = !flow.holdSubmits;
    }),
  ),
];

describe('approval machine, model-based', () => {
  it('live actor and pure transition agree; replay rebuilds it; no order without a consumed token from a recorded APPROVE; ends are final; stale means conflict', async () => {
    await fc.assert(
      fc.asyncProperty(fc.commands(commands, { size: '+1' }), async (cmds) => {
        await fc.asyncModelRun(() => {
          const flow = new ApprovalFlow();
          const model: Model = new PureRun(approvalMachine, approvalInput(), T0);
          return { model, real: { flow, fed: 0, ended: undefined } };
        }, cmds);
      }),
      { numRuns: 80, verbose: 1 },
    );
  });
});
