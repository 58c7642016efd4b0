import type { Logger } from './logger.ts';

/**
 * One task at a time, in the order asked: an actor's mailbox. A bead a
 * machine emits is appended before the side effect that follows it runs (the
 * write-ahead rule), and a broker fact is recorded before the next one is
 * looked at. A failing task is logged and does not stop the ones behind it.
 */
export class Mailbox {
  private tail: Promise<void> = Promise.resolve();

  constructor(
    private readonly logger: Logger,
    private readonly what: string,
  ) {}

  /** Resolves when this task has run (or failed, which is logged). */
  run(task: () => Promise<void> | void): Promise<void> {
    const next = this.tail.then(task).catch((err: unknown) => {
      this.logger.error({ err: err instanceof Error ? err.message : String(err) }, `${this.what}: a step failed`);
    });
    this.tail = next;
    return next;
  }

  /** Runs `task` in turn and answers with its result; its failure is the caller's, and does not stop the tasks behind it. */
  ask<T>(task: () => Promise<T> | T): Promise<T> {
    const result = this.tail.then(task);
    this.tail = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  }

  /** Resolves once everything asked for so far has run. */
  settled(): Promise<void> {
    return this.tail;
  }
}
