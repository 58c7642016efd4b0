/**
 * `phoenix status`: the dashboard in the terminal, read from the log through
 * the dashboard's own fold and view. What an operator at 3 a.m. needs to see
 * first: health, the kill flag and who set it, positions, approvals, alerts,
 * drift, gates, and whether a live host holds the log.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Bead } from '../../beads/index.ts';
import { defaultLogPath, SqliteEventLog } from '../../store/sqlite.ts';
import { beads, T0 } from '../dashboard/beads.ts';
import { makeTempDir } from '../support/tempDir.ts';
import { runCli } from './commandIo.ts';

let home: ReturnType<typeof makeTempDir>;
beforeEach(() => {
  home = makeTempDir('phoenix-status');
});
afterEach(() => {
  vi.useRealTimers();
  home.remove();
});

async function seed(list: Bead[]): Promise<void> {
  const log = new SqliteEventLog(defaultLogPath(home.dir));
  for (const b of list) await log.append(b.stream, [b]);
  await log.close();
}

const env = () => ({ PHOENIX_HOME: home.dir, LOG_LEVEL: 'warn' });

describe('phoenix status', () => {
  it('shows health, host, connection, the kill flag with who and why, positions, approvals, alerts, drift and gates', async () => {
    await seed([
      beads.hostStarted({ t: 0 }),
      beads.session('CONNECT', {}, { t: 1 }),
      beads.degraded('order 17 status stale for 612 s', { t: 30 }),
      beads.position('pos-1', 'MANAGED', { unrealised_pnl: 12.5 }, { t: 40 }),
      beads.approval('intent-7', 'EVIDENCE_SHOWN', { verdict: 'FRESH', anchor_age_s: 42 }, { t: 41 }),
      beads.reconciliation('MATCH', [], { t: 50 }),
      beads.killFlag('SET', 'cli:alice', 'runaway orders', { t: 60, stream: 'killswitch' }),
      beads.alert('a-1', 'RAISED', { alert_type: 'KILL_FLAG_SET', runbook_id: 'RB-005', message: 'Kill flag SET by cli:alice: runaway orders' }, { t: 60, stream: 'alerts' }),
    ]);
    // The fixture's day, two seconds after its last bead: the heartbeat is 32 s old, not yet late (30 + 5 s).
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(T0 + 62_000);
    const r = await runCli(['status'], env());
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const out = r.stdout;
    expect(out).toMatch(/^Phoenix status at .* \(log position \d+, 8 beads\)/);
    expect(out).toMatch(/Health: DEGRADED — failing: semantic_healthy; order 17 status stale for 612 s/);
    expect(out).toMatch(/Mode: PAPER/);
    expect(out).toMatch(/Host: phoenix-1 RUNNING pid 4242 .*no live host holds the lease \(no host has ever held this log\): phoenix halt would act on the gateway directly/);
    expect(out).toMatch(/Connection: CONNECTED to DU1234567 on port 4002/);
    expect(out).toMatch(/Kill flag: SET by cli:alice at (2026-11-24 )?09:01:00Z: runaway orders/);
    expect(out).toMatch(/phoenix resume --reason/);
    expect(out).toMatch(/Positions: 1 open, unrealised \+12\.50/);
    expect(out).toMatch(/ {2}pos-1 EURUSD LONG 20000 @ 1\.085 MANAGED, stop 1\.082 target 1\.091, unrealised \+12\.50/);
    expect(out).toMatch(/Pending approvals: 1\n {2}intent-7 EVIDENCE_SHOWN FRESH, anchor 42 s old \(phoenix approve intent-7\)/);
    expect(out).toMatch(/Alerts: 1 CRITICAL and 0 WARNING raised; latest:\n .*CRITICAL KILL_FLAG_SET \(RB-005\) RAISED: Kill flag SET by cli:alice/);
    expect(out).toMatch(/Drift: last reconciliation MATCH at .*; 0 drift\(s\) in 1 run\(s\)/);
    expect(out).toMatch(/Gates:\n {2}P1-1 IBKR_PAPER_CONNECTED: MET — IBKR_SESSION CONNECT in PAPER/);
    expect(out).toMatch(/P1-5 RUNBOOKS_COMPLETE: NOT_MET — all \d+ runbooks present; no RB-004 drill recorded/);

    const json = await runCli(['status', '--json'], env());
    expect(json.code).toBe(0);
    const view = JSON.parse(json.stdout) as { kill_flag: unknown; banner: { level: string }; positions: { open: unknown[] }; lease: { live: boolean } };
    expect(view.kill_flag).toMatchObject({ state: 'SET', who: 'cli:alice', reason: 'runaway orders' });
    expect(view.banner.level).toBe('DEGRADED');
    expect(view.positions.open).toHaveLength(1);
    expect(view.lease).toMatchObject({ live: false });
  });

  it('says so when there is no log yet, and refuses unknown options', async () => {
    const none = await runCli(['status'], env());
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/no event log at .*phoenix\.db: no host has run with PHOENIX_HOME=/);
    const bad = await runCli(['status', '--verbose'], env());
    expect(bad.code).toBe(2);
  });
});
