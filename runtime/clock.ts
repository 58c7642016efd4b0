import type { Clock } from '../beads/index.ts';

export type { Clock } from '../beads/index.ts';

export const systemClock: Clock = { now: () => Date.now() };

/** A clock tests move by hand. */
export class ManualClock implements Clock {
  constructor(private current = Date.parse('2026-11-24T09:00:00.000Z')) {}
  now(): number {
    return this.current;
  }
  advance(ms: number): void {
    this.current += ms;
  }
  set(ms: number): void {
    this.current = ms;
  }
}

/** ISO-8601 UTC with milliseconds, the bead `ts` format. */
export function isoAt(ms: number): string {
  return new Date(ms).toISOString();
}
