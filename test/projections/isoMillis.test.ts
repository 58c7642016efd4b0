import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isoMillis } from '../../projections/isoMillis.ts';

const pad = (n: number, width: number) => String(n).padStart(width, '0');

/** Timestamps in the stored shape, with every field allowed to stray out of range. */
const beadShaped = fc
  .record({
    year: fc.integer({ min: 0, max: 9999 }),
    month: fc.integer({ min: 0, max: 14 }),
    day: fc.integer({ min: 0, max: 32 }),
    hour: fc.integer({ min: 0, max: 25 }),
    minute: fc.integer({ min: 0, max: 61 }),
    second: fc.integer({ min: 0, max: 61 }),
    ms: fc.integer({ min: 0, max: 999 }),
  })
  .map(
    (t) =>
      `${pad(t.year, 4)}-${pad(t.month, 2)}-${pad(t.day, 2)}T${pad(t.hour, 2)}:${pad(t.minute, 2)}:${pad(t.second, 2)}.${pad(t.ms, 3)}Z`,
  );

describe('isoMillis (bead timestamps as numbers)', () => {
  it('reads every real instant exactly as Date.parse does', () => {
    const instants = fc.date({ min: new Date('0000-01-01T00:00:00.000Z'), max: new Date('9999-12-31T23:59:59.999Z'), noInvalidDate: true });
    fc.assert(fc.property(instants, (d) => {
      expect(isoMillis(d.toISOString())).toBe(d.getTime());
    }), { numRuns: 2000 });
  });

  it('agrees with Date.parse on malformed or out-of-range timestamps too, NaN included', () => {
    fc.assert(fc.property(beadShaped, (ts) => {
      expect(isoMillis(ts)).toBe(Date.parse(ts));
    }), { numRuns: 5000 });
    const odd = fc.oneof(fc.string(), beadShaped.chain((ts) => fc.nat(23).chain((i) => fc.string({ minLength: 1, maxLength: 1 }).map((c) => ts.slice(0, i) + c + ts.slice(i + 1)))));
    fc.assert(fc.property(odd, (ts) => {
      expect(isoMillis(ts)).toBe(Date.parse(ts));
    }), { numRuns: 5000 });
  });

  it('agrees with Date.parse along runs of timestamps, repeats and malformed tails among them', () => {
    // The last answer is remembered: a run must never be answered from an earlier timestamp.
    const tail = fc.oneof(
      fc.record({ minute: fc.integer({ min: 0, max: 61 }), second: fc.integer({ min: 0, max: 61 }), ms: fc.integer({ min: 0, max: 999 }) }).map((t) => `${pad(t.minute, 2)}:${pad(t.second, 2)}.${pad(t.ms, 3)}Z`),
      fc.string({ minLength: 10, maxLength: 10 }),
      fc.string({ maxLength: 12 }),
    );
    const run = fc.tuple(beadShaped, fc.array(fc.tuple(fc.boolean(), tail), { minLength: 1, maxLength: 30 }));
    fc.assert(
      fc.property(run, ([first, tails]) => {
        expect(isoMillis(first)).toBe(Date.parse(first));
        for (const [sameHour, t] of tails) {
          const ts = sameHour ? first.slice(0, 14) + t : t;
          expect(isoMillis(ts), ts).toBe(Date.parse(ts));
          expect(isoMillis(ts), ts).toBe(Date.parse(ts));
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('knows leap days and the ends of months', () => {
    for (const ts of ['2024-02-29T12:00:00.000Z', '2100-02-29T00:00:00.000Z', '2000-02-29T23:59:59.999Z', '2026-04-31T00:00:00.000Z', '2026-12-31T23:59:59.999Z']) {
      expect(isoMillis(ts)).toBe(Date.parse(ts));
    }
  });
});
