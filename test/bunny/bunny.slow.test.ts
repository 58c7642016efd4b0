import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultLogPath, SqliteEventLog } from '../../store/sqlite.ts';
import { seedPaperHistory } from '../../tools/bunny/liveSeed.ts';
import { VECTORS } from '../../tools/bunny/suite.ts';
import { type Finished, runPhoenix } from '../support/phoenixProcess.ts';
import { makeTempDir } from '../support/tempDir.ts';
import { runCli } from '../tools/commandIo.ts';
import { SLOW } from '../support/slow.ts';

/**
 * The full bunny suite (`npm run test:slow`, PHOENIX_SLOW=1): all 22 vectors
 * in one `phoenix bunny` process, then what the desk's gates, scars and
 * live gate make of it; and three vectors run with the behaviour under test
 * broken by configuration (`--with`), each FAILing with a reason that names
 * what was missing.
 */

const env = (home: string) => ({ PHOENIX_HOME: home, PHOENIX_HOST_ID: 'desk-1', IBKR_MODE: 'paper', IBKR_ACCOUNT: 'DU123456', PHOENIX_ENV_FILE: '/nonexistent/.env' });

interface Doc {
  scope: string;
  duration_ms: number;
  report: string;
  vectors: { id: string; result: 'PASS' | 'FAIL'; evidence: string }[];
}

describe.runIf(SLOW)('phoenix bunny, the full run', () => {
  let home: ReturnType<typeof makeTempDir>;
  let run: Finished;
  let doc: Doc;
  beforeAll(async () => {
    home = makeTempDir('phoenix-bunny-full');
    const log = new SqliteEventLog(defaultLogPath(home.dir));
    await seedPaperHistory(log, Date.now(), { bunny: false });
    await log.close();
    run = await runPhoenix(['bunny', '--json'], env(home.dir), 9 * 60_000);
    doc = JSON.parse(run.stdout) as Doc;
    console.log(`full bunny run: ${(doc.duration_ms / 1000).toFixed(0)} s; ${doc.vectors.map((v) => `${v.id} ${v.result}`).join(', ')}`);
  }, 10 * 60_000);
  afterAll(() => home?.remove());

  it('runs all 22 vectors within 8 minutes; every seed vector and every further fault PASS', () => {
    expect(doc.scope).toBe('FULL');
    expect(doc.vectors.map((v) => v.id)).toEqual(VECTORS.map((v) => v.id));
    expect(doc.duration_ms).toBeLessThan(8 * 60_000);
    const verdicts = Object.fromEntries(doc.vectors.map((v) => [v.id, v.result === 'PASS' ? 'PASS' : `FAIL: ${v.evidence}`]));
    expect(verdicts).toEqual(Object.fromEntries(VECTORS.map((v) => [v.id, 'PASS'])));
    expect(run.code).toBe(0);
    expect(readFileSync(doc.report, 'utf8')).not.toMatch(/## Failures/);
  });

  it('P1-8 is judged on this full run: MET; live is still refused until a person promotes the desk (issue 14)', async () => {
    const gates = JSON.parse((await runCli(['gates', '--json'], env(home.dir))).stdout) as { gates: { id: string; status: string; failing?: boolean; detail: string }[] };
    expect(gates.gates.find((g) => g.id === 'P1-8')).toMatchObject({ status: 'MET', detail: expect.stringMatching(/latest full run bunny-.*15\/15 seed vectors PASS/) });
    const scars = await runCli(['query', 'scars', '--days', '1'], env(home.dir));
    expect(scars.stdout).toMatch(/No bunny scars in the last 1 day/);
    // Ground truth for the alert precision and recall: every vector's declared alerts against its scratch log's.
    const phase2 = JSON.parse((await runCli(['gates', '--phase', '2', '--json'], env(home.dir))).stdout) as { gates: { id: string; value: number | null; detail: string }[] };
    console.log(`Phase 2 from the full run: ${phase2.gates.map((g) => `${g.id} ${g.value === null ? '—' : g.value.toFixed(3)}`).join(', ')}; ${phase2.gates.find((g) => g.id === 'P2-2')?.detail}`);
    expect(phase2.gates.find((g) => g.id === 'P2-3')?.value).not.toBeNull();
    const live = await runPhoenix(['run'], { ...env(home.dir), IBKR_MODE: 'live', IBKR_ALLOW_LIVE: 'true', IBKR_ACCOUNT: 'U1234567', APPROVAL_TOKEN_SECRET: 'a'.repeat(40) }, 60_000);
    expect(live.code).toBe(3);
    expect(live.stderr).toMatch(/missing: promotion is SHADOW, not LIVE_ACTIVE/);
  });
});

describe.runIf(SLOW)('a vector FAILs when the behaviour under test is broken, naming what was missing', () => {
  let home: ReturnType<typeof makeTempDir>;
  beforeAll(() => {
    home = makeTempDir('phoenix-bunny-broken');
  });
  afterAll(() => home?.remove());

  const broken = async (vector: string, setting: string): Promise<Doc['vectors'][number]> => {
    const run = await runPhoenix(['bunny', '--vector', vector, '--with', setting, '--json'], env(home.dir), 120_000);
    expect(run.code).toBe(1);
    return (JSON.parse(run.stdout) as Doc).vectors[0]!;
  };

  it('CV_S33_1 with no Telegram token: the loss is recorded, but no CRITICAL reaches the Bot API', async () => {
    const v = await broken('CV_S33_1', 'TELEGRAM_BOT_TOKEN=');
    expect(v).toMatchObject({ result: 'FAIL', evidence: expect.stringMatching(/missing: no CRITICAL "IB connection lost" message at the Bot API stand-in within/) });
  }, 130_000);

  it('CV_S33_9 with a 24 h stale gate: the late approval goes through and orders reach the broker', async () => {
    const v = await broken('CV_S33_9', 'STALE_GATE_MINUTES=1440');
    expect(v.result).toBe('FAIL');
    expect(v.evidence).toMatch(/the late approval is refused: no DECISION recorded: the decision was recorded: DECISION bead/);
  }, 130_000);

  it('CV_S33_12 with reconciliation once an hour: the spoofed position is never found', async () => {
    const v = await broken('CV_S33_12', 'RECONCILE_INTERVAL_S=3600');
    expect(v).toMatchObject({ result: 'FAIL', evidence: expect.stringMatching(/missing: no RECONCILIATION DRIFT after the spoof within/) });
  }, 130_000);
});
