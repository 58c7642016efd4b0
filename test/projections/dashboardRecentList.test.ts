import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { emptyRecent, latestRecent, pushRecent, type RecentList, recentItems } from '../../projections/recentList.ts';

describe('recent list (the dashboard fold bounded lists)', () => {
  it('keeps the last N items, oldest first', () => {
    let list = emptyRecent<number>(3);
    for (let i = 1; i <= 5; i++) list = pushRecent(list, i);
    expect(recentItems(list)).toEqual([3, 4, 5]);
    expect(latestRecent(list)).toBe(5);
  });

  it('behaves like an immutable array whatever versions are pushed onto, in any order', () => {
    // Each command pushes a value onto one earlier version; every version must keep reading what it read before.
    const command = fc.record({ from: fc.nat(), value: fc.integer() });
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 6 }), fc.array(command, { maxLength: 60 }), (cap, commands) => {
        const versions: { list: RecentList<number>; expected: number[] }[] = [{ list: emptyRecent(cap), expected: [] }];
        for (const { from, value } of commands) {
          const base = versions[from % versions.length]!;
          versions.push({ list: pushRecent(base.list, value), expected: [...base.expected, value].slice(-cap) });
        }
        for (const v of versions) expect(recentItems(v.list)).toEqual(v.expected);
        // The shared backing array never holds more than twice the cap.
        for (const v of versions) expect(v.list.backing.length).toBeLessThanOrEqual(2 * cap + 1);
      }),
    );
  });
});
