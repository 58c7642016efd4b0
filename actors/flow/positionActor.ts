import { MachineActor } from '../../runtime/machineActor.ts';
import {
  type PositionAlertRequest,
  type PositionCommand,
  type PositionEvent,
  type PositionInput,
  type PositionPhase,
  positionMachine,
} from '../../machines/position.ts';
import type { PositionSnapshot } from '../../machines/positionReplay.ts';
import { positionStateOf } from '../../machines/positionReplay.ts';
import type { AlertSink } from '../notify/outbox.ts';
import type { BeadWriter } from '../../runtime/beadWriter.ts';
import type { Logger } from '../../runtime/logger.ts';
import type { OrderBook } from './orderBook.ts';
import { factsOf } from './positionFacts.ts';

/**
 * One position's actor: drives the S3.3 machine with the broker's facts
 * about its orders (from the order book), ticks and a person's close, and
 * appends what the machine emits, in order, before any side effect that
 * follows. What the machine asks of the broker (close, protect) belongs to
 * the flow, which is told through `onCommand` once the bead before it is in.
 *
 * A position rebuilt from the log after a restart hears no clock until the
 * broker is back and resynced (`resume`): its timeouts ran out while nobody
 * was there to act, and stalling it before anything could be done would only
 * raise alarms that the resume answers a moment later.
 */

export interface PositionActorDeps {
  writer: BeadWriter;
  logger: Logger;
  alerts: AlertSink;
  book: OrderBook;
  now(): number;
  /** The bead that asked for it is in the log: close the position, or protect it again. Long-running; not awaited. */
  onCommand(position: PositionActor, command: PositionCommand): void;
  /** The position has ended (CLOSED, REJECTED or CANCELLED). */
  onEnded?(position: PositionActor): void;
}

/** A new position, or one rebuilt from its stream after a restart. */
export type PositionStart = { input: PositionInput } | { snapshot: PositionSnapshot };

function inputOf(s: PositionSnapshot): PositionInput {
  const c = s.context;
  return {
    positionId: c.positionId,
    intentId: c.intentId,
    pair: c.pair,
    side: c.side,
    quantity: c.orderedQty,
    plannedEntry: c.plannedEntry,
    stop: c.stop,
    target: c.target,
    submittedAt: c.submittedAt,
    timeScale: c.timeScale,
  };
}

export class PositionActor {
  readonly positionId: string;
  readonly intentId: string;
  private readonly shell: MachineActor<typeof positionMachine>;
  /** Restored from the log and not yet resumed: no clock until the broker is back. */
  private awaitingResume: boolean;

  constructor(
    private readonly deps: PositionActorDeps,
    start: PositionStart,
  ) {
    const restored = 'snapshot' in start;
    const input = restored ? inputOf(start.snapshot) : start.input;
    this.shell = new MachineActor({
      machine: positionMachine,
      start: restored ? { snapshot: start.snapshot, input } : { input },
      writer: deps.writer,
      logger: deps.logger.child({ position: input.positionId }),
      name: `position ${input.positionId}`,
      onAlert: (a) => this.alert(a),
      // Without holding up this mailbox: the work waits on broker facts that come through it.
      onCommand: (c) => this.deps.onCommand(this, c),
    });
    this.positionId = input.positionId;
    this.intentId = input.intentId;
    this.awaitingResume = restored;
  }

  /** Starts the machine (a new one writes its SUBMITTED bead) and catches up with the facts already known. */
  start(): void {
    this.shell.start();
    this.onFacts();
  }

  get snapshot(): PositionSnapshot {
    return this.shell.snapshot;
  }

  get state(): PositionPhase {
    return positionStateOf(this.snapshot);
  }

  get ended(): boolean {
    return this.snapshot.status === 'done';
  }

  settled(): Promise<void> {
    return this.shell.settled();
  }

  /** The order book changed for this position: tell the machine, one event at a time, until nothing is new. */
  onFacts(): void {
    // The machine takes one step per telling (positionFacts.ts); a telling that changes nothing means nothing is left to say.
    for (let i = 0; i < 8 && !this.ended; i += 1) {
      const before = this.snapshot;
      this.send({ type: 'BROKER_FACTS', facts: factsOf(this.deps.book, this.positionId), at: this.deps.now() });
      if (this.snapshot === before) return;
    }
  }

  tick(price: number): void {
    this.shell.send({ type: 'TICK', price, at: this.deps.now() });
  }

  /** Time passes: a deadline whose timer was lost in a restart still turns into STALLED. */
  clock(): void {
    if (!this.ended && !this.awaitingResume) this.send({ type: 'CLOCK', at: this.deps.now() });
  }

  /** The broker is connected and resynced (after a restart or a reconnect): the machine carries on what was started. */
  resume(): void {
    this.awaitingResume = false;
    this.onFacts();
    this.send({ type: 'RESUME', at: this.deps.now() });
  }

  /** Reconciliation found the broker exactly as the log says: for a STALLED position, that is progress too. */
  confirmedByBroker(): void {
    this.send({ type: 'BROKER_CONFIRMED', at: this.deps.now() });
    this.onFacts();
  }

  /** A person asked to close (their ORDER CANCEL_REQUESTED bead is in the log); false if the machine did not take it. */
  closeRequested(by: string): boolean {
    const before = this.snapshot;
    this.send({ type: 'CLOSE_REQUESTED', by, at: this.deps.now() });
    return this.snapshot !== before && this.state === 'CLOSING';
  }

  /** A close could not be carried out (refused by the guards, nothing to close with). */
  closeFailed(reason: string, protectionWorking: boolean): void {
    this.send({
      type: 'CLOSE_FAILED',
      reason,
      protectionWorking,
      at: this.deps.now(),
    });
  }

  stop(): void {
    this.shell.stop();
  }

  private send(event: PositionEvent): void {
    if (this.ended) return;
    this.shell.send(event);
    if (this.ended) void this.shell.mailbox.run(() => this.deps.onEnded?.(this));
  }

  private async alert(a: PositionAlertRequest): Promise<void> {
    this.deps.logger[a.alertType === 'POSITION_STALLED' || a.alertType === 'ORDER_REJECTED' ? 'warn' : 'error']({ position: this.positionId, alert: a.alertType }, a.message);
    await this.deps.alerts.raise(a);
  }
}
