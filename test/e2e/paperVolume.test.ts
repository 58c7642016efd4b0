import { afterEach, describe, expect, } from 'vitest';
import { openPaperDesk, type PaperDesk } from './paperDesk.ts';
import { slowIt } from '../support/slow.ts';

/**
 * Issue 4, Done-when 2: three paper round trips across two host runs (the
 * host stopped and started again in between) make `phoenix gates` show
 * P1-2 PAPER_ROUND_TRIP and P1-3 PAPER_VOLUME as MET, computed from the log.
 */

let desk: PaperDesk | undefined;
afterEach(async () => {
  await desk?.close();
  desk = undefined;
});

type GatesJson = { gates: { id: string; status: string; detail: string }[] };

describe('paper volume across two host runs', () => {
  // test:slow only: the gate folds are tested in npm test on a log (test/tools/gates.test.ts), and a round trip on the simulator by paperRoundTrip.test.ts.
  slowIt('three round trips across two host sessions: phoenix gates shows P1-2 and P1-3 MET', async () => {
    desk = await openPaperDesk();
    const d = desk;
    await d.startHost();
    await d.roundTrip('vol-1');
    await d.roundTrip('vol-2');
    const before = JSON.parse((await d.cli(['gates', '--json'])).stdout) as GatesJson;
    expect(before.gates.find((g) => g.id === 'P1-2')?.status).toBe('MET');
    expect(before.gates.find((g) => g.id === 'P1-3')?.status).toBe('NOT_MET');
    expect((await d.stopHost())?.code).toBe(0);

    await d.startHost();
    await d.roundTrip('vol-3');
    const gates = await d.cli(['gates']);
    expect(gates.code).toBe(0);
    expect(gates.stdout).toMatch(/P1-2\s+PAPER_ROUND_TRIP\s+MET/);
    expect(gates.stdout).toMatch(/P1-3\s+PAPER_VOLUME\s+MET\s+3\/3 positions CLOSED on paper across 2\/2 host sessions/);
  }, 120_000);
});
