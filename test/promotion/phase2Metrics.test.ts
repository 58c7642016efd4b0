import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { type Phase2Source, registerPhase2Gauges } from '../../actors/dashboard/metrics.ts';

/** /metrics for issue 14: the Phase-2 figures, each gate met or not, the promotion state and the live gate, read at scrape time. */
describe('Phase-2 gauges', () => {
  it('serve each figure that has something to measure, and leave out the ones that have not', async () => {
    const registry = new Registry();
    let source: Phase2Source | undefined;
    registerPhase2Gauges(registry, () => source);
    expect(await registry.metrics()).not.toMatch(/^phoenix_promotion_state\{/m);
    source = {
      promotion: 'PAPER_VALIDATED',
      liveGateOpen: false,
      gates: [
        { id: 'P2-1', name: 'DRIFT_FREE', status: 'MET', value: 0 },
        { id: 'P2-2', name: 'ALERT_PRECISION', status: 'MET', value: 0.9 },
        { id: 'P2-3', name: 'ALERT_RECALL', status: 'NOT_MET', value: 0.75 },
        { id: 'P2-4', name: 'E2E_LATENCY', status: 'NOT_MET', value: null },
        { id: 'P2-5', name: 'DAEMON_UPTIME', status: 'MET', value: 0.995 },
      ],
    };
    const text = await registry.metrics();
    expect(text).toMatch(/^phoenix_phase2_drift_events\{gate="P2-1"\} 0$/m);
    expect(text).toMatch(/^phoenix_phase2_alert_precision_ratio\{gate="P2-2"\} 0\.9$/m);
    expect(text).toMatch(/^phoenix_phase2_alert_recall_ratio\{gate="P2-3"\} 0\.75$/m);
    expect(text).not.toMatch(/^phoenix_phase2_e2e_latency_median_seconds\{/m);
    expect(text).toMatch(/^phoenix_phase2_uptime_ratio\{gate="P2-5"\} 0\.995$/m);
    expect(text).toMatch(/^phoenix_phase2_gate_met\{gate="P2-3"\} 0$/m);
    expect(text).toMatch(/^phoenix_promotion_state\{state="PAPER_VALIDATED"\} 1$/m);
    expect(text).toMatch(/^phoenix_promotion_state\{state="LIVE_ACTIVE"\} 0$/m);
    expect(text).toMatch(/^phoenix_live_gate_open 0$/m);
  });
});
