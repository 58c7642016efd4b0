import type { Bead } from '../../beads/index.ts';
import { BeadWriter } from '../../runtime/beadWriter.ts';
import { streams } from '../../beads/index.ts';
import type { EventLog, LogEntry, Subscription } from '../../store/port.ts';
import type { Logger } from '../../runtime/logger.ts';
import { alertsOf, type Notification } from './alertModel.ts';
import { labelButtons, renderNotification } from './alertMessages.ts';
import { ChannelWatch } from './channelWatch.ts';
import { failedBeads, groupedBead, retriedBeads, sentBeads, throttledBeads } from './deliveryRecords.ts';
import { DispatchPolicy, type DispatchRules } from './dispatchPolicy.ts';
import { type Alert, type AlertSource, isAlertBead, queuedAlertOf, raiseAlert } from './outbox.ts';
import { type Ownership, restorePolicy } from './outboxRestore.ts';
import { channelBackInput, channelDownInput, offLogAlert } from './sideAlerts.ts';
import type { Timers } from '../../runtime/timers.ts';
import { DeliveryError, type Transport } from './transport.ts';

export interface NotifierOptions {
  log: EventLog;
  transport: Transport;
  /** Identity and clock for the delivery beads this notifier writes. */
  source: AlertSource;
  timers: Timers;
  logger: Logger;
  rules?: Partial<DispatchRules>;
  /** A send that has not answered by then counts as failed and is retried. */
  requestTimeoutMs?: number;
  /** Which RAISED beads to deliver; default: those written by this host id. */
  owns?: Ownership;
  /** Pause before looking again after an unexpected failure of a pipeline step, in ms. */
  logRetryMs?: number;
  /** Raise TELEGRAM_DOWN when deliveries keep failing (default: when the transport is Telegram). */
  watchChannel?: boolean;
}

/**
 * The notify actor: reads RAISED beads from the log (the outbox), lets the
 * dispatch policy decide, delivers through the transport, and records every
 * step as an ALERT bead. One send at a time per chat: ordering is simple and
 * the throttle is honest.
 */
export class AlertNotifier {
  private readonly policy: DispatchPolicy;
  private readonly logger: Logger;
  private readonly owns: Ownership;
  private subscription: Subscription | undefined;
  private cancelWake: (() => void) | undefined;
  private inFlight: AbortController | undefined;
  private pumping: Promise<void> = Promise.resolve();
  private running = false;
  private again = false;
  private stopped = false;
  private readonly channel: ChannelWatch | undefined;

  constructor(private readonly options: NotifierOptions) {
    const watch = options.watchChannel ?? options.transport.name === 'telegram';
    this.channel = watch ? new ChannelWatch(`telegram-down:${options.source.hostId}`) : undefined;
    const origin = `${options.source.hostId} ${options.source.mode}`;
    this.policy = new DispatchPolicy(options.rules, (input) => renderNotification({ ...input, origin }));
    this.logger = options.logger.child({ actor: 'notify', transport: options.transport.name });
    this.owns = options.owns ?? ((bead) => bead.host_id === options.source.hostId);
  }

  /** Restores the outbox from the log, then follows it live. */
  async start(): Promise<void> {
    const entries = await this.options.log.readStream(streams.alerts);
    const restored = restorePolicy(this.policy, entries, this.owns);
    this.channel?.restore(entries);
    if (this.policy.queued.length > 0) {
      this.logger.info({ queued: this.policy.queued.length }, 'undelivered alerts found in the outbox; delivering them');
    }
    if (restored.unrecordedDuplicates.length > 0) {
      await this.append(restored.unrecordedDuplicates.map(({ alert, of }) => groupedBead(this.options.source, alert, of)));
    }
    this.subscription = this.options.log.subscribe((entry) => this.intake(entry), {
      ...(restored.lastPosition !== undefined ? { after: restored.lastPosition } : {}),
      onDropped: (reason) => this.logger.warn({ reason }, 'alert subscription dropped; resubscribing'),
      onError: (err) => this.logger.error({ error: err.message }, 'alert intake failed; notifier stopped reading'),
    });
    this.kick();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.cancelWake?.();
    this.inFlight?.abort(new DeliveryError('notifier stopping'));
    await this.pumping;
    await this.subscription?.stop();
  }

