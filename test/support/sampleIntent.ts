import type { Intent } from '../../beads/index.ts';

/** A valid READY EURUSD long, the intent most tests and benchmarks start from. */
export function sampleIntent(over: Partial<Intent> = {}): Intent {
  return {
    intent_id: 'i-1',
    signal: 'READY',
    pair: 'EURUSD',
    confidence: 0.85,
    entry: 1.085,
    stop: 1.082,
    target: 1.091,
    setup_type: 'FVG_ENTRY',
    created_at: '2026-11-24T09:00:00.000Z',
    ...over,
  };
}
