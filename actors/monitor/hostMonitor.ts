import type { Bead } from '../../beads/index.ts';
import type { Clock } from '../../runtime/clock.ts';
import type { Config } from '../../runtime/config/load.ts';
import type { BeadWriter } from '../../runtime/beadWriter.ts';
import type { Logger } from '../../runtime/logger.ts';
import { mathRandom, type Random } from '../../runtime/random.ts';
import { ActorRegistry } from './actorRegistry.ts';
import { type RunningHeartbeat, startHeartbeat } from './heartbeatActor.ts';
import { outboxSink } from '../notify/outbox.ts';
import type { SemanticView } from '../../projections/semanticChecks.ts';
import { SemanticMonitor } from './semanticMonitor.ts';
import { TickTracker } from './tickTracker.ts';
import type { Timers } from '../../runtime/timers.ts';

/**
 * Everything the host needs for S3.4 / S6.1 in one call: the actor registry
 * (process_alive), the tick tracker (subscriptions alive), the semantic
 * projection, and the heartbeat actor writing HEARTBEAT beads and raising its
 * alerts through the notify outbox under the host's id.
 */

export interface HostMonitorOptions {
  config: Config;
  writer: BeadWriter;
  clock: Clock;
  logger: Logger;
  /** ibkr_connected: from the connection machine (for example `snapshot.matches('CONNECTED')`). */
  ibkrConnected: () => boolean;
  random?: Random;
  timers?: Timers;
  /** After each HEARTBEAT bead: the place to renew the lease (S2: renewed with every heartbeat). */
  onBeat?: Parameters<typeof startHeartbeat>[0]['onBeat'];
  /** The semantic checks' view as the host's projection engine keeps it (issue 15). */
  semanticView?: () => SemanticView;
}

export interface HostMonitor {
  /** Register each actor the host starts: `registry.register('broker', () => broker.running)`. */
  readonly registry: ActorRegistry;
  /** The broker actor reports subscriptions and ticks here. */
  readonly ticks: TickTracker;
  readonly semantic: SemanticMonitor;
  readonly heartbeat: RunningHeartbeat;
  /** Feed every bead of the log, in order (or call semantic.follow(log) once). */
  apply(bead: Bead): void;
  stop(): Promise<void>;
}

export function startHostMonitor(options: HostMonitorOptions): HostMonitor {
  const { config, writer, clock, logger } = options;
  const registry = new ActorRegistry();
  const ticks = new TickTracker();
  const semantic = new SemanticMonitor({
    startedAt: clock.now(),
    timeScale: config.TIME_SCALE,
    ticks,
    // The mock broker and the simulator tick around the clock; a real market closes at the weekend.
    marketHours: config.mode === 'MOCK' ? 'always' : 'fx',
    ...(options.semanticView ? { view: options.semanticView } : {}),
  });
  const heartbeat = startHeartbeat({
    writer,
    clock,
    random: options.random ?? mathRandom,
    ...(options.timers ? { timers: options.timers } : {}),
    config,
    probes: { actors: registry, ibkrConnected: options.ibkrConnected, semantic },
    alerts: outboxSink(writer.log, { hostId: config.PHOENIX_HOST_ID, mode: config.mode, clock }),
    logger,
    ...(options.onBeat ? { onBeat: options.onBeat } : {}),
  });
  return {
    registry,
    ticks,
    semantic,
    heartbeat,
    apply: (bead) => semantic.apply(bead),
    stop: () => heartbeat.stop(),
  };
}
