import { createServer } from 'node:net';
import { Secret } from 'otpauth';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Bead, BeadOf } from '../../beads/index.ts';
import { windowMsOf } from '../../machines/promotion.ts';
import { totpOf, writeOperator } from '../../runtime/operators/enrolment.ts';
import { defaultLogPath, SqliteEventLog } from '../../store/sqlite.ts';
import { loadChainKey } from '../../runtime/chain/chainKey.ts';
import { seedPaperHistory } from '../../tools/bunny/liveSeed.ts';
import { runPhoenix, startPhoenix } from '../support/phoenixProcess.ts';
import { makeTempDir } from '../support/tempDir.ts';
import { runCli } from '../tools/commandIo.ts';

/**
 * `phoenix promote` (S3.6, S11, issue 14): where the desk stands, and the
 * one way to LIVE_ACTIVE, a named person's recorded decision (with a TOTP
 * code in LIVE); `phoenix run` in live mode refused, naming what is
 * missing, until then.
 */

let temp: ReturnType<typeof makeTempDir>;
const WINDOW = windowMsOf(5, 1);
const paper = () => ({ PHOENIX_HOME: temp.dir, PHOENIX_ENV_FILE: '/nonexistent/.env', IBKR_MODE: 'paper', IBKR_ACCOUNT: 'DU123456', USER: 'alice' });
const live = () => ({ ...paper(), IBKR_MODE: 'live', IBKR_ALLOW_LIVE: 'true', IBKR_ACCOUNT: 'U1234567', APPROVAL_TOKEN_SECRET: 'l'.repeat(40) });

async function seed(o: Parameters<typeof seedPaperHistory>[2]): Promise<void> {
  const log = new SqliteEventLog(defaultLogPath(temp.dir));
  await seedPaperHistory(log, Date.now(), o);
  await log.close();
}

async function promotionBeads(): Promise<BeadOf<'PROMOTION'>[]> {
  const log = new SqliteEventLog(defaultLogPath(temp.dir), { readonly: true });
  const out: Bead[] = [];
  for await (const e of log.readAll()) if (e.kind === 'bead' && e.bead.bead_type === 'PROMOTION') out.push(e.bead);
  await log.close();
  return out as BeadOf<'PROMOTION'>[];
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  await new Promise((r) => server.close(r));
  return port;
}

beforeEach(() => {
  temp = makeTempDir('phoenix-promote');
});
afterEach(() => temp.remove());

