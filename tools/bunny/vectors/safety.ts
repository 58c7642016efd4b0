import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '../../../runtime/config/load.ts';
import { openEventLog } from '../../../store/open.ts';
import { configCommand } from '../../commands/configCheck.ts';
import { windowMsOf } from '../../../machines/promotion.ts';
import { loadChainKey } from '../../../runtime/chain/chainKey.ts';
import { seedPaperHistory } from '../liveSeed.ts';
import { messagesAt } from '../trading.ts';
import { ROOT } from '../toolProcess.ts';
import type { Vector } from '../vector.ts';

/** Wave 3, the safety nets (S3.5, S3.6): live drift, a parameter change mid-validation. */

export const liveDrift: Vector = {
  id: 'CV_S33_12',
  wave: 3,
  title: 'spoofed live position mismatch',
  inject: 'a live-configured host (its scratch log seeded with a paper history that meets the live gate, and a promotion to LIVE_ACTIVE) against the simulator; the simulator spoofs a EURUSD position of +25000',
  expect: 'RECONCILIATION DRIFT; kill flag SET; a CRITICAL alert naming the runbook',
  runbook: 'RB-002',
  alerts: { raise: ['RECONCILIATION_DRIFT', 'KILL_FLAG_SET'], notRaise: ['CONNECTION_LOST', 'HOST_DOWN', 'GUARD_VIOLATION'] },
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
    const config = loadConfig(desk.env, ROOT);
    const log = await openEventLog(config);
    try {
      // The live gate in full: the paper gates, and a promotion to LIVE_ACTIVE over this desk's (time-scaled) window.
      // Sealed with the desk's chain key, as a paper host would have left it: the live gate counts only sealed evidence (issue 17).
      const chainKey = loadChainKey(config.homeDir, { create: true })!;
      j.count('seeded_history_beads', await seedPaperHistory(log, Date.now(), { promotionWindowMs: windowMsOf(config.PROMOTION_WINDOW_DAYS, config.TIME_SCALE), chainKey }));
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
  alerts: { raise: [], notRaise: ['HOST_DOWN', 'HEALTH_DEGRADED', 'CONNECTION_LOST'] },
  desk: { timeScale: 0.05 },
  budgetMs: 75_000,
  async run(desk, j) {
    await desk.startHost();
    const before = await desk.tail();
    // The desk's own .env, as an operator's: config set writes there, never into the repository's.
    const envFile = join(desk.home, '.env');
    writeFileSync(envFile, '# the scratch desk of CV_S33_15\nHEARTBEAT_JITTER_S=5\n', { mode: 0o600 });
    desk.env.PHOENIX_ENV_FILE = envFile;
    const ran = await desk.cli(configCommand, ['set', 'HEARTBEAT_INTERVAL_S', '20', '--reason', 'bunny CV_S33_15', '--as', 'bunny']);
    j.ensure(ran.code === 0, 'phoenix config set writes the change', `exit ${ran.code}: ${ran.stderr.trim().split('\n')[0]}`);
    const written = readFileSync(envFile, 'utf8');
    j.check(/^HEARTBEAT_INTERVAL_S=20$/m.test(written) && written.startsWith('# the scratch desk of CV_S33_15\nHEARTBEAT_JITTER_S=5\n'), 'the desk’s .env holds the new value, its comment and its other line kept', JSON.stringify(written));
    const change = j.cite(await desk.waitFor('CONFIG_CHANGE', (b) => b.data.key === 'HEARTBEAT_INTERVAL_S', 'a CONFIG_CHANGE bead for HEARTBEAT_INTERVAL_S', 5_000, { after: before }));
    j.check(String(change.data.old_value) === '30' && String(change.data.new_value) === '20' && change.data.who === 'cli:bunny', 'the CONFIG_CHANGE names old and new, who and why', `${String(change.data.old_value)} → ${String(change.data.new_value)} by ${change.data.who}: ${change.data.reason ?? ''}`);
    const shadow = j.cite(await desk.waitFor('PROMOTION', (b) => b.data.state === 'SHADOW' && b.data.cause_id === change.bead_id, 'a PROMOTION SHADOW bead caused by the change (the shadow period restarted)', 15_000, { after: change.position }));
    const sweep = shadow.data.sweep;
    if (sweep === undefined) return j.require(false, 'the shadow period restarted, asking for a sweep', 'the SHADOW bead names no sweep');
    j.require(sweep.components.includes('monitor') && sweep.settings.HEARTBEAT_INTERVAL_S === '20', 'the shadow period restarted, asking for a sweep of the monitor with the new value', `${sweep.run_id}: ${sweep.components.join(', ')} (${sweep.vectors.join(', ')}) with ${JSON.stringify(sweep.settings)}`);
    const verdict = j.cite(await desk.waitFor('BUNNY', (b) => b.data.run_id === sweep.run_id, `a BUNNY bead of the triggered sweep ${sweep.run_id}`, 55_000, { after: shadow.position }));
    j.check(verdict.data.run_scope === 'SWEEP' && verdict.data.triggered_by === shadow.bead_id && verdict.data.settings?.HEARTBEAT_INTERVAL_S === '20', 'the host ran the sweep (phoenix bunny --sweep monitor --with HEARTBEAT_INTERVAL_S=20): its verdicts carry its run id', `${verdict.data.vector_id} ${verdict.data.result} in ${verdict.data.run_id} (${verdict.data.run_scope}, triggered by ${verdict.data.triggered_by ?? '?'})`);
    // A clean stop takes the sweep down with the host.
    await desk.stopHost();
  },
};
