import { type AnyStateMachine, type EventFromLogic, initialTransition, type SnapshotFrom, transition } from 'xstate';
import { emittedBy } from '../../machines/types.ts';

/**
 * A machine driven only through the pure `transition()`, with its delayed
 * events kept on a virtual timeline: the model side of a model-based test.
 * XState resolves `after` into a delayed `xstate.raise` and leaving the state
 * into an `xstate.cancel`; this reads both from the returned actions.
 */
export class PureRun<M extends AnyStateMachine, E extends { type: string }> {
  snapshot: SnapshotFrom<M>;
  readonly emitted: { at: number; event: E }[] = [];
  private readonly timers = new Map<string, { due: number; event: EventFromLogic<M> }>();

  constructor(
    private readonly machine: M,
    input: unknown,
    public now: number,
  ) {
    const [snapshot, actions] = (initialTransition as (m: M, i: unknown) => [SnapshotFrom<M>, ExecAction[]])(machine, input);
    this.snapshot = snapshot;
    this.absorb(actions);
  }

  send(event: EventFromLogic<M>): void {
    const [snapshot, actions] = transition(this.machine, this.snapshot, event) as [SnapshotFrom<M>, ExecAction[]];
    this.snapshot = snapshot;
    this.absorb(actions);
  }

  /** Moves time a millisecond at a time, firing each timer when it falls due. */
  advance(ms: number): void {
    for (let i = 0; i < ms; i += 1) {
      this.now += 1;
      for (;;) {
        const due = [...this.timers.entries()].filter(([, t]) => t.due <= this.now).sort((a, b) => a[1].due - b[1].due)[0];
        if (!due) break;
        this.timers.delete(due[0]);
        this.send(due[1].event);
      }
    }
  }

  private absorb(actions: ExecAction[]): void {
    for (const action of actions) {
      const params = action.params as { delay?: number; id?: string; event?: EventFromLogic<M>; sendId?: string } | undefined;
      if (action.type === 'xstate.raise' && params?.delay !== undefined && params.id !== undefined && params.event) {
        this.timers.set(params.id, { due: this.now + params.delay, event: params.event });
      } else if (action.type === 'xstate.cancel' && params?.sendId !== undefined) {
        this.timers.delete(params.sendId);
      }
    }
    for (const event of emittedBy<E>(actions)) this.emitted.push({ at: this.now, event });
  }
}

type ExecAction = { type: string; params?: unknown };
