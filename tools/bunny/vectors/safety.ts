import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '../../../runtime/config/load.ts';
import { openEventLog } from '../../../store/open.ts';
import { configCommand } from '../../commands/configCheck.ts';
import { seedPaperHistory } from '../liveSeed.ts';
import { messagesAt } from '../trading.ts';
import { ROOT } from '../toolProcess.ts';
import type { Vector } from '../vector.ts';

/** Wave 3, the safety nets (S3.5, S3.6): live drift, a parameter change mid-validation. */

export const liveDrift: Vector = {
  id: 'CV_S33_12',
  wave: 3,
  title: 'spoofed live position mismatch',
  inject: 'a live-configured host (its scratch log seeded with a paper history that meets the live gate) against the simulator; the simulator spoofs a EURUSD position of +25000',
  expect: 'RECONCILIATION DRIFT; kill flag SET; a CRITICAL alert naming the runbook',
  runbook: 'RB-002',
  desk: {
    timeScale: 0.05,
    sim: { account: 'U1234567' },
    env: { IBKR_MODE: 'live', IBKR_ALLOW_LIVE: 'true', IBKR_ACCOUNT: 'U1234567', RECONCILE_INTERVAL_S: '20' },
  },
  budgetMs: 45_000,
  async run(desk, j) {
    // Live: the sim's port is the live port, and paper gets another.
    const env = { IBKR_LIVE_PORT: desk.env.IBKR_PORT!, IBKR_PAPER_PORT: desk.env.IBKR_PORT === '4002' ? '4003' : '4002' };
    Object.assign(desk.env, env);
    const log = await openEventLog(loadConfig(desk.env, ROOT));
    try {
      j.count('seeded_history_beads', await seedPaperHistory(log));
    } finally {
      await log.close();
    }
    await desk.startHost();
    const first = await desk.waitFor('RECONCILIATION', () => true, 'the first live reconciliation', 15_000);
    j.ensure(first.data.result === 'MATCH', 'the live desk starts reconciled', first.data.result);
    await desk.sim.control('spoof-position', { pair: 'EURUSD', position: 25_000, avgCost: 1.08 });
    const drift = j.cite(await desk.waitFor('RECONCILIATION', (b) => b.data.result === 'DRIFT', 'RECONCILIATION DRIFT after the spoof', 10_000, { after: first.position }));
    j.check(drift.mode === 'LIVE' && drift.data.drift.some((d) => d.subject === 'EURUSD'), 'DRIFT in LIVE, naming EURUSD', drift.data.drift.map((d) => `${d.kind} ${d.subject} broker ${d.broker ?? '-'} local ${d.local ?? '-'}`).join('; '));
    const flag = j.cite(await desk.waitFor('KILL_FLAG', (b) => b.data.state === 'SET', 'KILL_FLAG SET by the drift', 15_000, { after: first.position }));
    j.check(flag.causation_id === drift.bead_id, 'the kill flag was set by that drift', `SET by ${flag.data.who}: ${flag.data.reason}`);
    const phone = await desk.until(async () => (await messagesAt(desk, /CRITICAL[\s\S]*Reconciliation drift/)).at(0), 'CRITICAL "Reconciliation drift" message at the Bot API stand-in', 8_000);
    j.check(/RB-002/.test(phone.text), 'the operator’s alert names RB-002', JSON.stringify(phone.text.split('\n')[0]));
  },
};

export const parameterChange: Vector = {
  id: 'CV_S33_15',
  wave: 3,
  title: 'parameter change mid-validation',
  inject: '`phoenix config set HEARTBEAT_INTERVAL_S 20 --reason …` while the host runs in paper validation',
  expect: 'a CONFIG_CHANGE bead; the shadow period restarts (PROMOTION SHADOW); a bunny sweep of the changed component is triggered',
  runbook: 'RB-011',
  desk: { timeScale: 0.05 },
  budgetMs: 40_000,
  async run(desk, j) {
    await desk.startHost();
    const before = await desk.tail();
    const ran = await desk.cli(configCommand, ['set', 'HEARTBEAT_INTERVAL_S', '20', '--reason', 'bunny CV_S33_15', '--as', 'bunny']);
    const said = ran.code === 0 ? '' : ` (phoenix config set answered: ${ran.stderr.trim().split('\n')[0]})`;
    const change = await desk.waitFor('CONFIG_CHANGE', (b) => b.data.key === 'HEARTBEAT_INTERVAL_S', 'CONFIG_CHANGE bead for HEARTBEAT_INTERVAL_S', 5_000, { after: before }).catch((err: Error) => err);
    if (change instanceof Error) {
      const machine = existsSync(join(ROOT, 'machines', 'promotion.ts')) ? '' : ': there is no promotion machine (machines/promotion.ts)';
      j.check(false, 'a CONFIG_CHANGE bead records the change', `missing: ${change.message}${said}`);
      j.check((await desk.beads('PROMOTION', before)).length > 0, 'the shadow period restarts (PROMOTION SHADOW)', `missing: no PROMOTION bead${machine}`);
      j.check(false, 'a bunny sweep of the changed component is triggered', 'missing: no sweep (BUNNY beads of a SWEEP run) without a CONFIG_CHANGE to trigger it');
      return;
    }
    j.cite(change);
    j.check(String(change.data.new_value) === '20', 'the CONFIG_CHANGE names old and new', `${String(change.data.old_value)} → ${String(change.data.new_value)} by ${change.data.who}`);
    const shadow = j.cite(await desk.waitFor('PROMOTION', (b) => b.data.state === 'SHADOW', 'a PROMOTION SHADOW bead (the shadow period restarted)', 15_000, { after: change.position }));
    j.check(true, 'the shadow period restarted', shadow.data.reason);
    const sweep = j.cite(await desk.waitFor('BUNNY', (b) => b.data.run_scope === 'SWEEP', 'a BUNNY bead of the triggered sweep', 30_000, { after: change.position }));
    j.check(true, 'a bunny sweep was triggered', `${sweep.data.vector_id} ${sweep.data.result} in ${sweep.data.run_id}`);
  },
};
