import type { Clock } from '../../runtime/clock.ts';
import type { Timers } from '../../runtime/timers.ts';

/**
 * A clock and timers that move only when the test says so. `advance` fires
 * each due timer at its own time, in order, and lets the promise chains it
 * starts settle before moving on, so async actors behave as on a real clock.
 */
export class FakeTime implements Clock, Timers {
  private current: number;
  private seq = 0;
  private readonly pending = new Map<number, { at: number; seq: number; fn: () => void }>();

  constructor(start = Date.parse('2026-11-24T09:00:00.000Z')) {
    this.current = start;
  }

  now(): number {
    return this.current;
  }

  set(ms: number, fn: () => void): () => void {
    const id = ++this.seq;
    this.pending.set(id, { at: this.current + Math.max(0, ms), seq: id, fn });
    return () => this.pending.delete(id);
  }

  /** Moves time forward by `ms`, firing timers on the way. */
  async advance(ms: number): Promise<void> {
    await this.advanceTo(this.current + ms);
  }

  async advanceTo(target: number): Promise<void> {
    await settle();
    for (;;) {
      const next = [...this.pending.entries()].sort((a, b) => a[1].at - b[1].at || a[1].seq - b[1].seq)[0];
      if (!next || next[1].at > target) break;
      this.pending.delete(next[0]);
      this.current = Math.max(this.current, next[1].at);
      next[1].fn();
      await settle();
    }
    this.current = Math.max(this.current, target);
  }

  get timersPending(): number {
    return this.pending.size;
  }
}

/** Lets every queued promise reaction run (a macrotask turn drains the microtask queue). */
export function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
