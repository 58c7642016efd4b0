import { describe, expect, it } from 'vitest';
import { assembleEvidence, type EvidenceInputs } from '../../actors/approval/evidence.ts';
import { renderEvidenceMarkdown, renderEvidenceText } from '../../actors/approval/render.ts';
import type { Intent } from '../../beads/index.ts';
import { convertMoney } from '../../machines/tradeArithmetic.ts';
import { gateResults, initialGates } from '../../projections/gates.ts';
import { HASH, intent, STALE_GATE_MS, T0 } from './fixtures.ts';

/**
 * Issue 18: a USDJPY bundle said "money at risk 6000.00 JPY" and left the
 * person to divide by 150 in their head. Every amount is shown in the pair's
 * quote currency and in the account's, converted at the bundle's own price,
 * with the rate named.
 */

function bundleFor(over: Partial<Intent>, quote: { bid: number; ask: number }, accountCurrency: string | undefined = 'USD') {
  const inputs: EvidenceInputs = {
    intent: intent(over),
    contentHash: HASH,
    now: T0,
    staleGateMs: STALE_GATE_MS,
    quote: { ...quote, at: T0 - 100 },
    units: 20_000,
    account: accountCurrency === undefined ? undefined : { balance: 100_000, currency: accountCurrency },
    openPositions: [],
    health: { status: 'HEALTHY', checkedAt: new Date(T0).toISOString() },
    mode: 'PAPER',
    gates: gateResults(initialGates()),
  };
  const outcome = assembleEvidence(inputs);
  if (!outcome.ok) throw new Error(outcome.reason);
  return outcome.evidence;
}

/** A row of the terminal text, as a person reads it: the label, then the value (the padding collapsed). */
const row = (text: string, label: string) => text.split('\n').find((l) => l.trimStart().startsWith(label))?.trim().replace(/ {2,}/, '    ');

describe('evidence money in the quote currency and the account currency', () => {
  it('USDJPY: 6000.00 JPY at risk is also 40.00 USD at the bundle’s USDJPY price', () => {
    const e = bundleFor({ pair: 'USDJPY', entry: 150, stop: 149.7, target: 150.6 }, { bid: 149.99, ask: 150.01 });
    const text = renderEvidenceText(e);
    expect(row(text, 'money at risk')).toBe('money at risk    6000.00 JPY (40.00 USD at USDJPY 150)');
    expect(row(text, 'money to target')).toBe('money to target    12000.00 JPY (80.00 USD at USDJPY 150)');
    expect(renderEvidenceMarkdown(e)).toContain('| money at risk | 6000.00 JPY (40.00 USD at USDJPY 150) |');
  });

  it('USDCAD: 60.00 CAD at risk is also 44.44 USD at USDCAD 1.35', () => {
    const e = bundleFor({ pair: 'USDCAD', entry: 1.35, stop: 1.347, target: 1.356 }, { bid: 1.3499, ask: 1.3501 });
    expect(row(renderEvidenceText(e), 'money at risk')).toBe('money at risk    60.00 CAD (44.44 USD at USDCAD 1.35)');
  });

  it('EURUSD in a USD account needs no conversion and says nothing more', () => {
    const e = bundleFor({}, { bid: 1.0849, ask: 1.0851 });
    expect(row(renderEvidenceText(e), 'money at risk')).toBe('money at risk    60.00 USD');
  });

  it('says when it cannot convert instead of guessing: a EUR account and a USDJPY trade', () => {
    const e = bundleFor({ pair: 'USDJPY', entry: 150, stop: 149.7, target: 150.6 }, { bid: 149.99, ask: 150.01 }, 'EUR');
    expect(row(renderEvidenceText(e), 'money at risk')).toBe('money at risk    6000.00 JPY (no JPY/EUR rate yet)');
  });
});

describe('convertMoney', () => {
  const mids: Record<string, number> = { USDJPY: 150, EURUSD: 1.1, USDCAD: 1.35 };
  const mid = (pair: string) => mids[pair];
  it('multiplies by FROMTO, divides by TOFROM, and knows when it has no rate', () => {
    expect(convertMoney(110, 'EUR', 'USD', mid)).toEqual({ amount: 121, currency: 'USD', pair: 'EURUSD', rate: 1.1 });
    expect(convertMoney(-3000, 'JPY', 'USD', mid)).toEqual({ amount: -20, currency: 'USD', pair: 'USDJPY', rate: 150 });
    expect(convertMoney(5, 'USD', 'USD', mid)?.amount).toBe(5);
    expect(convertMoney(5, 'GBP', 'USD', mid)).toBeUndefined();
  });
});
