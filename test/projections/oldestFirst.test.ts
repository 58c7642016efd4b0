/**
 * The bounded folds' eviction (projections/oldestFirst.ts) leaves each map
 * and set exactly as the plain loop over a fresh iterator would: the same
 * entries in the same order, whatever mix of adds, refreshes, evictions and
 * other deletes comes before.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { dropOldest, evictOldest, moveToEnd } from '../../projections/oldestFirst.ts';

type Op =
  | { op: 'set'; key: number; value: number }
  | { op: 'evict'; below: number; max: number }
  | { op: 'drop' }
  | { op: 'delete'; key: number }
  | { op: 'refresh'; key: number };

const key = fc.integer({ min: 0, max: 40 });
const ops = fc.array(
  fc.oneof(
    fc.record({ op: fc.constant('set' as const), key, value: fc.integer({ min: 0, max: 100 }) }),
    fc.record({ op: fc.constant('evict' as const), below: fc.integer({ min: 0, max: 100 }), max: fc.integer({ min: 0, max: 30 }) }),
    fc.record({ op: fc.constant('drop' as const) }),
    fc.record({ op: fc.constant('delete' as const), key }),
  ),
  { maxLength: 300 },
);

describe('oldestFirst', () => {
  it('evictOldest and dropOldest leave a map as the plain loop does, deletes elsewhere included', () => {
    fc.assert(
      fc.property(ops, (run: Op[]) => {
        const ours = new Map<number, number>();
        const plain = new Map<number, number>();
        const evictedOurs: number[] = [];
        const evictedPlain: number[] = [];
        for (const o of run) {
          if (o.op === 'set') {
            ours.set(o.key, o.value);
            plain.set(o.key, o.value);
          } else if (o.op === 'evict') {
            const kept = (_: number, v: number, size: number) => v >= o.below && size <= o.max;
            evictOldest(ours, (k, v) => kept(k, v, ours.size), (k) => evictedOurs.push(k));
            for (const [k, v] of plain) {
              if (kept(k, v, plain.size)) break;
              plain.delete(k);
              evictedPlain.push(k);
            }
          } else if (o.op === 'drop') {
            dropOldest(ours);
            if (plain.size > 0) plain.delete(plain.keys().next().value as number);
          } else if (o.op === 'delete') {
            // A delete outside the helpers, with the key not added back before the next eviction (the documented condition).
            ours.delete(o.key);
            plain.delete(o.key);
            evictOldest(ours, () => true);
          }
          expect([...ours]).toEqual([...plain]);
        }
        expect(evictedOurs).toEqual(evictedPlain);
      }),
      { numRuns: 300 },
    );
  });

  it('moveToEnd and dropOldest keep a set in the order of a delete and add', () => {
    const setOps = fc.array(fc.oneof(fc.record({ op: fc.constant('refresh' as const), key }), fc.record({ op: fc.constant('drop' as const) })), { maxLength: 300 });
    fc.assert(
      fc.property(setOps, (run) => {
        const ours = new Set<number>();
        const plain = new Set<number>();
        for (const o of run) {
          if (o.op === 'refresh') {
            moveToEnd(ours, o.key);
            plain.delete(o.key);
            plain.add(o.key);
          } else {
            dropOldest(ours);
            if (plain.size > 0) plain.delete(plain.values().next().value as number);
          }
          expect([...ours]).toEqual([...plain]);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('walks the holes of a long-evicted map once, not once per eviction', () => {
    const map = new Map<number, number>();
    const start = performance.now();
    for (let i = 0; i < 200_000; i++) {
      map.set(i, i);
      evictOldest(map, () => map.size <= 10_000);
    }
    // The plain loop takes seconds here (thousands of holes walked per bead); this, tens of milliseconds.
    expect(performance.now() - start).toBeLessThan(1_500);
    expect(map.size).toBe(10_000);
    expect(map.keys().next().value).toBe(190_000);
  });
});
