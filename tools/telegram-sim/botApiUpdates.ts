import type { ServerResponse } from 'node:http';
import { apiError, numberField, ok, type Params } from './botApiWire.ts';

interface Waiter {
  limit: number;
  res: ServerResponse;
  timer: NodeJS.Timeout;
}

/**
 * The fake's update queue, with Telegram's getUpdates semantics: an update is
 * confirmed (dropped) by a later call with a higher offset; a negative offset
 * keeps only the newest updates; a long poll waits up to `timeout` seconds;
 * one poller at a time (a second call ends the first with 409).
 */
export class UpdateQueue {
  private readonly queue: Record<string, unknown>[] = [];
  private readonly waiters = new Set<Waiter>();
  private nextUpdateId = 500_000;

  /** Adds an update; a payload without update_id gets the next one. */
  push(payload: Record<string, unknown>): number {
    const update_id = this.nextUpdateId++;
    this.queue.push({ update_id, ...payload });
    for (const w of this.waiters) this.release(w);
    return update_id;
  }

  get length(): number {
    return this.queue.length;
  }

  clear(): void {
    this.queue.length = 0;
  }

  /** Ends every long poll without answering (the server is going away). */
  abandonPolls(): void {
    for (const w of this.waiters) clearTimeout(w.timer);
    this.waiters.clear();
  }

  getUpdates(p: Params, res: ServerResponse): void {
    const offset = numberField(p.offset) ?? 0;
    const limit = Math.min(100, Math.max(1, numberField(p.limit) ?? 100));
    const timeout = numberField(p.timeout) ?? 0;
    if (offset < 0) {
      // Telegram: keep the last -offset updates, forget everything before them.
      this.queue.splice(0, Math.max(0, this.queue.length + offset));
      ok(res, this.queue.slice(0, limit));
      return;
    }
    this.confirmBefore(offset);
    for (const w of this.waiters) {
      clearTimeout(w.timer);
      this.waiters.delete(w);
      apiError(w.res, 409, 'Conflict: terminated by other getUpdates request');
    }
    if (this.queue.length > 0 || timeout <= 0) {
      ok(res, this.queue.slice(0, limit));
      return;
    }
    const waiter: Waiter = { limit, res, timer: setTimeout(() => this.release(waiter), timeout * 1000) };
    this.waiters.add(waiter);
    res.on('close', () => {
      clearTimeout(waiter.timer);
      this.waiters.delete(waiter);
    });
  }

  private confirmBefore(offset: number): void {
    if (offset <= 0) return;
    // A malformed update_id cannot be confirmed by offset; drop it so it cannot wedge the queue.
    while (this.queue.length > 0 && !(Number(this.queue[0]!.update_id) >= offset)) this.queue.shift();
  }

  private release(waiter: Waiter): void {
    clearTimeout(waiter.timer);
    this.waiters.delete(waiter);
    ok(waiter.res, this.queue.slice(0, waiter.limit));
  }
}
