import type { CheckDetail } from '../machines/heartbeat.ts';

/**
 * The "subscriptions alive" check of S6.1, pure: each active market-data
 * subscription must have ticked recently, while the market is open. The
 * broker actor reports ticks into a tracker; this reads its figures.
 */

export interface SubscriptionStatus {
  pair: string;
  subscribedAt: number;
  lastTickAt?: number;
}

/**
 * `fx`: the spot FX week, closed from Friday 21:00 to Sunday 22:00 UTC. That
 * window is the widest the New York 17:00 close and open can fall in across
 * daylight saving, so no weekend silence is ever called dead. `always`: for
 * the simulator and mock mode, which tick around the clock.
 */
export type MarketHours = 'fx' | 'always';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** When the current trading session opened, or undefined while the market is closed. */
export function sessionOpenedAt(now: number, hours: MarketHours): number | undefined {
  if (hours === 'always') return Number.NEGATIVE_INFINITY;
  const date = new Date(now);
  const day = date.getUTCDay();
  const midnight = now - (now % DAY);
  const hour = (now - midnight) / HOUR;
  if (day === 6 || (day === 5 && hour >= 21) || (day === 0 && hour < 22)) return undefined;
  // The most recent Sunday 22:00 UTC: getUTCDay() counts the days since Sunday.
  return midnight - day * DAY + 22 * HOUR;
}

export interface TickCheckInput {
  now: number;
  /** A subscription silent for longer than this, in market hours, is dead. */
  deadAfterMs: number;
  hours: MarketHours;
}

export function deadSubscriptions(subscriptions: readonly SubscriptionStatus[], { now, deadAfterMs, hours }: TickCheckInput): CheckDetail[] {
  const openedAt = sessionOpenedAt(now, hours);
  if (openedAt === undefined) return [];
  const out: CheckDetail[] = [];
  for (const s of subscriptions) {
    // Silence before the session opened (the weekend) does not count against a feed.
    const since = Math.max(s.lastTickAt ?? s.subscribedAt, s.subscribedAt, openedAt);
    const silent = now - since;
    if (silent <= deadAfterMs) continue;
    const last = s.lastTickAt === undefined ? 'no tick since it was subscribed' : `last tick ${ageText(now - s.lastTickAt)} ago`;
    out.push({ check: 'subscriptions_alive', subject: s.pair, message: `${s.pair} market data silent for ${ageText(silent)} (${last})` });
  }
  return out;
}

/** "42 s", "6 min", "3 h 5 min": ages as an operator reads them. */
export function ageText(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 120) return `${s} s`;
  const min = Math.floor(s / 60);
  if (min < 120) return `${min} min`;
  const h = Math.floor(min / 60);
  return `${h} h${min % 60 ? ` ${min % 60} min` : ''}`;
}
