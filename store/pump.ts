import type { EntryHandler, LogEntry, LogPosition, SubscribeOptions, Subscription } from './port.ts';

export interface PumpSource {
  /** Entries strictly after `after`, in position order. */
  readAfter(after: LogPosition | undefined): AsyncIterable<LogEntry>;
  /** Registers a wake-up for in-process appends; returns the unregister function. */
  onAppend(wake: () => void): () => void;
  /** How often to look for appends made by other processes; 0 means never. */
  pollMs: number;
}

const RETRY_AFTER_FAILURE_MS = 200;

/**
 * A catch-up-then-live subscription over any log that can read after a
 * position. Memory and SQLite share it, so they share its semantics: one
 * handler call at a time, in order, resuming from the checkpoint after a
 * failed read.
 */
export function pumpSubscription(source: PumpSource, handler: EntryHandler, options: SubscribeOptions = {}): Subscription {
  let checkpoint = options.after;
  let stopped = false;
  let caughtUp = false;
  let wake: (() => void) | undefined;
  let pending = false;

  const unregister = source.onAppend(() => {
    if (pending) return;
    pending = true;
    // Woken on the next turn, not inside the append: the appender's own next steps (a write-ahead's send) come
    // first. A reader loses nothing by it; it reads on from its checkpoint.
    setImmediate(() => wake?.());
  });

  const sleep = () =>
    new Promise<void>((resolve) => {
      if (pending || stopped) return resolve();
      const timer = source.pollMs > 0 ? setTimeout(done, source.pollMs) : undefined;
      function done() {
        if (timer) clearTimeout(timer);
        wake = undefined;
        resolve();
      }
      wake = done;
    });

  const loop = (async () => {
    while (!stopped) {
      pending = false;
      try {
        for await (const entry of source.readAfter(checkpoint)) {
          if (stopped) return;
          try {
            await handler(entry);
          } catch (err) {
            // A failing consumer is a bug in that consumer: stop, say so, keep the checkpoint.
            stopped = true;
            options.onError?.(err as Error);
            return;
          }
          checkpoint = entry.position;
        }
      } catch (err) {
        if (stopped) return;
        options.onDropped?.((err as Error).message);
        await new Promise((r) => setTimeout(r, RETRY_AFTER_FAILURE_MS));
        continue;
      }
      if (!caughtUp) {
        caughtUp = true;
        options.onCaughtUp?.();
      }
      await sleep();
    }
  })();

  return {
    get checkpoint() {
      return checkpoint;
    },
    async stop() {
      stopped = true;
      unregister();
      wake?.();
      await loop.catch(() => undefined);
    },
  };
}
