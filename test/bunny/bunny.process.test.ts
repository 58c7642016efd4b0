import { existsSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BeadOf } from '../../beads/index.ts';
import { defaultLogPath, SqliteEventLog } from '../../store/sqlite.ts';
import { seedPaperHistory } from '../../tools/bunny/liveSeed.ts';
import { VECTORS, WAVES } from '../../tools/bunny/suite.ts';
import { type Finished, runPhoenix } from '../support/phoenixProcess.ts';
import { makeTempDir } from '../support/tempDir.ts';
import { runCli } from '../tools/commandIo.ts';

/**
 * `phoenix bunny` as an operator runs it, a process of its own that starts,
 * breaks and stops its own processes: one vector of each wave, time-scaled
 * (the full suite is `npm run test:slow`). Its verdicts land as BUNNY beads
 * in the desk's log, its report where it says, and a partial run leaves
 * P1-8, and so the live gate, shut.
 */

const PICKED = ['CV_S33_1', 'CV_S33_7', 'CV_S33_13', 'S10_CLIENT_ID_IN_USE'];

let home: ReturnType<typeof makeTempDir>;
let run: Finished;
const env = () => ({ PHOENIX_HOME: home.dir, PHOENIX_HOST_ID: 'desk-1', IBKR_MODE: 'paper', IBKR_ACCOUNT: 'DU123456' });

async function bunnyBeads(): Promise<BeadOf<'BUNNY'>[]> {
  const log = new SqliteEventLog(defaultLogPath(home.dir), { readonly: true });
  const out: BeadOf<'BUNNY'>[] = [];
  for await (const e of log.readAll()) if (e.kind === 'bead' && e.bead.bead_type === 'BUNNY') out.push(e.bead);
  await log.close();
  return out;
}

beforeAll(async () => {
  home = makeTempDir('phoenix-bunny');
  // The desk already has a paper history for P1-1…P1-6: only P1-8 stands between it and live.
  const log = new SqliteEventLog(defaultLogPath(home.dir));
  await seedPaperHistory(log, Date.now(), { bunny: false });
  await log.close();
  run = await runPhoenix(['bunny', ...PICKED.flatMap((id) => ['--vector', id]), '--json'], env(), 150_000);
}, 160_000);
afterAll(() => home?.remove());

describe('phoenix bunny (one vector per wave, as a process)', () => {
  it('picks one vector of every wave', () => {
    expect(new Set(PICKED.map((id) => VECTORS.find((v) => v.id === id)!.wave))).toEqual(new Set(Object.keys(WAVES).map(Number)));
  });

  it('runs them on their own desks, each PASS judged from evidence; exit 0 and the report where it says', () => {
    expect(run.stderr).not.toMatch(/\bat .*\.ts:\d+/);
    const doc = JSON.parse(run.stdout) as { scope: string; passed: number; failed: number; report: string; vectors: { id: string; result: string; evidence: string }[] };
    expect(doc.vectors.map((v) => `${v.id} ${v.result}`), run.stdout).toEqual(PICKED.map((id) => `${id} PASS`));
    expect(run.code).toBe(0);
    expect(doc.scope).toBe('PARTIAL');
    expect(existsSync(doc.report)).toBe(true);
    const report = readFileSync(doc.report, 'utf8');
    expect(report).toMatch(/\*\*4 of 4 vectors PASS\*\*/);
    for (const id of PICKED) expect(report).toMatch(new RegExp(`### ${id} — .*: PASS[\\s\\S]*\\*\\*Observed:\\*\\*`));
  });

  it('writes one BUNNY bead per vector in the desk’s log, with expected, observed, evidence, duration, run, code and configuration', async () => {
    const beads = await bunnyBeads();
    expect(beads.map((b) => b.data.vector_id)).toEqual(PICKED);
    const runId = beads[0]!.data.run_id;
    for (const b of beads) {
      expect(b.data).toMatchObject({ run_id: runId, result: 'PASS', run_scope: 'PARTIAL', code_version: expect.stringMatching(/^0\.1\.0/), config_hash: expect.stringMatching(/^[0-9a-f]{16}$/) });
      expect(b.data.wave).toBe(VECTORS.find((v) => v.id === b.data.vector_id)!.wave);
      expect(b.data.expected).toBe(VECTORS.find((v) => v.id === b.data.vector_id)!.expect);
      expect(b.data.observed).toMatch(/^✓ /);
      expect(b.data.duration_ms).toBeGreaterThan(0);
      expect(b.data.details!.beads.length + Object.keys(b.data.details!.counts).length).toBeGreaterThan(0);
      expect(b.host_id).toBe('desk-1');
    }
    // Passing desks are cleaned up; only a FAIL keeps its scratch home.
    expect(beads.every((b) => b.data.scratch_home === undefined)).toBe(true);
  });

  it('a partial run moves no gate: P1-8 stays NOT_MET, and live is refused at start (INV-IBKR-PAPER-FIRST-1)', async () => {
    const gates = await runCli(['gates', '--json'], { ...env(), PHOENIX_ENV_FILE: '/nonexistent/.env' });
    const doc = JSON.parse(gates.stdout) as { gates: { id: string; status: string; detail: string }[]; live_may_start: boolean };
    expect(doc.gates.filter((g) => g.status !== 'MET').map((g) => g.id)).toEqual(['P1-7', 'P1-8']);
    expect(doc.gates.find((g) => g.id === 'P1-8')?.detail).toMatch(/no full bunny run recorded \(only partial runs/);
    expect(doc.live_may_start).toBe(false);
    const live = await runPhoenix(['run'], { ...env(), IBKR_MODE: 'live', IBKR_ALLOW_LIVE: 'true', IBKR_ACCOUNT: 'U1234567', APPROVAL_TOKEN_SECRET: 'a'.repeat(40) }, 60_000);
    expect(live.code).toBe(3);
    expect(live.stderr).toMatch(/GUARD_FAILED: [\s\S]*IBKR_MODE=live needs paper validation complete first/);
    const scars = await runCli(['query', 'scars', '--days', '1'], { ...env(), PHOENIX_ENV_FILE: '/nonexistent/.env' });
    expect(scars.stdout).toMatch(/No bunny scars in the last 1 day/);
  });
});
