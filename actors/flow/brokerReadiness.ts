/**
 * Whether the flow may act at the broker: connected, resynced, and what the
 * log left unfinished (orders written ahead before a restart) looked up. A
 * decision waits for this, not the other way round: an approval restored
 * before the gateway sent `nextValidId`, or a close asked for while the host
 * was down, goes on once the broker is ready, under the same guards, and its
 * own timers (anchor, token expiry) say if time ran out meanwhile.
 */
export class BrokerReadiness {
  private ready = false;
  private waiters: (() => void)[] = [];
  private readonly listeners: (() => void)[] = [];

  get isReady(): boolean {
    return this.ready;
  }

  /** Resolves at once when ready, else the next time it becomes ready. */
  whenReady(): Promise<void> {
    if (this.ready) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Called every time the broker becomes ready (at start, and after every reconnect). */
  onReady(listener: () => void): void {
    this.listeners.push(listener);
  }

  markReady(): void {
    if (this.ready) return;
    this.ready = true;
    for (const resolve of this.waiters.splice(0)) resolve();
    for (const listener of this.listeners) listener();
  }

  markLost(): void {
    this.ready = false;
  }
}
