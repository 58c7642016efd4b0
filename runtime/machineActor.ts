import { type Actor, type AnyActorLogic, type AnyStateMachine, createActor, type EmittedFrom, type EventFromLogic, type InputFrom, type SnapshotFrom } from 'xstate';
import type { Bead, BeadDraft } from '../beads/index.ts';
import type { BeadWriter } from './beadWriter.ts';
import type { Logger } from './logger.ts';
import { Mailbox } from './mailbox.ts';

/**
 * The shell every machine's actor stands in: create the machine, or restore
 * it from its stream's snapshot; listen to what it emits and hand each item
 * to one mailbox, in order: beads to the bead writer (the first bead of a new
 * machine claims its stream with `no_stream`, so a second start cannot write
 * a second story), alerts to the alert handler, commands to a handler table.
 * A command runs only after the bead emitted before it is in the log (the
 * write-ahead rule), because the mailbox keeps their order.
 */

type Emitted<M extends AnyStateMachine> = EmittedFrom<M> & { type: string };
type Of<M extends AnyStateMachine, T extends string> = Extract<Emitted<M>, { type: T }>;

export interface MachineActorOptions<M extends AnyStateMachine> {
  machine: M;
  /** XState wants the input even when it restores; a restored machine does not read it. */
  start: { input: InputFrom<M> } | { snapshot: SnapshotFrom<M>; input: InputFrom<M> };
  writer: BeadWriter;
  logger: Logger;
  /** Names the mailbox in log lines: `position cse-1`. */
  name: string;
  /** A clock for the machine's delays (tests and the heartbeat pass their own). */
  clock?: NonNullable<Parameters<typeof createActor<AnyActorLogic>>[1]>['clock'];
  /** The first bead of a new machine claims its stream (default true). */
  claimsStream?: boolean;
  /** Called once each bead is stored. */
  onBead?(bead: Bead, emitted: Of<M, 'bead'>): void | Promise<void>;
  /** Where the machine's alerts go. */
  onAlert?(alert: Of<M, 'alert'>): void | Promise<void>;
  /** What each command the machine asks for does, by the command's name. */
  onCommand?(command: Of<M, 'command'>): void | Promise<void>;
  /** Anything else the machine emits. */
  onOther?(emitted: Emitted<M>): void | Promise<void>;
}

export class MachineActor<M extends AnyStateMachine> {
  readonly actor: Actor<M>;
  readonly mailbox: Mailbox;
  private claims: boolean;

  constructor(private readonly o: MachineActorOptions<M>) {
    const restored = 'snapshot' in o.start;
    const clock = o.clock === undefined ? {} : { clock: o.clock };
    this.actor = (restored
      ? createActor(o.machine, { snapshot: (o.start as { snapshot: SnapshotFrom<M> }).snapshot, input: o.start.input, ...clock })
      : createActor(o.machine, { input: o.start.input, ...clock })) as unknown as Actor<M>;
    this.claims = !restored && (o.claimsStream ?? true);
    this.mailbox = new Mailbox(o.logger, o.name);
    this.actor.on('*', (emitted) => void this.mailbox.run(() => this.route(emitted as Emitted<M>)));
  }

  get snapshot(): SnapshotFrom<M> {
    return this.actor.getSnapshot();
  }

  get ended(): boolean {
    return (this.actor.getSnapshot() as { status: string }).status === 'done';
  }

  start(): void {
    this.actor.start();
  }

  send(event: EventFromLogic<M>): void {
    if (!this.ended) this.actor.send(event);
  }

  settled(): Promise<void> {
    return this.mailbox.settled();
  }

  stop(): void {
    this.actor.stop();
  }

  private async route(emitted: Emitted<M>): Promise<void> {
    if (emitted.type === 'bead') {
      const b = emitted as Of<M, 'bead'> & { draft: BeadDraft; at?: number };
      const expected = this.claims ? 'no_stream' : 'any';
      this.claims = false;
      const bead = await this.o.writer.append(b.draft, { ...(b.at === undefined ? {} : { at: b.at }), expected });
      await this.o.onBead?.(bead, b);
      return;
    }
    if (emitted.type === 'alert') return this.o.onAlert?.(emitted as Of<M, 'alert'>);
    if (emitted.type === 'command') return this.o.onCommand?.(emitted as Of<M, 'command'>);
    return this.o.onOther?.(emitted);
  }
}
