import { hostname } from 'node:os';
import { streams } from '../../beads/index.ts';
import { uuidV7Ids } from '../../store/ids.ts';
import { HostLease, LeaseLostError } from '../../store/lease.ts';
import type { EventLog } from '../../store/port.ts';
import type { Clock } from '../../runtime/clock.ts';
import type { Config } from '../../runtime/config/load.ts';
import type { Logger } from '../../runtime/logger.ts';
import { outboxAlerts, type RunningBroker, startBroker } from '../broker/brokerActor.ts';
import type { BrokerHooks } from '../broker/connectionActor.ts';
import type { SubmitPorts } from '../broker/submitGuards.ts';
import { haltBrokerOf, NO_TOKENS } from '../killswitch/haltBroker.ts';
import { followHostHalts, type HostHalts } from '../killswitch/hostHalts.ts';
import { type KillSwitch, startKillSwitch } from '../killswitch/killSwitchActor.ts';
import { registerAlertLabelCallbacks } from '../telegram/alertLabelCallbacks.ts';
import { startTelegramApprovals } from '../telegram/telegramApprovals.ts';
import { registerTelegramCommands } from '../telegram/telegramCommands.ts';
import { systemTimers } from '../../runtime/timers.ts';
import { HostTelemetry } from '../dashboard/hostTelemetry.ts';
import { registerPhase2Gauges } from '../dashboard/metrics.ts';
import { runbookInputs } from '../gates/runbookInputs.ts';
import { flowBrokerHooks, killSwitchPortOf } from '../flow/hostWiring.ts';
import { startTradeFlow, type TradeFlow } from '../flow/tradeFlow.ts';
import { startHostMonitor } from '../monitor/hostMonitor.ts';
import { BeadWriter } from '../../runtime/beadWriter.ts';
import { ChainedLog } from '../../runtime/chain/chainedLog.ts';
import { loadChainKey, secureHome } from '../../runtime/chain/chainKey.ts';
import type { ChainFinding } from '../../runtime/chain/checker.ts';
import { findingReporter } from '../../runtime/chain/findings.ts';
import { HOST_VERIFIED_TYPES } from '../../runtime/chain/hostOnly.ts';
import { recordConfigAtStart } from '../promotion/configChanges.ts';
import { phase2Source, type RunningPromotion, startPromotion } from '../promotion/promotionActor.ts';
import { startSweepRunner } from '../promotion/sweepRunner.ts';
import { watchWritability } from '../../store/writability.ts';
import { failClosedOnUnwritableLog } from './failClosed.ts';
import { startHostDashboard } from './hostDashboard.ts';
import { judgeLiveGateAtStart } from './liveGateAtStart.ts';
import { hostProjections } from './hostProjections.ts';
import { createNotify } from './notifyWiring.ts';
import { PHOENIX_VERSION } from './version.ts';

export interface HostDeps {
  config: Config;
  log: EventLog;
  clock: Clock;
  logger: Logger;
  /** What the trade flow plugs into the broker (reconciliation, paper gates). */
  brokerHooks?: BrokerHooks;
  /**
   * LIVE: stop before any order path starts (no kill switch, notifier or
   * broker yet) when the live gate in full (the paper gates and promotion at
   * LIVE_ACTIVE, on sealed evidence) is shut, with LiveGateShutError
   * (`phoenix run` sets it). Without it the broker's paper-first guard alone
   * stands (S4.1): the paper gates, as test rigs on a seeded paper history use.
   */
  refuseShutLiveGate?: boolean;
}

/** Startup validation failed against the gateway (S4.1): GUARD_FAILED, no order possible; `phoenix run` exits 3. */
export class GuardFailedError extends Error {
  override readonly name = 'GuardFailedError';
}

/** The submit chain's ports as the host wires them: the broker's, with the kill switch's flag. The trade flow adds `tokens`. */
export type HostSubmitPorts = Omit<SubmitPorts, 'tokens'>;

export interface RunningHost {
  writer: BeadWriter;
  /** The IB connection, connector and fill recorder (the mock backend unless IBKR_MODE is paper or live). */
  broker: RunningBroker;
  /** The kill flag (S3.5): `killFlag()` for the guards, and the SET sources (guard violation, log, drift). */
  killSwitch: KillSwitch;
  /** Executes the halt requests that reach the host through the log. */
  halts: HostHalts;
  submitPorts(): HostSubmitPorts;
  /** The trade flow (S5): intents, approvals, positions, reconciliation, crash recovery. */
  flow: TradeFlow;
  /** The dashboard's address, when it could bind. */
  dashboardUrl?: string;
  /** Resolves with a reason if the host must stop on its own (for example it lost the lease). */
  readonly fatal: Promise<Error>;
  stop(reason?: string): Promise<void>;
}

