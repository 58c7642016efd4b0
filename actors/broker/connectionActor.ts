import { createActor } from 'xstate';
import { Mailbox } from '../../runtime/mailbox.ts';
import { type ConnectionCommand, type ConnectionEmitted, type ConnectionEvent, type ConnectionInput, connectionMachine } from '../../machines/connection.ts';
import { parseMaintenanceWindow } from '../../machines/connectionWindow.ts';
import type { AlertRequest } from '../../machines/types.ts';
import { type Clock, isoAt } from '../../runtime/clock.ts';
import type { BeadWriter } from '../../runtime/beadWriter.ts';
import type { Logger } from '../../runtime/logger.ts';
import type { AlertSink } from '../notify/outbox.ts';
import type { IBKRConnector, SessionInfo } from './connector.ts';
import type { FillRecorder } from './fillRecorder.ts';
import { type ResyncResult, resyncWithBroker } from './resync.ts';
import { checkStartupGuards, type StartupConfig } from './startupGuards.ts';

/**
 * The connection actor: drives the S3.1 machine with what the connector
 * reports, and carries out what the machine asks, in the order it asks. A
 * bead the machine emits is appended before the next command runs (the
 * write-ahead rule). The machine's `after` delays are scaled by TIME_SCALE
 * through its input; nothing here waits on its own clock.
 */

export type ReconcileTrigger = 'STARTUP' | 'RECONNECT';

/** What other actors plug in. The trade flow installs `reconcile`; the gates projection `paperValidationComplete`. */
export interface BrokerHooks {
  /** The S11 paper gates hold in the log; only live mode asks. Without it, live is refused (fail closed). */
  paperValidationComplete?(): boolean | Promise<boolean>;
  /** Called after every resync (startup, reconnect, IB's 1101/1102) with what the broker holds. */
  onResync?(result: ResyncResult): void | Promise<void>;
  /** Step 4 of S3.1: reconcile now against `resync`. */
  reconcile?(request: { trigger: ReconcileTrigger; resync: ResyncResult | undefined }): void | Promise<void>;
}

export interface ConnectionActorOptions {
  connector: IBKRConnector;
  writer: BeadWriter;
  fills: FillRecorder;
  alerts: AlertSink;
  config: StartupConfig & { PHOENIX_HOST_ID: string; TIME_SCALE: number; IBKR_MAINTENANCE_WINDOW?: string | undefined };
  clock: Clock;
  logger: Logger;
  runId: string;
  /** The account the session beads name: IBKR_ACCOUNT, or the mock's own. */
  account: string;
  hooks?: BrokerHooks;
}

export type ConnectionStateName = 'DISCONNECTED' | 'CONNECTING' | 'VALIDATING' | 'CONNECTED' | 'RECONNECTING' | 'ESCALATED' | 'GUARD_FAILED';

export class ConnectionActor {
  private readonly actor;
  private readonly mailbox: Mailbox;
  private session: SessionInfo | undefined;
  private lastResync: ResyncResult | undefined;
  private readonly unsubscribe: (() => void)[] = [];
  private readonly logger: Logger;
  private stopped = false;

  constructor(private readonly o: ConnectionActorOptions) {
    this.logger = o.logger.child({ actor: 'broker-connection' });
    this.mailbox = new Mailbox(this.logger, 'connection actor');
    const { config } = o;
    const input: ConnectionInput = {
      host: config.PHOENIX_HOST_ID,
      runId: o.runId,
      mode: config.mode,
      account: o.account,
      port: config.ibkrPort,
      timeScale: config.TIME_SCALE,
    };
    // Checked at config load; a window that does not parse here is a programmer error, and none is used.
    const window = config.IBKR_MAINTENANCE_WINDOW === undefined ? undefined : parseMaintenanceWindow(config.IBKR_MAINTENANCE_WINDOW);
    if (window?.ok) input.maintenance = window.window;
    this.actor = createActor(connectionMachine, { input });
    this.actor.on('*', (emitted: ConnectionEmitted) => this.enqueue(() => this.perform(emitted)));
    const c = o.connector;
    this.unsubscribe.push(
      c.on('lost', (loss) =>
        this.send(loss.kind === 'probe' ? { type: 'PROBE_TIMEOUT', at: loss.at } : { type: 'CONNECTION_LOST', reason: loss.reason, at: loss.at }),
      ),
      c.on('execution', (e) => {
        o.fills.record(e).catch((err: Error) => this.logger.error({ err: err.message, execId: e.execId }, 'could not record a fill; the next resync will'));
      }),
    );
  }

  /** The top-level state, e.g. RECONNECTING for any of its substates. */
  get state(): ConnectionStateName {
    const value = this.actor.getSnapshot().value;
    return (typeof value === 'string' ? value : Object.keys(value)[0]) as ConnectionStateName;
  }

  get connected(): boolean {
    return this.state === 'CONNECTED';
  }

  /** The last resync's view of the broker, for reconciliation and the dashboard. */
  get brokerView(): ResyncResult | undefined {
    return this.lastResync;
  }

  /** The reason the machine last recorded (why it is RECONNECTING, ESCALATED or GUARD_FAILED). */
  get lastReason(): string | null {
    return this.actor.getSnapshot().context.lastReason;
  }

  start(): void {
    this.actor.start();
    this.send({ type: 'CONNECT_REQUESTED' });
  }

  /** Resolves once every bead and command asked for so far has been carried out. */
  settled(): Promise<void> {
    return this.mailbox.settled();
  }

