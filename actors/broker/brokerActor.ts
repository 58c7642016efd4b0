import type { Bead, BeadDraft } from '../../beads/index.ts';
import type { Clock } from '../../runtime/clock.ts';
import type { Config } from '../../runtime/config/load.ts';
import type { BeadWriter } from '../../runtime/beadWriter.ts';
import type { Logger } from '../../runtime/logger.ts';
import { raiseAlert } from '../notify/outbox.ts';
import { type BrokerLogFacts, readBrokerLogFacts } from './brokerLogFacts.ts';
import type { AlertSink } from '../notify/outbox.ts';
import { type BrokerHooks, ConnectionActor } from './connectionActor.ts';
import type { IBKRConnector } from './connector.ts';
import { createConnector, tradingAccount } from './createConnector.ts';
import { FillRecorder } from './fillRecorder.ts';
import { RefusalRecorder } from './refusalRecorder.ts';
import { appendWriteAhead } from './writeAhead.ts';
import type { MessagePacer } from './pacer.ts';
import type { SessionFacts, SubmitPorts } from './submitGuards.ts';

/**
 * The broker side of the host: the connector chosen by the mode, the
 * connection actor, the fill recorder, and the parts of the submit guard
 * chain that belong to the broker (pacing, session facts, write-ahead, send).
 */

export interface BrokerDeps {
  config: Config;
  writer: BeadWriter;
  clock: Clock;
  logger: Logger;
  runId: string;
  hooks?: BrokerHooks;
  /** Defaults to the notify outbox (ALERT beads on the log). */
  alerts?: AlertSink;
  /** Tests pass a faster or slower pacer. */
  pacer?: MessagePacer;
  /** What the host's projection engine folded from the log (issue 15); absent, the broker reads them itself. */
  facts?: BrokerLogFacts;
}

export type BrokerSubmitPorts = Pick<SubmitPorts, 'config' | 'session' | 'pacer' | 'clock' | 'send'> & {
  /** SubmitPorts' write-ahead, answering with the beads as written so the trade flow can fold them. */
  appendWriteAhead(drafts: readonly BeadDraft[], alongside: readonly Bead[]): Promise<Bead[]>;
};

export interface RunningBroker {
  connector: IBKRConnector;
  connection: ConnectionActor;
  fills: FillRecorder;
  /** The account orders go to. */
  account: string;
  /** Resolves with the reason if startup validation fails (GUARD_FAILED): the host must stop, exit 3. */
  guardFailed: Promise<string>;
  /** The broker's share of SubmitPorts; the trade flow adds killFlag and tokens. */
  submitPorts(): BrokerSubmitPorts;
  stop(): Promise<void>;
}

export function outboxAlerts(writer: BeadWriter, config: Pick<Config, 'PHOENIX_HOST_ID' | 'mode'>, clock: Clock): AlertSink {
  return { raise: (input) => raiseAlert(writer.log, { hostId: config.PHOENIX_HOST_ID, mode: config.mode, clock }, input) };
}

