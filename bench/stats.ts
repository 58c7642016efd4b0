/** The p-th percentile (0..100) of a list of samples, nearest-rank. */
export function percentile(samples: readonly number[], p: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}

/** Milliseconds since an arbitrary origin, sub-millisecond resolution. */
export const nowMs = (): number => performance.now();

/** Runs `work` and returns how many per second it managed, given how many items it handled. */
export async function ratePerSecond(items: number, work: () => Promise<void> | void): Promise<number> {
  const start = nowMs();
  await work();
  return items / ((nowMs() - start) / 1000);
}