  /**
   * Resolves once everything appended so far has been taken in and nothing is
   * being sent: what is left waits only for time to pass. For tests and drills.
   */
  async idle(): Promise<void> {
    for (;;) {
      if (this.running) {
        await this.pumping;
        continue;
      }
      if (!(await this.behindLog())) return;
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
  }

  private async behindLog(): Promise<boolean> {
    const checkpoint = this.subscription?.checkpoint;
    const next = this.options.log.readAll({ ...(checkpoint !== undefined ? { after: checkpoint } : {}), limit: 1 });
    for await (const _ of next) return true;
    return false;
  }

  private async intake(entry: LogEntry): Promise<void> {
    if (entry.kind !== 'bead' || entry.stream !== streams.alerts || !isAlertBead(entry.bead)) return;
    const bead = entry.bead;
    const event = bead.data.event;
    // Someone else delivered it (e.g. `phoenix telegram test` records RAISED and SENT together): do not repeat it.
    if (event === 'SENT' || event === 'GROUPED') return this.policy.settle(bead.data.alert_id);
    if ((event !== 'RAISED' && event !== 'RESOLVED') || !this.owns(bead)) return;
    const alert = queuedAlertOf(bead);
    const intake = this.policy.accept(alert);
    if (intake.verdict === 'duplicate') {
      await this.append([groupedBead(this.options.source, alert, intake.of)]);
    }
    this.kick();
  }

  /** Runs the pump, or asks the running one to look again. */
  private kick(): void {
    if (this.stopped) return;
    this.again = true;
    if (this.running) return;
    this.running = true;
    this.pumping = this.pump();
  }

  private async pump(): Promise<void> {
    try {
      while (this.again && !this.stopped) {
        this.again = false;
        await this.step();
      }
    } finally {
      // Cleared in the same turn the loop ends in, so a kick can never fall between "done" and "not running".
      this.running = false;
    }
  }

  private async step(): Promise<void> {
    try {
      const plan = this.policy.plan(this.options.source.clock.now());
      await this.append(throttledBeads(this.options.source, plan.throttled));
      if (plan.send) {
        await this.deliver(plan.send);
        this.again = true;
        return;
      }
      this.scheduleWake(plan.wakeAt);
    } catch (err) {
      // A bug or a broken transport, not a reason to go silent: log it and look again shortly.
      this.logger.error({ error: (err as Error).message }, 'alert pipeline step failed; retrying');
      this.scheduleWake(this.options.source.clock.now() + (this.options.logRetryMs ?? 1_000));
    }
  }

  private scheduleWake(at: number | undefined): void {
    this.cancelWake?.();
    this.cancelWake = undefined;
    if (at === undefined || this.stopped) return;
    const delay = Math.max(0, at - this.options.source.clock.now());
    this.cancelWake = this.options.timers.set(delay, () => this.kick());
  }

  private async deliver(n: Notification): Promise<void> {
    const source = this.options.source;
    const alerts = alertsOf(n);
    const attempts = new Map(alerts.map((a) => [a.alertId, this.policy.failuresOf(a.alertId) + 1]));
    await this.append(retriedBeads(source, alerts, attempts));
    try {
      for (let i = n.sentParts; i < n.parts.length; i++) {
        // The label buttons ride on the last part: the one a person reads last (issue 14).
        n.messageIds.push(await this.sendWithTimeout(n.parts[i]!, i === n.parts.length - 1 ? labelButtons(n) : undefined));
        n.sentParts = i + 1;
      }
    } catch (err) {
      const failure = asDeliveryError(err);
      const now = source.clock.now();
      const waitMs = this.policy.failed(n, now, failure.retryAfterMs).retryAt - now;
      this.logger.warn({ error: failure.message, alerts: alerts.length, retry_in_ms: waitMs }, 'alert delivery failed; will retry');
      await this.append(failedBeads(source, alerts, attempts, failure.message, waitMs));
      if (this.channel?.failed(now)) {
        await this.raiseQuietly(channelDownInput(source.hostId, this.channel.dedupeKey, this.channel.downFor(now), failure.message));
      }
      return;
    }
    this.policy.delivered(n, source.clock.now());
    const deliveredAs = `${this.options.transport.name}:${n.messageIds.join(',')}`;
    this.logger.info({ delivered_as: deliveredAs, alerts: alerts.length, kind: n.kind }, 'alert notification delivered');
    await this.append(sentBeads(source, n, deliveredAs, attempts));
    if (this.channel?.delivered()) {
      await raiseAlert(this.options.log, source, channelBackInput(source.hostId, this.channel.dedupeKey)).catch((err: Error) =>
        this.logger.error({ error: err.message }, 'could not record that Telegram is back'),
      );
    }
  }

  private async sendWithTimeout(text: string, buttons?: ReturnType<typeof labelButtons>): Promise<string> {
    const controller = new AbortController();
    this.inFlight = controller;
    const timeoutMs = this.options.requestTimeoutMs ?? 15_000;
    const cancel = this.options.timers.set(timeoutMs, () =>
      controller.abort(new DeliveryError(`no answer within ${Math.round(timeoutMs / 1000)} s`)),
    );
    try {
      return await this.options.transport.send(text, controller.signal, buttons);
    } catch (err) {
      // Our own abort says more than whatever the transport made of it.
      if (controller.signal.aborted && controller.signal.reason instanceof DeliveryError) throw controller.signal.reason;
      throw err;
    } finally {
      cancel();
      this.inFlight = undefined;
    }
  }

  /** Raises through the outbox; if the log refuses, the alert still goes out, from memory. */
  private async raiseQuietly(input: Alert): Promise<void> {
    try {
      await raiseAlert(this.options.log, this.options.source, input);
    } catch (err) {
      this.logger.error({ error: (err as Error).message, alert_type: input.alertType }, 'could not record an alert in the log; sending it anyway');
      this.policy.accept(offLogAlert(input, this.options.source.clock.now()));
      this.kick();
    }
  }

  /**
   * For the one alert that cannot go through the outbox: the log itself is
   * unwritable (LOG_UNAVAILABLE, S2 fail closed). Same policy, no beads.
   */
  raiseWithoutLog(input: Omit<Alert, 'causationId'>): void {
    this.policy.accept(offLogAlert(input, this.options.source.clock.now()));
    this.kick();
  }

  /**
   * Delivery beads are the record of what happened, not a gate on it: when the
   * log refuses them, the operator is still told (S2: alerted through any
   * channel). The cost is a possible repeat after a restart, which beats silence.
   */
  private async append(beads: Bead[]): Promise<void> {
    if (beads.length === 0) return;
    try {
      await new BeadWriter({ ...this.options.source, log: this.options.log }).appendStamped(beads);
    } catch (err) {
      this.logger.error({ error: (err as Error).message, beads: beads.length }, 'could not record alert delivery in the log');
    }
  }
}

function asDeliveryError(err: unknown): DeliveryError {
  if (err instanceof DeliveryError) return err;
  return new DeliveryError(err instanceof Error ? err.message : String(err));
}