/**
 * The actor host: takes the single-writer lease, records that it started and
 * with which parameters, starts the dashboard, the alert outbox (and Telegram),
 * the broker and the heartbeat that keeps the lease renewed; on stop it records
 * that it is stopping and lets the lease go.
 */
export async function startHost({ config, log: opened, clock, logger, brokerHooks, refuseShutLiveGate = false }: HostDeps): Promise<RunningHost> {
  // S2 fail closed: every append this host makes is watched, so a log that refuses one is known at once (failClosed.ts).
  const untimedLog = watchWritability(opened, () => clock.now());
  const telemetry = new HostTelemetry();
  const viewLog = telemetry.timedLog(untimedLog);
  const hostId = config.PHOENIX_HOST_ID;
  // Issue 17: every bead this host writes is sealed into its chain; its own reads check beads against the chains.
  const tightened = secureHome(config.homeDir);
  if (tightened.length > 0) logger.warn({ tightened }, 'PHOENIX_HOME was open to others: tightened to 0700 (files 0600)');
  let reportFinding: (f: ChainFinding) => void = () => undefined;
  const chainKey = loadChainKey(config.homeDir, { create: true })!;
  // Timed outside the chain: an append is timed as the host asked for it (one stream: kind single) and waited for it, its seal included.
  const chain = await ChainedLog.open(untimedLog, { key: chainKey, hostId, mode: config.mode, clock, verifyTypes: HOST_VERIFIED_TYPES, onFinding: (f) => reportFinding(f) });
  const log = telemetry.timedLog(chain);
  const writer = new BeadWriter({ log, clock, ids: uuidV7Ids, hostId, mode: config.mode });
  reportFinding = findingReporter({ logger, write: (draft) => writer.write(draft) });
  const ttlMs = config.LEASE_TTL_S * 1000;
  const lease = new HostLease({ log, holder: hostId, mode: config.mode, ttlMs, clock, ids: uuidV7Ids });
  const grant = await lease.acquire();
  if (grant.previous) {
    logger.warn({ previous: grant.previous.holder, why: grant.previous.why }, 'took over the lease of a host that is gone');
  }
  // Halt requests appended after our lease bead are addressed to this host; an earlier one that no host finished is carried out first.
  const [leaseEntry] = await log.readStream(streams.lease, { direction: 'backwards', limit: 1 });
  const correlation = `host-${hostId}-${clock.now()}`;
  const hostStream = streams.host(hostId);
  const started = await writer.write({
    bead_type: 'HOST',
    stream: hostStream,
    correlation_id: correlation,
    data: { event: 'STARTED', version: PHOENIX_VERSION, config_hash: config.configHash, pid: process.pid, hostname: hostname() },
  });
  // Issue 14: a parameter that differs from the last CONFIG bead is a CONFIG_CHANGE first (a hand edit of .env is caught here).
  await recordConfigAtStart({ log, writer, config, chainKey, correlation });
  // Issue 15: every fold the host keeps is registered on one engine, which reads the log once (from its checkpoint) before anything trades.
  const projections = hostProjections({ config, log, logger, clock, chainKey });
  const { engine } = projections;
  const dashboard = await startHostDashboard(config, viewLog, clock, logger, telemetry, engine);
  // Issue 14: the promotion machine follows the log; a CONFIG_CHANGE sends the desk to SHADOW and starts a bunny sweep.
  const promotion: RunningPromotion = startPromotion({ config, log, writer, clock, logger, sweeps: startSweepRunner({ config, logger }), runbooks: runbookInputs(), engine });
  await engine.catchUp({ until: started.result.position });
  // S2: a clean stop is recorded, and the lease let go, so a successor takes over at once.
  const recordStopping = async (reason: string) => {
    await writer.write({
      bead_type: 'HOST',
      stream: hostStream,
      correlation_id: correlation,
      data: { event: 'STOPPING', version: PHOENIX_VERSION, config_hash: config.configHash, pid: process.pid, hostname: hostname(), reason },
    });
    if (lease.held) await lease.release(reason);
    // The block since the last seal is sealed now: the caller owns the log and may close it at once, and what a stop leaves unsealed the next start refuses.
    await chain.flush();
  };
  const stopBeforeOrders = async (reason: string) => {
    await promotion.stop();
    await dashboard?.stop();
    await engine.stop();
    await recordStopping(reason);
  };
  const liveGate = projections.liveGate ? await judgeLiveGateAtStart(projections.liveGate(), { config, logger, refuse: refuseShutLiveGate, stopBeforeOrders }) : undefined;
  logger.info({ hostId, mode: config.mode, log: log.name, configHash: config.configHash, dashboard: dashboard?.url }, 'host started');

  let reportFatal: (err: Error) => void = () => undefined;
  const fatal = new Promise<Error>((resolve) => {
    reportFatal = resolve;
  });
  const alerts = outboxAlerts(writer, config, clock);
  // Restored before the broker starts: no order can be judged against a flag not yet read.
  const killSwitch = await startKillSwitch({ writer, mode: config.mode, alerts, logger, timers: systemTimers, homeDir: config.homeDir, clock });
  const notify = createNotify(config, log, logger, projections.oldestOwedAlert);
  await notify.notifier.start();
  const stopFailClosed = failClosedOnUnwritableLog(untimedLog, { killSwitch, raiseWithoutLog: (a) => notify.notifier.raiseWithoutLog(a), logger, hostId, correlationId: correlation });
  if (notify.bot) registerTelegramCommands(notify.bot.router, { log, writer, clock, killSwitch, config });
  if (notify.bot) registerAlertLabelCallbacks(notify.bot.router, { writer });
  // Approvals evidenced after our lease bead are new to this run: a restart never announces one twice.
  const phoneApprovals = notify.bot
    ? startTelegramApprovals(notify.bot, {
        decisions: { log, clock, ids: uuidV7Ids, hostId, mode: config.mode },
        homeDir: config.homeDir,
        timers: systemTimers,
        logger,
        ...(leaseEntry === undefined ? {} : { after: leaseEntry.position }),
      })
    : undefined;
  // Telegram being down must never hold up the broker: the bot keeps trying in
  // the background while alerts queue in the outbox (RB-006).
  void notify.bot?.start().catch((err: Error) => logger.error({ err: err.message }, 'telegram bot did not start'));

  const flowHooks = flowBrokerHooks(liveGate ? { ...brokerHooks, paperValidationComplete: async () => liveGate.paperHolds && (await (brokerHooks?.paperValidationComplete?.() ?? true)) } : brokerHooks);
  const broker = await startBroker({ config, writer, clock, logger, runId: correlation, hooks: flowHooks.hooks, facts: projections.brokerFacts() });
  dashboard?.followMarket(broker.connector);
  void broker.guardFailed.then((reason) => reportFatal(new GuardFailedError(`IB connection refused by the startup guards: ${reason}`)));
  const submitPorts = (): HostSubmitPorts => ({ ...broker.submitPorts(), killFlag: () => killSwitch.killFlag() });
  const halts = await followHostHalts({
    log,
    writer,
    clock,
    logger,
    killSwitch,
    alerts,
    after: leaseEntry?.position,
    broker: haltBrokerOf({
      connector: () => broker.connector,
      account: broker.account,
      connected: () => broker.connection.connected,
      submitPorts: () => ({ ...submitPorts(), tokens: NO_TOKENS }),
    }),
  });

  const flow = await startTradeFlow({
    config,
    writer,
    clock,
    logger,
    broker,
    alerts,
    killSwitch: killSwitchPortOf(killSwitch),
    projections: { engine, folds: projections.flow },
  }).catch((err: Error) => {
    flowHooks.attach(undefined);
    throw err;
  });
  flowHooks.attach(flow);

  // S2: the lease is renewed with every heartbeat, so a hung host lets it lapse
  // and a restarted one can take over. The heartbeat's timers keep the process alive.
  const monitor = startHostMonitor({
    config,
    writer,
    clock,
    logger,
    ibkrConnected: () => broker.connection.connected,
    semanticView: projections.semantic,
    onBeat: async ({ bead }) => {
      telemetry.heartbeatStored(bead, clock.now());
      try {
        await lease.renew();
      } catch (err) {
        logger.error({ err: (err as Error).message }, 'lease renewal failed');
        if (err instanceof LeaseLostError) reportFatal(err);
      }
    },
  });
  // From the last entry the catch-up read: one subscription for every fold and listener.
  engine.follow();
  registerPhase2Gauges(telemetry.registry, () => (promotion.caughtUp() ? phase2Source(promotion.standing()) : undefined));

  let stopped = false;
  return {
    writer,
    broker,
    killSwitch,
    halts,
    submitPorts,
    flow,
    dashboardUrl: dashboard?.url,
    fatal,
    async stop(reason = 'signal') {
      if (stopped) return;
      stopped = true;
      stopFailClosed();
      await promotion.stop();
      await monitor.stop();
      await flow.stop().catch((err: Error) => logger.error({ err: err.message }, 'trade flow did not stop cleanly'));
      await halts.stop();
      killSwitch.stop();
      await broker.stop().catch((err: Error) => logger.error({ err: err.message }, 'broker did not stop cleanly'));
      await phoneApprovals?.stop();
      await notify.stop().catch((err: Error) => logger.error({ err: err.message }, 'notify did not stop cleanly'));
      await dashboard?.stop();
      // A clean stop's checkpoint: the next start reads only what comes after.
      await engine.stop();
      await recordStopping(reason);
      logger.info({ reason }, 'host stopped');
    },
  };
}
