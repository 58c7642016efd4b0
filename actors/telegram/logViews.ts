import { fileURLToPath } from 'node:url';
import { applyBead, initialDashboard, noteCorrupt, withGates } from '../../projections/dashboardModel.ts';
import { type DashboardView, dashboardView } from '../../projections/dashboardView.ts';
import { dashboardGateStatuses, foldGates, gateResults, initialGates } from '../../projections/gates.ts';
import { ConnectionGapFold, HeartbeatGapFold } from '../../projections/gaps.ts';
import { connectionGapsText, heartbeatGapsText } from '../../projections/healthReport.ts';
import type { EventLog } from '../../store/port.ts';
import type { Config } from '../../runtime/config/load.ts';
import { readRunbooks } from '../dashboard/runbooks.ts';
import { RUNBOOKS } from '../notify/alertTypes.ts';

const RUNBOOKS_DIR = fileURLToPath(new URL('../../runbooks', import.meta.url));

/**
 * Views read on demand from the log through the same pure folds the web
 * dashboard and `phoenix query` use: `phoenix status` and the Telegram
 * commands ask rarely, so a read of the log beats a fold kept in memory.
 */

/** S6.3's "late" for this configuration: interval plus jitter, time-scaled. */
export function heartbeatGapMs(config: Pick<Config, 'HEARTBEAT_INTERVAL_S' | 'HEARTBEAT_JITTER_S' | 'TIME_SCALE'>): number {
  return (config.HEARTBEAT_INTERVAL_S + config.HEARTBEAT_JITTER_S) * 1000 * config.TIME_SCALE;
}

/** The dashboard view with the S11 gates filled in by the gates projection (and the runbooks folder it needs). */
export async function readDashboardView(log: EventLog, nowMs: number, gapMs: number): Promise<DashboardView> {
  let model = initialDashboard({ heartbeatGapMs: gapMs });
  const gates = initialGates();
  for await (const entry of log.readAll()) {
    if (entry.kind === 'bead') {
      model = applyBead(model, entry.bead, entry.position);
      foldGates(gates, entry.bead);
    } else {
      model = noteCorrupt(model, entry.position, entry.reason);
    }
  }
  const present = (await readRunbooks(RUNBOOKS_DIR)).filter((r) => r.info.problem === undefined).map((r) => r.info.id);
  const results = gateResults(gates, { runbooks: { expected: Object.keys(RUNBOOKS), present } });
  return dashboardView(withGates(model, dashboardGateStatuses(results)), nowMs);
}

const HOUR = 3_600_000;

/** Heartbeat gaps over the last 24 h and lost IB sessions over the last 7 days, as `phoenix query` words them. */
export async function readGapsText(log: EventLog, host: string, nowMs: number, gapMs: number): Promise<string[]> {
  const beats = { from: nowMs - 24 * HOUR, to: nowMs, label: '24 h' };
  const sessions = { from: nowMs - 7 * 24 * HOUR, to: nowMs, label: '7 days' };
  const heartbeat = new HeartbeatGapFold(host, { fromMs: beats.from, allowedMs: gapMs });
  const connection = new ConnectionGapFold(host, sessions.from);
  for await (const entry of log.readAll()) {
    if (entry.kind !== 'bead') continue;
    heartbeat.apply(entry.bead);
    connection.apply(entry.bead);
  }
  return [...heartbeatGapsText(heartbeat.result(nowMs), beats), '', ...connectionGapsText(connection.result(nowMs), sessions)];
}
