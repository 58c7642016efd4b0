import { type Clock, streams } from '../../beads/index.ts';
import { uuidV7Ids } from '../../store/ids.ts';
import type { EventLog } from '../../store/port.ts';
import type { IBKRConnector } from '../broker/connector.ts';
import { readBrokerLogFacts } from '../broker/brokerLogFacts.ts';
import { checkStartupGuards } from '../broker/startupGuards.ts';
import { createConnector, tradingAccount } from '../broker/createConnector.ts';
import { FillRecorder } from '../broker/fillRecorder.ts';
import { appendWriteAhead } from '../broker/writeAhead.ts';
import type { SessionFacts, SubmitPorts } from '../broker/submitGuards.ts';
import type { Config } from '../../runtime/config/load.ts';
import { BeadWriter } from '../../runtime/beadWriter.ts';
import type { Logger } from '../../runtime/logger.ts';
import { raiseAlert } from '../notify/outbox.ts';
import { haltBrokerOf, NO_TOKENS } from './haltBroker.ts';
import { executeHalt, type HaltOutcome, haltStepDraft } from './haltExecutor.ts';
import { type HaltBead, type HaltRequest, haltRequestDraft, haltRequester, haltRequestOf } from './haltRequest.ts';
import { KillSwitchLedger } from './killSwitchLedger.ts';

/**
 * RB-004 with the host down (S3.5): no live host holds the lease, so the
 * process that was asked connects to the gateway itself and does the halt.
 * It uses its own client id, IBKR_CLIENT_ID + 1000, so it can never collide
 * with the host's session (IB refuses a second connection with a client id in
 * use, error 326) — and IB's global cancel reaches every client's orders
 * anyway. It records the same beads the host would.
 */
export const DIRECT_HALT_CLIENT_ID_OFFSET = 1000;

export const directHaltClientId = (config: Pick<Config, 'IBKR_CLIENT_ID'>) => config.IBKR_CLIENT_ID + DIRECT_HALT_CLIENT_ID_OFFSET;

export interface DirectHaltDeps {
  config: Config;
  log: EventLog;
  clock: Clock;
  logger: Logger;
  request: { who: string; reason: string; flatten: boolean };
  /** Defaults to IBKR_CLIENT_ID + 1000; the drill passes its own. */
  clientId?: number;
  /** The gateway port; defaults to the mode's (the drill points it at its simulator). */
  port?: number;
  onStep?: (bead: HaltBead) => void;
  settleTimeoutMs?: number;
}

export interface DirectHaltResult {
  request: HaltRequest;
  outcome: HaltOutcome;
  clientId: number;
  /** Why the gateway could not be reached, when it could not. */
  connectError?: string;
}