  /** Calls `listener` on every change of top-level state; returns the unsubscribe. */
  onState(listener: (state: ConnectionStateName) => void): () => void {
    let last = this.state;
    const sub = this.actor.subscribe(() => {
      const now = this.state;
      if (now !== last) {
        last = now;
        listener(now);
      }
    });
    return () => sub.unsubscribe();
  }

  /** Resolves with the first of `states` the machine is in (now or later). */
  waitFor(states: readonly ConnectionStateName[]): Promise<ConnectionStateName> {
    if (states.includes(this.state)) return Promise.resolve(this.state);
    return new Promise((resolve) => {
      const off = this.onState((s) => {
        if (!states.includes(s)) return;
        off();
        resolve(s);
      });
    });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const off of this.unsubscribe.splice(0)) off();
    this.actor.stop();
    await this.mailbox.settled();
    await this.o.connector.disconnect('host stopping');
  }

  private send(event: ConnectionEvent): void {
    if (!this.stopped) this.actor.send(event);
  }

  private enqueue(task: () => Promise<void>): void {
    void this.mailbox.run(task);
  }

  private async perform(emitted: ConnectionEmitted): Promise<void> {
    if (emitted.type === 'bead') return this.append(emitted.draft, emitted.at);
    if (emitted.type === 'alert') return this.alert(emitted);
    return this.run(emitted);
  }

  private async append(draft: Parameters<BeadWriter['stamp']>[0], at?: number): Promise<void> {
    try {
      await this.o.writer.append(draft, at === undefined ? {} : { at });
    } catch (err) {
      // The connection's state still matters for safety; orders fail closed on their own write-ahead.
      this.logger.error({ err: (err as Error).message, event: draft.data }, 'could not append an IBKR_SESSION bead');
    }
  }

  private async alert(request: AlertRequest): Promise<void> {
    // A restart or the maintenance window is expected news, not an error.
    const level = request.alertType === 'CONNECTION_RESTORED' ? 'info' : request.alertType.startsWith('GATEWAY_') ? 'warn' : 'error';
    this.logger[level]({ alert: request.alertType }, request.message);
    await this.o.alerts.raise(request);
  }

  private async run(c: ConnectionCommand): Promise<void> {
    switch (c.command) {
      case 'connect':
        return this.connect(c.attempt);
      case 'validate':
        return this.validate();
      case 'disconnect':
        this.session = undefined;
        return this.o.connector.disconnect(c.reason);
      case 'resync':
        await this.resync(c.since);
        return;
      case 'resubscribe':
        return this.o.connector.resubscribe().catch((err: Error) => this.logger.warn({ err: err.message }, 'resubscribe failed'));
      case 'reconcile':
        return this.reconcile(c.trigger);
    }
  }

  private async connect(attempt: number): Promise<void> {
    const outcome = await this.o.connector.connect();
    if (outcome.ok) {
      this.session = outcome.session;
      this.logger.info({ attempt, port: outcome.session.port, serverVersion: outcome.session.serverVersion }, 'socket connected');
      this.send({ type: 'SOCKET_CONNECTED' });
      return;
    }
    this.logger.warn({ attempt, code: outcome.code }, `connect attempt failed: ${outcome.reason}`);
    this.send({ type: 'ATTEMPT_FAILED', reason: outcome.reason });
  }

  private async validate(): Promise<void> {
    const session = this.session ?? this.o.connector.session();
    if (!session) return this.send({ type: 'ATTEMPT_FAILED', reason: 'the session ended before it could be validated' });
    const paperValidationComplete = this.o.config.mode === 'LIVE' ? Boolean(await this.o.hooks?.paperValidationComplete?.()) : true;
    const verdict = checkStartupGuards(this.o.config, { paperValidationComplete, managedAccounts: session.managedAccounts });
    if (verdict.ok) {
      this.send(session.serverVersion === undefined ? { type: 'VALIDATION_PASSED' } : { type: 'VALIDATION_PASSED', serverVersion: session.serverVersion });
      return;
    }
    const reason = verdict.problems.map((p) => p.message).join('; ');
    this.logger.error({ problems: verdict.problems }, verdict.message);
    this.send({ type: 'VALIDATION_FAILED', reason });
  }

  /** Also run for IB's 1101/1102, when the gateway itself got its link to IB back. */
  async resync(since: number | null): Promise<ResyncResult | undefined> {
    try {
      const result = await resyncWithBroker(this.o.connector, this.o.fills, since, () => this.o.clock.now(), this.logger);
      this.lastResync = result;
      this.logger.info(
        { since: since === null ? null : isoAt(since), openOrders: result.openOrders.length, positions: result.positions.length, recoveredFills: result.recoveredFills.length },
        'resynced with the broker',
      );
      await this.o.hooks?.onResync?.(result);
      return result;
    } catch (err) {
      // A loss under the resync is reported by the connector and handled by the machine; this one only says so.
      this.logger.warn({ err: (err as Error).message }, 'resync failed');
      return undefined;
    }
  }

  async reconcile(trigger: ReconcileTrigger): Promise<void> {
    const hook = this.o.hooks?.reconcile;
    if (!hook) {
      this.logger.info({ trigger }, 'no reconciliation hook installed yet; skipped');
      return;
    }
    try {
      await hook({ trigger, resync: this.lastResync });
    } catch (err) {
      this.logger.error({ err: (err as Error).message, trigger }, 'reconciliation hook failed');
    }
  }
}