describe('phoenix promote', () => {
  it('--status: the phase-1 gates met on paper, still SHADOW until a host records it, and what comes next', async () => {
    await seed({});
    const r = await runCli(['promote', '--status'], paper());
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^Promotion: SHADOW/);
    expect(r.stdout).toMatch(/Phase 1 \(paper\): MET/);
    expect(r.stdout).toMatch(/P2-5 {2}DAEMON_UPTIME/);
    expect(r.stdout).toMatch(/Live gate: SHUT: it needs promotion at LIVE_ACTIVE \(it is SHADOW\)/);
    expect(r.stdout).toMatch(/Next: the phase-1 gates hold: a running host records PAPER_VALIDATED/);
    const json = JSON.parse((await runCli(['promote', '--status', '--json'], paper())).stdout);
    expect(json).toMatchObject({ promotion: { state: 'SHADOW', window_days: 5 }, phase1: { met: true }, live_gate: { open: false } });
    expect(json.phase2.gates.map((g: { id: string }) => g.id)).toEqual(['P2-1', 'P2-2', 'P2-3', 'P2-4', 'P2-5']);
  });

  it('--live before LIVE_ELIGIBLE is refused and writes nothing', async () => {
    await seed({});
    const r = await runCli(['promote', '--live', '--reason', 'impatient'], paper());
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/not promoted: the desk is SHADOW, not LIVE_ELIGIBLE/);
    expect(await promotionBeads()).toEqual([]);
    expect((await runCli(['promote', '--live'], paper())).stderr).toMatch(/--reason "TEXT" is required/);
  });

  it('--live on a LIVE_ELIGIBLE desk records the person’s decision, and the desk is LIVE_ACTIVE', async () => {
    // Sealed with this home's chain key, as the paper host left it: the live gate counts only what a host sealed (issue 17).
    await seed({ promotionWindowMs: WINDOW, decided: false, chainKey: loadChainKey(temp.dir, { create: true })! });
    expect(JSON.parse((await runCli(['promote', '--status', '--json'], paper())).stdout).promotion.state).toBe('LIVE_ELIGIBLE');
    const r = await runCli(['promote', '--live', '--reason', 'five clean days', '--as', 'bob'], paper());
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/Promotion is now LIVE_ACTIVE: LIVE_ACTIVE: promoted by bob/);
    expect(r.stdout).toMatch(/The live gate is open/);
    const decision = (await promotionBeads()).find((b) => b.data.event === 'DECISION');
    expect(decision?.data).toMatchObject({ decision: 'PROMOTE_LIVE', decided_by: 'bob', reason: 'five clean days', proof: { method: 'OPERATOR', operator: 'bob' } });
    expect((await runCli(['promote', '--live', '--reason', 'again'], paper())).stderr).toMatch(/the desk is LIVE_ACTIVE, not LIVE_ELIGIBLE/);
  });

  it('on a history written by hand (no host sealed it) the live gate stays SHUT, as phoenix run in live would judge it', async () => {
    await seed({ promotionWindowMs: WINDOW, decided: false });
    loadChainKey(temp.dir, { create: true });
    const r = await runCli(['promote', '--live', '--reason', 'forged days', '--as', 'bob'], paper());
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/The live gate is still shut: /);
    const status = await runCli(['promote', '--status'], paper());
    expect(status.stdout).toMatch(/Live gate: SHUT/);
    expect(JSON.parse((await runCli(['promote', '--status', '--json'], paper())).stdout).live_gate.open).toBe(false);
  });

  it('in LIVE it takes a fresh TOTP code of the enrolled operator; a wrong code is refused, and the code is never written', async () => {
    await seed({ promotionWindowMs: WINDOW, decided: false });
    const op = { operator: 'alice', totp_secret: new Secret({ size: 20 }).base32, enrolled_at: new Date().toISOString(), last_step: 0 };
    writeOperator(temp.dir, op);
    const wrong = await runCli(['promote', '--live', '--reason', 'go', '--code', '000000'], live());
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/not promoted: wrong or expired code/);
    expect((await runCli(['promote', '--live', '--reason', 'go'], live())).stderr).toMatch(/in LIVE, promoting needs a fresh TOTP code/);
    const code = totpOf(op).generate();
    const ok = await runCli(['promote', '--live', '--reason', 'go', '--code', code], live());
    expect(ok.code, ok.stderr).toBe(0);
    const decision = (await promotionBeads()).find((b) => b.data.event === 'DECISION');
    expect(decision?.data.proof).toMatchObject({ method: 'TOTP', operator: 'alice', step: expect.any(Number) });
    expect(JSON.stringify(decision)).not.toContain(code);
  });
});

describe('phoenix run in live mode: the live gate in full', () => {
  it('is refused, naming the promotion, while the paper gates hold but nobody promoted; starts once a person has', async () => {
    // Sealed with this home's chain key, as the paper host left it: the live gate counts only what a host sealed (issue 17).
    await seed({ promotionWindowMs: WINDOW, decided: false, chainKey: loadChainKey(temp.dir, { create: true })! });
    const env = { ...live(), IBKR_LIVE_PORT: String(await freePort()), IBKR_PAPER_PORT: '4002', LOG_LEVEL: 'warn' };
    const refused = await runPhoenix(['run'], env, 60_000);
    expect(refused.code).toBe(3);
    expect(refused.stderr).toMatch(/GUARD_FAILED: [\s\S]*needs paper validation complete first/);
    expect(refused.stderr).toMatch(/missing: promotion is LIVE_ELIGIBLE, not LIVE_ACTIVE \(a person must promote it: phoenix promote --live --reason TEXT\)/);
    expect(refused.stderr).not.toMatch(/missing: P1-/);
    expect(refused.stderr).not.toMatch(/\n\s+at /);
    await runCli(['promote', '--live', '--reason', 'go', '--as', 'bob'], paper());
    const host = startPhoenix(['run'], env);
    await host.waitForOutput(/running in LIVE mode/, 60_000);
    host.child.kill('SIGTERM');
    await host.done;
    expect(host.stderr()).not.toMatch(/missing: promotion/);
  });
});

