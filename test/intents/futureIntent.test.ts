import { join } from 'node:path';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { responsePath } from '../../actors/intents/index.ts';
import { CLOCK_SKEW_ALLOWANCE_MS, futureDated } from '../../actors/intents/judgeIntent.ts';
import { ManualClock } from '../../runtime/clock.ts';
import { intentBeads, intentYaml, listFiles, readText, type Seam, startSeam, waitForOutcome } from './support.ts';

/**
 * S5.1, S14: an intent whose created_at lies ahead of this host's clock by
 * more than a small clock-skew allowance is refused at the seam: its anchor
 * could not have been made yet, and its age would read FRESH for too long.
 */
const NOW = Date.parse('2026-11-24T09:00:00.000Z');
const at = (offsetMs: number) => new Date(NOW + offsetMs).toISOString();

let seam: Seam | undefined;
afterEach(async () => {
  await seam?.stop();
  seam = undefined;
});

describe('future-dated intents at the seam', () => {
  it('refuses an intent made an hour from now: rejected/ with a reason file, an INTENT rejection bead, the response, and no approval', async () => {
    seam = await startSeam({ extra: { clock: new ManualClock(NOW) } });
    await seam.drop('ahead.yaml', intentYaml({ intent_id: 'ahead-1', created_at: at(3_600_000) }));
    const outcome = await waitForOutcome(seam, 'ahead.yaml');

    expect(outcome.movedTo).toBe('intents/rejected/ahead.yaml');
    expect(await listFiles(seam.rejected)).toEqual(['ahead.yaml', 'ahead.yaml.reason.txt']);
    const reason = /created_at 2026-11-24T10:00:00.000Z is 3600 s ahead of this host's clock \(2026-11-24T09:00:00.000Z\), more than the 60 s allowed for clock skew: check the signal engine's clock/;
    expect(await readText(join(seam.rejected, 'ahead.yaml.reason.txt'))).toMatch(reason);
    const [bead] = await intentBeads(seam.log);
    expect(bead).toMatchObject({ stream: 'intent-ahead-1', data: { outcome: 'REJECTED', intent_id: 'ahead-1', source_file: 'ahead.yaml' } });
    expect(bead!.data.outcome === 'REJECTED' && bead!.data.reasons).toEqual([expect.stringMatching(reason)]);
    expect(await readText(responsePath(seam.home))).toMatch(reason);
    expect(seam.ready).toEqual([]);
  });

  it('accepts one within the allowance (the two clocks differ a little), and one at the allowance exactly', async () => {
    seam = await startSeam({ extra: { clock: new ManualClock(NOW) } });
    await seam.drop('skewed.yaml', intentYaml({ intent_id: 'skewed-1', created_at: at(20_000) }));
    expect((await waitForOutcome(seam, 'skewed.yaml')).movedTo).toBe('intents/processed/skewed.yaml');
    await seam.drop('edge.yaml', intentYaml({ intent_id: 'edge-1', created_at: at(CLOCK_SKEW_ALLOWANCE_MS) }));
    expect((await waitForOutcome(seam, 'edge.yaml')).movedTo).toBe('intents/processed/edge.yaml');
    expect(seam.ready.map((r) => r.intent.intent_id)).toEqual(['skewed-1', 'edge-1']);
  });

  it('property: refused exactly when created_at is more than the allowance ahead, whatever its time zone offset', () => {
    const seed = Date.now() ^ (Math.random() * 0x7fffffff);
    console.log(`future-dated intents property: seed ${seed}`);
    fc.assert(
      fc.property(fc.integer({ min: -86_400, max: 86_400 }), fc.integer({ min: -12, max: 14 }), (aheadS, zoneH) => {
        // The same instant written with another offset, as a signal engine in another zone would.
        const instant = NOW + aheadS * 1000;
        const local = new Date(instant + zoneH * 3_600_000).toISOString().slice(0, 19);
        const offset = `${zoneH < 0 ? '-' : '+'}${String(Math.abs(zoneH)).padStart(2, '0')}:00`;
        const refused = futureDated({ created_at: `${local}${offset}` }, NOW) !== undefined;
        expect(refused).toBe(aheadS * 1000 > CLOCK_SKEW_ALLOWANCE_MS);
      }),
      { numRuns: 500, seed },
    );
  });
});
