import { afterAll, beforeAll, expect, it } from 'vitest';
import { raiseAlert } from '../../actors/notify/outbox.ts';
import type { BeadOf } from '../../beads/index.ts';
import { systemClock } from '../../runtime/clock.ts';
import { uuidV7Ids } from '../../store/ids.ts';
import { defaultLogPath, SqliteEventLog } from '../../store/sqlite.ts';
import { runPhoenix } from '../support/phoenixProcess.ts';
import { makeTempDir } from '../support/tempDir.ts';
import { runCli } from '../tools/commandIo.ts';
import { slowDescribe } from '../support/slow.ts';

/**
 * The Phase-2 alert figures over a log built the way a desk builds it
 * (issue 14): a real `phoenix bunny` run (its vectors' declared alerts
 * against what their scratch desks raised) plus an operator's labels on the
 * desk's own alerts; `phoenix gates --phase 2 --json` shows each figure with
 * the beads it stands on.
 */

let home: ReturnType<typeof makeTempDir>;
const env = () => ({ PHOENIX_HOME: home.dir, PHOENIX_HOST_ID: 'desk-1', PHOENIX_ENV_FILE: '/nonexistent/.env', USER: 'alice' });

beforeAll(async () => {
  home = makeTempDir('phoenix-ops-bunny');
  const run = await runPhoenix(['bunny', '--vector', 'CV_S33_1', '--vector', 'CV_S33_13', '--json'], env(), 120_000);
  expect(run.code, run.stderr).toBe(0);
}, 130_000);
afterAll(() => home?.remove());

// test:slow only (real bunny runs): npm test checks the same arithmetic on a hand-built log in test/projections/opsQuality.test.ts.
slowDescribe('Phase-2 alert quality from bunny runs and labels', () => {
  it('counts each vector’s declared alerts against its scratch desk, adds the labels, and names the beads', async () => {
    const log = new SqliteEventLog(defaultLogPath(home.dir));
    const verdicts: BeadOf<'BUNNY'>[] = [];
    try {
      for await (const e of log.readAll()) if (e.kind === 'bead' && e.bead.bead_type === 'BUNNY') verdicts.push(e.bead);
      const source = { hostId: 'desk-1', mode: 'PAPER' as const, clock: systemClock, ids: uuidV7Ids };
      const a = await raiseAlert(log, source, { type: 'alert', alertType: 'HEALTH_DEGRADED', message: 'a flapping check', dedupeKey: 'ops-1', correlationId: 'ops' });
      const b = await raiseAlert(log, source, { type: 'alert', alertType: 'POSITION_STALLED', message: 'a stall that was real', dedupeKey: 'ops-2', correlationId: 'ops' });
      expect((await runCli(['alerts', 'label', a.alertId, 'noise'], env())).code).toBe(0);
      expect((await runCli(['alerts', 'label', b.alertId, 'useful'], env())).code).toBe(0);
    } finally {
      await log.close();
    }
    expect(verdicts.map((v) => [v.data.vector_id, v.data.alerts?.must_raise])).toEqual([
      ['CV_S33_1', ['CONNECTION_LOST']],
      ['CV_S33_13', ['GUARD_VIOLATION']],
    ]);
    // Each fault raised what it must and nothing it must not: 2 true positives from bunny, then 1 useful and 1 noise label.
    for (const v of verdicts) expect(Object.keys(v.data.alerts!.raised)).toEqual(v.data.alerts!.must_raise);
    const doc = JSON.parse((await runCli(['gates', '--phase', '2', '--json'], env())).stdout) as { gates: { id: string; status: string; value: number | null; detail: string; evidence: string[] }[]; window: { from: string; to: string } };
    const precision = doc.gates.find((g) => g.id === 'P2-2')!;
    const recall = doc.gates.find((g) => g.id === 'P2-3')!;
    expect(precision).toMatchObject({ value: 3 / 4, status: 'NOT_MET', detail: expect.stringMatching(/^75\.0%: 3 true of 4 raised, from 2 bunny verdicts \(2 declared alerts raised, 0 forbidden raised, 0 missed\) and 2 operator labels \(1 useful, 1 noise\)/) });
    expect(recall).toMatchObject({ value: 1, status: 'MET' });
    expect(precision.evidence).toEqual(expect.arrayContaining(verdicts.map((v) => v.bead_id)));
    expect(precision.evidence).toHaveLength(4);
  });
});
