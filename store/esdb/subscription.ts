import type { AllStreamResolvedEvent, AllStreamSubscription } from '@eventstore/db-client';
import type { EntryHandler, LogEntry, LogPosition, SubscribeOptions, Subscription } from '../port.ts';
import { describe } from './failures.ts';

/** One $all event as the adapter sees it; `entry` is undefined for events Phoenix does not read. */
export interface ScannedEvent {
  position: LogPosition;
  entry: LogEntry | undefined;
  /** The event type it was stored as: the bead type, for Phoenix's own. */
  type?: string;
}

export interface LiveSource {
  /** Every $all event strictly after `after`, read in pages. */
  scanAfter(after: LogPosition | undefined): AsyncIterable<ScannedEvent>;
  /** The client's subscription to $all, starting strictly after `after` (an event's exact position). */
  subscribeAfter(after: LogPosition | undefined): AllStreamSubscription;
  scanned(resolved: AllStreamResolvedEvent): ScannedEvent | undefined;
  backoff: { initialMs: number; maxMs: number };
}

/**
 * Catch-up, then live, for as long as it runs. The catch-up is our own paged
 * read of $all; live is the client's subscribeToAll from the last event that
 * read reached. The client never resubscribes, so when the subscription drops
 * (the server went away) we say so and start over from our checkpoint, with
 * backoff. Entries at or before the checkpoint are never handed out again.
 */
export function liveSubscription(source: LiveSource, handler: EntryHandler, options: SubscribeOptions = {}): Subscription {
  let checkpoint = options.after;
  let stopped = false;
  let caughtUp = false;
  let delay = source.backoff.initialMs;
  let live: AllStreamSubscription | undefined;
  let wake: (() => void) | undefined;

  /** False when the handler failed and the subscription is over. */
  const deliver = async ({ position, entry }: ScannedEvent): Promise<boolean> => {
    if (!entry || (checkpoint !== undefined && position <= checkpoint)) return true;
    try {
      await handler(entry);
    } catch (err) {
      // A failing consumer is a bug in that consumer: stop, say so, keep the checkpoint.
      stopped = true;
      options.onError?.(err as Error);
      return false;
    }
    checkpoint = position;
    return true;
  };

  /** Runs one catch-up-then-live pass; returns why it dropped, or undefined once stopped. */
  const pass = async (): Promise<string | undefined> => {
    let resumeAt = checkpoint;
    for await (const scanned of source.scanAfter(checkpoint)) {
      if (stopped || !(await deliver(scanned))) return undefined;
      resumeAt = scanned.position;
    }
    if (stopped) return undefined;

    const subscription = source.subscribeAfter(resumeAt);
    live = subscription;
    // Errors reach us through the iterator; this listener only keeps a late one from being unhandled.
    subscription.on('error', () => undefined);
    subscription.once('confirmation', () => {
      delay = source.backoff.initialMs;
      if (caughtUp) return;
      caughtUp = true;
      options.onCaughtUp?.();
    });
    try {
      for await (const resolved of subscription) {
        if (stopped) return undefined;
        const scanned = source.scanned(resolved);
        if (scanned && !(await deliver(scanned))) return undefined;
      }
      return stopped ? undefined : 'the server ended the subscription';
    } finally {
      live = undefined;
      await subscription.unsubscribe().catch(() => undefined);
    }
  };

  const loop = (async () => {
    while (!stopped) {
      let reason: string | undefined;
      try {
        reason = await pass();
      } catch (err) {
        reason = describe(err);
      }
      if (stopped || reason === undefined) return;
      options.onDropped?.(reason);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, delay);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      wake = undefined;
      delay = Math.min(delay * 2, source.backoff.maxMs);
    }
  })();

  return {
    get checkpoint() {
      return checkpoint;
    },
    async stop() {
      stopped = true;
      wake?.();
      if (live) {
        await live.unsubscribe().catch(() => undefined);
        live.destroy();
      }
      await loop;
    },
  };
}
