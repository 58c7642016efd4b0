/**
 * `phoenix drill RB-004` (S8, CV_S33_11): against a simulator it starts in
 * its own process, working orders placed with the real client are all
 * cancelled by the halt path, verified at the simulator's /state, and the
 * log gets DRILL STARTED and FINISHED beads with the resolution time. The
 * desk's own kill flag is never touched.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Bead } from '../../beads/index.ts';
import { defaultLogPath, SqliteEventLog } from '../../store/sqlite.ts';
import { makeTempDir } from '../support/tempDir.ts';
import { runCli } from './commandIo.ts';

let home: ReturnType<typeof makeTempDir>;
beforeEach(() => {
  home = makeTempDir('phoenix-drill');
});
afterEach(() => home.remove());

const env = () => ({ PHOENIX_HOME: home.dir, LOG_LEVEL: 'warn', IBKR_CLIENT_ID: '81' });

async function beads(): Promise<Bead[]> {
  const log = new SqliteEventLog(defaultLogPath(home.dir), { readonly: true });
  const out: Bead[] = [];
  for await (const e of log.readAll()) if (e.kind === 'bead') out.push(e.bead);
  await log.close();
  return out;
}

const drills = (all: Bead[]) => all.flatMap((b) => (b.bead_type === 'DRILL' ? [b.data] : []));

describe('phoenix drill', () => {
  it('CV_S33_11: RB-004 against its own simulator cancels every working order, records the resolution time and PASS', async () => {
    const r = await runCli(['drill', 'RB-004', '--orders', '3', '--as', 'carol'], env());
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/3 working orders at the simulator \(port \d+, account DU123456\); halting now/);
    expect(r.stdout).toMatch(/3 working order\(s\) cancelled by IB's global cancel/);
    expect(r.stdout).toMatch(/RB-004 drill PASS: kill flag SET; 3\/3 working orders cancelled at the simulator \(verified at \/state\); halt \d+ ms, resolution \d+ ms/);

    const all = await beads();
    const [started, finished] = drills(all);
    expect(started).toMatchObject({ runbook_id: 'RB-004', event: 'STARTED', detail: expect.stringMatching(/by cli:carol$/) });
    expect(finished).toMatchObject({ runbook_id: 'RB-004', event: 'FINISHED', outcome: 'PASS', resolution_ms: expect.any(Number) });
    expect(finished!.resolution_ms).toBeGreaterThan(0);
    // The drill's halt ran on a scratch log: the desk's kill flag and halt streams are untouched.
    expect(all.filter((b) => b.bead_type === 'KILL_FLAG' || b.bead_type === 'HALT')).toEqual([]);
    // Gate P1-5 counts it.
    const status = await runCli(['status'], env());
    expect(status.stdout).toMatch(/P1-5 RUNBOOKS_COMPLETE: MET — all \d+ runbooks present; an RB-004 drill PASSED/);
    expect(status.stdout).toMatch(/Kill flag: ARMED/);
  }, 60_000);

  it('refuses an unknown runbook id with exit 2 and says which drills exist', async () => {
    const r = await runCli(['drill', 'RB-999'], env());
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/no drill for runbook "RB-999"; drills exist for RB-004/);
    const none = await runCli(['drill'], env());
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/name the runbook to drill: RB-004/);
    const half = await runCli(['drill', 'RB-004', '--gateway-port', '4002'], env());
    expect(half.code).toBe(2);
    expect(half.stderr).toMatch(/--gateway-port and --control-port go together/);
  });

  it('never drills a gateway whose control channel does not prove it is a simulator: FAIL, recorded', async () => {
    const r = await runCli(['drill', 'rb-004', '--gateway-port', '4002', '--control-port', '1'], env());
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/RB-004 drill FAIL: no gateway simulator answers on control port 1/);
    expect(drills(await beads()).map((d) => [d.event, d.outcome])).toEqual([
      ['STARTED', undefined],
      ['FINISHED', 'FAIL'],
    ]);
  });
});
