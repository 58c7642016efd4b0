import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { emptyRecent, pushRecent, recentItems, upsertRecent } from '../../projections/recentList.ts';

describe('recent list (the dashboard fold bounded lists)', () => {
  it('keeps the last N items, oldest first', () => {
    const list = emptyRecent<number>(3);
    for (let i = 1; i <= 5; i++) pushRecent(list, i);
    expect(recentItems(list)).toEqual([3, 4, 5]);
  });

  it('reads like the last N pushes of an array, and never changes a list it handed out', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 6 }), fc.array(fc.integer(), { maxLength: 60 }), (cap, values) => {
        const list = emptyRecent<number>(cap);
        const handedOut: { items: number[]; copy: number[] }[] = [];
        values.forEach((v, i) => {
          pushRecent(list, v);
          const items = recentItems(list);
          expect(items).toEqual(values.slice(0, i + 1).slice(-cap));
          handedOut.push({ items, copy: [...items] });
        });
        for (const h of handedOut) expect(h.items).toEqual(h.copy);
      }),
    );
  });

  it('updates a keyed item where it stands, or adds it as the newest (how the dashboard keeps one row per alert)', () => {
    const update = fc.record({ key: fc.integer({ min: 0, max: 8 }), value: fc.integer() });
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 6 }), fc.array(update, { maxLength: 60 }), (cap, updates) => {
        const list = emptyRecent<{ key: number; value: number; updates: number }>(cap);
        let expected: { key: number; value: number; updates: number }[] = [];
        for (const { key, value } of updates) {
          upsertRecent(list, (row) => row.key === key, (known) => ({ key, value, updates: (known?.updates ?? 0) + 1 }));
          const at = expected.findIndex((row) => row.key === key);
          expected =
            at >= 0
              ? expected.map((row, i) => (i === at ? { key, value, updates: row.updates + 1 } : row))
              : [...expected, { key, value, updates: 1 }].slice(-cap);
          expect(recentItems(list)).toEqual(expected);
        }
      }),
    );
  });
});