export async function startBroker(deps: BrokerDeps): Promise<RunningBroker> {
  const { config, writer, clock, runId } = deps;
  const logger = deps.logger.child({ actor: 'broker' });
  const alerts = deps.alerts ?? outboxAlerts(writer, config, clock);
  const facts = deps.facts ?? (await readBrokerLogFacts(writer.log));
  const connector = createConnector({ config, clock, logger, highestOrderId: facts.highestOrderId, ...(deps.pacer ? { pacer: deps.pacer } : {}) });
  const fills = new FillRecorder(writer, facts.recordedExecIds, logger);
  const account = tradingAccount(config);
  const connection = new ConnectionActor({ connector, writer, fills, alerts, config, clock, logger, runId, account, ...(deps.hooks ? { hooks: deps.hooks } : {}) });
  const host = config.PHOENIX_HOST_ID;
  const raise = (input: Parameters<AlertSink['raise']>[0]) => {
    alerts.raise(input).catch((err: Error) => logger.error({ err: err.message, alert: input.type }, 'could not raise an alert'));
  };

  connector.pacer.onBacklog((b) => {
    const message = `Pacing: ${b.queued} messages queued to stay under IB's 50/s (about ${Math.round(b.expectedWaitMs)} ms of backlog, ${b.lane}s). The excess is queued, not dropped.`;
    logger.warn({ queued: b.queued, lane: b.lane, expectedWaitMs: Math.round(b.expectedWaitMs) }, message);
    raise({ type: 'alert', alertType: 'PACING_WARNING', message, dedupeKey: `PACING_WARNING:${host}`, correlationId: runId });
  });
  // S14: a malformed broker message, or one about an order or contract not ours, is refused at the boundary.
  const refusals = new RefusalRecorder(writer, clock, logger, `gateway ${config.IBKR_HOST}:${config.ibkrPort}`, runId);
  connector.on('refused', (r) => refusals.record(r));
  connector.on('notice', (n) => {
    const fields = { code: n.code, reqId: n.reqId };
    if (n.code === 100) {
      // Phoenix's own pacer should make this impossible; if it happens anyway, a person must know.
      logger.error(fields, `IB pacing violation: ${n.message}`);
      raise({ type: 'alert', alertType: 'PACING_WARNING', message: `IB reported a pacing violation (100): ${n.message}`, dedupeKey: `PACING_VIOLATION:${host}`, correlationId: runId });
      return;
    }
    logger[n.severity === 'error' ? 'error' : n.severity === 'warning' ? 'warn' : 'debug'](fields, n.message);
  });
  let upstreamLostAt: number | null = null;
  connector.on('connectivity', ({ code, kind, message }) => {
    const dedupeKey = `CONNECTION_LOST:upstream:${host}`;
    if (kind === 'UPSTREAM_LOST') {
      upstreamLostAt = clock.now();
      raise({ type: 'alert', alertType: 'CONNECTION_LOST', message: `IB Gateway lost its own connection to IB (${code}): ${message}. Orders are refused until it is back.`, dedupeKey, correlationId: runId });
      return;
    }
    if (kind === 'SERVER_BROKEN') return;
    const since = upstreamLostAt;
    upstreamLostAt = null;
    raise({ type: 'alert', alertType: 'CONNECTION_RESTORED', message: `IB Gateway's connection to IB is back (${code}): ${message}`, dedupeKey, correlationId: runId });
    // 1101 lost the market data subscriptions; either way fills may have happened meanwhile.
    void (async () => {
      if (kind === 'RESTORED_DATA_LOST') await connector.resubscribe().catch((err: Error) => logger.warn({ err: err.message }, 'resubscribe failed'));
      await connection.resync(since);
      await connection.reconcile('RECONNECT');
    })();
  });

  let reportGuardFailed: (reason: string) => void = () => undefined;
  const guardFailed = new Promise<string>((resolve) => {
    reportGuardFailed = resolve;
  });
  connection.onState((state) => {
    logger.info({ state }, `IB connection ${state}`);
    if (state === 'GUARD_FAILED') reportGuardFailed(connection.lastReason ?? 'startup guards failed');
  });
  connection.start();

  // The last validated session's facts: being disconnected is not a guard violation, so the guards keep judging
  // against what the gateway said, and the send itself fails while the link is down.
  let lastFacts: SessionFacts = { port: config.ibkrPort, managedAccounts: [] };
  return {
    connector,
    connection,
    fills,
    account,
    guardFailed,
    submitPorts: () => ({
      config,
      clock,
      pacer: connector.pacer,
      session: () => {
        const s = connector.session();
        if (s) lastFacts = { port: s.port, managedAccounts: s.managedAccounts };
        return lastFacts;
      },
      appendWriteAhead: (drafts, alongside) => appendWriteAhead(writer, connector, drafts, alongside),
      send: (ticket) => connector.placeOrder(ticket, { prepaid: true }),
    }),
    async stop() {
      await connection.stop();
      await connector.close();
    },
  };
}

