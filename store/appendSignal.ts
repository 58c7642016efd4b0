/**
 * In-process append notifications for the adapters that share pump.ts.
 * Urgent readers are told first: each reader is woken on its own turn of the
 * event loop and runs its step to the end before the next one is woken, so
 * the first told is the first to act (see SubscribeOptions.urgent).
 */
export class AppendSignal {
  private readonly urgent = new Set<() => void>();
  private readonly others = new Set<() => void>();

  listen(wake: () => void, urgent = false): () => void {
    const set = urgent ? this.urgent : this.others;
    set.add(wake);
    return () => set.delete(wake);
  }

  fire(): void {
    for (const wake of this.urgent) wake();
    for (const wake of this.others) wake();
  }
}
