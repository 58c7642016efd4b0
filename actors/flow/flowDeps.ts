import type { KillSwitchEvent } from '../../machines/killswitch.ts';
import type { RunningBroker } from '../broker/brokerActor.ts';
import type { AlertSink } from '../notify/outbox.ts';
import type { Clock } from '../../runtime/clock.ts';
import type { Config } from '../../runtime/config/load.ts';
import type { BeadWriter } from '../../runtime/beadWriter.ts';
import type { Logger } from '../../runtime/logger.ts';

/**
 * What the trade-flow actors share: the configuration, the bead writer, the
 * clock, the broker, the alert outbox and the kill switch. The kill switch is
 * a port: the kill switch actor owns the flag; the flow only reads it and asks.
 */
export interface KillSwitchPort {
  flag(): 'ARMED' | 'SET';
  /** Asks the kill switch actor to act (drift in LIVE, a guard violation, the log down). */
  request(event: KillSwitchEvent): Promise<unknown>;
}

export type FlowBroker = Pick<RunningBroker, 'connector' | 'connection' | 'fills' | 'account' | 'submitPorts'>;

export interface FlowDeps {
  config: Config;
  writer: BeadWriter;
  clock: Clock;
  logger: Logger;
  broker: FlowBroker;
  alerts: AlertSink;
  killSwitch: KillSwitchPort;
}

/** A duration from the spec, scaled by TIME_SCALE like every named delay. */
export function scaled(config: Pick<Config, 'TIME_SCALE'>, ms: number): number {
  return Math.max(1, Math.round(ms * config.TIME_SCALE));
}
