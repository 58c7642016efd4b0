import type { AlertSink } from '../notify/outbox.ts';
import { MachineActor } from '../../runtime/machineActor.ts';
import type { Bead } from '../../beads/index.ts';
import {
  CONNECTION_CHECK,
  type CheckDetail,
  type CheckedEvent,
  type HealthStatus,
  type HeartbeatAlertRequest,
  type HeartbeatSnapshot,
  healthOf,
  heartbeatMachine,
  PROCESS_CHECK,
} from '../../machines/heartbeat.ts';
import type { Clock } from '../../runtime/clock.ts';
import type { Config } from '../../runtime/config/load.ts';
import type { BeadWriter } from '../../runtime/beadWriter.ts';
import { type Logger, silentLogger } from '../../runtime/logger.ts';
import type { Random } from '../../runtime/random.ts';
import type { ActorLiveness } from './actorRegistry.ts';
import { startBeatScheduler } from './scheduler.ts';
import { systemTimers, type Timers, xstateClock } from '../../runtime/timers.ts';

/**
 * The heartbeat actor (S3.4, S6.1): on every beat it samples the host's
 * probes, hands the result to the heartbeat machine, appends the HEARTBEAT
 * bead the machine drafts, and passes on the alerts it asks for. All the
 * probes read memory (a registry, a getter, projections kept current by the
 * host), so a check costs the same on any length of log.
 */

export interface HeartbeatProbes {
  /** process_alive: every registered actor of the host reports alive. */
  actors: { check(): ActorLiveness };
  /** ibkr_connected, from the connection machine. */
  ibkrConnected: () => boolean;
  /** Semantic findings at `now` (a SemanticMonitor). */
  semantic: { findings(now: number): CheckDetail[] };
}

export type HeartbeatConfig = Pick<Config, 'PHOENIX_HOST_ID' | 'HEARTBEAT_INTERVAL_S' | 'HEARTBEAT_JITTER_S' | 'TIME_SCALE'>;

export interface StartHeartbeatOptions {
  writer: BeadWriter;
  clock: Clock;
  random: Random;
  timers?: Timers;
  config: HeartbeatConfig;
  probes: HeartbeatProbes;
  /** Without a sink, alert requests are only logged. */
  alerts?: AlertSink;
  logger?: Logger;
  /** Called after each HEARTBEAT bead is stored: the place to renew the host's lease (S2). */
  onBeat?: (beat: { status: HealthStatus; bead: Bead }) => void | Promise<void>;
}

export interface RunningHeartbeat {
  /** The health of the last check; undefined before the first. */
  readonly health: HealthStatus | undefined;
  snapshot(): HeartbeatSnapshot;
  stop(): Promise<void>;
}

/** S6.2's 5 minutes, and the beat, in real milliseconds under TIME_SCALE. */
export function heartbeatTimings(config: HeartbeatConfig): { intervalMs: number; jitterMs: number; escalateAfterMs: number } {
  const scale = config.TIME_SCALE;
  return {
    intervalMs: config.HEARTBEAT_INTERVAL_S * 1000 * scale,
    jitterMs: config.HEARTBEAT_JITTER_S * 1000 * scale,
    escalateAfterMs: 5 * 60_000 * scale,
  };
}

/** One sample of every probe. A probe that throws counts against its check: a broken check is never read as healthy. */
export function sampleProbes(probes: HeartbeatProbes, at: number): CheckedEvent {
  const details: CheckDetail[] = [];
  let processAlive = false;
  try {
    const liveness = probes.actors.check();
    processAlive = liveness.alive;
    for (const name of liveness.dead) details.push({ check: PROCESS_CHECK, subject: name, message: `actor ${name} is not running` });
  } catch (err) {
    details.push({ check: PROCESS_CHECK, message: `the actor registry could not be read: ${(err as Error).message}` });
  }
  let ibkrConnected = false;
  try {
    ibkrConnected = probes.ibkrConnected();
  } catch (err) {
    details.push({ check: CONNECTION_CHECK, message: `the connection state could not be read: ${(err as Error).message}` });
  }
  if (!ibkrConnected && !details.some((d) => d.check === CONNECTION_CHECK)) {
    details.push({ check: CONNECTION_CHECK, message: 'not connected to IB Gateway' });
  }
  try {
    details.push(...probes.semantic.findings(at));
  } catch (err) {
    details.push({ check: 'semantic_checks', message: `the semantic checks failed: ${(err as Error).message}` });
  }
  return { type: 'CHECKED', at, processAlive, ibkrConnected, details };
}

export function startHeartbeat(options: StartHeartbeatOptions): RunningHeartbeat {
  const { writer, clock, random, config, probes } = options;
  const timers = options.timers ?? systemTimers;
  const logger = (options.logger ?? silentLogger).child({ actor: 'heartbeat' });
  const { intervalMs, jitterMs, escalateAfterMs } = heartbeatTimings(config);
  const alert = async (request: HeartbeatAlertRequest) => {
    logger.warn({ alert: request.alertType, action: request.action, key: request.dedupeKey }, request.message);
    if (options.alerts) await options.alerts.raise(request);
  };
  // Beads and alerts leave in the order the machine asked for them, one at a time. Each bead is stamped at the
  // check's own time, so replay recovers exactly when each check happened; the heartbeat stream outlives a host.
  const shell = new MachineActor({
    machine: heartbeatMachine,
    start: { input: { hostId: config.PHOENIX_HOST_ID, escalateAfterMs } },
    clock: xstateClock(timers),
    writer,
    logger,
    name: 'heartbeat output',
    claimsStream: false,
    onBead: async (bead) => {
      const status = bead.bead_type === 'HEARTBEAT' ? bead.data.status : undefined;
      if (status && status !== 'MISSED' && options.onBeat) await options.onBeat({ status, bead });
    },
    onAlert: alert,
  });
  const actor = shell.actor;
  const mailbox = shell.mailbox;
  actor.start();

  const scheduler = startBeatScheduler({
    intervalMs,
    jitterMs,
    clock,
    timers,
    random,
    beat: async (startedAt) => {
      actor.send(sampleProbes(probes, startedAt));
      // The beat lasts until its bead is stored: the next never starts before.
      await mailbox.settled();
    },
    onError: (err) => logger.error({ err: (err as Error).message }, 'heartbeat check failed'),
  });
  logger.info({ intervalMs, jitterMs, escalateAfterMs }, 'heartbeat started');

  return {
    get health() {
      return healthOf(actor.getSnapshot());
    },
    snapshot: () => actor.getSnapshot(),
    async stop() {
      await scheduler.stop();
      actor.stop();
      await mailbox.settled();
    },
  };
}
