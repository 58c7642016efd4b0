import { copyFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { systemClock } from '../../runtime/clock.ts';
import { FlowViews } from '../../actors/flow/flowViews.ts';
import { computeGates } from '../../actors/gates/computeGates.ts';
import { RUNBOOKS_DIR } from '../../actors/gates/runbookInputs.ts';
import { BeadWriter } from '../../runtime/beadWriter.ts';
import type { EvidenceGate } from '../../machines/approval.ts';
import { uuidV7Ids } from '../../store/ids.ts';
import { MemoryEventLog } from '../../store/memory.ts';
import { makeTempDir } from '../support/tempDir.ts';
import { type FlowRig, intentOf, startFlowRig } from './flowRig.ts';

/**
 * The paper-validation progress in the running flow's evidence bundle says
 * what `phoenix gates` says, P1-5 included: the flow reads the same runbooks
 * folder, so a person deciding sees the gate's real status, not "not read".
 */

let rig: FlowRig | undefined;
afterEach(async () => {
  await rig?.stop();
  rig = undefined;
});

async function shownGates(r: FlowRig, id: string): Promise<EvidenceGate[]> {
  await r.ready(intentOf(id));
  const shown = await r.waitForBead('APPROVAL', (b) => b.data.intent_id === id && b.data.event === 'EVIDENCE_SHOWN', 'evidence');
  return (shown.data.evidence as { paper_validation: { gates: EvidenceGate[] } }).paper_validation.gates;
}

async function gatesCommandSays(r: FlowRig, id: string) {
  const { gates } = await computeGates(r.log);
  return gates.find((g) => g.id === id);
}

describe('P1-5 in the running flow’s evidence', () => {
  it('shows the runbooks folder as read, as phoenix gates does: all present, no drill yet', async () => {
    rig = await startFlowRig();
    const p15 = (await shownGates(rig, 'rb-1')).find((g) => g.id === 'P1-5');
    expect(p15?.detail).not.toContain('not read');
    expect(p15?.status).toBe('NOT_MET');
    expect(p15?.detail).toMatch(/^all \d+ runbooks present; no RB-004 drill recorded/);
    const cli = await gatesCommandSays(rig, 'P1-5');
    expect(p15).toEqual({ id: 'P1-5', name: 'RUNBOOKS_COMPLETE', status: cli?.status, detail: cli?.detail });
  });

  it('is MET once an RB-004 drill has passed, as phoenix gates says', async () => {
    const log = new MemoryEventLog();
    const writer = new BeadWriter({ log, clock: systemClock, ids: uuidV7Ids, hostId: 'flow-host', mode: 'MOCK' });
    await writer.write({ bead_type: 'DRILL', stream: 'drill-RB-004', correlation_id: 'drill-1', data: { runbook_id: 'RB-004', event: 'FINISHED', outcome: 'PASS', resolution_ms: 1200 } });
    rig = await startFlowRig({ log });
    const p15 = (await shownGates(rig, 'rb-2')).find((g) => g.id === 'P1-5');
    expect(p15?.status).toBe('MET');
    expect(p15?.status).toBe((await gatesCommandSays(rig, 'P1-5'))?.status);
  });
});

describe('the flow’s gates view', () => {
  it('reads the runbooks folder it is given: a missing runbook is named, an absent folder is an empty one', () => {
    const dir = makeTempDir('phoenix-runbooks');
    try {
      for (const f of readdirSync(RUNBOOKS_DIR).filter((n) => !n.startsWith('RB-004'))) copyFileSync(join(RUNBOOKS_DIR, f), join(dir.dir, f));
      expect(new FlowViews(dir.dir).gateResults().find((g) => g.id === 'P1-5')?.detail).toBe('missing RB-004; no RB-004 drill recorded (phoenix drill)');
      expect(new FlowViews(join(dir.dir, 'nowhere')).gateResults().find((g) => g.id === 'P1-5')?.detail).toMatch(/^missing RB-001, RB-002, /);
    } finally {
      dir.remove();
    }
  });
});
