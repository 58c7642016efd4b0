import { afterEach, describe, expect, it } from 'vitest';
import { evidenceSections } from '../../actors/approval/render.ts';
import { type ReadableView, readableEvidence } from '../../actors/dashboard/readableEvidence.ts';
import { evidence, intent } from '../approval/fixtures.ts';
import { beads } from './beads.ts';
import { startTestDashboard, type TestDashboard, waitForView } from './support.ts';

const bundle = () => evidence() as unknown as Record<string, unknown>;

describe('a pending approval’s evidence, readable', () => {
  it('a recorded bundle becomes the rows the terminal shows, warnings first', () => {
    const e = evidence();
    expect(readableEvidence(bundle())).toEqual({ warnings: [], sections: evidenceSections(e) });
    const degraded = readableEvidence({ ...bundle(), health: { status: 'DEGRADED', checked_at: null, mode: 'PAPER' } });
    expect(degraded.warnings).toEqual(['health is DEGRADED']);
  });

  it('the RECEIVED record (intent and timers, no bundle yet) says so', () => {
    expect(readableEvidence({ intent: intent(), stale_gate_ms: 900, token_ttl_ms: 120 })).toEqual({ warnings: [], sections: [], note: 'the evidence bundle is not assembled yet' });
  });

  it('a record of another shape is named, never rendered half or thrown on', () => {
    const odd: Record<string, unknown>[] = [
      { assembled_at: 'x' },
      { ...bundle(), risk: null },
      { ...bundle(), risk: { ...evidence().risk, units: '20000' } },
      { ...bundle(), account: { balance: null, currency: null, open_positions: 'none' } },
      { ...bundle(), intent: { ...intent(), entry: -1 } },
      { ...bundle(), health: { status: 'HEALTHY', checked_at: null, mode: 'REAL' } },
    ];
    for (const recorded of odd) {
      const shown = readableEvidence(recorded);
      expect(shown.sections).toEqual([]);
      expect(shown.note).toMatch(/^the recorded evidence cannot be read \(.+\)/);
    }
    expect(readableEvidence({ ...bundle(), risk: { ...evidence().risk, units: '20000' } }).note).toContain('risk.units');
  });
});

describe('the dashboard view carries it', () => {
  let t: TestDashboard | undefined;
  afterEach(async () => {
    await t?.stop();
    t = undefined;
  });

  it('beside the raw record, for every pending approval with evidence', async () => {
    t = await startTestDashboard({
      history: [beads.approval('cse-1', 'EVIDENCE_SHOWN', { evidence: bundle() }, { t: 1 }), beads.approval('cse-2', 'RECEIVED', {}, { t: 2 })],
    });
    const view = (await waitForView(t.dashboard, (v) => v.approvals.pending.length === 2)) as unknown as ReadableView;
    const [second, first] = view.approvals.pending;
    expect(first?.evidence).toEqual(bundle());
    expect(first?.evidence_readable).toEqual({ warnings: [], sections: evidenceSections(evidence()) });
    expect(second?.evidence_readable).toBeUndefined();
  });
});
