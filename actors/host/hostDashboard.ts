import type { Clock } from '../../runtime/clock.ts';
import type { Config } from '../../runtime/config/load.ts';
import type { Logger } from '../../runtime/logger.ts';
import type { ProjectionEngine } from '../../runtime/projectionEngine.ts';
import type { EventLog } from '../../store/port.ts';
import { standingGatesOn } from '../../projections/hostFolds.ts';
import { type RunningDashboard, startDashboard } from '../dashboard/server.ts';
import type { HostTelemetry } from '../dashboard/hostTelemetry.ts';
import { RUNBOOKS_DIR, runbookInputs } from '../gates/runbookInputs.ts';
import { standingOptions } from '../promotion/promotionActor.ts';

/**
 * The dashboard is a window, not a control: if its port is taken the host
 * still runs (trading must not depend on a view) and says so loudly.
 */
export async function startHostDashboard(config: Config, log: EventLog, clock: Clock, logger: Logger, telemetry: HostTelemetry, engine: ProjectionEngine): Promise<RunningDashboard | undefined> {
  try {
    return await startDashboard({
      log,
      host: config.DASHBOARD_HOST,
      port: config.DASHBOARD_PORT,
      logger,
      clock,
      runbooksDir: RUNBOOKS_DIR,
      // The same gates `phoenix gates` computes, runbooks included, folded as the log grows.
      gates: (registry) => standingGatesOn(registry, { ...standingOptions(config), runbooks: runbookInputs() }),
      engine,
      heartbeatGapMs: (config.HEARTBEAT_INTERVAL_S + config.HEARTBEAT_JITTER_S) * 1000 * config.TIME_SCALE,
      telemetry,
    });
  } catch (err) {
    logger.error({ err: (err as Error).message }, 'dashboard not started');
    return undefined;
  }
}
