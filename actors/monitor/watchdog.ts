import { hostname as osHostname } from 'node:os';
import { Mailbox } from '../../runtime/mailbox.ts';
import { type Bead, type IdSource, type Mode, streams } from '../../beads/index.ts';
import { uuidV7Ids } from '../../store/ids.ts';
import { isPidAlive as processIsAlive } from '../../store/lease.ts';
import type { EventLog, LogEntry, LogPosition, Subscription } from '../../store/port.ts';
import type { Clock } from '../../runtime/clock.ts';
import type { Config } from '../../runtime/config/load.ts';
import { BeadWriter } from '../../runtime/beadWriter.ts';
import { type Logger, silentLogger } from '../../runtime/logger.ts';
import { type Alert, type AlertSource, raiseAlert } from '../notify/outbox.ts';
import type { Timers } from '../../runtime/timers.ts';
import { type WatchdogAction, WatchdogCore, type WatchdogTimings } from './watchdogCore.ts';
import { serveWatchdogMetrics } from './watchdogMetrics.ts';

/**
 * `phoenix watchdog`'s actor (S6.3): a separate process that follows the log,
 * looks at the host's pid every tick, and writes what it finds. It takes no
 * lease: it appends only to the host's heartbeat stream (MISSED beads) and to
 * the alerts stream, under its own host id, so its own notifier delivers its
 * alerts even while the host is dead.
 */

export const watchdogIdOf = (hostId: string) => `${hostId}-watchdog`;

/** The host's beat as the watchdog expects it, in real milliseconds under TIME_SCALE. */
export function watchdogTimings(config: Pick<Config, 'HEARTBEAT_INTERVAL_S' | 'HEARTBEAT_JITTER_S' | 'TIME_SCALE'>): WatchdogTimings {
  const intervalMs = config.HEARTBEAT_INTERVAL_S * 1000 * config.TIME_SCALE;
  return {
    intervalMs,
    jitterMs: config.HEARTBEAT_JITTER_S * 1000 * config.TIME_SCALE,
    // Enough for a bead stamped before the deadline to cross the log (SQLite subscribers poll every 50 ms).
    confirmMs: Math.min(500, intervalMs / 10),
  };
}

export interface WatchdogOptions {
  log: EventLog;
  /** The host to watch (PHOENIX_HOST_ID). */
  hostId: string;
  mode: Mode;
  timings: WatchdogTimings;
  clock: Clock;
  timers: Timers;
  /** How often to look; S6.3 asks for the pid every second at most. */
  tickMs?: number;
  isPidAlive?: (pid: number) => boolean;
  hostname?: string;
  ids?: IdSource;
  logger?: Logger;
  /** When the log cannot take an alert, it must still go out (the notifier's raiseWithoutLog). */
  alertWithoutLog?: (input: Alert) => void;
  /** Told of every action once it is recorded: the CLI prints them. */
  onAction?: (action: WatchdogAction) => void;
  /** WATCHDOG_METRICS_PORT: serve /metrics on 127.0.0.1 at this port (0: any free one); undefined: none. */
  metricsPort?: number;
}

export interface RunningWatchdog {
  readonly core: WatchdogCore;
  /** Resolves once the watchdog has read the log up to now. */
  readonly caughtUp: Promise<void>;
  /** Where /metrics is served, when it is. */
  readonly metricsUrl: string | undefined;
  stop(): Promise<void>;
}

/** How far back to look for the host's last signs when the watchdog starts. */
const LOOKBACK = 64;

async function lastBeadsOf(log: EventLog, stream: string, keep: (b: Bead) => boolean): Promise<LogEntry[]> {
  const entries = await log.readStream(stream, { direction: 'backwards', limit: LOOKBACK });
  return entries.filter((e) => e.kind === 'bead' && keep(e.bead));
}