export async function directHalt(deps: DirectHaltDeps): Promise<DirectHaltResult> {
  const { config, log, clock } = deps;
  const logger = deps.logger.child({ actor: 'direct-halt' });
  const clientId = deps.clientId ?? directHaltClientId(config);
  // Written as the CLI, not as the host: the beads say which process did what.
  const hostId = `${config.PHOENIX_HOST_ID}-cli`;
  const writer = new BeadWriter({ log, clock, ids: uuidV7Ids, hostId, mode: config.mode });
  const source = { hostId, mode: config.mode, clock };
  const alerts = (input: Parameters<typeof raiseAlert>[2]) => raiseAlert(log, source, input);
  const record = async (bead: HaltBead | undefined) => {
    if (bead) deps.onStep?.(bead);
    return bead;
  };

  const { beads } = await writer.write(haltRequestDraft({ ...deps.request, direct: true }));
  const request = haltRequestOf(beads[0]!)!;
  const ledger = await KillSwitchLedger.load({
    writer,
    logger,
    raiseAlert: (a) => alerts(a),
  });

  // Everything slow (a pass over the log, the TCP handshake) comes after the kill flag is SET.
  const connectorConfig = { ...config, IBKR_CLIENT_ID: clientId, ibkrPort: deps.port ?? config.ibkrPort };
  let connector: IBKRConnector | undefined;
  let connectError: string | undefined;
  const recording: Promise<unknown>[] = [];
  const open = async () => {
    const facts = await readBrokerLogFacts(log);
    const c = createConnector({ config: connectorConfig, clock, logger, highestOrderId: facts.highestOrderId });
    connector = c;
    const fills = new FillRecorder(writer, facts.recordedExecIds, logger);
    // A flatten fills while we are connected; nobody else will record it (the host resyncs only its own client id).
    c.on('execution', (e) => recording.push(fills.record(e).catch((err: Error) => logger.error({ err: err.message }, 'could not record a fill'))));
    const connected = await c.connect();
    connectError = connected.ok ? undefined : connected.reason;
    // Issue 17: the port and managed-account guards before any cancel, as the host's startup guards would.
    const refused = connected.ok ? guardProblems(connectorConfig, c) : [];
    if (refused.length > 0) {
      connectError = `refused by the guards before any cancel: ${refused.join('; ')}`;
      await c.disconnect('guards refused').catch(() => undefined);
      connector = undefined;
    }
  };
  const need = () => {
    if (!connector) throw new Error('the halt asked the broker before connecting');
    return connector;
  };
  const submitPorts = (): SubmitPorts => ({
    config: connectorConfig,
    clock,
    pacer: need().pacer,
    session: (): SessionFacts => {
      const s = need().session();
      return { port: s?.port ?? connectorConfig.ibkrPort, managedAccounts: s?.managedAccounts ?? [] };
    },
    killFlag: () => ledger.killFlag(),
    tokens: NO_TOKENS,
    appendWriteAhead: (drafts, alongside) => appendWriteAhead(writer, need(), drafts, alongside),
    send: (ticket) => need().placeOrder(ticket, { prepaid: true }),
  });
  try {
    const outcome = await executeHalt(request, {
      clock,
      broker: {
        ...haltBrokerOf({ connector: need, account: tradingAccount(config), connected: () => connector?.session() !== undefined, submitPorts }),
        open,
        notConnectedReason: () => `could not connect to the gateway at ${config.IBKR_HOST}:${connectorConfig.ibkrPort} with client id ${clientId}: ${connectError ?? 'connection lost'}`,
      },
      setKillFlag: (r) => ledger.request({ type: 'HALT', by: haltRequester(r.who), reason: r.reason, cause: r.startedBeadId }),
      record: async (step, data, r) => record((await writer.write(haltStepDraft(step, data, r))).beads[0] as HaltBead | undefined),
      raiseAlert: alerts,
      ...(deps.settleTimeoutMs === undefined ? {} : { settleTimeoutMs: deps.settleTimeoutMs }),
    });
    await Promise.all(recording);
    return { request, outcome, clientId, ...(connectError ? { connectError } : {}) };
  } finally {
    await connector?.disconnect('halt done').catch(() => undefined);
    await connector?.close().catch(() => undefined);
  }
}

const HALT_GUARDS = new Set(['PORT', 'ACCOUNT_SET', 'ACCOUNT_PREFIX', 'MANAGED_ACCOUNT']);

/** The startup guards a halt's own session must pass: the mode's port, and an account of the mode that the gateway manages. */
function guardProblems(config: Config, connector: IBKRConnector): string[] {
  const session = connector.session();
  const verdict = checkStartupGuards({ ...config, ibkrPort: session?.port ?? config.ibkrPort }, { paperValidationComplete: true, managedAccounts: session?.managedAccounts ?? [] });
  return verdict.ok ? [] : verdict.problems.filter((p) => HALT_GUARDS.has(p.guard)).map((p) => p.message);
}

/** The halt stream's beads of one halt, oldest first (for reports after the fact). */
export async function haltBeadsOf(log: EventLog, haltId: string): Promise<HaltBead[]> {
  const entries = await log.readStream(streams.halt);
  return entries.flatMap((e) => (e.kind === 'bead' && e.bead.bead_type === 'HALT' && e.bead.correlation_id === haltId ? [e.bead] : []));
}
