import { isLogUnavailable } from './errors.ts';
import type { AppendResult, CommitOpener, EventLog, ExpectedRevision, StreamAppend } from './port.ts';
import type { Bead } from '../beads/index.ts';

/**
 * Whether the log takes writes, as its appends find out (S2, fail closed).
 * An order's write-ahead already fails closed on its own; this is for the
 * host to know at once, from any append (a heartbeat every 30 s at the
 * latest), so it can set its kill flag and tell the operator before anyone
 * tries to trade, and say when the log is back.
 */
export type WritabilityChange = { writable: false; reason: string; at: number } | { writable: true; at: number };

export interface WatchedLog extends EventLog {
  /** False from the first append the log refused (LogUnavailableError) until one succeeds again. */
  readonly writable: boolean;
  /** Called on each change, in order; returns the unsubscribe. A listener that throws is its own bug and does not stop the others. */
  onWritability(listener: (change: WritabilityChange) => void): () => void;
}

/**
 * The same log, its appends watched. Reads and subscriptions pass straight
 * through: a full disk still reads, and an EventStoreDB that went away is
 * reported by its subscriptions already.
 */
export function watchWritability(log: EventLog, now: () => number = Date.now): WatchedLog {
  let writable = true;
  const listeners = new Set<(change: WritabilityChange) => void>();
  const tell = (change: WritabilityChange) => {
    for (const listener of listeners) {
      try {
        listener(change);
      } catch {
        // The listener's bug; the append's own outcome is what the caller gets.
      }
    }
  };
  const watched = async <T>(work: () => Promise<T>): Promise<T> => {
    try {
      const result = await work();
      if (!writable) {
        writable = true;
        tell({ writable: true, at: now() });
      }
      return result;
    } catch (err) {
      if (isLogUnavailable(err) && writable) {
        writable = false;
        tell({ writable: false, reason: (err as Error).message, at: now() });
      }
      throw err;
    }
  };
  const view = Object.create(log) as WatchedLog;
  Object.defineProperty(view, 'writable', { get: () => writable });
  Object.assign(view, {
    append: (stream: string, beads: readonly Bead[], expected?: ExpectedRevision): Promise<AppendResult> => watched(() => log.append(stream, beads, expected)),
    appendMany: (appends: readonly StreamAppend[]): Promise<AppendResult[]> => watched(() => log.appendMany(appends)),
    // Set even when absent: inherited, a commit opened by the log itself would go by unwatched.
    appendOpened: log.appendOpened ? (appends: readonly StreamAppend[], opener: CommitOpener): Promise<AppendResult[]> => watched(() => log.appendOpened!(appends, opener)) : undefined,
    readStream: log.readStream.bind(log),
    readAll: log.readAll.bind(log),
    subscribe: log.subscribe.bind(log),
    close: log.close.bind(log),
    onWritability(listener: (change: WritabilityChange) => void) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  });
  return view;
}
