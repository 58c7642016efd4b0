import type { SubscriptionStatus } from '../../projections/healthTicks.ts';

/**
 * The port the broker actor feeds for "subscriptions alive" (S6.1): which
 * pairs have a live market-data subscription and when each last ticked.
 * Ticks are far too frequent to be beads, so they are counted here, in memory.
 */
export class TickTracker {
  private readonly subscriptions = new Map<string, SubscriptionStatus>();

  subscribed(pair: string, at: number): void {
    const before = this.subscriptions.get(pair);
    this.subscriptions.set(pair, before ? { ...before, subscribedAt: at } : { pair, subscribedAt: at });
  }

  unsubscribed(pair: string): void {
    this.subscriptions.delete(pair);
  }

  tick(pair: string, at: number): void {
    const s = this.subscriptions.get(pair);
    if (s) s.lastTickAt = at;
  }

  statuses(): SubscriptionStatus[] {
    return [...this.subscriptions.values()].map((s) => ({ ...s }));
  }
}
