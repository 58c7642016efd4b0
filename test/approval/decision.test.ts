import { describe, expect, it } from 'vitest';
import { appendDecision, type DecisionDeps } from '../../actors/approval/decision.ts';
import { ManualClock } from '../../runtime/clock.ts';
import type { Bead } from '../../beads/index.ts';
import { decisionEventOf } from '../../machines/approvalReplay.ts';
import { uuidV7Ids } from '../../store/ids.ts';
import { MemoryEventLog } from '../../store/memory.ts';
import { stampAt } from '../machines/support.ts';
import { approvalInput, evidence, HASH, intent, STALE_AT, T0 } from './fixtures.ts';
import { ApprovalFlow } from './flowHarness.ts';

/** The shared decision writer: `phoenix approve`, `phoenix reject` and Telegram's buttons go through it. */

async function logWith(beads: readonly Bead[]): Promise<MemoryEventLog> {
  const log = new MemoryEventLog();
  for (const b of beads) await log.append(b.stream, [b]);
  return log;
}

async function awaiting(): Promise<{ flow: ApprovalFlow; log: MemoryEventLog }> {
  const flow = new ApprovalFlow();
  flow.holdSubmits = true;
  await flow.validateAndShow();
  return { flow, log: await logWith(flow.beads) };
}

const deps = (log: MemoryEventLog, at = T0 + 50): DecisionDeps => ({ log, clock: new ManualClock(at), ids: uuidV7Ids, hostId: 'phoenix-1', mode: 'PAPER' });
const approve = { intentId: 'cse-1', decision: 'APPROVE', decidedBy: 'alice', channel: 'TERMINAL' } as const;

describe('appendDecision', () => {
  it('appends a valid DECISION bead on approval-<intent>, bound to the content shown and caused by the evidence bead', async () => {
    const { flow, log } = await awaiting();
    const out = await appendDecision(deps(log), approve);
    expect(out.ok).toBe(true);
    if (!out.ok) return;
    const evidenceBead = flow.beads.find((b) => b.bead_type === 'APPROVAL' && b.data.event === 'EVIDENCE_SHOWN')!;
    expect(out.bead).toMatchObject({
      stream: 'approval-cse-1',
      correlation_id: 'cse-1',
      causation_id: evidenceBead.bead_id,
      ts: new Date(T0 + 50).toISOString(),
      data: { event: 'DECISION', decision: 'APPROVE', decided_by: 'alice', channel: 'TERMINAL', content_hash: HASH },
    });
    const stored = await log.readStream('approval-cse-1');
    expect(stored.at(-1)).toMatchObject({ kind: 'bead', bead: { bead_id: out.bead.bead_id } });
    // The host reads the stored bead and turns it into the machine's DECISION event: a token follows.
    await flow.wait(50);
    flow.beads.push(out.bead);
    await flow.send(decisionEventOf(out.bead)!);
    expect(flow.actor.getSnapshot().matches({ APPROVED: 'tokenIssued' })).toBe(true);
  });

  it('a rejection carries its reason', async () => {
    const { log } = await awaiting();
    const out = await appendDecision(deps(log), { ...approve, decision: 'REJECT', reason: ' spread too wide ' });
    expect(out.ok && out.bead.data).toMatchObject({ decision: 'REJECT', reason: 'spread too wide' });
  });

  it('refuses, saying why: no person, unknown intent, FORMING, not taken up, evidence not shown, stale, already decided', async () => {
    const { log } = await awaiting();
    expect(await appendDecision(deps(log), { ...approve, decidedBy: '  ' })).toMatchObject({ ok: false, code: 'NO_PERSON' });
    expect(await appendDecision(deps(log), { ...approve, intentId: 'nope' })).toMatchObject({ ok: false, code: 'UNKNOWN_INTENT', why: 'no intent nope in the log' });

    const accepted = (signal: 'READY' | 'FORMING', id: string) =>
      stampAt({ bead_type: 'INTENT', stream: `intent-${id}`, correlation_id: id, data: { outcome: 'ACCEPTED', intent: intent({ intent_id: id, signal }), source_file: `${id}.yaml`, content_hash: 'h' } }, T0);
    await log.append('intent-f1', [accepted('FORMING', 'f1')]);
    await log.append('intent-r1', [accepted('READY', 'r1')]);
    expect(await appendDecision(deps(log), { ...approve, intentId: 'f1' })).toMatchObject({ code: 'NOT_AWAITING', why: expect.stringMatching(/FORMING: recorded as information/) });
    expect(await appendDecision(deps(log), { ...approve, intentId: 'r1' })).toMatchObject({ code: 'NOT_AWAITING', why: expect.stringMatching(/is the host running/) });

    const early = new ApprovalFlow();
    await early.send({ type: 'VALIDATE', at: early.now });
    expect(await appendDecision(deps(await logWith(early.beads)), approve)).toMatchObject({ code: 'NOT_AWAITING', why: expect.stringMatching(/evidence has not been shown/) });

    expect(await appendDecision(deps(log, STALE_AT), approve)).toMatchObject({ code: 'STALE', why: expect.stringMatching(/went stale at .*STATE_CONFLICT/) });

    expect((await appendDecision(deps(log), approve)).ok).toBe(true);
    expect(await appendDecision(deps(log), { ...approve, decidedBy: 'bob', channel: 'TELEGRAM' })).toMatchObject({
      code: 'ALREADY_DECIDED',
      why: expect.stringMatching(/already decided: APPROVE by alice on TERMINAL/),
    });
  });

  it('an approval that has ended says how', async () => {
    const flow = new ApprovalFlow();
    await flow.validateAndShow();
    await flow.wait(STALE_AT - flow.now);
    expect(await appendDecision(deps(await logWith(flow.beads), STALE_AT), approve)).toMatchObject({ code: 'NOT_AWAITING', why: expect.stringMatching(/ended STATE_CONFLICT: the anchor is stale/) });
  });

  it('two people deciding at once: one decision lands, the other is told it was already decided', async () => {
    const { log } = await awaiting();
    const [a, b] = await Promise.all([appendDecision(deps(log), approve), appendDecision(deps(log), { ...approve, decidedBy: 'bob', channel: 'TELEGRAM' })]);
    expect([a.ok, b.ok].sort()).toEqual([false, true]);
    expect([a, b].find((x) => !x.ok)).toMatchObject({ code: 'ALREADY_DECIDED' });
    const decisions = (await log.readStream('approval-cse-1')).filter((e) => e.kind === 'bead' && e.bead.bead_type === 'APPROVAL' && e.bead.data.event === 'DECISION');
    expect(decisions).toHaveLength(1);
  });

  it('fixtures agree with the machine input', () => {
    expect(approvalInput().contentHash).toBe(evidence().content_hash);
  });
});
