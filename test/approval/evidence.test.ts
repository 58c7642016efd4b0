import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { assembleEvidence, type EvidenceInputs, evidenceWarnings } from '../../actors/approval/evidence.ts';
import { renderEvidenceMarkdown, renderEvidenceText, writeEvidenceResponse } from '../../actors/approval/render.ts';
import { renderIntentTable, responsePath } from '../../actors/intents/index.ts';
import { gateResults, initialGates } from '../../projections/gates.ts';
import type { PositionRecord } from '../../projections/positions.ts';
import { ANCHOR_AT, HASH, intent, STALE_GATE_MS, T0 } from './fixtures.ts';

const open: PositionRecord = {
  position_id: 'pos-old',
  intent_id: 'old',
  state: 'MANAGED',
  pair: 'EURUSD',
  side: 'LONG',
  quantity: 20_000,
  avg_price: 1.08,
  stop: 1.077,
  target: 1.086,
  mode: 'PAPER',
  opened_at: new Date(T0 - 3_600_000).toISOString(),
  updated_at: new Date(T0).toISOString(),
};

const inputs = (over: Partial<EvidenceInputs> = {}): EvidenceInputs => ({
  intent: intent(),
  contentHash: HASH,
  now: T0,
  staleGateMs: STALE_GATE_MS,
  quote: { bid: 1.0849, ask: 1.0851, at: T0 - 200 },
  units: 20_000,
  account: { balance: 100_000, currency: 'USD' },
  openPositions: [open],
  health: { status: 'HEALTHY', checkedAt: new Date(T0 - 1000).toISOString() },
  mode: 'PAPER',
  gates: gateResults(initialGates()),
  ...over,
});

describe('the evidence bundle', () => {
  it('has every item S3.2 asks for: intent, price and anchor age, risk, account and positions, health and mode, paper progress', () => {
    const out = assembleEvidence(inputs());
    expect(out.ok).toBe(true);
    if (!out.ok) return;
    expect(out.evidence).toMatchObject({
      intent: intent(),
      content_hash: HASH,
      price: { bid: 1.0849, ask: 1.0851, mid: 1.085 },
      anchor: { age_s: (T0 - ANCHOR_AT) / 1000, stale_after_s: STALE_GATE_MS / 1000 },
      risk: { side: 'LONG', units: 20_000, pips_to_stop: 30, pips_to_target: 60, pips_price_to_stop: 30, money_at_risk: 60, money_to_target: 120, reward_to_risk: 2, currency: 'USD' },
      account: { balance: 100_000, currency: 'USD', open_positions: [{ position_id: 'pos-old', pair: 'EURUSD', side: 'LONG', quantity: 20_000, state: 'MANAGED' }] },
      health: { status: 'HEALTHY', mode: 'PAPER' },
      paper_validation: { summary: expect.stringMatching(/^0\/8 phase-1 gates met; P1-2 not met; P1-3 0\/3/) },
    });
    expect(evidenceWarnings(out.evidence)).toEqual([]);
  });

  it('cannot be shown without a current price', () => {
    expect(assembleEvidence(inputs({ quote: undefined }))).toEqual({ ok: false, reason: 'no current EURUSD price to show' });
  });

  it('warns of what a person must not miss: through the stop, beyond the target, LIVE, unhealthy', () => {
    const through = assembleEvidence(inputs({ quote: { bid: 1.0815, ask: 1.0817, at: T0 }, mode: 'LIVE', health: { status: 'DEGRADED', checkedAt: '' } }));
    expect(through.ok && evidenceWarnings(through.evidence)).toEqual([
      'LIVE account: this order uses real money',
      'the current price is already 4 pips through the stop',
      'health is DEGRADED',
    ]);
    const beyond = assembleEvidence(inputs({ quote: { bid: 1.0912, at: T0 }, health: undefined }));
    expect(beyond.ok && evidenceWarnings(beyond.evidence)).toEqual(['the current price is already at or beyond the target', 'no heartbeat recorded yet: health unknown']);
  });
});

describe('rendering the bundle', () => {
  let home: string | undefined;
  afterEach(() => {
    if (home) rmSync(home, { recursive: true, force: true });
  });

  const evidence = () => {
    const out = assembleEvidence(inputs());
    if (!out.ok) throw new Error(out.reason);
    return out.evidence;
  };

  it('response.md: the intent seam’s table, the bundle, the deadline and how to decide, written atomically where the seam writes', async () => {
    home = mkdtempSync(join(tmpdir(), 'phoenix-evidence-'));
    const path = await writeEvidenceResponse(home, evidence(), { beadId: 'b-1', staleAt: '2026-11-24T09:00:00.801Z' });
    expect(path).toBe(responsePath(home));
    const md = readFileSync(path, 'utf8');
    expect(md).toContain('# Approval needed: `cse-1` LONG 20000 EURUSD');
    expect(md).toContain('Decide before **2026-11-24T09:00:00.801Z**');
    expect(md).toContain(renderIntentTable(intent()));
    for (const line of ['| money at risk | 60.00 USD |', '| reward : risk | 2.00 |', '| open positions | pos-old LONG 20000 EURUSD MANAGED |', '| mode | PAPER |', 'phoenix approve cse-1', 'phoenix reject cse-1']) {
      expect(md).toContain(line);
    }
    expect(md).toContain('EVIDENCE_SHOWN bead `b-1`');
  });

  it('terminal text: the same facts, aligned, warnings first', () => {
    const text = renderEvidenceText({ ...evidence(), health: { status: 'DEGRADED', checked_at: null, mode: 'PAPER' } }, { staleAt: 'soon' });
    const lines = text.split('\n');
    expect(lines[0]).toBe('Approval needed: cse-1 LONG 20000 EURUSD — decide before soon');
    expect(lines[1]).toBe('!! health is DEGRADED');
    expect(text).toMatch(/ {2}pips to stop +30 pips from the entry; 30 from the current price/);
    expect(text).toMatch(/ {2}balance +100000\.00 USD/);
    expect(renderEvidenceMarkdown(evidence())).not.toContain('undefined');
    expect(text).not.toContain('undefined');
  });
});
