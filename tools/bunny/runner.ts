/**
 * Runs the selected vectors one after another, each on a fresh scratch desk
 * under PHOENIX_HOME/bunny/<run>/<vector>, and hands every verdict to the
 * caller as it lands (the BUNNY bead, the progress line). A vector that
 * could not run (a process that would not start, a port taken, its budget
 * spent) is a FAIL with its reason, never a skip.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { v7 } from 'uuid';
import type { BeadData } from '../../beads/index.ts';

type BunnyAlerts = NonNullable<BeadData<'BUNNY'>['alerts']>;
import { ScratchDesk } from './desk.ts';
import { Judge, Missing } from './judge.ts';
import type { Vector } from './vector.ts';

export interface VectorResult {
  vector: Vector;
  index: number;
  passed: boolean;
  judge: Judge;
  startedAt: number;
  durationMs: number;
  /** The scratch home, when kept (every FAIL, or all with --keep). */
  keptHome?: string;
  /** Stopped by the operator (SIGINT/SIGTERM) before it finished. */
  interrupted?: true;
  /** The vector's declared alerts against its scratch log's (ground truth for alert precision and recall). */
  alerts?: BunnyAlerts;
}

export interface RunOptions {
  /** The desk's PHOENIX_HOME: scratch homes go under its bunny/ folder. */
  homeDir: string;
  /** --with KEY=VALUE for every scratch host. */
  settings: Record<string, string>;
  keep: boolean;
  signal: AbortSignal;
  onStart?(index: number, vector: Vector): void;
  onDone?(result: VectorResult): Promise<void> | void;
}

export function newRunId(): string {
  return `bunny-${v7()}`;
}

class Interrupted extends Error {}

function budget(vector: Vector, signal: AbortSignal): { promise: Promise<never>; cancel(): void } {
  let timer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  const promise = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Missing(`the vector did not finish within its budget of ${vector.budgetMs / 1000} s`)), vector.budgetMs);
    onAbort = () => reject(new Interrupted('interrupted'));
    signal.addEventListener('abort', onAbort, { once: true });
  });
  promise.catch(() => undefined);
  return {
    promise,
    cancel() {
      clearTimeout(timer);
      if (onAbort) signal.removeEventListener('abort', onAbort);
    },
  };
}

async function runOne(vector: Vector, index: number, runId: string, o: RunOptions): Promise<VectorResult> {
  const home = join(o.homeDir, 'bunny', runId, vector.id);
  const judge = new Judge();
  const startedAt = Date.now();
  let desk: ScratchDesk | undefined;
  let own: ScratchDesk | undefined;
  // Set when the vector is cut off: a desk that opens after that is closed at once, so nothing outlives the vector.
  let cutOff = false;
  let work: Promise<void> = Promise.resolve();
  const limit = budget(vector, o.signal);
  try {
    const ctx = {
      home,
      settings: o.settings,
      observe(d: ScratchDesk) {
        own = d;
        if (cutOff) void d.close();
      },
    };
    work = (async () => {
      if (vector.opensDesk !== false) desk = await ScratchDesk.open(home, { ...vector.desk, env: { ...vector.desk.env, ...o.settings } });
      if (cutOff) throw new Interrupted('cut off while its desk opened');
      await vector.run(desk as ScratchDesk, judge, ctx);
    })();
    work.catch(() => undefined);
    await Promise.race([work, limit.promise]);
  } catch (err) {
    if (err instanceof Interrupted) judge.aborted = 'interrupted: bunny was stopped (SIGINT/SIGTERM) before the vector finished';
    else judge.stopped(err);
  } finally {
    cutOff = true;
    limit.cancel();
    await desk?.close().catch(() => undefined);
    await own?.close().catch(() => undefined);
    // The vector's own code ends too (its waits fail on a closed desk), and then whatever desk it opened late.
    await Promise.race([work.catch(() => undefined), new Promise((r) => setTimeout(r, 15_000).unref())]);
    await desk?.close().catch(() => undefined);
  }
  const passed = judge.passed;
  // A vector that could not run never injected its fault: its desk's alerts are no ground truth either way.
  const injected = !/^(could not run|bunny error|interrupted)/.test(judge.aborted ?? '');
  const raised = injected ? (desk ?? own)?.alertsRaised : undefined;
  const alerts: BunnyAlerts | undefined = raised === undefined ? undefined : { must_raise: [...vector.alerts.raise], must_not_raise: [...vector.alerts.notRaise], raised };
  const keep = o.keep || !passed;
  if (!keep) rmSync(home, { recursive: true, force: true });
  const interrupted = o.signal.aborted && !passed;
  return { vector, index, passed, judge, startedAt, durationMs: Date.now() - startedAt, ...(keep ? { keptHome: home } : {}), ...(interrupted ? { interrupted: true as const } : {}), ...(alerts ? { alerts } : {}) };
}

export async function runVectors(vectors: readonly Vector[], runId: string, o: RunOptions): Promise<VectorResult[]> {
  const results: VectorResult[] = [];
  for (const [i, vector] of vectors.entries()) {
    if (o.signal.aborted) break;
    o.onStart?.(i, vector);
    const result = await runOne(vector, i, runId, o);
    results.push(result);
    await o.onDone?.(result);
  }
  return results;
}
