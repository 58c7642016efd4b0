import type { Clock } from '../../runtime/clock.ts';
import type { Timers } from '../../runtime/timers.ts';

interface Pending {
  at: number;
  seq: number;
  fn: () => void;
  cancelled: boolean;
}

/** A clock and timers that move only when the test says so; timers fire in due order. */
export class VirtualTime implements Clock, Timers {
  private current: number;
  private seq = 0;
  private queue: Pending[] = [];

  constructor(start = Date.parse('2026-11-24T09:00:00.000Z')) {
    this.current = start;
  }

  now(): number {
    return this.current;
  }

  set(ms: number, fn: () => void): () => void {
    const entry = { at: this.current + Math.max(0, ms), seq: this.seq++, fn, cancelled: false };
    this.queue.push(entry);
    return () => {
      entry.cancelled = true;
    };
  }

  /** Moves time forward by `ms`, firing every timer that falls due on the way, at its own time. */
  advance(ms: number): void {
    const target = this.current + ms;
    for (;;) {
      this.queue = this.queue.filter((e) => !e.cancelled);
      const next = this.queue.filter((e) => e.at <= target).sort((a, b) => a.at - b.at || a.seq - b.seq)[0];
      if (!next) break;
      this.queue.splice(this.queue.indexOf(next), 1);
      this.current = Math.max(this.current, next.at);
      next.fn();
    }
    this.current = target;
  }

  get pendingTimers(): number {
    return this.queue.filter((e) => !e.cancelled).length;
  }
}

/** Advances virtual time in steps, letting the actor finish its real I/O after each step. */
export async function runFor(time: VirtualTime, settle: () => Promise<void>, ms: number, stepMs = 500): Promise<void> {
  for (let done = 0; done < ms; done += stepMs) {
    time.advance(Math.min(stepMs, ms - done));
    await settle();
  }
}
