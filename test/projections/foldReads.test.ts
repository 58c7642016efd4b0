import { inspect } from 'node:util';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BEAD_TYPES, type Bead, type BeadType } from '../../beads/index.ts';
import { benchBeads } from '../../bench/beadMix.ts';
import { ALL_PROJECTIONS, foldAll, type Projection } from '../../bench/foldAll.ts';
import type { LogEntry } from '../../store/port.ts';
import { seededPaperHistory } from '../../tools/bunny/liveSeed.ts';

/**
 * A replay hands each projection only the bead types it says it reads
 * (bench/foldAll.ts). That is safe only if the declaration is true: a bead of
 * any other type, whatever its data, must leave the projection's state as it
 * was.
 */
const corpus: Bead[] = [...seededPaperHistory(Date.parse('2026-11-24T10:00:00.000Z'), { promotionWindowMs: 3_600_000 }), ...benchBeads(0, 400)];
/** Real data of every kind in the corpus: a stray bead carrying another type's fields is the likeliest to fool a fold. */
const anyData = fc.oneof(fc.object(), fc.constantFrom(...corpus.map((b) => b.data)));
const entries: LogEntry[] = corpus.map((bead, i) => ({ kind: 'bead', position: i, stream: bead.stream, revision: 0, bead }));

function stateAfter(p: Projection<unknown>, prefix: number): unknown {
  let state = p.init();
  corpus.slice(0, prefix).forEach((bead, i) => {
    state = p.apply(state, bead, i);
  });
  return state;
}

/** Every field, nested Maps included, and a field set to undefined differs from one never set (toStrictEqual does not look inside Maps). */
const shown = (state: unknown) => inspect(state, { depth: null, maxArrayLength: null, maxStringLength: null });

const declared = ALL_PROJECTIONS.filter((p): p is Projection<unknown> & { reads: readonly BeadType[] } => p.reads !== undefined);

describe('what each projection says it reads', () => {
  it('every projection but the dashboard declares the bead types it reads', () => {
    expect(ALL_PROJECTIONS.filter((p) => p.reads === undefined).map((p) => p.name)).toEqual(['dashboard']);
  });

  for (const p of declared) {
    const unread = BEAD_TYPES.filter((t) => !p.reads.includes(t));
    it(`${p.name}: a bead of a type it does not declare, whatever it holds, leaves its state unchanged`, () => {
      fc.assert(
        fc.property(fc.integer({ min: 0, max: entries.length }), anyData, (prefix, data) => {
          for (const type of unread) {
            const state = stateAfter(p, prefix);
            const before = shown(state);
            const stray = { ...corpus[0]!, bead_type: type, data } as unknown as Bead;
            const after = p.apply(state, stray, prefix);
            expect(shown(after), `a ${type} bead`).toBe(before);
          }
        }),
        { numRuns: 40 },
      );
    });
  }

  it('a replay routed by type folds to the same states as one that hands every projection every entry', async () => {
    const everything = ALL_PROJECTIONS.map(({ reads: _, ...p }) => p);
    const source = async function* () {
      yield* entries;
      yield { kind: 'corrupt', position: entries.length, stream: 's', revision: 0, reason: 'corrupt JSON' } satisfies LogEntry;
    };
    const routed = await foldAll(source());
    const unrouted = await foldAll(source(), everything);
    expect(routed.entries).toBe(entries.length + 1);
    expect(shown(routed.states)).toBe(shown(unrouted.states));
  });
});
