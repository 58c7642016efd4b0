import { streams } from '../../beads/index.ts';
import { Mailbox } from '../../runtime/mailbox.ts';
import type { EventLog, LogPosition, Subscription } from '../../store/port.ts';
import type { Clock } from '../../runtime/clock.ts';
import type { AlertSink } from '../notify/outbox.ts';
import type { BeadWriter } from '../../runtime/beadWriter.ts';
import type { Logger } from '../../runtime/logger.ts';
import { executeHalt, type HaltBroker, type HaltOutcome, type HaltPorts, haltStepDraft } from './haltExecutor.ts';
import { type HaltRequest, haltRequestOf, haltRequester } from './haltRequest.ts';
import { unfinishedHalts } from './unfinishedHalts.ts';
import type { KillSwitch } from './killSwitchActor.ts';

/**
 * The host's ear on the log bus (S9: commands from other processes reach the
 * host through the log). It follows the log from the host's own lease bead:
 * KILL_FLAG beads another process appended (`phoenix resume`) are folded into
 * the kill switch, and each HALT STARTED request is executed, one halt at a
 * time, in the order asked. A request from before the lease that no run
 * finished is executed first (unfinishedHalts.ts).
 */
export interface HostHaltDeps {
  log: EventLog;
  writer: BeadWriter;
  clock: Clock;
  logger: Logger;
  killSwitch: KillSwitch;
  broker: HaltBroker;
  alerts: AlertSink;
  /** Requests strictly after this position are the host's to execute; earlier ones were someone else's. */
  after: LogPosition | undefined;
  settleTimeoutMs?: number;
}

export interface HostHalts {
  /** Resolves with each halt's outcome as it finishes; for logs and tests. */
  onOutcome(listener: (request: HaltRequest, outcome: HaltOutcome) => void): () => void;
  stop(): Promise<void>;
}

export async function followHostHalts(deps: HostHaltDeps): Promise<HostHalts> {
  const logger = deps.logger.child({ actor: 'halt' });
  const listeners = new Set<(request: HaltRequest, outcome: HaltOutcome) => void>();
  const ports: HaltPorts = {
    clock: deps.clock,
    broker: deps.broker,
    setKillFlag: (request) => deps.killSwitch.halt(haltRequester(request.who), request.reason, request.startedBeadId),
    record: async (step, data, request) => (await deps.writer.write(haltStepDraft(step, data, request))).beads[0],
    raiseAlert: (input) => deps.alerts.raise(input),
    ...(deps.settleTimeoutMs === undefined ? {} : { settleTimeoutMs: deps.settleTimeoutMs }),
  };
  const mailbox = new Mailbox(logger, 'halts');
  const run = (request: HaltRequest) => {
    void mailbox.run(async () => {
      logger.warn({ haltId: request.haltId, who: request.who, flatten: request.flatten, reason: request.reason }, 'HALT requested: executing RB-004');
      const outcome = await executeHalt(request, ports);
      logger[outcome.ok ? 'warn' : 'error']({ haltId: request.haltId, elapsedMs: outcome.elapsedMs, cancelled: outcome.cancelled, flattened: outcome.flattened, detail: outcome.detail }, `HALT ${outcome.ok ? 'COMPLETED' : 'FAILED'}`);
      for (const listener of listeners) listener(request, outcome);
    });
  };

  // Before following the log: a halt left unfinished by an earlier run goes first, in the order asked.
  if (deps.after !== undefined) {
    for (const request of await unfinishedHalts(deps.log, deps.after)) {
      logger.warn({ haltId: request.haltId, who: request.who, requestedAt: new Date(request.requestedAt).toISOString() }, 'a halt asked for before this host started was never finished: executing it now');
      run(request);
    }
  }

  const subscription: Subscription = deps.log.subscribe(
    async (entry) => {
      if (entry.kind !== 'bead') return;
      const bead = entry.bead;
      if (bead.stream === streams.killswitch) {
        // Issue 17: a clear another process wrote is judged and answered; only one the host counts moves the flag.
        if (bead.bead_type === 'KILL_FLAG' && bead.data.state === 'CLEARED') await deps.killSwitch.answerClear(bead);
        if (entry.revision > deps.killSwitch.recordedUpTo()) await deps.killSwitch.catchUp();
        return;
      }
      const request = haltRequestOf(bead);
      // A direct halt is being carried out by the process that asked (the host was down when it looked).
      if (request && !request.direct) run(request);
    },
    {
      ...(deps.after === undefined ? {} : { after: deps.after }),
      onError: (err) => logger.error({ err: err.message }, 'the halt follower stopped: halts from the CLI and Telegram are not seen'),
    },
  );

  return {
    onOutcome(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async stop() {
      await subscription.stop();
      await mailbox.settled();
    },
  };
}