export async function startWatchdog(options: WatchdogOptions): Promise<RunningWatchdog> {
  const { log, hostId, mode, clock, timers, timings } = options;
  const logger = (options.logger ?? silentLogger).child({ actor: 'watchdog', host: hostId });
  const watchdogId = watchdogIdOf(hostId);
  const ids = options.ids ?? uuidV7Ids;
  const writer = new BeadWriter({ log, clock, ids, hostId: watchdogId, mode });
  const source: AlertSource = { hostId: watchdogId, mode, clock, ids };
  const pidAlive = options.isPidAlive ?? processIsAlive;
  const core = new WatchdogCore(hostId, timings, options.hostname ?? osHostname());
  const tickMs = options.tickMs ?? Math.min(1000, timings.intervalMs / 10);
  const correlationId = `watchdog-${hostId}`;

  // The metrics are a window onto the watchdog: a port that cannot be had must not keep it from watching.
  const metrics =
    options.metricsPort === undefined
      ? undefined
      : await serveWatchdogMetrics({ core, port: options.metricsPort, clock, logger }).catch((err: Error) => {
          logger.error({ err: err.message }, 'watchdog metrics not served');
          return undefined;
        });
  const mailbox = new Mailbox(logger, 'watchdog records');
  const perform = (actions: WatchdogAction[]) => {
    for (const action of actions) {
      void mailbox.run(() => record(action));
    }
  };

  const record = async (action: WatchdogAction): Promise<void> => {
    if (action.kind === 'missed') {
      logger.warn({ miss_count: action.missCount, silent_ms: action.silentMs, pid_alive: action.pidAlive }, 'heartbeat missed');
      const pidNote = action.pidAlive === undefined ? 'pid on another machine' : action.pidAlive ? `pid ${action.pid} alive` : `pid ${action.pid} gone`;
      await writer.write({
        bead_type: 'HEARTBEAT',
        stream: streams.heartbeat(hostId),
        correlation_id: correlationId,
        data: {
          status: 'MISSED',
          // What the watchdog can see is the process; nothing vouches for the rest while the host is silent.
          checks: { process_alive: action.pidAlive !== false, ibkr_connected: false, semantic_healthy: false },
          details: [
            {
              check: 'heartbeat',
              subject: hostId,
              message: `no heartbeat from ${hostId} for ${Math.round(action.silentMs / 100) / 10} s (miss ${action.missCount}); ${pidNote}`,
            },
          ],
          miss_count: action.missCount,
        },
      });
    } else if (action.kind === 'hostDown') {
      logger.error({ why: action.why, pid: action.pid }, action.message);
      const input: Alert = { type: 'alert', alertType: 'HOST_DOWN', message: action.message, dedupeKey: action.dedupeKey, correlationId };
      try {
        await raiseAlert(log, source, input);
      } catch (err) {
        // The log refused the alert: it still goes out, straight through the notifier.
        options.alertWithoutLog?.(input);
        throw err;
      }
    } else {
      logger.info(action.message);
      await raiseAlert(log, source, { type: 'alert', alertType: 'HOST_DOWN', action: 'resolve', message: action.message, dedupeKey: action.dedupeKey, correlationId });
    }
    metrics?.note(action);
    options.onAction?.(action);
  };

  // Start from the host's last signs rather than the whole log: the cost of starting does not grow with the log.
  const recent = [
    ...(await lastBeadsOf(log, streams.host(hostId), () => true)),
    ...(await lastBeadsOf(log, streams.lease, (b) => b.bead_type === 'LEASE' && b.data.holder === hostId)),
    ...(await lastBeadsOf(log, streams.heartbeat(hostId), () => true)),
  ].sort((a, b) => a.position - b.position);
  for (const entry of recent) if (entry.kind === 'bead') core.observe(entry.bead);
  const after: LogPosition | undefined = recent.length > 0 ? recent[recent.length - 1]!.position : undefined;

  let markCaughtUp: () => void = () => undefined;
  const caughtUp = new Promise<void>((resolve) => {
    markCaughtUp = resolve;
  });
  const subscription: Subscription = log.subscribe(
    (entry) => {
      if (entry.kind === 'bead') perform(core.observe(entry.bead));
    },
    {
      ...(after === undefined ? {} : { after }),
      onCaughtUp: () => markCaughtUp(),
      onDropped: (reason) => logger.warn({ reason }, 'log subscription dropped; resubscribing'),
      onError: (err) => logger.error({ err: err.message }, 'log subscription failed'),
    },
  );

  let stopped = false;
  let cancelTick: (() => void) | undefined;
  const tick = () => {
    if (stopped) return;
    perform(core.tick(clock.now(), pidAlive));
    cancelTick = timers.set(tickMs, tick);
  };
  // The first look waits for the catch-up, so a heartbeat already in the log is not taken for a miss.
  void caughtUp.then(tick);
  logger.info({ watchdogId, tickMs, ...timings }, 'watchdog started');

  return {
    core,
    caughtUp,
    metricsUrl: metrics?.url,
    async stop() {
      stopped = true;
      cancelTick?.();
      await subscription.stop();
      await mailbox.settled();
      await metrics?.stop();
    },
  };
}
