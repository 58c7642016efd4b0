import { describe, expect, it } from 'vitest';
import { classifyIncoming, claimName, nameProblem, safeFileName } from '../../actors/intents/fileNames.ts';
import { intentIdOf, judgeIntentBytes, judgeIntentValue } from '../../actors/intents/judgeIntent.ts';
import { implausiblePrices, priceBand } from '../../actors/intents/plausibility.ts';
import { PAIRS } from '../../beads/index.ts';
import { uuidV7Ids } from '../../store/ids.ts';
import { intentYaml, validIntent } from './support.ts';

const bytes = (text: string) => new TextEncoder().encode(text);

describe('judging an intent from its bytes', () => {
  it('accepts a valid document and keeps the id of an invalid one when it is well formed', () => {
    expect(judgeIntentBytes(bytes(intentYaml()), ['EURUSD'])).toMatchObject({ ok: true, intent: { intent_id: 'i-1' } });
    expect(judgeIntentBytes(bytes(intentYaml({ confidence: 2 })), ['EURUSD'])).toMatchObject({ ok: false, intentId: 'i-1' });
    expect(intentIdOf({ intent_id: '../etc' })).toBeUndefined();
    expect(intentIdOf({ intent_id: 42 })).toBeUndefined();
  });

  it('reports every problem of a document, each naming its field', () => {
    const result = judgeIntentValue(validIntent({ confidence: -0.1, entry: 0, signal: 'MAYBE' }), ['EURUSD']);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.reasons).toEqual([
      expect.stringMatching(/^signal: /),
      'confidence: must be at least 0, got -0.1',
      'entry: must be greater than 0, got 0',
    ]);
  });

  it('checks plausibility and ACTIVE_PAIRS together once the schema holds', () => {
    const result = judgeIntentValue(validIntent({ pair: 'USDJPY', entry: 1.5, stop: 1.4, target: 1.7 }), ['EURUSD']);
    expect(result).toMatchObject({
      ok: false,
      reasons: [
        'entry 1.5 is implausible for USDJPY (expected 50 to 500)',
        'stop 1.4 is implausible for USDJPY (expected 50 to 500)',
        'target 1.7 is implausible for USDJPY (expected 50 to 500)',
        'pair USDJPY is capable but not active (ACTIVE_PAIRS=EURUSD)',
      ],
    });
  });

  it('has one price band per pair, JPY near 150 and the rest near 1', () => {
    for (const pair of PAIRS) {
      const typical = pair === 'USDJPY' ? 150 : 1.1;
      const band = priceBand(pair);
      expect(band.min < typical && typical < band.max).toBe(true);
      expect(implausiblePrices({ pair, entry: typical, stop: typical, target: typical })).toEqual([]);
    }
  });
});

describe('names in the intent folders', () => {
  it('tells temp names, claims and candidates apart', () => {
    for (const temp of ['.x.yaml', 'x.yaml.tmp', 'x.yaml.PART', 'x.yaml~', '..x.yaml']) expect(classifyIncoming(temp)).toEqual({ kind: 'temp' });
    const id = uuidV7Ids.next();
    expect(classifyIncoming(claimName(id, 'a.yaml'))).toEqual({ kind: 'inflight', beadId: id, original: 'a.yaml' });
    expect(classifyIncoming('a.yaml')).toEqual({ kind: 'candidate' });
  });

  it('keeps claim names under the 255-byte limit', () => {
    const long = `${'é'.repeat(120)}.yaml`;
    expect(Buffer.byteLength(claimName(uuidV7Ids.next(), long))).toBeLessThan(255);
  });

  it('refuses odd names and cleans them into a plain one', () => {
    expect(nameProblem('ok-1_a.b.yml')).toBeUndefined();
    expect(nameProblem('a..b.yaml')).toMatch(/not a plain name/);
    expect(nameProblem('a b.yaml')).toMatch(/not a plain name/);
    expect(nameProblem('a.txt')).toMatch(/does not end in .yaml/);
    expect(safeFileName('..\\..\\etc/passwd.yaml')).toBe('____etc_passwd.yaml');
    expect(safeFileName('...')).toBe('_');
    expect(safeFileName('')).toBe('unnamed');
  });
});
