import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import fc from 'fast-check';
import { stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { intentBeads, intentYaml, startSeam, waitFor, waitForOutcome } from './support.ts';

const FIELDS = ['intent_id', 'signal', 'pair', 'confidence', 'entry', 'stop', 'target', 'setup_type', 'created_at'] as const;

/** Values that are right for some field, wrong for others, or wrong for all. */
const anyValue = fc.oneof(
  fc.constantFrom('p1', 'p2', 'READY', 'FORMING', 'NONE', 'EURUSD', 'GBPUSD', 'XAUUSD', 'FVG_ENTRY', '2026-11-24T09:00:00Z'),
  fc.constantFrom(1.085, 1.082, 1.091, 150.2, 0.85, 0, -1, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY),
  fc.double(),
  fc.string({ maxLength: 20 }),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.integer(), { maxLength: 3 }),
);

const randomObject = fc
  .record(Object.fromEntries(FIELDS.map((f) => [f, anyValue])) as Record<(typeof FIELDS)[number], typeof anyValue>, {
    requiredKeys: [],
  })
  .map((o) => stringify(o));

/** Mostly valid intents, with a few ids shared so duplicates happen. */
const nearlyValid = fc
  .record({
    intent_id: fc.constantFrom('p1', 'p2', 'p3', 'p4'),
    signal: fc.constantFrom('READY', 'FORMING', 'NONE'),
    pair: fc.constantFrom('EURUSD', 'EURUSD', 'GBPUSD'),
    stop: fc.constantFrom(1.082, 1.088, 1.085, 150),
    target: fc.constantFrom(1.091, 1.079),
  })
  .map((o) => intentYaml(o));

const yamlIsh = fc
  .array(
    fc.tuple(fc.constantFrom(...FIELDS, 'x', '- a', '&a k', '*a'), fc.constantFrom('.nan', '.inf', '[1', '*a', '&a [1]', '"s', "'x'", '1e999', '{a: 1}', 'READY', '1.085', '')),
    { maxLength: 12 },
  )
  .map((lines) => lines.map(([k, v]) => `${k}: ${v}`).join('\n'));

const document = fc.oneof(
  { arbitrary: randomObject, weight: 3 },
  { arbitrary: nearlyValid, weight: 3 },
  { arbitrary: yamlIsh, weight: 2 },
  { arbitrary: fc.string({ maxLength: 200 }), weight: 1 },
  { arbitrary: fc.uint8Array({ maxLength: 200 }), weight: 1 },
  { arbitrary: fc.constant(`a: ${'x'.repeat(70_000)}`), weight: 1 },
);

/** Never a temp name, so every file must reach processed/ or rejected/. */
const suffix = fc.constantFrom('.yaml', '.yaml', '.yml', '.YAML', '.json', '', ' x.yaml', '..yaml', '%2F..%2Fx.yaml', '\\y.yml');

describe('property: whatever arrives, each file gets exactly one outcome and the seam stays alive', () => {
  it('every file ends in exactly one of processed/ or rejected/ with exactly one INTENT bead', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(document, suffix), { minLength: 1, maxLength: 8 }), async (files) => {
        const seam = await startSeam();
        try {
          const names = files.map(([, sfx], i) => `f${i}${sfx}`);
          for (const [i, [content]] of files.entries()) await seam.drop(names[i]!, content);
          await waitFor(() => seam.outcomes.length >= files.length || undefined, `${files.length} outcomes`);

          const beads = await intentBeads(seam.log);
          expect(beads).toHaveLength(files.length);
          for (const name of names) expect(beads.filter((b) => b.data.source_file === name)).toHaveLength(1);
          expect(await readdir(seam.incoming)).toEqual([]);
          const processed = await readdir(seam.processed);
          const rejected = (await readdir(seam.rejected)).filter((n) => !n.endsWith('.reason.txt'));
          expect(processed.length + rejected.length).toBe(files.length);
          for (const { bead, movedTo } of seam.outcomes) {
            const where = bead.data.outcome === 'ACCEPTED' ? 'intents/processed/' : 'intents/rejected/';
            expect(movedTo.startsWith(where)).toBe(true);
            expect(existsSync(join(seam.home, movedTo))).toBe(true);
            if (bead.data.outcome === 'REJECTED') expect(existsSync(join(seam.home, `${movedTo}.reason.txt`))).toBe(true);
          }
          await seam.drop('alive.yaml', intentYaml({ intent_id: 'alive-check' }));
          expect((await waitForOutcome(seam, 'alive.yaml')).bead.data.outcome).toBe('ACCEPTED');
        } finally {
          await seam.stop();
        }
      }),
      { numRuns: 30 },
    );
  });
});
